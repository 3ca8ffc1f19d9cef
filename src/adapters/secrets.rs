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
