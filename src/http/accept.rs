//! `PUT /api/accept`: the business accepts a request the call verified.

use lambda_http::http::StatusCode;

use super::errors::{json_response, message, ApiError};
use super::{parse_json, App, Handled, IdBody};
use crate::domain::{RequestId, TenantId};
use crate::messages;
use crate::ports::Ports;
use crate::use_cases::review;

pub(super) async fn handle<P: Ports>(
    app: &App<P>,
    tenant: &TenantId,
    body: &[u8],
    now: u64,
) -> Handled {
    let body: IdBody = parse_json(body)?;
    // An id that is not a request id names no request: the published "not accepted".
    let id = RequestId::parse(&body.id).map_err(|_| ApiError::NotAccepted)?;
    review::accept(&app.store, tenant, &id, now).await?;
    let ok = message(messages::REQUEST_ACCEPTED);
    Ok((json_response(StatusCode::OK, &ok), "accepted"))
}
