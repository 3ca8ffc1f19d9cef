//! The face step: a selfie (inline or by URL) is stored beside the document's images and
//! compared with the face on the document's front (Rekognition `CompareFaces` behind the port);
//! on a match the score is recorded on the document record.

use crate::domain::{DocumentId, ImageInput, ImageKey, ImageSide, TenantId};
use crate::ports::{
    DocumentStore, FaceComparison, FaceError, FaceMatcher, ImageFetcher, ImageStore, ServiceError,
};

use super::document_authentication::{keep_document_images, resolve, DocumentError};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaceAuthError {
    #[error("no such document record for this tenant")]
    NoDocument,
    /// An URL that could not be fetched, or content that is not a PNG or JPEG.
    #[error("the face image is not usable")]
    InvalidImage,
    /// The record has no stored front image to compare with (registered by an operator).
    #[error("the document record has no stored front image")]
    NoDocumentImage,
    #[error("no face found in the selfie")]
    NoFaceInSelfie,
    #[error("no face found on the document")]
    NoFaceOnDocument,
    #[error("the faces do not match")]
    NoMatch,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Compares and records; the score (similarity in [0, 1]) on a match.
#[allow(clippy::too_many_arguments)]
pub async fn authenticate_face<I, F, M, S>(
    images: &I,
    fetcher: &F,
    matcher: &M,
    store: &S,
    tenant: &TenantId,
    document_id: &DocumentId,
    face: ImageInput,
    threshold: f64,
) -> Result<f64, FaceAuthError>
where
    I: ImageStore,
    F: ImageFetcher,
    M: FaceMatcher,
    S: DocumentStore,
{
    let document = store
        .get_document(tenant, document_id)
        .await?
        .ok_or(FaceAuthError::NoDocument)?;
    let front = document
        .id_front_image
        .as_deref()
        .and_then(|raw| ImageKey::stored(tenant, raw))
        .ok_or(FaceAuthError::NoDocumentImage)?;
    let selfie = match resolve(images, fetcher, tenant, ImageSide::Face, face).await {
        Ok(selfie) => selfie,
        Err(DocumentError::Service(e)) => return Err(FaceAuthError::Service(e)),
        Err(_) => return Err(FaceAuthError::InvalidImage),
    };
    let key = ImageKey::new(tenant, document_id, ImageSide::Face, selfie.format());
    selfie.store(images, &key).await?;

    let refused = match matcher.compare_faces(&key, &front, threshold).await {
        Ok(FaceComparison::Match { similarity }) => {
            return match store
                .record_face_match(tenant, document_id, similarity, &key)
                .await?
            {
                Some(recorded) => {
                    if recorded.used {
                        // A request names the document already: the selfie is kept with its
                        // other images rather than expired as unused.
                        keep_document_images(images, tenant, document_id).await;
                    }
                    Ok(similarity)
                }
                None => Err(FaceAuthError::NoDocument),
            };
        }
        Ok(FaceComparison::NoMatch) => FaceAuthError::NoMatch,
        Ok(FaceComparison::NoFaceInSelfie) => FaceAuthError::NoFaceInSelfie,
        Ok(FaceComparison::NoFaceOnDocument) => FaceAuthError::NoFaceOnDocument,
        Err(FaceError::Unreadable) => FaceAuthError::InvalidImage,
        Err(FaceError::Service(e)) => FaceAuthError::Service(e),
    };
    // A refused selfie is not kept.
    if let Err(e) = images.delete_images(std::slice::from_ref(&key)).await {
        tracing::warn!(error = %e, document_id = %document_id, "refused selfie not deleted");
    }
    Err(refused)
}

#[cfg(test)]
#[path = "face_authentication_tests.rs"]
mod tests;
