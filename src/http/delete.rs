//! `DELETE /api/delete-request`: removes a request and frees its email and phone (the user's
//! right to erasure).

use lambda_http::http::StatusCode;

use super::errors::{json_response, message, ApiError, REQUEST_DELETED};
use super::{parse_json, Handled, IdBody};
use crate::app::App;
use crate::domain::{RequestId, TenantId};
use crate::ports::ApiStore;

pub(super) async fn handle<S: ApiStore, M, D>(
    app: &App<S, M, D>,
    tenant: &TenantId,
    body: &[u8],
) -> Handled {
    let body: IdBody = parse_json(body)?;
    let id = RequestId::parse(&body.id).map_err(|_| ApiError::RequestNotFound)?;
    let deleted = app.store.delete_request(tenant, &id).await.map_err(|err| {
        tracing::error!(error = %err, "deleting failed");
        ApiError::Internal
    })?;
    if !deleted {
        return Err(ApiError::RequestNotFound);
    }
    Ok((
        json_response(StatusCode::OK, &message(REQUEST_DELETED)),
        "deleted",
    ))
}
