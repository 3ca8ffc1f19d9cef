//! The single-table design, and the only place that knows it.
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

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, ScalarAttributeType,
    TimeToLiveSpecification, TransactWriteItem,
};
use aws_sdk_dynamodb::Client;

use super::{is_conflict, is_throttling, sdk_error, OrServiceError};
use crate::domain::{
    ApiKeyHash, DocumentId, DocumentIdentification, NewKycRequest, OtpHash, RequestId,
    RequestStatus, TenantId, Transition,
};
use crate::ports::{
    AcceptedFilter, ApiKeyRecord, ApiKeyStore, ClearOutcome, CreateError, Page, PageCursor,
    RequestLifecycle, RequestStore, ServiceError, ServiceErrorKind, StoredRequest,
    TransitionDetails, VerificationRecord, VerificationStore,
};

const SERVICE: &str = "dynamodb";
pub const GSI1: &str = "gsi1";
pub const TTL_ATTRIBUTE: &str = "ttl";

/// How often a transaction that lost a `TransactionConflict` is tried again before giving up.
const CONFLICT_RETRIES: u32 = 4;

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

/// The keys of every item kind. Ids are key-safe by construction (see `domain::ids`).
mod keys {
    use crate::domain::{ApiKeyHash, DocumentId, RequestId, TenantId};

    pub fn api_key(hash: &ApiKeyHash) -> (String, String) {
        (format!("APIKEY#{}", hash.as_str()), "APIKEY".into())
    }
    pub fn api_keys_of(tenant: &TenantId) -> String {
        format!("TENANT#{tenant}#APIKEYS")
    }
    pub fn document(tenant: &TenantId, id: &DocumentId) -> (String, String) {
        (format!("TENANT#{tenant}#DOC#{id}"), "DOC".into())
    }
    pub fn request(tenant: &TenantId, id: &RequestId) -> (String, String) {
        (format!("TENANT#{tenant}#REQ#{id}"), "REQ".into())
    }
    pub fn otp(tenant: &TenantId, id: &RequestId) -> (String, String) {
        (format!("TENANT#{tenant}#REQ#{id}"), "OTP".into())
    }
    pub fn requests_of(tenant: &TenantId) -> String {
        format!("TENANT#{tenant}#REQ")
    }
    pub fn request_listing(accepted: bool, id: &RequestId) -> String {
        format!("ACCEPTED#{accepted}#{id}")
    }
    pub fn email(tenant: &TenantId, email_key: &str) -> (String, String) {
        (
            format!("TENANT#{tenant}#EMAIL#{email_key}"),
            "RESERVATION".into(),
        )
    }
    pub fn phone(tenant: &TenantId, phone_key: &str) -> (String, String) {
        (
            format!("TENANT#{tenant}#PHONE#{phone_key}"),
            "RESERVATION".into(),
        )
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn key_map((pk, sk): (String, String)) -> HashMap<String, AttributeValue> {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

fn item(
    key: (String, String),
    attributes: Vec<(&str, AttributeValue)>,
) -> HashMap<String, AttributeValue> {
    let mut item = key_map(key);
    item.extend(attributes.into_iter().map(|(k, v)| (k.to_owned(), v)));
    item
}

fn get_s<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn get_n<T: std::str::FromStr>(item: &HashMap<String, AttributeValue>, name: &str) -> Option<T> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

fn corrupt(what: &str) -> ServiceError {
    ServiceError::new(
        SERVICE,
        ServiceErrorKind::InvalidResponse,
        format!("stored item is malformed: {what}"),
    )
}

/// The attribute recording when a request entered `status`.
fn entered_at(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Pending => "createdAt",
        RequestStatus::Verified => "verifiedAt",
        RequestStatus::Failed => "failedAt",
        RequestStatus::Expired => "expiredAt",
        RequestStatus::Accepted => "acceptedAt",
    }
}

/// Whether a write failed only because its condition no longer held (or a concurrent
/// transaction touched the same items): the caller re-reads and decides again.
fn lost_race<E>(err: &aws_sdk_dynamodb::error::SdkError<E>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    matches!(
        err.as_service_error().and_then(|e| e.code()),
        Some(
            "ConditionalCheckFailedException"
                | "TransactionCanceledException"
                | "TransactionConflictException"
        )
    )
}

/// Positions of the items in the create transaction, which `CancellationReasons` follows.
const CREATE_DOCUMENT: usize = 0;
const CREATE_EMAIL: usize = 3;
const CREATE_PHONE: usize = 4;

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Runs a conditional single-item update; `false` when its condition no longer held.
    async fn conditional_update(
        &self,
        key: (String, String),
        update: &str,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<bool, ServiceError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .update_expression(update)
            .condition_expression(condition)
            .expression_attribute_names("#status", "status")
            .set_expression_attribute_values(Some(
                values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            ))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if lost_race(&err) => Ok(false),
            Err(err) => Err(sdk_error(SERVICE, &err)),
        }
    }

    fn put(
        &self,
        item: HashMap<String, AttributeValue>,
        condition: &str,
    ) -> Result<TransactWriteItem, ServiceError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .build()
            .or_service(SERVICE)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn delete(
        &self,
        key: (String, String),
        condition: Option<(&str, HashMap<String, AttributeValue>)>,
    ) -> Result<TransactWriteItem, ServiceError> {
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_map(key)));
        if let Some((expression, values)) = condition {
            delete = delete.condition_expression(expression);
            if !values.is_empty() {
                delete = delete.set_expression_attribute_values(Some(values));
            }
        }
        Ok(TransactWriteItem::builder()
            .delete(delete.build().or_service(SERVICE)?)
            .build())
    }

    fn create_items(&self, r: &NewKycRequest) -> Result<Vec<TransactWriteItem>, ServiceError> {
        let id = r.id.to_string();
        let document_exists = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key_map(keys::document(&r.tenant, &r.document_id))))
            .condition_expression("attribute_exists(pk)")
            .build()
            .or_service(SERVICE)?;
        let request = item(
            keys::request(&r.tenant, &r.id),
            vec![
                ("type", s("request")),
                ("gsi1pk", s(keys::requests_of(&r.tenant))),
                ("gsi1sk", s(keys::request_listing(false, &r.id))),
                ("requestId", s(&id)),
                ("tenantId", s(r.tenant.as_str())),
                ("email", s(r.email.as_str())),
                ("emailKey", s(r.email.uniqueness_key())),
                ("phoneNumber", s(r.phone.e164())),
                ("phoneKey", s(r.phone.uniqueness_key())),
                ("documentId", s(r.document_id.as_str())),
                ("status", s(NewKycRequest::INITIAL_STATUS.as_str())),
                ("createdAt", n(r.created_at)),
                ("attemptsUsed", n(0)),
                ("maxAttempts", n(r.max_attempts)),
                ("otpExpiresAt", n(r.otp_expires_at)),
            ],
        );
        let otp = item(
            keys::otp(&r.tenant, &r.id),
            vec![
                ("type", s("otp")),
                ("otpHash", s(r.otp_hash.as_str())),
                ("expiresAt", n(r.otp_expires_at)),
                (TTL_ATTRIBUTE, n(r.otp_expires_at)),
            ],
        );
        let reservation = |kind: &str| vec![("type", s(kind)), ("requestId", s(&id))];
        let email = item(
            keys::email(&r.tenant, &r.email.uniqueness_key()),
            reservation("emailReservation"),
        );
        let phone = item(
            keys::phone(&r.tenant, &r.phone.uniqueness_key()),
            reservation("phoneReservation"),
        );
        let absent = "attribute_not_exists(pk)";
        // Order matters: see CREATE_DOCUMENT, CREATE_EMAIL, CREATE_PHONE.
        Ok(vec![
            TransactWriteItem::builder()
                .condition_check(document_exists)
                .build(),
            self.put(request, absent)?,
            self.put(otp, absent)?,
            self.put(email, absent)?,
            self.put(phone, absent)?,
        ])
    }

    /// The writes that remove a request for good: the request (which must exist), its OTP, and
    /// its email and phone reservations (unless another request holds them). One transaction
    /// of these never leaves a reservation without its request or the reverse.
    fn removal_items(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        email_key: &str,
        phone_key: &str,
    ) -> Result<Vec<TransactWriteItem>, ServiceError> {
        let exists = Some(("attribute_exists(pk)", HashMap::new()));
        let ours = || {
            Some((
                "attribute_not_exists(pk) OR requestId = :id",
                HashMap::from([(":id".to_owned(), s(id.to_string()))]),
            ))
        };
        Ok(vec![
            self.delete(keys::request(tenant, id), exists)?,
            self.delete(keys::otp(tenant, id), None)?,
            self.delete(keys::email(tenant, email_key), ours())?,
            self.delete(keys::phone(tenant, phone_key), ours())?,
        ])
    }

    fn removal_items_of(
        &self,
        tenant: &TenantId,
        item: &HashMap<String, AttributeValue>,
    ) -> Result<Vec<TransactWriteItem>, ServiceError> {
        let id = get_s(item, "requestId")
            .and_then(|r| RequestId::parse(r).ok())
            .ok_or_else(|| corrupt("requestId"))?;
        let email_key = get_s(item, "emailKey").ok_or_else(|| corrupt("emailKey"))?;
        let phone_key = get_s(item, "phoneKey").ok_or_else(|| corrupt("phoneKey"))?;
        self.removal_items(tenant, &id, email_key, phone_key)
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<bool, ServiceError> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(err) if lost_race(&err) => Ok(false),
            Err(err) => Err(sdk_error(SERVICE, &err)),
        }
    }

    /// How many requests a tenant still has (a `COUNT` query over the index).
    async fn count_requests(&self, tenant: &TenantId) -> Result<u64, ServiceError> {
        let mut total = 0u64;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", s(keys::requests_of(tenant)))
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .or_service(SERVICE)?;
            total += out.count() as u64;
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(total);
            }
        }
    }

    /// Creates the table if it does not exist yet (idempotent), with its index and TTL.
    /// In AWS the table comes from infra/; this serves local runs, tests and the admin tool.
    pub async fn ensure_table(&self) -> Result<(), ServiceError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .or_service(SERVICE)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .or_service(SERVICE)
        };
        let gsi = GlobalSecondaryIndex::builder()
            .index_name(GSI1)
            .key_schema(key("gsi1pk", KeyType::Hash)?)
            .key_schema(key("gsi1sk", KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .or_service(SERVICE)?;
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk")?)
            .attribute_definitions(attr("sk")?)
            .attribute_definitions(attr("gsi1pk")?)
            .attribute_definitions(attr("gsi1sk")?)
            .key_schema(key("pk", KeyType::Hash)?)
            .key_schema(key("sk", KeyType::Range)?)
            .global_secondary_indexes(gsi)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) =>
            {
                return Ok(())
            }
            Err(err) => return Err(sdk_error(SERVICE, &err)),
        }
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(TTL_ATTRIBUTE)
                    .build()
                    .or_service(SERVICE)?,
            )
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }

    /// Stores an API key's hash for a tenant. `key_id` is a short public handle for revoking.
    pub async fn put_api_key(
        &self,
        hash: &ApiKeyHash,
        tenant: &TenantId,
        key_id: &str,
        created_at: u64,
    ) -> Result<(), ServiceError> {
        let item = item(
            keys::api_key(hash),
            vec![
                ("type", s("apiKey")),
                ("gsi1pk", s(keys::api_keys_of(tenant))),
                ("gsi1sk", s(key_id)),
                ("keyHash", s(hash.as_str())),
                ("keyId", s(key_id)),
                ("tenantId", s(tenant.as_str())),
                ("status", s("active")),
                ("createdAt", n(created_at)),
            ],
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }

    /// Revokes a tenant's key by its key id. Returns whether such a key existed.
    pub async fn revoke_api_key(
        &self,
        tenant: &TenantId,
        key_id: &str,
        revoked_at: u64,
    ) -> Result<bool, ServiceError> {
        let found = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :pk AND gsi1sk = :sk")
            .expression_attribute_values(":pk", s(keys::api_keys_of(tenant)))
            .expression_attribute_values(":sk", s(key_id))
            .send()
            .await
            .or_service(SERVICE)?;
        let Some(hash) = found.items().first().and_then(|i| get_s(i, "keyHash")) else {
            return Ok(false);
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(keys::api_key(&ApiKeyHash::from_stored(
                hash.to_owned(),
            )))))
            .update_expression("SET #status = :revoked, revokedAt = :at")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":revoked", s("revoked"))
            .expression_attribute_values(":at", n(revoked_at))
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(true)
    }

    /// Registers a document identification record for a tenant.
    pub async fn put_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        document: &DocumentIdentification,
        created_at: u64,
    ) -> Result<(), ServiceError> {
        let mut fields: HashMap<String, AttributeValue> =
            serde_dynamo::to_item(document).map_err(|e| {
                ServiceError::new(
                    SERVICE,
                    ServiceErrorKind::Rejected,
                    format!("encoding a document: {e}"),
                )
            })?;
        fields.extend(item(
            keys::document(tenant, id),
            vec![
                ("type", s("document")),
                ("documentId", s(id.as_str())),
                ("tenantId", s(tenant.as_str())),
                ("createdAt", n(created_at)),
            ],
        ));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(fields))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }

    /// Reads a tenant's document record.
    pub async fn get_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
    ) -> Result<Option<DocumentIdentification>, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_map(keys::document(tenant, id))))
            .consistent_read(true)
            .send()
            .await
            .or_service(SERVICE)?;
        let Some(mut fields) = out.item else {
            return Ok(None);
        };
        for bookkeeping in ["pk", "sk", "type", "documentId", "tenantId", "createdAt"] {
            fields.remove(bookkeeping);
        }
        serde_dynamo::from_item(fields).map(Some).map_err(|e| {
            ServiceError::new(
                SERVICE,
                ServiceErrorKind::InvalidResponse,
                format!("decoding a document: {e}"),
            )
        })
    }

    /// The raw items stored under a request's partition (request and OTP), for the tests and
    /// operators' debugging.
    pub async fn request_items(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, ServiceError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::request(tenant, id).0))
            .consistent_read(true)
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(out.items.unwrap_or_default())
    }

    /// The newest request of a tenant that is not accepted yet: its id and phone number.
    pub async fn newest_open_request(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<(RequestId, String)>, ServiceError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :pk AND begins_with(gsi1sk, :open)")
            .expression_attribute_values(":pk", s(keys::requests_of(tenant)))
            .expression_attribute_values(":open", s("ACCEPTED#false#"))
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .or_service(SERVICE)?;
        let Some(item) = out.items().first() else {
            return Ok(None);
        };
        let id = get_s(item, "requestId")
            .and_then(|r| RequestId::parse(r).ok())
            .ok_or_else(|| corrupt("requestId"))?;
        let phone = get_s(item, "phoneNumber").ok_or_else(|| corrupt("phoneNumber"))?;
        Ok(Some((id, phone.to_owned())))
    }

    /// Which request holds a tenant's email / phone reservation, if any: `(email, phone)`.
    pub async fn reservation_holders(
        &self,
        tenant: &TenantId,
        email_key: &str,
        phone_key: &str,
    ) -> Result<(Option<String>, Option<String>), ServiceError> {
        let holder = |key: (String, String)| async move {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .set_key(Some(key_map(key)))
                .consistent_read(true)
                .send()
                .await
                .or_service(SERVICE)?;
            Ok::<_, ServiceError>(
                out.item
                    .as_ref()
                    .and_then(|i| get_s(i, "requestId"))
                    .map(str::to_owned),
            )
        };
        let (email, phone) = tokio::try_join!(
            holder(keys::email(tenant, email_key)),
            holder(keys::phone(tenant, phone_key))
        )?;
        Ok((email, phone))
    }
}

impl ApiKeyStore for DynamoStore {
    async fn find_api_key(&self, hash: &ApiKeyHash) -> Result<Option<ApiKeyRecord>, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_map(keys::api_key(hash))))
            .send()
            .await
            .or_service(SERVICE)?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let field = |name: &str| {
            get_s(&item, name).ok_or_else(|| {
                ServiceError::new(
                    SERVICE,
                    ServiceErrorKind::InvalidResponse,
                    format!("API key item without {name}"),
                )
            })
        };
        let tenant = TenantId::parse(field("tenantId")?).map_err(|e| {
            ServiceError::new(
                SERVICE,
                ServiceErrorKind::InvalidResponse,
                format!("API key item: {e}"),
            )
        })?;
        Ok(Some(ApiKeyRecord {
            hash: ApiKeyHash::from_stored(field("keyHash")?.to_owned()),
            tenant,
            active: field("status")? == "active",
        }))
    }
}

fn parse_request(item: &HashMap<String, AttributeValue>) -> Result<StoredRequest, ServiceError> {
    let text = |name: &str| get_s(item, name).ok_or_else(|| corrupt(name));
    let number = |name: &str| get_n::<u64>(item, name).ok_or_else(|| corrupt(name));
    Ok(StoredRequest {
        id: RequestId::parse(text("requestId")?).map_err(|_| corrupt("requestId"))?,
        email: text("email")?.to_owned(),
        phone_number: text("phoneNumber")?.to_owned(),
        document_id: DocumentId::parse(text("documentId")?).map_err(|_| corrupt("documentId"))?,
        status: text("status")?.parse().map_err(|_| corrupt("status"))?,
        attempts_used: get_n(item, "attemptsUsed").ok_or_else(|| corrupt("attemptsUsed"))?,
        max_attempts: get_n(item, "maxAttempts").ok_or_else(|| corrupt("maxAttempts"))?,
        created_at: number("createdAt")?,
        otp_expires_at: number("otpExpiresAt")?,
        verified_at: get_n(item, "verifiedAt"),
        accepted_at: get_n(item, "acceptedAt"),
        failed_at: get_n(item, "failedAt"),
        expired_at: get_n(item, "expiredAt"),
    })
}

fn listing_prefix(filter: AcceptedFilter) -> Option<&'static str> {
    match filter {
        AcceptedFilter::All => None,
        AcceptedFilter::Accepted => Some("ACCEPTED#true#"),
        AcceptedFilter::NotAccepted => Some("ACCEPTED#false#"),
    }
}

/// Requests removed per transaction in `clear_requests`: 4 items each, 100 items at most.
const CLEAR_BATCH: usize = 25;
/// Requests read per index page in `clear_requests`.
const CLEAR_PAGE: i32 = 100;

impl RequestLifecycle for DynamoStore {
    async fn get_request(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Option<StoredRequest>, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_map(keys::request(tenant, id))))
            .consistent_read(true)
            .send()
            .await
            .or_service(SERVICE)?;
        out.item.as_ref().map(parse_request).transpose()
    }

    async fn list_requests(
        &self,
        tenant: &TenantId,
        filter: AcceptedFilter,
        limit: u32,
        start: Option<PageCursor>,
    ) -> Result<Page, ServiceError> {
        let partition = keys::requests_of(tenant);
        let prefix = listing_prefix(filter);
        let start = match start {
            None => None,
            Some(PageCursor(cursor)) => {
                // A cursor from another tenant's or another filter's listing reads nothing.
                let fits = cursor.get("gsi1pk") == Some(&partition)
                    && cursor
                        .get("gsi1sk")
                        .is_some_and(|sk| prefix.is_none_or(|p| sk.starts_with(p)));
                if !fits {
                    return Ok(Page {
                        requests: vec![],
                        next: None,
                    });
                }
                Some(cursor.into_iter().map(|(k, v)| (k, s(v))).collect())
            }
        };
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .expression_attribute_values(":pk", s(partition))
            .limit(limit.clamp(1, 1000) as i32)
            .set_exclusive_start_key(start);
        query = match prefix {
            None => query.key_condition_expression("gsi1pk = :pk"),
            Some(p) => query
                .key_condition_expression("gsi1pk = :pk AND begins_with(gsi1sk, :prefix)")
                .expression_attribute_values(":prefix", s(p)),
        };
        let out = query.send().await.or_service(SERVICE)?;
        let requests = out
            .items()
            .iter()
            .map(parse_request)
            .collect::<Result<_, _>>()?;
        let next = out.last_evaluated_key.map(|key| {
            PageCursor(
                key.into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_s().ok()?.clone())))
                    .collect(),
            )
        });
        Ok(Page { requests, next })
    }

    async fn get_documents(
        &self,
        tenant: &TenantId,
        ids: &[DocumentId],
    ) -> Result<HashMap<DocumentId, DocumentIdentification>, ServiceError> {
        let mut unique: Vec<&DocumentId> = ids.iter().collect();
        unique.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        unique.dedup();
        let mut found = HashMap::new();
        for chunk in unique.chunks(100) {
            let mut pending = Some(
                aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                    .set_keys(Some(
                        chunk
                            .iter()
                            .map(|id| key_map(keys::document(tenant, id)))
                            .collect(),
                    ))
                    .build()
                    .or_service(SERVICE)?,
            );
            while let Some(request) = pending.take() {
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .or_service(SERVICE)?;
                for mut item in out
                    .responses
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default()
                {
                    let Some(id) =
                        get_s(&item, "documentId").and_then(|d| DocumentId::parse(d).ok())
                    else {
                        continue;
                    };
                    for bookkeeping in ["pk", "sk", "type", "documentId", "tenantId", "createdAt"] {
                        item.remove(bookkeeping);
                    }
                    let document = serde_dynamo::from_item(item).map_err(|e| {
                        ServiceError::new(
                            SERVICE,
                            ServiceErrorKind::InvalidResponse,
                            format!("decoding a document: {e}"),
                        )
                    })?;
                    found.insert(id, document);
                }
                pending = out
                    .unprocessed_keys
                    .and_then(|mut keys| keys.remove(&self.table))
                    .filter(|k| !k.keys().is_empty());
            }
        }
        Ok(found)
    }

    async fn delete_request(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<bool, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_map(keys::request(tenant, id))))
            .consistent_read(true)
            .send()
            .await
            .or_service(SERVICE)?;
        let Some(item) = out.item else {
            return Ok(false);
        };
        // Conditional on the request still existing: a racing delete or clear wins once.
        self.transact(self.removal_items_of(tenant, &item)?).await
    }

    async fn clear_requests(
        &self,
        tenant: &TenantId,
        budget: Duration,
    ) -> Result<ClearOutcome, ServiceError> {
        let deadline = tokio::time::Instant::now() + budget;
        let mut deleted = 0u64;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", s(keys::requests_of(tenant)))
                .limit(CLEAR_PAGE)
                .set_exclusive_start_key(start)
                .send()
                .await
                .or_service(SERVICE)?;
            let batches = out.items().chunks(CLEAR_BATCH).map(|batch| async move {
                let mut items = Vec::with_capacity(batch.len() * 4);
                for request in batch {
                    items.extend(self.removal_items_of(tenant, request)?);
                }
                if self.transact(items).await? {
                    return Ok::<u64, ServiceError>(batch.len() as u64);
                }
                // Something in the batch changed meanwhile (a concurrent delete): one by one,
                // skipping what is already gone.
                let mut removed = 0;
                for request in batch {
                    if self
                        .transact(self.removal_items_of(tenant, request)?)
                        .await?
                    {
                        removed += 1;
                    }
                }
                Ok(removed)
            });
            for removed in futures::future::join_all(batches).await {
                deleted += removed?;
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(ClearOutcome {
                    deleted,
                    remaining: 0,
                });
            }
            if tokio::time::Instant::now() >= deadline {
                let remaining = self.count_requests(tenant).await?;
                return Ok(ClearOutcome { deleted, remaining });
            }
        }
    }
}

/// What a cancelled create transaction means, from its per-item reasons.
enum Cancelled {
    Refused(CreateError),
    Conflict,
}

fn classify_cancellation(codes: &[Option<&str>]) -> Cancelled {
    let code = |i: usize| codes.get(i).copied().flatten().unwrap_or("None");
    let failed = |i: usize| code(i) == "ConditionalCheckFailed";
    if failed(CREATE_DOCUMENT) {
        return Cancelled::Refused(CreateError::DocumentNotFound);
    }
    if failed(CREATE_EMAIL) || failed(CREATE_PHONE) {
        return Cancelled::Refused(CreateError::Taken {
            email: failed(CREATE_EMAIL),
            phone: failed(CREATE_PHONE),
        });
    }
    if codes.iter().flatten().any(|c| is_conflict(c)) {
        return Cancelled::Conflict;
    }
    let kind = if codes.iter().flatten().any(|c| is_throttling(c)) {
        ServiceErrorKind::Throttled
    } else {
        ServiceErrorKind::Rejected
    };
    let summary: Vec<&str> = (0..codes.len()).map(code).collect();
    Cancelled::Refused(CreateError::Service(ServiceError::new(
        SERVICE,
        kind,
        format!("create transaction cancelled: {summary:?}"),
    )))
}

impl RequestStore for DynamoStore {
    async fn create_request(&self, request: &NewKycRequest) -> Result<(), CreateError> {
        let items = self.create_items(request)?;
        let mut attempt = 0;
        loop {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                // Idempotency: if the SDK retries a commit whose answer was lost, DynamoDB
                // returns success instead of failing on our own reservations.
                .client_request_token(request.id.to_string())
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(()),
                Err(err) => err,
            };
            let cancelled = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                    let codes: Vec<Option<&str>> =
                        e.cancellation_reasons().iter().map(|r| r.code()).collect();
                    classify_cancellation(&codes)
                }
                Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
                    Cancelled::Conflict
                }
                _ => return Err(sdk_error(SERVICE, &err).into()),
            };
            match cancelled {
                Cancelled::Refused(refusal) => return Err(refusal),
                Cancelled::Conflict if attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                    let jitter = rand::random::<u64>() % 50;
                    tokio::time::sleep(Duration::from_millis(25 * u64::from(attempt) + jitter))
                        .await;
                }
                Cancelled::Conflict => {
                    return Err(ServiceError::new(
                        SERVICE,
                        ServiceErrorKind::Conflict,
                        "create transaction kept conflicting with concurrent writes",
                    )
                    .into())
                }
            }
        }
    }

    async fn release_request(&self, r: &NewKycRequest) -> Result<(), ServiceError> {
        let items = self.removal_items(
            &r.tenant,
            &r.id,
            &r.email.uniqueness_key(),
            &r.phone.uniqueness_key(),
        )?;
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }
}

impl VerificationStore for DynamoStore {
    async fn load_verification(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Option<VerificationRecord>, ServiceError> {
        let items = self.request_items(tenant, id).await?;
        let by_sk = |sk: &str| items.iter().find(|i| get_s(i, "sk") == Some(sk));
        let Some(request) = by_sk("REQ") else {
            return Ok(None);
        };
        let status = get_s(request, "status")
            .and_then(|s| s.parse::<RequestStatus>().ok())
            .ok_or_else(|| corrupt("request status"))?;
        let otp = by_sk("OTP").and_then(|otp| {
            Some((
                OtpHash::from_stored(get_s(otp, "otpHash")?.to_owned()),
                get_n(otp, "expiresAt")?,
            ))
        });
        let document_id = get_s(request, "documentId")
            .and_then(|d| DocumentId::parse(d).ok())
            .ok_or_else(|| corrupt("request documentId"))?;
        let document = self.get_document(tenant, &document_id).await?;
        Ok(Some(VerificationRecord {
            status,
            attempts_used: get_n(request, "attemptsUsed").ok_or_else(|| corrupt("attemptsUsed"))?,
            max_attempts: get_n(request, "maxAttempts").ok_or_else(|| corrupt("maxAttempts"))?,
            last_four_verified: request.contains_key("lastFourVerifiedAt"),
            otp,
            document_last_four: document.and_then(|d| d.document_last_four()),
        }))
    }

    async fn accept_last_four(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        contact_id: &str,
        now: u64,
    ) -> Result<bool, ServiceError> {
        self.conditional_update(
            keys::request(tenant, id),
            "SET lastFourVerifiedAt = :now, contactId = :contact",
            "#status = :pending",
            vec![
                (":now", n(now)),
                (":contact", s(contact_id)),
                (":pending", s(RequestStatus::Pending.as_str())),
            ],
        )
        .await
    }

    async fn spend_attempt(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        seen: u32,
        contact_id: &str,
        now: u64,
    ) -> Result<bool, ServiceError> {
        self.conditional_update(
            keys::request(tenant, id),
            "SET attemptsUsed = :next, lastAttemptAt = :now, contactId = :contact",
            "#status = :pending AND attemptsUsed = :seen",
            vec![
                (":next", n(seen + 1)),
                (":seen", n(seen)),
                (":now", n(now)),
                (":contact", s(contact_id)),
                (":pending", s(RequestStatus::Pending.as_str())),
            ],
        )
        .await
    }

    async fn transition(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        from: RequestStatus,
        transition: Transition,
        change: TransitionDetails<'_>,
    ) -> Result<bool, ServiceError> {
        // The state machine decides; a refused edge is never written.
        let Ok(to) = from.apply(transition) else {
            return Ok(false);
        };
        let mut update = format!("SET #status = :to, {} = :now", entered_at(to));
        let mut condition = "#status = :from".to_owned();
        let mut values = HashMap::from([
            (":to".to_owned(), s(to.as_str())),
            (":from".to_owned(), s(from.as_str())),
            (":now".to_owned(), n(change.now)),
        ]);
        if let Some(seen) = change.spend_from {
            update.push_str(", attemptsUsed = :next, lastAttemptAt = :now");
            condition.push_str(" AND attemptsUsed = :seen");
            values.insert(":next".into(), n(seen + 1));
            values.insert(":seen".into(), n(seen));
        }
        if let Some(contact) = change.contact_id {
            update.push_str(", contactId = :contact");
            values.insert(":contact".into(), s(contact));
        }
        if to.is_accepted() != from.is_accepted() {
            update.push_str(", gsi1sk = :listing");
            values.insert(
                ":listing".into(),
                s(keys::request_listing(to.is_accepted(), id)),
            );
        }
        let request = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_map(keys::request(tenant, id))))
            .update_expression(update)
            .condition_expression(condition)
            .expression_attribute_names("#status", "status")
            .set_expression_attribute_values(Some(values))
            .build()
            .or_service(SERVICE)?;
        let mut items = vec![TransactWriteItem::builder().update(request).build()];
        if from == RequestStatus::Pending {
            // The code is of no use once the request left pending.
            items.push(self.delete(keys::otp(tenant, id), None)?);
        }
        self.transact(items).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(codes: &[Option<&str>]) -> CreateError {
        match classify_cancellation(codes) {
            Cancelled::Refused(e) => e,
            Cancelled::Conflict => panic!("expected a refusal for {codes:?}"),
        }
    }

    const OK: Option<&str> = Some("None");
    const CCF: Option<&str> = Some("ConditionalCheckFailed");
    const CONFLICT: Option<&str> = Some("TransactionConflict");

    #[test]
    fn a_missing_document_is_reported_first() {
        assert_eq!(
            refused(&[CCF, OK, OK, OK, OK]),
            CreateError::DocumentNotFound
        );
        assert_eq!(
            refused(&[CCF, OK, OK, CCF, CCF]),
            CreateError::DocumentNotFound
        );
    }

    #[test]
    fn taken_reservations_name_their_fields() {
        assert_eq!(
            refused(&[OK, OK, OK, CCF, OK]),
            CreateError::Taken {
                email: true,
                phone: false
            }
        );
        assert_eq!(
            refused(&[OK, OK, OK, OK, CCF]),
            CreateError::Taken {
                email: false,
                phone: true
            }
        );
        assert_eq!(
            refused(&[OK, OK, OK, CCF, CCF]),
            CreateError::Taken {
                email: true,
                phone: true
            }
        );
    }

    #[test]
    fn conflicts_are_retried_and_other_codes_are_service_errors() {
        assert!(matches!(
            classify_cancellation(&[OK, OK, OK, CONFLICT, OK]),
            Cancelled::Conflict
        ));
        assert!(matches!(
            refused(&[OK, Some("ThrottlingError"), OK, OK, OK]),
            CreateError::Service(_)
        ));
    }
}
