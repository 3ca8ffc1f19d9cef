//! What the dashboard reads, through the router with the in-memory adapters: the `status` and
//! `order` list parameters, `GET /api/stats`, and the dashboard's own page (no key needed).

use lambda_http::http::StatusCode;
use serde_json::{json, Value};

use super::handle;
use super::tests::{app, call, parts, request, submission, KEY, NOW};
use crate::adapters::memory::InMemory;
use crate::domain::{RequestId, RequestStatus, TenantId, Transition};
use crate::ports::{TransitionDetails, VerificationStore};

use super::App;

/// Submits `n` requests; their ids in creation order.
async fn submit(app: &App<InMemory>, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let body = submission(
            &format!("u{i}@example.com"),
            &format!("+1415555{:04}", i + 10),
        );
        let (status, created) = call(app, "POST", "/api/kyc-request", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn move_on(app: &App<InMemory>, id: &str, from: RequestStatus, transition: Transition) {
    let tenant = TenantId::parse("acme").unwrap();
    let id = RequestId::parse(id).unwrap();
    let details = TransitionDetails {
        now: NOW + 60,
        ..Default::default()
    };
    let moved = app
        .store
        .transition(&tenant, &id, from, transition, details);
    assert!(moved.await.unwrap());
}

fn ids(body: &Value) -> Vec<String> {
    body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn get_at(app: &App<InMemory>, path: &str, now: u64) -> (StatusCode, Value) {
    parts(handle(app, request("GET", path, Some(KEY), None), now).await)
}

#[tokio::test]
async fn status_lists_exactly_that_status_in_the_order_asked_for() {
    let app = app();
    let ids_made = submit(&app, 5).await;
    move_on(
        &app,
        &ids_made[1],
        RequestStatus::Pending,
        Transition::CallVerified,
    )
    .await;
    move_on(
        &app,
        &ids_made[2],
        RequestStatus::Pending,
        Transition::CallVerified,
    )
    .await;
    move_on(
        &app,
        &ids_made[3],
        RequestStatus::Pending,
        Transition::AttemptsExhausted,
    )
    .await;
    let (status, accepted) =
        call(&app, "PUT", "/api/accept", Some(json!({"id": ids_made[2]}))).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");

    let listed = |query: &'static str| {
        let app = &app;
        async move {
            let (status, body) = call(app, "GET", &format!("/api/requests?{query}"), None).await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            ids(&body)
        }
    };
    let pick = |i: &[usize]| i.iter().map(|i| ids_made[*i].clone()).collect::<Vec<_>>();
    assert_eq!(listed("status=verified").await, pick(&[1]));
    assert_eq!(listed("status=accepted").await, pick(&[2]));
    assert_eq!(listed("status=failed").await, pick(&[3]));
    assert_eq!(listed("status=pending").await, pick(&[0, 4]));
    assert_eq!(listed("status=pending&order=newest").await, pick(&[4, 0]));
    assert_eq!(listed("status=pending&order=oldest").await, pick(&[0, 4]));
    assert_eq!(listed("status=expired").await, pick(&[]));
    // The published filter is unchanged, and takes the order too.
    assert_eq!(listed("accepted=true").await, pick(&[2]));
    assert_eq!(
        listed("accepted=false&order=newest").await,
        pick(&[4, 3, 1, 0])
    );

    // Once their codes ran out, the pending ones list as expired, not pending.
    let (_, pending) = get_at(&app, "/api/requests?status=pending", NOW + 600).await;
    assert_eq!(ids(&pending), pick(&[]));
    let (_, expired) = get_at(&app, "/api/requests?status=expired&order=newest", NOW + 600).await;
    assert_eq!(ids(&expired), pick(&[4, 0]));
    assert!(expired["requests"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "expired"));
}

#[tokio::test]
async fn status_pages_follow_their_token_and_no_other_listing_takes_it() {
    let app = app();
    let made = submit(&app, 3).await;
    let (_, first) = call(
        &app,
        "GET",
        "/api/requests?status=pending&order=newest&limit=2",
        None,
    )
    .await;
    assert_eq!(ids(&first), vec![made[2].clone(), made[1].clone()]);
    let token = first["nextToken"].as_str().unwrap().to_owned();
    let encoded: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let next = format!("/api/requests?status=pending&order=newest&limit=2&nextToken={encoded}");
    let (_, second) = call(&app, "GET", &next, None).await;
    assert_eq!(ids(&second), vec![made[0].clone()]);
    assert!(second.get("nextToken").is_none());
    for other in [
        "status=pending&order=oldest",
        "status=verified&order=newest",
        "order=newest",
        "accepted=false&order=newest",
    ] {
        let path = format!("/api/requests?{other}&nextToken={encoded}");
        let (status, _) = call(&app, "GET", &path, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{other}");
    }
}

#[tokio::test]
async fn bad_status_and_order_parameters_are_400_in_our_words() {
    let app = app();
    for (query, error) in [
        (
            "status=done",
            "status must be one of pending, verified, accepted, failed, expired",
        ),
        (
            "status=",
            "status must be one of pending, verified, accepted, failed, expired",
        ),
        ("order=latest", "order must be newest or oldest"),
        (
            "status=verified&accepted=false",
            "give status or accepted, not both",
        ),
    ] {
        let (status, body) = call(&app, "GET", &format!("/api/requests?{query}"), None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some(error)),
            "{query}"
        );
    }
}

#[tokio::test]
async fn stats_count_what_the_writes_did_and_deleting_keeps_history() {
    let app = app();
    let made = submit(&app, 4).await;
    move_on(
        &app,
        &made[0],
        RequestStatus::Pending,
        Transition::CallVerified,
    )
    .await;
    move_on(
        &app,
        &made[1],
        RequestStatus::Pending,
        Transition::CallVerified,
    )
    .await;
    move_on(
        &app,
        &made[2],
        RequestStatus::Pending,
        Transition::AttemptsExhausted,
    )
    .await;
    call(&app, "PUT", "/api/accept", Some(json!({"id": made[1]}))).await;
    let (status, _) = call(
        &app,
        "DELETE",
        "/api/delete-request",
        Some(json!({"id": made[2]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (status, stats) = call(&app, "GET", "/api/stats", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        stats["current"],
        json!({"pending": 1, "verified": 1, "accepted": 1, "failed": 0, "expired": 0})
    );
    let week = json!({"from": "2027-01-09", "to": "2027-01-15",
        "created": 4, "verified": 2, "accepted": 1, "failed": 1, "expired": 0});
    assert_eq!(stats["last7Days"], week);
    assert_eq!(stats["last30Days"]["from"], "2026-12-17");
    assert_eq!(stats["last30Days"]["created"], 4);

    // The open request's code ran out: it counts as expired, as it reads.
    let (_, later) = get_at(&app, "/api/stats", NOW + 600).await;
    assert_eq!(later["current"]["pending"], 0);
    assert_eq!(later["current"]["expired"], 1);
    // Eight days on, the week no longer holds those days; the month still does.
    let (_, next_week) = get_at(&app, "/api/stats", NOW + 8 * 86_400).await;
    assert_eq!(next_week["last7Days"]["created"], 0);
    assert_eq!(next_week["last30Days"]["created"], 4);
}

#[tokio::test]
async fn a_request_withdrawn_after_its_delivery_failed_is_not_counted() {
    let app = app();
    app.mailer.inject(crate::adapters::memory::Fault::Fail);
    let body = submission("a@example.com", "+14155550101");
    let (status, _) = call(&app, "POST", "/api/kyc-request", Some(body)).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let (_, stats) = call(&app, "GET", "/api/stats", None).await;
    assert_eq!(stats["current"]["pending"], 0);
    assert_eq!(stats["last7Days"]["created"], 0);
}

#[tokio::test]
async fn the_dashboard_needs_no_key_and_the_api_still_does() {
    let app = app();
    let page = handle(&app, request("GET", "/dashboard", None, None), NOW).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.headers().contains_key("content-security-policy"));
    let (status, _) = parts(handle(&app, request("GET", "/api/stats", None, None), NOW).await);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = parts(handle(&app, request("POST", "/dashboard", None, None), NOW).await);
    assert_eq!(
        (status, body["error"].as_str()),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            Some("method not allowed here; use GET, HEAD")
        )
    );
}
