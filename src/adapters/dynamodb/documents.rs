//! Document identification records: created once (used by no request, with a `ttl`), the face
//! match recorded on an existing record only, and the reference count the request writes keep
//! (`refs`): the create transaction adds one and removes the `ttl`; a release, a delete and a
//! clear take theirs off in their own transactions, after which a record no request names any
//! more is deleted (delete, clear) or given its `ttl` back (release: the client may submit it
//! again).

use aws_sdk_dynamodb::types::{ReturnValue, TransactWriteItem};

use super::codec::{self, n, s, DOCUMENT_REFS};
use super::keys::TTL_ATTRIBUTE;
use super::{conditionally, keys, Change, DynamoStore};
use crate::domain::{DocumentId, DocumentIdentification, ImageKey, TenantId};
use crate::ports::{DocumentStore, FaceRecorded, ServiceError};

impl DynamoStore {
    /// A request starts naming the document: it must exist; it is no longer unused, so it loses
    /// its `ttl`.
    pub(super) fn document_used(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
    ) -> Result<TransactWriteItem, ServiceError> {
        let change = Change::new(keys::document(tenant, id))
            .add(format!("{DOCUMENT_REFS} :one"))
            .remove("#ttl")
            .name("#ttl", TTL_ATTRIBUTE)
            .when("attribute_exists(pk)")
            .value(":one", n(1));
        self.update(change)
    }

    /// `count` requests stop naming the document. Only a counted record (one with `refs`) is
    /// changed: a record written before the count existed is left alone (the transaction is
    /// refused on it, and the caller goes on without it).
    pub(super) fn document_released(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        count: usize,
    ) -> Result<TransactWriteItem, ServiceError> {
        let change = Change::new(keys::document(tenant, id))
            .add(format!("{DOCUMENT_REFS} :minus"))
            .when(format!("attribute_exists({DOCUMENT_REFS})"))
            .value(":minus", n(-(count as i64)));
        self.update(change)
    }

    /// Deletes the document record if no request names it any more: `true` when it went.
    pub(super) async fn erase_if_unused(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
    ) -> Result<bool, ServiceError> {
        let request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(keys::document(tenant, id).item()))
            .condition_expression(format!("{DOCUMENT_REFS} <= :zero"))
            .expression_attribute_values(":zero", n(0));
        conditionally(|| async { request.clone().send().await.map(drop) }).await
    }

    /// Gives an unused document record its `ttl` back (after a release), unless a request
    /// names it again meanwhile.
    pub(super) async fn expire_if_unused(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        now: u64,
    ) -> Result<bool, ServiceError> {
        let change = Change::new(keys::document(tenant, id))
            .set("#ttl = :ttl")
            .name("#ttl", TTL_ATTRIBUTE)
            .when(format!("{DOCUMENT_REFS} <= :zero"))
            .value(":ttl", n(self.kept_until(now)))
            .value(":zero", n(0));
        self.conditional_update(change).await
    }
}

impl DocumentStore for DynamoStore {
    async fn create_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        document: &DocumentIdentification,
        now: u64,
    ) -> Result<(), ServiceError> {
        let kept_until = self.kept_until(now);
        self.put_new(codec::document_item(tenant, id, document, now, kept_until)?)
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
    ) -> Result<Option<FaceRecorded>, ServiceError> {
        let change = Change::new(keys::document(tenant, id))
            .set("faceMatch = :score")
            .set("faceImage = :face")
            .when("attribute_exists(pk)")
            .value(":score", n(score))
            .value(":face", s(face_image.as_str()));
        let request = self.update_item(change).return_values(ReturnValue::AllNew);
        // Whether a request names the record, from the item as updated.
        let used = std::sync::Mutex::new(false);
        let applied = conditionally(|| async {
            let out = request.clone().send().await?;
            let refs = out
                .attributes()
                .and_then(|a| codec::get_n::<i64>(a, DOCUMENT_REFS));
            *used.lock().unwrap_or_else(|e| e.into_inner()) = refs.unwrap_or(0) > 0;
            Ok(())
        })
        .await?;
        let used = *used.lock().unwrap_or_else(|e| e.into_inner());
        Ok(applied.then_some(FaceRecorded { used }))
    }
}
