//! Document records in memory, as the DynamoDB adapter keeps them: created once, the face
//! match recorded on an existing record only.

use super::MemoryStore;
use crate::domain::{DocumentId, DocumentIdentification, ImageKey, TenantId};
use crate::ports::{DocumentStore, ServiceError, ServiceErrorKind};

impl DocumentStore for MemoryStore {
    async fn create_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        document: &DocumentIdentification,
        _now: u64,
    ) -> Result<(), ServiceError> {
        let mut state = self.state();
        let key = (tenant.clone(), id.clone());
        if state.documents.contains_key(&key) {
            return Err(ServiceError::new(
                "memory",
                ServiceErrorKind::Conflict,
                "document record exists",
            ));
        }
        state.documents.insert(key, document.clone());
        Ok(())
    }

    async fn get_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
    ) -> Result<Option<DocumentIdentification>, ServiceError> {
        Ok(self
            .state()
            .documents
            .get(&(tenant.clone(), id.clone()))
            .cloned())
    }

    async fn record_face_match(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        score: f64,
        face_image: &ImageKey,
    ) -> Result<bool, ServiceError> {
        let mut state = self.state();
        let Some(document) = state.documents.get_mut(&(tenant.clone(), id.clone())) else {
            return Ok(false);
        };
        document.face_match = Some(score);
        document.face_image = Some(face_image.to_string());
        Ok(true)
    }
}
