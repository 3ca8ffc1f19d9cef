//! `POST /api/document-authentication`.

use lambda_http::http::StatusCode;
use lambda_http::Request;
use serde::Serialize;
use serde_json::{Map, Value};

use super::errors::{json_response, ApiError};
use super::images::{image_body, image_field};
use super::{parse_json, App, Handled};
use crate::domain::{IdInformation, ImageSide, TenantId};
use crate::messages;
use crate::ports::Ports;
use crate::use_cases::document_authentication::{authenticate_document, DocumentImages};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Authenticated<'a> {
    message: &'static str,
    document_identification_id: &'a str,
    id_information: &'a IdInformation,
}

pub(super) async fn handle<P: Ports>(
    app: &App<P>,
    tenant: &TenantId,
    request: &Request,
    now: u64,
) -> Handled {
    let body: Map<String, Value> = parse_json(image_body(request)?)?;
    let front = image_field(&body, ImageSide::Front)?
        .ok_or_else(|| ApiError::BadRequest(messages::field_required(ImageSide::Front.field())))?;
    let images = DocumentImages {
        front,
        back: image_field(&body, ImageSide::Back)?,
        side: image_field(&body, ImageSide::Side)?,
    };
    let o = &app.onboarding;
    let done = authenticate_document(
        &o.images, &o.fetcher, &o.reader, &app.store, tenant, images, now,
    )
    .await?;
    let body = Authenticated {
        message: messages::DOCUMENT_AUTHENTICATED,
        document_identification_id: done.id.as_str(),
        id_information: &done.document.id_information,
    };
    Ok((json_response(StatusCode::CREATED, &body), "created"))
}
