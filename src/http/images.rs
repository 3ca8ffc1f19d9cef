//! What the image routes share: their body limit (the published 30 MB, refused from the size
//! before anything is decoded) and reading one image field (a string: an https URL, or base64
//! with or without a `data:image/png;base64,` / `data:image/jpeg;base64,` prefix).

use lambda_http::http::header;
use lambda_http::{Body, Request};
use serde_json::{Map, Value};

use super::errors::ApiError;
use crate::domain::{ImageInput, ImageSide, UploadRef};
use crate::messages;

/// The published bound on the images of one request. API Gateway (10 MB) and Lambda (6 MB)
/// refuse less than this before the function runs; see README, "Large images".
pub const MAX_IMAGES_BYTES: usize = 30 * 1024 * 1024;

/// The JSON body of an image route, refused with the published plain-text 413 past
/// [`MAX_IMAGES_BYTES`].
pub fn image_body(request: &Request) -> Result<&[u8], ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes: &[u8] = match request.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_IMAGES_BYTES {
        return Err(ApiError::EntityTooLarge);
    }
    Ok(bytes)
}

/// How the published errors name a bad image of each side.
pub struct SideErrors {
    pub more_than_one: ApiError,
    pub bad_base64: ApiError,
}

pub fn side_errors(side: ImageSide) -> SideErrors {
    match side {
        ImageSide::Face => SideErrors {
            more_than_one: ApiError::OneFaceImage,
            // Published wording, even for the face.
            bad_base64: ApiError::InvalidBase64 { side: "front" },
        },
        other => SideErrors {
            more_than_one: ApiError::OneImagePerSide,
            bad_base64: ApiError::InvalidBase64 {
                side: other.as_str(),
            },
        },
    }
}

/// How the published errors name an image that is not usable (a bad URL, a bad or foreign
/// upload reference).
fn invalid_image(side: ImageSide) -> ApiError {
    match side {
        ImageSide::Face => ApiError::InvalidFaceImage,
        _ => ApiError::InvalidDocumentImage,
    }
}

/// The image of `side` in `body`: absent (or null) is `None`; a string (URL or base64), or an
/// object with exactly one of `url`, `base64` and `s3ref` (the reference `POST /api/uploads`
/// gave). An array, or an object giving more than one, is more than one image.
pub fn image_field(
    body: &Map<String, Value>,
    side: ImageSide,
) -> Result<Option<ImageInput>, ApiError> {
    let errors = side_errors(side);
    let not_a_string = || ApiError::BadRequest(messages::field_must_be_string(side.field()));
    let raw = match body.get(side.field()) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.as_str(),
        Some(Value::Array(_)) => return Err(errors.more_than_one),
        Some(Value::Object(o)) => {
            let given: Vec<(&str, &Value)> = ["url", "base64", "s3ref"]
                .into_iter()
                .filter_map(|k| o.get(k).map(|v| (k, v)))
                .collect();
            match given.as_slice() {
                [("s3ref", Value::String(s))] => {
                    return UploadRef::parse(s.trim())
                        .map(|r| Some(ImageInput::Uploaded(r)))
                        .ok_or_else(|| invalid_image(side));
                }
                [(_, Value::String(s))] => s.as_str(),
                [_, _, ..] => return Err(errors.more_than_one),
                _ => return Err(not_a_string()),
            }
        }
        Some(_) => return Err(not_a_string()),
    };
    ImageInput::parse(raw)
        .map(Some)
        .map_err(|_| errors.bad_base64)
}
