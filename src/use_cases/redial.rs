//! Asking for a missed call again (`POST /api/requests/{id}/redial`): a pending request whose
//! code is still valid gets one more call, scheduled like the first (enqueued for the dialer),
//! at most `max_calls` calls in all and not within `cooldown` of the last one placed.
//!
//! [`decide`] is the whole decision, from the request's call state as read. Scheduling is a
//! write conditional on the number of calls scheduled (two redials racing schedule one call),
//! then the enqueue; if the enqueue fails the write is taken back.

use std::time::Duration;

use crate::domain::{RequestId, RequestStatus, TenantId};
use crate::ports::{CallOrder, CallQueue, CallState, CallStore, ServiceError, ServiceErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedialSettings {
    /// `MAX_CALLS_PER_REQUEST`: calls in all, the first included.
    pub max_calls: u32,
    /// `REDIAL_COOLDOWN_SECONDS`: from the last call placed.
    pub cooldown: Duration,
    /// `CALL_DELAY_SECONDS`: as for the first call.
    pub delay: Duration,
}

/// Why a request cannot be called again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedialError {
    #[error("no such request")]
    NotFound,
    #[error("the request is {0}")]
    NotPending(RequestStatus),
    #[error("the request's code expired")]
    CodeExpired,
    #[error("the request had its {max} calls")]
    CallLimit { max: u32 },
    #[error("a call is scheduled and not placed yet")]
    CallWaiting,
    #[error("too soon after the last call; retry in {retry_after} s")]
    TooSoon { retry_after: u64 },
    #[error(transparent)]
    Store(#[from] ServiceError),
}

/// A call scheduled: its number and when it is due (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheduled {
    pub call: u32,
    pub at: u64,
}

/// How often a redial that lost its conditional write to a racing one reads again.
const ROUNDS: usize = 3;

/// Whether the request may have one more call at `now`: `Ok(seen)`, the calls scheduled so far.
pub fn decide(state: &CallState, now: u64, settings: &RedialSettings) -> Result<u32, RedialError> {
    match state.status.as_of(state.otp_expires_at, now) {
        RequestStatus::Pending => {}
        RequestStatus::Expired if state.status == RequestStatus::Pending => {
            return Err(RedialError::CodeExpired)
        }
        status => return Err(RedialError::NotPending(status)),
    }
    if state.calls_scheduled >= settings.max_calls {
        return Err(RedialError::CallLimit {
            max: settings.max_calls,
        });
    }
    if state.calls_scheduled > state.calls_placed {
        return Err(RedialError::CallWaiting);
    }
    if let Some(placed) = state.call_placed_at {
        let free_at = placed + settings.cooldown.as_secs();
        if now < free_at {
            return Err(RedialError::TooSoon {
                retry_after: free_at - now,
            });
        }
    }
    Ok(state.calls_scheduled)
}

pub async fn redial<S: CallStore, Q: CallQueue>(
    store: &S,
    queue: &Q,
    settings: &RedialSettings,
    tenant: &TenantId,
    id: &RequestId,
    now: u64,
) -> Result<Scheduled, RedialError> {
    for _ in 0..ROUNDS {
        let state = store.load_call(tenant, id).await?;
        let state = state.ok_or(RedialError::NotFound)?;
        let seen = decide(&state, now, settings)?;
        let at = now + settings.delay.as_secs();
        if !store.schedule_call(tenant, id, seen, at).await? {
            continue;
        }
        let order = CallOrder {
            tenant: tenant.clone(),
            request: *id,
            call: seen + 1,
        };
        if let Err(err) = queue.enqueue(&order, settings.delay).await {
            tracing::error!(kyc_request_id = %id, error = %err, "scheduling a redial failed");
            let previous = state.call_scheduled_at;
            if let Err(undo) = store
                .unschedule_call(tenant, id, order.call, previous)
                .await
            {
                tracing::error!(kyc_request_id = %id, error = %undo, "taking back a redial failed");
            }
            return Err(err.into());
        }
        tracing::info!(kyc_request_id = %id, call = order.call, "call scheduled again");
        return Ok(Scheduled {
            call: order.call,
            at,
        });
    }
    Err(RedialError::Store(ServiceError::new(
        "dynamodb",
        ServiceErrorKind::Conflict,
        "redials kept racing",
    )))
}

#[cfg(test)]
#[path = "redial_tests.rs"]
mod tests;
