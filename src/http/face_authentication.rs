//! `POST /api/face-authentication`.

use lambda_http::http::StatusCode;
use lambda_http::Request;
use serde::Serialize;
use serde_json::{Map, Value};

use super::errors::{json_response, ApiError};
use super::images::{image_body, image_field};
use super::{parse_json, App, Handled};
use crate::domain::{DocumentId, ImageSide, TenantId};
use crate::messages;
use crate::ports::Ports;
use crate::use_cases::face_authentication::authenticate_face;

const DOCUMENT_FIELD: &str = "documentIdentificationId";

#[derive(Serialize)]
struct Score {
    score: f64,
}

pub(super) async fn handle<P: Ports>(
    app: &App<P>,
    tenant: &TenantId,
    request: &Request,
) -> Handled {
    let body: Map<String, Value> = parse_json(image_body(request)?)?;
    let document_id = match body.get(DOCUMENT_FIELD) {
        None | Some(Value::Null) => {
            return Err(ApiError::BadRequest(messages::field_required(
                DOCUMENT_FIELD,
            )))
        }
        Some(Value::String(id)) => DocumentId::parse(id).map_err(|e| ApiError::BadRequest(e.0))?,
        Some(_) => {
            return Err(ApiError::BadRequest(messages::field_must_be_string(
                DOCUMENT_FIELD,
            )))
        }
    };
    let face = image_field(&body, ImageSide::Face)?
        .ok_or_else(|| ApiError::BadRequest(messages::field_required(ImageSide::Face.field())))?;
    let o = &app.onboarding;
    let score = authenticate_face(
        &o.images,
        &o.fetcher,
        &o.matcher,
        &app.store,
        tenant,
        &document_id,
        face,
        app.face_match_threshold,
    )
    .await?;
    Ok((
        json_response(StatusCode::OK, &Score { score }),
        "face_matched",
    ))
}
