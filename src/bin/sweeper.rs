//! The sweeper Lambda, fed by the table's DynamoDB stream through an event source mapping
//! (filtered to TTL removals of request items, with `ReportBatchItemFailures`): configuration
//! and clients once at init, then `sweeper::handle` per batch.

use aws_lambda_events::event::dynamodb::Event;
use ekyc::adapters::{dynamodb::DynamoStore, s3, sdk};
use ekyc::config::{Env, SweeperConfig};
use ekyc::sweeper::Sweeper;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ekyc::telemetry::init();
    let config = SweeperConfig::from_env(&Env::from_process())?;
    let sdk = sdk::load(&config.sdk).await;
    let sweeper = Sweeper {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table_name),
        // Erasure only: no upload forms to sign.
        images: s3::S3ImageStore::new(s3::client(&sdk), config.image_bucket, None),
    };
    let sweeper = &sweeper;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move {
        let deadline = event.context.deadline();
        let response = ekyc::sweeper::handle(sweeper, event.payload, ekyc::unix_now(), deadline);
        Ok::<_, Error>(response.await)
    }))
    .await
}
