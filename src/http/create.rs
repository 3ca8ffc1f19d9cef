//! `POST /api/kyc-request`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};

use super::errors::{json_response, ApiError, REQUEST_SUBMITTED};
use super::{parse_json, Handled};
use crate::app::App;
use crate::create_request::{create_request, CreateRequest, CreateRequestError};
use crate::domain::{DocumentId, Email, PhoneNumber, RequestStatus, TenantId};
use crate::ports::{Dialer, Mailer, RequestStore};

/// The body as sent. Unknown fields are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    email: String,
    phone_number: String,
    document_identification_id: String,
}

impl TryFrom<CreateBody> for CreateRequest {
    type Error = ApiError;

    fn try_from(body: CreateBody) -> Result<Self, Self::Error> {
        let bad = |e: crate::domain::ValidationError| ApiError::BadRequest(e.0);
        Ok(CreateRequest {
            email: Email::parse(&body.email).map_err(bad)?,
            phone: PhoneNumber::parse(&body.phone_number).map_err(bad)?,
            document_id: DocumentId::parse(&body.document_identification_id).map_err(bad)?,
        })
    }
}

#[derive(Serialize)]
struct Created {
    message: &'static str,
    id: String,
    status: &'static str,
}

pub(super) async fn handle<S: RequestStore, M: Mailer, D: Dialer>(
    app: &App<S, M, D>,
    tenant: &TenantId,
    body: &[u8],
) -> Handled {
    let input = CreateRequest::try_from(parse_json::<CreateBody>(body)?)?;
    let created = create_request(
        &app.store,
        &app.mailer,
        &app.dialer,
        &app.otp,
        tenant,
        input,
        crate::unix_now(),
    )
    .await;
    match created {
        Ok(id) => Ok((created_response(id.to_string()), "created")),
        Err(CreateRequestError::DocumentNotFound) => Err(ApiError::NoDocument),
        Err(CreateRequestError::Taken { email, phone }) => Err(ApiError::Taken { email, phone }),
        Err(CreateRequestError::DeliveryFailed { .. }) => Err(ApiError::NotSubmitted),
        Err(CreateRequestError::Store(err)) => {
            tracing::error!(error = %err, "create transaction failed");
            Err(ApiError::Internal)
        }
    }
}

fn created_response(id: String) -> Response<Body> {
    json_response(
        StatusCode::CREATED,
        &Created {
            message: REQUEST_SUBMITTED,
            id,
            status: RequestStatus::Pending.as_str(),
        },
    )
}
