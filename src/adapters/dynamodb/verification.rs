//! What the verification call reads and changes. Every write is conditional on what was read,
//! so racing events cannot both spend one attempt or both move the request on.

use super::codec::{self, n, s, Item};
use super::{keys, Change, DynamoStore, SERVICE};
use crate::adapters::OrServiceError;
use crate::domain::stats::CounterChange;
use crate::domain::{RequestId, RequestStatus, TenantId, Transition};
use crate::ports::{ServiceError, TransitionDetails, VerificationRecord, VerificationStore};

impl DynamoStore {
    /// The raw items stored under a request's partition (request and OTP), read consistently:
    /// what the verifier decides on, and what tests and operators inspect.
    pub async fn request_items(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Vec<Item>, ServiceError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::request_partition(tenant, id)))
            .consistent_read(true)
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(out.items.unwrap_or_default())
    }
}

impl VerificationStore for DynamoStore {
    async fn load_verification(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Option<VerificationRecord>, ServiceError> {
        let items = self.request_items(tenant, id).await?;
        let by_sk = |sk: &str| items.iter().find(|i| codec::get_s(i, keys::SK) == Some(sk));
        let Some(request) = by_sk(keys::REQUEST_SK) else {
            return Ok(None);
        };
        let status = codec::status(request)?;
        let document_id = codec::document_id(request)?;
        let document = self.get_document(tenant, &document_id).await?;
        Ok(Some(VerificationRecord {
            status,
            attempts_used: codec::attempts_used(request)?,
            max_attempts: codec::number(request, "maxAttempts")?,
            last_four_verified: codec::last_four_verified(request),
            otp: by_sk(keys::OTP_SK).and_then(codec::otp),
            document_last_four: document.and_then(|d| d.document_last_four()),
            phone_number: codec::phone_number(request)?.to_owned(),
            call_contact_id: codec::get_s(request, codec::CALL_CONTACT_ID).map(str::to_owned),
        }))
    }

    async fn accept_last_four(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        contact_id: &str,
        now: u64,
    ) -> Result<bool, ServiceError> {
        let change = while_pending(tenant, id, contact_id, now).set("lastFourVerifiedAt = :now");
        self.conditional_update(change).await
    }

    async fn spend_attempt(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        seen: u32,
        contact_id: &str,
        now: u64,
    ) -> Result<bool, ServiceError> {
        let change = spending(while_pending(tenant, id, contact_id, now), seen);
        self.conditional_update(change).await
    }

    async fn transition(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        from: RequestStatus,
        transition: Transition,
        details: TransitionDetails<'_>,
    ) -> Result<bool, ServiceError> {
        // The state machine decides; a refused edge is never written.
        let Ok(to) = from.apply(transition) else {
            return Ok(false);
        };
        let retention = self.retention(to, details.now);
        let mut change = transition_change(tenant, id, from, transition, &details);
        if let Some(ttl) = retention {
            change = with_ttl(change, ttl);
        }
        let mut items = vec![self.update(change)?];
        if from == RequestStatus::Pending {
            // The code is of no use once the request left pending.
            items.push(self.delete(keys::otp(tenant, id), None)?);
        }
        if let Some(ttl) = retention {
            items.extend(self.reservations_kept(tenant, id, ttl).await?);
        }
        // The counters move in the same transaction: one request from `from` to `to`.
        let counted = CounterChange::transitioned(from, to, details.now);
        self.transact_for(items, tenant, id, &counted).await
    }
}

impl DynamoStore {
    /// Retention on entering `to` at `now`: a verified request is kept (`Some(None)`: its
    /// create-time `ttl` goes); a failed or expired one goes `RETENTION_DAYS` from now, with
    /// its reservations (`Some(Some(ttl))`); other statuses keep theirs (`None`).
    pub(super) fn retention(&self, to: RequestStatus, now: u64) -> Option<Option<u64>> {
        match to {
            RequestStatus::Verified => Some(None),
            RequestStatus::Failed | RequestStatus::Expired => Some(Some(self.kept_until(now))),
            RequestStatus::Pending | RequestStatus::Accepted => None,
        }
    }

    /// The updates that give a request's email and phone reservations its retention (`Some`:
    /// that `ttl`; `None`: kept), while they still name it. The keys come from the request.
    async fn reservations_kept(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        ttl: Option<u64>,
    ) -> Result<Vec<aws_sdk_dynamodb::types::TransactWriteItem>, ServiceError> {
        let read = |request: &Item| {
            let (email, phone) = codec::reservation_keys(request)?;
            Ok((email.to_owned(), phone.to_owned()))
        };
        let Some((email, phone)) = self.get(keys::request(tenant, id), true, read).await? else {
            return Ok(vec![]);
        };
        [keys::email(tenant, &email), keys::phone(tenant, &phone)]
            .into_iter()
            .map(|key| {
                let change = Change::new(key)
                    .when("requestId = :id")
                    .value(":id", s(id.to_string()));
                self.update(with_ttl(change, ttl))
            })
            .collect()
    }
}

/// Sets the item's `ttl` (`Some`) or removes it (`None`).
pub(super) fn with_ttl(change: Change, ttl: Option<u64>) -> Change {
    let change = change.name("#ttl", keys::TTL_ATTRIBUTE);
    match ttl {
        Some(ttl) => change.set("#ttl = :ttl").value(":ttl", n(ttl)),
        None => change.remove("#ttl"),
    }
}

/// The conditional update of a request along an edge the state machine allows (`from` must
/// apply `transition`): the new status and its time, the failure reason, the contact, the
/// listing keys of both indexes; conditional on the status still being `from`.
pub(super) fn transition_change(
    tenant: &TenantId,
    id: &RequestId,
    from: RequestStatus,
    transition: Transition,
    details: &TransitionDetails<'_>,
) -> Change {
    let to = from
        .apply(transition)
        .expect("callers apply the state machine first");
    let mut change = Change::new(keys::request(tenant, id))
        .set("#status = :to")
        .set(format!("{} = :now", codec::entered_at(to)))
        .when("#status = :from")
        .value(":to", s(to.as_str()))
        .value(":from", s(from.as_str()))
        .value(":now", n(details.now));
    if let Some(reason) = transition.failure_reason() {
        change = change
            .set(format!("{} = :reason", codec::FAILURE_REASON))
            .value(":reason", s(reason));
    }
    if let Some(seen) = details.spend_from {
        change = spending(change, seen);
    }
    if let Some(contact) = details.contact_id {
        change = with_contact(change, contact);
    }
    if to.is_accepted() != from.is_accepted() {
        change = change
            .set(format!("{} = :listing", keys::GSI1SK))
            .value(":listing", s(keys::request_listing(to.is_accepted(), id)));
    }
    // Into the new status's partition of the status index (no status but pending sorts by
    // its code's expiry, so the id alone is the sort key).
    change
        .set(format!("{} = :status_pk", keys::GSI2PK))
        .set(format!("{} = :status_sk", keys::GSI2SK))
        .value(":status_pk", s(keys::requests_in(tenant, to)))
        .value(":status_sk", s(keys::status_listing(to, id, 0)))
}

/// A change to a request that holds only while it is `pending`, made at `now` by a contact.
fn while_pending(tenant: &TenantId, id: &RequestId, contact_id: &str, now: u64) -> Change {
    let change = Change::new(keys::request(tenant, id))
        .when("#status = :pending")
        .value(":pending", s(RequestStatus::Pending.as_str()))
        .value(":now", n(now));
    with_contact(change, contact_id)
}

fn with_contact(change: Change, contact_id: &str) -> Change {
    change
        .set("contactId = :contact")
        .value(":contact", s(contact_id))
}

/// Also counts one wrong answer at `:now`, if nobody counted since `attemptsUsed` was `seen`.
fn spending(change: Change, seen: u32) -> Change {
    change
        .set("attemptsUsed = :next")
        .set("lastAttemptAt = :now")
        .when("attemptsUsed = :seen")
        .value(":next", n(seen + 1))
        .value(":seen", n(seen))
}
