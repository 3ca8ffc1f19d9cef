//! The store, in memory: API keys, document records, requests with their codes, and the
//! per-tenant email and phone reservations, behind one lock so every write is atomic.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

mod calls;
mod documents;
mod sweep;

use super::faults::Switches;
use super::{Fault, Op};
use time::Date;

use crate::domain::stats::{CounterChange, DayCounts, DayEvent, Event, StatusCounts, Window};
use crate::domain::{
    ApiKey, ApiKeyHash, DocumentId, DocumentIdentification, NewKycRequest, OtpHash, RequestId,
    RequestStatus, TenantId, Transition,
};
use crate::ports::{
    ApiKeyRecord, ApiKeyStore, ClearOutcome, Deleted, ListFilter, Listing, Page, PageCursor,
    RequestLifecycle, RequestStore, ServiceError, Stats, StatsStore, StoredRequest, SubmitError,
    TransitionDetails, VerificationRecord, VerificationStore,
};

/// A stored request with what the store keeps beside the published fields.
#[derive(Debug, Clone)]
struct Row {
    request: StoredRequest,
    email_key: String,
    phone_key: String,
    otp: Option<(OtpHash, u64)>,
    last_four_verified: bool,
    contact_id: Option<String>,
    /// Calls scheduled, the number of the latest placed (0: none) and its contact.
    calls_scheduled: u32,
    calls_placed: u32,
    call_contact_id: Option<String>,
}

/// A reservation key: the tenant and `email:<key>` or `phone:<key>`.
type Reservation = (TenantId, String);

#[derive(Debug, Default)]
struct State {
    api_keys: HashMap<ApiKeyHash, ApiKeyRecord>,
    documents: HashMap<(TenantId, DocumentId), DocumentIdentification>,
    /// How many requests name each document record (absent: none).
    refs: HashMap<(TenantId, DocumentId), i64>,
    requests: HashMap<(TenantId, RequestId), Row>,
    reservations: HashMap<Reservation, RequestId>,
    /// Each tenant's events per UTC day, counted by the writes (requests held by status are
    /// counted from the rows themselves).
    days: HashMap<TenantId, BTreeMap<Date, DayCounts>>,
    /// Creates per tenant and minute.
    creates: HashMap<(TenantId, u64), u32>,
    /// Requests removed as DynamoDB's TTL removes them (`MemoryStore::remove_by_ttl`), by
    /// stored status, until the sweeper counts them: as the table's status counters, they
    /// still count.
    uncounted: HashMap<TenantId, StatusCounts>,
    /// The sweeper's markers: TTL removals already counted.
    swept: HashSet<(TenantId, RequestId)>,
}

impl State {
    /// Counts a write's day event.
    fn count(&mut self, tenant: &TenantId, change: &CounterChange) {
        let Some(DayEvent { event, delta, day }) = change.event else {
            return;
        };
        let counts = self
            .days
            .entry(tenant.clone())
            .or_default()
            .entry(day)
            .or_default();
        let slot = match event {
            Event::Created => &mut counts.created,
            Event::Verified => &mut counts.verified,
            Event::Accepted => &mut counts.accepted,
            Event::Failed => &mut counts.failed,
            Event::Expired => &mut counts.expired,
        };
        *slot = slot.saturating_add_signed(delta);
    }

    /// Removes a request and its reservations, taking it off its document's count: `None` when
    /// there is no such request, else the document record erased with it (with `erase`, when no
    /// request names it any more; a release keeps it for the client to submit again).
    fn remove(
        &mut self,
        tenant: &TenantId,
        id: &RequestId,
        erase: bool,
    ) -> Option<Option<DocumentId>> {
        let row = self.requests.remove(&(tenant.clone(), *id))?;
        for key in [email(tenant, &row.email_key), phone(tenant, &row.phone_key)] {
            if self.reservations.get(&key) == Some(id) {
                self.reservations.remove(&key);
            }
        }
        let document = (tenant.clone(), row.request.document_id);
        let refs = self.refs.entry(document.clone()).or_default();
        *refs -= 1;
        if erase && *refs <= 0 && self.documents.remove(&document).is_some() {
            self.refs.remove(&document);
            return Some(Some(document.1));
        }
        Some(None)
    }
}

fn email(tenant: &TenantId, key: &str) -> Reservation {
    (tenant.clone(), format!("email:{key}"))
}

fn phone(tenant: &TenantId, key: &str) -> Reservation {
    (tenant.clone(), format!("phone:{key}"))
}

/// The listing order of the DynamoDB indexes: by acceptance, not-accepted requests first, each
/// group by id; by status, by id.
fn listing_key(r: &StoredRequest, filter: ListFilter) -> String {
    match filter {
        ListFilter::Status(_) => r.id.to_string(),
        _ => format!("{}#{}", r.status.is_accepted(), r.id),
    }
}

const CURSOR_TENANT: &str = "tenant";
const CURSOR_LISTING: &str = "listing";
const CURSOR_AFTER: &str = "after";
/// Requests removed per round of `clear_requests`, between looks at the time budget.
const CLEAR_PAGE: usize = 100;

#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    switches: Switches,
}

impl MemoryStore {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn insert_api_key(&self, key: &ApiKey, tenant: &TenantId, active: bool) {
        let hash = key.hash();
        self.state().api_keys.insert(
            hash.clone(),
            ApiKeyRecord {
                hash,
                tenant: tenant.clone(),
                active,
                creates_per_minute: None,
            },
        );
    }

    pub fn insert_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        document: DocumentIdentification,
    ) {
        self.state()
            .documents
            .insert((tenant.clone(), id.clone()), document);
    }

    /// The stored code hash of a pending request.
    pub fn otp_hash(&self, tenant: &TenantId, id: &RequestId) -> Option<OtpHash> {
        let state = self.state();
        let row = state.requests.get(&(tenant.clone(), *id))?;
        row.otp.as_ref().map(|(hash, _)| hash.clone())
    }

    /// The Connect contact that last wrote to a request.
    pub fn contact_of(&self, tenant: &TenantId, id: &RequestId) -> Option<String> {
        let state = self.state();
        state
            .requests
            .get(&(tenant.clone(), *id))?
            .contact_id
            .clone()
    }

    /// Which requests hold a tenant's reservations: `(email, phone)` by uniqueness key.
    pub fn holders(
        &self,
        tenant: &TenantId,
        email_key: &str,
        phone_key: &str,
    ) -> (Option<RequestId>, Option<RequestId>) {
        let state = self.state();
        (
            state.reservations.get(&email(tenant, email_key)).copied(),
            state.reservations.get(&phone(tenant, phone_key)).copied(),
        )
    }

    pub fn inject(&self, op: Op, fault: Fault) {
        self.switches.inject(op, fault);
    }

    /// The next `times` calls of `op` fail.
    pub fn fail_next(&self, op: Op, times: u32) {
        self.switches.fail_next(op, times);
    }

    /// The next `times` conditional writes find their condition no longer holds (as if a
    /// concurrent event wrote first) and change nothing.
    pub fn lose_races(&self, times: u32) {
        self.switches.lose_races(Op::ConditionalWrite, times);
    }

    pub fn heal(&self) {
        self.switches.heal();
    }

    pub fn calls(&self, op: Op) -> usize {
        self.switches.calls(op)
    }

    /// Applies `write` to a pending request, unless the race is to be lost.
    async fn conditional(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        write: impl FnOnce(&mut Row) -> bool,
    ) -> Result<bool, ServiceError> {
        self.switches.enter(Op::ConditionalWrite).await?;
        if self.switches.loses_race(Op::ConditionalWrite) {
            return Ok(false);
        }
        let mut state = self.state();
        Ok(state
            .requests
            .get_mut(&(tenant.clone(), *id))
            .is_some_and(write))
    }
}

impl ApiKeyStore for MemoryStore {
    async fn find_api_key(&self, hash: &ApiKeyHash) -> Result<Option<ApiKeyRecord>, ServiceError> {
        self.switches.enter(Op::FindApiKey).await?;
        Ok(self.state().api_keys.get(hash).cloned())
    }
}

impl RequestStore for MemoryStore {
    async fn create_request(&self, r: &NewKycRequest) -> Result<(), SubmitError> {
        self.switches.enter(Op::Create).await?;
        let mut state = self.state();
        if !state
            .documents
            .contains_key(&(r.tenant.clone(), r.document_id.clone()))
        {
            return Err(SubmitError::DocumentNotFound);
        }
        let counter = (r.tenant.clone(), r.minute());
        let created = state.creates.get(&counter).copied().unwrap_or_default();
        if r.creates_per_minute.is_some_and(|limit| created >= limit) {
            return Err(SubmitError::RateLimited {
                retry_after: r.retry_after(),
            });
        }
        let (email_key, phone_key) = (r.email.uniqueness_key(), r.phone.uniqueness_key());
        let email_taken = state
            .reservations
            .contains_key(&email(&r.tenant, &email_key));
        let phone_taken = state
            .reservations
            .contains_key(&phone(&r.tenant, &phone_key));
        if email_taken || phone_taken {
            return Err(SubmitError::Taken {
                email: email_taken,
                phone: phone_taken,
            });
        }
        if r.creates_per_minute.is_some() {
            state.creates.insert(counter, created + 1);
        }
        state
            .reservations
            .insert(email(&r.tenant, &email_key), r.id);
        state
            .reservations
            .insert(phone(&r.tenant, &phone_key), r.id);
        let request = StoredRequest {
            id: r.id,
            email: r.email.as_str().to_owned(),
            phone_number: r.phone.e164().to_owned(),
            document_id: r.document_id.clone(),
            status: NewKycRequest::INITIAL_STATUS,
            attempts_used: 0,
            max_attempts: r.max_attempts,
            created_at: r.created_at,
            otp_expires_at: r.otp_expires_at,
            verified_at: None,
            accepted_at: None,
            failed_at: None,
            expired_at: None,
            failure_reason: None,
            call_scheduled_at: r.call_scheduled_at,
            call_placed_at: None,
            call_attempts: None,
        };
        let row = Row {
            request,
            email_key,
            phone_key,
            otp: Some((r.otp_hash.clone(), r.otp_expires_at)),
            last_four_verified: false,
            contact_id: None,
            calls_scheduled: u32::from(r.call_scheduled_at.is_some()),
            calls_placed: 0,
            call_contact_id: None,
        };
        state.requests.insert((r.tenant.clone(), r.id), row);
        *state
            .refs
            .entry((r.tenant.clone(), r.document_id.clone()))
            .or_default() += 1;
        state.count(&r.tenant, &CounterChange::created(r.created_at));
        Ok(())
    }

    async fn release_request(&self, r: &NewKycRequest) -> Result<(), ServiceError> {
        self.switches.enter(Op::Release).await?;
        let mut state = self.state();
        if state.remove(&r.tenant, &r.id, false).is_some() {
            state.count(&r.tenant, &CounterChange::withdrawn(r.created_at));
        }
        Ok(())
    }
}

impl RequestLifecycle for MemoryStore {
    async fn get_request(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Option<StoredRequest>, ServiceError> {
        self.switches.enter(Op::GetRequest).await?;
        let state = self.state();
        Ok(state
            .requests
            .get(&(tenant.clone(), *id))
            .map(|row| row.request.clone()))
    }

    async fn list_requests(
        &self,
        tenant: &TenantId,
        listing: Listing,
        limit: u32,
        start: Option<PageCursor>,
        now: u64,
    ) -> Result<Page, ServiceError> {
        self.switches.enter(Op::List).await?;
        let name = format!("{listing:?}");
        let after = match start {
            None => None,
            // A cursor of another tenant's or another listing's reads nothing.
            Some(PageCursor(c))
                if c.get(CURSOR_TENANT).map(String::as_str) != Some(tenant.as_str())
                    || c.get(CURSOR_LISTING) != Some(&name) =>
            {
                return Ok(Page {
                    requests: vec![],
                    next: None,
                })
            }
            Some(PageCursor(mut c)) => c.remove(CURSOR_AFTER),
        };
        let filter = listing.filter;
        let state = self.state();
        let mut matching: Vec<&StoredRequest> = state
            .requests
            .iter()
            .filter(|((t, _), _)| t == tenant)
            .map(|(_, row)| &row.request)
            .filter(|r| match filter {
                ListFilter::All => true,
                ListFilter::Accepted => r.status.is_accepted(),
                ListFilter::NotAccepted => !r.status.is_accepted(),
                ListFilter::Status(status) => r.status_at(now).0 == status,
            })
            .filter(|r| {
                let key = listing_key(r, filter);
                after
                    .as_ref()
                    .is_none_or(|after| match listing.newest_first {
                        false => key > *after,
                        true => key < *after,
                    })
            })
            .collect();
        matching.sort_by_key(|r| listing_key(r, filter));
        if listing.newest_first {
            matching.reverse();
        }
        let more = matching.len() > limit as usize;
        matching.truncate(limit as usize);
        let next = match (more, matching.last()) {
            (true, Some(last)) => Some(PageCursor(BTreeMap::from([
                (CURSOR_TENANT.to_owned(), tenant.to_string()),
                (CURSOR_LISTING.to_owned(), name),
                (CURSOR_AFTER.to_owned(), listing_key(last, filter)),
            ]))),
            _ => None,
        };
        Ok(Page {
            requests: matching.into_iter().cloned().collect(),
            next,
        })
    }

    async fn get_documents(
        &self,
        tenant: &TenantId,
        ids: &[DocumentId],
    ) -> Result<HashMap<DocumentId, DocumentIdentification>, ServiceError> {
        self.switches.enter(Op::GetDocuments).await?;
        let state = self.state();
        Ok(ids
            .iter()
            .filter_map(|id| {
                let document = state.documents.get(&(tenant.clone(), id.clone()))?;
                Some((id.clone(), document.clone()))
            })
            .collect())
    }

    async fn delete_request(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Option<Deleted>, ServiceError> {
        self.switches.enter(Op::Delete).await?;
        let removed = self.state().remove(tenant, id, true);
        Ok(removed.map(|erased| Deleted { erased }))
    }

    async fn clear_requests(
        &self,
        tenant: &TenantId,
        budget: Duration,
    ) -> Result<ClearOutcome, ServiceError> {
        self.switches.enter(Op::Clear).await?;
        let deadline = tokio::time::Instant::now() + budget;
        let (mut deleted, mut erased) = (0, Vec::new());
        loop {
            let remaining = {
                let mut state = self.state();
                let mut ids: Vec<RequestId> = state
                    .requests
                    .keys()
                    .filter(|(t, _)| t == tenant)
                    .map(|(_, id)| *id)
                    .collect();
                if !ids.is_empty() && tokio::time::Instant::now() < deadline {
                    ids.sort();
                    for id in ids.iter().take(CLEAR_PAGE) {
                        if let Some(gone) = state.remove(tenant, id, true) {
                            deleted += 1;
                            erased.extend(gone);
                        }
                    }
                    None
                } else {
                    Some(ids.len() as u64)
                }
            };
            if let Some(remaining) = remaining {
                return Ok(ClearOutcome {
                    deleted,
                    remaining,
                    erased,
                });
            }
            tokio::task::yield_now().await;
        }
    }
}

impl VerificationStore for MemoryStore {
    async fn load_verification(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Option<VerificationRecord>, ServiceError> {
        self.switches.enter(Op::LoadVerification).await?;
        let state = self.state();
        let Some(row) = state.requests.get(&(tenant.clone(), *id)) else {
            return Ok(None);
        };
        let document = state
            .documents
            .get(&(tenant.clone(), row.request.document_id.clone()));
        Ok(Some(VerificationRecord {
            status: row.request.status,
            attempts_used: row.request.attempts_used,
            max_attempts: row.request.max_attempts,
            last_four_verified: row.last_four_verified,
            otp: row.otp.clone(),
            document_last_four: document.and_then(DocumentIdentification::document_last_four),
            phone_number: row.request.phone_number.clone(),
            call_contact_id: row.call_contact_id.clone(),
        }))
    }

    async fn accept_last_four(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        contact_id: &str,
        _now: u64,
    ) -> Result<bool, ServiceError> {
        self.conditional(tenant, id, |row| {
            if row.request.status != RequestStatus::Pending {
                return false;
            }
            row.last_four_verified = true;
            row.contact_id = Some(contact_id.to_owned());
            true
        })
        .await
    }

    async fn spend_attempt(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        seen: u32,
        contact_id: &str,
        _now: u64,
    ) -> Result<bool, ServiceError> {
        self.conditional(tenant, id, |row| {
            if row.request.status != RequestStatus::Pending || row.request.attempts_used != seen {
                return false;
            }
            row.request.attempts_used = seen + 1;
            row.contact_id = Some(contact_id.to_owned());
            true
        })
        .await
    }

    async fn transition(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        from: RequestStatus,
        transition: Transition,
        change: TransitionDetails<'_>,
    ) -> Result<bool, ServiceError> {
        if from.apply(transition).is_err() {
            return Ok(false);
        }
        self.switches.enter(Op::ConditionalWrite).await?;
        if self.switches.loses_race(Op::ConditionalWrite) {
            return Ok(false);
        }
        Ok(self
            .state()
            .transition(tenant, id, from, transition, change))
    }
}

impl State {
    /// One request along one edge of the state machine, if it is still in `from` (and has
    /// not spent an attempt meanwhile); what the DynamoDB store's transition transaction does.
    fn transition(
        &mut self,
        tenant: &TenantId,
        id: &RequestId,
        from: RequestStatus,
        transition: Transition,
        change: TransitionDetails<'_>,
    ) -> bool {
        let Ok(to) = from.apply(transition) else {
            return false;
        };
        let state = self;
        let Some(row) = state.requests.get_mut(&(tenant.clone(), *id)) else {
            return false;
        };
        let r = &mut row.request;
        if r.status != from
            || change
                .spend_from
                .is_some_and(|seen| r.attempts_used != seen)
        {
            return false;
        }
        if let Some(seen) = change.spend_from {
            r.attempts_used = seen + 1;
        }
        r.status = to;
        if let Some(reason) = transition.failure_reason() {
            r.failure_reason = Some(reason.to_owned());
        }
        let at = Some(change.now);
        match to {
            RequestStatus::Verified => r.verified_at = at,
            RequestStatus::Failed => r.failed_at = at,
            RequestStatus::Expired => r.expired_at = at,
            RequestStatus::Accepted => r.accepted_at = at,
            RequestStatus::Pending => {}
        }
        if let Some(contact) = change.contact_id {
            row.contact_id = Some(contact.to_owned());
        }
        if from == RequestStatus::Pending {
            row.otp = None;
        }
        // In the same write, as the DynamoDB store's transaction does.
        state.count(tenant, &CounterChange::transitioned(from, to, change.now));
        true
    }
}

impl StatsStore for MemoryStore {
    async fn stats(
        &self,
        tenant: &TenantId,
        days: Window,
        now: u64,
    ) -> Result<Stats, ServiceError> {
        self.switches.enter(Op::Stats).await?;
        let state = self.state();
        let mut current = StatusCounts::default();
        let mut lapsed = 0;
        for ((t, _), row) in &state.requests {
            if t == tenant {
                current.add(row.request.status, 1);
                let (read_as, _) = row.request.status_at(now);
                lapsed += i64::from(read_as != row.request.status);
            }
        }
        if let Some(uncounted) = state.uncounted.get(tenant) {
            for status in RequestStatus::ALL {
                current.add(status, uncounted.get(status));
            }
        }
        let days = state
            .days
            .get(tenant)
            .map(|by_day| {
                by_day
                    .iter()
                    .filter(|(day, _)| days.contains(**day))
                    .map(|(day, counts)| (*day, *counts))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Stats {
            current,
            lapsed,
            days,
        })
    }
}
