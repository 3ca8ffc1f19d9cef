//! The DynamoDB store: every store port over one table, and the only code that knows the
//! single-table design ([`keys`] has the layout).
//!
//! | file              | what                                                           |
//! |-------------------|----------------------------------------------------------------|
//! | `mod.rs`          | the client wrapper: reads, conditional writes, transactions    |
//! | `keys.rs`         | the key layout (every key string) and the table design         |
//! | `codec.rs`        | items to and from `AttributeValue`                             |
//! | `api_keys.rs`     | `ApiKeyStore`                                                  |
//! | `submit.rs`       | `RequestStore`: the create transaction and its release         |
//! | `lifecycle.rs`    | `RequestLifecycle`: get, list, documents, delete, clear        |
//! | `listing.rs`      | listing requests: by acceptance on `gsi1`, by status on `gsi2` |
//! | `verification.rs` | `VerificationStore`: what the call's answers change            |
//! | `calls.rs`        | `CallStore`: the call attributes the dialer and redial write   |
//! | `counters.rs`     | `StatsStore`: the counters every write keeps, and their read   |
//! | `sweep.rs`        | `SweepStore`: counting a request DynamoDB's TTL removed        |
//! | `operator.rs`     | the admin tool's and tests' operations; no function calls them |

mod api_keys;
mod calls;
mod codec;
mod counters;
mod documents;
mod keys;
mod lifecycle;
mod listing;
mod operator;
mod submit;
mod sweep;
mod verification;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;

use super::OrServiceError;
use crate::domain::{RequestId, RequestStatus, TenantId};
use crate::ports::{ServiceError, ServiceErrorKind};
use codec::{s, Item};
use keys::Key;

pub use counters::{COUNTER_SHARDS, DAY_COUNTER_DAYS};
pub use keys::{GSI1, GSI2, TTL_ATTRIBUTE};
pub use sweep::{removed_request, SWEPT_MARKER_SECONDS};

const SERVICE: &str = "dynamodb";

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// How long failed and expired requests and unused documents are kept (`RETENTION_DAYS`).
    retention: Duration,
}

/// A conditional change to one item, built clause by clause: `SET` assignments, `ADD`
/// increments, conditions (all must hold), and the names and values they use.
struct Change {
    key: Key,
    set: Vec<String>,
    add: Vec<String>,
    remove: Vec<String>,
    conditions: Vec<String>,
    names: HashMap<String, String>,
    values: Item,
}

impl Change {
    fn new(key: Key) -> Self {
        Self {
            key,
            set: vec![],
            add: vec![],
            remove: vec![],
            conditions: vec![],
            names: HashMap::new(),
            values: Item::new(),
        }
    }

    fn set(mut self, assignment: impl Into<String>) -> Self {
        self.set.push(assignment.into());
        self
    }

    fn add(mut self, increment: impl Into<String>) -> Self {
        self.add.push(increment.into());
        self
    }

    fn remove(mut self, attribute: impl Into<String>) -> Self {
        self.remove.push(attribute.into());
        self
    }

    fn when(mut self, condition: impl Into<String>) -> Self {
        self.conditions.push(condition.into());
        self
    }

    /// `#placeholder` for an attribute whose name is a reserved word.
    fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names
            .insert(placeholder.to_owned(), attribute.to_owned());
        self
    }

    fn value(mut self, name: &str, value: AttributeValue) -> Self {
        self.values.insert(name.to_owned(), value);
        self
    }

    /// The update expression: `SET …`, `ADD …`, then `REMOVE …`.
    fn expression(&self) -> String {
        let mut clauses = vec![];
        if !self.set.is_empty() {
            clauses.push(format!("SET {}", self.set.join(", ")));
        }
        if !self.add.is_empty() {
            clauses.push(format!("ADD {}", self.add.join(", ")));
        }
        if !self.remove.is_empty() {
            clauses.push(format!("REMOVE {}", self.remove.join(", ")));
        }
        clauses.join(" ")
    }
}

/// Puts a [`Change`] on an `UpdateItem` request or a transaction's `Update`: their builders
/// have the same setters but share no trait. `#status` always names the `status` attribute (a
/// reserved word) when the expressions use it.
macro_rules! with_change {
    ($builder:expr, $table:expr, $change:expr) => {{
        let mut change = $change;
        let update = change.expression();
        let condition = change.conditions.join(" AND ");
        if update.contains("#status") || condition.contains("#status") {
            change.names.insert("#status".into(), "status".into());
        }
        let names = (!change.names.is_empty()).then_some(change.names);
        $builder
            .table_name($table)
            .set_key(Some(change.key.item()))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(Some(change.values))
    }};
}

/// How often a write that met a concurrent transaction on the same items is tried again
/// before the caller hears `Conflict`; the pauses grow from [`CONFLICT_PAUSE`], with jitter.
const CONFLICT_RETRIES: u32 = 3;
const CONFLICT_PAUSE: Duration = Duration::from_millis(20);

/// Why a conditional write did not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lost {
    /// A condition no longer held: the item is gone or moved on. Final.
    Condition,
    /// A concurrent transaction held the items: worth trying again shortly.
    Conflict,
}

/// What a failed single-item write means, when it means a lost race.
fn lost_update<E: ProvideErrorMetadata>(err: &SdkError<E>) -> Option<Lost> {
    match err.as_service_error().and_then(|e| e.code())? {
        "ConditionalCheckFailedException" => Some(Lost::Condition),
        "TransactionConflictException" => Some(Lost::Conflict),
        _ => None,
    }
}

/// A pause before retrying after a conflict: `CONFLICT_PAUSE × 2^attempt`, plus up to as
/// much again at random, so racing writers spread out.
async fn conflict_pause(attempt: u32) {
    let base = CONFLICT_PAUSE * (1 << attempt);
    let jitter = base.mul_f64(rand::random::<f64>());
    tokio::time::sleep(base + jitter).await;
}

fn kept_conflicting() -> ServiceError {
    ServiceError::new(
        SERVICE,
        ServiceErrorKind::Conflict,
        "concurrent transactions kept holding the items",
    )
}

/// Runs a conditional single-item write, again after a conflict: `Ok(true)` applied,
/// `Ok(false)` a condition no longer held (changing nothing), `Err` with kind `Conflict` when
/// concurrent transactions kept holding the item. (Transactions go through
/// `counters::transact_counted`, which retries conflicts the same way.)
async fn conditionally<E, Fut>(mut write: impl FnMut() -> Fut) -> Result<bool, ServiceError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), SdkError<E>>>,
{
    for attempt in 0..=CONFLICT_RETRIES {
        let err = match write().await {
            Ok(()) => return Ok(true),
            Err(err) => err,
        };
        match lost_update(&err) {
            Some(Lost::Condition) => return Ok(false),
            Some(Lost::Conflict) if attempt < CONFLICT_RETRIES => conflict_pause(attempt).await,
            Some(Lost::Conflict) => return Err(kept_conflicting()),
            None => return Err(err).or_service(SERVICE),
        }
    }
    Err(kept_conflicting())
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            retention: Duration::from_secs(crate::config::DEFAULT_RETENTION_DAYS * 86_400),
        }
    }

    /// The store with another retention (`RETENTION_DAYS`).
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// The TTL (Unix seconds) of something kept for the retention from `from`.
    fn kept_until(&self, from: u64) -> u64 {
        from + self.retention.as_secs()
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Reads one item and decodes it. A consistent read sees every write acknowledged before.
    async fn get<T>(
        &self,
        key: Key,
        consistent: bool,
        decode: impl FnOnce(&Item) -> Result<T, ServiceError>,
    ) -> Result<Option<T>, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.item()))
            .consistent_read(consistent)
            .send()
            .await
            .or_service(SERVICE)?;
        out.item.as_ref().map(decode).transpose()
    }

    /// A query over a tenant's requests on the index, oldest first: all of them, or only the
    /// accepted (or the not yet accepted) ones.
    fn requests_query(&self, tenant: &TenantId, accepted: Option<bool>) -> QueryFluentBuilder {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .expression_attribute_values(":pk", s(keys::requests_of(tenant)));
        match accepted {
            None => query.key_condition_expression("gsi1pk = :pk"),
            Some(accepted) => query
                .key_condition_expression("gsi1pk = :pk AND begins_with(gsi1sk, :prefix)")
                .expression_attribute_values(":prefix", s(keys::listing_prefix(accepted))),
        }
    }

    /// An `UpdateItem` request of a [`Change`], to send (or to add to, e.g. `ReturnValues`).
    fn update_item(&self, change: Change) -> UpdateItemFluentBuilder {
        with_change!(self.client.update_item(), &self.table, change)
    }

    /// Applies a conditional change on its own; `false` when its condition no longer held.
    async fn conditional_update(&self, change: Change) -> Result<bool, ServiceError> {
        let request = self.update_item(change);
        conditionally(|| async { request.clone().send().await.map(drop) }).await
    }

    /// A conditional change as part of a transaction.
    fn update(&self, change: Change) -> Result<TransactWriteItem, ServiceError> {
        let update = with_change!(Update::builder(), &self.table, change)
            .build()
            .or_service(SERVICE)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn put(&self, item: Item, condition: &str) -> Result<TransactWriteItem, ServiceError> {
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
        key: Key,
        condition: Option<(&str, Item)>,
    ) -> Result<TransactWriteItem, ServiceError> {
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key.item()));
        if let Some((expression, values)) = condition {
            if expression.contains("#status") {
                delete = delete.expression_attribute_names("#status", "status");
            }
            delete = delete.condition_expression(expression);
            if !values.is_empty() {
                delete = delete.set_expression_attribute_values(Some(values));
            }
        }
        Ok(TransactWriteItem::builder()
            .delete(delete.build().or_service(SERVICE)?)
            .build())
    }

    /// The writes that remove a request for good: the request (which must still be in
    /// `status`, so the counters it is taken off are right), its OTP, and its email and phone
    /// reservations (unless another request holds them). One transaction of these never leaves
    /// a reservation without its request or the reverse.
    fn removal_items(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        (email_key, phone_key): (&str, &str),
        status: RequestStatus,
    ) -> Result<Vec<TransactWriteItem>, ServiceError> {
        let exists = Some((
            "#status = :status",
            codec::values(vec![(":status", s(status.as_str()))]),
        ));
        let ours = || {
            Some((
                "attribute_not_exists(pk) OR requestId = :id",
                codec::values(vec![(":id", s(id.to_string()))]),
            ))
        };
        Ok(vec![
            self.delete(keys::request(tenant, id), exists)?,
            self.delete(keys::otp(tenant, id), None)?,
            self.delete(keys::email(tenant, email_key), ours())?,
            self.delete(keys::phone(tenant, phone_key), ours())?,
        ])
    }

    /// [`Self::removal_items`] for a stored request item, in the status it was read in.
    fn removal_items_of(
        &self,
        tenant: &TenantId,
        request: &Item,
    ) -> Result<Vec<TransactWriteItem>, ServiceError> {
        let id = codec::request_id(request)?;
        let status = codec::status(request)?;
        self.removal_items(tenant, &id, codec::reservation_keys(request)?, status)
    }

    /// Runs a transaction. With a `token`, an SDK retry of a commit whose answer was lost
    /// succeeds instead of failing on the transaction's own writes.
    async fn send_transaction(
        &self,
        items: Vec<TransactWriteItem>,
        token: Option<String>,
    ) -> Result<(), SdkError<TransactWriteItemsError>> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(token)
            .send()
            .await
            .map(drop)
    }
}
