//! The ports of the first two onboarding steps (document upload, face match): where images
//! are kept, how an image URL is fetched, what reads a document and what compares faces, and
//! the document records they produce.

use std::future::Future;
use std::time::Duration;

use super::ServiceError;
use crate::domain::{DocumentId, DocumentIdentification, Image, ImageFormat, ImageKey, TenantId};

/// A form that uploads one image straight to the bucket (a presigned S3 POST): post `fields`,
/// then the file, as `multipart/form-data` to `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedUpload {
    pub url: String,
    pub fields: Vec<(String, String)>,
}

/// What is stored under a key: its size and its first bytes (enough to tell its format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub size: u64,
    pub head: Vec<u8>,
}

/// The private image bucket. Keys come from [`ImageKey`], so they are tenant-scoped.
pub trait ImageStore: Send + Sync {
    fn put_image(
        &self,
        key: &ImageKey,
        image: &Image,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;

    /// A short-lived URL that reads the image without credentials.
    fn presigned_url(
        &self,
        key: &ImageKey,
        valid_for: Duration,
    ) -> impl Future<Output = Result<String, ServiceError>> + Send;

    /// Removes the images (missing ones are not an error).
    fn delete_images(
        &self,
        keys: &[ImageKey],
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;

    /// Images are stored as unused: the bucket expires them after the retention, as DynamoDB
    /// does the unused document record. Once a request names the document, its images (every
    /// object under `prefix`) are kept.
    fn keep_images(&self, prefix: &str) -> impl Future<Output = Result<(), ServiceError>> + Send;

    /// A form that lets a client upload one image of `format`, of at most `max_bytes`, to
    /// `key` (stored as unused, like every image), until `valid_for` after `now`.
    fn presign_upload(
        &self,
        key: &ImageKey,
        format: ImageFormat,
        max_bytes: u64,
        valid_for: Duration,
        now: u64,
    ) -> impl Future<Output = Result<PresignedUpload, ServiceError>> + Send;

    /// The size and first `head` bytes of the object under `key`; `None` when there is none.
    fn peek(
        &self,
        key: &ImageKey,
        head: usize,
    ) -> impl Future<Output = Result<Option<StoredObject>, ServiceError>> + Send;

    /// Moves an uploaded object to another key, as an unused image of `format`.
    fn move_image(
        &self,
        from: &ImageKey,
        to: &ImageKey,
        format: ImageFormat,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;
}

/// Why an image URL gave no image. Always the caller's to fix (a 400), never ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the image URL could not be used: {0}")]
pub struct UnusableUrl(pub String);

/// Fetches caller-supplied image URLs (https, public addresses only, bounded).
pub trait ImageFetcher: Send + Sync {
    fn fetch(&self, url: &str) -> impl Future<Output = Result<Image, UnusableUrl>> + Send;
}

/// One field a document reader extracted: its type name (`DATE_OF_BIRTH`, …), the text as
/// printed, and the normalized value it gives for dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadField {
    pub kind: String,
    pub text: String,
    pub normalized: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The service refused the images themselves (format, size, unreadable).
    #[error("the document images could not be read")]
    Unreadable,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Reads an identity document from its stored images (front first, then back).
pub trait DocumentReader: Send + Sync {
    fn read_document(
        &self,
        pages: &[ImageKey],
    ) -> impl Future<Output = Result<Vec<ReadField>, ReadError>> + Send;
}

/// What comparing a selfie with the document's face found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaceComparison {
    /// Similarity in [0, 1], at or above the threshold asked for.
    Match {
        similarity: f64,
    },
    /// Both images show a face; they are not the same person (below the threshold).
    NoMatch,
    NoFaceInSelfie,
    NoFaceOnDocument,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaceError {
    #[error("the face images could not be read")]
    Unreadable,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

pub trait FaceMatcher: Send + Sync {
    /// Compares the largest face of `selfie` with the faces on `document`; `threshold` in
    /// [0, 1].
    fn compare_faces(
        &self,
        selfie: &ImageKey,
        document: &ImageKey,
        threshold: f64,
    ) -> impl Future<Output = Result<FaceComparison, FaceError>> + Send;
}

/// A face match recorded on a document record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaceRecorded {
    /// A request names the document already.
    pub used: bool,
}

/// The document records the onboarding steps write.
pub trait DocumentStore: Send + Sync {
    /// Stores a new record; refuses (as a `Conflict`) an id that exists.
    fn create_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        document: &DocumentIdentification,
        now: u64,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;

    /// The tenant's record, if any.
    fn get_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
    ) -> impl Future<Output = Result<Option<DocumentIdentification>, ServiceError>> + Send;

    /// Records a face match on an existing record: the score and the selfie's key. `None` when
    /// the record is gone, else whether a request names it already (then the selfie is kept
    /// like the document's other images, not left to expire as unused).
    fn record_face_match(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        score: f64,
        face_image: &ImageKey,
    ) -> impl Future<Output = Result<Option<FaceRecorded>, ServiceError>> + Send;
}
