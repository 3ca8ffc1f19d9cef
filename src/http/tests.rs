//! The router through `handle`, with the in-memory adapters: every route and method, the
//! order of checks, and the shape of every answer.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};

use super::{handle, App};
use crate::adapters::memory::{Fault, InMemory, MemoryCallQueue, MemoryMailer, MemoryStore, Op};
use crate::config::AppSettings;
use crate::domain::{ApiKey, DocumentId, DocumentIdentification, TenantId};
use crate::ports::DocumentStore;

pub(super) const KEY: &str = "ekyc_router-test-key";
pub(super) const NOW: u64 = 1_800_000_000;

pub(super) fn app() -> App<InMemory> {
    app_with(AppSettings {
        creates_per_minute: 10_000,
        ..AppSettings::default()
    })
}

fn app_with(settings: AppSettings) -> App<InMemory> {
    let store = MemoryStore::default();
    let tenant = TenantId::parse("acme").unwrap();
    store.insert_api_key(&ApiKey::from_header(KEY).unwrap(), &tenant, true);
    let document: DocumentIdentification =
        serde_json::from_str(include_str!("../../events/document.json")).unwrap();
    store.insert_document(&tenant, &DocumentId::parse("doc-1").unwrap(), document);
    App::new(
        &settings,
        &[5u8; 32],
        store,
        MemoryMailer::default(),
        MemoryCallQueue::default(),
        InMemory::onboarding(),
    )
    .unwrap()
}

pub(super) fn request(method: &str, path: &str, key: Option<&str>, body: Option<Value>) -> Request {
    let mut builder = lambda_http::http::Request::builder()
        .method(method)
        .uri(format!("https://api.example.com{path}"));
    if let Some(key) = key {
        builder = builder.header("x-api-key", key);
    }
    let body = match body {
        Some(body) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::Text(body.to_string())
        }
        None => Body::Empty,
    };
    builder.body(body).unwrap()
}

pub(super) async fn call(
    app: &App<InMemory>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    parts(handle(app, request(method, path, Some(KEY), body), NOW).await)
}

pub(super) fn parts(response: Response<Body>) -> (StatusCode, Value) {
    let status = response.status();
    let text = match response.body() {
        Body::Text(text) => text.clone(),
        other => panic!("a JSON text body, not {other:?}"),
    };
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

pub(super) fn submission(email: &str, phone: &str) -> Value {
    json!({"email": email, "phoneNumber": phone, "documentIdentificationId": "doc-1"})
}

const ROUTES: [(&str, &str); 7] = [
    ("POST", "/api/kyc-request"),
    ("GET", "/api/requests"),
    ("GET", "/api/requests/01JD3V6Q3W0C9Z8Y7X6W5V4T3S"),
    ("PUT", "/api/accept"),
    ("DELETE", "/api/delete-request"),
    ("DELETE", "/api/clear-requests"),
    ("GET", "/api/stats"),
];

#[tokio::test]
async fn a_missing_or_unknown_key_is_401_on_every_route_and_before_routing() {
    let app = app();
    let paths = ROUTES
        .iter()
        .copied()
        .chain([("GET", "/api/nowhere"), ("PATCH", "/api/accept")]);
    for (method, path) in paths {
        for key in [None, Some("ekyc_wrong")] {
            let response = handle(&app, request(method, path, key, None), NOW).await;
            assert_eq!(
                parts(response),
                (
                    StatusCode::UNAUTHORIZED,
                    json!({"error": "invalid api key"})
                ),
                "{method} {path}"
            );
        }
    }
    assert_eq!(app.store.calls(Op::Create), 0);
}

#[tokio::test]
async fn every_route_refuses_every_other_method_with_405_and_allow() {
    let app = app();
    for (allowed, path) in ROUTES {
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if method == allowed {
                continue;
            }
            let response = handle(&app, request(method, path, Some(KEY), None), NOW).await;
            assert_eq!(
                response.headers()[header::ALLOW],
                allowed,
                "{method} {path}"
            );
            let (status, body) = parts(response);
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
            assert_eq!(
                body["error"],
                format!("method not allowed here; use {allowed}")
            );
        }
    }
}

#[tokio::test]
async fn unknown_paths_are_404_naming_the_path() {
    let app = app();
    for path in ["/api/kyc-requests", "/api", "/api/requests/a/b", "/"] {
        let (status, body) = call(&app, "GET", path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            body["error"],
            format!("no route {}", path.trim_end_matches('/'))
        );
    }
}

#[tokio::test]
async fn json_routes_check_content_type_and_size_before_parsing() {
    let app = app();
    for (method, path) in [ROUTES[0], ROUTES[3], ROUTES[4]] {
        let mut wrong_type = request(method, path, Some(KEY), Some(json!({})));
        wrong_type
            .headers_mut()
            .insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        let (status, _) = parts(handle(&app, wrong_type, NOW).await);
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
        let huge = json!({"id": "x".repeat(super::MAX_BODY_BYTES)});
        let (status, _) = call(&app, method, path, Some(huge)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        let (status, body) = call(&app, method, path, Some(json!([1]))).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (
                StatusCode::BAD_REQUEST,
                Some("request body must be a JSON object")
            )
        );
    }
}

#[tokio::test]
async fn a_request_goes_through_every_route() {
    let app = app();
    let (status, created) = call(
        &app,
        "POST",
        "/api/kyc-request",
        Some(submission("a@example.com", "+14155550101")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (created["message"].as_str(), created["status"].as_str()),
        (Some("Request submitted"), Some("pending"))
    );
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, taken) = call(
        &app,
        "POST",
        "/api/kyc-request",
        Some(submission("a@example.com", "+14155550102")),
    )
    .await;
    assert_eq!(
        (status, taken["fields"].clone()),
        (StatusCode::CONFLICT, json!(["email"]))
    );

    let (status, listed) = call(&app, "GET", "/api/requests?accepted=false", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["requests"][0]["id"], id.as_str());
    assert_eq!(listed["requests"][0]["idInformation"]["lastName"], "DOE");
    assert!(listed.get("nextToken").is_none());

    let (status, one) = call(&app, "GET", &format!("/api/requests/{id}"), None).await;
    assert_eq!(
        (status, one["requests"][0]["status"].as_str()),
        (StatusCode::OK, Some("pending"))
    );

    let (status, refused) = call(&app, "PUT", "/api/accept", Some(json!({"id": id}))).await;
    assert_eq!(
        (status, refused),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Kyc request not accepted"})
        )
    );

    let (status, deleted) = call(
        &app,
        "DELETE",
        "/api/delete-request",
        Some(json!({"id": id})),
    )
    .await;
    assert_eq!(
        (status, deleted),
        (StatusCode::OK, json!({"message": "KYC request deleted!"}))
    );
    let (status, _) = call(
        &app,
        "DELETE",
        "/api/delete-request",
        Some(json!({"id": id})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The document record went with its only request (erasure): register it again.
    let (tenant, doc) = (
        TenantId::parse("acme").unwrap(),
        DocumentId::parse("doc-1").unwrap(),
    );
    assert!(app
        .store
        .get_document(&tenant, &doc)
        .await
        .unwrap()
        .is_none());
    let document: DocumentIdentification =
        serde_json::from_str(include_str!("../../events/document.json")).unwrap();
    app.store.insert_document(&tenant, &doc, document);
    let (status, _) = call(
        &app,
        "POST",
        "/api/kyc-request",
        Some(submission("b@example.com", "+14155550103")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, cleared) = call(&app, "DELETE", "/api/clear-requests", None).await;
    assert_eq!(
        (status, cleared),
        (
            StatusCode::OK,
            json!({"message": "All KYC requests cleared", "deleted": 1, "remaining": 0})
        )
    );
}

#[tokio::test]
async fn a_pending_request_past_its_code_expiry_reads_as_expired() {
    let app = app();
    let (_, created) = call(
        &app,
        "POST",
        "/api/kyc-request",
        Some(submission("a@example.com", "+14155550101")),
    )
    .await;
    let path = format!("/api/requests/{}", created["id"].as_str().unwrap());
    let later = handle(&app, request("GET", &path, Some(KEY), None), NOW + 600).await;
    let (_, body) = parts(later);
    assert_eq!(body["requests"][0]["status"], "expired");
    assert_eq!(body["requests"][0]["expiredAt"], "2027-01-15T08:10:00Z");
}

#[tokio::test]
async fn bad_ids_and_list_parameters_are_4xx_in_our_words() {
    let app = app();
    assert_eq!(
        call(&app, "GET", "/api/requests/not-an-id", None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &app,
            "DELETE",
            "/api/delete-request",
            Some(json!({"id": "x"}))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&app, "PUT", "/api/accept", Some(json!({"id": "x"})))
            .await
            .1,
        json!({"message": "Kyc request not accepted"})
    );
    for (query, error) in [
        ("accepted=maybe", "accepted must be true or false"),
        ("limit=0", "limit must be a whole number from 1 to 1000"),
        ("limit=1001", "limit must be a whole number from 1 to 1000"),
        ("nextToken=forged", "nextToken is not valid here: pass the nextToken of the previous page, with the same status, accepted and order"),
    ] {
        let (status, body) = call(&app, "GET", &format!("/api/requests?{query}"), None).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some(error)), "{query}");
    }
    let (status, body) = call(
        &app,
        "POST",
        "/api/kyc-request",
        Some(json!({"email": "a@example.com"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("phoneNumber is required"))
    );
}

#[tokio::test]
async fn a_store_that_is_down_is_a_json_503_and_a_delivery_failure_a_502() {
    let app = app();
    app.store.inject(Op::List, Fault::Fail);
    let response = handle(&app, request("GET", "/api/requests", Some(KEY), None), NOW).await;
    assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    let (status, body) = parts(response);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("try again shortly"));
    app.mailer.inject(Fault::Fail);
    let (status, body) = call(
        &app,
        "POST",
        "/api/kyc-request",
        Some(submission("a@example.com", "+14155550101")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .starts_with("The request was not submitted"));
}

#[test]
fn templates_match_whole_segments() {
    use super::match_template;
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

#[tokio::test]
async fn a_page_too_heavy_for_a_lambda_answer_ends_early_and_the_rest_follows() {
    let app = app();
    let tenant = TenantId::parse("acme").unwrap();
    let mut heavy: DocumentIdentification =
        serde_json::from_str(include_str!("../../events/document.json")).unwrap();
    heavy.id_information.address1 = Some("x".repeat(20_000));
    app.store
        .insert_document(&tenant, &DocumentId::parse("heavy").unwrap(), heavy);
    let n = 300; // 300 × ~20 KB = ~6 MB: past what one answer may carry
    for i in 0..n {
        let body = json!({"email": format!("u{i}@example.com"), "phoneNumber": format!("+1415555{:04}", 1000 + i), "documentIdentificationId": "heavy"});
        assert_eq!(
            call(&app, "POST", "/api/kyc-request", Some(body)).await.0,
            StatusCode::CREATED
        );
    }
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0;
    let mut path = "/api/requests?limit=1000".to_owned();
    loop {
        let response = handle(&app, request("GET", &path, Some(KEY), None), NOW).await;
        let size = match response.body() {
            Body::Text(text) => text.len(),
            _ => 0,
        };
        assert!(
            size <= super::kyc_requests::MAX_PAGE_BYTES + 1024,
            "{size} bytes"
        );
        let (_, body) = parts(response);
        pages += 1;
        for r in body["requests"].as_array().unwrap() {
            assert!(
                seen.insert(r["id"].as_str().unwrap().to_owned()),
                "listed twice"
            );
        }
        match body["nextToken"].as_str() {
            Some(token) => path = format!("/api/requests?limit=1000&nextToken={token}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), n);
    assert!(pages >= 2, "the page was cut");
}

#[tokio::test]
async fn a_page_that_ends_at_the_last_request_hands_out_no_token() {
    let app = app();
    for i in 0..4 {
        let body = submission(
            &format!("u{i}@example.com"),
            &format!("+1415555{:04}", 2000 + i),
        );
        call(&app, "POST", "/api/kyc-request", Some(body)).await;
    }
    let (_, first) = call(&app, "GET", "/api/requests?limit=2", None).await;
    let token = first["nextToken"].as_str().expect("more follow");
    let (_, second) = call(
        &app,
        "GET",
        &format!("/api/requests?limit=2&nextToken={token}"),
        None,
    )
    .await;
    assert_eq!(second["requests"].as_array().unwrap().len(), 2);
    assert!(second.get("nextToken").is_none(), "{second}");
}

#[tokio::test]
async fn over_the_create_limit_is_429_with_retry_after() {
    let app = app_with(AppSettings {
        creates_per_minute: 2,
        ..AppSettings::default()
    });
    for i in 0..2 {
        let body = submission(
            &format!("u{i}@example.com"),
            &format!("+1415555{:04}", 3000 + i),
        );
        assert_eq!(
            call(&app, "POST", "/api/kyc-request", Some(body)).await.0,
            StatusCode::CREATED
        );
    }
    let third = submission("u3@example.com", "+14155553003");
    let response = handle(
        &app,
        request("POST", "/api/kyc-request", Some(KEY), Some(third)),
        NOW,
    )
    .await;
    // NOW is a minute's first second: the whole minute to wait.
    assert_eq!(response.headers()[header::RETRY_AFTER], "60");
    let (status, body) = parts(response);
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("try again in 60 s"));
}

#[tokio::test]
async fn a_number_calls_cannot_reach_is_400_naming_the_reason() {
    let app = app();
    for (phone, says) in [
        ("+18005550199", "mobile or fixed-line"),
        (
            "+33612345678",
            "a country we place verification calls to: US",
        ),
    ] {
        let (status, body) = call(
            &app,
            "POST",
            "/api/kyc-request",
            Some(submission("a@example.com", phone)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{phone}");
        assert!(body["error"].as_str().unwrap().contains(says), "{body}");
    }
}

#[path = "onboarding_tests.rs"]
mod onboarding;

#[path = "erasure_tests.rs"]
mod erasure;

#[path = "uploads_tests.rs"]
mod uploads;

#[path = "hostile_tests.rs"]
mod hostile;
