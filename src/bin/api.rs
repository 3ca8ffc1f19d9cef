//! The API Lambda: configuration, secret, clients and the lazily built tables (`warm_up`) once
//! at init, then `http::handle` per request, at the time the request arrived.

use std::convert::Infallible;

use ekyc::adapters::{dynamodb::DynamoStore, sdk, secrets, ses::SesMailer, sqs, Aws};
use ekyc::config::{ApiConfig, Env};
use ekyc::http::App;
use lambda_http::{service_fn, Error, Request};

// One thread: Lambda hands an instance one event at a time, and the calls of one request overlap
// fine on one thread (SES ∥ SQS). `make bench`, same machine, quiet: CPU per warm create 2,090 µs
// against 2,740 µs with the multi-thread runtime, per list 2,800 against 3,300 µs, latency equal.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    ekyc::telemetry::init();
    let config = ApiConfig::from_env(&Env::from_process())?;
    ekyc::warm_up::warm_up();
    let sdk = sdk::load(&config.sdk).await;
    let secret = secrets::resolve(&sdk, &config.secret).await?;
    let app = App::<Aws>::new(
        &config.settings,
        secret.as_bytes(),
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table_name)
            .with_retention(config.retention),
        SesMailer::new(
            aws_sdk_sesv2::Client::new(&sdk),
            config.ses_from_address,
            config.ses_configuration_set,
        ),
        sqs::SqsCallQueue::new(sqs::client(&sdk), config.call_queue_url),
        Aws::onboarding(&sdk, &config.image_bucket)?,
    )?;
    let app = &app;
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, Infallible>(ekyc::http::handle(app, request, ekyc::unix_now()).await)
    }))
    .await
}
