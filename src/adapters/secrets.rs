//! The server secret from AWS Secrets Manager, read once at init.

use aws_sdk_secretsmanager::Client;

use super::OrServiceError;
use crate::ports::{ServiceError, ServiceErrorKind};

const SERVICE: &str = "secretsmanager";

pub async fn fetch(client: &Client, secret_id: &str) -> Result<String, ServiceError> {
    let out = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .or_service(SERVICE)?;
    out.secret_string.ok_or_else(|| {
        ServiceError::new(
            SERVICE,
            ServiceErrorKind::InvalidResponse,
            "the secret has no string value",
        )
    })
}

/// The server secret from where the configuration says it is: the value itself (local runs,
/// tests) or a Secrets Manager secret.
pub async fn resolve(
    sdk: &aws_config::SdkConfig,
    source: &crate::config::SecretSource,
) -> Result<String, ServiceError> {
    match source {
        crate::config::SecretSource::Value(value) => Ok(value.clone()),
        crate::config::SecretSource::SecretsManager(arn) => fetch(&Client::new(sdk), arn).await,
    }
}
