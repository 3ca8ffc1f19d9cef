//! Every text a client can receive, in one place: the strings the product's published docs
//! fix byte for byte, and ours. Each is pinned by the test at the bottom; handlers and the
//! domain use these and never build a message inline. None of them echoes a value the caller
//! sent (it may be PII): they name the field and the problem.

// ---- published (byte-exact, from the product's docs) ------------------------------------

pub const INVALID_API_KEY: &str = "invalid api key";
pub const ALREADY_TAKEN: &str = "(email, phone) already taken";
pub const NO_DOCUMENT: &str = "There is no document identification data with the provided id!";
pub const REQUEST_SUBMITTED: &str = "Request submitted";
pub const REQUEST_ACCEPTED: &str = "Kyc request accepted";
pub const REQUEST_NOT_ACCEPTED: &str = "Kyc request not accepted";
pub const REQUEST_DELETED: &str = "KYC request deleted!";
pub const INVALID_DOCUMENT_IMAGE: &str = "invalid document (front, side, back) image provided";
pub const ONE_IMAGE_PER_SIDE: &str = "only one image is accepted per document side!";
pub const DOCUMENT_NOT_RECOGNIZED: &str = "The document supplied is not recognized!";
pub const INVALID_FACE_IMAGE: &str = "invalid face image provided";
pub const ONE_FACE_IMAGE: &str = "only one face image is accepted!";
/// The published 413 of the image routes: a plain-text body, not JSON.
pub const ENTITY_TOO_LARGE: &str = "Request Entity Too Large";

/// The published refusal of base64 that is not a PNG or JPEG, naming the side (`front`,
/// `back`, `side`); published as `front` for the face image too.
pub fn invalid_base64(side: &str) -> String {
    format!("invalid base64 {side} image provided")
}

// ---- ours: answers -----------------------------------------------------------------------

pub const REQUEST_NOT_FOUND: &str = "There is no KYC request with the provided id";
pub const NOT_SUBMITTED: &str =
    "The request was not submitted: the verification email or call could not be sent. Try again later.";
pub const INTERNAL: &str = "Internal error; the request may be retried";
pub const BUSY: &str =
    "A service we depend on is busy or unavailable; nothing was changed, try again shortly";
pub const TIMED_OUT: &str = "A service we depend on did not answer in time; try again shortly";
pub const CALL_SCHEDULED: &str = "Call scheduled";
pub const REDIAL_CODE_EXPIRED: &str =
    "the request's code has expired, so it cannot be called again: submit a new request";
pub const REDIAL_CALL_WAITING: &str =
    "a call for this request is already scheduled and not placed yet; wait for it";
pub const CLEARED: &str = "All KYC requests cleared";
pub const PARTLY_CLEARED: &str = "Some KYC requests remain: call again to continue clearing";
pub const DOCUMENT_AUTHENTICATED: &str = "Document authenticated";
/// `POST /api/uploads` with a `contentType` other than the two accepted.
pub const UPLOAD_CONTENT_TYPE: &str = "contentType must be image/png or image/jpeg";
pub const FACES_DO_NOT_MATCH: &str =
    "the face does not match the face on the document: take a new photo of the document holder";
pub const NO_FACE_IN_IMAGE: &str = "no face was found in faceImage: send a clear photo of one face";
pub const NO_FACE_ON_DOCUMENT: &str =
    "no face was found on the document's front image: authenticate the document again with a clearer photo";
pub const NO_DOCUMENT_IMAGE: &str =
    "this document identification has no stored front image to compare the face with";

// ---- ours: what is wrong with the request ------------------------------------------------

pub const UNSUPPORTED_MEDIA_TYPE: &str = "Content-Type must be application/json";
pub const BODY_NOT_AN_OBJECT: &str = "request body must be a JSON object";
pub const BODY_NOT_JSON: &str = "request body is not valid JSON";
pub const BODY_CUT_SHORT: &str = "request body is not valid JSON: it ends too early";
pub const ACCEPTED_FILTER: &str = "accepted must be true or false";
pub const STATUS_FILTER: &str =
    "status must be one of pending, verified, accepted, failed, expired";
pub const STATUS_OR_ACCEPTED: &str = "give status or accepted, not both";
pub const ORDER: &str = "order must be newest or oldest";
pub const BAD_NEXT_TOKEN: &str = "nextToken is not valid here: pass the nextToken of the previous page, with the same status, accepted and order";

pub fn redial_not_pending(status: &str) -> String {
    format!("the request is {status}: only a pending request can be called again")
}

pub fn redial_limit(max: u32) -> String {
    format!("the request has had its {max} calls; no more are placed")
}

pub fn redial_too_soon(retry_after: u64) -> String {
    format!("the last call was placed too recently; ask again in {retry_after} s")
}

pub fn no_route(path: &str) -> String {
    format!("no route {path}")
}

pub fn method_not_allowed(allow: &str) -> String {
    format!("method not allowed here; use {allow}")
}

pub fn body_too_large(limit: usize) -> String {
    format!("request body must be at most {limit} bytes")
}

pub fn limit_range(max: u32) -> String {
    format!("limit must be a whole number from 1 to {max}")
}

pub fn field_required(field: &str) -> String {
    format!("{field} is required")
}

pub fn field_must_be_string(field: &str) -> String {
    format!("{field} must be a string")
}

pub fn field_twice(field: &str) -> String {
    format!("{field} is given more than once")
}

pub fn field_invalid(field: &str) -> String {
    format!("{field} has a value of the wrong kind")
}

// ---- ours: the domain's validation -------------------------------------------------------

pub const EMAIL_EMPTY: &str = "email must not be empty";
pub const EMAIL_INVALID: &str = "email is not a valid address (expected name@example.com)";
pub const PHONE_EMPTY: &str = "phoneNumber must not be empty";
pub const PHONE_NO_COUNTRY_CODE: &str =
    "phoneNumber must include the country code in international format, e.g. +14155550123";
pub const PHONE_NOT_A_NUMBER: &str =
    "phoneNumber is not a phone number with a country code, e.g. +14155550123";
pub const PHONE_NOT_VALID: &str = "phoneNumber is not a valid number for its country code";
pub const PHONE_CANNOT_TAKE_CALLS: &str = "phoneNumber must be a mobile or fixed-line number that can take a verification call (not toll-free, premium-rate, shared-cost, pager, VoIP or a company number)";
pub const NOT_A_REQUEST_ID: &str = "id is not a request id";
pub const DOCUMENT_NUMBER_TOO_SHORT: &str =
    "idInformation.documentNumber must have at least 4 digits";
pub const FACE_MATCH_RANGE: &str = "faceMatch must be between 0 and 1";

pub fn too_long(field: &str, max: usize) -> String {
    format!("{field} must be at most {max} characters")
}

pub fn must_not_be_empty(field: &str) -> String {
    format!("{field} must not be empty")
}

pub fn key_safe_alphabet(field: &str) -> String {
    format!("{field} may contain only letters, digits, '-' and '_'")
}

pub fn too_many_creates(retry_after: u64) -> String {
    format!("too many requests created this minute for this account; try again in {retry_after} s")
}

pub fn country_not_allowed(allowed: &[String]) -> String {
    format!(
        "phoneNumber must be in a country we place verification calls to: {}",
        allowed.join(", ")
    )
}

pub fn secret_too_short(min: usize) -> String {
    format!("the OTP secret must be at least {min} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_strings_are_byte_exact() {
        assert_eq!(INVALID_API_KEY, "invalid api key");
        assert_eq!(ALREADY_TAKEN, "(email, phone) already taken");
        assert_eq!(
            NO_DOCUMENT,
            "There is no document identification data with the provided id!"
        );
        assert_eq!(REQUEST_SUBMITTED, "Request submitted");
        assert_eq!(REQUEST_ACCEPTED, "Kyc request accepted");
        assert_eq!(REQUEST_NOT_ACCEPTED, "Kyc request not accepted");
        assert_eq!(REQUEST_DELETED, "KYC request deleted!");
        assert_eq!(
            INVALID_DOCUMENT_IMAGE,
            "invalid document (front, side, back) image provided"
        );
        assert_eq!(
            ONE_IMAGE_PER_SIDE,
            "only one image is accepted per document side!"
        );
        assert_eq!(
            DOCUMENT_NOT_RECOGNIZED,
            "The document supplied is not recognized!"
        );
        assert_eq!(INVALID_FACE_IMAGE, "invalid face image provided");
        assert_eq!(ONE_FACE_IMAGE, "only one face image is accepted!");
        assert_eq!(ENTITY_TOO_LARGE, "Request Entity Too Large");
        assert_eq!(
            invalid_base64("front"),
            "invalid base64 front image provided"
        );
        assert_eq!(invalid_base64("back"), "invalid base64 back image provided");
    }

    #[test]
    fn our_strings_are_pinned() {
        for (text, pinned) in [
            (REQUEST_NOT_FOUND, "There is no KYC request with the provided id"),
            (NOT_SUBMITTED, "The request was not submitted: the verification email or call could not be sent. Try again later."),
            (INTERNAL, "Internal error; the request may be retried"),
            (BUSY, "A service we depend on is busy or unavailable; nothing was changed, try again shortly"),
            (TIMED_OUT, "A service we depend on did not answer in time; try again shortly"),
            (CLEARED, "All KYC requests cleared"),
            (CALL_SCHEDULED, "Call scheduled"),
            (REDIAL_CODE_EXPIRED, "the request's code has expired, so it cannot be called again: submit a new request"),
            (REDIAL_CALL_WAITING, "a call for this request is already scheduled and not placed yet; wait for it"),
            (PARTLY_CLEARED, "Some KYC requests remain: call again to continue clearing"),
            (UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json"),
            (BODY_NOT_AN_OBJECT, "request body must be a JSON object"),
            (BODY_NOT_JSON, "request body is not valid JSON"),
            (BODY_CUT_SHORT, "request body is not valid JSON: it ends too early"),
            (ACCEPTED_FILTER, "accepted must be true or false"),
            (BAD_NEXT_TOKEN, "nextToken is not valid here: pass the nextToken of the previous page, with the same status, accepted and order"),
            (STATUS_FILTER, "status must be one of pending, verified, accepted, failed, expired"),
            (STATUS_OR_ACCEPTED, "give status or accepted, not both"),
            (ORDER, "order must be newest or oldest"),
            (EMAIL_EMPTY, "email must not be empty"),
            (EMAIL_INVALID, "email is not a valid address (expected name@example.com)"),
            (PHONE_EMPTY, "phoneNumber must not be empty"),
            (PHONE_NO_COUNTRY_CODE, "phoneNumber must include the country code in international format, e.g. +14155550123"),
            (PHONE_NOT_A_NUMBER, "phoneNumber is not a phone number with a country code, e.g. +14155550123"),
            (PHONE_NOT_VALID, "phoneNumber is not a valid number for its country code"),
            (PHONE_CANNOT_TAKE_CALLS, "phoneNumber must be a mobile or fixed-line number that can take a verification call (not toll-free, premium-rate, shared-cost, pager, VoIP or a company number)"),
            (NOT_A_REQUEST_ID, "id is not a request id"),
            (DOCUMENT_NUMBER_TOO_SHORT, "idInformation.documentNumber must have at least 4 digits"),
            (FACE_MATCH_RANGE, "faceMatch must be between 0 and 1"),
        ] {
            assert_eq!(text, pinned);
        }
        for (text, pinned) in [
            (no_route("/api/x"), "no route /api/x"),
            (
                redial_not_pending("verified"),
                "the request is verified: only a pending request can be called again",
            ),
            (
                redial_limit(3),
                "the request has had its 3 calls; no more are placed",
            ),
            (
                redial_too_soon(42),
                "the last call was placed too recently; ask again in 42 s",
            ),
            (
                too_many_creates(20),
                "too many requests created this minute for this account; try again in 20 s",
            ),
            (
                country_not_allowed(&["US".into(), "GB".into()]),
                "phoneNumber must be in a country we place verification calls to: US, GB",
            ),
            (
                method_not_allowed("POST"),
                "method not allowed here; use POST",
            ),
            (
                body_too_large(16384),
                "request body must be at most 16384 bytes",
            ),
            (
                limit_range(1000),
                "limit must be a whole number from 1 to 1000",
            ),
            (field_required("email"), "email is required"),
            (
                field_must_be_string("phoneNumber"),
                "phoneNumber must be a string",
            ),
            (field_twice("id"), "id is given more than once"),
            (field_invalid("id"), "id has a value of the wrong kind"),
            (
                too_long("email", 254),
                "email must be at most 254 characters",
            ),
            (
                must_not_be_empty("tenant id"),
                "tenant id must not be empty",
            ),
            (
                key_safe_alphabet("documentIdentificationId"),
                "documentIdentificationId may contain only letters, digits, '-' and '_'",
            ),
            (
                secret_too_short(32),
                "the OTP secret must be at least 32 bytes",
            ),
        ] {
            assert_eq!(text, pinned);
        }
    }
}
