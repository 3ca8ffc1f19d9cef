//! `DELETE /api/clear-requests`: removes every request of the tenant, with their reservations.
//!
//! Each request goes with its OTP and reservations in one transaction, so an interrupted clear
//! leaves whole requests only; calling again resumes. The work stops after the configured time
//! budget (`CLEAR_TIME_BUDGET_SECONDS`, inside the Lambda and API Gateway time-outs) and says
//! how many remain, so the caller calls again.

use lambda_http::http::StatusCode;
use serde::Serialize;

use super::errors::{json_response, ApiError};
use super::Handled;
use crate::app::App;
use crate::domain::TenantId;
use crate::ports::ApiStore;

pub const CLEARED: &str = "All KYC requests cleared";
pub const PARTLY_CLEARED: &str = "Some KYC requests remain: call again to continue clearing";

#[derive(Serialize)]
struct Cleared {
    message: &'static str,
    deleted: u64,
    remaining: u64,
}

pub(super) async fn handle<S: ApiStore, M, D>(app: &App<S, M, D>, tenant: &TenantId) -> Handled {
    let outcome = app
        .store
        .clear_requests(tenant, app.clear_budget)
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "clearing failed");
            ApiError::Internal
        })?;
    let body = Cleared {
        message: if outcome.remaining == 0 {
            CLEARED
        } else {
            PARTLY_CLEARED
        },
        deleted: outcome.deleted,
        remaining: outcome.remaining,
    };
    Ok((json_response(StatusCode::OK, &body), "cleared"))
}
