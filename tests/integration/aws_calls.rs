//! How many AWS calls each operation makes, and how many of them wait on each other (hops: calls
//! that overlap in time count as one). Counted by an SDK interceptor on every client the handlers
//! are given, against the local stack. A change that adds a call, or makes concurrent calls
//! sequential, fails here; `make bench` measures what the calls cost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use ekyc::adapters::{
    connect::ConnectDialer, dynamodb::DynamoStore, ses::SesMailer, sqs::SqsCallQueue, Aws,
};
use ekyc::config::AppSettings;
use ekyc::contact_flow::{handle as verify, Verifier};
use ekyc::dev::call_simulator::{connect_event, Call};
use ekyc::http::App;
use ekyc::use_cases::dial::{DialSettings, DialWorker, Pacer};
use serde_json::json;

use crate::support::*;

/// What the counted clients did since the last [`Counter::take`].
#[derive(Debug, Default)]
struct Log {
    /// `Service.Operation`, in the order they started.
    calls: Vec<String>,
    /// Groups of calls that overlapped in time, one after the other.
    hops: usize,
    in_flight: usize,
}

/// An interceptor shared by every client of a handler: one entry per operation (the SDK's own
/// retries are not new calls).
#[derive(Debug, Clone, Default)]
struct Counter(Arc<Mutex<Log>>);

impl Counter {
    /// The calls made and the hops they took, since the last take.
    fn take(&self) -> (Vec<String>, usize) {
        let mut log = self.0.lock().unwrap();
        assert_eq!(log.in_flight, 0, "a call is still in flight");
        let log = std::mem::take(&mut *log);
        (log.calls, log.hops)
    }
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "Counter"
    }

    // Once per operation, after the operation's configuration (its name) is in place and
    // before anything is sent.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map(|m| format!("{}.{}", m.service(), m.name()))
            .unwrap_or_else(|| "unknown".into());
        let mut log = self.0.lock().unwrap();
        if log.in_flight == 0 {
            log.hops += 1;
        }
        log.in_flight += 1;
        log.calls.push(operation);
        Ok(())
    }

    fn read_after_execution(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut log = self.0.lock().unwrap();
        log.in_flight = log.in_flight.saturating_sub(1);
        Ok(())
    }
}

const TRANSACTION: &str = "DynamoDB.TransactWriteItems";
const SEND_EMAIL: &str = "SESv2.SendEmail";
const QUEUE_CALL: &str = "SQS.SendMessage";
/// The document's images listed to be kept (untagged unused); none here to untag.
const KEEP_IMAGES: &str = "S3.ListObjectsV2";
const PLACE_CALL: &str = "Connect.StartOutboundVoiceContact";

/// The counted clients of one function.
struct Clients {
    sdk: aws_config::SdkConfig,
    counter: Counter,
}

impl Clients {
    async fn new(counter: &Counter) -> Self {
        let sdk = sdk_config().await;
        let counter = counter.clone();
        Self { sdk, counter }
    }

    fn store(&self) -> DynamoStore {
        let conf = aws_sdk_dynamodb::config::Builder::from(&self.sdk);
        let client =
            aws_sdk_dynamodb::Client::from_conf(conf.interceptor(self.counter.clone()).build());
        DynamoStore::new(client, table())
    }

    /// The onboarding adapters, the image bucket's client counted (a create keeps the
    /// document's images).
    fn onboarding(&self) -> ekyc::ports::Onboarding<Aws> {
        let mut onboarding = Aws::onboarding(&self.sdk, &image_bucket()).unwrap();
        let conf = ekyc::adapters::s3::client(&self.sdk).config().to_builder();
        let s3 = aws_sdk_s3::Client::from_conf(conf.interceptor(self.counter.clone()).build());
        let signing = ekyc::adapters::s3::UploadSigning::new(&self.sdk, &image_bucket());
        onboarding.images = ekyc::adapters::s3::S3ImageStore::new(s3, image_bucket(), signing);
        onboarding
    }

    fn queue(&self, url: &str) -> SqsCallQueue {
        let conf = aws_sdk_sqs::config::Builder::from(&self.sdk);
        let client = aws_sdk_sqs::Client::from_conf(conf.interceptor(self.counter.clone()).build());
        SqsCallQueue::new(client, url)
    }
}

/// The API handler as `bin/api.rs` builds it (key cache on), every client counted.
async fn counted_app(clients: &Clients, queue_url: &str) -> App<Aws> {
    let ses = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::config::Builder::from(&clients.sdk)
            .interceptor(clients.counter.clone())
            .build(),
    );
    let settings = AppSettings {
        api_key_cache_ttl: Duration::from_secs(60),
        creates_per_minute: 100_000,
        call_delay: Duration::ZERO,
        ..AppSettings::default()
    };
    App::new(
        &settings,
        OTP_SECRET,
        clients.store(),
        SesMailer::new(ses, SENDER, None),
        clients.queue(queue_url),
        clients.onboarding(),
    )
    .unwrap()
}

/// The dialer as `bin/dialer.rs` builds it, every client counted.
fn counted_dialer(
    clients: &Clients,
    queue_url: &str,
    connect: &str,
) -> DialWorker<DynamoStore, ConnectDialer, SqsCallQueue> {
    let connect = aws_sdk_connect::Client::from_conf(
        aws_sdk_connect::config::Builder::from(&clients.sdk)
            .endpoint_url(connect)
            .interceptor(clients.counter.clone())
            .build(),
    );
    DialWorker {
        store: clients.store(),
        dialer: ConnectDialer::new(connect, INSTANCE_ID, FLOW_ID, SOURCE_NUMBER),
        queue: clients.queue(queue_url),
        settings: DialSettings::default(),
        pacer: Pacer::per_second(1_000.0),
    }
}

fn sorted(mut calls: Vec<String>) -> Vec<String> {
    calls.sort();
    calls
}

async fn create(app: &App<Aws>, t: &Tenant) -> (String, String) {
    let (email, phone) = unique_contact();
    let response = handle(app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    (
        body_json(&response)["id"].as_str().unwrap().to_owned(),
        email,
    )
}

#[tokio::test]
async fn each_operation_makes_its_known_aws_calls_in_its_known_hops() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let queue_url = new_queue("calls").await;
    let counter = Counter::default();
    let clients = Clients::new(&counter).await;
    let app = counted_app(&clients, &queue_url).await;

    // Create, key not yet cached: the key lookup, then the transaction, then the mail and the
    // queued call together, then the document's images kept (once the request is sure to
    // stay; the tenant's document has none here: one listing).
    create(&app, &t).await;
    let (calls, hops) = counter.take();
    assert_eq!(calls[..2], ["DynamoDB.GetItem", TRANSACTION], "{calls:?}");
    assert_eq!(calls.last().unwrap(), KEEP_IMAGES, "{calls:?}");
    assert_eq!(
        sorted(calls),
        [
            "DynamoDB.GetItem",
            TRANSACTION,
            KEEP_IMAGES,
            SEND_EMAIL,
            QUEUE_CALL
        ]
    );
    assert_eq!(hops, 4, "key lookup, transaction, mail ∥ queue, images");

    // Create, key cached: one DynamoDB call, then SES and SQS concurrently, then S3.
    let (id, email) = create(&app, &t).await;
    let (calls, hops) = counter.take();
    assert_eq!(calls[0], TRANSACTION, "{calls:?}");
    assert_eq!(calls.last().unwrap(), KEEP_IMAGES, "{calls:?}");
    assert_eq!(
        sorted(calls),
        [TRANSACTION, KEEP_IMAGES, SEND_EMAIL, QUEUE_CALL]
    );
    assert_eq!(hops, 3, "transaction, then mail ∥ queue, then images");

    // The dialer, per queued call (the queue is read by Lambda's event source mapping, not
    // counted): the request's state, the call, the call's contact recorded.
    let worker = counted_dialer(&clients, &queue_url, &connect.uri());
    let poller = poller(&queue_url).await;
    let (handled, _) = poller.poll_once(&worker, &ekyc::unix_now).await.unwrap();
    assert_eq!(handled, 2);
    let (calls, hops) = counter.take();
    let per_call = ["DynamoDB.GetItem", PLACE_CALL, "DynamoDB.UpdateItem"];
    let expected: Vec<&str> = per_call.iter().chain(&per_call).copied().collect();
    assert_eq!(
        sorted(calls.clone()),
        sorted(expected.iter().map(|c| c.to_string()).collect()),
        "{calls:?}"
    );
    assert_eq!(hops, 6, "{calls:?}");

    // List: one query for the page, then one batch read of the documents its requests name.
    let response = handle(
        &app,
        request("GET", "/api/requests", Some(&t.key), None, ""),
    )
    .await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    let listed = vec![
        "DynamoDB.Query".to_owned(),
        "DynamoDB.BatchGetItem".to_owned(),
    ];
    assert_eq!(counter.take(), (listed, 2));

    // The verifier: each step of the call.
    let verifier = Verifier {
        store: clients.store(),
        hasher: hasher(),
    };
    let placed = calls_received(&connect).await;
    let placed = placed
        .iter()
        .find(|c| c["Attributes"]["requestId"] == id.as_str())
        .unwrap();
    let call = Call {
        // What the stand-in answered, and the dialer recorded.
        contact_id: "contact-1".to_owned(),
        attributes: serde_json::from_value(placed["Attributes"].clone()).unwrap(),
        customer_number: placed["DestinationPhoneNumber"]
            .as_str()
            .unwrap()
            .to_owned(),
        system_number: SOURCE_NUMBER.into(),
        instance_arn: format!("arn:aws:connect:us-east-1:000000000000:instance/{INSTANCE_ID}"),
    };
    let code = code_in(&sent_mail_to(&email).await[0]);
    // The last four: the request and its code (one query), the document it names, the
    // conditional write of the answer.
    let last4 = ["DynamoDB.Query", "DynamoDB.GetItem", "DynamoDB.UpdateItem"];
    // The code: the same two reads (the document is read though this step does not use it),
    // the request read again for its reservation keys (their retention changes with the
    // request's), then the transaction that verifies the request and moves its counters.
    let code_step = [
        "DynamoDB.Query",
        "DynamoDB.GetItem",
        "DynamoDB.GetItem",
        "DynamoDB.TransactWriteItems",
    ];
    for (step, digits, expected) in [
        ("last4", "6789", &last4[..]),
        ("code", code.as_str(), &code_step[..]),
    ] {
        let params = HashMap::from([
            ("step".to_owned(), step.to_owned()),
            ("digits".to_owned(), digits.to_owned()),
        ]);
        let event = serde_json::from_value(connect_event(&call, params)).unwrap();
        let answer = verify(&verifier, event, ekyc::unix_now()).await;
        assert_eq!(answer["result"], "ok", "{step}");
        let (calls, hops) = counter.take();
        assert_eq!(calls, expected, "{step}");
        assert_eq!(hops, expected.len(), "{step}: one after the other");
    }

    // Accept: one conditional write.
    let body = json!({"id": id}).to_string();
    let accept = request(
        "PUT",
        "/api/accept",
        Some(&t.key),
        Some("application/json"),
        &body,
    );
    let response = handle(&app, accept).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert_eq!(counter.take(), (vec![TRANSACTION.to_owned()], 1));
}
