//! Document records in memory, as the DynamoDB adapter keeps them: created once, the face
//! match recorded on an existing record only.

use super::MemoryStore;
use crate::domain::{DocumentId, DocumentIdentification, ImageKey, TenantId};
use crate::ports::{DocumentStore, FaceRecorded, ServiceError, ServiceErrorKind};

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
    ) -> Result<Option<FaceRecorded>, ServiceError> {
        let mut state = self.state();
        let key = (tenant.clone(), id.clone());
        let used = state.refs.get(&key).is_some_and(|refs| *refs > 0);
        let Some(document) = state.documents.get_mut(&key) else {
            return Ok(None);
        };
        document.face_match = Some(score);
        document.face_image = Some(face_image.to_string());
        Ok(Some(FaceRecorded { used }))
    }
}
