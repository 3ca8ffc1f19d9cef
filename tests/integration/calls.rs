//! The call queue end to end: the API against DynamoDB Local and moto's SQS, the real dialer
//! handler fed as the event source mapping would (`dev::call_poller`), and the recording
//! Connect stand-in (`scripts/connect_sim.py`) enforcing Connect's default limits. Each test
//! uses its own Connect instance id, whose limits the stand-in keeps apart from the others'.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ekyc::domain::{PhoneNumber, RequestId};
use ekyc::ports::{CallOrder, Dialer};
use ekyc::use_cases::dial::DialSettings;
use futures::future::join_all;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

use crate::support::*;

fn stand_in() -> String {
    std::env::var("AWS_ENDPOINT_URL_CONNECT").expect("run with `make test`")
}

/// A Connect instance of the test's own, with `limits` (over the stand-in's defaults).
async fn instance(limits: Value) -> String {
    let id = format!("instance-{}", ulid::Ulid::new()).to_lowercase();
    let mut body = limits;
    body["instanceId"] = json!(id);
    let client = HttpClient::builder(TokioExecutor::new()).build_http::<Full<bytes::Bytes>>();
    let request = hyper::Request::post(format!("{}/control", stand_in()))
        .header("content-type", "application/json")
        .body(Full::new(bytes::Bytes::from(body.to_string())))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    response.into_body().collect().await.unwrap();
    id
}

/// The calls the stand-in placed for `instance`.
async fn placed(instance: &str) -> Vec<Value> {
    recorded_calls()
        .await
        .into_iter()
        .filter(|c| c["InstanceId"] == instance)
        .collect()
}

/// Short back-offs, so that retries come back within a test's time.
fn quick(max_attempts: u32) -> DialSettings {
    DialSettings {
        max_attempts,
        retry_base: Duration::from_secs(1),
        retry_max: Duration::from_secs(2),
    }
}

/// Runs `workers` dialers on `queue_url` (each at `pace` calls/s) until `done` holds or
/// `within` passes; whether it held.
async fn dial_until<F, Fut>(
    queue_url: &str,
    instance: &str,
    settings: DialSettings,
    (workers, pace): (usize, f64),
    within: Duration,
    done: F,
) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = vec![];
    for _ in 0..workers {
        let worker = dial_worker(queue_url, &stand_in(), instance, settings, pace).await;
        let mut poller = poller(queue_url).await;
        poller.wait_seconds = 1;
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                poller.poll_once(&worker, &ekyc::unix_now).await.unwrap();
            }
        }));
    }
    let deadline = Instant::now() + within;
    let mut held = false;
    while Instant::now() < deadline {
        if done().await {
            held = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    held
}

async fn create(app: &TestApp, t: &Tenant, email: &str, phone: &str) -> String {
    let response = handle(app, post_create(&t.key, &t.create_body(email, phone))).await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    body_json(&response)["id"].as_str().unwrap().to_owned()
}

async fn read(app: &TestApp, t: &Tenant, id: &str) -> Value {
    let path = format!("/api/requests/{id}");
    let response = handle(app, request("GET", &path, Some(&t.key), None, "")).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    body_json(&response)["requests"][0].clone()
}

#[tokio::test]
async fn a_burst_of_sixty_creates_gets_sixty_201s_and_every_call_placed_exactly_once() {
    let t = Tenant::new().await;
    // Connect's defaults (2/s, burst 5, 10 concurrent calls), with short calls.
    let instance = instance(json!({"callSeconds": 3})).await;
    let app = Tenant::app_with("", None, Duration::from_secs(60)).await;
    let contacts: Vec<(String, String)> = (0..60)
        .map(|i| {
            (
                format!("burst{i}.{}@example.com", t.tenant),
                phone(7000 + i),
            )
        })
        .collect();

    let started = Instant::now();
    let ids: Vec<String> = join_all(
        contacts
            .iter()
            .map(|(email, phone)| create(&app, &t, email, phone)),
    )
    .await;
    let created_in = started.elapsed();
    eprintln!("burst: 60 creates answered 201 in {created_in:?}");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 60);

    // Two workers at 1 call/s each: the defaults, 2 calls/s together.
    let dialing = Instant::now();
    let all_placed = dial_until(
        app.queue.queue_url(),
        &instance,
        quick(8),
        (2, 1.0),
        Duration::from_secs(120),
        || async { placed(&instance).await.len() >= 60 },
    )
    .await;
    let calls = placed(&instance).await;
    assert!(all_placed, "{} of 60 calls placed", calls.len());
    let took = dialing.elapsed();
    let stamps: Vec<f64> = calls
        .iter()
        .map(|c| c["PlacedAt"].as_f64().unwrap())
        .collect();
    let span = stamps.iter().cloned().fold(f64::MIN, f64::max)
        - stamps.iter().cloned().fold(f64::MAX, f64::min);
    eprintln!(
        "burst: 60 calls placed in {took:?} ({:.2} calls/s between the first and the last)",
        59.0 / span
    );

    assert_eq!(calls.len(), 60, "no call placed twice");
    let contact_ids: HashSet<&str> = calls
        .iter()
        .map(|c| c["ContactId"].as_str().unwrap())
        .collect();
    let tokens: HashSet<&str> = calls
        .iter()
        .map(|c| c["ClientToken"].as_str().unwrap())
        .collect();
    assert_eq!((contact_ids.len(), tokens.len()), (60, 60));
    let requested: HashSet<&str> = calls
        .iter()
        .map(|c| c["Attributes"]["requestId"].as_str().unwrap())
        .collect();
    assert_eq!(requested, ids.iter().map(String::as_str).collect());
    assert_eq!(
        tokens, requested,
        "the first call's token is the request id"
    );
    // The quota was the bound, not the queue: never more than 2 calls a second.
    assert!(span >= 59.0 / 2.0 - 5.0, "60 calls in {span:.1} s");
    for call in calls.iter().take(5) {
        let id = call["Attributes"]["requestId"].as_str().unwrap();
        let items = request_items(&t.tenant, id).await;
        assert_eq!(
            items["REQ"]["callContactId"].as_s().unwrap(),
            call["ContactId"].as_str().unwrap()
        );
    }
}

#[tokio::test]
async fn a_call_throttled_every_time_fails_the_request_and_frees_the_user() {
    let t = Tenant::new().await;
    let instance = instance(json!({"throttleAll": true})).await;
    let app = Tenant::app_with("", None, Duration::from_secs(60)).await;
    let (email, phone) = unique_contact();
    let id = create(&app, &t, &email, &phone).await;

    let gave_up = dial_until(
        app.queue.queue_url(),
        &instance,
        quick(3),
        (1, 100.0),
        Duration::from_secs(40),
        || async {
            let items = request_items(&t.tenant, &id).await;
            items["REQ"]["status"].as_s().unwrap() == "failed"
        },
    )
    .await;
    assert!(gave_up, "the request should have failed");
    assert!(placed(&instance).await.is_empty());
    let request = read(&app, &t, &id).await;
    assert_eq!(request["status"], "failed");
    assert_eq!(request["failureReason"], "call_not_placed");
    assert_eq!(request["callAttempts"], 3);
    assert!(request["failedAt"].is_string() && request["callPlacedAt"].is_null());
    // The message left the queue, and the user may be submitted again.
    assert_eq!(dial(&app, &connect_stand_in(200).await).await, 0);
    create(&app, &t, &email, &phone).await;
}

#[tokio::test]
async fn a_request_deleted_while_its_call_waits_gets_no_call() {
    let t = Tenant::new().await;
    let instance = instance(json!({})).await;
    let app = Tenant::app_with("", None, Duration::from_secs(60)).await;
    let (email, phone) = unique_contact();
    let id = create(&app, &t, &email, &phone).await;
    let body = json!({"id": id}).to_string();
    let deleted = handle(
        &app,
        request(
            "DELETE",
            "/api/delete-request",
            Some(&t.key),
            Some("application/json"),
            &body,
        ),
    )
    .await;
    assert_eq!(deleted.status(), 200, "{}", text(&deleted));

    let worker = dial_worker(
        app.queue.queue_url(),
        &stand_in(),
        &instance,
        quick(3),
        100.0,
    )
    .await;
    let poller = poller(app.queue.queue_url()).await;
    let (received, done) = poller.poll_once(&worker, &ekyc::unix_now).await.unwrap();
    assert_eq!((received, done), (1, 1), "the message is done with");
    assert!(placed(&instance).await.is_empty(), "no call placed");
}

#[tokio::test]
async fn a_dialer_that_died_after_connect_accepted_places_no_second_call_when_it_comes_back() {
    let t = Tenant::new().await;
    let instance = instance(json!({})).await;
    let app = Tenant::app_with("", None, Duration::from_secs(60)).await;
    let (email, phone) = unique_contact();
    let id = create(&app, &t, &email, &phone).await;
    // The first delivery: Connect accepted the call, then the dialer died before storing it.
    let worker = dial_worker(
        app.queue.queue_url(),
        &stand_in(),
        &instance,
        quick(3),
        100.0,
    )
    .await;
    let order = CallOrder::first(&t.tenant, &RequestId::parse(&id).unwrap());
    let first = worker
        .dialer
        .place_call(&PhoneNumber::parse(&phone).unwrap(), &order)
        .await
        .unwrap();
    assert!(!request_items(&t.tenant, &id).await["REQ"].contains_key("callContactId"));

    // The redelivered message.
    let (received, done) = poller(app.queue.queue_url())
        .await
        .poll_once(&worker, &ekyc::unix_now)
        .await
        .unwrap();
    assert_eq!((received, done), (1, 1));
    let calls = placed(&instance).await;
    assert_eq!(calls.len(), 1, "Connect's ClientToken: one call");
    let items = request_items(&t.tenant, &id).await;
    assert_eq!(items["REQ"]["callContactId"].as_s().unwrap(), &first.0);
    let request = read(&app, &t, &id).await;
    assert!(request["callPlacedAt"].is_string());
    assert_eq!(request["callAttempts"], 1);
}

#[tokio::test]
async fn a_redial_places_a_new_call_whose_answers_alone_count_and_another_tenant_gets_404() {
    use ekyc::contact_flow::{handle as verify, Verifier};
    use ekyc::dev::call_simulator::{connect_event, Call};

    let t = Tenant::new().await;
    let other = Tenant::new().await;
    let instance = instance(json!({"callSeconds": 1})).await;
    let mut app = Tenant::app_with("", None, Duration::from_secs(60)).await;
    let (email, phone) = unique_contact();
    let id = create(&app, &t, &email, &phone).await;
    let redial = |key: &str| {
        let path = format!("/api/requests/{id}/redial");
        request("POST", &path, Some(key), None, "")
    };
    // Another tenant's id is unknown to it.
    let foreign = handle(&app, redial(&other.key)).await;
    assert_eq!(foreign.status(), 404);
    let waiting = handle(&app, redial(&t.key)).await;
    assert_eq!(waiting.status(), 409, "the first call is not placed yet");

    let worker = dial_worker(
        app.queue.queue_url(),
        &stand_in(),
        &instance,
        quick(3),
        100.0,
    )
    .await;
    let poller = poller(app.queue.queue_url()).await;
    assert_eq!(
        poller.poll_once(&worker, &ekyc::unix_now).await.unwrap(),
        (1, 1)
    );
    let too_soon = handle(&app, redial(&t.key)).await;
    assert_eq!(too_soon.status(), 429);
    assert!(too_soon.headers().contains_key("retry-after"));

    app.redial_cooldown = Duration::ZERO;
    let again = handle(&app, redial(&t.key)).await;
    assert_eq!(again.status(), 202, "{}", text(&again));
    assert_eq!(
        poller.poll_once(&worker, &ekyc::unix_now).await.unwrap(),
        (1, 1)
    );
    let calls = placed(&instance).await;
    let tokens: Vec<&str> = calls
        .iter()
        .map(|c| c["ClientToken"].as_str().unwrap())
        .collect();
    assert_eq!(tokens, [id.clone(), format!("{id}-2")]);
    let request = read(&app, &t, &id).await;
    assert!(request["callPlacedAt"].is_string() && request["callScheduledAt"].is_string());

    // Only the latest call's answers count.
    let verifier = Verifier {
        store: store().await,
        hasher: hasher(),
    };
    let call_of = |placed: &Value| Call {
        contact_id: placed["ContactId"].as_str().unwrap().to_owned(),
        attributes: serde_json::from_value(placed["Attributes"].clone()).unwrap(),
        customer_number: phone.clone(),
        system_number: SOURCE_NUMBER.to_owned(),
        instance_arn: format!("arn:aws:connect:us-east-1:000000000000:instance/{instance}"),
    };
    let answer = |call: &Call| {
        let parameters = [("step", "last4"), ("digits", "6789")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        serde_json::from_value(connect_event(call, parameters)).unwrap()
    };
    let old = verify(&verifier, answer(&call_of(&calls[0])), ekyc::unix_now()).await;
    assert_eq!(old["result"], "error");
    let latest = verify(&verifier, answer(&call_of(&calls[1])), ekyc::unix_now()).await;
    assert_eq!(latest["result"], "ok");

    // Three calls in all.
    let third = handle(&app, redial(&t.key)).await;
    assert_eq!(third.status(), 202);
    assert_eq!(
        poller.poll_once(&worker, &ekyc::unix_now).await.unwrap(),
        (1, 1)
    );
    let fourth = handle(&app, redial(&t.key)).await;
    assert_eq!(fourth.status(), 409);
    assert!(text(&fourth).contains("its 3 calls"), "{}", text(&fourth));
}
