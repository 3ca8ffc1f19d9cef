//! The dialer Lambda, fed by the call queue's SQS event source mapping (with
//! `ReportBatchItemFailures`): configuration and clients once at init, then `dialer::handle`
//! per batch.

use aws_lambda_events::event::sqs::SqsEvent;
use ekyc::adapters::{connect::ConnectDialer, dynamodb::DynamoStore, sdk, sqs};
use ekyc::config::{DialerConfig, Env};
use ekyc::use_cases::dial::{DialWorker, Pacer};
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ekyc::telemetry::init();
    let config = DialerConfig::from_env(&Env::from_process())?;
    let sdk = sdk::load(&config.sdk).await;
    let worker = DialWorker {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table_name)
            .with_retention(config.retention),
        dialer: ConnectDialer::new(
            aws_sdk_connect::Client::new(&sdk),
            config.connect_instance_id,
            config.connect_contact_flow_id,
            config.connect_source_phone_number,
        ),
        queue: sqs::SqsCallQueue::new(sqs::client(&sdk), config.call_queue_url),
        settings: config.dial,
        pacer: Pacer::per_second(f64::from(config.calls_per_second)),
    };
    let worker = &worker;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, Error>(ekyc::dialer::handle(worker, event.payload, &ekyc::unix_now).await)
    }))
    .await
}
