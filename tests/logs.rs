//! What the logs say: one JSON line per request with its outcome, and no PII or secrets.
//!
//! A test binary of its own: a thread-scoped subscriber does not reliably see events from
//! callsites that other tests in the same process already registered without one.

#[path = "integration/contract.rs"]
mod contract;
#[path = "integration/support.rs"]
#[allow(dead_code)]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn logs_carry_outcomes_but_no_email_phone_otp_or_document_number() {
    scenario("info").await;
}

/// `RUST_LOG=trace` turns our logs up, but the SDK, HTTP and runtime libraries (whose debug
/// output carries request bodies) stay at `info`.
#[tokio::test(flavor = "current_thread")]
async fn even_at_trace_no_request_body_reaches_the_logs() {
    scenario("trace").await;
}

async fn scenario(rust_log: &str) {
    let captured = Captured::default();
    let writer = captured.clone();
    // The production subscriber and filter (`ekyc::telemetry`), into a buffer; SDK logs
    // included.
    let filter = ekyc::telemetry::filter(Some(rust_log));
    let subscriber = ekyc::telemetry::subscriber(filter, move || writer.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    // As the Lambda runtime does around each invocation.
    let invocation = tracing::info_span!("Lambda runtime invoke", requestId = "lambda-request-1");
    let _entered = invocation.enter();

    let t = Tenant::new().await;
    let (email, phone) = unique_contact();
    let up = connect_stand_in(200).await;
    let app = Tenant::app(&up).await;
    let created = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(created.status(), 201);
    // The dialer's lines too: it reads and dials the number.
    assert_eq!(dial(&app, &up).await, 1);
    let taken = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(taken.status(), 409);
    let (other_email, other_phone) = unique_contact();
    let down = failing_sqs().await;
    let failing = Tenant::app_with_sqs(&down.uri()).await;
    let failed = handle(
        &failing,
        post_create(&t.key, &t.create_body(&other_email, &other_phone)),
    )
    .await;
    assert_eq!(failed.status(), 502);

    let code = code_in(&sent_mail_to(&email).await[0]);
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    // Nothing of ours logs below info, and the libraries that do (the SDK logs over a
    // thousand debug and trace lines for this scenario, request details among them) are held
    // at info whatever RUST_LOG says.
    let chatty: Vec<&Value> = lines
        .iter()
        .filter(|l| l["level"] == "DEBUG" || l["level"] == "TRACE")
        .collect();
    assert!(
        chatty.is_empty(),
        "{} lines below info, e.g. {}",
        chatty.len(),
        chatty[0]
    );
    let requests: Vec<&Value> = lines.iter().filter(|l| l["message"] == "request").collect();
    let outcomes: Vec<(&str, u64)> = requests
        .iter()
        .map(|l| {
            (
                l["outcome"].as_str().unwrap(),
                l["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("created", 201),
            ("already_taken", 409),
            ("not_submitted", 502)
        ]
    );
    for line in &requests {
        assert_eq!(line["tenant"], t.tenant.as_str());
        assert!(line["latency_ms"].as_f64().is_some());
        assert!(line.get("request_id").is_some());
    }
    let delivery_failed = lines
        .iter()
        .find(|l| l["message"] == "delivery failed")
        .expect("a delivery failure is logged");
    // Tied to its invocation by the runtime's span.
    assert_eq!(delivery_failed["span"]["requestId"], "lambda-request-1");
    assert!(delivery_failed["kyc_request_id"].as_str().is_some());
    let dialed = lines
        .iter()
        .find(|l| l["message"] == "dial")
        .expect("the dialer logs each message");
    assert_eq!(dialed["outcome"], "placed");

    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let document_number = t.document.id_information.document_number.clone().unwrap();
    for secret in [
        email.as_str(),
        other_email.as_str(),
        &phone,
        &other_phone,
        &digits(&phone)[1..],
        &code,
        &document_number,
        &t.key,
    ] {
        assert!(
            !text.contains(secret),
            "the logs contain {secret:?}:\n{text}"
        );
    }
}
