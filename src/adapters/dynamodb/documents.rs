//! Document identification records written by the onboarding steps: created once, the face
//! match recorded on an existing record only.

use super::codec::{self, n, s};
use super::{keys, Change, DynamoStore};
use crate::domain::{DocumentId, DocumentIdentification, ImageKey, TenantId};
use crate::ports::{DocumentStore, ServiceError};

impl DocumentStore for DynamoStore {
    async fn create_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        document: &DocumentIdentification,
        now: u64,
    ) -> Result<(), ServiceError> {
        self.put_new(codec::document_item(tenant, id, document, now)?)
            .await
    }

    async fn get_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
    ) -> Result<Option<DocumentIdentification>, ServiceError> {
        self.get(keys::document(tenant, id), true, codec::document)
            .await
    }

    async fn record_face_match(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        score: f64,
        face_image: &ImageKey,
    ) -> Result<bool, ServiceError> {
        let change = Change::new(keys::document(tenant, id))
            .set("faceMatch = :score")
            .set("faceImage = :face")
            .when("attribute_exists(pk)")
            .value(":score", n(score))
            .value(":face", s(face_image.as_str()));
        self.conditional_update(change).await
    }
}
