//! Adapters: the ports of `crate::ports` over the AWS SDK clients. Clients are built once at
//! init (in `src/bin/*`) and handed in.

pub mod connect;
pub mod dynamodb;
pub mod memory;
pub mod secrets;
pub mod ses;

/// The AWS set of adapters: what the API function runs with in Lambda and in the
/// integration tests.
pub struct Aws;

impl crate::ports::Ports for Aws {
    type Store = dynamodb::DynamoStore;
    type Mailer = ses::SesMailer;
    type Dialer = connect::ConnectDialer;
}

// The SDK crates share one smithy runtime; its error types are re-exported by each.
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::ports::{ServiceError, ServiceErrorKind};

/// An SDK failure as a `ServiceError`. Service errors keep only their code and HTTP status:
/// AWS error messages may quote request values (SES names the recipient address), which must
/// not reach the logs. Transport failures keep their chain, which names only the endpoint.
pub(crate) fn sdk_error<E>(service: &'static str, err: SdkError<E>) -> ServiceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let message = match &err {
        SdkError::ServiceError(ctx) => format!(
            "service error {} (HTTP {})",
            ctx.err().code().unwrap_or("without a code"),
            err.raw_response()
                .map(|r| r.status().as_u16())
                .unwrap_or_default()
        ),
        SdkError::TimeoutError(_) => "timed out".to_owned(),
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            DisplayErrorContext(&err).to_string()
        }
        _ => "could not build the request".to_owned(),
    };
    ServiceError::new(service, ServiceErrorKind::Unavailable, message)
}
