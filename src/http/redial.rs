//! `POST /api/requests/{id}/redial`: the business asks for a missed verification call again.
//! No body. `202 {"message": "Call scheduled", "id": …, "callScheduledAt": …}`; 404 for an
//! unknown id or another tenant's; 409 when the request cannot be called again (not pending,
//! code expired, its calls used up, a call already waiting); 429 with `Retry-After` within the
//! cool-down after the last call.

use lambda_http::http::StatusCode;
use serde::Serialize;

use super::errors::{json_response, ApiError};
use super::{App, Handled};
use crate::domain::{RequestId, TenantId};
use crate::messages;
use crate::ports::Ports;
use crate::use_cases::redial::{redial, RedialSettings};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Scheduled {
    message: &'static str,
    id: String,
    call_scheduled_at: String,
}

pub(super) async fn handle<P: Ports>(
    app: &App<P>,
    tenant: &TenantId,
    raw_id: &str,
    now: u64,
) -> Handled {
    let id = RequestId::parse(raw_id).map_err(|_| ApiError::RequestNotFound)?;
    let settings = RedialSettings {
        max_calls: app.max_calls_per_request,
        cooldown: app.redial_cooldown,
        delay: app.submit.call_delay,
    };
    let scheduled = redial(&app.store, &app.queue, &settings, tenant, &id, now).await?;
    let body = Scheduled {
        message: messages::CALL_SCHEDULED,
        id: id.to_string(),
        call_scheduled_at: super::kyc_requests::timestamp(scheduled.at),
    };
    Ok((json_response(StatusCode::ACCEPTED, &body), "call_scheduled"))
}
