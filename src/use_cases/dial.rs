//! Placing the verification calls the queue carries (the dialer Lambda): for each message, read
//! the request, and place its call through Amazon Connect at the worker's pace, or skip it, or
//! give up on it.
//!
//! - Idempotent twice over: Connect's `ClientToken` ([`CallOrder::client_token`]) places a call
//!   asked for again (a redelivered message, a crash after Connect accepted) once, and the
//!   contact is recorded with a write conditional on the request still pending and no such call
//!   recorded yet.
//! - Throttling, the concurrent-call limit, 5xx and time-outs are tried again later: the message
//!   goes back to the queue with a visibility time-out growing with its receive count, with
//!   jitter ([`retry_delay`]). A call Connect refuses as sent is not tried again.
//! - After `max_attempts` receives, or once the code expired, a request none of whose calls was
//!   placed fails with `call_not_placed` and its email and phone are freed
//!   ([`CallStore::give_up_call`]); a redial of a request that was called before is dropped
//!   (the request stays as it is). Either way the message leaves the queue.
//! - [`Pacer`] spaces one worker's calls so that the workers together stay under the account's
//!   call rate, instead of discovering it through throttling.

use std::time::Duration;

use tokio::time::Instant;

use crate::domain::{PhoneNumber, RequestStatus};
use crate::ports::{
    CallOrder, CallQueue, CallState, CallStore, Dialer, ServiceError, ServiceErrorKind,
};

/// What the dialer needs besides its ports, fixed at init.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialSettings {
    /// `CALL_MAX_ATTEMPTS`: receives of one message before its call is given up.
    pub max_attempts: u32,
    /// `CALL_RETRY_BASE_SECONDS`, `CALL_RETRY_MAX_SECONDS`: the first visibility time-out after
    /// a failed try, doubled per receive up to the maximum.
    pub retry_base: Duration,
    pub retry_max: Duration,
}

impl Default for DialSettings {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(300),
        }
    }
}

/// Spaces calls `interval` apart (a token bucket of one token): one worker's pace. Shared by
/// the invocations of a warm worker.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: tokio::sync::Mutex<Option<Instant>>,
}

impl Pacer {
    /// At most `per_second` calls a second.
    pub fn per_second(per_second: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / per_second.max(0.001)),
            next: tokio::sync::Mutex::new(None),
        }
    }

    /// Waits for this call's turn.
    pub async fn wait(&self) {
        let turn = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let turn = next.map_or(now, |at| at.max(now));
            *next = Some(turn + self.interval);
            turn
        };
        tokio::time::sleep_until(turn).await;
    }
}

/// The visibility time-out for a message that failed its `receive`-th try: `base × 2^(receive
/// − 1)`, at most `max`, then between half and all of that (`jitter` in 0..1), in whole
/// seconds (SQS's unit), at least one.
pub fn retry_delay(receive: u32, settings: &DialSettings, jitter: f64) -> Duration {
    let doubled = settings
        .retry_base
        .saturating_mul(1u32 << receive.saturating_sub(1).min(20));
    let capped = doubled.min(settings.retry_max);
    let jittered = capped.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0);
    Duration::from_secs(jittered.as_secs_f64().ceil().max(1.0) as u64)
}

/// One received message: its id (reported back when it failed), its receipt, the call it
/// asks for (`Err`: a poison message) and how often it was received (this time included).
#[derive(Debug, Clone)]
pub struct Received {
    pub message_id: String,
    pub receipt: String,
    pub order: Result<CallOrder, String>,
    pub receive_count: u32,
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialed {
    /// The call was placed (or found placed, by its token) and recorded.
    Placed { contact: String, recorded: bool },
    /// Nothing to do: the request is gone, no longer pending, or this call was placed already.
    Skipped(&'static str),
    /// No call could be placed: the request failed with `call_not_placed`, its user freed.
    GaveUp,
    /// A redial that could not be placed; the request keeps its earlier call.
    Dropped,
    /// Try again: the message comes back after `after` (`None`: after the queue's own
    /// visibility time-out).
    Retry { after: Option<Duration> },
    /// Not a call message: left to the queue's redrive policy (the dead-letter queue).
    Poison,
}

impl Dialed {
    /// Whether the message is done with (deleted), or goes back to the queue.
    pub fn done(&self) -> bool {
        !matches!(self, Dialed::Retry { .. } | Dialed::Poison)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Dialed::Placed { .. } => "placed",
            Dialed::Skipped(_) => "skipped",
            Dialed::GaveUp => "call_not_placed",
            Dialed::Dropped => "redial_dropped",
            Dialed::Retry { .. } => "retry",
            Dialed::Poison => "poison",
        }
    }
}

/// What to do with a message, from the request as read: a pure decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Skip(&'static str),
    /// Stop trying: give up (no call placed yet) or drop (a redial).
    Stop,
    Place,
}

pub fn plan(
    state: Option<&CallState>,
    order: &CallOrder,
    receive_count: u32,
    now: u64,
    settings: &DialSettings,
) -> Plan {
    let Some(state) = state else {
        return Plan::Skip("request gone");
    };
    if state.status != RequestStatus::Pending {
        return Plan::Skip("request no longer pending");
    }
    if state.calls_placed >= order.call {
        return Plan::Skip("call already placed");
    }
    if state.calls_scheduled < order.call {
        return Plan::Skip("call not scheduled");
    }
    if now >= state.otp_expires_at || receive_count > settings.max_attempts {
        return Plan::Stop;
    }
    Plan::Place
}

/// The dialer's ports and pace: one per warm worker.
pub struct DialWorker<S, D, Q> {
    pub store: S,
    pub dialer: D,
    pub queue: Q,
    pub settings: DialSettings,
    pub pacer: Pacer,
}

impl<S: CallStore, D: Dialer, Q: CallQueue> DialWorker<S, D, Q> {
    /// Handles one message at `now()` (read when it is its turn).
    pub async fn dial(&self, message: &Received, now: &(impl Fn() -> u64 + Sync)) -> Dialed {
        let order = match &message.order {
            Ok(order) => order,
            Err(why) => {
                tracing::error!(message_id = %message.message_id, error = %why, "poison message");
                return Dialed::Poison;
            }
        };
        let dialed = match self.try_dial(order, message.receive_count, now).await {
            Ok(dialed) => dialed,
            Err(err) => {
                tracing::error!(kyc_request_id = %order.request, error = %err, "dialing failed");
                self.retry(message, order).await
            }
        };
        let dialed = match dialed {
            Dialed::Retry { after: None } => self.retry(message, order).await,
            other => other,
        };
        let reason = match &dialed {
            Dialed::Skipped(why) => why,
            _ => "-",
        };
        tracing::info!(
            kyc_request_id = %order.request,
            tenant = %order.tenant,
            call = order.call,
            receive_count = message.receive_count,
            outcome = dialed.as_str(),
            reason,
            "dial"
        );
        dialed
    }

    /// Hands the message back for later, after the delay its receive count calls for.
    async fn retry(&self, message: &Received, order: &CallOrder) -> Dialed {
        let after = retry_delay(message.receive_count, &self.settings, rand::random());
        match self.queue.postpone(&message.receipt, after).await {
            Ok(()) => Dialed::Retry { after: Some(after) },
            Err(err) => {
                tracing::error!(kyc_request_id = %order.request, error = %err, "postponing failed");
                Dialed::Retry { after: None }
            }
        }
    }

    async fn try_dial(
        &self,
        order: &CallOrder,
        receive_count: u32,
        now: &(impl Fn() -> u64 + Sync),
    ) -> Result<Dialed, ServiceError> {
        let state = self.store.load_call(&order.tenant, &order.request).await?;
        match plan(state.as_ref(), order, receive_count, now(), &self.settings) {
            Plan::Skip(why) => return Ok(Dialed::Skipped(why)),
            Plan::Stop => return self.stop(order, state.as_ref(), receive_count, now()).await,
            Plan::Place => {}
        }
        let state = state.expect("planned to place a call for a stored request");
        let to = PhoneNumber::parse(&state.phone_number).map_err(|_| {
            ServiceError::new(
                "dialer",
                ServiceErrorKind::InvalidResponse,
                "stored phone number is malformed",
            )
        })?;
        self.pacer.wait().await;
        let contact = match self.dialer.place_call(&to, order).await {
            Ok(contact) => contact,
            Err(err) => {
                tracing::warn!(kyc_request_id = %order.request, error = %err, receive_count, "call not placed");
                let last = receive_count >= self.settings.max_attempts;
                return match err.kind {
                    ServiceErrorKind::Rejected => {
                        self.stop(order, Some(&state), receive_count, now()).await
                    }
                    _ if last => self.stop(order, Some(&state), receive_count, now()).await,
                    _ => Ok(Dialed::Retry { after: None }),
                };
            }
        };
        let recorded = self
            .store
            .record_call(
                &order.tenant,
                &order.request,
                order.call,
                &contact,
                receive_count,
                now(),
            )
            .await?;
        if !recorded {
            tracing::warn!(kyc_request_id = %order.request, contact_id = %contact.0, "call placed, but the request moved on meanwhile");
        }
        Ok(Dialed::Placed {
            contact: contact.0,
            recorded,
        })
    }

    /// Stops trying a call: a request never reached fails (`call_not_placed`, user freed); a
    /// redial is dropped.
    async fn stop(
        &self,
        order: &CallOrder,
        state: Option<&CallState>,
        attempts: u32,
        now: u64,
    ) -> Result<Dialed, ServiceError> {
        if state.is_some_and(|s| s.calls_placed > 0) {
            return Ok(Dialed::Dropped);
        }
        let (tenant, id) = (&order.tenant, &order.request);
        match self.store.give_up_call(tenant, id, attempts, now).await? {
            true => Ok(Dialed::GaveUp),
            false => Ok(Dialed::Skipped("request moved on")),
        }
    }
}

#[cfg(test)]
#[path = "dial_tests.rs"]
mod tests;
