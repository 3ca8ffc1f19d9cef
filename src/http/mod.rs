//! The HTTP edge: authentication, routing, request parsing, and one log line per request.
//! Raw input becomes domain types here, once; everything past this point is valid.
//!
//! One file per route; `errors.rs` turns every failure into its status and body, `body.rs`
//! reads JSON bodies, `app.rs` holds what the handler owns.

mod accept;
mod app;
mod body;
mod clear;
pub mod dashboard;
mod delete;
mod document_authentication;
pub mod errors;
mod face_authentication;
mod image_urls;
mod images;
pub mod json;
mod kyc_requests;
pub mod page_token;
mod redial;
mod stats;
mod submit;
mod uploads;

use std::time::Instant;

use lambda_http::http::Method;
use lambda_http::{Body, Request, RequestExt, Response};

pub use app::App;
pub use body::MAX_BODY_BYTES;
use body::{json_body, parse_json, IdBody};
use errors::ApiError;

use crate::ports::Ports;

/// The API's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Document,
    Face,
    Upload,
    Submit,
    List,
    GetOne,
    Redial,
    Accept,
    Delete,
    Clear,
    Stats,
}

/// Path template, method, route. `{id}` matches one path segment.
const ROUTES: &[(&str, Method, Route)] = &[
    (
        "/api/document-authentication",
        Method::POST,
        Route::Document,
    ),
    ("/api/face-authentication", Method::POST, Route::Face),
    ("/api/uploads", Method::POST, Route::Upload),
    ("/api/kyc-request", Method::POST, Route::Submit),
    ("/api/requests", Method::GET, Route::List),
    ("/api/requests/{id}", Method::GET, Route::GetOne),
    ("/api/requests/{id}/redial", Method::POST, Route::Redial),
    ("/api/accept", Method::PUT, Route::Accept),
    ("/api/delete-request", Method::DELETE, Route::Delete),
    ("/api/clear-requests", Method::DELETE, Route::Clear),
    ("/api/stats", Method::GET, Route::Stats),
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

/// Handles one API Gateway request at `now` (Unix seconds, read by the entry point). Never
/// fails: every outcome is a response.
pub async fn handle<P: Ports>(app: &App<P>, request: Request, now: u64) -> Response<Body> {
    let started = Instant::now();
    let request_id = request
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .unwrap_or_default();
    let method = request.method().clone();
    let path = path_of(&request).to_owned();

    let mut tenant = None;
    let (response, outcome) = match route(app, request, now, &mut tenant).await {
        Ok(handled) => handled,
        Err(err) => err.into_response(),
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

async fn route<P: Ports>(
    app: &App<P>,
    request: Request,
    now: u64,
    tenant_out: &mut Option<String>,
) -> Handled {
    // The dashboard's page and assets are public: the page asks for the key itself.
    if let Some(served) =
        dashboard::Dashboard::shared().serve(request.method(), path_of(&request), request.headers())
    {
        return served.map(|response| (response, "dashboard"));
    }
    // The key is checked before anything else about an API request is looked at.
    let presented = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok());
    let caller = app.auth.authenticate(&app.store, presented).await?;
    let tenant = caller.tenant.clone();
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
    let id = id.as_deref().unwrap_or_default();
    match route {
        Route::Document => document_authentication::handle(app, &tenant, &request, now).await,
        Route::Face => face_authentication::handle(app, &tenant, &request).await,
        Route::Upload => uploads::handle(app, &tenant, &request, now).await,
        Route::Submit => submit::handle(app, &caller, json_body(&request)?, now).await,
        Route::List => kyc_requests::list(app, &tenant, query, now).await,
        Route::GetOne => kyc_requests::get_one(app, &tenant, id, now).await,
        Route::Redial => redial::handle(app, &tenant, id, now).await,
        Route::Accept => accept::handle(app, &tenant, json_body(&request)?, now).await,
        Route::Delete => delete::handle(app, &tenant, json_body(&request)?).await,
        Route::Clear => clear::handle(app, &tenant).await,
        Route::Stats => stats::handle(app, &tenant, now).await,
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

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_redial;
#[cfg(test)]
mod tests_review;
