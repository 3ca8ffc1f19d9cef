//! `DELETE /api/clear-requests`: removes every request of the tenant, with their reservations.
//!
//! Each request goes with its OTP and reservations in one transaction, so an interrupted clear
//! leaves whole requests only; calling again resumes. The work stops after the configured time
//! budget (`CLEAR_TIME_BUDGET_SECONDS`, inside the Lambda and API Gateway time-outs) and says
//! how many remain, so the caller calls again.

use lambda_http::http::StatusCode;
use serde::Serialize;

use super::errors::json_response;
use super::{App, Handled};
use crate::domain::TenantId;
use crate::messages;
use crate::ports::Ports;
use crate::use_cases::review;

#[derive(Serialize)]
struct Cleared {
    message: &'static str,
    deleted: u64,
    remaining: u64,
}

pub(super) async fn handle<P: Ports>(app: &App<P>, tenant: &TenantId) -> Handled {
    let outcome =
        review::clear(&app.store, &app.onboarding.images, tenant, app.clear_budget).await?;
    let body = Cleared {
        message: match outcome.remaining {
            0 => messages::CLEARED,
            _ => messages::PARTLY_CLEARED,
        },
        deleted: outcome.deleted,
        remaining: outcome.remaining,
    };
    Ok((json_response(StatusCode::OK, &body), "cleared"))
}
