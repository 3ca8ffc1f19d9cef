//! The one place SDK clients get their time-outs and retries: every client a function builds
//! comes from the `SdkConfig` made here, so no AWS call can wait longer than the function's
//! settings allow ([`crate::config::SdkSettings`]).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::SdkConfig;

use crate::config::SdkSettings;

/// The first back-off of the standard retry mode, doubled (with jitter) per retry up to
/// [`MAX_BACKOFF`]: short, because the operation time-out bounds the whole call anyway.
const INITIAL_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_millis(500);

pub fn timeouts(settings: &SdkSettings) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(settings.connect)
        .read_timeout(settings.attempt)
        .operation_attempt_timeout(settings.attempt)
        .operation_timeout(settings.operation)
        .build()
}

pub fn retries(settings: &SdkSettings) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(settings.max_attempts)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// The shared SDK configuration of a function: region, credentials and endpoints from the
/// environment as usual (`AWS_ENDPOINT_URL_<SERVICE>` included), time-outs and retries from
/// `settings`.
pub async fn load(settings: &SdkSettings) -> SdkConfig {
    aws_config::from_env()
        .timeout_config(timeouts(settings))
        .retry_config(retries(settings))
        .load()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_client_gets_the_settings() {
        let settings = SdkSettings::API;
        let sdk = load(&settings).await;
        let t = sdk.timeout_config().unwrap();
        assert_eq!(t.connect_timeout(), Some(settings.connect));
        assert_eq!(t.read_timeout(), Some(settings.attempt));
        assert_eq!(t.operation_attempt_timeout(), Some(settings.attempt));
        assert_eq!(t.operation_timeout(), Some(settings.operation));
        let r = sdk.retry_config().unwrap();
        assert_eq!(r.max_attempts(), settings.max_attempts);
        let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
        let conf = dynamodb.config();
        assert_eq!(
            conf.timeout_config().unwrap().operation_timeout(),
            Some(settings.operation)
        );
        assert_eq!(
            conf.retry_config().unwrap().max_attempts(),
            settings.max_attempts
        );
    }
}
