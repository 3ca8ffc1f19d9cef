//! Issue 11 §7, faults: each AWS dependency of the API in turn — DynamoDB, SES, SQS, S3,
//! Textract, Rekognition — answers 500, throttles, hangs past the time-out, or resets the
//! connection (`fault_proxy.rs`, in front of the real stand-ins). For each: the API answers a
//! clear JSON 502/503/504 (never a panic, never a Lambda error) inside the handler's budget,
//! keeps nothing of the failed request, and once the fault is gone the same user is submitted
//! again and gets 201.
//!
//! The faulted service's client has tight time-outs ([`FAULT_SDK`]), the others the tests'
//! usual ones, so a hang costs seconds; the budget is worked out from those settings.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ekyc::adapters::{
    dynamodb::DynamoStore, image_url, rekognition::RekognitionMatcher, s3::S3ImageStore,
    ses::SesMailer, sqs::SqsCallQueue, textract::TextractReader,
};
use ekyc::config::{AppSettings, SdkSettings};
use ekyc::domain::{Email, PhoneNumber};
use ekyc::http::App;
use lambda_http::{Body, Response};
use serde_json::json;

use crate::fault_proxy::{Fault, FaultProxy, Protocol, ALL_FAULTS};
use crate::support::*;

/// The faulted service's client: at most 3 attempts of 2 s each, 4 s in all.
const FAULT_SDK: SdkSettings = SdkSettings {
    connect: Duration::from_secs(1),
    attempt: Duration::from_secs(2),
    operation: Duration::from_secs(4),
    max_attempts: 3,
};

/// The most calls to the faulted service on one handler's path: the document route's S3 put,
/// then its clean-up delete (every other path makes one).
const FAULTED_CALLS: u32 = 2;

/// What the healthy calls of a handler (key lookup, transaction, release, each a few ms) may
/// take on a loaded 2-core test machine.
const HEALTHY: Duration = Duration::from_secs(6);

/// The API function's time-out (API Gateway's integration limit).
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(29);

/// The handler's worst case with a faulted dependency: every call to it spends its whole
/// operation time-out (attempts, back-offs and all), the rest is healthy.
fn budget() -> Duration {
    let budget = FAULT_SDK.operation * FAULTED_CALLS + HEALTHY;
    assert!(budget < FUNCTION_TIMEOUT, "the budget fits the function");
    budget
}

const FRONT: &[u8] = include_bytes!("../../events/document-front.jpg");
const SELFIE: &[u8] = include_bytes!("../../events/selfie.jpg");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    DynamoDb,
    Ses,
    /// The call queue (the dialer, not the API, talks to Connect).
    Sqs,
    S3,
    Textract,
    Rekognition,
}

impl Service {
    fn protocol(self) -> Protocol {
        match self {
            Service::DynamoDb | Service::Sqs | Service::Textract | Service::Rekognition => {
                Protocol::AwsJson
            }
            Service::Ses => Protocol::RestJson,
            Service::S3 => Protocol::RestXml,
        }
    }

    /// The stand-in the proxy goes in front of.
    pub(crate) fn upstream(self) -> String {
        let var = match self {
            Service::DynamoDb => "AWS_ENDPOINT_URL_DYNAMODB",
            Service::Ses => "AWS_ENDPOINT_URL_SESV2",
            Service::S3 => "AWS_ENDPOINT_URL_S3",
            Service::Textract => "AWS_ENDPOINT_URL_TEXTRACT",
            Service::Rekognition => "AWS_ENDPOINT_URL_REKOGNITION",
            Service::Sqs => "AWS_ENDPOINT_URL_SQS",
        };
        std::env::var(var).unwrap_or_else(|_| panic!("{var}: run with `make test`"))
    }

    /// Which requests fail: DynamoDB's create transaction (the key lookup before it works, so
    /// the fault is met where it matters); every request of the others.
    fn only(self) -> Option<&'static str> {
        match self {
            Service::DynamoDb => Some("TransactWriteItems"),
            _ => None,
        }
    }

    /// The answer a fault should give: a delivery that failed is the published 502; a store
    /// or onboarding service that failed is 503 (try again) or, when it hung, 504.
    fn expected(self, fault: Fault) -> u16 {
        match (self, fault) {
            (Service::Ses | Service::Sqs, _) => 502,
            (_, Fault::Hang) => 504,
            _ => 503,
        }
    }
}

/// The API handler with `faulted` reached through `proxy` (and tight time-outs), every other
/// dependency directly.
pub(crate) async fn app_through(faulted: Service, proxy: &FaultProxy) -> TestApp {
    let normal = sdk_config().await;
    let tight = ekyc::adapters::sdk::load(&FAULT_SDK).await;
    let sdk = |s: Service| if s == faulted { &tight } else { &normal };
    let endpoint = |s: Service| (s == faulted).then(|| proxy.uri.clone());

    // Only the faulted client is pointed elsewhere; the others keep the stand-ins'
    // `AWS_ENDPOINT_URL_<SERVICE>` as the SDK resolved it.
    macro_rules! builder {
        ($service:expr, $sdk_crate:ident) => {{
            let mut builder = $sdk_crate::config::Builder::from(sdk($service));
            if let Some(uri) = endpoint($service) {
                builder = builder.endpoint_url(uri);
            }
            builder
        }};
    }
    let ddb = builder!(Service::DynamoDb, aws_sdk_dynamodb);
    let ses = builder!(Service::Ses, aws_sdk_sesv2);
    let sqs = builder!(Service::Sqs, aws_sdk_sqs);
    let s3 = builder!(Service::S3, aws_sdk_s3).force_path_style(true);
    let textract = builder!(Service::Textract, aws_sdk_textract);
    let rekognition = builder!(Service::Rekognition, aws_sdk_rekognition);

    let bucket = image_bucket();
    let settings = AppSettings {
        allowed_countries: vec!["US".into()],
        creates_per_minute: 100_000,
        call_delay: Duration::ZERO,
        ..AppSettings::default()
    };
    App::new(
        &settings,
        OTP_SECRET,
        DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(ddb.build()), table()),
        SesMailer::new(aws_sdk_sesv2::Client::from_conf(ses.build()), SENDER, None),
        SqsCallQueue::new(
            aws_sdk_sqs::Client::from_conf(sqs.build()),
            new_queue("faults").await,
        ),
        ekyc::ports::Onboarding {
            images: S3ImageStore::new(aws_sdk_s3::Client::from_conf(s3.build()), &bucket, None),
            fetcher: image_url::ImageUrlFetcher::new(image_url::FetchLimits::default()).unwrap(),
            reader: TextractReader::new(
                aws_sdk_textract::Client::from_conf(textract.build()),
                &bucket,
            ),
            matcher: RekognitionMatcher::new(
                aws_sdk_rekognition::Client::from_conf(rekognition.build()),
                &bucket,
            ),
        },
    )
    .unwrap()
}

fn post(key: &str, path: &str, body: serde_json::Value) -> lambda_http::Request {
    request(
        "POST",
        path,
        Some(key),
        Some("application/json"),
        &body.to_string(),
    )
}

/// A document authenticated through the app (201); its id.
async fn new_document(app: &TestApp, t: &Tenant) -> Result<String, Response<Body>> {
    let front = json!({"frontImage": STANDARD.encode(FRONT)});
    let response = handle(app, post(&t.key, "/api/document-authentication", front)).await;
    match response.status().as_u16() {
        201 => Ok(body_json(&response)["documentIdentificationId"]
            .as_str()
            .unwrap()
            .to_owned()),
        _ => Err(response),
    }
}

async fn face(app: &TestApp, t: &Tenant, document: &str) -> Response<Body> {
    let body = json!({"faceImage": STANDARD.encode(SELFIE), "documentIdentificationId": document});
    handle(app, post(&t.key, "/api/face-authentication", body)).await
}

async fn create(
    app: &TestApp,
    t: &Tenant,
    email: &str,
    phone: &str,
    document: &str,
) -> Response<Body> {
    let body = json!({"email": email, "phoneNumber": phone, "documentIdentificationId": document});
    handle(app, post_create(&t.key, &body.to_string())).await
}

/// The answer to a faulted call: its status, a JSON `{"error": ...}`, `Retry-After` on a 503,
/// inside the budget.
fn assert_clear_failure(what: &str, expected: u16, response: &Response<Body>, took: Duration) {
    let status = response.status().as_u16();
    assert_eq!(status, expected, "{what}: {}", text(response));
    let error = body_json(response)["error"].as_str().map(str::to_owned);
    assert!(
        error.is_some_and(|e| !e.is_empty()),
        "{what}: {}",
        text(response)
    );
    if status == 503 {
        assert!(
            response.headers().contains_key("retry-after"),
            "{what}: Retry-After"
        );
    }
    assert!(
        took < budget(),
        "{what}: answered after {took:?}, budget {:?}",
        budget()
    );
}

/// Every fault in turn against `service`, on one handler (as one warm Lambda instance meets
/// them); a new user per fault.
async fn each_fault_of(service: Service) {
    let t = Tenant::new().await;
    let proxy = FaultProxy::start(&service.upstream(), service.protocol()).await;
    let app = app_through(service, &proxy).await;
    // The face step needs a document whose images are stored: made while all is well.
    let document = match service {
        Service::Rekognition => new_document(&app, &t).await.map_err(|r| text(&r)).unwrap(),
        _ => t.document_id.to_string(),
    };
    for fault in ALL_FAULTS {
        let what = format!("{service:?} {fault:?}");
        let (email, phone) = unique_contact();
        let faulted_before = proxy.faulted();
        proxy.set(Some(fault), service.only());
        let started = Instant::now();
        let response = match service {
            Service::DynamoDb | Service::Ses | Service::Sqs => {
                create(&app, &t, &email, &phone, &document).await
            }
            Service::S3 | Service::Textract => new_document(&app, &t).await.unwrap_err(),
            Service::Rekognition => face(&app, &t, &document).await,
        };
        assert_clear_failure(&what, service.expected(fault), &response, started.elapsed());
        assert!(
            proxy.faulted() > faulted_before,
            "{what}: the fault was met"
        );
        let held = store()
            .await
            .reservation_holders(
                &t.tenant,
                &Email::parse(&email).unwrap().uniqueness_key(),
                &PhoneNumber::parse(&phone).unwrap().uniqueness_key(),
            )
            .await
            .unwrap();
        assert_eq!(
            held,
            (None, None),
            "{what}: nothing of the failed request is held"
        );

        // The fault is gone: the same user goes through.
        proxy.set(None, None);
        let document = match service {
            Service::S3 | Service::Textract => new_document(&app, &t)
                .await
                .unwrap_or_else(|r| panic!("{what}, healed: {}", text(&r))),
            Service::Rekognition => {
                let matched = face(&app, &t, &document).await;
                assert_eq!(matched.status(), 200, "{what}, healed: {}", text(&matched));
                document.clone()
            }
            _ => document.clone(),
        };
        let again = create(&app, &t, &email, &phone, &document).await;
        assert_eq!(again.status(), 201, "{what}, healed: {}", text(&again));
    }
}

#[tokio::test]
async fn dynamodb_faults_are_503_or_504_and_the_user_can_submit_again() {
    each_fault_of(Service::DynamoDb).await;
}

#[tokio::test]
async fn ses_faults_are_502_and_the_user_can_submit_again() {
    each_fault_of(Service::Ses).await;
}

#[tokio::test]
async fn sqs_faults_are_502_and_the_user_can_submit_again() {
    each_fault_of(Service::Sqs).await;
}

#[tokio::test]
async fn s3_faults_are_503_or_504_and_the_document_can_be_sent_again() {
    each_fault_of(Service::S3).await;
}

#[tokio::test]
async fn textract_faults_are_503_or_504_and_the_document_can_be_sent_again() {
    each_fault_of(Service::Textract).await;
}

#[tokio::test]
async fn rekognition_faults_are_503_or_504_and_the_face_can_be_sent_again() {
    each_fault_of(Service::Rekognition).await;
}

/// DynamoDB down altogether: the key lookup is the first thing to meet it.
#[tokio::test]
async fn a_dynamodb_that_is_down_altogether_is_503_at_the_key_lookup() {
    let t = Tenant::new().await;
    let proxy = FaultProxy::start(&Service::DynamoDb.upstream(), Protocol::AwsJson).await;
    let app = app_through(Service::DynamoDb, &proxy).await;
    proxy.set(Some(Fault::ServerError), None);
    let (email, phone) = unique_contact();
    let started = Instant::now();
    let response = create(&app, &t, &email, &phone, t.document_id.as_str()).await;
    assert_clear_failure("DynamoDB down", 503, &response, started.elapsed());
    proxy.set(None, None);
    let again = create(&app, &t, &email, &phone, t.document_id.as_str()).await;
    assert_eq!(again.status(), 201, "{}", text(&again));
}
