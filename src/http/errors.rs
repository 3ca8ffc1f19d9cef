//! Every error the API answers with, and the one function that gives each its status, its
//! outcome for the log line and its body. Use-case errors become `ApiError` through one
//! `From` each; the texts are in `crate::messages`.

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

use super::json;
use crate::messages;
use crate::ports::SubmitError;
use crate::use_cases::authenticate::AuthError;
use crate::use_cases::document_authentication::DocumentError;
use crate::use_cases::face_authentication::FaceAuthError;
use crate::use_cases::redial::RedialError;
use crate::use_cases::review::ReviewError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    InvalidApiKey,
    NotFound {
        path: String,
    },
    MethodNotAllowed {
        allow: &'static str,
    },
    UnsupportedMediaType,
    PayloadTooLarge {
        limit: usize,
    },
    BadRequest(String),
    Taken {
        email: bool,
        phone: bool,
    },
    NoDocument,
    NotSubmitted,
    /// The published refusal of `PUT /api/accept`; its key is `message`, as published.
    NotAccepted,
    RequestNotFound,
    /// The image routes' published 413, answered in plain text.
    EntityTooLarge,
    InvalidDocumentImage,
    InvalidBase64 {
        side: &'static str,
    },
    OneImagePerSide,
    DocumentNotRecognized,
    InvalidFaceImage,
    OneFaceImage,
    /// The face step refused the faces (ours: no match, no face, no stored document image).
    FaceRefused(&'static str),
    /// The tenant's create limit: 429 with `Retry-After`.
    TooManyRequests {
        retry_after: u64,
    },
    /// The request cannot be called again (not pending, code expired, calls used, one waiting).
    CannotRedial(String),
    /// Called too recently: 429 with `Retry-After`.
    RedialTooSoon {
        retry_after: u64,
    },
    /// A dependency throttled, conflicted or was down: 503 with `Retry-After`.
    Busy,
    /// A dependency did not answer in time: 504.
    TimedOut,
    Internal,
}

/// Seconds a client is asked to wait after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// A `{"message": "..."}` body.
#[derive(Serialize)]
pub struct Message {
    pub message: &'static str,
}

pub fn message(text: &'static str) -> Message {
    Message { message: text }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<Vec<&'static str>>,
}

impl ApiError {
    /// The status, a short PII-free outcome name for the log line, and the body.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        let error = |status, outcome, text: &str| {
            let body = json::to_string(&ErrorBody {
                error: text,
                fields: None,
            });
            (status, outcome, body)
        };
        match self {
            ApiError::InvalidApiKey => error(
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                messages::INVALID_API_KEY,
            ),
            ApiError::NotFound { path } => error(
                StatusCode::NOT_FOUND,
                "not_found",
                &messages::no_route(path),
            ),
            ApiError::MethodNotAllowed { allow } => error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                &messages::method_not_allowed(allow),
            ),
            ApiError::UnsupportedMediaType => error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                messages::UNSUPPORTED_MEDIA_TYPE,
            ),
            ApiError::PayloadTooLarge { limit } => error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                &messages::body_too_large(*limit),
            ),
            ApiError::BadRequest(text) => error(StatusCode::BAD_REQUEST, "bad_request", text),
            ApiError::Taken { email, phone } => {
                let named = [(*email, "email"), (*phone, "phoneNumber")];
                let fields = named.iter().filter(|(taken, _)| *taken).map(|(_, f)| *f);
                let body = json::to_string(&ErrorBody {
                    error: messages::ALREADY_TAKEN,
                    fields: Some(fields.collect()),
                });
                (StatusCode::CONFLICT, "already_taken", body)
            }
            ApiError::NoDocument => error(
                StatusCode::BAD_REQUEST,
                "no_document",
                messages::NO_DOCUMENT,
            ),
            ApiError::NotSubmitted => error(
                StatusCode::BAD_GATEWAY,
                "not_submitted",
                messages::NOT_SUBMITTED,
            ),
            ApiError::NotAccepted => (
                StatusCode::BAD_REQUEST,
                "not_accepted",
                json::to_string(&message(messages::REQUEST_NOT_ACCEPTED)),
            ),
            ApiError::RequestNotFound => error(
                StatusCode::NOT_FOUND,
                "request_not_found",
                messages::REQUEST_NOT_FOUND,
            ),
            ApiError::EntityTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                messages::ENTITY_TOO_LARGE.to_owned(),
            ),
            ApiError::InvalidDocumentImage => error(
                StatusCode::BAD_REQUEST,
                "invalid_image",
                messages::INVALID_DOCUMENT_IMAGE,
            ),
            ApiError::InvalidBase64 { side } => error(
                StatusCode::BAD_REQUEST,
                "invalid_image",
                &messages::invalid_base64(side),
            ),
            ApiError::OneImagePerSide => error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                messages::ONE_IMAGE_PER_SIDE,
            ),
            ApiError::DocumentNotRecognized => error(
                StatusCode::BAD_REQUEST,
                "not_recognized",
                messages::DOCUMENT_NOT_RECOGNIZED,
            ),
            ApiError::InvalidFaceImage => error(
                StatusCode::BAD_REQUEST,
                "invalid_image",
                messages::INVALID_FACE_IMAGE,
            ),
            ApiError::OneFaceImage => error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                messages::ONE_FACE_IMAGE,
            ),
            ApiError::FaceRefused(text) => error(StatusCode::BAD_REQUEST, "face_refused", text),
            ApiError::TooManyRequests { retry_after } => error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                &messages::too_many_creates(*retry_after),
            ),
            ApiError::CannotRedial(text) => error(StatusCode::CONFLICT, "cannot_redial", text),
            ApiError::RedialTooSoon { retry_after } => error(
                StatusCode::TOO_MANY_REQUESTS,
                "redial_too_soon",
                &messages::redial_too_soon(*retry_after),
            ),
            ApiError::Busy => error(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_busy",
                messages::BUSY,
            ),
            ApiError::TimedOut => error(
                StatusCode::GATEWAY_TIMEOUT,
                "service_timed_out",
                messages::TIMED_OUT,
            ),
            ApiError::Internal => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                messages::INTERNAL,
            ),
        }
    }

    /// The response, and the outcome for the log line.
    pub fn into_response(self) -> (Response<Body>, &'static str) {
        let (status, outcome, body) = self.parts();
        if self == ApiError::EntityTooLarge {
            let response = Response::builder()
                .status(status)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::Text(body))
                .expect("static status and header are valid");
            return (response, outcome);
        }
        let mut response = json_text(status, body);
        match self {
            ApiError::MethodNotAllowed { allow } => {
                let allow = HeaderValue::from_static(allow);
                response.headers_mut().insert(header::ALLOW, allow);
            }
            ApiError::Busy => {
                let after = HeaderValue::from(RETRY_AFTER_SECONDS);
                response.headers_mut().insert(header::RETRY_AFTER, after);
            }
            ApiError::TooManyRequests { retry_after } | ApiError::RedialTooSoon { retry_after } => {
                let after = HeaderValue::from(retry_after);
                response.headers_mut().insert(header::RETRY_AFTER, after);
            }
            _ => {}
        }
        (response, outcome)
    }
}

/// A store or service failure: logged here, answered by its kind — worth retrying (503 with
/// `Retry-After`), too slow (504), or a fault of ours (500).
pub(super) fn internal(err: &crate::ports::ServiceError, doing: &'static str) -> ApiError {
    use crate::ports::ServiceErrorKind as Kind;
    tracing::error!(error = %err, kind = %err.kind, doing, "service failure");
    match err.kind {
        Kind::Throttled | Kind::Conflict | Kind::Unavailable => ApiError::Busy,
        Kind::TimedOut => ApiError::TimedOut,
        Kind::Rejected | Kind::InvalidResponse => ApiError::Internal,
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::InvalidKey => ApiError::InvalidApiKey,
            AuthError::Service(err) => internal(&err, "looking up the api key"),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(err: SubmitError) -> Self {
        match err {
            SubmitError::DocumentNotFound => ApiError::NoDocument,
            SubmitError::Taken { email, phone } => ApiError::Taken { email, phone },
            SubmitError::DeliveryFailed { .. } => ApiError::NotSubmitted,
            SubmitError::RateLimited { retry_after } => ApiError::TooManyRequests { retry_after },
            SubmitError::CountryNotAllowed { allowed } => {
                ApiError::BadRequest(messages::country_not_allowed(&allowed))
            }
            SubmitError::Store(err) => internal(&err, "submitting a request"),
        }
    }
}

impl From<ReviewError> for ApiError {
    fn from(err: ReviewError) -> Self {
        match err {
            ReviewError::NotFound => ApiError::RequestNotFound,
            ReviewError::NotAccepted => ApiError::NotAccepted,
            ReviewError::Store(err) => internal(&err, "reviewing requests"),
        }
    }
}

impl From<RedialError> for ApiError {
    fn from(err: RedialError) -> Self {
        match err {
            RedialError::NotFound => ApiError::RequestNotFound,
            RedialError::NotPending(status) => {
                ApiError::CannotRedial(messages::redial_not_pending(status.as_str()))
            }
            RedialError::CodeExpired => {
                ApiError::CannotRedial(messages::REDIAL_CODE_EXPIRED.to_owned())
            }
            RedialError::CallLimit { max } => ApiError::CannotRedial(messages::redial_limit(max)),
            RedialError::CallWaiting => {
                ApiError::CannotRedial(messages::REDIAL_CALL_WAITING.to_owned())
            }
            RedialError::TooSoon { retry_after } => ApiError::RedialTooSoon { retry_after },
            RedialError::Store(err) => internal(&err, "scheduling a call"),
        }
    }
}

impl From<DocumentError> for ApiError {
    fn from(err: DocumentError) -> Self {
        match err {
            DocumentError::InvalidImage(_) => ApiError::InvalidDocumentImage,
            DocumentError::NotRecognized => ApiError::DocumentNotRecognized,
            DocumentError::Service(err) => internal(&err, "authenticating a document"),
        }
    }
}

impl From<FaceAuthError> for ApiError {
    fn from(err: FaceAuthError) -> Self {
        match err {
            FaceAuthError::NoDocument => ApiError::NoDocument,
            FaceAuthError::InvalidImage => ApiError::InvalidFaceImage,
            FaceAuthError::NoDocumentImage => ApiError::FaceRefused(messages::NO_DOCUMENT_IMAGE),
            FaceAuthError::NoFaceInSelfie => ApiError::FaceRefused(messages::NO_FACE_IN_IMAGE),
            FaceAuthError::NoFaceOnDocument => ApiError::FaceRefused(messages::NO_FACE_ON_DOCUMENT),
            FaceAuthError::NoMatch => ApiError::FaceRefused(messages::FACES_DO_NOT_MATCH),
            FaceAuthError::Service(err) => internal(&err, "matching a face"),
        }
    }
}

fn json_text(status: StatusCode, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::Text(body))
        .expect("static status and header are valid")
}

/// A JSON response in the published layout.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    json_text(status, json::to_string(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(err: ApiError) -> (u16, String) {
        let (status, _, body) = err.parts();
        (status.as_u16(), body)
    }

    #[test]
    fn published_bodies_are_byte_exact() {
        assert_eq!(
            body(ApiError::InvalidApiKey),
            (401, r#"{"error": "invalid api key"}"#.into())
        );
        assert_eq!(
            body(ApiError::NoDocument),
            (
                400,
                r#"{"error": "There is no document identification data with the provided id!"}"#
                    .into()
            )
        );
        assert_eq!(
            body(ApiError::Taken {
                email: true,
                phone: false
            }),
            (
                409,
                r#"{"error": "(email, phone) already taken", "fields": ["email"]}"#.into()
            )
        );
        assert_eq!(
            body(ApiError::Taken {
                email: true,
                phone: true
            })
            .1,
            r#"{"error": "(email, phone) already taken", "fields": ["email", "phoneNumber"]}"#
        );
        assert_eq!(
            body(ApiError::NotAccepted),
            (400, r#"{"message": "Kyc request not accepted"}"#.into())
        );
        assert_eq!(
            json::to_string(&message(messages::REQUEST_ACCEPTED)),
            r#"{"message": "Kyc request accepted"}"#
        );
        assert_eq!(
            json::to_string(&message(messages::REQUEST_DELETED)),
            r#"{"message": "KYC request deleted!"}"#
        );
    }

    #[test]
    fn every_error_is_a_json_error_with_its_status_and_outcome() {
        for (err, status, outcome) in [
            (ApiError::NotFound { path: "/x".into() }, 404, "not_found"),
            (
                ApiError::MethodNotAllowed { allow: "POST" },
                405,
                "method_not_allowed",
            ),
            (
                ApiError::UnsupportedMediaType,
                415,
                "unsupported_media_type",
            ),
            (
                ApiError::PayloadTooLarge { limit: 10 },
                413,
                "payload_too_large",
            ),
            (
                ApiError::BadRequest("email is required".into()),
                400,
                "bad_request",
            ),
            (ApiError::NotSubmitted, 502, "not_submitted"),
            (ApiError::RequestNotFound, 404, "request_not_found"),
            (ApiError::Busy, 503, "service_busy"),
            (
                ApiError::TooManyRequests { retry_after: 7 },
                429,
                "rate_limited",
            ),
            (ApiError::TimedOut, 504, "service_timed_out"),
            (ApiError::CannotRedial("x".into()), 409, "cannot_redial"),
            (
                ApiError::RedialTooSoon { retry_after: 3 },
                429,
                "redial_too_soon",
            ),
            (ApiError::Internal, 500, "internal_error"),
        ] {
            let (got, name, text) = err.parts();
            assert_eq!((got.as_u16(), name), (status, outcome));
            let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(
                parsed["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{text}"
            );
        }
    }

    #[test]
    fn a_busy_answer_says_when_to_retry() {
        let (response, _) = ApiError::Busy.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn method_not_allowed_names_the_allowed_method() {
        let (response, _) = ApiError::MethodNotAllowed { allow: "POST" }.into_response();
        assert_eq!(response.headers()[header::ALLOW], "POST");
    }

    #[test]
    fn use_case_errors_map_to_one_api_error_each() {
        use crate::ports::{ServiceError, ServiceErrorKind};
        let down = ServiceError::new("dynamodb", ServiceErrorKind::Unavailable, "down");
        assert_eq!(
            ApiError::from(AuthError::InvalidKey),
            ApiError::InvalidApiKey
        );
        assert_eq!(
            ApiError::from(AuthError::Service(down.clone())),
            ApiError::Busy
        );
        assert_eq!(
            ApiError::from(SubmitError::DocumentNotFound),
            ApiError::NoDocument
        );
        assert_eq!(
            ApiError::from(SubmitError::Taken {
                email: false,
                phone: true
            }),
            ApiError::Taken {
                email: false,
                phone: true
            }
        );
        assert_eq!(
            ApiError::from(SubmitError::DeliveryFailed {
                failed: "x",
                released: true
            }),
            ApiError::NotSubmitted
        );
        assert_eq!(
            ApiError::from(SubmitError::Store(down.clone())),
            ApiError::Busy
        );
        assert_eq!(
            ApiError::from(ReviewError::NotFound),
            ApiError::RequestNotFound
        );
        assert_eq!(
            ApiError::from(ReviewError::NotAccepted),
            ApiError::NotAccepted
        );
        assert_eq!(ApiError::from(ReviewError::Store(down)), ApiError::Busy);
        for (kind, api) in [
            (ServiceErrorKind::Throttled, ApiError::Busy),
            (ServiceErrorKind::Conflict, ApiError::Busy),
            (ServiceErrorKind::Unavailable, ApiError::Busy),
            (ServiceErrorKind::TimedOut, ApiError::TimedOut),
            (ServiceErrorKind::Rejected, ApiError::Internal),
            (ServiceErrorKind::InvalidResponse, ApiError::Internal),
        ] {
            let err = ServiceError::new("dynamodb", kind, "x");
            assert_eq!(ApiError::from(ReviewError::Store(err)), api, "{kind:?}");
        }
    }
}
