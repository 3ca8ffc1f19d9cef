//! The HTTP edge: authentication, routing, request parsing, and logging one line per request.
//! Raw input becomes domain types here, once; everything past this point is valid.

mod accept;
mod clear;
mod create;
mod delete;
pub mod errors;
pub mod json;
pub mod page_token;
mod requests;

use std::time::Instant;

use lambda_http::http::{header, Method};
use lambda_http::{Body, Request, RequestExt, Response};

use crate::app::App;
use crate::auth::AuthError;
use crate::ports::{ApiStore, Dialer, Mailer};
use errors::ApiError;

/// Request bodies larger than this are refused with 413 before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The API's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Create,
    List,
    GetOne,
    Accept,
    Delete,
    Clear,
}

/// Path template, method, route. `{id}` matches one path segment.
const ROUTES: &[(&str, Method, Route)] = &[
    ("/api/kyc-request", Method::POST, Route::Create),
    ("/api/requests", Method::GET, Route::List),
    ("/api/requests/{id}", Method::GET, Route::GetOne),
    ("/api/accept", Method::PUT, Route::Accept),
    ("/api/delete-request", Method::DELETE, Route::Delete),
    ("/api/clear-requests", Method::DELETE, Route::Clear),
];

/// Whether `path` fits `template`, and the `{id}` segment if it has one.
fn match_template<'a>(template: &str, path: &'a str) -> Option<Option<&'a str>> {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    let mut id = None;
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(id),
            (Some("{id}"), Some(segment)) if !segment.is_empty() => id = Some(segment),
            (Some(a), Some(b)) if a == b => {}
            _ => return None,
        }
    }
}

/// Handles one API Gateway request. Never fails: every outcome is a response.
pub async fn handle<S, M, D>(app: &App<S, M, D>, request: Request) -> Response<Body>
where
    S: ApiStore,
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
    S: ApiStore,
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
    let matching: Vec<(&Method, Route, Option<&str>)> = ROUTES
        .iter()
        .filter_map(|(template, method, route)| {
            match_template(template, &path).map(|id| (method, *route, id))
        })
        .collect();
    let Some((route, id)) = matching
        .iter()
        .find(|(method, _, _)| *method == request.method())
        .map(|(_, route, id)| (*route, id.map(str::to_owned)))
    else {
        return Err(match matching.first() {
            Some((method, _, _)) => ApiError::MethodNotAllowed {
                allow: method.as_str(),
            },
            None => ApiError::NotFound { path },
        });
    };
    let query = request.uri().query().unwrap_or_default();
    match route {
        Route::Create => create::handle(app, &tenant, json_body(&request)?).await,
        Route::List => requests::list(app, &tenant, query).await,
        Route::GetOne => requests::get_one(app, &tenant, id.as_deref().unwrap_or_default()).await,
        Route::Accept => accept::handle(app, &tenant, json_body(&request)?).await,
        Route::Delete => delete::handle(app, &tenant, json_body(&request)?).await,
        Route::Clear => clear::handle(app, &tenant).await,
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

/// The body of requests that name one request: `{"id": "<request id>"}`.
#[derive(serde::Deserialize)]
struct IdBody {
    id: String,
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

#[cfg(test)]
mod tests {
    use super::match_template;

    #[test]
    fn templates_match_whole_segments() {
        assert_eq!(match_template("/api/requests", "/api/requests"), Some(None));
        assert_eq!(
            match_template("/api/requests/{id}", "/api/requests/01ABC"),
            Some(Some("01ABC"))
        );
        assert_eq!(match_template("/api/requests/{id}", "/api/requests"), None);
        assert_eq!(
            match_template("/api/requests/{id}", "/api/requests/a/b"),
            None
        );
        assert_eq!(match_template("/api/requests", "/api/requests-x"), None);
        assert_eq!(match_template("/api/accept", "/api"), None);
    }
}
