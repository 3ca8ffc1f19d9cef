//! `make bench`: figures against the local stack (DynamoDB Local, moto's SES, the recording
//! Connect stand-in), printed, not asserted. Local servers are not AWS: read these as the cost
//! of our code plus a local store, and as a check that a clear of 10,000 requests fits one call.
//!
//!   create   POST /api/kyc-request through the real handler, sequentially (latency)
//!   insert   the create transaction alone, 32 in flight (throughput)
//!   list     GET /api/requests pages of 100 over 10,000 requests (latency per page)
//!   clear    DELETE /api/clear-requests over 10,000 requests (one call, its time budget 25 s)

use std::time::{Duration, Instant};

use ekyc::adapters::{dynamodb::DynamoStore, ses::SesMailer, sqs, Aws};
use ekyc::config::AppSettings;
use ekyc::domain::{
    ApiKey, DocumentId, DocumentIdentification, Email, NewKycRequest, Otp, OtpHasher, PhoneNumber,
    RequestId, TenantId,
};
use ekyc::http::App;
use ekyc::ports::RequestStore;
use futures::stream::{self, StreamExt};
use lambda_http::{Body, Request};

const SECRET: &[u8] = b"benchmark-secret-0123456789abcdef0123456789";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let mean = samples.iter().sum::<Duration>().as_secs_f64() * 1000.0 / samples.len() as f64;
    println!(
        "{name:<8} n={:<6} mean {mean:7.2} ms  p50 {:7.2} ms  p95 {:7.2} ms  p99 {:7.2} ms  max {:7.2} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.95),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0),
    );
}

fn request(method: &str, path: &str, key: &str, body: Option<String>) -> Request {
    let mut builder = lambda_http::http::Request::builder()
        .method(method)
        .uri(format!("https://bench.local{path}"))
        .header("x-api-key", key);
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    builder
        .body(body.map(Body::Text).unwrap_or(Body::Empty))
        .unwrap()
}

fn text(body: &Body) -> &str {
    match body {
        Body::Text(t) => t,
        _ => "",
    }
}

#[tokio::main]
async fn main() {
    let sdk = ekyc::adapters::sdk::load(&ekyc::config::SdkSettings::API).await;
    let table = std::env::var("TABLE_NAME").expect("run with `make bench`");
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    store.ensure_table().await.unwrap();
    let tenant = TenantId::parse(&format!("bench-{}", ulid::Ulid::new()).to_lowercase()).unwrap();
    let key = ApiKey::generate();
    store
        .put_api_key(&key.hash(), &tenant, "bench", ekyc::unix_now())
        .await
        .unwrap();
    let document: DocumentIdentification =
        serde_json::from_str(include_str!("../events/document.json")).unwrap();
    let document_id = DocumentId::generate();
    store
        .put_document(&tenant, &document_id, &document, ekyc::unix_now())
        .await
        .unwrap();
    let sender = "bench@ekyc.example.com";
    let ses = aws_sdk_sesv2::Client::new(&sdk);
    let _ = ses
        .create_email_identity()
        .email_identity(sender)
        .send()
        .await;
    let hasher = OtpHasher::new(SECRET).unwrap();
    let settings = AppSettings {
        clear_budget: Duration::from_secs(25),
        creates_per_minute: 100_000,
        ..AppSettings::default()
    };
    let app = App::<Aws>::new(
        &settings,
        SECRET,
        store.clone(),
        SesMailer::new(ses, sender, None),
        call_queue(&sdk).await,
        Aws::onboarding(&sdk, "ekyc-bench-images").unwrap(),
    )
    .unwrap();
    let key = key.expose().to_owned();

    // create: the whole path, one at a time.
    let mut samples = Vec::new();
    for i in 0..200u32 {
        let body = format!(
            r#"{{"email": "create{i}@example.com", "phoneNumber": "+1415555{:04}", "documentIdentificationId": "{document_id}"}}"#,
            9000 + i
        );
        let started = Instant::now();
        let response = ekyc::http::handle(
            &app,
            request("POST", "/api/kyc-request", &key, Some(body)),
            ekyc::unix_now(),
        )
        .await;
        samples.push(started.elapsed());
        assert_eq!(response.status(), 201, "{}", text(response.body()));
    }
    report("create", samples);
    let cleared = ekyc::http::handle(
        &app,
        request("DELETE", "/api/clear-requests", &key, None),
        ekyc::unix_now(),
    )
    .await;
    assert_eq!(cleared.status(), 200);

    // insert: 10,000 create transactions, 32 in flight.
    let n = 10_000u32;
    let started = Instant::now();
    let results: Vec<_> = stream::iter(0..n)
        .map(|i| {
            let id = RequestId::generate();
            let request = NewKycRequest {
                id,
                tenant: tenant.clone(),
                email: Email::parse(&format!("bulk{i}@example.com")).unwrap(),
                phone: PhoneNumber::parse(&format!("+1415555{i:04}")).unwrap(),
                document_id: document_id.clone(),
                otp_hash: hasher.hash(&id, &Otp::generate()),
                created_at: ekyc::unix_now(),
                otp_expires_at: ekyc::unix_now() + 600,
                max_attempts: 3,
                creates_per_minute: None,
                call_scheduled_at: None,
            };
            let store = &store;
            async move { store.create_request(&request).await }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let elapsed = started.elapsed();
    assert!(results.iter().all(Result::is_ok));
    println!(
        "insert   n={n:<6} {:8.0} creates/s ({:.1} s)",
        f64::from(n) / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );

    // list: every page of 100.
    let mut samples = Vec::new();
    let mut token: Option<String> = None;
    let mut seen = 0;
    loop {
        let path = match &token {
            Some(t) => format!(
                "/api/requests?limit=100&nextToken={}",
                form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>()
            ),
            None => "/api/requests?limit=100".into(),
        };
        let started = Instant::now();
        let response =
            ekyc::http::handle(&app, request("GET", &path, &key, None), ekyc::unix_now()).await;
        samples.push(started.elapsed());
        let page: serde_json::Value = serde_json::from_str(text(response.body())).unwrap();
        seen += page["requests"].as_array().unwrap().len();
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, n as usize);
    report("list", samples);

    // clear: one call.
    let started = Instant::now();
    let response = ekyc::http::handle(
        &app,
        request("DELETE", "/api/clear-requests", &key, None),
        ekyc::unix_now(),
    )
    .await;
    let elapsed = started.elapsed();
    println!(
        "clear    n={n:<6} {:.2} s in one call: {}",
        elapsed.as_secs_f64(),
        text(response.body())
    );
}

/// The call queue in the bench stack's moto (`CALL_QUEUE_URL`, made here if missing).
async fn call_queue(sdk: &aws_config::SdkConfig) -> sqs::SqsCallQueue {
    let url = std::env::var("CALL_QUEUE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1/000000000000/ekyc-calls-bench".into());
    let queue = sqs::SqsCallQueue::new(sqs::client(sdk), url);
    queue
        .ensure_queue(Duration::from_secs(180))
        .await
        .expect("the bench stack's SQS");
    queue
}
