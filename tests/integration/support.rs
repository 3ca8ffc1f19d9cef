//! The local stack as the tests see it, and fixtures: a fresh tenant per test, so tests share
//! one table without seeing each other.
//!
//! Environment (set by `make test`): `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SESV2`,
//! `AWS_ENDPOINT_URL_SQS` (moto), `AWS_ENDPOINT_URL_CONNECT` (the recording stand-in),
//! `MOTO_URL`, `TABLE_NAME`, region and dummy credentials. Connect stand-ins made per test with
//! wiremock are reached through the SDK's own per-client `endpoint_url`. Each app gets its own
//! call queue in moto (no delay), which [`dial`] drains through the real dialer handler.

use std::collections::HashMap;
use std::time::Duration;

use aws_config::SdkConfig;
use ekyc::adapters::{
    connect::ConnectDialer, dynamodb::DynamoStore, ses::SesMailer, sqs::SqsCallQueue, Aws,
};
use ekyc::config::AppSettings;
use ekyc::dev::call_poller::Poller;
use ekyc::domain::{ApiKey, DocumentId, DocumentIdentification, OtpHasher, TenantId};
use ekyc::http::App;
use ekyc::ports::{Listing, RequestLifecycle};
use ekyc::use_cases::dial::{DialSettings, DialWorker, Pacer};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const SENDER: &str = "no-reply@ekyc.example.com";
pub const OTP_SECRET: &[u8] = b"integration-test-otp-secret-0123456789";
pub const INSTANCE_ID: &str = "11111111-2222-3333-4444-555555555555";
pub const FLOW_ID: &str = "66666666-7777-8888-9999-000000000000";
pub const SOURCE_NUMBER: &str = "+14155550100";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the integration tests with `make test`, which starts the local stack")
    })
}

/// Time-outs as the functions set them, but looser: on a 2-core CI machine DynamoDB Local (a
/// JVM) stalls now and then for longer than the API's 1.5 s attempt time-out, and an attempt
/// cut short and retried would turn a test's own conditional put into a conflict with itself.
pub const TEST_SDK: ekyc::config::SdkSettings = ekyc::config::SdkSettings {
    connect: Duration::from_secs(2),
    attempt: Duration::from_secs(5),
    operation: Duration::from_secs(10),
    max_attempts: 3,
};

/// The SDK configuration the tests' clients use, built as the functions build theirs.
pub async fn sdk_config() -> SdkConfig {
    ekyc::adapters::sdk::load(&TEST_SDK).await
}

/// Patient time-outs for the tests' own setup and inspection (seeding, scans): no behaviour
/// under test depends on them. A CI run saw DynamoDB Local answer no seeding write inside
/// `TEST_SDK`'s 10 s while eight browser tests seeded at once beside their Chromiums.
const SETUP_SDK: ekyc::config::SdkSettings = ekyc::config::SdkSettings {
    connect: Duration::from_secs(5),
    attempt: Duration::from_secs(20),
    operation: Duration::from_secs(60),
    max_attempts: 3,
};

/// The SDK configuration of the tests' own setup and inspection clients.
pub async fn setup_sdk_config() -> SdkConfig {
    ekyc::adapters::sdk::load(&SETUP_SDK).await
}

pub fn table() -> String {
    env("TABLE_NAME")
}

pub async fn store() -> DynamoStore {
    DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&setup_sdk_config().await),
        table(),
    )
}

/// Records, as the dialer does once Connect accepted it, that request `id`'s call was placed as
/// `contact` at `at`: the verifier hears only that contact. Idempotent (a second record is
/// refused).
pub async fn record_placed_call(tenant: &TenantId, id: &str, contact: &str, at: u64) {
    use ekyc::ports::{CallStore, ContactId};
    let id = ekyc::domain::RequestId::parse(id).unwrap();
    let contact = ContactId(contact.to_owned());
    store()
        .await
        .record_call(tenant, &id, 1, &contact, 1, at)
        .await
        .unwrap();
}

/// The keys of the image bucket's objects under `prefix`.
pub async fn image_keys_under(prefix: &str) -> Vec<String> {
    let s3 = ekyc::adapters::s3::client(&setup_sdk_config().await);
    let out = s3
        .list_objects_v2()
        .bucket(image_bucket())
        .prefix(prefix)
        .send()
        .await
        .unwrap();
    out.contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect()
}

pub type Item = HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// Every item of the tenant in the table (a scan; the local table is small).
pub async fn tenant_items(tenant: &TenantId) -> Vec<Item> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = client
            .scan()
            .table_name(table())
            .filter_expression("begins_with(pk, :prefix)")
            .expression_attribute_values(":prefix", AttributeValue::S(format!("TENANT#{tenant}#")))
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        items.extend(out.items.unwrap_or_default());
        start = out.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

/// The image bucket in moto's S3 (`IMAGE_BUCKET`, created by `admin create-table`).
pub fn image_bucket() -> String {
    env("IMAGE_BUCKET")
}

pub fn hasher() -> OtpHasher {
    OtpHasher::new(OTP_SECRET).unwrap()
}

/// A Connect client aimed at a per-test stand-in.
pub fn connect_client(sdk: &SdkConfig, endpoint: &str) -> aws_sdk_connect::Client {
    aws_sdk_connect::Client::from_conf(
        aws_sdk_connect::config::Builder::from(sdk)
            .endpoint_url(endpoint)
            .build(),
    )
}

pub fn sqs_client(sdk: &SdkConfig, endpoint: Option<&str>) -> aws_sdk_sqs::Client {
    let mut builder = aws_sdk_sqs::config::Builder::from(sdk);
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    aws_sdk_sqs::Client::from_conf(builder.build())
}

/// A fresh call queue in moto's SQS, named after `label`: its URL.
pub async fn new_queue(label: &str) -> String {
    let name = format!("{label}-{}", ulid::Ulid::new()).to_lowercase();
    let url = format!("{}/000000000000/{name}", env("MOTO_URL"));
    let queue = SqsCallQueue::new(sqs_client(&sdk_config().await, None), &url);
    queue.ensure_queue(Duration::from_secs(30)).await.unwrap();
    url
}

/// The call queue `url` as the API and the dialer use it.
pub async fn call_queue(url: &str) -> SqsCallQueue {
    SqsCallQueue::new(sqs_client(&sdk_config().await, None), url)
}

pub fn ses_client(sdk: &SdkConfig, endpoint: Option<&str>) -> aws_sdk_sesv2::Client {
    let mut builder = aws_sdk_sesv2::config::Builder::from(sdk);
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    aws_sdk_sesv2::Client::from_conf(builder.build())
}

/// A recording Connect stand-in answering StartOutboundVoiceContact with `status`.
pub async fn connect_stand_in(status: u16) -> MockServer {
    let server = MockServer::start().await;
    let template = if status == 200 {
        ResponseTemplate::new(200).set_body_json(json!({"ContactId": "contact-1", "ContactArn": "arn:aws:connect:us-east-1:000000000000:instance/i/contact/contact-1"}))
    } else {
        ResponseTemplate::new(status)
            .insert_header("x-amzn-ErrorType", "InternalServiceException")
            .set_body_json(json!({"message": "stand-in failure"}))
    };
    Mock::given(method("PUT"))
        .and(path("/contact/outbound-voice"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

/// A stand-in that accepts every request and answers only after a minute: a service that took
/// the connection and hangs.
pub async fn hanging_stand_in() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .mount(&server)
        .await;
    server
}

/// An SQS stand-in that always fails (awsJson 1.0 error shape).
pub async fn failing_sqs() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-amzn-query-error", "InternalError;Receiver")
                .set_body_json(json!({"__type": "com.amazonaws.sqs#InternalError", "message": "stand-in failure"})),
        )
        .mount(&server)
        .await;
    server
}

/// An SES stand-in that always fails.
pub async fn failing_ses() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-amzn-ErrorType", "InternalFailure")
                .set_body_json(json!({"message": "stand-in failure"})),
        )
        .mount(&server)
        .await;
    server
}

pub type TestApp = App<Aws>;

/// One tenant with an API key and a registered document, and the handler wired to the stack.
pub struct Tenant {
    pub tenant: TenantId,
    pub key: String,
    pub key_id: String,
    pub document_id: DocumentId,
    #[allow(dead_code)] // read by the log test binary
    pub document: DocumentIdentification,
}

static SENDER_VERIFIED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

impl Tenant {
    pub async fn new() -> Self {
        let store = store().await;
        let tenant = TenantId::parse(&format!("t-{}", ulid::Ulid::new()).to_lowercase()).unwrap();
        let key = ApiKey::generate();
        let key_id = key.hash().as_str()[..12].to_owned();
        store
            .put_api_key(&key.hash(), &tenant, &key_id, ekyc::unix_now())
            .await
            .unwrap();
        let document = sample_document();
        let document_id = DocumentId::generate();
        store
            .put_document(&tenant, &document_id, &document, ekyc::unix_now())
            .await
            .unwrap();
        SENDER_VERIFIED
            .get_or_init(|| async {
                let verified = ses_client(&sdk_config().await, None)
                    .create_email_identity()
                    .email_identity(SENDER)
                    .send()
                    .await;
                if let Err(err) = verified {
                    // Already verified by an earlier run against this moto is fine.
                    let exists = err
                        .as_service_error()
                        .is_some_and(|e| e.is_already_exists_exception());
                    assert!(exists, "verifying the sender with moto: {err:?}");
                }
            })
            .await;
        Self {
            tenant,
            key: key.expose().to_owned(),
            key_id,
            document_id,
            document,
        }
    }

    /// Registers the tenant's document record again, after erasure took it with the last
    /// request naming it.
    #[allow(dead_code)] // not every test binary erases
    pub async fn register_document_again(&self) {
        store()
            .await
            .put_document(
                &self.tenant,
                &self.document_id,
                &self.document,
                ekyc::unix_now(),
            )
            .await
            .unwrap();
    }

    /// The handler wired to DynamoDB Local, moto's SES (or `ses_endpoint`) and a call queue
    /// of its own in moto's SQS. (The Connect stand-in is the dialer's: see [`dial`].)
    pub async fn app_with(
        _connect_endpoint: &str,
        ses_endpoint: Option<&str>,
        cache: Duration,
    ) -> TestApp {
        let queue = new_queue("calls").await;
        Self::app_on(ses_endpoint, cache, &queue, None).await
    }

    /// The handler whose SQS is at `sqs_endpoint` (a failing or hanging stand-in).
    pub async fn app_with_sqs(sqs_endpoint: &str) -> TestApp {
        let queue = format!("{sqs_endpoint}/000000000000/calls");
        Self::app_on(None, Duration::from_secs(60), &queue, Some(sqs_endpoint)).await
    }

    async fn app_on(
        ses_endpoint: Option<&str>,
        cache: Duration,
        queue_url: &str,
        sqs_endpoint: Option<&str>,
    ) -> TestApp {
        let sdk = sdk_config().await;
        let settings = AppSettings {
            api_key_cache_ttl: cache,
            // The tests' numbers are in both; the one GB test needs GB.
            allowed_countries: vec!["US".into(), "GB".into()],
            // Tests create in bursts; the limit has tests of its own.
            creates_per_minute: 100_000,
            // The tests run the dialer themselves, at once.
            call_delay: Duration::ZERO,
            ..AppSettings::default()
        };
        App::new(
            &settings,
            OTP_SECRET,
            store().await,
            SesMailer::new(ses_client(&sdk, ses_endpoint), SENDER, None),
            SqsCallQueue::new(sqs_client(&sdk, sqs_endpoint), queue_url),
            Aws::onboarding(&sdk, &image_bucket()).unwrap(),
        )
        .unwrap()
    }

    pub async fn app(connect: &MockServer) -> TestApp {
        Self::app_with(&connect.uri(), None, Duration::from_secs(60)).await
    }

    pub fn create_body(&self, email: &str, phone: &str) -> String {
        json!({"email": email, "phoneNumber": phone, "documentIdentificationId": self.document_id.as_str()})
            .to_string()
    }
}

/// The dialer as Lambda runs it for `queue_url`, placing calls through the Connect stand-in at
/// `connect_endpoint` as `instance` (the shared stand-in keeps its limits per instance).
pub async fn dial_worker(
    queue_url: &str,
    connect_endpoint: &str,
    instance: &str,
    settings: DialSettings,
    calls_per_second: f64,
) -> DialWorker<DynamoStore, ConnectDialer, SqsCallQueue> {
    let sdk = sdk_config().await;
    DialWorker {
        store: store().await,
        dialer: ConnectDialer::new(
            connect_client(&sdk, connect_endpoint),
            instance,
            FLOW_ID,
            SOURCE_NUMBER,
        ),
        queue: call_queue(queue_url).await,
        settings,
        pacer: Pacer::per_second(calls_per_second),
    }
}

/// Lambda's event source mapping over `queue_url`, polling without waiting.
pub async fn poller(queue_url: &str) -> Poller {
    Poller {
        client: sqs_client(&sdk_config().await, None),
        queue_url: queue_url.to_owned(),
        wait_seconds: 0,
        batch_size: 10,
    }
}

/// Runs the dialer over the app's queue until it is empty (for now), placing the calls through
/// the wiremock Connect stand-in `connect`: how many messages it handled.
pub async fn dial(app: &TestApp, connect: &MockServer) -> usize {
    let queue_url = app.queue.queue_url();
    let worker = dial_worker(
        queue_url,
        &connect.uri(),
        INSTANCE_ID,
        DialSettings::default(),
        1_000.0,
    )
    .await;
    let poller = poller(queue_url).await;
    let mut handled = 0;
    loop {
        match poller.poll_once(&worker, &ekyc::unix_now).await.unwrap() {
            (0, _) => return handled,
            (n, _) => handled += n,
        }
    }
}

pub fn sample_document() -> DocumentIdentification {
    serde_json::from_str(include_str!("../../events/document.json")).unwrap()
}

/// A unique, valid email address and US phone number for one test.
pub fn unique_contact() -> (String, String) {
    let n = ulid::Ulid::new();
    let digits = (n.random() % 10_000) as u32;
    (
        format!("user.{}@example.com", n.to_string().to_lowercase()),
        format!("+1415555{digits:04}"),
    )
}

/// A phone number from a 10,000-number block (415-555-xxxx), distinct per `i`.
pub fn phone(i: u32) -> String {
    format!("+1415555{:04}", i % 10_000)
}

pub fn request(
    method: &str,
    path: &str,
    key: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> Request {
    let mut builder = lambda_http::http::Request::builder()
        .method(method)
        .uri(format!("https://api.example.com{path}"));
    if let Some(key) = key {
        builder = builder.header("x-api-key", key);
    }
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    let body = if body.is_empty() {
        Body::Empty
    } else {
        Body::Text(body.to_owned())
    };
    builder.body(body).unwrap()
}

pub fn post_create(key: &str, body: &str) -> Request {
    request(
        "POST",
        "/api/kyc-request",
        Some(key),
        Some("application/json"),
        body,
    )
}

pub fn text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8(bytes.clone()).unwrap(),
        _ => String::new(),
    }
}

pub fn body_json(response: &Response<Body>) -> Value {
    serde_json::from_str(&text(response))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(response)))
}

async fn get_json(url: &str) -> Value {
    let client = HttpClient::builder(TokioExecutor::new()).build_http::<Empty<bytes::Bytes>>();
    let response = client.get(url.parse().unwrap()).await.unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

/// The bodies of the mails moto's SES accepted for `to`.
pub async fn sent_mail_to(to: &str) -> Vec<String> {
    let data = get_json(&format!("{}/moto-api/data.json", env("MOTO_URL"))).await;
    data["ses"]["Message"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|to_list| to_list.iter().any(|a| a == to))
        })
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The calls the shared recording stand-in (`scripts/connect_sim.py`) was asked to place.
pub async fn recorded_calls() -> Vec<Value> {
    let data = get_json(&format!("{}/calls", env("AWS_ENDPOINT_URL_CONNECT"))).await;
    data["calls"].as_array().cloned().unwrap_or_default()
}

/// The six-digit code in an OTP email.
pub fn code_in(mail: &str) -> String {
    let start = mail.find("code is ").expect("the mail states the code") + "code is ".len();
    mail[start..start + 6].to_owned()
}

/// StartOutboundVoiceContact bodies a wiremock stand-in received.
pub async fn calls_received(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

/// Attribute maps of a request's items keyed by sort key (`REQ`, `OTP`).
pub async fn request_items(
    tenant: &TenantId,
    id: &str,
) -> HashMap<String, HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let id = ekyc::domain::RequestId::parse(id).unwrap();
    store()
        .await
        .request_items(tenant, &id)
        .await
        .unwrap()
        .into_iter()
        .map(|item| (item["sk"].as_s().unwrap().clone(), item))
        .collect()
}

/// A value of scripts/local.env, where the scripts read the local stack's ports and demo data.
pub fn local_env(name: &str) -> &'static str {
    include_str!("../../scripts/local.env")
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("scripts/local.env has no {name}"))
}

/// The demo tenant that `make run` seeds and `events/*.json` use: (tenant, key, document).
pub fn demo() -> (&'static str, &'static str, &'static str) {
    (
        local_env("DEMO_TENANT"),
        local_env("DEMO_KEY"),
        local_env("DEMO_DOCUMENT"),
    )
}

/// How many requests a tenant has stored.
pub async fn stored_requests(tenant: &TenantId) -> usize {
    store()
        .await
        .list_requests(tenant, Listing::ALL, 1000, None, ekyc::unix_now())
        .await
        .unwrap()
        .requests
        .len()
}

/// The API handler, with every response checked against openapi.yaml.
pub async fn handle(app: &TestApp, request: Request) -> Response<Body> {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let response = ekyc::http::handle(app, request, ekyc::unix_now()).await;
    crate::contract::check(&method, &path, response.status().as_u16(), &text(&response));
    response
}
