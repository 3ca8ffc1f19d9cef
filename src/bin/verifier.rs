//! The verifier Lambda, invoked by the Amazon Connect verification flow: configuration, secret
//! and the DynamoDB client once at init, then `contact_flow::handle` per event.

use aws_lambda_events::event::connect::ConnectEvent;
use ekyc::adapters::{dynamodb::DynamoStore, sdk, secrets};
use ekyc::config::{Env, VerifierConfig};
use ekyc::contact_flow::Verifier;
use ekyc::domain::OtpHasher;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ekyc::telemetry::init();
    let config = VerifierConfig::from_env(&Env::from_process())?;
    let sdk = sdk::load(&config.sdk).await;
    let secret = secrets::resolve(&sdk, &config.secret).await?;
    let verifier = Verifier {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table_name)
            .with_retention(config.retention),
        hasher: OtpHasher::new(secret.as_bytes())?,
    };
    let verifier = &verifier;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ConnectEvent>| async move {
            let now = ekyc::unix_now();
            Ok::<_, Error>(ekyc::contact_flow::handle(verifier, event.payload, now).await)
        },
    ))
    .await
}
