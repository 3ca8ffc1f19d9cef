//! The business reviews its requests: lists and reads them with their document records,
//! accepts the verified ones, deletes one or clears them all.

use std::collections::HashMap;
use std::time::Duration;

use crate::domain::stats::{DayCounts, StatusCounts, Window};
use crate::domain::{
    DocumentId, DocumentIdentification, ImageFormat, ImageKey, ImageSide, RequestId, RequestStatus,
    TenantId, Transition,
};
use crate::ports::{
    ApiStore, ClearOutcome, ImageStore, Listing, PageCursor, ServiceError, StoredRequest,
    TransitionDetails,
};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// No such request for this tenant (another tenant's reads the same).
    #[error("no such request")]
    NotFound,
    /// Unknown, another tenant's, not validated by the call, or accepted already.
    #[error("the request cannot be accepted")]
    NotAccepted,
    #[error(transparent)]
    Store(#[from] ServiceError),
}

/// A request as the business sees it at a given time.
#[derive(Debug, Clone, PartialEq)]
pub struct Reviewed {
    pub request: StoredRequest,
    /// The status at the time of reading ([`StoredRequest::status_at`]).
    pub status: RequestStatus,
    pub expired_at: Option<u64>,
    /// The document record the request names, if it still exists.
    pub document: Option<DocumentIdentification>,
}

/// A page of requests and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewPage {
    pub requests: Vec<Reviewed>,
    pub next: Option<PageCursor>,
}

/// Joins requests with their document records: one batch read for the whole page.
async fn with_documents<S: ApiStore>(
    store: &S,
    tenant: &TenantId,
    requests: Vec<StoredRequest>,
    now: u64,
) -> Result<Vec<Reviewed>, ServiceError> {
    let ids: Vec<_> = requests.iter().map(|r| r.document_id.clone()).collect();
    let documents: HashMap<_, _> = store.get_documents(tenant, &ids).await?;
    Ok(requests
        .into_iter()
        .map(|request| {
            let (status, expired_at) = request.status_at(now);
            Reviewed {
                document: documents.get(&request.document_id).cloned(),
                request,
                status,
                expired_at,
            }
        })
        .collect())
}

pub async fn list<S: ApiStore>(
    store: &S,
    tenant: &TenantId,
    listing: Listing,
    limit: u32,
    start: Option<PageCursor>,
    now: u64,
) -> Result<ReviewPage, ReviewError> {
    let page = store
        .list_requests(tenant, listing, limit, start, now)
        .await?;
    Ok(ReviewPage {
        requests: with_documents(store, tenant, page.requests, now).await?,
        next: page.next,
    })
}

pub async fn get<S: ApiStore>(
    store: &S,
    tenant: &TenantId,
    id: &RequestId,
    now: u64,
) -> Result<Reviewed, ReviewError> {
    let request = store
        .get_request(tenant, id)
        .await?
        .ok_or(ReviewError::NotFound)?;
    let mut found = with_documents(store, tenant, vec![request], now).await?;
    found.pop().ok_or(ReviewError::NotFound)
}

/// One conditional write `verified → accepted`: a request is accepted once, and only after
/// the call validated it.
pub async fn accept<S: ApiStore>(
    store: &S,
    tenant: &TenantId,
    id: &RequestId,
    now: u64,
) -> Result<(), ReviewError> {
    let details = TransitionDetails {
        now,
        ..Default::default()
    };
    let from = RequestStatus::Verified;
    match store
        .transition(tenant, id, from, Transition::Accept, details)
        .await?
    {
        true => Ok(()),
        false => Err(ReviewError::NotAccepted),
    }
}

/// Removes a request with its code and reservations, and its document record and images when
/// no other request of the tenant names them (the user's right to erasure).
pub async fn delete<S: ApiStore, I: ImageStore>(
    store: &S,
    images: &I,
    tenant: &TenantId,
    id: &RequestId,
) -> Result<(), ReviewError> {
    let deleted = store
        .delete_request(tenant, id)
        .await?
        .ok_or(ReviewError::NotFound)?;
    erase_images(images, tenant, deleted.erased.as_slice()).await;
    Ok(())
}

/// Removes the tenant's requests for at most `budget` (and the documents and images only they
/// named), and says how many remain.
pub async fn clear<S: ApiStore, I: ImageStore>(
    store: &S,
    images: &I,
    tenant: &TenantId,
    budget: Duration,
) -> Result<ClearOutcome, ReviewError> {
    let outcome = store.clear_requests(tenant, budget).await?;
    erase_images(images, tenant, &outcome.erased).await;
    Ok(outcome)
}

/// Deletes every image an erased document record can have: each side and the face, in either
/// format (a record names only its latest face image), so nothing of it is left behind. The
/// record is already gone, so a failure cannot be retried through the API: it is logged for
/// operators (`UNERASED`, with the keys' prefix, which holds no PII), and the bucket's lifecycle
/// rule does not cover these objects.
pub(crate) async fn erase_images<I: ImageStore>(
    images: &I,
    tenant: &TenantId,
    erased: &[DocumentId],
) {
    if erased.is_empty() {
        return;
    }
    let keys: Vec<ImageKey> = erased
        .iter()
        .flat_map(|document| {
            ImageSide::ALL.into_iter().flat_map(move |side| {
                [ImageFormat::Png, ImageFormat::Jpeg]
                    .map(|format| ImageKey::new(tenant, document, side, format))
            })
        })
        .collect();
    if let Err(err) = images.delete_images(&keys).await {
        for document in erased {
            tracing::error!(error = %err, prefix = %ImageKey::document_prefix(tenant, document),
                "UNERASED: images of an erased document record were not deleted");
        }
    }
}

/// The dashboard's summary: the requests held now by status, and what happened over the last
/// 7 and 30 UTC days (today included).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// A pending request whose code ran out counts as expired, as it reads.
    pub current: StatusCounts,
    pub windows: [(Window, DayCounts); 2],
}

/// Days in the summary's two windows.
pub const SUMMARY_DAYS: [u16; 2] = [7, 30];

/// Reads the counters the writes keep (never the requests themselves).
pub async fn summary<S: ApiStore>(
    store: &S,
    tenant: &TenantId,
    now: u64,
) -> Result<Summary, ReviewError> {
    let [short, long] = SUMMARY_DAYS.map(|days| Window::last(days, now));
    let stats = store.stats(tenant, long, now).await?;
    Ok(Summary {
        current: stats.current.reading_lapsed_as_expired(stats.lapsed),
        windows: [short, long].map(|window| (window, window.sum(&stats.days))),
    })
}
