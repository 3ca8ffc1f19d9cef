//! Request bodies: the content type must say JSON, the body must fit, and it must be a JSON
//! object; parse errors name the field and the problem in our words (serde's text may quote
//! the value sent, which may be PII).

use lambda_http::http::header;
use lambda_http::{Body, Request};

use super::errors::ApiError;
use crate::messages;

/// Request bodies larger than this are refused with 413 before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The body of a JSON request.
pub fn json_body(request: &Request) -> Result<&[u8], ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes: &[u8] = match request.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    Ok(bytes)
}

/// The body of requests that name one request: `{"id": "<request id>"}`.
#[derive(serde::Deserialize)]
pub struct IdBody {
    pub id: String,
}

/// Parses a JSON object into `T`, naming the offending field in the error.
pub fn parse_json<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    // serde would also read a struct from an array; the API takes objects only.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(bad(messages::BODY_NOT_AN_OBJECT.into()));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let field = err.path().to_string();
        bad(explain(err.inner(), &field))
    })?;
    de.end().map_err(|err| bad(explain(&err, ".")))?;
    Ok(value)
}

fn bad(message: String) -> ApiError {
    ApiError::BadRequest(message)
}

/// Our words for a serde error at `field` (`.` for the body itself).
fn explain(err: &serde_json::Error, field: &str) -> String {
    use serde_json::error::Category;
    match err.classify() {
        Category::Eof => messages::BODY_CUT_SHORT.into(),
        Category::Syntax | Category::Io => messages::BODY_NOT_JSON.into(),
        Category::Data => {
            // serde names missing and duplicate fields in backticks; the rest are type errors.
            let text = err.to_string();
            let named = |prefix: &str| {
                let rest = text.strip_prefix(prefix)?;
                Some(rest.split('`').next()?.to_owned())
            };
            if let Some(missing) = named("missing field `") {
                messages::field_required(&missing)
            } else if let Some(twice) = named("duplicate field `") {
                messages::field_twice(&twice)
            } else if field == "." {
                messages::BODY_NOT_AN_OBJECT.into()
            } else if text.contains("expected a string") {
                messages::field_must_be_string(field)
            } else {
                messages::field_invalid(field)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Two {
        email: String,
        phone_number: String,
    }

    fn error(body: &str) -> String {
        match parse_json::<Two>(body.as_bytes()) {
            Err(ApiError::BadRequest(message)) => message,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn parse_errors_name_the_field_and_the_problem_in_our_words() {
        assert_eq!(error(r#"{"email": "a@b.co"}"#), "phoneNumber is required");
        assert_eq!(
            error(r#"{"email": 5, "phoneNumber": "+1"}"#),
            "email must be a string"
        );
        assert_eq!(
            error(r#"{"email": "a", "email": "b", "phoneNumber": "+1"}"#),
            "email is given more than once"
        );
        assert_eq!(error(r#"{"email": "a", "phone"#), messages::BODY_CUT_SHORT);
        assert_eq!(error(r#"{"email": nope}"#), messages::BODY_NOT_JSON);
        assert_eq!(
            error(r#"{"email": "a", "phoneNumber": "b"} trailing"#),
            messages::BODY_NOT_JSON
        );
        for not_object in ["", "  ", "[]", "\"x\"", "5", "null"] {
            assert_eq!(
                error(not_object),
                messages::BODY_NOT_AN_OBJECT,
                "{not_object:?}"
            );
        }
    }

    #[test]
    fn parse_errors_never_echo_the_value_sent() {
        let message = error(r#"{"email": ["secret@example.com"], "phoneNumber": "+1"}"#);
        assert!(!message.contains("secret"), "{message}");
        assert_eq!(message, "email must be a string");
    }
}
