//! `POST /api/uploads`: a presigned S3 POST for one image too large for the JSON routes (API
//! Gateway takes 10 MB a request, Lambda 6 MB). Body: nothing, or `{"contentType":
//! "image/png" | "image/jpeg"}` (default JPEG). Answer 201 `{"url", "fields", "ref",
//! "maxBytes", "expiresAt"}`: post `fields` then the file (`file`, last) as
//! `multipart/form-data` to `url`, then send `{"s3ref": "<ref>"}` as the image.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request};
use serde::{Deserialize, Serialize};
use serde_json::Map;

use super::body::json_body;
use super::errors::{json_response, ApiError};
use super::{parse_json, App, Handled};
use crate::domain::{ImageFormat, TenantId};
use crate::messages;
use crate::ports::Ports;
use crate::use_cases::uploads::new_upload;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadBody {
    content_type: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Upload {
    url: String,
    fields: Map<String, serde_json::Value>,
    #[serde(rename = "ref")]
    reference: String,
    max_bytes: u64,
    /// Unix seconds.
    expires_at: u64,
}

fn is_empty(request: &Request) -> bool {
    match request.body() {
        Body::Empty => true,
        Body::Text(text) => text.trim().is_empty(),
        Body::Binary(bytes) => bytes.iter().all(u8::is_ascii_whitespace),
        _ => true,
    }
}

pub(super) async fn handle<P: Ports>(
    app: &App<P>,
    tenant: &TenantId,
    request: &Request,
    now: u64,
) -> Handled {
    let format = if is_empty(request) {
        ImageFormat::Jpeg
    } else {
        let body: UploadBody = parse_json(json_body(request)?)?;
        match body.content_type {
            None => ImageFormat::Jpeg,
            Some(named) => ImageFormat::from_content_type(&named)
                .ok_or_else(|| ApiError::BadRequest(messages::UPLOAD_CONTENT_TYPE.into()))?,
        }
    };
    let upload = new_upload(&app.onboarding.images, tenant, format, now)
        .await
        .map_err(|e| super::errors::internal(&e, "presigning an upload"))?;
    let body = Upload {
        url: upload.form.url,
        fields: upload
            .form
            .fields
            .into_iter()
            .map(|(k, v)| (k, v.into()))
            .collect(),
        reference: upload.reference.as_str().to_owned(),
        max_bytes: upload.max_bytes,
        expires_at: upload.expires_at,
    };
    Ok((
        json_response(StatusCode::CREATED, &body),
        "upload_presigned",
    ))
}
