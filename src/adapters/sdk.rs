//! The one place SDK clients get their time-outs and retries: every client a function builds
//! comes from the `SdkConfig` made here, so no AWS call can wait longer than the function's
//! settings allow ([`crate::config::SdkSettings`]).

use std::path::PathBuf;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::SdkConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

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

/// Where the CA bundle (one PEM file of every trusted root) is when `SSL_CERT_FILE` does not
/// say: Amazon Linux's (the Lambda runtimes'), then Debian's.
const CA_BUNDLES: &[&str] = &[
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
];

/// The CA bundle file: `SSL_CERT_FILE` when set, else the first of [`CA_BUNDLES`] there is.
fn bundle_path() -> Option<PathBuf> {
    match std::env::var_os("SSL_CERT_FILE") {
        Some(configured) => Some(configured.into()),
        None => CA_BUNDLES.iter().map(PathBuf::from).find(|p| p.is_file()),
    }
}

/// The roots the HTTPS client trusts: the CA bundle file only. The SDK's default reads the
/// bundle and then every file of the certificate directory too (`SSL_CERT_DIR`, or the one
/// `openssl-probe` finds: some 150 files on Debian), which the first request paid for; the
/// bundle holds the same roots. `None` when no bundle is found: the default store then.
fn bundle_trust_store() -> Option<TrustStore> {
    let pem = std::fs::read(bundle_path()?).ok()?;
    Some(TrustStore::empty().with_pem_certificate(pem))
}

/// The HTTPS client every SDK client of the process shares: the SDK's own (hyper, rustls on
/// aws-lc), trusting the CA bundle file only ([`bundle_trust_store`]).
pub fn https_client() -> SharedHttpClient {
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    match bundle_trust_store() {
        Some(trust) => builder
            .tls_context(
                TlsContext::builder()
                    .with_trust_store(trust)
                    .build()
                    .expect(
                    "a TLS context of a trust store alone always builds (no extra server names)",
                ),
            )
            .build_https(),
        None => builder.build_https(),
    }
}

/// The shared SDK configuration of a function: region, credentials and endpoints from the
/// environment as usual (`AWS_ENDPOINT_URL_<SERVICE>` included), time-outs and retries from
/// `settings`, the HTTPS client of [`https_client`]. Stalled-stream protection is off: it
/// polls a throughput timer beside every body (5 % of a warm create's CPU in a `perf` profile),
/// and the attempt time-out already ends a call whose body stalls.
pub async fn load(settings: &SdkSettings) -> SdkConfig {
    aws_config::from_env()
        .http_client(https_client())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
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
        assert!(!sdk.stalled_stream_protection().unwrap().is_enabled());
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

    #[test]
    fn the_trust_store_is_the_bundle_file_when_there_is_one() {
        assert_eq!(bundle_trust_store().is_some(), bundle_path().is_some());
    }
}
