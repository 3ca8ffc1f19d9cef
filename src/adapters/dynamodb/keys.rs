//! The key layout of the single table: every key string is made here.
//!
//! | item                 | pk                                  | sk            | gsi1pk                   | gsi1sk                     |
//! |----------------------|-------------------------------------|---------------|--------------------------|----------------------------|
//! | API key              | `APIKEY#<sha256(key)>`              | `APIKEY`      | `TENANT#<t>#APIKEYS`     | `<keyId>`                  |
//! | document record      | `TENANT#<t>#DOC#<documentId>`       | `DOC`         |                          |                            |
//! | request              | `TENANT#<t>#REQ#<requestId>`        | `REQ`         | `TENANT#<t>#REQ`         | `ACCEPTED#<bool>#<id>`     |
//! | request's OTP        | `TENANT#<t>#REQ#<requestId>`        | `OTP`         |                          |                            |
//! | email reservation    | `TENANT#<t>#EMAIL#<sha256(email)>`  | `RESERVATION` |                          |                            |
//! | phone reservation    | `TENANT#<t>#PHONE#<sha256(e164)>`   | `RESERVATION` |                          |                            |
//!
//! The OTP item carries `ttl` (Unix seconds), the table's TTL attribute, so abandoned codes are
//! removed by DynamoDB; code that reads one still checks `expiresAt` itself.
//!
//! Ids are key-safe by construction (see `domain::ids`): no `#` in a key comes from input.

use crate::domain::{ApiKeyHash, DocumentId, RequestId, TenantId};

/// The table's key attributes, and its one global index's.
pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1PK: &str = "gsi1pk";
pub const GSI1SK: &str = "gsi1sk";
/// The table's TTL attribute.
pub const TTL_ATTRIBUTE: &str = "ttl";

/// The sort keys of the two items in a request's partition.
pub const REQUEST_SK: &str = "REQ";
pub const OTP_SK: &str = "OTP";

/// An item's primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

fn key(pk: String, sk: &str) -> Key {
    Key {
        pk,
        sk: sk.to_owned(),
    }
}

pub fn api_key(hash: &ApiKeyHash) -> Key {
    key(format!("APIKEY#{}", hash.as_str()), "APIKEY")
}

/// The index partition of a tenant's API keys (sorted by key id).
pub fn api_keys_of(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}#APIKEYS")
}

pub fn document(tenant: &TenantId, id: &DocumentId) -> Key {
    key(format!("TENANT#{tenant}#DOC#{id}"), "DOC")
}

/// The partition holding a request and its OTP.
pub fn request_partition(tenant: &TenantId, id: &RequestId) -> String {
    format!("TENANT#{tenant}#REQ#{id}")
}

pub fn request(tenant: &TenantId, id: &RequestId) -> Key {
    key(request_partition(tenant, id), REQUEST_SK)
}

pub fn otp(tenant: &TenantId, id: &RequestId) -> Key {
    key(request_partition(tenant, id), OTP_SK)
}

/// The index partition of a tenant's requests.
pub fn requests_of(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}#REQ")
}

/// The index sort key prefix of a tenant's accepted (or not yet accepted) requests.
pub fn listing_prefix(accepted: bool) -> String {
    format!("ACCEPTED#{accepted}#")
}

/// A request's index sort key: accepted or not, then the (time-ordered) id.
pub fn request_listing(accepted: bool, id: &RequestId) -> String {
    format!("{}{id}", listing_prefix(accepted))
}

pub fn email(tenant: &TenantId, email_key: &str) -> Key {
    key(format!("TENANT#{tenant}#EMAIL#{email_key}"), "RESERVATION")
}

pub fn phone(tenant: &TenantId, phone_key: &str) -> Key {
    key(format!("TENANT#{tenant}#PHONE#{phone_key}"), "RESERVATION")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_key_starts_with_its_filter_prefix() {
        let id = RequestId::parse("01JD3V6Q3W0C9Z8Y7X6W5V4T3S").unwrap();
        assert_eq!(
            request_listing(false, &id),
            "ACCEPTED#false#01JD3V6Q3W0C9Z8Y7X6W5V4T3S"
        );
        assert!(request_listing(true, &id).starts_with(&listing_prefix(true)));
        assert!(!request_listing(true, &id).starts_with(&listing_prefix(false)));
    }

    #[test]
    fn a_request_and_its_otp_share_a_partition() {
        let tenant = TenantId::parse("acme").unwrap();
        let id = RequestId::parse("01JD3V6Q3W0C9Z8Y7X6W5V4T3S").unwrap();
        assert_eq!(request(&tenant, &id).pk, otp(&tenant, &id).pk);
        assert_eq!(
            request(&tenant, &id).pk,
            "TENANT#acme#REQ#01JD3V6Q3W0C9Z8Y7X6W5V4T3S"
        );
        assert_ne!(request(&tenant, &id).sk, otp(&tenant, &id).sk);
    }
}
