//! The API Lambda's HTTP edge, served in-process over plain HTTP for the browser: each request
//! becomes the `lambda_http::Request` API Gateway would deliver and goes through the real
//! `ekyc::http::handle`. Like `cargo lambda watch`, it serves the function under a path prefix
//! (`/lambda-url/api`) and strips it, so the page's relative URLs are tested with a prefix.
//! Every API answer is checked against openapi.yaml; violations are kept for the test to read.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::Body;
use tokio::net::TcpListener;

use crate::contract;
use crate::support::TestApp;

/// Where `cargo lambda watch` serves the `api` function; the page must work under it.
pub const PREFIX: &str = "/lambda-url/api";

pub struct Server {
    pub addr: SocketAddr,
    /// Contract violations seen so far (empty when every answer matched openapi.yaml).
    pub violations: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// The page's URL, under the prefix.
    pub fn dashboard_url(&self) -> String {
        format!("http://{}{PREFIX}/dashboard", self.addr)
    }

    /// The page's URL without a prefix (as on API Gateway's default stage).
    pub fn unprefixed_dashboard_url(&self) -> String {
        format!("http://{}/dashboard", self.addr)
    }
}

/// Serves `app` on an ephemeral loopback port until the test's runtime ends.
pub async fn start(app: Arc<TestApp>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let violations = Arc::new(Mutex::new(Vec::new()));
    let seen = violations.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (app, seen) = (app.clone(), seen.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let (app, seen) = (app.clone(), seen.clone());
                    async move { Ok::<_, Infallible>(answer(&app, request, &seen).await) }
                });
                // A browser closing a kept-alive connection mid-way is not a test failure.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Server { addr, violations }
}

async fn answer(
    app: &TestApp,
    request: hyper::Request<hyper::body::Incoming>,
    violations: &Mutex<Vec<String>>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let unprefixed = path_and_query
        .strip_prefix(PREFIX)
        .unwrap_or(path_and_query);
    let mut builder = lambda_http::http::Request::builder()
        .method(parts.method.clone())
        .uri(format!("https://api.example.com{unprefixed}"));
    for (name, value) in &parts.headers {
        builder = builder.header(name, value);
    }
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        Body::Text(String::from_utf8_lossy(&bytes).into_owned())
    };
    let request = builder.body(body).unwrap();
    let (method, path) = (
        request.method().to_string(),
        request.uri().path().to_owned(),
    );
    let response = ekyc::http::handle(app, request, ekyc::unix_now()).await;

    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    if path.starts_with("/api/") {
        let text = String::from_utf8_lossy(&bytes);
        let status = parts.status.as_u16();
        // contract::check panics with its finding; keep it for the test instead.
        let checked = std::panic::catch_unwind(|| contract::check(&method, &path, status, &text));
        if let Err(panic) = checked {
            let finding = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| format!("{method} {path} {status}: {text}"));
            violations.lock().unwrap().push(finding);
        }
    }
    let mut response = hyper::Response::builder().status(parts.status);
    for (name, value) in &parts.headers {
        response = response.header(name, value);
    }
    response.body(Full::new(bytes)).unwrap()
}
