//! Issue 11 §7, hostile input at the verifier's edge: contact-flow events whose attributes,
//! parameters and contact data are anyone's (another flow, an inbound call, a chat), sent in
//! sequences at a pending request. Property: no panic; every answer is one the flow branches
//! on, with a number of attempts left; and the request is verified only if the sequence held
//! the right last four digits and then the right code, both from the request's own call.
//! `make test` runs `PROPTEST_CASES` (default 256) cases from a fixed seed, `make fuzz` more.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{json, Value};

use super::*;
use crate::adapters::memory::MemoryStore;
use crate::domain::RequestStatus;
use crate::ports::RequestLifecycle;
use crate::use_cases::verification_fixtures::{called_request, PHONE};

const NOW: u64 = 10_000;
const LAST_FOUR: &str = "6789";

/// One event, with what is needed to tell whether it may count.
#[derive(Debug, Clone)]
struct Sent {
    tenant: Option<String>,
    /// `None`: the request's own id.
    request: Option<String>,
    channel: String,
    initiation: String,
    customer: String,
    step: Option<String>,
    /// `None`: the right digits for the step (the last four, or the emailed code).
    digits: Option<String>,
}

fn one_of(items: &[&str]) -> impl Strategy<Value = String> {
    prop::sample::select(items.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{0,12}",
        "[0-9a-zA-Z#*+ ]{0,12}",
        "[٠-٩０-９]{1,6}",
        (1usize..10_000).prop_map(|n| "9".repeat(n)),
    ]
}

fn sent() -> impl Strategy<Value = Sent> {
    (
        prop_oneof![8 => Just(Some("acme".to_owned())), 1 => Just(None), 1 => hostile_text().prop_map(Some)],
        prop_oneof![8 => Just(None), 1 => hostile_text().prop_map(Some), 1 => "[0-9A-Z]{26}".prop_map(Some)],
        prop_oneof![8 => Just("VOICE".to_owned()), 1 => one_of(&["CHAT", "TASK", "EMAIL", "voice", ""])],
        prop_oneof![6 => one_of(&["API", "OUTBOUND"]), 1 => one_of(&["INBOUND", "TRANSFER", "CALLBACK", "api", ""])],
        prop_oneof![8 => Just(PHONE.to_owned()), 1 => one_of(&["+14155550102", "", "anonymous", "+1 415 555 0101"]), 1 => hostile_text()],
        prop_oneof![8 => one_of(&["last4", "code"]).prop_map(Some), 1 => Just(None), 1 => hostile_text().prop_map(Some)],
        prop_oneof![6 => Just(None), 1 => Just(Some("Timeout".to_owned())), 2 => hostile_text().prop_map(Some)],
    )
        .prop_map(|(tenant, request, channel, initiation, customer, step, digits)| Sent {
            tenant,
            request,
            channel,
            initiation,
            customer,
            step,
            digits,
        })
}

fn event(sent: &Sent, id: &RequestId, code: &str) -> Value {
    let mut attributes = serde_json::Map::new();
    if let Some(tenant) = &sent.tenant {
        attributes.insert("tenantId".into(), json!(tenant));
    }
    let request = sent.request.clone().unwrap_or_else(|| id.to_string());
    attributes.insert("requestId".into(), json!(request));
    let mut parameters = serde_json::Map::new();
    if let Some(step) = &sent.step {
        parameters.insert("step".into(), json!(step));
    }
    let right = match sent.step.as_deref() {
        Some("code") => code,
        _ => LAST_FOUR,
    };
    parameters.insert(
        "digits".into(),
        json!(sent.digits.as_deref().unwrap_or(right)),
    );
    json!({
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": attributes,
                "Channel": sent.channel,
                "ContactId": "c-1",
                "InitialContactId": "c-1",
                "InitiationMethod": sent.initiation,
                "InstanceARN": "arn:aws:connect:us-east-1:1:instance/i",
                "CustomerEndpoint": {"Address": sent.customer, "Type": "TELEPHONE_NUMBER"},
                "SystemEndpoint": {"Address": "+14155550100", "Type": "TELEPHONE_NUMBER"}
            },
            "Parameters": parameters
        }
    })
}

/// Whether `sent` is the request's own call keying in the right digits at `step`.
fn is_right(sent: &Sent, step: &str, code: &str) -> bool {
    let right = if step == "code" { code } else { LAST_FOUR };
    sent.tenant.as_deref() == Some("acme")
        && sent.request.is_none()
        && sent.channel == "VOICE"
        && ["API", "OUTBOUND"].contains(&sent.initiation.as_str())
        && sent.customer == PHONE
        && sent.step.as_deref() == Some(step)
        && sent.digits.as_deref().is_none_or(|d| d.trim() == right)
}

/// The request the events are about; its call was placed as "c-1", the events' own contact.
async fn pending(store: &MemoryStore, hasher: &OtpHasher) -> (TenantId, RequestId, String) {
    called_request(store, hasher, (NOW, NOW + 600), "c-1").await
}

fn check(events: &[Sent]) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let verifier = Verifier {
            store: MemoryStore::default(),
            hasher: OtpHasher::new(&[1u8; 32]).unwrap(),
        };
        let (tenant, id, code) = pending(&verifier.store, &verifier.hasher).await;
        let mut last_four_right = false;
        let mut may_verify = false;
        for sent in events {
            let Ok(event) = serde_json::from_value::<ConnectEvent>(event(sent, &id, &code)) else {
                continue;
            };
            let answer = handle(&verifier, event, NOW).await;
            let result = answer["result"].as_str();
            prop_assert!(
                ["ok", "retry", "timeout", "failed", "expired", "error"].contains(&result),
                "{result}"
            );
            let left: u32 = answer["attemptsLeft"]
                .parse()
                .map_err(|_| TestCaseError::fail("attemptsLeft is a number"))?;
            prop_assert!(left <= 3);
            last_four_right |= is_right(sent, "last4", &code);
            may_verify |= last_four_right && is_right(sent, "code", &code);
        }
        let stored = verifier.store.get_request(&tenant, &id).await.unwrap();
        let status = stored.map(|r| r.status);
        prop_assert!(
            status != Some(RequestStatus::Verified) || may_verify,
            "verified by {events:?}"
        );
        Ok(())
    })
}

#[test]
fn hostile_contact_flow_events_never_panic_and_never_verify_without_the_call_and_the_code() {
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = match std::env::var_os("HOSTILE_RANDOM") {
        Some(_) => TestRunner::new(config),
        None => TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha)),
    };
    let sequences = prop::collection::vec(sent(), 1..6);
    if let Err(failure) = runner.run(&sequences, |events| check(&events)) {
        panic!("{failure}");
    }
}
