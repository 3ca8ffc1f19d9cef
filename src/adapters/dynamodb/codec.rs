//! Items to and from `AttributeValue` maps: the one place that knows attribute names and
//! types. Keys come from `keys`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::keys::{self, Key};
use super::SERVICE;
use crate::domain::stats::{DayCounts, Event};
use crate::domain::{
    ApiKeyHash, DocumentId, DocumentIdentification, NewKycRequest, OtpHash, RequestId,
    RequestStatus, TenantId,
};
use crate::ports::{ApiKeyRecord, CallState, ServiceError, ServiceErrorKind, StoredRequest};

pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Expression attribute values (`:name` → value) as the SDK takes them.
pub fn values(values: Vec<(&str, AttributeValue)>) -> Item {
    values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

impl Key {
    pub fn item(self) -> Item {
        HashMap::from([
            (keys::PK.to_owned(), s(self.pk)),
            (keys::SK.to_owned(), s(self.sk)),
        ])
    }
}

/// An item: its key and its attributes.
fn item(key: Key, attributes: Vec<(&str, AttributeValue)>) -> Item {
    let mut item = key.item();
    item.extend(values(attributes));
    item
}

pub fn corrupt(what: &str) -> ServiceError {
    ServiceError::new(
        SERVICE,
        ServiceErrorKind::InvalidResponse,
        format!("stored item is malformed: {what}"),
    )
}

pub fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

pub fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

/// A string attribute that must be there.
pub fn text<'a>(item: &'a Item, name: &str) -> Result<&'a str, ServiceError> {
    get_s(item, name).ok_or_else(|| corrupt(name))
}

/// A number attribute that must be there.
pub fn number<T: std::str::FromStr>(item: &Item, name: &str) -> Result<T, ServiceError> {
    get_n(item, name).ok_or_else(|| corrupt(name))
}

pub fn request_id(item: &Item) -> Result<RequestId, ServiceError> {
    RequestId::parse(text(item, "requestId")?).map_err(|_| corrupt("requestId"))
}

pub fn document_id(item: &Item) -> Result<DocumentId, ServiceError> {
    DocumentId::parse(text(item, "documentId")?).map_err(|_| corrupt("documentId"))
}

pub fn status(item: &Item) -> Result<RequestStatus, ServiceError> {
    text(item, "status")?.parse().map_err(|_| corrupt("status"))
}

/// The attribute recording when a request entered `status`.
pub fn entered_at(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Pending => "createdAt",
        RequestStatus::Verified => "verifiedAt",
        RequestStatus::Failed => "failedAt",
        RequestStatus::Expired => "expiredAt",
        RequestStatus::Accepted => "acceptedAt",
    }
}

/// The items the create transaction writes: the request, its OTP, and its email and phone
/// reservations. The request and the reservations carry `ttl` = `kept_until` (the code's expiry
/// plus the retention), so a request nobody verifies goes with its reservations without a
/// write; verifying removes it. The OTP's `ttl` is the code's expiry.
pub fn new_request_items(r: &NewKycRequest, kept_until: u64) -> [Item; 4] {
    let id = r.id.to_string();
    let request = item(
        keys::request(&r.tenant, &r.id),
        vec![
            ("type", s("request")),
            (keys::GSI1PK, s(keys::requests_of(&r.tenant))),
            (keys::GSI1SK, s(keys::request_listing(false, &r.id))),
            (
                keys::GSI2PK,
                s(keys::requests_in(&r.tenant, NewKycRequest::INITIAL_STATUS)),
            ),
            (
                keys::GSI2SK,
                s(keys::status_listing(
                    NewKycRequest::INITIAL_STATUS,
                    &r.id,
                    r.otp_expires_at,
                )),
            ),
            ("requestId", s(&id)),
            ("tenantId", s(r.tenant.as_str())),
            ("email", s(r.email.as_str())),
            ("emailKey", s(r.email.uniqueness_key())),
            ("phoneNumber", s(r.phone.e164())),
            ("phoneKey", s(r.phone.uniqueness_key())),
            ("documentId", s(r.document_id.as_str())),
            ("status", s(NewKycRequest::INITIAL_STATUS.as_str())),
            (entered_at(NewKycRequest::INITIAL_STATUS), n(r.created_at)),
            ("attemptsUsed", n(0)),
            ("maxAttempts", n(r.max_attempts)),
            ("otpExpiresAt", n(r.otp_expires_at)),
            (keys::TTL_ATTRIBUTE, n(kept_until)),
        ],
    );
    let mut request = request;
    if let Some(at) = r.call_scheduled_at {
        request.insert(CALLS_SCHEDULED.into(), n(1));
        request.insert(CALL_SCHEDULED_AT.into(), n(at));
    }
    let otp = item(
        keys::otp(&r.tenant, &r.id),
        vec![
            ("type", s("otp")),
            ("otpHash", s(r.otp_hash.as_str())),
            ("expiresAt", n(r.otp_expires_at)),
            (keys::TTL_ATTRIBUTE, n(r.otp_expires_at)),
        ],
    );
    let reservation = |key: Key, kind: &str| {
        item(
            key,
            vec![
                ("type", s(kind)),
                ("requestId", s(&id)),
                (keys::TTL_ATTRIBUTE, n(kept_until)),
            ],
        )
    };
    [
        request,
        otp,
        reservation(
            keys::email(&r.tenant, &r.email.uniqueness_key()),
            "emailReservation",
        ),
        reservation(
            keys::phone(&r.tenant, &r.phone.uniqueness_key()),
            "phoneReservation",
        ),
    ]
}

/// The reservation keys a stored request holds: `(emailKey, phoneKey)`.
pub fn reservation_keys(item: &Item) -> Result<(&str, &str), ServiceError> {
    Ok((text(item, "emailKey")?, text(item, "phoneKey")?))
}

/// Which request a reservation item names.
pub fn reservation_holder(item: &Item) -> Option<String> {
    get_s(item, "requestId").map(str::to_owned)
}

pub fn stored_request(item: &Item) -> Result<StoredRequest, ServiceError> {
    Ok(StoredRequest {
        id: request_id(item)?,
        email: text(item, "email")?.to_owned(),
        phone_number: text(item, "phoneNumber")?.to_owned(),
        document_id: document_id(item)?,
        status: status(item)?,
        attempts_used: attempts_used(item)?,
        max_attempts: number(item, "maxAttempts")?,
        created_at: number(item, entered_at(RequestStatus::Pending))?,
        otp_expires_at: number(item, "otpExpiresAt")?,
        verified_at: get_n(item, entered_at(RequestStatus::Verified)),
        accepted_at: get_n(item, entered_at(RequestStatus::Accepted)),
        failed_at: get_n(item, entered_at(RequestStatus::Failed)),
        expired_at: get_n(item, entered_at(RequestStatus::Expired)),
        failure_reason: get_s(item, FAILURE_REASON).map(str::to_owned),
        call_scheduled_at: get_n(item, CALL_SCHEDULED_AT),
        call_placed_at: get_n(item, CALL_PLACED_AT),
        call_attempts: get_n(item, CALL_ATTEMPTS),
    })
}

/// The call attributes of a request item: how many calls were scheduled (the first at create,
/// one more per redial) and when the latest is due; the number of the latest call placed, its
/// contact, when, and after how many tries; why the request failed, where it did.
pub const CALLS_SCHEDULED: &str = "callsScheduled";
pub const CALL_SCHEDULED_AT: &str = "callScheduledAt";
pub const CALLS_PLACED: &str = "callsPlaced";
pub const CALL_CONTACT_ID: &str = "callContactId";
pub const CALL_PLACED_AT: &str = "callPlacedAt";
pub const CALL_ATTEMPTS: &str = "callAttempts";
pub const FAILURE_REASON: &str = "failureReason";

pub fn call_state(item: &Item) -> Result<CallState, ServiceError> {
    Ok(CallState {
        status: status(item)?,
        otp_expires_at: number(item, "otpExpiresAt")?,
        phone_number: phone_number(item)?.to_owned(),
        calls_scheduled: get_n(item, CALLS_SCHEDULED).unwrap_or(0),
        calls_placed: get_n(item, CALLS_PLACED).unwrap_or(0),
        call_scheduled_at: get_n(item, CALL_SCHEDULED_AT),
        call_placed_at: get_n(item, CALL_PLACED_AT),
    })
}

/// A counter attribute (absent: 0).
pub fn count(item: &Item, name: &str) -> i64 {
    get_n(item, name).unwrap_or(0)
}

/// A day's counter item. Never below zero (a withdrawal takes back its creation on the same
/// shard and day); read as zero if it ever were.
pub fn day_counts(item: &Item) -> DayCounts {
    let get = |event: Event| count(item, event.as_str()).max(0) as u64;
    DayCounts {
        created: get(Event::Created),
        verified: get(Event::Verified),
        accepted: get(Event::Accepted),
        failed: get(Event::Failed),
        expired: get(Event::Expired),
    }
}

pub fn attempts_used(item: &Item) -> Result<u32, ServiceError> {
    number(item, "attemptsUsed")
}

pub fn last_four_verified(item: &Item) -> bool {
    item.contains_key("lastFourVerifiedAt")
}

/// An OTP item's code hash and expiry (Unix seconds), if it is whole.
pub fn otp(item: &Item) -> Option<(OtpHash, u64)> {
    Some((
        OtpHash::from_stored(get_s(item, "otpHash")?.to_owned()),
        get_n(item, "expiresAt")?,
    ))
}

/// A request item's phone number (E.164).
pub fn phone_number(item: &Item) -> Result<&str, ServiceError> {
    text(item, "phoneNumber")
}

/// How many requests name a document record: the create transaction adds one, a release, a
/// delete and a clear take theirs off; the record (and its images) go with the last.
pub const DOCUMENT_REFS: &str = "refs";

/// The attributes a document item has besides its key and the document's own fields.
const DOCUMENT_BOOKKEEPING: [&str; 6] = [
    "type",
    "documentId",
    "tenantId",
    "createdAt",
    DOCUMENT_REFS,
    keys::TTL_ATTRIBUTE,
];

/// A new document record, used by no request yet: `refs` 0 and a `ttl` (`kept_until`) that
/// the first request using it removes.
pub fn document_item(
    tenant: &TenantId,
    id: &DocumentId,
    document: &DocumentIdentification,
    created_at: u64,
    kept_until: u64,
) -> Result<Item, ServiceError> {
    let mut fields: Item = serde_dynamo::to_item(document).map_err(|e| {
        ServiceError::new(
            SERVICE,
            ServiceErrorKind::Rejected,
            format!("encoding a document: {e}"),
        )
    })?;
    // In DOCUMENT_BOOKKEEPING's order.
    let bookkeeping = [
        s("document"),
        s(id.as_str()),
        s(tenant.as_str()),
        n(created_at),
        n(0),
        n(kept_until),
    ];
    fields.extend(item(
        keys::document(tenant, id),
        DOCUMENT_BOOKKEEPING.into_iter().zip(bookkeeping).collect(),
    ));
    Ok(fields)
}

pub fn document(item: &Item) -> Result<DocumentIdentification, ServiceError> {
    let fields: Item = item
        .iter()
        .filter(|(name, _)| {
            let name = name.as_str();
            name != keys::PK && name != keys::SK && !DOCUMENT_BOOKKEEPING.contains(&name)
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    serde_dynamo::from_item(fields).map_err(|e| {
        ServiceError::new(
            SERVICE,
            ServiceErrorKind::InvalidResponse,
            format!("decoding a document: {e}"),
        )
    })
}

const KEY_ACTIVE: &str = "active";
pub const KEY_REVOKED: &str = "revoked";

/// The attribute of the tenant's own create limit, on the tenant item and (copied, so that
/// the one key lookup brings it) on each of its API keys.
pub const CREATES_PER_MINUTE: &str = "createsPerMinute";

pub fn api_key_item(
    hash: &ApiKeyHash,
    tenant: &TenantId,
    key_id: &str,
    created_at: u64,
    creates_per_minute: Option<u32>,
) -> Item {
    let mut key = item(
        keys::api_key(hash),
        vec![
            ("type", s("apiKey")),
            (keys::GSI1PK, s(keys::api_keys_of(tenant))),
            (keys::GSI1SK, s(key_id)),
            ("keyHash", s(hash.as_str())),
            ("keyId", s(key_id)),
            ("tenantId", s(tenant.as_str())),
            ("status", s(KEY_ACTIVE)),
            ("createdAt", n(created_at)),
        ],
    );
    if let Some(limit) = creates_per_minute {
        key.insert(CREATES_PER_MINUTE.into(), n(limit));
    }
    key
}

pub fn api_key_hash(item: &Item) -> Result<ApiKeyHash, ServiceError> {
    Ok(ApiKeyHash::from_stored(text(item, "keyHash")?.to_owned()))
}

pub fn api_key(item: &Item) -> Result<ApiKeyRecord, ServiceError> {
    Ok(ApiKeyRecord {
        hash: api_key_hash(item)?,
        tenant: TenantId::parse(text(item, "tenantId")?).map_err(|_| corrupt("tenantId"))?,
        active: text(item, "status")? == KEY_ACTIVE,
        creates_per_minute: get_n(item, CREATES_PER_MINUTE),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DocumentIdentification {
        serde_json::from_str(include_str!("../../../events/document.json")).unwrap()
    }

    #[test]
    fn a_document_item_decodes_to_the_document_it_encodes() {
        let tenant = TenantId::parse("acme").unwrap();
        let id = DocumentId::parse("passport-1").unwrap();
        let item = document_item(&tenant, &id, &sample(), 1_700_000_000, 1_702_592_000).unwrap();
        assert_eq!(get_s(&item, "pk"), Some("TENANT#acme#DOC#passport-1"));
        assert_eq!(get_n::<i64>(&item, DOCUMENT_REFS), Some(0));
        assert_eq!(
            get_n::<u64>(&item, keys::TTL_ATTRIBUTE),
            Some(1_702_592_000)
        );
        assert_eq!(get_s(&item, "type"), Some("document"));
        assert_eq!(get_s(&item, "tenantId"), Some("acme"));
        assert_eq!(get_n::<u64>(&item, "createdAt"), Some(1_700_000_000));
        assert_eq!(document_id(&item).unwrap(), id);
        assert_eq!(document(&item).unwrap(), sample());
    }

    #[test]
    fn an_api_key_item_decodes_to_an_active_record() {
        let tenant = TenantId::parse("acme").unwrap();
        let hash = ApiKeyHash::from_stored("ab".repeat(32));
        let mut item = api_key_item(&hash, &tenant, "k1", 1, Some(7));
        assert_eq!(api_key(&item).unwrap().creates_per_minute, Some(7));
        let record = api_key(&item).unwrap();
        assert_eq!(
            (record.hash, record.tenant, record.active),
            (hash, tenant, true)
        );
        item.insert("status".into(), s(KEY_REVOKED));
        assert!(!api_key(&item).unwrap().active);
        item.remove("tenantId");
        assert_eq!(
            api_key(&item).unwrap_err().kind,
            ServiceErrorKind::InvalidResponse
        );
    }
}
