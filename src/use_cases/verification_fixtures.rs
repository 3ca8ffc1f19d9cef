//! Test fixtures of the verification call (unit tests only): a pending request in the
//! in-memory store as the create path leaves it, and the call the dialer records for it.

use crate::adapters::memory::MemoryStore;
use crate::domain::{
    DocumentId, DocumentIdentification, Email, NewKycRequest, Otp, OtpHasher, PhoneNumber,
    RequestId, TenantId,
};
use crate::ports::{CallStore, ContactId, RequestStore};

/// The request's phone number: the customer number of its own call.
pub const PHONE: &str = "+14155550101";
/// The last four digits of the document number of `events/document.json`.
pub const LAST_FOUR: &str = "6789";

/// A pending request of tenant `acme` for the sample document, created at `now`, its code
/// (returned in clear) hashed with `hasher` and valid until `expires_at`; no call placed yet.
pub async fn unplaced_request(
    store: &MemoryStore,
    hasher: &OtpHasher,
    now: u64,
    expires_at: u64,
) -> (TenantId, RequestId, String) {
    let tenant = TenantId::parse("acme").unwrap();
    let document_id = DocumentId::parse("doc").unwrap();
    let document: DocumentIdentification =
        serde_json::from_str(include_str!("../../events/document.json")).unwrap();
    store.insert_document(&tenant, &document_id, document);
    let id = RequestId::generate();
    let otp = Otp::generate();
    let request = NewKycRequest {
        id,
        tenant: tenant.clone(),
        email: Email::parse("a@example.com").unwrap(),
        phone: PhoneNumber::parse(PHONE).unwrap(),
        document_id,
        otp_hash: hasher.hash(&id, &otp),
        created_at: now,
        otp_expires_at: expires_at,
        max_attempts: 3,
        creates_per_minute: None,
        call_scheduled_at: Some(now),
    };
    store.create_request(&request).await.unwrap();
    (tenant, id, otp.expose().to_owned())
}

/// [`unplaced_request`], then its call placed as `contact`, as the dialer records it: the only
/// contact the verifier hears.
pub async fn called_request(
    store: &MemoryStore,
    hasher: &OtpHasher,
    (now, expires_at): (u64, u64),
    contact: &str,
) -> (TenantId, RequestId, String) {
    let (tenant, id, code) = unplaced_request(store, hasher, now, expires_at).await;
    let contact = ContactId(contact.to_owned());
    let recorded = store.record_call(&tenant, &id, 1, &contact, 1, now);
    assert!(recorded.await.unwrap());
    (tenant, id, code)
}
