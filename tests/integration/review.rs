//! What the dashboard reads, against DynamoDB Local: `status=` (one query per page on the
//! status index, pending requests split by their code's expiry), `order=newest`, and
//! `GET /api/stats` from the counters the writes keep in their own transactions, also when
//! writes run concurrently.

use std::collections::HashMap;
use std::time::Duration;

use futures::future::join_all;
use serde_json::{json, Value};

use crate::seed::{self, Made, LAST_FOUR};
use crate::support::*;

fn get(path: &str, key: &str) -> lambda_http::Request {
    request("GET", path, Some(key), None, "")
}

fn ids(made: &[Made]) -> Vec<String> {
    made.iter().map(|r| r.id.clone()).collect()
}

/// Every request of a status through the API, `limit` at a time, newest first.
async fn listed(app: &TestApp, t: &Tenant, status: &str, limit: u32) -> Vec<String> {
    let mut all = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut path = format!("/api/requests?status={status}&order=newest&limit={limit}");
        if let Some(token) = &next {
            let token: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
            path += &format!("&nextToken={token}");
        }
        let response = handle(app, get(&path, &t.key)).await;
        assert_eq!(response.status(), 200, "{}", text(&response));
        let body = body_json(&response);
        for r in body["requests"].as_array().unwrap() {
            assert_eq!(r["status"], status, "{r}");
            all.push(r["id"].as_str().unwrap().to_owned());
        }
        match body["nextToken"].as_str() {
            Some(token) => next = Some(token.to_owned()),
            None => return all,
        }
    }
}

async fn stats(app: &TestApp, t: &Tenant) -> Value {
    let response = handle(app, get("/api/stats", &t.key)).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    body_json(&response)
}

fn newest_first(mut ids: Vec<String>) -> Vec<String> {
    ids.sort_by(|a, b| b.cmp(a));
    ids
}

#[tokio::test]
async fn each_status_lists_exactly_its_requests_newest_first_page_by_page() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let made = seed::every_status(&app, &t).await;
    // Two more whose codes have already run out: they read, and list, as expired.
    let lapsed = seed::pending_for(&t, "lapsed", 2, &t.document_id, 0).await;

    let mut expected: HashMap<&str, Vec<String>> = made.iter().map(|(s, m)| (*s, ids(m))).collect();
    expected.get_mut("expired").unwrap().extend(ids(&lapsed));
    for (status, want) in expected {
        let want = newest_first(want);
        // Pages of one, so every page boundary (and, for expired, both ranges' cursors) is used.
        assert_eq!(
            listed(&app, &t, status, 1).await,
            want,
            "{status}, pages of 1"
        );
        assert_eq!(
            listed(&app, &t, status, 100).await,
            want,
            "{status}, one page"
        );
    }
    let current = &stats(&app, &t).await["current"];
    assert_eq!(
        current,
        &json!({"pending": 2, "verified": 3, "accepted": 2, "failed": 1, "expired": 3})
    );
}

#[tokio::test]
async fn counters_agree_with_the_requests_after_concurrent_writes() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    // 30 creates, 25 at a time; then calls verifying 12 and failing 6 at once.
    let made = seed::pending(&t, "busy", 30, &t.document_id).await;
    let verifying = made[..12]
        .iter()
        .map(|r| seed::verify_call(&t, r, LAST_FOUR));
    let failing = made[12..18].iter().map(|r| seed::fail_call(&t, r));
    futures::join!(join_all(verifying), join_all(failing));
    // Six accepted and three deleted, at once.
    let accepts = made[..6].iter().map(|r| seed::accept(&app, &t, r));
    let deletes = made[6..9].iter().map(|r| {
        let body = json!({"id": r.id}).to_string();
        let app = &app;
        let key = t.key.clone();
        async move {
            let delete = request(
                "DELETE",
                "/api/delete-request",
                Some(&key),
                Some("application/json"),
                &body,
            );
            assert_eq!(handle(app, delete).await.status(), 200);
        }
    });
    futures::join!(join_all(accepts), join_all(deletes));

    let body = stats(&app, &t).await;
    assert_eq!(
        body["current"],
        json!({"pending": 12, "verified": 3, "accepted": 6, "failed": 6, "expired": 0})
    );
    for (status, n) in [
        ("pending", 12),
        ("verified", 3),
        ("accepted", 6),
        ("failed", 6),
    ] {
        assert_eq!(listed(&app, &t, status, 1000).await.len(), n, "{status}");
    }
    // History keeps the deleted ones.
    let week = &body["last7Days"];
    assert_eq!(
        (
            &week["created"],
            &week["verified"],
            &week["accepted"],
            &week["failed"]
        ),
        (&json!(30), &json!(12), &json!(6), &json!(6))
    );
    assert_eq!(body["last30Days"]["created"], 30);
}

#[tokio::test]
async fn clearing_empties_every_status_count_but_not_the_days() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    seed::every_status(&app, &t).await;
    let clear = request("DELETE", "/api/clear-requests", Some(&t.key), None, "");
    let cleared = body_json(&handle(&app, clear).await);
    assert_eq!(cleared["deleted"], 9);
    let body = stats(&app, &t).await;
    assert_eq!(
        body["current"],
        json!({"pending": 0, "verified": 0, "accepted": 0, "failed": 0, "expired": 0})
    );
    assert_eq!(body["last7Days"]["created"], 9);
    assert_eq!(body["last7Days"]["accepted"], 2);
}

#[tokio::test]
async fn a_request_whose_delivery_failed_is_not_counted() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let ses = failing_ses().await;
    let app = Tenant::app_with(&connect.uri(), Some(&ses.uri()), Duration::from_secs(60)).await;
    let (email, phone) = unique_contact();
    let response = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(response.status(), 502);
    let body = stats(&app, &t).await;
    assert_eq!(body["current"]["pending"], 0);
    assert_eq!(body["last7Days"]["created"], 0);
}
