//! The lifecycle API's reads and removals: get, list (in `listing.rs`), the documents behind
//! requests, delete, clear. State changes (accept) go through `verification::transition`.
//! Removals take the requests off the status counters in the same transactions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use aws_sdk_dynamodb::types::{KeysAndAttributes, Select};
use futures::future::join_all;

use super::codec;
use super::counters::{shard_of, Counted};
use super::{keys, DynamoStore, SERVICE};
use crate::adapters::OrServiceError;
use crate::domain::stats::CounterChange;
use crate::domain::{DocumentId, DocumentIdentification, RequestId, TenantId};
use crate::ports::{
    ClearOutcome, Deleted, Listing, Page, PageCursor, RequestLifecycle, ServiceError,
    ServiceErrorKind, StoredRequest,
};

/// Requests removed per transaction in `clear_requests`: 4 items each, one count update per
/// document (at most one per request) and one counter update, 100 items at most.
const CLEAR_BATCH: usize = 19;
/// Tries of a delete whose request changed status between its read and its write.
const DELETE_TRIES: u32 = 4;
/// Requests read per index page in `clear_requests`.
const CLEAR_PAGE: i32 = 100;
/// Keys per `BatchGetItem`, the service's limit.
const BATCH_GET: usize = 100;
/// How often unprocessed keys of a `BatchGetItem` (the service's throttling of a batch) are
/// asked for again, after pauses growing from [`UNPROCESSED_PAUSE`].
const UNPROCESSED_RETRIES: u32 = 4;
const UNPROCESSED_PAUSE: Duration = Duration::from_millis(50);

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

    /// Removes one index page's requests, a transaction per batch (taking them off the status
    /// counters and their documents' counts in it): how many went, how many are still there
    /// (concurrent writes kept holding them), and the documents erased with their last request.
    async fn remove_requests(
        &self,
        tenant: &TenantId,
        requests: &[codec::Item],
    ) -> Result<(u64, u64, Vec<DocumentId>), ServiceError> {
        let batches: Vec<&[codec::Item]> = requests.chunks(CLEAR_BATCH).collect();
        let documents: Vec<HashSet<DocumentId>> = batches
            .iter()
            .map(|batch| batch.iter().map(codec::document_id).collect())
            .collect::<Result<_, _>>()?;
        // Batches that share a document would meet on its count: they go one after the other.
        let all: HashSet<&DocumentId> = documents.iter().flatten().collect();
        let disjoint = all.len() == documents.iter().map(HashSet::len).sum::<usize>();
        let outcomes = if disjoint {
            join_all(batches.iter().map(|batch| self.remove_batch(tenant, batch))).await
        } else {
            let mut outcomes = Vec::with_capacity(batches.len());
            for batch in &batches {
                outcomes.push(self.remove_batch(tenant, batch).await);
            }
            outcomes
        };
        let (mut deleted, mut left, mut erased) = (0, 0, Vec::new());
        for outcome in outcomes {
            let (removed, kept, gone) = outcome?;
            deleted += removed;
            left += kept;
            erased.extend(gone);
        }
        Ok((deleted, left, erased))
    }

    /// One clear transaction: the batch's requests and their documents' counts.
    async fn remove_batch(
        &self,
        tenant: &TenantId,
        batch: &[codec::Item],
    ) -> Result<(u64, u64, Vec<DocumentId>), ServiceError> {
        let mut items = Vec::with_capacity(batch.len() * 5);
        let mut statuses = Vec::with_capacity(batch.len());
        let mut documents: BTreeMap<DocumentId, usize> = BTreeMap::new();
        for request in batch {
            items.extend(self.removal_items_of(tenant, request)?);
            statuses.push(codec::status(request)?);
            *documents.entry(codec::document_id(request)?).or_default() += 1;
        }
        for (document, count) in &documents {
            items.push(self.document_released(tenant, document, *count)?);
        }
        let change = CounterChange::deleted(statuses);
        match self
            .transact_counted(items, tenant, &change, None, None)
            .await
        {
            Ok(Counted::Done) => {
                let mut erased = Vec::new();
                for document in documents.into_keys() {
                    if self.erase_document(tenant, &document).await {
                        erased.push(document);
                    }
                }
                return Ok((batch.len() as u64, 0, erased));
            }
            Ok(Counted::Refused(_)) => {}
            Err(err) if err.kind == ServiceErrorKind::Conflict => {}
            Err(err) => return Err(err),
        }
        // Something in the batch changed meanwhile (a concurrent delete, a call that moved a
        // request on, a document without a count): one by one, reading each again, skipping
        // what is gone and counting what could not go.
        let (mut removed, mut left, mut erased) = (0, 0, Vec::new());
        for request in batch {
            match self
                .delete_as_read(tenant, &codec::request_id(request)?)
                .await
            {
                Ok(Some(deleted)) => {
                    removed += 1;
                    erased.extend(deleted.erased);
                }
                Ok(None) => {}
                Err(err) if err.kind == ServiceErrorKind::Conflict => left += 1,
                Err(err) => return Err(err),
            }
        }
        Ok((removed, left, erased))
    }

    /// Deletes a document record no request names any more: whether it went. A failure is
    /// logged, not returned: the requests are gone, which is what the caller asked for.
    async fn erase_document(&self, tenant: &TenantId, document: &DocumentId) -> bool {
        match self.erase_if_unused(tenant, document).await {
            Ok(erased) => erased,
            Err(err) => {
                tracing::error!(error = %err, tenant = %tenant, document_id = %document,
                    "UNERASED: a document record no request names was not deleted");
                false
            }
        }
    }

    /// Deletes one request as read now, conditional on its status not having changed since (so
    /// the counters stay right), and takes it off its document's count; read again if it
    /// changed. `None` when there is no such request.
    async fn delete_as_read(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Option<Deleted>, ServiceError> {
        // A document record written before the count existed (or gone) refuses the count's
        // update: the request then goes without it, and the record stays.
        let mut counted = true;
        for _ in 0..DELETE_TRIES {
            let read = |request: &codec::Item| {
                Ok((
                    self.removal_items_of(tenant, request)?,
                    codec::status(request)?,
                    codec::document_id(request)?,
                ))
            };
            let Some((mut items, status, document)) =
                self.get(keys::request(tenant, id), true, read).await?
            else {
                return Ok(None);
            };
            let document_at = items.len();
            if counted {
                items.push(self.document_released(tenant, &document, 1)?);
            }
            let change = CounterChange::deleted([status]);
            let outcome = self
                .transact_counted(items, tenant, &change, Some(shard_of(id)), None)
                .await?;
            let reasons = match outcome {
                Counted::Done => {
                    let erased = match counted && self.erase_document(tenant, &document).await {
                        true => Some(document),
                        false => None,
                    };
                    return Ok(Some(Deleted { erased }));
                }
                Counted::Refused(reasons) => reasons,
            };
            let failed = |i: usize| {
                reasons
                    .get(i)
                    .is_some_and(|r| r == "ConditionalCheckFailed")
            };
            if counted && failed(document_at) && !(0..document_at).any(failed) {
                counted = false;
            }
        }
        Err(ServiceError::new(
            SERVICE,
            ServiceErrorKind::Conflict,
            "the request kept changing while it was being deleted",
        ))
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
        listing: Listing,
        limit: u32,
        start: Option<PageCursor>,
        now: u64,
    ) -> Result<Page, ServiceError> {
        self.list(tenant, listing, limit, start, now).await
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
            let mut attempt = 0;
            while let Some(request) = pending.take() {
                if attempt > UNPROCESSED_RETRIES {
                    return Err(ServiceError::new(
                        SERVICE,
                        ServiceErrorKind::Throttled,
                        "documents stayed unprocessed after retries",
                    ));
                }
                if attempt > 0 {
                    tokio::time::sleep(UNPROCESSED_PAUSE * (1 << (attempt - 1))).await;
                }
                attempt += 1;
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
    ) -> Result<Option<Deleted>, ServiceError> {
        // Racing another delete or a clear, one wins: the other finds nothing.
        self.delete_as_read(tenant, id).await
    }

    async fn clear_requests(
        &self,
        tenant: &TenantId,
        budget: Duration,
    ) -> Result<ClearOutcome, ServiceError> {
        let deadline = tokio::time::Instant::now() + budget;
        let (mut deleted, mut left, mut erased) = (0u64, 0u64, Vec::new());
        let mut start = None;
        loop {
            let out = self
                .requests_query(tenant, None)
                .limit(CLEAR_PAGE)
                .set_exclusive_start_key(start)
                .send()
                .await
                .or_service(SERVICE)?;
            let (removed, kept, gone) = self.remove_requests(tenant, out.items()).await?;
            (deleted, left) = (deleted + removed, left + kept);
            erased.extend(gone);
            start = out.last_evaluated_key;
            if start.is_none() {
                // Requests that concurrent writes kept are still there: never "all cleared".
                return Ok(ClearOutcome {
                    deleted,
                    remaining: left,
                    erased,
                });
            }
            if tokio::time::Instant::now() >= deadline {
                let remaining = self.count_requests(tenant).await?;
                return Ok(ClearOutcome {
                    deleted,
                    remaining,
                    erased,
                });
            }
        }
    }
}
