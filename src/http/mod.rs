//! The HTTP edge: authentication, routing, request parsing, and logging one line per request.
//! Raw input becomes domain types here, once; everything past this point is valid.

mod create;
pub mod errors;
pub mod json;

use std::time::Instant;

use lambda_http::http::{header, Method};
use lambda_http::{Body, Request, RequestExt, Response};

use crate::app::App;
use crate::auth::AuthError;
use crate::ports::{ApiKeyStore, Dialer, Mailer, RequestStore};
use errors::ApiError;

/// Request bodies larger than this are refused with 413 before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The API's routes: path, then the one method it serves.
const ROUTES: &[(&str, Method)] = &[("/api/kyc-request", Method::POST)];

/// Handles one API Gateway request. Never fails: every outcome is a response.
pub async fn handle<S, M, D>(app: &App<S, M, D>, request: Request) -> Response<Body>
where
    S: ApiKeyStore + RequestStore,
    M: Mailer,
    D: Dialer,
{
    let started = Instant::now();
    let request_id = request
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .unwrap_or_default();
    let method = request.method().clone();
    let path = path_of(&request).to_owned();

    let mut tenant = None;
    let result = route(app, request, &mut tenant).await;
    let (response, outcome) = match result {
        Ok((response, outcome)) => (response, outcome),
        Err(err) => {
            let outcome = err.outcome();
            (err.into_response(), outcome)
        }
    };
    tracing::info!(
        request_id = %request_id,
        tenant = tenant.as_deref().unwrap_or("-"),
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        outcome,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

type Handled = Result<(Response<Body>, &'static str), ApiError>;

async fn route<S, M, D>(
    app: &App<S, M, D>,
    request: Request,
    tenant_out: &mut Option<String>,
) -> Handled
where
    S: ApiKeyStore + RequestStore,
    M: Mailer,
    D: Dialer,
{
    // The key is checked before anything else about the request is looked at.
    let presented = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok());
    let tenant = match app.auth.authenticate(&app.store, presented).await {
        Ok(tenant) => tenant,
        Err(AuthError::InvalidKey) => return Err(ApiError::InvalidApiKey),
        Err(AuthError::Service(err)) => {
            tracing::error!(error = %err, "api key lookup failed");
            return Err(ApiError::Internal);
        }
    };
    *tenant_out = Some(tenant.to_string());

    let path = path_of(&request).trim_end_matches('/').to_owned();
    let Some((route, allowed)) = ROUTES.iter().find(|(p, _)| *p == path) else {
        return Err(ApiError::NotFound { path });
    };
    if request.method() != allowed {
        return Err(ApiError::MethodNotAllowed {
            allow: allowed.as_str(),
        });
    }
    match *route {
        "/api/kyc-request" => create::handle(app, &tenant, json_body(&request)?).await,
        _ => unreachable!("every route in ROUTES has a handler"),
    }
}

/// The path as the client sent it (API Gateway's `rawPath`), or the URI's path for requests
/// built without one (tests).
fn path_of(request: &Request) -> &str {
    match request.raw_http_path() {
        "" => request.uri().path(),
        raw => raw,
    }
}

/// The body of a JSON request: the content type must say JSON and the body must fit.
fn json_body(request: &Request) -> Result<&[u8], ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes: &[u8] = match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "request body must be a JSON object".into(),
        ));
    }
    Ok(bytes)
}

/// Parses a JSON body into `T`, naming the offending field in the error.
fn parse_json<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    // serde would also read a struct from an array; the API takes objects only.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::BadRequest(
            "request body must be a JSON object".into(),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let inner = err.inner();
        let path = err.path().to_string();
        ApiError::BadRequest(if inner.is_syntax() || inner.is_eof() {
            format!("request body is not valid JSON: {inner}")
        } else if path == "." {
            format!("invalid request body: {inner}")
        } else {
            format!("invalid {path}: {inner}")
        })
    })?;
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("request body is not valid JSON: {e}")))?;
    Ok(value)
}
