//! The key layout of the single table: every key string is made here.
//!
//! | item                 | pk                                  | sk                 | gsi1pk               | gsi1sk                 |
//! |----------------------|-------------------------------------|--------------------|----------------------|------------------------|
//! | API key              | `APIKEY#<sha256(key)>`              | `APIKEY`           | `TENANT#<t>#APIKEYS` | `<keyId>`              |
//! | document record      | `TENANT#<t>#DOC#<documentId>`       | `DOC`              |                      |                        |
//! | request              | `TENANT#<t>#REQ#<requestId>`        | `REQ`              | `TENANT#<t>#REQ`     | `ACCEPTED#<bool>#<id>` |
//! | request's OTP        | `TENANT#<t>#REQ#<requestId>`        | `OTP`              |                      |                        |
//! | email reservation    | `TENANT#<t>#EMAIL#<sha256(email)>`  | `RESERVATION`      |                      |                        |
//! | phone reservation    | `TENANT#<t>#PHONE#<sha256(e164)>`   | `RESERVATION`      |                      |                        |
//! | status counters      | `TENANT#<t>#STATS`                  | `NOW#<shard>`      |                      |                        |
//! | a day's counters     | `TENANT#<t>#STATS`                  | `DAY#<date>#<shard>` |                    |                        |
//! | tenant settings      | `TENANT#<t>`                        | `TENANT`           |                      |                        |
//! | creates in a minute  | `TENANT#<t>#CREATES#<unix minute>`  | `COUNTER`          |                      |                        |
//! | a swept TTL removal  | `TENANT#<t>#SWEPT#<requestId>`      | `SWEPT`            |                      |                        |
//!
//! A request is also on the second index, `gsi2`, in the partition of its status:
//! `gsi2pk` = `TENANT#<t>#STATUS#<status>`, `gsi2sk` = `<requestId>`, except that a pending
//! request sorts by when its code runs out: `<otpExpiresAt, 20 digits>#<requestId>`. So one
//! `Query` lists exactly one status, newest first with `ScanIndexForward=false`, and the pending
//! requests still open (`gsi2sk >= <now + 1>`) and those whose code lapsed (they read as
//! expired) are two key ranges: nothing read is discarded.
//!
//! Counters (see `counters.rs`) are spread over `COUNTER_SHARDS` items so concurrent
//! transactions rarely touch the same one; `DAY#…` items carry `ttl` and go after
//! `DAY_COUNTER_DAYS`. Dates are UTC, `YYYY-MM-DD`, so `DAY#` keys sort by day and before `NOW#`.
//!
//! The OTP item carries `ttl` (Unix seconds), the table's TTL attribute, so abandoned codes are
//! removed by DynamoDB; code that reads one still checks `expiresAt` itself. A minute's create
//! counter carries one too: it is of no use two minutes later. So does the sweeper's marker of
//! a request TTL removed and counted (`sweep.rs`): it only has to outlive the stream's replays.
//!
//! Ids are key-safe by construction (see `domain::ids`): no `#` in a key comes from input.

use time::Date;

use crate::domain::{ApiKeyHash, DocumentId, RequestId, RequestStatus, TenantId};

/// The table's key attributes, and its two global indexes'.
pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1PK: &str = "gsi1pk";
pub const GSI1SK: &str = "gsi1sk";
pub const GSI2: &str = "gsi2";
pub const GSI2PK: &str = "gsi2pk";
pub const GSI2SK: &str = "gsi2sk";
/// The table's TTL attribute.
pub const TTL_ATTRIBUTE: &str = "ttl";

/// The sort keys of the two items in a request's partition.
pub const REQUEST_SK: &str = "REQ";
pub const OTP_SK: &str = "OTP";
pub const TENANT_SK: &str = "TENANT";
pub const COUNTER_SK: &str = "COUNTER";
pub const SWEPT_SK: &str = "SWEPT";

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

/// A tenant's own settings (its create limit).
pub fn tenant(tenant: &TenantId) -> Key {
    key(format!("TENANT#{tenant}"), TENANT_SK)
}

/// How many requests a tenant created in a minute (Unix seconds / 60).
pub fn create_counter(tenant: &TenantId, minute: u64) -> Key {
    key(format!("TENANT#{tenant}#CREATES#{minute}"), COUNTER_SK)
}

pub fn request(tenant: &TenantId, id: &RequestId) -> Key {
    key(request_partition(tenant, id), REQUEST_SK)
}

/// The marker of a request DynamoDB's TTL removed, once the sweeper counted the removal.
pub fn swept(tenant: &TenantId, id: &RequestId) -> Key {
    key(format!("TENANT#{tenant}#SWEPT#{id}"), SWEPT_SK)
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

/// The index partition of a tenant's requests in one status.
pub fn requests_in(tenant: &TenantId, status: RequestStatus) -> String {
    format!("TENANT#{tenant}#STATUS#{status}")
}

/// A time as an index sort key prefix: fixed width, so text order is time order.
pub fn instant(unix: u64) -> String {
    format!("{unix:020}")
}

/// A request's sort key in its status partition: the (time-ordered) id, or for a pending
/// request the time its code runs out, then the id.
pub fn status_listing(status: RequestStatus, id: &RequestId, otp_expires_at: u64) -> String {
    match status {
        RequestStatus::Pending => format!("{}#{id}", instant(otp_expires_at)),
        _ => id.to_string(),
    }
}

/// The partition of a tenant's counters.
pub fn stats_of(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}#STATS")
}

/// One shard of the counts of requests by status.
pub fn status_counter(tenant: &TenantId, shard: u8) -> Key {
    key(stats_of(tenant), &format!("NOW#{shard}"))
}

/// One shard of a UTC day's event counts.
pub fn day_counter(tenant: &TenantId, day: Date, shard: u8) -> Key {
    key(stats_of(tenant), &format!("{}{shard}", days_from(day)))
}

/// The sort key from which a day's counters (and every later day's, then the status counters)
/// follow.
pub fn days_from(day: Date) -> String {
    format!("DAY#{day}#")
}

/// Which counter an item of the stats partition is: a day's (and which) or the status counts.
pub fn counter_day(sk: &str) -> Option<Option<Date>> {
    if sk.starts_with("NOW#") {
        return Some(None);
    }
    let date = sk.strip_prefix("DAY#")?.split('#').next()?;
    crate::domain::stats::parse_day(date).map(Some)
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
    fn status_keys_sort_by_time_and_pending_ones_by_code_expiry() {
        let tenant = TenantId::parse("acme").unwrap();
        let id = RequestId::parse("01JD3V6Q3W0C9Z8Y7X6W5V4T3S").unwrap();
        assert_eq!(
            requests_in(&tenant, RequestStatus::Verified),
            "TENANT#acme#STATUS#verified"
        );
        assert_eq!(
            status_listing(RequestStatus::Verified, &id, 9),
            "01JD3V6Q3W0C9Z8Y7X6W5V4T3S"
        );
        let pending = |expires| status_listing(RequestStatus::Pending, &id, expires);
        assert_eq!(
            pending(1_795_780_800),
            "00000000001795780800#01JD3V6Q3W0C9Z8Y7X6W5V4T3S"
        );
        // Open (expiry after now) and lapsed are the two sides of `instant(now + 1)`.
        let now = 1_795_780_800;
        assert!(pending(now + 1) >= instant(now + 1));
        assert!(pending(now) < instant(now + 1));
        assert!(pending(99) < pending(100_000_000_000));
    }

    #[test]
    fn day_counters_sort_by_day_and_before_the_status_counters() {
        let tenant = TenantId::parse("acme").unwrap();
        let day = |d: &str| crate::domain::stats::parse_day(d).unwrap();
        let (early, late) = (day("2026-10-29"), day("2026-11-27"));
        let first = day_counter(&tenant, early, 7).sk;
        assert_eq!(first, "DAY#2026-10-29#7");
        assert!(first >= days_from(early) && first < days_from(late));
        assert!(day_counter(&tenant, late, 0).sk >= days_from(late));
        assert!(status_counter(&tenant, 0).sk > day_counter(&tenant, late, 9).sk);
        assert_eq!(counter_day(&first), Some(Some(early)));
        assert_eq!(counter_day(&status_counter(&tenant, 3).sk), Some(None));
        assert_eq!(counter_day("REQ"), None);
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
