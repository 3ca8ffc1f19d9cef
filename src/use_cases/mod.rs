//! What the product does, one file per use case, over the ports in `crate::ports`. Nothing
//! here knows about HTTP, Connect events or AWS.
//!
//! - `authenticate`: the API key a caller presents → its tenant.
//! - `submit`: a KYC request → stored, code emailed, call scheduled (or withdrawn).
//! - `dial`: a scheduled call → placed through Connect at the quotas' pace, or given up.
//! - `redial`: a missed call → scheduled again.
//! - `answer_call`: what the caller keys in on the call → verified, failed or expired.
//! - `document_authentication`: identity document images → stored, read, a document record.
//! - `face_authentication`: a selfie → compared with the document's face, the score recorded.
//! - `review`: the business lists, reads, accepts, deletes and clears its requests.
//! - `uploads`: a presigned upload of one large image, named afterwards by its reference.
//! - `sweep`: a request DynamoDB's TTL removed → off its counts; its document erased if unused.

pub mod answer_call;
pub mod authenticate;
pub mod call_origin;
pub mod dial;
pub mod document_authentication;
pub mod face_authentication;
pub mod redial;
pub mod review;
pub mod submit;
pub mod sweep;
pub mod uploads;
#[cfg(test)]
pub mod verification_fixtures;
