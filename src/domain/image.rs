//! Images of a document side or a face: only PNG and JPEG are accepted, recognised by their
//! bytes (never by a header, a file name or a `data:` prefix), and given inline as base64 with
//! or without a `data:image/png;base64,` / `data:image/jpeg;base64,` prefix, or as an https URL.

use std::fmt;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

/// The image formats Textract `AnalyzeID` and Rekognition both accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
}

/// The most one image may be: Textract's limit for a synchronous PNG/JPEG (Rekognition's for
/// an S3 object is 15 MB). Three sides at this size are the published 30 MB. Uploads through a
/// presigned POST are capped here by S3 itself (the policy's `content-length-range`).
pub const MAX_IMAGE_BYTES: u64 = 10 * 1024 * 1024;

/// How many leading bytes [`ImageFormat::sniff`] needs at most.
pub const SNIFF_BYTES: usize = 16;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// A PNG's first chunk is always IHDR, 13 bytes long.
const PNG_IHDR: &[u8] = b"\0\0\0\x0dIHDR";
/// JPEG: start-of-image marker, then the first segment's marker.
const JPEG_SOI: &[u8] = b"\xff\xd8\xff";

impl ImageFormat {
    /// The format of `bytes`, from their magic numbers: a PNG signature followed by its IHDR
    /// chunk, or a JPEG start-of-image marker followed by a segment marker.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(PNG_SIGNATURE) && bytes[PNG_SIGNATURE.len()..].starts_with(PNG_IHDR) {
            Some(Self::Png)
        } else if bytes.starts_with(JPEG_SOI) && bytes.len() > JPEG_SOI.len() {
            Some(Self::Jpeg)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
        }
    }

    /// The format a `Content-Type` names (`image/png`, `image/jpeg`), case-insensitively.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        [Self::Png, Self::Jpeg]
            .into_iter()
            .find(|f| f.content_type().eq_ignore_ascii_case(content_type.trim()))
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
        }
    }
}

/// The bytes of a PNG or JPEG image. Only constructible from bytes that are one, so every
/// `Image` in the program is an accepted format. `Debug` prints the format and size only.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    bytes: Vec<u8>,
    format: ImageFormat,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Image({:?}, {} bytes)", self.format, self.bytes.len())
    }
}

/// Why an inline image was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("not valid base64")]
    NotBase64,
    #[error("a data URL of a type other than image/png or image/jpeg")]
    UnsupportedDataUrl,
    #[error("not a PNG or JPEG image")]
    NotPngOrJpeg,
}

impl Image {
    /// Accepts `bytes` if they are a PNG or a JPEG.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, ImageError> {
        let format = ImageFormat::sniff(&bytes).ok_or(ImageError::NotPngOrJpeg)?;
        Ok(Self { bytes, format })
    }

    /// Decodes base64 (standard or URL-safe alphabet, padded or not, line breaks allowed), with
    /// or without a `data:image/png;base64,` / `data:image/jpeg;base64,` prefix, and accepts the
    /// result if it is a PNG or a JPEG (whichever the prefix said).
    pub fn from_base64(input: &str) -> Result<Self, ImageError> {
        let payload = strip_data_url(input.trim())?;
        let compact: std::borrow::Cow<'_, str> = if payload.bytes().any(|b| b.is_ascii_whitespace())
        {
            payload
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect::<String>()
                .into()
        } else {
            payload.into()
        };
        if compact.is_empty() {
            return Err(ImageError::NotBase64);
        }
        let engine = if compact.contains(['-', '_']) {
            &URL_SAFE_ANY_PADDING
        } else {
            &STANDARD_ANY_PADDING
        };
        let bytes = engine
            .decode(compact.as_bytes())
            .map_err(|_| ImageError::NotBase64)?;
        Self::from_bytes(bytes)
    }

    pub fn format(&self) -> ImageFormat {
        self.format
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

const ANY_PADDING: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, ANY_PADDING);
const URL_SAFE_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, ANY_PADDING);

/// The payload of a `data:` URL of one of the two accepted types, or `input` itself when it
/// has no `data:` prefix. The scheme and type compare case-insensitively (RFC 2397).
fn strip_data_url(input: &str) -> Result<&str, ImageError> {
    let Some(prefix) = input.get(..5) else {
        return Ok(input);
    };
    if !prefix.eq_ignore_ascii_case("data:") {
        return Ok(input);
    }
    let (header, payload) = input
        .split_once(',')
        .ok_or(ImageError::UnsupportedDataUrl)?;
    let accepted = ["data:image/png;base64", "data:image/jpeg;base64"]
        .iter()
        .any(|h| header.eq_ignore_ascii_case(h));
    if accepted {
        Ok(payload)
    } else {
        Err(ImageError::UnsupportedDataUrl)
    }
}

/// How a caller gave one image: an URL to fetch, the image itself, or an object it uploaded
/// through a presigned POST (`{"s3ref": ...}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageInput {
    /// `http(s)://…`, as given (the fetcher refuses anything but https).
    Url(String),
    Inline(Image),
    Uploaded(super::UploadRef),
}

impl ImageInput {
    /// An URL when the value starts with `https://` or `http://` (base64 never contains `:`),
    /// otherwise base64 as accepted by [`Image::from_base64`].
    pub fn parse(raw: &str) -> Result<Self, ImageError> {
        let trimmed = raw.trim();
        let scheme = trimmed.split_once("://").map(|(s, _)| s);
        match scheme {
            Some(s) if s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http") => {
                Ok(Self::Url(trimmed.to_owned()))
            }
            _ => Image::from_base64(trimmed).map(Self::Inline),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};

    const PNG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.png");
    const JPEG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.jpg");
    const TEXT_AS_PNG: &[u8] = include_bytes!("../../tests/fixtures/images/not-an-image.png");

    #[test]
    fn the_fixture_images_are_sniffed_from_their_bytes() {
        assert_eq!(ImageFormat::sniff(PNG), Some(ImageFormat::Png));
        assert_eq!(ImageFormat::sniff(JPEG), Some(ImageFormat::Jpeg));
        assert_eq!(ImageFormat::sniff(TEXT_AS_PNG), None);
    }

    #[test]
    fn truncated_or_foreign_magic_numbers_are_not_images() {
        for bytes in [
            &b""[..],
            b"\x89PNG",
            b"\x89PNG\r\n\x1a\n",             // signature without IHDR
            b"\x89PNG\r\n\x1a\n\0\0\0\rIDAT", // wrong first chunk
            b"\xff\xd8\xff",                  // SOI and nothing else
            b"\xff\xd8\x00\x00",
            b"GIF89a\x01\x00\x01\x00",
            b"%PDF-1.7\n",
            b"II*\x00", // TIFF
            b"RIFF\0\0\0\0WEBPVP8 ",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        ] {
            assert_eq!(ImageFormat::sniff(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn base64_with_and_without_a_data_url_prefix_decodes() {
        let plain = STANDARD.encode(PNG);
        assert_eq!(Image::from_base64(&plain).unwrap().bytes(), PNG);
        let prefixed = format!("data:image/png;base64,{plain}");
        assert_eq!(Image::from_base64(&prefixed).unwrap().bytes(), PNG);
        let jpeg = format!("data:image/jpeg;base64,{}", STANDARD.encode(JPEG));
        let image = Image::from_base64(&jpeg).unwrap();
        assert_eq!(image.format(), ImageFormat::Jpeg);
        assert_eq!(image.format().content_type(), "image/jpeg");
        let upper = format!("DATA:IMAGE/JPEG;BASE64,{}", STANDARD.encode(JPEG));
        assert!(Image::from_base64(&upper).is_ok());
    }

    #[test]
    fn base64_without_padding_url_safe_or_line_wrapped_decodes() {
        assert!(Image::from_base64(&STANDARD_NO_PAD.encode(JPEG)).is_ok());
        assert!(Image::from_base64(&URL_SAFE_NO_PAD.encode(JPEG)).is_ok());
        let wrapped: String = STANDARD
            .encode(PNG)
            .as_bytes()
            .chunks(76)
            .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
            .collect();
        assert_eq!(Image::from_base64(&wrapped).unwrap().bytes(), PNG);
    }

    #[test]
    fn the_content_decides_not_the_prefix() {
        let jpeg_called_png = format!("data:image/png;base64,{}", STANDARD.encode(JPEG));
        assert_eq!(
            Image::from_base64(&jpeg_called_png).unwrap().format(),
            ImageFormat::Jpeg
        );
        let text_called_png = format!("data:image/png;base64,{}", STANDARD.encode(TEXT_AS_PNG));
        assert_eq!(
            Image::from_base64(&text_called_png),
            Err(ImageError::NotPngOrJpeg)
        );
    }

    #[test]
    fn what_is_not_base64_of_a_png_or_jpeg_is_refused() {
        assert_eq!(Image::from_base64(""), Err(ImageError::NotBase64));
        assert_eq!(
            Image::from_base64("data:image/png;base64,"),
            Err(ImageError::NotBase64)
        );
        assert_eq!(
            Image::from_base64("not base64 at all!"),
            Err(ImageError::NotBase64)
        );
        assert_eq!(
            Image::from_base64(&STANDARD.encode(b"hello, world")),
            Err(ImageError::NotPngOrJpeg)
        );
        assert_eq!(
            Image::from_base64(&format!("data:image/gif;base64,{}", STANDARD.encode(PNG))),
            Err(ImageError::UnsupportedDataUrl)
        );
        assert_eq!(
            Image::from_base64("data:image/png,rawbytes"),
            Err(ImageError::UnsupportedDataUrl)
        );
        assert_eq!(
            Image::from_base64("data:image/png;base64"),
            Err(ImageError::UnsupportedDataUrl)
        );
    }

    #[test]
    fn an_url_is_told_from_base64_by_its_scheme() {
        assert_eq!(
            ImageInput::parse(" https://example.com/a.png ").unwrap(),
            ImageInput::Url("https://example.com/a.png".into())
        );
        assert_eq!(
            ImageInput::parse("HTTP://example.com/a.png").unwrap(),
            ImageInput::Url("HTTP://example.com/a.png".into())
        );
        assert!(matches!(
            ImageInput::parse(&STANDARD.encode(PNG)).unwrap(),
            ImageInput::Inline(_)
        ));
        assert_eq!(
            ImageInput::parse("ftp://example.com/a.png"),
            Err(ImageError::NotBase64)
        );
    }

    #[test]
    fn debug_prints_no_image_bytes() {
        let image = Image::from_bytes(PNG.to_vec()).unwrap();
        assert_eq!(
            format!("{image:?}"),
            format!("Image(Png, {} bytes)", PNG.len())
        );
    }
}
