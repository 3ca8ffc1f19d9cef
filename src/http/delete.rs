//! `DELETE /api/delete-request`: removes a request and frees its email and phone, with its
//! document record and images once no other request names them (the user's right to erasure).

use lambda_http::http::StatusCode;

use super::errors::{json_response, message, ApiError};
use super::{parse_json, App, Handled, IdBody};
use crate::domain::{RequestId, TenantId};
use crate::messages;
use crate::ports::Ports;
use crate::use_cases::review;

pub(super) async fn handle<P: Ports>(app: &App<P>, tenant: &TenantId, body: &[u8]) -> Handled {
    let body: IdBody = parse_json(body)?;
    let id = RequestId::parse(&body.id).map_err(|_| ApiError::RequestNotFound)?;
    review::delete(&app.store, &app.onboarding.images, tenant, &id).await?;
    let ok = message(messages::REQUEST_DELETED);
    Ok((json_response(StatusCode::OK, &ok), "deleted"))
}
