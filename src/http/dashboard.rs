//! The business's dashboard (`dashboard/`): plain HTML, CSS and ES modules embedded in the
//! binary and served by the API function without an API key (the page asks for the key and
//! sends it with each API call it makes).
//!
//! - `GET /dashboard` is the page. Its asset links are rewritten to this build's versioned
//!   folder, relative to the page, so the page works under any path prefix (a stage, or
//!   `cargo lambda watch`'s `/lambda-url/api`) and its assets can be cached for good.
//!   The page itself is revalidated on every load (`no-cache` + `ETag`, answered 304).
//! - `GET /dashboard/<version>/<file>`: the assets, `immutable`. Another version is a 404, so a
//!   page from an older deployment never mixes in newer modules.
//! - `GET /dashboard/` redirects to `../dashboard`, which keeps the page's relative links right.
//!
//! Every answer carries a strict Content-Security-Policy (no inline script or style; images
//! from the page's origin, `data:` and the image origin), `X-Content-Type-Options: nosniff`
//! and `Referrer-Policy: no-referrer`.

use std::collections::HashMap;
use std::sync::OnceLock;

use lambda_http::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Response};
use sha2::{Digest, Sha256};

use super::errors::ApiError;

/// The page's path; its assets live under `/dashboard/<version>/`.
pub const PAGE: &str = "/dashboard";

/// The API Gateway routes that bring the page and its assets to the API function (infra/;
/// `infra/tests` checks both deployments route exactly these and the API's).
pub const GATEWAY_ROUTES: [&str; 2] = ["GET /dashboard", "GET /dashboard/{proxy+}"];

/// What the page's `index.html` writes where its versioned asset folder goes.
const ASSETS_PLACEHOLDER: &str = "__ASSETS__";

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/dashboard/", $path)))),*]
    };
}

/// Every file of `dashboard/` but the page (a test checks that none is missing).
const ASSETS: &[(&str, &str)] = embed![
    "api.js",
    "app.js",
    "csv.js",
    "dom.js",
    "icon.svg",
    "pager.js",
    "session.js",
    "styles.css",
    "views/clear.js",
    "views/detail.js",
    "views/signin.js",
    "views/summary.js",
    "views/table.js",
    "views/tabs.js",
];

const INDEX: &str = include_str!("../../dashboard/index.html");

const PAGE_CACHE: &str = "no-cache";
const ASSET_CACHE: &str = "public, max-age=31536000, immutable";

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

struct Served {
    body: String,
    etag: String,
    content_type: &'static str,
    cache: &'static str,
}

impl Served {
    fn new(path: &str, body: String, cache: &'static str) -> Self {
        let digest = hex::encode(Sha256::digest(body.as_bytes()));
        Self {
            etag: format!("\"{}\"", &digest[..20]),
            body,
            content_type: content_type(path),
            cache,
        }
    }
}

/// The embedded dashboard, ready to serve: built once per instance.
pub struct Dashboard {
    version: String,
    csp: HeaderValue,
    page: Served,
    assets: HashMap<&'static str, Served>,
}

impl Dashboard {
    /// `image_origin`: where the request images come from (the bucket of presigned URLs, e.g.
    /// `https://captures.s3.eu-west-1.amazonaws.com`); `None` allows any `https:` image.
    pub fn new(image_origin: Option<&str>) -> Result<Self, String> {
        let images = match image_origin {
            None => "https:".to_owned(),
            Some(origin) => valid_origin(origin)?.to_owned(),
        };
        let csp = format!(
            "default-src 'self'; img-src 'self' data: {images}; object-src 'none'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        let mut hasher = Sha256::new();
        for (path, body) in ASSETS {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update(body.as_bytes());
            hasher.update([0]);
        }
        let version = hex::encode(hasher.finalize())[..12].to_owned();
        let page = INDEX.replace(ASSETS_PLACEHOLDER, &format!("dashboard/{version}"));
        Ok(Self {
            csp: HeaderValue::from_str(&csp).map_err(|e| e.to_string())?,
            page: Served::new("index.html", page, PAGE_CACHE),
            assets: ASSETS
                .iter()
                .map(|(path, body)| (*path, Served::new(path, (*body).to_owned(), ASSET_CACHE)))
                .collect(),
            version,
        })
    }

    /// The dashboard allowing images from any `https:` origin, built on first use.
    pub fn shared() -> &'static Dashboard {
        static SHARED: OnceLock<Dashboard> = OnceLock::new();
        SHARED.get_or_init(|| Dashboard::new(None).expect("the default policy is valid"))
    }

    /// This build's asset folder name.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Answers a request for the dashboard, or `None` when `path` is not the dashboard's.
    pub fn serve(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
    ) -> Option<Result<Response<Body>, ApiError>> {
        let rest = path.strip_prefix(PAGE)?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None; // `/dashboards` is somebody else's
        }
        if method != Method::GET && method != Method::HEAD {
            return Some(Err(ApiError::MethodNotAllowed { allow: "GET, HEAD" }));
        }
        let served = match rest {
            "" => &self.page,
            "/" => return Some(Ok(self.redirect_to_page())),
            _ => {
                let asset = rest[1..]
                    .strip_prefix(self.version.as_str())
                    .and_then(|p| p.strip_prefix('/'))
                    .and_then(|p| self.assets.get(p));
                match asset {
                    Some(asset) => asset,
                    None => {
                        return Some(Err(ApiError::NotFound {
                            path: path.to_owned(),
                        }))
                    }
                }
            }
        };
        Some(Ok(self.respond(served, method == Method::HEAD, headers)))
    }

    fn respond(&self, served: &Served, head: bool, headers: &HeaderMap) -> Response<Body> {
        let fresh = headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| etag_matches(v, &served.etag));
        let (status, body) = if fresh {
            (StatusCode::NOT_MODIFIED, Body::Empty)
        } else if head {
            (StatusCode::OK, Body::Empty)
        } else {
            (StatusCode::OK, Body::Text(served.body.clone()))
        };
        let mut response = self.with_policy(Response::builder().status(status));
        if !fresh {
            response = response.header(header::CONTENT_TYPE, served.content_type);
        }
        response
            .header(header::ETAG, &served.etag)
            .header(header::CACHE_CONTROL, served.cache)
            .body(body)
            .expect("static headers are valid")
    }

    fn redirect_to_page(&self) -> Response<Body> {
        self.with_policy(Response::builder().status(StatusCode::PERMANENT_REDIRECT))
            .header(header::LOCATION, "../dashboard")
            .header(header::CACHE_CONTROL, PAGE_CACHE)
            .body(Body::Empty)
            .expect("static headers are valid")
    }

    fn with_policy(
        &self,
        builder: lambda_http::http::response::Builder,
    ) -> lambda_http::http::response::Builder {
        builder
            .header(header::CONTENT_SECURITY_POLICY, self.csp.clone())
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .header(header::REFERRER_POLICY, "no-referrer")
            .header(header::X_FRAME_OPTIONS, "DENY")
            .header("cross-origin-opener-policy", "same-origin")
    }
}

/// `If-None-Match`: a list of entity tags (weak ones compare equal, as RFC 9110 asks for
/// GET), or `*`.
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// An origin for a CSP source list: `https://host[:port]`, nothing that could end the
/// directive or add another.
fn valid_origin(origin: &str) -> Result<&str, String> {
    let host = origin
        .strip_prefix("https://")
        .ok_or_else(|| format!("image origin {origin:?} must start with https://"))?;
    let fine = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if fine {
        Ok(origin)
    } else {
        Err(format!(
            "image origin {origin:?} must be https://host[:port], with no path"
        ))
    }
}

#[cfg(test)]
#[path = "dashboard_tests.rs"]
mod tests;
