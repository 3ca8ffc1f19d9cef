//! `POST /api/kyc-request`.

use lambda_http::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::errors::{json_response, ApiError};
use super::{parse_json, App, Handled};
use crate::domain::{DocumentId, Email, PhoneNumber, RequestStatus};
use crate::messages;
use crate::ports::Ports;
use crate::use_cases::authenticate::Caller;
use crate::use_cases::document_authentication::keep_document_images;
use crate::use_cases::submit::{submit, Submission};

/// The body as sent. Unknown fields are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubmitBody {
    email: String,
    phone_number: String,
    document_identification_id: String,
}

impl TryFrom<SubmitBody> for Submission {
    type Error = ApiError;

    fn try_from(body: SubmitBody) -> Result<Self, Self::Error> {
        let bad = |e: crate::domain::ValidationError| ApiError::BadRequest(e.0);
        Ok(Submission {
            email: Email::parse(&body.email).map_err(bad)?,
            phone: PhoneNumber::parse(&body.phone_number).map_err(bad)?,
            document_id: DocumentId::parse(&body.document_identification_id).map_err(bad)?,
        })
    }
}

#[derive(Serialize)]
struct Submitted {
    message: &'static str,
    id: String,
    status: &'static str,
}

pub(super) async fn handle<P: Ports>(
    app: &App<P>,
    caller: &Caller,
    body: &[u8],
    now: u64,
) -> Handled {
    let input = Submission::try_from(parse_json::<SubmitBody>(body)?)?;
    let document = input.document_id.clone();
    let id = submit(
        &app.store,
        &app.mailer,
        &app.queue,
        &app.submit,
        caller,
        input,
        now,
    )
    .await?;
    keep_document_images(&app.onboarding.images, &caller.tenant, &document).await;
    let body = Submitted {
        message: messages::REQUEST_SUBMITTED,
        id: id.to_string(),
        status: RequestStatus::Pending.as_str(),
    };
    Ok((json_response(StatusCode::CREATED, &body), "created"))
}
