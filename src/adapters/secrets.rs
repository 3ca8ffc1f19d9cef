//! The server secret from AWS Secrets Manager, read once at init.

use aws_sdk_secretsmanager::Client;

use super::sdk_error;
use crate::ports::ServiceError;

pub async fn fetch(client: &Client, secret_id: &str) -> Result<String, ServiceError> {
    let out = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| sdk_error("secretsmanager", e))?;
    out.secret_string
        .ok_or_else(|| ServiceError::new("secretsmanager", "the secret has no string value"))
}
