//! Issue 11 §4: a conflict is not "not found". `DELETE /api/delete-request` raced against the
//! verifier's final write (the code step of the call, which moves the request to `verified`)
//! through the real DynamoDB adapter: whatever the order, a 200 or a 404 means the request is
//! gone whole, a 503 (a conflict that outlasted the retries) means it is still there whole,
//! and no reservation is ever left without its request.

use std::collections::HashMap;

use ekyc::contact_flow::{handle as verify, Verifier};
use ekyc::dev::call_simulator::{connect_event, Call};
use ekyc::domain::{Email, NewKycRequest, Otp, PhoneNumber, RequestId};
use ekyc::ports::RequestStore;
use serde_json::json;

use crate::scan::{request_ids, reservations};
use crate::support::*;

const ROUNDS: usize = 50;
const RIGHT_LAST_FOUR: &str = "6789"; // events/document.json: X123456789

/// A pending request written through the store's create transaction, with its code.
async fn pending_request(t: &Tenant, i: u32) -> (RequestId, String) {
    let id = RequestId::generate();
    let otp = Otp::generate();
    let (email, _) = unique_contact();
    let request = NewKycRequest {
        id,
        tenant: t.tenant.clone(),
        email: Email::parse(&email).unwrap(),
        phone: PhoneNumber::parse(&phone(7_000 + i)).unwrap(),
        document_id: t.document_id.clone(),
        otp_hash: hasher().hash(&id, &otp),
        created_at: ekyc::unix_now(),
        otp_expires_at: ekyc::unix_now() + 600,
        max_attempts: 3,
        creates_per_minute: None,
        call_scheduled_at: None,
    };
    store().await.create_request(&request).await.unwrap();
    (id, otp.expose().to_owned())
}

fn call_for(t: &Tenant, id: &RequestId, i: u32) -> Call {
    Call {
        contact_id: format!("contact-{id}"),
        attributes: HashMap::from([
            ("requestId".into(), id.to_string()),
            ("tenantId".into(), t.tenant.to_string()),
        ]),
        customer_number: phone(7_000 + i),
        system_number: SOURCE_NUMBER.into(),
        instance_arn: format!("arn:aws:connect:us-east-1:000000000000:instance/{INSTANCE_ID}"),
    }
}

async fn answer(
    verifier: &Verifier<ekyc::adapters::dynamodb::DynamoStore>,
    call: &Call,
    step: &str,
    digits: &str,
) -> String {
    let parameters = HashMap::from([
        ("step".to_owned(), step.to_owned()),
        ("digits".to_owned(), digits.to_owned()),
    ]);
    let event = serde_json::from_value(connect_event(call, parameters)).unwrap();
    verify(verifier, event, ekyc::unix_now()).await["result"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_racing_the_verifiers_final_write_never_reports_a_surviving_request_gone() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let verifier = Verifier {
        store: store().await,
        hasher: hasher(),
    };
    let mut tally: HashMap<(u16, String), usize> = HashMap::new();
    for i in 0..ROUNDS as u32 {
        // The document record goes with the last request that refers to it (erasure).
        let document = store().await.get_document(&t.tenant, &t.document_id).await;
        if document.unwrap().is_none() {
            t.register_document_again().await;
        }
        let (id, code) = pending_request(&t, i).await;
        let call = call_for(&t, &id, i);
        record_placed_call(
            &t.tenant,
            &id.to_string(),
            &call.contact_id,
            ekyc::unix_now(),
        )
        .await;
        assert_eq!(
            answer(&verifier, &call, "last4", RIGHT_LAST_FOUR).await,
            "ok"
        );

        let delete = request(
            "DELETE",
            "/api/delete-request",
            Some(&t.key),
            Some("application/json"),
            &json!({"id": id.to_string()}).to_string(),
        );
        // Started together, the delete held back 0 to 12 ms, so both orders and the narrow
        // overlaps between them all come up over the rounds.
        let head_start = std::time::Duration::from_millis(u64::from(i % 5) * 3);
        let (deleted, verified) = tokio::join!(
            async {
                tokio::time::sleep(head_start).await;
                handle(&app, delete).await
            },
            answer(&verifier, &call, "code", &code)
        );
        let status = deleted.status().as_u16();
        assert!(
            matches!(verified.as_str(), "ok" | "error"),
            "round {i}: the verifier answered {verified}"
        );
        *tally.entry((status, verified.clone())).or_default() += 1;
        let left = request_items(&t.tenant, &id.to_string()).await;
        match status {
            200 | 404 => {
                assert!(
                    left.is_empty(),
                    "round {i}: delete answered {status} ({}) but the request survives: {:?}",
                    text(&deleted),
                    left.keys().collect::<Vec<_>>()
                );
            }
            503 => {
                // A conflict that outlasted the retries: said so, and nothing was lost.
                assert!(
                    body_json(&deleted)["error"].is_string(),
                    "{}",
                    text(&deleted)
                );
                assert!(deleted.headers().contains_key("retry-after"));
                assert!(
                    left.contains_key("REQ"),
                    "round {i}: 503 but the request is gone"
                );
                let again = handle(
                    &app,
                    request(
                        "DELETE",
                        "/api/delete-request",
                        Some(&t.key),
                        Some("application/json"),
                        &json!({"id": id.to_string()}).to_string(),
                    ),
                )
                .await;
                assert_eq!(again.status(), 200, "{}", text(&again));
            }
            other => panic!("round {i}: delete answered {other}: {}", text(&deleted)),
        }
        // The verifier said "ok" only if it verified before the delete took the request; the
        // request is gone either way now, and its reservations with it.
        assert!(request_items(&t.tenant, &id.to_string()).await.is_empty());
    }
    eprintln!("delete vs verifier outcomes over {ROUNDS} rounds (status, result): {tally:?}");
    assert!(
        request_ids(&t.tenant).await.is_empty(),
        "every raced request is gone"
    );
    assert_eq!(
        reservations(&t.tenant).await,
        vec![],
        "no reservation outlived its request"
    );
}

/// DynamoDB Local runs transactions one at a time, so the race above never meets a
/// `TransactionConflict` (it shows both orders, decided by conditions). Conflicts are
/// therefore injected here, with the DynamoDB adapter behind the fault proxy: a conflict
/// that outlasts the retries is a 503 with `Retry-After` — never "not found", never "not
/// accepted", never "all cleared" — and the request is still there, whole.
#[tokio::test]
async fn conflicts_that_persist_are_503_and_never_reported_as_gone_or_refused() {
    use crate::fault_proxy::{Fault, FaultProxy, Protocol};
    use crate::faults::{app_through, Service};

    let t = Tenant::new().await;
    let proxy = FaultProxy::start(&Service::DynamoDb.upstream(), Protocol::AwsJson).await;
    let app = app_through(Service::DynamoDb, &proxy).await;
    let verifier = Verifier {
        store: store().await,
        hasher: hasher(),
    };
    let (id, code) = pending_request(&t, 0).await;
    let call = call_for(&t, &id, 0);
    record_placed_call(
        &t.tenant,
        &id.to_string(),
        &call.contact_id,
        ekyc::unix_now(),
    )
    .await;
    for (step, digits) in [("last4", RIGHT_LAST_FOUR), ("code", code.as_str())] {
        assert_eq!(answer(&verifier, &call, step, digits).await, "ok");
    }
    let body = json!({"id": id.to_string()}).to_string();
    let send = |method: &str, path: &str| {
        let body = if method == "PUT" || path.ends_with("delete-request") {
            body.as_str()
        } else {
            ""
        };
        request(method, path, Some(&t.key), Some("application/json"), body)
    };
    let busy = |response: &lambda_http::Response<lambda_http::Body>, what: &str| {
        assert_eq!(response.status(), 503, "{what}: {}", text(response));
        assert!(body_json(response)["error"].is_string(), "{what}");
        assert_eq!(response.headers()["retry-after"], "1", "{what}");
    };

    proxy.set(Some(Fault::Conflict), Some("TransactWriteItems"));
    let deleted = handle(&app, send("DELETE", "/api/delete-request")).await;
    busy(&deleted, "delete");
    let accepted = handle(&app, send("PUT", "/api/accept")).await;
    busy(&accepted, "accept");
    let cleared = handle(&app, send("DELETE", "/api/clear-requests")).await;
    match cleared.status().as_u16() {
        503 => busy(&cleared, "clear"),
        200 => assert!(
            body_json(&cleared)["remaining"].as_u64() >= Some(1),
            "clear said {} while the request remains",
            text(&cleared)
        ),
        other => panic!("clear answered {other}: {}", text(&cleared)),
    }
    assert!(proxy.faulted() >= 3, "the conflicts were met");
    let left = request_items(&t.tenant, &id.to_string()).await;
    assert!(left.contains_key("REQ"), "the request is still there");
    assert_eq!(
        crate::scan::s(&left["REQ"], "status"),
        "verified",
        "and unchanged"
    );
    let held: Vec<String> = reservations(&t.tenant)
        .await
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    assert_eq!(
        held,
        vec![id.to_string(), id.to_string()],
        "its reservations held"
    );

    // A conflict that passes is retried away: the same calls now go through.
    proxy.set_times(Some(Fault::Conflict), Some("TransactWriteItems"), Some(1));
    let accepted = handle(&app, send("PUT", "/api/accept")).await;
    assert_eq!(accepted.status(), 200, "{}", text(&accepted));
    proxy.set_times(Some(Fault::Conflict), Some("TransactWriteItems"), Some(2));
    let deleted = handle(&app, send("DELETE", "/api/delete-request")).await;
    assert_eq!(deleted.status(), 200, "{}", text(&deleted));
    assert!(request_items(&t.tenant, &id.to_string()).await.is_empty());
    assert_eq!(reservations(&t.tenant).await, vec![]);
}
