//! The document step: the images of an identity document in (inline or by URL) → stored in the
//! tenant's image space → read (Textract `AnalyzeID` behind the port) → mapped to
//! `idInformation` → a new document identification record. Nothing is kept when the document
//! is not recognised.

use futures::future::try_join_all;

use crate::domain::{
    id_information, DocumentDate, DocumentId, DocumentIdentification, ExtractedField, Image,
    ImageFormat, ImageInput, ImageKey, ImageSide, TenantId, MAX_IMAGE_BYTES, SNIFF_BYTES,
};
use crate::ports::{
    DocumentReader, DocumentStore, ImageFetcher, ImageStore, ReadError, ServiceError,
};

/// The sides of a document as the caller gave them (front required).
#[derive(Debug, Clone)]
pub struct DocumentImages {
    pub front: ImageInput,
    pub back: Option<ImageInput>,
    pub side: Option<ImageInput>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DocumentError {
    /// An URL that could not be fetched, or content that is not a PNG or JPEG.
    #[error("the {} image is not usable", .0.as_str())]
    InvalidImage(ImageSide),
    /// No identity document in the images, or none whose number the call could ask for.
    #[error("no identity document recognised")]
    NotRecognized,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// The new record and its id.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatedDocument {
    pub id: DocumentId,
    pub document: DocumentIdentification,
}

/// One image as the steps have it: its bytes (inline, or fetched from an URL), or an object the
/// client uploaded to the bucket through a presigned POST, checked but not read.
#[derive(Debug, Clone)]
pub(crate) enum Captured {
    Bytes(Image),
    Uploaded { key: ImageKey, format: ImageFormat },
}

impl Captured {
    pub(crate) fn format(&self) -> ImageFormat {
        match self {
            Captured::Bytes(image) => image.format(),
            Captured::Uploaded { format, .. } => *format,
        }
    }

    /// Stores the image under `key`: written, or the upload moved there (with its tags).
    pub(crate) async fn store<I: ImageStore>(
        &self,
        images: &I,
        key: &ImageKey,
    ) -> Result<(), ServiceError> {
        match self {
            Captured::Bytes(image) => images.put_image(key, image).await,
            Captured::Uploaded {
                key: upload,
                format,
            } => images.move_image(upload, key, *format).await,
        }
    }
}

/// The image of one side: fetched if given by URL; if uploaded, the object under the caller's
/// tenant's upload key must exist, be 1 byte to [`MAX_IMAGE_BYTES`] and start as a PNG or a
/// JPEG does (sniffed from its first bytes, before any service reads it). Another tenant's
/// reference names no object of this tenant: the same error as a bad image.
pub(crate) async fn resolve<I: ImageStore, F: ImageFetcher>(
    images: &I,
    fetcher: &F,
    tenant: &TenantId,
    side: ImageSide,
    input: ImageInput,
) -> Result<Captured, DocumentError> {
    let invalid = DocumentError::InvalidImage(side);
    match input {
        ImageInput::Inline(image) => Ok(Captured::Bytes(image)),
        ImageInput::Url(url) => fetcher
            .fetch(&url)
            .await
            .map(Captured::Bytes)
            .map_err(|_| invalid),
        ImageInput::Uploaded(upload) => {
            let key = ImageKey::upload(tenant, &upload);
            let Some(object) = images.peek(&key, SNIFF_BYTES).await? else {
                return Err(invalid);
            };
            if !(1..=MAX_IMAGE_BYTES).contains(&object.size) {
                return Err(invalid);
            }
            match ImageFormat::sniff(&object.head) {
                Some(format) => Ok(Captured::Uploaded { key, format }),
                None => Err(invalid),
            }
        }
    }
}

pub async fn authenticate_document<I, F, R, S>(
    images: &I,
    fetcher: &F,
    reader: &R,
    store: &S,
    tenant: &TenantId,
    input: DocumentImages,
    now: u64,
) -> Result<AuthenticatedDocument, DocumentError>
where
    I: ImageStore,
    F: ImageFetcher,
    R: DocumentReader,
    S: DocumentStore,
{
    let sides = [
        Some((ImageSide::Front, input.front)),
        input.back.map(|i| (ImageSide::Back, i)),
        input.side.map(|i| (ImageSide::Side, i)),
    ];
    let fetched = try_join_all(sides.into_iter().flatten().map(|(side, input)| async move {
        resolve(images, fetcher, tenant, side, input)
            .await
            .map(|image| (side, image))
    }))
    .await?;

    let id = DocumentId::parse(&ulid::Ulid::new().to_string().to_ascii_lowercase())
        .expect("a ULID is key-safe");
    let keyed: Vec<(ImageSide, ImageKey, Captured)> = fetched
        .into_iter()
        .map(|(side, image)| {
            (
                side,
                ImageKey::new(tenant, &id, side, image.format()),
                image,
            )
        })
        .collect();
    let keys: Vec<ImageKey> = keyed.iter().map(|(_, key, _)| key.clone()).collect();
    let key_of = |wanted: ImageSide| {
        keyed
            .iter()
            .find(|(side, _, _)| *side == wanted)
            .map(|(_, key, _)| key.clone())
    };

    // Stored first: the reader reads the images from the bucket (its inline limit is 5 MB).
    let stored = try_join_all(keyed.iter().map(|(_, key, image)| image.store(images, key))).await;
    let outcome = match stored {
        Ok(_) => read_and_record(reader, store, tenant, &id, &key_of, now).await,
        Err(e) => Err(DocumentError::Service(e)),
    };
    if outcome.is_err() {
        // Nothing of a refused document is kept. A failed clean-up leaves the objects to the
        // bucket's lifecycle rule.
        if let Err(e) = images.delete_images(&keys).await {
            tracing::warn!(error = %e, document_id = %id, "images of a refused document not deleted");
        }
    }
    outcome
}

/// A request names the document now: its images are kept, no longer expired by the bucket's
/// rule for unused ones. Called after every accepted create (idempotent). A failure is logged
/// (`UNKEPT`, with the prefix, which holds no PII): the images would expire while the record
/// stays, until an operator keeps them (removing the tag).
pub async fn keep_document_images<I: ImageStore>(
    images: &I,
    tenant: &TenantId,
    document: &DocumentId,
) {
    let prefix = ImageKey::document_prefix(tenant, document);
    if let Err(err) = images.keep_images(&prefix).await {
        tracing::error!(error = %err, prefix = %prefix, "UNKEPT: images of a used document are still tagged unused");
    }
}

async fn read_and_record<R: DocumentReader, S: DocumentStore>(
    reader: &R,
    store: &S,
    tenant: &TenantId,
    id: &DocumentId,
    key_of: &impl Fn(ImageSide) -> Option<ImageKey>,
    now: u64,
) -> Result<AuthenticatedDocument, DocumentError> {
    let today = DocumentDate::from_unix(now);
    let front = key_of(ImageSide::Front).expect("the front is required");
    let pages: Vec<ImageKey> = [Some(front.clone()), key_of(ImageSide::Back)]
        .into_iter()
        .flatten()
        .collect();
    let fields = match reader.read_document(&pages).await {
        Ok(fields) => fields,
        Err(ReadError::Unreadable) => return Err(DocumentError::NotRecognized),
        Err(ReadError::Service(e)) => return Err(DocumentError::Service(e)),
    };
    let triples: Vec<ExtractedField<'_>> = fields
        .iter()
        .map(|f| ExtractedField::new(&f.kind, &f.text, f.normalized.as_deref()))
        .collect();
    let info = id_information(&triples, today).map_err(|_| DocumentError::NotRecognized)?;
    let document = DocumentIdentification {
        id_information: info,
        id_front_image: Some(front.to_string()),
        id_back_image: key_of(ImageSide::Back).map(|k| k.to_string()),
        id_side_image: key_of(ImageSide::Side).map(|k| k.to_string()),
        face_image: None,
        face_match: None,
    }
    // The call asks for the last four digits of the number: a document without them cannot be
    // verified, so it is not recognised.
    .validate()
    .map_err(|_| DocumentError::NotRecognized)?;
    store.create_document(tenant, id, &document, now).await?;
    Ok(AuthenticatedDocument {
        id: id.clone(),
        document,
    })
}

#[cfg(test)]
#[path = "document_authentication_tests.rs"]
mod tests;
