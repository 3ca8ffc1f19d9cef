//! Requests in every status, made the way production makes them: the store's create
//! transaction, then Connect flow events through the real verifier handler (right answers
//! verify, three wrong ones fail, an answer after the code's lifetime expires), and accepting
//! through the API. Shared by the integration tests and the browser test.

use std::collections::HashMap;

use ekyc::contact_flow::{handle as verify, Verifier};
use ekyc::dev::call_simulator::{connect_event, Call};
use ekyc::domain::{
    DocumentId, DocumentIdentification, Email, NewKycRequest, Otp, PhoneNumber, RequestId,
};
use ekyc::ports::RequestStore;
use futures::future::join_all;
use serde_json::json;
use tokio::sync::Semaphore;

use crate::support::*;

/// A request the test made, and what it knows about it.
#[derive(Clone, Debug)]
pub struct Made {
    pub id: String,
    pub email: String,
    pub phone: String,
    otp: String,
    expires_at: u64,
}

/// Writes `n` pending requests of `t` for `document` (emails `<label><i>@example.com`; each
/// test has its own tenant, and uniqueness is per tenant), in order, through the store's
/// create transaction (no mail, no call). Their codes run out `code_lifetime` seconds from now.
pub async fn pending(t: &Tenant, label: &str, n: u32, document: &DocumentId) -> Vec<Made> {
    pending_for(t, label, n, document, 600).await
}

pub async fn pending_for(
    t: &Tenant,
    label: &str,
    n: u32,
    document: &DocumentId,
    code_lifetime: u64,
) -> Vec<Made> {
    let emails: Vec<String> = (0..n).map(|i| format!("{label}{i}@example.com")).collect();
    pending_as(t, &emails, document, code_lifetime).await
}

/// People's names for the requests a screenshot shows.
pub const PEOPLE: [&str; 9] = [
    "amelia.hart",
    "noah.kim",
    "sofia.rossi",
    "liam.chen",
    "maya.patel",
    "lucas.meyer",
    "zoe.martin",
    "omar.haddad",
    "ines.silva",
];

/// One test seeds at a time, five writes at once: the writes of one tenant share its document
/// item, and the browser tests all seed as they start, beside their Chromiums, against a
/// DynamoDB Local whose JVM is still cold. Forty conflicting transactions at once stalled it
/// past the tests' 10 s time-out (in CI) and the verifier's 6 s answer budget (here, under
/// load); the dashboard is what those tests test, not the seeding.
static SEEDING: Semaphore = Semaphore::const_new(1);
const SEED_WRITES_AT_ONCE: usize = 5;

async fn pending_as(
    t: &Tenant,
    emails: &[String],
    document: &DocumentId,
    code_lifetime: u64,
) -> Vec<Made> {
    let _seeding = SEEDING.acquire().await.unwrap();
    let store = store().await;
    let now = ekyc::unix_now();
    let made: Vec<(NewKycRequest, Otp)> = emails
        .iter()
        .map(|email| {
            // Ids of one process increase: the order of creation.
            let id = RequestId::generate();
            let otp = Otp::generate();
            let request = NewKycRequest {
                id,
                tenant: t.tenant.clone(),
                email: Email::parse(email).unwrap(),
                phone: PhoneNumber::parse(&phone(unique_number())).unwrap(),
                document_id: document.clone(),
                otp_hash: hasher().hash(&id, &otp),
                created_at: now,
                otp_expires_at: now + code_lifetime,
                max_attempts: 3,
                creates_per_minute: None,
                call_scheduled_at: None,
            };
            (request, otp)
        })
        .collect();
    for chunk in made.chunks(SEED_WRITES_AT_ONCE) {
        for result in join_all(chunk.iter().map(|(r, _)| store.create_request(r))).await {
            result.unwrap();
        }
    }
    made.into_iter()
        .map(|(r, otp)| Made {
            id: r.id.to_string(),
            email: r.email.as_str().to_owned(),
            phone: r.phone.e164().to_owned(),
            otp: otp.expose().to_owned(),
            expires_at: r.otp_expires_at,
        })
        .collect()
}

/// Phone numbers distinct across the tests of this process (uniqueness is per tenant, and each
/// test has its own).
fn unique_number() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn answer(t: &Tenant, r: &Made, step: &str, digits: &str, now: u64) -> String {
    let verifier = Verifier {
        store: store().await,
        hasher: hasher(),
    };
    let call = Call {
        contact_id: format!("contact-{}", r.id),
        attributes: HashMap::from([
            ("requestId".into(), r.id.clone()),
            ("tenantId".into(), t.tenant.to_string()),
        ]),
        customer_number: r.phone.clone(),
        system_number: SOURCE_NUMBER.into(),
        instance_arn: "arn:aws:connect:us-east-1:000000000000:instance/i".into(),
    };
    // Placed when it is answered (not at the wall clock: a seeded answer may be dated
    // otherwise), so the timeline never shows the call after its answer.
    record_placed_call(&t.tenant, &r.id, &call.contact_id, now).await;
    let params = HashMap::from([
        ("step".to_owned(), step.to_owned()),
        ("digits".to_owned(), digits.to_owned()),
    ]);
    let event = serde_json::from_value(connect_event(&call, params)).unwrap();
    verify(&verifier, event, now).await["result"].clone()
}

/// The right answers on the call: the request becomes verified.
pub async fn verify_call(t: &Tenant, r: &Made, last_four: &str) {
    let now = ekyc::unix_now();
    assert_eq!(answer(t, r, "last4", last_four, now).await, "ok");
    assert_eq!(answer(t, r, "code", &r.otp, now).await, "ok");
}

/// Three wrong answers: the request fails.
pub async fn fail_call(t: &Tenant, r: &Made) {
    let now = ekyc::unix_now();
    for expected in ["retry", "retry", "failed"] {
        assert_eq!(answer(t, r, "last4", "0000", now).await, expected);
    }
}

/// An answer after the code's lifetime: the request expires.
pub async fn expire_call(t: &Tenant, r: &Made, last_four: &str) {
    assert_eq!(
        answer(t, r, "last4", last_four, r.expires_at + 1).await,
        "expired"
    );
}

/// Accepts through the API.
pub async fn accept(app: &TestApp, t: &Tenant, r: &Made) {
    let response = handle(
        app,
        request(
            "PUT",
            "/api/accept",
            Some(&t.key),
            Some("application/json"),
            &json!({"id": r.id}).to_string(),
        ),
    )
    .await;
    assert_eq!(response.status(), 200, "{}", text(&response));
}

/// Registers another document record for `t` (for values the test chooses).
pub async fn document(t: &Tenant, document: &DocumentIdentification) -> DocumentId {
    let id = DocumentId::generate();
    store()
        .await
        .put_document(&t.tenant, &id, document, ekyc::unix_now())
        .await
        .unwrap();
    id
}

/// The demo document's last four digits (events/document.json: X123456789).
pub const LAST_FOUR: &str = "6789";

/// One tenant with requests in every status: 3 verified (to review), 2 accepted, 2 pending,
/// 1 failed, 1 expired. Returns them by status.
pub async fn every_status(app: &TestApp, t: &Tenant) -> HashMap<&'static str, Vec<Made>> {
    let emails: Vec<String> = PEOPLE.iter().map(|p| format!("{p}@example.com")).collect();
    let made = pending_as(t, &emails, &t.document_id, 600).await;
    let (verified, rest) = made.split_at(5);
    let _seeding = SEEDING.acquire().await.unwrap();
    for r in verified {
        verify_call(t, r, LAST_FOUR).await;
    }
    for r in &verified[3..] {
        accept(app, t, r).await;
    }
    fail_call(t, &rest[2]).await;
    expire_call(t, &rest[3], LAST_FOUR).await;
    HashMap::from([
        ("verified", verified[..3].to_vec()),
        ("accepted", verified[3..].to_vec()),
        ("pending", rest[..2].to_vec()),
        ("failed", vec![rest[2].clone()]),
        ("expired", vec![rest[3].clone()]),
    ])
}
