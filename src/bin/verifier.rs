//! The verifier Lambda, invoked by the Amazon Connect verification flow: configuration and the
//! DynamoDB client once at init, then `verifier::handle` per event.

use aws_lambda_events::event::connect::ConnectEvent;
use ekyc::adapters::dynamodb::DynamoStore;
use ekyc::config::{Env, VerifierConfig};
use ekyc::verifier::Verifier;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ekyc::telemetry::init();
    let config = VerifierConfig::from_env(&Env::from_process())?;
    let sdk = aws_config::load_from_env().await;
    let keys = config.secret.resolve(&sdk).await?;
    let verifier = Verifier {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table_name),
        hasher: keys.otp_hasher,
    };
    let verifier = &verifier;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ConnectEvent>| async move {
            Ok::<_, Error>(ekyc::verifier::handle(verifier, event.payload, ekyc::unix_now()).await)
        },
    ))
    .await
}
