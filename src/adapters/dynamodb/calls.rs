//! `CallStore`: a request's call attributes (`codec::CALLS_SCHEDULED` …), read by the dialer
//! and the redial route and written conditionally, so a redelivered message or a racing redial
//! changes nothing twice.

use super::codec::{self, n, s};
use super::verification::{transition_change, with_ttl};
use super::{keys, Change, DynamoStore};
use crate::domain::stats::CounterChange;
use crate::domain::{RequestId, RequestStatus, TenantId, Transition};
use crate::ports::{CallState, CallStore, ContactId, ServiceError, TransitionDetails};

/// `callsPlaced` is below `:call` (or no call was recorded).
const NOT_PLACED_YET: &str = "(attribute_not_exists(callsPlaced) OR callsPlaced < :call)";

fn while_pending(tenant: &TenantId, id: &RequestId) -> Change {
    Change::new(keys::request(tenant, id))
        .when("#status = :pending")
        .value(":pending", s(RequestStatus::Pending.as_str()))
}

impl CallStore for DynamoStore {
    async fn load_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Option<CallState>, ServiceError> {
        self.get(keys::request(tenant, id), true, codec::call_state)
            .await
    }

    async fn record_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        call: u32,
        contact: &ContactId,
        attempts: u32,
        now: u64,
    ) -> Result<bool, ServiceError> {
        let change = while_pending(tenant, id)
            .when(NOT_PLACED_YET)
            .set(format!("{} = :call", codec::CALLS_PLACED))
            .set(format!("{} = :contact", codec::CALL_CONTACT_ID))
            .set(format!("{} = :now", codec::CALL_PLACED_AT))
            .set(format!("{} = :attempts", codec::CALL_ATTEMPTS))
            .value(":call", n(call))
            .value(":contact", s(&contact.0))
            .value(":now", n(now))
            .value(":attempts", n(attempts));
        self.conditional_update(change).await
    }

    async fn give_up_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        attempts: u32,
        now: u64,
    ) -> Result<bool, ServiceError> {
        let read = |item: &codec::Item| {
            let (email, phone) = codec::reservation_keys(item)?;
            Ok((codec::call_state(item)?, email.to_owned(), phone.to_owned()))
        };
        let Some((state, email, phone)) = self.get(keys::request(tenant, id), true, read).await?
        else {
            return Ok(false);
        };
        let pending = RequestStatus::Pending;
        if state.status != pending || state.calls_placed > 0 {
            return Ok(false);
        }
        let details = TransitionDetails {
            now,
            ..TransitionDetails::default()
        };
        let to = pending
            .apply(Transition::CallNotPlaced)
            .expect("pending may fail");
        let mut change =
            transition_change(tenant, id, pending, Transition::CallNotPlaced, &details)
                .when("attribute_not_exists(callsPlaced)")
                .set(format!("{} = :attempts", codec::CALL_ATTEMPTS))
                .value(":attempts", n(attempts));
        // Kept as failed requests are; its reservations go now (the user may come again).
        if let Some(ttl) = self.retention(to, now) {
            change = with_ttl(change, ttl);
        }
        // The reservations go only while this request holds them.
        let ours = || {
            Some((
                "attribute_not_exists(pk) OR requestId = :id",
                codec::values(vec![(":id", s(id.to_string()))]),
            ))
        };
        let items = vec![
            self.update(change)?,
            self.delete(keys::otp(tenant, id), None)?,
            self.delete(keys::email(tenant, &email), ours())?,
            self.delete(keys::phone(tenant, &phone), ours())?,
        ];
        let counted = CounterChange::transitioned(pending, to, now);
        self.transact_for(items, tenant, id, &counted).await
    }

    async fn schedule_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        seen: u32,
        at: u64,
    ) -> Result<bool, ServiceError> {
        let unchanged = match seen {
            // Requests made without a call (operator tools) have no count yet.
            0 => "(attribute_not_exists(callsScheduled) OR callsScheduled = :seen)",
            _ => "callsScheduled = :seen",
        };
        let change = while_pending(tenant, id)
            .when(unchanged)
            .set(format!("{} = :next", codec::CALLS_SCHEDULED))
            .set(format!("{} = :at", codec::CALL_SCHEDULED_AT))
            .value(":seen", n(seen))
            .value(":next", n(seen + 1))
            .value(":at", n(at));
        self.conditional_update(change).await
    }

    async fn unschedule_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        call: u32,
        previous_at: Option<u64>,
    ) -> Result<bool, ServiceError> {
        let mut change = Change::new(keys::request(tenant, id))
            .when("callsScheduled = :call")
            .when(NOT_PLACED_YET)
            .set(format!("{} = :previous", codec::CALLS_SCHEDULED))
            .value(":call", n(call))
            .value(":previous", n(call.saturating_sub(1)));
        if let Some(at) = previous_at {
            change = change
                .set(format!("{} = :at", codec::CALL_SCHEDULED_AT))
                .value(":at", n(at));
        }
        self.conditional_update(change).await
    }
}
