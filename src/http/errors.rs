//! Every error the API answers with, and the one `match` that gives each its status and body.
//! The published strings live here, pinned by the test below.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

use super::json;

pub const INVALID_API_KEY: &str = "invalid api key";
pub const ALREADY_TAKEN: &str = "(email, phone) already taken";
pub const NO_DOCUMENT: &str = "There is no document identification data with the provided id!";
pub const REQUEST_SUBMITTED: &str = "Request submitted";
pub const REQUEST_ACCEPTED: &str = "Kyc request accepted";
pub const REQUEST_NOT_ACCEPTED: &str = "Kyc request not accepted";
pub const REQUEST_DELETED: &str = "KYC request deleted!";
pub const REQUEST_NOT_FOUND: &str = "There is no KYC request with the provided id";
pub const NOT_SUBMITTED: &str =
    "The request was not submitted: the verification email or call could not be sent. Try again later.";
pub const INTERNAL: &str = "Internal error; the request may be retried";

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
    Internal,
}

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
    /// A short, PII-free name for the logs.
    pub fn outcome(&self) -> &'static str {
        match self {
            ApiError::InvalidApiKey => "invalid_api_key",
            ApiError::NotFound { .. } => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Taken { .. } => "already_taken",
            ApiError::NoDocument => "no_document",
            ApiError::NotSubmitted => "not_submitted",
            ApiError::NotAccepted => "not_accepted",
            ApiError::RequestNotFound => "request_not_found",
            ApiError::Internal => "internal_error",
        }
    }

    pub fn into_response(self) -> Response<Body> {
        let mut fields = None;
        let (status, message) = match &self {
            ApiError::InvalidApiKey => (StatusCode::UNAUTHORIZED, INVALID_API_KEY.to_owned()),
            ApiError::NotFound { path } => (StatusCode::NOT_FOUND, format!("no route {path}")),
            ApiError::MethodNotAllowed { allow } => (
                StatusCode::METHOD_NOT_ALLOWED,
                format!("method not allowed here; use {allow}"),
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/json".to_owned(),
            ),
            ApiError::PayloadTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body must be at most {limit} bytes"),
            ),
            ApiError::BadRequest(message) => (StatusCode::BAD_REQUEST, message.clone()),
            ApiError::Taken { email, phone } => {
                let named = [(*email, "email"), (*phone, "phoneNumber")];
                fields = Some(
                    named
                        .iter()
                        .filter(|(taken, _)| *taken)
                        .map(|(_, f)| *f)
                        .collect(),
                );
                (StatusCode::CONFLICT, ALREADY_TAKEN.to_owned())
            }
            ApiError::NoDocument => (StatusCode::BAD_REQUEST, NO_DOCUMENT.to_owned()),
            ApiError::NotSubmitted => (StatusCode::BAD_GATEWAY, NOT_SUBMITTED.to_owned()),
            ApiError::NotAccepted => {
                return json_response(StatusCode::BAD_REQUEST, &message(REQUEST_NOT_ACCEPTED))
            }
            ApiError::RequestNotFound => (StatusCode::NOT_FOUND, REQUEST_NOT_FOUND.to_owned()),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL.to_owned()),
        };
        let mut response = json_response(
            status,
            &ErrorBody {
                error: &message,
                fields,
            },
        );
        if let ApiError::MethodNotAllowed { allow } = self {
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static(allow));
        }
        response
    }
}

pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::Text(json::to_string(body)))
        .expect("static status and header are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(err: ApiError) -> (u16, String) {
        let response = err.into_response();
        let status = response.status().as_u16();
        match response.into_body() {
            Body::Text(text) => (status, text),
            other => panic!("unexpected body {other:?}"),
        }
    }

    #[test]
    fn published_strings_are_byte_exact() {
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
        assert_eq!(REQUEST_SUBMITTED, "Request submitted");
        assert_eq!(
            body(ApiError::NotAccepted),
            (400, r#"{"message": "Kyc request not accepted"}"#.into())
        );
        assert_eq!(
            super::super::json::to_string(&message(REQUEST_ACCEPTED)),
            r#"{"message": "Kyc request accepted"}"#
        );
        assert_eq!(
            super::super::json::to_string(&message(REQUEST_DELETED)),
            r#"{"message": "KYC request deleted!"}"#
        );
    }

    #[test]
    fn every_error_is_a_json_error_with_its_status() {
        for (err, status) in [
            (ApiError::NotFound { path: "/x".into() }, 404),
            (ApiError::MethodNotAllowed { allow: "POST" }, 405),
            (ApiError::UnsupportedMediaType, 415),
            (ApiError::PayloadTooLarge { limit: 10 }, 413),
            (ApiError::BadRequest("email is required".into()), 400),
            (ApiError::NotSubmitted, 502),
            (ApiError::RequestNotFound, 404),
            (ApiError::Internal, 500),
        ] {
            let (got, text) = body(err);
            assert_eq!(got, status);
            let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(
                parsed["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{text}"
            );
        }
    }

    #[test]
    fn method_not_allowed_names_the_allowed_method() {
        let response = ApiError::MethodNotAllowed { allow: "POST" }.into_response();
        assert_eq!(response.headers()[header::ALLOW], "POST");
    }
}
