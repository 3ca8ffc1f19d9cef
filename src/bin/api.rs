//! The API Lambda: configuration and clients once at init, then `http::handle` per request.

use std::convert::Infallible;

use ekyc::adapters::{connect::ConnectDialer, dynamodb::DynamoStore, ses::SesMailer};
use ekyc::app::App;
use ekyc::auth::ApiKeyCache;
use ekyc::config::{ApiConfig, Env};
use ekyc::create_request::OtpSettings;
use lambda_http::{service_fn, Error, Request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ekyc::telemetry::init();
    let config = ApiConfig::from_env(&Env::from_process())?;
    let sdk = aws_config::load_from_env().await;
    let keys = config.secret.resolve(&sdk).await?;
    let app = App {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table_name),
        mailer: SesMailer::new(
            aws_sdk_sesv2::Client::new(&sdk),
            config.ses_from_address,
            config.ses_configuration_set,
        ),
        dialer: ConnectDialer::new(
            aws_sdk_connect::Client::new(&sdk),
            config.connect_instance_id,
            config.connect_contact_flow_id,
            config.connect_source_phone_number,
        ),
        auth: ApiKeyCache::new(config.api_key_cache_ttl),
        otp: OtpSettings {
            hasher: keys.otp_hasher,
            policy: config.otp_policy,
        },
        page_tokens: keys.page_tokens,
        clear_budget: config.clear_budget,
    };
    let app = &app;
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, Infallible>(ekyc::http::handle(app, request).await)
    }))
    .await
}
