//! Adapters: the ports of `crate::ports` over the AWS SDK clients. Clients are built once at
//! init (in `src/bin/*`) and handed in.
//!
//! Every SDK failure becomes a [`ServiceError`] here, through [`OrServiceError::or_service`]:
//! `….send().await.or_service(SERVICE)?`.

pub mod connect;
pub mod dynamodb;
pub mod image_url;
pub mod memory;
pub mod rekognition;
pub mod s3;
pub mod s3_post;
pub mod sdk;
pub mod secrets;
pub mod ses;
pub mod sqs;
pub mod textract;

/// The AWS set of adapters: what the API function runs with in Lambda and in the
/// integration tests.
pub struct Aws;

impl crate::ports::Ports for Aws {
    type Store = dynamodb::DynamoStore;
    type Mailer = ses::SesMailer;
    type Queue = sqs::SqsCallQueue;
    type Images = s3::S3ImageStore;
    type Fetcher = image_url::ImageUrlFetcher;
    type Reader = textract::TextractReader;
    type Matcher = rekognition::RekognitionMatcher;
}

impl Aws {
    /// The onboarding adapters over one SDK configuration and the image bucket.
    pub fn onboarding(
        sdk: &aws_config::SdkConfig,
        image_bucket: &str,
    ) -> Result<crate::ports::Onboarding<Aws>, image_url::FetchError> {
        Ok(crate::ports::Onboarding {
            images: s3::S3ImageStore::new(
                s3::client(sdk),
                image_bucket,
                s3::UploadSigning::new(sdk, image_bucket),
            ),
            fetcher: image_url::ImageUrlFetcher::new(image_url::FetchLimits::default())?,
            reader: textract::TextractReader::new(aws_sdk_textract::Client::new(sdk), image_bucket),
            matcher: rekognition::RekognitionMatcher::new(
                aws_sdk_rekognition::Client::new(sdk),
                image_bucket,
            ),
        })
    }
}

// The SDK crates share one smithy runtime; its error types are re-exported by each.
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{BuildError, DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::ports::{ServiceError, ServiceErrorKind};

/// Turns an SDK call's or a request builder's failure into a [`ServiceError`] of `service`.
pub(crate) trait OrServiceError<T> {
    fn or_service(self, service: &'static str) -> Result<T, ServiceError>;
}

impl<T, E> OrServiceError<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn or_service(self, service: &'static str) -> Result<T, ServiceError> {
        self.map_err(|err| sdk_error(service, &err))
    }
}

impl<T> OrServiceError<T> for Result<T, BuildError> {
    fn or_service(self, service: &'static str) -> Result<T, ServiceError> {
        self.map_err(|err| {
            ServiceError::new(
                service,
                ServiceErrorKind::Rejected,
                format!("building a request: {err}"),
            )
        })
    }
}

/// An SDK failure as a `ServiceError`. Service errors keep only their code and HTTP status:
/// AWS error messages may quote request values (SES names the recipient address), which must
/// not reach the logs. Transport failures keep their chain, which names only the endpoint.
pub(crate) fn sdk_error<E>(service: &'static str, err: &SdkError<E, HttpResponse>) -> ServiceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (kind, message) = match err {
        SdkError::ServiceError(ctx) => {
            let code = ctx.err().code();
            let status = ctx.raw().status().as_u16();
            (
                kind_of_service_error(code, status),
                format!(
                    "service error {} (HTTP {status})",
                    code.unwrap_or("without a code")
                ),
            )
        }
        SdkError::TimeoutError(_) => (ServiceErrorKind::TimedOut, "timed out".to_owned()),
        SdkError::DispatchFailure(failure) => (
            if failure.is_timeout() {
                ServiceErrorKind::TimedOut
            } else {
                ServiceErrorKind::Unavailable
            },
            DisplayErrorContext(err).to_string(),
        ),
        SdkError::ResponseError(_) => (
            ServiceErrorKind::InvalidResponse,
            DisplayErrorContext(err).to_string(),
        ),
        _ => (
            ServiceErrorKind::Rejected,
            "could not build the request".to_owned(),
        ),
    };
    ServiceError::new(service, kind, message)
}

/// Throttling codes beyond the SDK's own list: quota errors, and DynamoDB's per-item
/// cancellation reasons.
const MORE_THROTTLING_CODES: &[&str] = &[
    "ServiceQuotaExceededException",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
];

/// Whether an AWS error code (or a DynamoDB cancellation reason) means "slow down". The SDK's
/// retry classifier's list, so this agrees with what it already retried.
pub(crate) fn is_throttling(code: &str) -> bool {
    (aws_runtime::retries::classifiers::THROTTLING_ERRORS.contains(&code) && !is_conflict(code))
        || MORE_THROTTLING_CODES.contains(&code)
}

/// Whether an AWS error code (or a DynamoDB cancellation reason) means a concurrent write won.
pub(crate) fn is_conflict(code: &str) -> bool {
    matches!(
        code,
        "TransactionConflict" | "TransactionConflictException" | "TransactionInProgressException"
    )
}

/// The kind of an AWS service error, from its code and HTTP status.
pub(crate) fn kind_of_service_error(code: Option<&str>, http_status: u16) -> ServiceErrorKind {
    match code {
        Some(code) if is_conflict(code) => ServiceErrorKind::Conflict,
        Some(code) if is_throttling(code) => ServiceErrorKind::Throttled,
        Some(code) if aws_runtime::retries::classifiers::TRANSIENT_ERRORS.contains(&code) => {
            ServiceErrorKind::TimedOut
        }
        _ if (500..600).contains(&http_status) => ServiceErrorKind::Unavailable,
        _ => ServiceErrorKind::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::error::{ConnectorError, ErrorMetadata};
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use ServiceErrorKind::*;

    fn response(status: u16) -> HttpResponse {
        HttpResponse::new(status.try_into().unwrap(), "".into())
    }

    fn service(code: &str, status: u16) -> SdkError<GetItemError, HttpResponse> {
        let meta = ErrorMetadata::builder()
            .code(code)
            .message("mail to jane.doe@example.com refused")
            .build();
        SdkError::service_error(GetItemError::generic(meta), response(status))
    }

    fn classified(err: SdkError<GetItemError, HttpResponse>) -> ServiceError {
        Err::<(), _>(err).or_service("dynamodb").unwrap_err()
    }

    #[test]
    fn throttling_codes_are_throttled_whatever_the_status() {
        for code in [
            "ThrottlingException",
            "Throttling",
            "TooManyRequestsException",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "LimitExceededException",
            "ServiceQuotaExceededException",
            "SlowDown",
            "RequestThrottled",
            "ThrottlingError",
        ] {
            assert_eq!(kind_of_service_error(Some(code), 400), Throttled, "{code}");
            assert_eq!(kind_of_service_error(Some(code), 503), Throttled, "{code}");
        }
    }

    #[test]
    fn transaction_conflicts_are_conflicts() {
        for code in [
            "TransactionConflictException",
            "TransactionInProgressException",
            "TransactionConflict",
        ] {
            assert_eq!(kind_of_service_error(Some(code), 400), Conflict, "{code}");
        }
    }

    #[test]
    fn server_side_failures_are_unavailable_and_other_refusals_rejected() {
        assert_eq!(
            kind_of_service_error(Some("InternalServerError"), 500),
            Unavailable
        );
        assert_eq!(kind_of_service_error(None, 503), Unavailable);
        assert_eq!(
            kind_of_service_error(Some("RequestTimeoutException"), 400),
            TimedOut
        );
        assert_eq!(
            kind_of_service_error(Some("ValidationException"), 400),
            Rejected
        );
        assert_eq!(
            kind_of_service_error(Some("AccessDeniedException"), 403),
            Rejected
        );
        assert_eq!(kind_of_service_error(None, 400), Rejected);
    }

    #[test]
    fn a_service_error_keeps_its_code_and_status_but_never_its_message() {
        let err = classified(service("MessageRejected", 400));
        assert_eq!(err.kind, Rejected);
        assert_eq!(err.service, "dynamodb");
        assert_eq!(err.message, "service error MessageRejected (HTTP 400)");
        assert!(!err.to_string().contains("jane.doe"), "{err}");
        assert_eq!(classified(service("SlowDown", 503)).kind, Throttled);
    }

    #[test]
    fn transport_failures_are_timed_out_or_unavailable() {
        let timeout = SdkError::<GetItemError, _>::timeout_error("operation timeout");
        assert_eq!(classified(timeout).kind, TimedOut);
        let connect_timeout = SdkError::<GetItemError, _>::dispatch_failure(
            ConnectorError::timeout("connect timed out".into()),
        );
        assert_eq!(classified(connect_timeout).kind, TimedOut);
        let refused = SdkError::<GetItemError, _>::dispatch_failure(ConnectorError::io(
            "connection refused".into(),
        ));
        let refused = classified(refused);
        assert_eq!(refused.kind, Unavailable);
        assert!(refused.message.contains("connection refused"), "{refused}");
    }

    #[test]
    fn unreadable_answers_and_unbuildable_requests_have_their_kinds() {
        let garbled = SdkError::<GetItemError, _>::response_error("not JSON", response(200));
        assert_eq!(classified(garbled).kind, InvalidResponse);
        let unbuilt = SdkError::<GetItemError, HttpResponse>::construction_failure("no key");
        assert_eq!(classified(unbuilt).kind, Rejected);
        let missing = aws_sdk_dynamodb::types::Put::builder().build();
        let err = missing.or_service("dynamodb").unwrap_err();
        assert_eq!(err.kind, Rejected);
        assert!(err.message.starts_with("building a request: "), "{err}");
    }
}
