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
//! | `counters.rs`     | `StatsStore`: the counters every write keeps, and their read   |
//! | `operator.rs`     | the admin tool's and tests' operations; no function calls them |

mod api_keys;
mod codec;
mod counters;
mod documents;
mod keys;
mod lifecycle;
mod listing;
mod operator;
mod submit;
mod verification;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;

use super::OrServiceError;
use crate::domain::{RequestId, RequestStatus, TenantId};
use crate::ports::ServiceError;
use codec::{s, Item};
use keys::Key;

pub use counters::{COUNTER_SHARDS, DAY_COUNTER_DAYS};
pub use keys::{GSI1, GSI2, TTL_ATTRIBUTE};

const SERVICE: &str = "dynamodb";

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

/// A conditional change to one item, built clause by clause: `SET` assignments, conditions
/// (all must hold) and the values they name.
struct Change {
    key: Key,
    set: Vec<String>,
    conditions: Vec<String>,
    values: Item,
}

impl Change {
    fn new(key: Key) -> Self {
        Self {
            key,
            set: vec![],
            conditions: vec![],
            values: Item::new(),
        }
    }

    fn set(mut self, assignment: impl Into<String>) -> Self {
        self.set.push(assignment.into());
        self
    }

    fn when(mut self, condition: impl Into<String>) -> Self {
        self.conditions.push(condition.into());
        self
    }

    fn value(mut self, name: &str, value: AttributeValue) -> Self {
        self.values.insert(name.to_owned(), value);
        self
    }
}

/// Puts a [`Change`] on an `UpdateItem` request or a transaction's `Update`: their builders
/// have the same setters but share no trait. `#status` names the `status` attribute (a
/// reserved word).
macro_rules! with_change {
    ($builder:expr, $table:expr, $change:expr) => {{
        let Change {
            key,
            set,
            conditions,
            values,
        } = $change;
        let update = format!("SET {}", set.join(", "));
        let condition = conditions.join(" AND ");
        let status = (update.contains("#status") || condition.contains("#status"))
            .then(|| std::collections::HashMap::from([("#status".into(), "status".into())]));
        $builder
            .table_name($table)
            .set_key(Some(key.item()))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(status)
            .set_expression_attribute_values(Some(values))
    }};
}

/// Whether a write failed only because its condition no longer held (or a concurrent
/// transaction touched the same items): the caller re-reads and decides again.
fn lost_race<E: ProvideErrorMetadata>(err: &SdkError<E>) -> bool {
    matches!(
        err.as_service_error().and_then(|e| e.code()),
        Some(
            "ConditionalCheckFailedException"
                | "TransactionCanceledException"
                | "TransactionConflictException"
        )
    )
}

/// A write that may lose a race: `Ok(false)` when it did, changing nothing.
fn unless_lost<T, E>(result: Result<T, SdkError<E>>) -> Result<bool, ServiceError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if lost_race(&err) => Ok(false),
        Err(err) => Err(err).or_service(SERVICE),
    }
}

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

    /// Applies a conditional change on its own; `false` when its condition no longer held.
    async fn conditional_update(&self, change: Change) -> Result<bool, ServiceError> {
        let request = with_change!(self.client.update_item(), &self.table, change);
        unless_lost(request.send().await)
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
