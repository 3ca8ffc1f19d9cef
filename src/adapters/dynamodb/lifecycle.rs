//! The lifecycle API's reads and removals: get, list, the documents behind requests, delete,
//! clear. State changes (accept) go through `verification::transition`.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{KeysAndAttributes, Select};

use super::codec::{self, s};
use super::{keys, DynamoStore, SERVICE};
use crate::adapters::OrServiceError;
use crate::domain::{DocumentId, DocumentIdentification, RequestId, TenantId};
use crate::ports::{
    AcceptedFilter, ClearOutcome, Page, PageCursor, RequestLifecycle, ServiceError, StoredRequest,
};

/// Requests removed per transaction in `clear_requests`: 4 items each, 100 items at most.
const CLEAR_BATCH: usize = 25;
/// Requests read per index page in `clear_requests`.
const CLEAR_PAGE: i32 = 100;
/// Keys per `BatchGetItem`, the service's limit.
const BATCH_GET: usize = 100;

fn accepted(filter: AcceptedFilter) -> Option<bool> {
    match filter {
        AcceptedFilter::All => None,
        AcceptedFilter::Accepted => Some(true),
        AcceptedFilter::NotAccepted => Some(false),
    }
}

impl DynamoStore {
    /// Reads a tenant's document record.
    pub async fn get_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
    ) -> Result<Option<DocumentIdentification>, ServiceError> {
        self.get(keys::document(tenant, id), true, codec::document)
            .await
    }

    /// How many requests a tenant still has (a `COUNT` query over the index).
    async fn count_requests(&self, tenant: &TenantId) -> Result<u64, ServiceError> {
        let mut total = 0u64;
        let mut start = None;
        loop {
            let out = self
                .requests_query(tenant, None)
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .or_service(SERVICE)?;
            total += out.count() as u64;
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(total);
            }
        }
    }

    /// Removes one index page's requests, a transaction per batch; how many went.
    async fn remove_requests(
        &self,
        tenant: &TenantId,
        requests: &[codec::Item],
    ) -> Result<u64, ServiceError> {
        let batches = requests.chunks(CLEAR_BATCH).map(|batch| async move {
            let mut items = Vec::with_capacity(batch.len() * 4);
            for request in batch {
                items.extend(self.removal_items_of(tenant, request)?);
            }
            if self.transact(items).await? {
                return Ok::<u64, ServiceError>(batch.len() as u64);
            }
            // Something in the batch changed meanwhile (a concurrent delete): one by one,
            // skipping what is already gone.
            let mut removed = 0;
            for request in batch {
                if self
                    .transact(self.removal_items_of(tenant, request)?)
                    .await?
                {
                    removed += 1;
                }
            }
            Ok(removed)
        });
        let mut deleted = 0;
        for removed in futures::future::join_all(batches).await {
            deleted += removed?;
        }
        Ok(deleted)
    }
}

impl RequestLifecycle for DynamoStore {
    async fn get_request(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Option<StoredRequest>, ServiceError> {
        self.get(keys::request(tenant, id), true, codec::stored_request)
            .await
    }

    async fn list_requests(
        &self,
        tenant: &TenantId,
        filter: AcceptedFilter,
        limit: u32,
        start: Option<PageCursor>,
    ) -> Result<Page, ServiceError> {
        let accepted = accepted(filter);
        let start = match start {
            None => None,
            Some(PageCursor(cursor)) => {
                // A cursor from another tenant's or another filter's listing reads nothing.
                let prefix = accepted.map(keys::listing_prefix);
                let fits = cursor.get(keys::GSI1PK) == Some(&keys::requests_of(tenant))
                    && cursor
                        .get(keys::GSI1SK)
                        .is_some_and(|sk| prefix.is_none_or(|p| sk.starts_with(&p)));
                if !fits {
                    return Ok(Page {
                        requests: vec![],
                        next: None,
                    });
                }
                Some(cursor.into_iter().map(|(k, v)| (k, s(v))).collect())
            }
        };
        let out = self
            .requests_query(tenant, accepted)
            .limit(limit.clamp(1, 1000) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .or_service(SERVICE)?;
        let requests = out
            .items()
            .iter()
            .map(codec::stored_request)
            .collect::<Result<_, _>>()?;
        let next = out.last_evaluated_key.map(|key| {
            PageCursor(
                key.into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_s().ok()?.clone())))
                    .collect(),
            )
        });
        Ok(Page { requests, next })
    }

    async fn get_documents(
        &self,
        tenant: &TenantId,
        ids: &[DocumentId],
    ) -> Result<HashMap<DocumentId, DocumentIdentification>, ServiceError> {
        let mut unique: Vec<&DocumentId> = ids.iter().collect();
        unique.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        unique.dedup();
        let mut found = HashMap::new();
        for chunk in unique.chunks(BATCH_GET) {
            let keys = chunk
                .iter()
                .map(|id| keys::document(tenant, id).item())
                .collect();
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .build()
                    .or_service(SERVICE)?,
            );
            while let Some(request) = pending.take() {
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .or_service(SERVICE)?;
                for item in out
                    .responses
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default()
                {
                    let Ok(id) = codec::document_id(&item) else {
                        continue;
                    };
                    found.insert(id, codec::document(&item)?);
                }
                pending = out
                    .unprocessed_keys
                    .and_then(|mut keys| keys.remove(&self.table))
                    .filter(|k| !k.keys().is_empty());
            }
        }
        Ok(found)
    }

    async fn delete_request(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<bool, ServiceError> {
        let removal = |request: &codec::Item| self.removal_items_of(tenant, request);
        let Some(items) = self.get(keys::request(tenant, id), true, removal).await? else {
            return Ok(false);
        };
        // Conditional on the request still existing: a racing delete or clear wins once.
        self.transact(items).await
    }

    async fn clear_requests(
        &self,
        tenant: &TenantId,
        budget: Duration,
    ) -> Result<ClearOutcome, ServiceError> {
        let deadline = tokio::time::Instant::now() + budget;
        let mut deleted = 0u64;
        let mut start = None;
        loop {
            let out = self
                .requests_query(tenant, None)
                .limit(CLEAR_PAGE)
                .set_exclusive_start_key(start)
                .send()
                .await
                .or_service(SERVICE)?;
            deleted += self.remove_requests(tenant, out.items()).await?;
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(ClearOutcome {
                    deleted,
                    remaining: 0,
                });
            }
            if tokio::time::Instant::now() >= deadline {
                let remaining = self.count_requests(tenant).await?;
                return Ok(ClearOutcome { deleted, remaining });
            }
        }
    }
}
