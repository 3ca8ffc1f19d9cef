//! `PUT /api/accept`: the business accepts a request the call verified.

use lambda_http::http::StatusCode;

use super::errors::{json_response, message, ApiError, REQUEST_ACCEPTED};
use super::{parse_json, Handled, IdBody};
use crate::app::App;
use crate::domain::{RequestId, RequestStatus, TenantId, Transition};
use crate::ports::{ApiStore, TransitionDetails};

pub(super) async fn handle<S: ApiStore, M, D>(
    app: &App<S, M, D>,
    tenant: &TenantId,
    body: &[u8],
) -> Handled {
    let body: IdBody = parse_json(body)?;
    // An id that is not a request id names no request: the published "not accepted".
    let id = RequestId::parse(&body.id).map_err(|_| ApiError::NotAccepted)?;
    let details = TransitionDetails {
        now: crate::unix_now(),
        ..Default::default()
    };
    let accepted = app
        .store
        .transition(
            tenant,
            &id,
            RequestStatus::Verified,
            Transition::Accept,
            details,
        )
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "accepting failed");
            ApiError::Internal
        })?;
    if !accepted {
        return Err(ApiError::NotAccepted);
    }
    Ok((
        json_response(StatusCode::OK, &message(REQUEST_ACCEPTED)),
        "accepted",
    ))
}
