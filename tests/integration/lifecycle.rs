//! The lifecycle API: retrieve, retrieve one, accept, delete, clear, and pagination.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use ekyc::contact_flow::{handle as verify, Verifier};
use ekyc::dev::call_simulator::{connect_event, Call};
use ekyc::domain::{Email, NewKycRequest, Otp, PhoneNumber, RequestId};
use ekyc::ports::RequestStore;
use futures::future::join_all;
use serde_json::{json, Value};

use crate::support::*;

fn with_body(method: &str, path: &str, key: &str, body: &Value) -> lambda_http::Request {
    request(
        method,
        path,
        Some(key),
        Some("application/json"),
        &body.to_string(),
    )
}

fn get(path: &str, key: &str) -> lambda_http::Request {
    request("GET", path, Some(key), None, "")
}

/// A request created through the API; returns its id, email and phone.
async fn create(app: &TestApp, t: &Tenant) -> (String, String, String) {
    let (email, phone) = unique_contact();
    let response = handle(app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    (
        body_json(&response)["id"].as_str().unwrap().to_owned(),
        email,
        phone,
    )
}

/// Answers the call for `id` rightly, so the request is verified.
async fn verify_by_call(t: &Tenant, id: &str, email: &str, phone: &str) {
    let code = code_in(&sent_mail_to(email).await[0]);
    let verifier = Verifier {
        store: store().await,
        hasher: hasher(),
    };
    let call = Call {
        contact_id: format!("contact-{id}"),
        attributes: HashMap::from([
            ("requestId".into(), id.into()),
            ("tenantId".into(), t.tenant.to_string()),
        ]),
        customer_number: phone.into(),
        system_number: SOURCE_NUMBER.into(),
        instance_arn: "arn:aws:connect:us-east-1:000000000000:instance/i".into(),
    };
    record_placed_call(&t.tenant, id, &call.contact_id, ekyc::unix_now()).await;
    for (step, digits) in [("last4", "6789"), ("code", code.as_str())] {
        let params = HashMap::from([
            ("step".to_owned(), step.to_owned()),
            ("digits".to_owned(), digits.to_owned()),
        ]);
        let event = serde_json::from_value(connect_event(&call, params)).unwrap();
        assert_eq!(
            verify(&verifier, event, ekyc::unix_now()).await["result"],
            "ok"
        );
    }
}

/// `n` requests written straight through the store's create transaction (no mail, no call),
/// for the tests that need many. Returns (id, email, phone), in creation order.
async fn insert(t: &Tenant, n: u32) -> Vec<(String, String, String)> {
    let store = store().await;
    let base = ulid::Ulid::new().to_string().to_lowercase();
    let mut made = Vec::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let batch: Vec<NewKycRequest> = chunk
            .iter()
            .map(|i| {
                let id = RequestId::generate();
                NewKycRequest {
                    id,
                    tenant: t.tenant.clone(),
                    email: Email::parse(&format!("bulk{i}.{base}@example.com")).unwrap(),
                    phone: PhoneNumber::parse(&phone(*i)).unwrap(),
                    document_id: t.document_id.clone(),
                    otp_hash: hasher().hash(&id, &Otp::generate()),
                    created_at: ekyc::unix_now(),
                    otp_expires_at: ekyc::unix_now() + 600,
                    max_attempts: 3,
                    creates_per_minute: None,
                    call_scheduled_at: None,
                }
            })
            .collect();
        for result in join_all(batch.iter().map(|r| store.create_request(r))).await {
            result.unwrap();
        }
        made.extend(batch.iter().map(|r| {
            (
                r.id.to_string(),
                r.email.as_str().to_owned(),
                r.phone.e164().to_owned(),
            )
        }));
    }
    made
}

async fn holders(t: &Tenant, email: &str, phone: &str) -> (Option<String>, Option<String>) {
    store()
        .await
        .reservation_holders(
            &t.tenant,
            &Email::parse(email).unwrap().uniqueness_key(),
            &PhoneNumber::parse(phone).unwrap().uniqueness_key(),
        )
        .await
        .unwrap()
}

fn ids(body: &Value) -> Vec<String> {
    body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn accepting_needs_a_validated_request_and_happens_once() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (id, email, phone) = create(&app, &t).await;

    let accept = || with_body("PUT", "/api/accept", &t.key, &json!({"id": id}));
    let not_yet = handle(&app, accept()).await;
    assert_eq!(
        (not_yet.status().as_u16(), text(&not_yet)),
        (400, r#"{"message": "Kyc request not accepted"}"#.into())
    );

    verify_by_call(&t, &id, &email, &phone).await;
    let accepted = handle(&app, accept()).await;
    assert_eq!(
        (accepted.status().as_u16(), text(&accepted)),
        (200, r#"{"message": "Kyc request accepted"}"#.into())
    );
    let again = handle(&app, accept()).await;
    assert_eq!(
        (again.status().as_u16(), text(&again)),
        (400, r#"{"message": "Kyc request not accepted"}"#.into())
    );

    let one = body_json(&handle(&app, get(&format!("/api/requests/{id}"), &t.key)).await);
    let request = &one["requests"][0];
    assert_eq!(
        (
            request["isValidated"].as_bool(),
            request["isAccepted"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert_eq!(request["status"], "accepted");
    assert!(request["acceptedAt"].is_string() && request["verifiedAt"].is_string());
}

#[tokio::test]
async fn accept_refuses_unknown_foreign_and_malformed_requests() {
    let t = Tenant::new().await;
    let other = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (id, email, phone) = create(&app, &t).await;
    verify_by_call(&t, &id, &email, &phone).await;

    for body in [
        json!({"id": RequestId::generate().to_string()}),
        json!({"id": "not-an-id"}),
        json!({"id": id}),
    ] {
        let key = if body["id"] == id.as_str() {
            &other.key
        } else {
            &t.key
        };
        let response = handle(&app, with_body("PUT", "/api/accept", key, &body)).await;
        assert_eq!(
            (response.status().as_u16(), text(&response)),
            (400, r#"{"message": "Kyc request not accepted"}"#.into())
        );
    }
    for (body, content_type, status) in [
        ("{", Some("application/json"), 400),
        ("{}", Some("application/json"), 400),
        (r#"{"id": 5}"#, Some("application/json"), 400),
        ("{}", Some("text/plain"), 415),
    ] {
        let response = handle(
            &app,
            request("PUT", "/api/accept", Some(&t.key), content_type, body),
        )
        .await;
        assert_eq!(response.status(), status, "{body}");
        assert!(body_json(&response)["error"].is_string());
    }
    let response = handle(
        &app,
        with_body("PUT", "/api/accept", "ekyc_wrong", &json!({"id": id})),
    )
    .await;
    assert_eq!(
        (response.status().as_u16(), text(&response)),
        (401, r#"{"error": "invalid api key"}"#.into())
    );
    // The foreign accept changed nothing.
    let one = body_json(&handle(&app, get(&format!("/api/requests/{id}"), &t.key)).await);
    assert_eq!(one["requests"][0]["status"], "verified");
}

#[tokio::test]
async fn retrieval_returns_the_published_shape_filtered_by_accepted() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (accepted_id, accepted_email, accepted_phone) = create(&app, &t).await;
    let (open_id, open_email, open_phone) = create(&app, &t).await;
    verify_by_call(&t, &accepted_id, &accepted_email, &accepted_phone).await;
    let response = handle(
        &app,
        with_body("PUT", "/api/accept", &t.key, &json!({"id": accepted_id})),
    )
    .await;
    assert_eq!(response.status(), 200);

    let all = body_json(&handle(&app, get("/api/requests", &t.key)).await);
    assert_eq!(
        ids(&all).into_iter().collect::<HashSet<_>>(),
        HashSet::from([accepted_id.clone(), open_id.clone()])
    );
    assert!(all.get("nextToken").is_none());
    let yes = body_json(&handle(&app, get("/api/requests?accepted=true", &t.key)).await);
    assert_eq!(ids(&yes), std::slice::from_ref(&accepted_id));
    let no = body_json(&handle(&app, get("/api/requests?accepted=false", &t.key)).await);
    assert_eq!(ids(&no), std::slice::from_ref(&open_id));

    let open = &no["requests"][0];
    let published = [
        "id",
        "email",
        "phoneNumber",
        "isValidated",
        "isAccepted",
        "idFrontImage",
        "idBackImage",
        "idSideImage",
        "faceImage",
        "faceMatch",
        "idInformation",
    ];
    for field in published {
        assert!(open.get(field).is_some(), "missing {field}");
    }
    assert_eq!(open["email"], open_email.as_str());
    assert_eq!(open["phoneNumber"], open_phone.as_str());
    assert_eq!(
        (open["isValidated"].as_bool(), open["isAccepted"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(open["status"], "pending");
    assert_eq!(
        open["idFrontImage"],
        "s3://ekyc-demo-captures/jane/front.jpg"
    );
    assert_eq!(open["idSideImage"], Value::Null);
    assert_eq!(open["faceMatch"], 0.97);
    assert_eq!(
        open["idInformation"],
        serde_json::to_value(&sample_document().id_information).unwrap()
    );
    let raw = text(&handle(&app, get("/api/requests", &t.key)).await);
    assert!(
        !raw.contains("otp") && !raw.contains("Hash"),
        "no OTP data in responses: {raw}"
    );
}

#[tokio::test]
async fn retrieving_one_request_and_refusing_others() {
    let t = Tenant::new().await;
    let other = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (id, _, _) = create(&app, &t).await;

    let one = handle(&app, get(&format!("/api/requests/{id}"), &t.key)).await;
    assert_eq!(one.status(), 200);
    assert_eq!(ids(&body_json(&one)), std::slice::from_ref(&id));
    for (path, key) in [
        (format!("/api/requests/{id}"), &other.key),
        (format!("/api/requests/{}", RequestId::generate()), &t.key),
        ("/api/requests/not-an-id".to_owned(), &t.key),
    ] {
        let response = handle(&app, get(&path, key)).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(body_json(&response)["error"].is_string());
    }
    let wrong_key = handle(&app, get(&format!("/api/requests/{id}"), "ekyc_wrong")).await;
    assert_eq!(
        (wrong_key.status().as_u16(), text(&wrong_key)),
        (401, r#"{"error": "invalid api key"}"#.into())
    );
    let other_list = body_json(&handle(&app, get("/api/requests", &other.key)).await);
    assert!(ids(&other_list).is_empty(), "another tenant sees nothing");
}

#[tokio::test]
async fn bad_list_parameters_are_400() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    for (query, mentions) in [
        ("accepted=yes", "accepted"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("nextToken=garbage", "nextToken"),
    ] {
        let response = handle(&app, get(&format!("/api/requests?{query}"), &t.key)).await;
        assert_eq!(response.status(), 400, "{query}");
        assert!(
            body_json(&response)["error"]
                .as_str()
                .unwrap()
                .contains(mentions),
            "{query}"
        );
    }
}

#[tokio::test]
async fn deleting_frees_the_email_and_phone_for_a_new_request() {
    let t = Tenant::new().await;
    let other = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (id, email, phone) = create(&app, &t).await;

    let foreign = handle(
        &app,
        with_body(
            "DELETE",
            "/api/delete-request",
            &other.key,
            &json!({"id": id}),
        ),
    )
    .await;
    assert_eq!(foreign.status(), 404);
    let deleted = handle(
        &app,
        with_body("DELETE", "/api/delete-request", &t.key, &json!({"id": id})),
    )
    .await;
    assert_eq!(
        (deleted.status().as_u16(), text(&deleted)),
        (200, r#"{"message": "KYC request deleted!"}"#.into())
    );
    assert!(
        request_items(&t.tenant, &id).await.is_empty(),
        "request and OTP gone"
    );
    assert_eq!(holders(&t, &email, &phone).await, (None, None));
    let again = handle(
        &app,
        with_body("DELETE", "/api/delete-request", &t.key, &json!({"id": id})),
    )
    .await;
    assert_eq!(again.status(), 404);
    for body in ["{", r#"{"id": 1}"#, "{}"] {
        let response = handle(
            &app,
            request(
                "DELETE",
                "/api/delete-request",
                Some(&t.key),
                Some("application/json"),
                body,
            ),
        )
        .await;
        assert_eq!(response.status(), 400, "{body}");
    }

    // The document record went with its only request (erasure): registered again.
    t.register_document_again().await;
    let recreated = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(recreated.status(), 201, "{}", text(&recreated));
}

#[tokio::test]
async fn clearing_45_requests_empties_the_list_and_frees_every_email_and_phone() {
    let t = Tenant::new().await;
    let other = Tenant::new().await;
    let kept = insert(&other, 3).await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let made = insert(&t, 45).await;

    let response = handle(
        &app,
        request("DELETE", "/api/clear-requests", Some(&t.key), None, ""),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = body_json(&response);
    assert_eq!(
        (body["deleted"].as_u64(), body["remaining"].as_u64()),
        (Some(45), Some(0))
    );
    assert!(ids(&body_json(
        &handle(&app, get("/api/requests", &t.key)).await
    ))
    .is_empty());
    for (_, email, phone) in &made {
        assert_eq!(holders(&t, email, phone).await, (None, None));
    }
    // Another tenant's requests are untouched.
    assert_eq!(stored_requests(&other.tenant).await, kept.len());
    let again = body_json(
        &handle(
            &app,
            request("DELETE", "/api/clear-requests", Some(&t.key), None, ""),
        )
        .await,
    );
    assert_eq!(
        (again["deleted"].as_u64(), again["remaining"].as_u64()),
        (Some(0), Some(0))
    );
    let (id, email, phone) = &made[0];
    t.register_document_again().await;
    let recreated = handle(&app, post_create(&t.key, &t.create_body(email, phone))).await;
    assert_eq!(recreated.status(), 201, "{id}: {}", text(&recreated));
}

#[tokio::test]
async fn a_clear_out_of_time_reports_what_remains_and_resumes_leaving_only_whole_requests() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let mut app = Tenant::app(&connect).await;
    app.clear_budget = Duration::ZERO; // one index page per call
    let made = insert(&t, 150).await;

    let first = body_json(
        &handle(
            &app,
            request("DELETE", "/api/clear-requests", Some(&t.key), None, ""),
        )
        .await,
    );
    assert_eq!(
        (first["deleted"].as_u64(), first["remaining"].as_u64()),
        (Some(100), Some(50))
    );
    assert!(first["message"].as_str().unwrap().contains("call again"));
    // Every request is either whole (request + both reservations) or wholly gone.
    let remaining: HashSet<String> = {
        let mut all = HashSet::new();
        let mut token: Option<String> = None;
        loop {
            let path = match &token {
                Some(tk) => format!("/api/requests?limit=1000&nextToken={tk}"),
                None => "/api/requests?limit=1000".into(),
            };
            let page = body_json(&handle(&app, get(&path, &t.key)).await);
            all.extend(ids(&page));
            match page["nextToken"].as_str() {
                Some(tk) => token = Some(tk.to_owned()),
                None => break all,
            }
        }
    };
    assert_eq!(remaining.len(), 50);
    for (id, email, phone) in &made {
        let (e, p) = holders(&t, email, phone).await;
        if remaining.contains(id) {
            assert_eq!(
                (e.as_deref(), p.as_deref()),
                (Some(id.as_str()), Some(id.as_str()))
            );
        } else {
            assert_eq!((e, p), (None, None), "{id} left a reservation");
        }
    }
    let second = body_json(
        &handle(
            &app,
            request("DELETE", "/api/clear-requests", Some(&t.key), None, ""),
        )
        .await,
    );
    assert_eq!(
        (second["deleted"].as_u64(), second["remaining"].as_u64()),
        (Some(50), Some(0))
    );
    assert_eq!(stored_requests(&t.tenant).await, 0);
}

#[tokio::test]
async fn pages_of_100_over_250_requests_return_each_exactly_once() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let made = insert(&t, 250).await;

    for filter in ["", "&accepted=false"] {
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let path = match &token {
                Some(tk) => format!(
                    "/api/requests?limit=100{filter}&nextToken={}",
                    urlencode(tk)
                ),
                None => format!("/api/requests?limit=100{filter}"),
            };
            let response = handle(&app, get(&path, &t.key)).await;
            assert_eq!(response.status(), 200, "{}", text(&response));
            let page = body_json(&response);
            sizes.push(ids(&page).len());
            seen.extend(ids(&page));
            match page["nextToken"].as_str() {
                Some(tk) => token = Some(tk.to_owned()),
                None => break,
            }
            assert!(sizes.len() < 10, "pagination does not end");
        }
        assert_eq!(&sizes[..3], [100, 100, 50], "{filter}");
        assert!(sizes[3..].iter().all(|s| *s == 0));
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (250, 250), "{filter}");
        let expected: HashSet<&String> = made.iter().map(|(id, _, _)| id).collect();
        assert_eq!(unique, expected);
    }
    let accepted =
        body_json(&handle(&app, get("/api/requests?accepted=true&limit=100", &t.key)).await);
    assert!(ids(&accepted).is_empty());
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_forged_or_foreign_next_token_is_refused() {
    let a = Tenant::new().await;
    let b = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    insert(&a, 3).await;
    insert(&b, 3).await;
    let page = body_json(&handle(&app, get("/api/requests?limit=1", &a.key)).await);
    let token = page["nextToken"].as_str().unwrap().to_owned();

    // A's token at B, with another filter, or tampered with: refused.
    let (body, tag) = token.split_once('.').unwrap();
    let mut flipped = body.as_bytes().to_vec();
    flipped[5] = if flipped[5] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{}.{tag}", String::from_utf8(flipped).unwrap());
    for (key, query) in [
        (&b.key, format!("limit=1&nextToken={}", urlencode(&token))),
        (
            &a.key,
            format!("limit=1&accepted=false&nextToken={}", urlencode(&token)),
        ),
        (
            &a.key,
            format!("limit=1&nextToken={}", urlencode(&tampered)),
        ),
    ] {
        let response = handle(&app, get(&format!("/api/requests?{query}"), key)).await;
        assert_eq!(response.status(), 400, "{query}");
        assert!(body_json(&response)["error"]
            .as_str()
            .unwrap()
            .contains("nextToken"));
    }
    let ok = handle(
        &app,
        get(
            &format!("/api/requests?limit=1&nextToken={}", urlencode(&token)),
            &a.key,
        ),
    )
    .await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn accept_racing_delete_leaves_one_consistent_outcome() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    // A request that keeps naming the document, so deleting the others never erases it.
    create(&app, &t).await;
    for _ in 0..5 {
        let (id, email, phone) = create(&app, &t).await;
        verify_by_call(&t, &id, &email, &phone).await;
        let (accepted, deleted) = tokio::join!(
            handle(
                &app,
                with_body("PUT", "/api/accept", &t.key, &json!({"id": id}))
            ),
            handle(
                &app,
                with_body("DELETE", "/api/delete-request", &t.key, &json!({"id": id}))
            ),
        );
        assert_eq!(deleted.status(), 200, "{}", text(&deleted));
        assert!(
            matches!(accepted.status().as_u16(), 200 | 400),
            "{}",
            text(&accepted)
        );
        // Whatever the order, the request is gone whole: no item resurrected by the accept.
        assert!(request_items(&t.tenant, &id).await.is_empty());
        assert_eq!(holders(&t, &email, &phone).await, (None, None));
        let one = handle(&app, get(&format!("/api/requests/{id}"), &t.key)).await;
        assert_eq!(one.status(), 404);
    }
}
