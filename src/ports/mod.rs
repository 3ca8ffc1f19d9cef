//! The narrow interfaces the use cases need from the outside world. Adapters in
//! `crate::adapters` implement them over DynamoDB, SES and Amazon Connect, and in memory
//! (`crate::adapters::memory`) for the unit tests.

mod calls;
mod onboarding;

pub use calls::{
    contact_attributes, CallOrder, CallQueue, CallState, CallStore, ContactId, Dialer,
};
pub use onboarding::{
    DocumentReader, DocumentStore, FaceComparison, FaceError, FaceMatcher, FaceRecorded,
    ImageFetcher, ImageStore, PresignedUpload, ReadError, ReadField, StoredObject, UnusableUrl,
};

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::Duration;

use time::Date;

use crate::domain::stats::{DayCounts, StatusCounts, Window};
use crate::domain::{
    ApiKeyHash, DocumentId, DocumentIdentification, Email, NewKycRequest, Otp, OtpHash, RequestId,
    RequestStatus, TenantId, Transition,
};

/// What went wrong with an outside service, so callers can answer by kind (try again later,
/// time out, ...) without reading messages. Set from the SDK error in one place
/// (`crate::adapters`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceErrorKind {
    /// Refused for rate or quota (throttling, limits exceeded): worth trying again later.
    Throttled,
    /// No answer in time: the SDK's own timeouts, or a connection that timed out.
    TimedOut,
    /// Unreachable, or failing on its side (connection errors, HTTP 5xx).
    Unavailable,
    /// Concurrent writes kept winning (transaction conflicts, lost conditional-write races).
    Conflict,
    /// Refused as sent (any other service error), or the request could not be built.
    Rejected,
    /// An answer that could not be read, or a stored item that is malformed.
    InvalidResponse,
}

impl ServiceErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Throttled => "throttled",
            Self::TimedOut => "timed out",
            Self::Unavailable => "unavailable",
            Self::Conflict => "conflict",
            Self::Rejected => "rejected",
            Self::InvalidResponse => "invalid response",
        }
    }
}

impl std::fmt::Display for ServiceErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure of an outside service after the SDK's own retries. The message is for logs and
/// names no PII (for AWS service errors: the error code and HTTP status only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{service} ({kind}): {message}")]
pub struct ServiceError {
    pub service: &'static str,
    pub kind: ServiceErrorKind,
    pub message: String,
}

impl ServiceError {
    pub fn new(service: &'static str, kind: ServiceErrorKind, message: impl Into<String>) -> Self {
        Self {
            service,
            kind,
            message: message.into(),
        }
    }
}

/// A stored API key: the tenant it names and whether it still works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub hash: ApiKeyHash,
    pub tenant: TenantId,
    pub active: bool,
    /// The tenant's own create limit, where an operator set one (`admin set-limit`).
    pub creates_per_minute: Option<u32>,
}

/// Why a request was not submitted: refused by the create transaction (the store reports the
/// first two and `Store`), or withdrawn after its delivery failed (the use case).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("no document identification record with that id for this tenant")]
    DocumentNotFound,
    #[error("already taken: email {email}, phone {phone}")]
    Taken { email: bool, phone: bool },
    /// The email or the call's scheduling could not go out; the request was withdrawn
    /// (`released`), or the
    /// withdrawal failed too and the reservations remain (logged for operators).
    #[error("{failed} failed; request withdrawn: {released}")]
    DeliveryFailed {
        failed: &'static str,
        released: bool,
    },
    /// The tenant created as many requests this minute as it may.
    #[error("over the tenant's create limit; retry in {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// The phone number is in a country calls are not placed to.
    #[error("phone number of a country calls are not placed to")]
    CountryNotAllowed { allowed: Vec<String> },
    #[error(transparent)]
    Store(#[from] ServiceError),
}

pub trait ApiKeyStore: Send + Sync {
    fn find_api_key(
        &self,
        hash: &ApiKeyHash,
    ) -> impl Future<Output = Result<Option<ApiKeyRecord>, ServiceError>> + Send;
}

pub trait RequestStore: Send + Sync {
    /// In one transaction: the document record exists, the email and the phone are free for
    /// this tenant, and the request (with its OTP hash) is written. All or nothing.
    fn create_request(
        &self,
        request: &NewKycRequest,
    ) -> impl Future<Output = Result<(), SubmitError>> + Send;

    /// Undoes `create_request` for a request whose email or call could not go out: removes the
    /// request, its OTP and both reservations, in one transaction.
    fn release_request(
        &self,
        request: &NewKycRequest,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;
}

pub trait Mailer: Send + Sync {
    fn send_otp(
        &self,
        to: &Email,
        otp: &Otp,
        valid_minutes: u64,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;
}

/// What the verifier needs to know about a request, read consistently.
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationRecord {
    pub status: RequestStatus,
    /// Wrong answers (and silent time-outs) so far.
    pub attempts_used: u32,
    pub max_attempts: u32,
    /// Whether the caller already gave the right last four digits.
    pub last_four_verified: bool,
    /// The stored code hash and its expiry (Unix seconds); gone once the request left `pending`
    /// (or removed by TTL after expiry).
    pub otp: Option<(OtpHash, u64)>,
    /// The last four digits of the request's document number.
    pub document_last_four: Option<String>,
    /// The number the verification call goes to (E.164): only a call to it is heard.
    pub phone_number: String,
    /// The Amazon Connect contact of the latest call placed, once the dialer recorded it:
    /// answers are taken from that call only.
    pub call_contact_id: Option<String>,
}

/// Writes are conditional on what was read: each returns `false`, changing nothing, when the
/// request moved on meanwhile (another call's event, a replay), so the caller reloads.
pub trait VerificationStore: Send + Sync {
    fn load_verification(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> impl Future<Output = Result<Option<VerificationRecord>, ServiceError>> + Send;

    /// Records that the last four digits were right, while the request is `pending`.
    fn accept_last_four(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        contact_id: &str,
        now: u64,
    ) -> impl Future<Output = Result<bool, ServiceError>> + Send;

    /// Counts one wrong answer: `attemptsUsed` goes from `seen` to `seen + 1`, while the
    /// request is `pending` and nobody else counted meanwhile.
    fn spend_attempt(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        seen: u32,
        contact_id: &str,
        now: u64,
    ) -> impl Future<Output = Result<bool, ServiceError>> + Send;

    /// Moves the request along one edge of the state machine
    /// ([`RequestStatus::apply`]), conditional on it still being in `from`
    /// (and, with `spend_from`, on `attemptsUsed` still being that value, which it increments).
    /// An edge the state machine refuses is not written. Leaving `pending` removes the OTP.
    fn transition(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        from: RequestStatus,
        transition: Transition,
        change: TransitionDetails<'_>,
    ) -> impl Future<Output = Result<bool, ServiceError>> + Send;
}

/// What a transition records besides the new status.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransitionDetails<'a> {
    /// Unix seconds; stored as `<status>At` (`verifiedAt`, `failedAt`, ...).
    pub now: u64,
    /// Count a wrong answer in the same write: `attemptsUsed` must still be this.
    pub spend_from: Option<u32>,
    /// The Amazon Connect contact that caused it.
    pub contact_id: Option<&'a str>,
}

/// A stored request as the lifecycle API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRequest {
    pub id: RequestId,
    /// As the user typed it.
    pub email: String,
    /// E.164.
    pub phone_number: String,
    pub document_id: DocumentId,
    pub status: RequestStatus,
    pub attempts_used: u32,
    pub max_attempts: u32,
    /// Unix seconds.
    pub created_at: u64,
    pub otp_expires_at: u64,
    pub verified_at: Option<u64>,
    pub accepted_at: Option<u64>,
    pub failed_at: Option<u64>,
    pub expired_at: Option<u64>,
    /// Why it failed (`attempts_exhausted`, `call_not_placed`), when it did.
    pub failure_reason: Option<String>,
    /// When the latest call is (or was) due, when the latest call was placed, and how many
    /// tries placing it took (or, for `call_not_placed`, were made).
    pub call_scheduled_at: Option<u64>,
    pub call_placed_at: Option<u64>,
    pub call_attempts: Option<u32>,
}

impl StoredRequest {
    /// The status and expiry time as seen at `now`: a pending request whose code ran out
    /// reads as expired ([`RequestStatus::as_of`]) before its next event
    /// stores it.
    pub fn status_at(&self, now: u64) -> (RequestStatus, Option<u64>) {
        let status = self.status.as_of(self.otp_expires_at, now);
        let expired_at = match status == self.status {
            true => self.expired_at,
            false => Some(self.otp_expires_at),
        };
        (status, expired_at)
    }
}

/// Which requests to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFilter {
    All,
    Accepted,
    NotAccepted,
    /// The requests in this status as read at the listing's `now`: a pending request whose code
    /// ran out lists as expired, not pending ([`StoredRequest::status_at`]).
    Status(RequestStatus),
}

/// Which requests to list, in which order (by creation: request ids are time-ordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    pub filter: ListFilter,
    pub newest_first: bool,
}

impl Listing {
    /// All requests, oldest first.
    pub const ALL: Listing = Listing {
        filter: ListFilter::All,
        newest_first: false,
    };
}

/// Where the next page starts: the store's own position, opaque to callers (the HTTP layer
/// signs it into `nextToken`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageCursor(pub BTreeMap<String, String>);

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub requests: Vec<StoredRequest>,
    pub next: Option<PageCursor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClearOutcome {
    pub deleted: u64,
    /// Requests still stored when the time budget ran out (0: all gone).
    pub remaining: u64,
    /// The document records that went with their last request: their images are to go too.
    pub erased: Vec<DocumentId>,
}

/// A deleted request, and the document record that went with it when it was the last request
/// naming it (its images are to go too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub erased: Option<DocumentId>,
}

/// The lifecycle API's reads and removals. State changes go through
/// [`VerificationStore::transition`].
pub trait RequestLifecycle: Send + Sync {
    fn get_request(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> impl Future<Output = Result<Option<StoredRequest>, ServiceError>> + Send;

    /// One page: a single index query that reads only the requests it lists (`expired`: two,
    /// the stored expired ones and the pending ones whose code ran out by `now`). A cursor for
    /// another tenant or listing yields nothing.
    fn list_requests(
        &self,
        tenant: &TenantId,
        listing: Listing,
        limit: u32,
        start: Option<PageCursor>,
        now: u64,
    ) -> impl Future<Output = Result<Page, ServiceError>> + Send;

    /// The document records behind requests, by id (missing ones are absent).
    fn get_documents(
        &self,
        tenant: &TenantId,
        ids: &[DocumentId],
    ) -> impl Future<Output = Result<HashMap<DocumentId, DocumentIdentification>, ServiceError>> + Send;

    /// Deletes a request with its OTP and its email and phone reservations, taking it off its
    /// document record's count, in one transaction; then the document record if no other
    /// request names it. `None` when there is no such request.
    fn delete_request(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> impl Future<Output = Result<Option<Deleted>, ServiceError>> + Send;

    /// Deletes the tenant's requests (each with its OTP and reservations, atomically, and off
    /// its document's count) until none is left or `budget` has passed; document records no
    /// request names any more go too.
    fn clear_requests(
        &self,
        tenant: &TenantId,
        budget: Duration,
    ) -> impl Future<Output = Result<ClearOutcome, ServiceError>> + Send;
}

/// A tenant's counters as stored, for `GET /api/stats`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Requests held by stored status.
    pub current: StatusCounts,
    /// Of the pending ones, how many have a code that ran out (they read as expired).
    pub lapsed: i64,
    /// The events of each day asked for that had any.
    pub days: Vec<(Date, DayCounts)>,
}

/// Statistics from counters that the writes creating, moving and removing requests keep in
/// the same transactions; reading them never scans requests.
pub trait StatsStore: Send + Sync {
    fn stats(
        &self,
        tenant: &TenantId,
        days: Window,
        now: u64,
    ) -> impl Future<Output = Result<Stats, ServiceError>> + Send;
}

/// A request item DynamoDB's TTL removed (a pending request nobody verified, a failed or an
/// expired one), as the table's stream shows it before removal: nothing else took it off its
/// document's count or its status count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedRequest {
    pub tenant: TenantId,
    pub id: RequestId,
    pub document_id: DocumentId,
    /// The status it was stored in (its status count; a lapsed pending one is `pending`).
    pub status: RequestStatus,
}

/// What counting a TTL removal did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swept {
    /// Counted now: off its status count and its document's count. `false`: counted before
    /// (a stream record delivered again), nothing counted twice.
    pub counted: bool,
    /// The document record deleted now because no request names it any more: its images are
    /// to go too.
    pub erased: Option<DocumentId>,
}

/// The store side of the TTL sweeper (`use_cases::sweep`).
pub trait SweepStore: Send + Sync {
    /// In one transaction, at most once per removed request (a marker item, kept a few days,
    /// makes a replay change nothing): the request off its status count and off its document's
    /// count (a document record without a count, or gone, is left alone). Then, counted now or
    /// before (a replay finishes what a failure interrupted), the document record is deleted if
    /// no request names it any more.
    fn count_removal(
        &self,
        removed: &RemovedRequest,
        now: u64,
    ) -> impl Future<Output = Result<Swept, ServiceError>> + Send;
}

/// Everything the API function needs from its store.
pub trait ApiStore:
    ApiKeyStore + RequestStore + RequestLifecycle + VerificationStore + StatsStore + CallStore
{
}

impl<T> ApiStore for T where
    T: ApiKeyStore + RequestStore + RequestLifecycle + VerificationStore + StatsStore + CallStore
{
}

/// One set of adapters the API function runs with, named once: `adapters::Aws` in Lambda and
/// the integration tests, `adapters::memory::InMemory` in the unit tests. A new port is a new
/// associated type here, not a new type parameter on every handler.
/// The adapters of the onboarding steps (document, face) of one set of [`Ports`].
pub struct Onboarding<P: Ports> {
    pub images: P::Images,
    pub fetcher: P::Fetcher,
    pub reader: P::Reader,
    pub matcher: P::Matcher,
}

pub trait Ports: 'static {
    type Store: ApiStore + DocumentStore;
    type Mailer: Mailer;
    type Queue: CallQueue;
    type Images: ImageStore;
    type Fetcher: ImageFetcher;
    type Reader: DocumentReader;
    type Matcher: FaceMatcher;
}
