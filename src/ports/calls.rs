//! The verification call's ports: the queue that carries a call from the API (and the redial
//! route) to the dialer, the dialer itself (Amazon Connect), and what the dialer and the redial
//! route read and write on a request.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ServiceError;
use crate::domain::{PhoneNumber, RequestId, RequestStatus, TenantId};

/// The contact attributes a placed call carries, which the contact flow hands back to the
/// verifier.
pub mod contact_attributes {
    pub const REQUEST_ID: &str = "requestId";
    pub const TENANT_ID: &str = "tenantId";
}

/// The id Amazon Connect gave a placed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactId(pub String);

/// One call to place: which request, and which of its calls (1 for the first, 2… for calls
/// asked for again). The queue message carries exactly this, and nothing personal: the number
/// to dial is read from the request when the call is placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOrder {
    pub tenant: TenantId,
    pub request: RequestId,
    pub call: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Message {
    tenant_id: String,
    request_id: String,
    call: u32,
}

impl CallOrder {
    pub fn first(tenant: &TenantId, request: &RequestId) -> Self {
        Self {
            tenant: tenant.clone(),
            request: *request,
            call: 1,
        }
    }

    /// Connect's idempotency token for this call: the request id for the first, the request
    /// id and the call's number after it. The same call asked for twice (a redelivered
    /// message, a retry after a lost answer) is placed once; a new call is a new token.
    pub fn client_token(&self) -> String {
        match self.call {
            1 => self.request.to_string(),
            n => format!("{}-{n}", self.request),
        }
    }

    /// The queue message body: `{"tenantId": …, "requestId": …, "call": n}`.
    pub fn to_message(&self) -> String {
        serde_json::to_string(&Message {
            tenant_id: self.tenant.to_string(),
            request_id: self.request.to_string(),
            call: self.call,
        })
        .expect("strings and a number serialize")
    }

    /// A message body back; `Err` names what is wrong (a poison message).
    pub fn from_message(body: &str) -> Result<Self, String> {
        let m: Message = serde_json::from_str(body).map_err(|e| format!("not a call: {e}"))?;
        Ok(Self {
            tenant: TenantId::parse(&m.tenant_id).map_err(|e| e.to_string())?,
            request: RequestId::parse(&m.request_id).map_err(|e| e.to_string())?,
            call: match m.call {
                0 => return Err("call numbers start at 1".into()),
                n => n,
            },
        })
    }
}

/// The durable queue of calls to place (Amazon SQS).
pub trait CallQueue: Send + Sync {
    /// Schedules `order`, to be handed to the dialer `delay` from now.
    fn enqueue(
        &self,
        order: &CallOrder,
        delay: Duration,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;

    /// Hands a received message (by its receipt) back to the dialer only `visible_in` from now.
    fn postpone(
        &self,
        receipt: &str,
        visible_in: Duration,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;
}

pub trait Dialer: Send + Sync {
    /// Starts the verification call `order` names, to `to`, with the
    /// [`contact_attributes`] and [`CallOrder::client_token`] as the idempotency token.
    fn place_call(
        &self,
        to: &PhoneNumber,
        order: &CallOrder,
    ) -> impl Future<Output = Result<ContactId, ServiceError>> + Send;
}

/// What the dialer and the redial route need to know about a request's calls.
#[derive(Debug, Clone, PartialEq)]
pub struct CallState {
    pub status: RequestStatus,
    pub otp_expires_at: u64,
    /// E.164.
    pub phone_number: String,
    /// Calls scheduled so far (the first at create, one more per redial).
    pub calls_scheduled: u32,
    /// The number of the latest call placed (0: none yet).
    pub calls_placed: u32,
    /// When the latest scheduled call is due, and when the latest call was placed.
    pub call_scheduled_at: Option<u64>,
    pub call_placed_at: Option<u64>,
}

/// The request's call fields. Every write is conditional on what it was decided from, so a
/// redelivered message or a racing redial changes nothing twice.
pub trait CallStore: Send + Sync {
    fn load_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> impl Future<Output = Result<Option<CallState>, ServiceError>> + Send;

    /// Records that call `call` was placed as `contact` after `attempts` tries: while the
    /// request is pending and no call numbered `call` or later is recorded. `false`: it was
    /// not (moved on, deleted, or recorded already).
    fn record_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        call: u32,
        contact: &ContactId,
        attempts: u32,
        now: u64,
    ) -> impl Future<Output = Result<bool, ServiceError>> + Send;

    /// Gives up on a request none of whose calls could be placed: `pending → failed` with the
    /// reason `call_not_placed` ([`crate::domain::Transition::CallNotPlaced`]), its code and
    /// its email and phone reservations removed, in one transaction; while it is pending and
    /// no call is recorded. `false`: it was not.
    fn give_up_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        attempts: u32,
        now: u64,
    ) -> impl Future<Output = Result<bool, ServiceError>> + Send;

    /// Schedules one more call, due at `at`: `callsScheduled` from `seen` to `seen + 1`, while
    /// the request is pending and nobody scheduled one meanwhile.
    fn schedule_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        seen: u32,
        at: u64,
    ) -> impl Future<Output = Result<bool, ServiceError>> + Send;

    /// Takes back [`CallStore::schedule_call`] of call `call` whose message could not be sent,
    /// putting back the due time read before (`previous_at`).
    fn unschedule_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        call: u32,
        previous_at: Option<u64>,
    ) -> impl Future<Output = Result<bool, ServiceError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_order_round_trips_through_its_message_and_carries_no_pii() {
        let order = CallOrder {
            tenant: TenantId::parse("acme").unwrap(),
            request: RequestId::generate(),
            call: 2,
        };
        let body = order.to_message();
        assert_eq!(CallOrder::from_message(&body), Ok(order.clone()));
        assert_eq!(
            body,
            format!(
                r#"{{"tenantId":"acme","requestId":"{}","call":2}}"#,
                order.request
            )
        );
        for poison in [
            "",
            "{}",
            "[]",
            r#"{"tenantId":"a#b","requestId":"01J0000000000000000000000A","call":1}"#,
            r#"{"tenantId":"acme","requestId":"nope","call":1}"#,
            &body.replace(":2}", ":0}"),
            &body.replace(":2}", r#":2,"phone":"+14155550101"}"#),
        ] {
            assert!(CallOrder::from_message(poison).is_err(), "{poison}");
        }
    }

    #[test]
    fn the_first_call_is_idempotent_on_the_request_id_and_each_later_call_on_its_number() {
        let first = CallOrder::first(&TenantId::parse("acme").unwrap(), &RequestId::generate());
        assert_eq!(first.client_token(), first.request.to_string());
        let second = CallOrder {
            call: 2,
            ..first.clone()
        };
        assert_eq!(second.client_token(), format!("{}-2", first.request));
    }
}
