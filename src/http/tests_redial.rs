//! `POST /api/requests/{id}/redial` and the call fields of reads, through the router with the
//! in-memory adapters.

use lambda_http::http::{header, StatusCode};
use serde_json::Value;

use super::handle;
use super::tests::{app, call, parts, request, submission, KEY, NOW};
use super::App;
use crate::adapters::memory::InMemory;
use crate::domain::{RequestId, TenantId};
use crate::ports::{CallStore, ContactId};

async fn redial_at(app: &App<InMemory>, id: &str, now: u64) -> (StatusCode, Value, Option<String>) {
    let path = format!("/api/requests/{id}/redial");
    let response = handle(app, request("POST", &path, Some(KEY), None), now).await;
    let after = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = parts(response);
    (status, body, after)
}

#[tokio::test]
async fn a_missed_call_is_asked_for_again_within_the_limits() {
    let app = app();
    let (status, created) = call(
        &app,
        "POST",
        "/api/kyc-request",
        Some(submission("a@example.com", "+14155550101")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, read) = call(&app, "GET", &format!("/api/requests/{id}"), None).await;
    let request = &read["requests"][0];
    assert_eq!(request["callScheduledAt"], "2027-01-15T08:00:15Z");
    assert!(request["callPlacedAt"].is_null() && request["callAttempts"].is_null());
    assert!(request["failureReason"].is_null());

    // The first call is still waiting.
    let (status, body, _) = redial_at(&app, &id, NOW + 1).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("already scheduled"),
        "{body}"
    );

    // Placed; then not within the cool-down.
    let (tenant, rid) = (
        TenantId::parse("acme").unwrap(),
        RequestId::parse(&id).unwrap(),
    );
    let contact = ContactId("c-1".into());
    assert!(app
        .store
        .record_call(&tenant, &rid, 1, &contact, 2, NOW + 15)
        .await
        .unwrap());
    let (status, body, after) = redial_at(&app, &id, NOW + 30).await;
    assert_eq!(
        (status, after.as_deref()),
        (StatusCode::TOO_MANY_REQUESTS, Some("45"))
    );
    assert!(body["error"].as_str().unwrap().contains("45 s"), "{body}");

    let (status, body, _) = redial_at(&app, &id, NOW + 75).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["message"], "Call scheduled");
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["callScheduledAt"], "2027-01-15T08:01:30Z");
    let (_, read) = call(&app, "GET", &format!("/api/requests/{id}"), None).await;
    let request = &read["requests"][0];
    assert_eq!(request["callPlacedAt"], "2027-01-15T08:00:15Z");
    assert_eq!(request["callAttempts"], 2);
    let orders = app.queue.enqueued();
    assert_eq!(orders.len(), 2);
    assert_eq!(orders[1].0.call, 2);
}

#[tokio::test]
async fn unknown_ids_are_404_and_a_request_with_no_valid_code_is_409() {
    let app = app();
    for id in [RequestId::generate().to_string(), "not-an-id".to_owned()] {
        let (status, _, _) = redial_at(&app, &id, NOW).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (_, created) = call(
        &app,
        "POST",
        "/api/kyc-request",
        Some(submission("a@example.com", "+14155550101")),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let (status, body, _) = redial_at(&app, id, NOW + 600).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["error"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    let path = format!("/api/requests/{id}/redial");
    let (status, _) = parts(handle(&app, request("GET", &path, Some(KEY), None), NOW).await);
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}
