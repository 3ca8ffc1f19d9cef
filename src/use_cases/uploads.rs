//! Large images: `POST /api/uploads` hands out a presigned S3 POST that uploads one image straight
//! to the bucket (past API Gateway's 10 MB and Lambda's 6 MB request limits), under the caller's
//! tenant; the image routes then take the upload's reference (`{"s3ref": ...}`) in place of the
//! image and check the object themselves (see `document_authentication::resolve`).

use std::time::Duration;

use crate::domain::{ImageFormat, ImageKey, TenantId, UploadRef, MAX_IMAGE_BYTES};
use crate::ports::{ImageStore, PresignedUpload, ServiceError};

/// How long an upload form works.
pub const UPLOAD_VALID_FOR: Duration = Duration::from_secs(300);

/// A form and the reference that names its object afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpload {
    pub reference: UploadRef,
    pub form: PresignedUpload,
    pub max_bytes: u64,
    /// Unix seconds after which S3 refuses the form.
    pub expires_at: u64,
}

pub async fn new_upload<I: ImageStore>(
    images: &I,
    tenant: &TenantId,
    format: ImageFormat,
    now: u64,
) -> Result<NewUpload, ServiceError> {
    let reference = UploadRef::generate();
    let key = ImageKey::upload(tenant, &reference);
    let form = images
        .presign_upload(&key, format, MAX_IMAGE_BYTES, UPLOAD_VALID_FOR, now)
        .await?;
    Ok(NewUpload {
        reference,
        form,
        max_bytes: MAX_IMAGE_BYTES,
        expires_at: now + UPLOAD_VALID_FOR.as_secs(),
    })
}
