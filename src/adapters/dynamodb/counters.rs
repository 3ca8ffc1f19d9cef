//! The statistics counters (`GET /api/stats`), kept by the writes they count, in the same
//! transactions: create and its release, every status transition, delete and clear. Never
//! computed by scanning.
//!
//! A tenant's counters live in one partition (`keys::stats_of`): the requests held now by
//! status (`NOW#<shard>`), and each UTC day's events (`DAY#<date>#<shard>`). Each write adds
//! to one shard of each, so concurrent transactions of a tenant rarely touch the same counter
//! item (DynamoDB cancels, rather than queues, transactions that meet on an item); the reader
//! sums the shards. A transaction that still meets another on a counter is tried again.

use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Select, TransactWriteItem, Update};
use time::Date;

use super::codec::{self, n, s, Item};
use super::{keys, DynamoStore, SERVICE};
use crate::adapters::{is_conflict, sdk_error, OrServiceError};
use crate::domain::stats::{CounterChange, DayCounts, DayEvent, StatusCounts, Window};
use crate::domain::{RequestId, RequestStatus, TenantId};
use crate::ports::{ServiceError, ServiceErrorKind, Stats, StatsStore};

/// Counter items per tenant and kind; more spreads concurrent writes wider, fewer makes the
/// read smaller (30 days × shards items).
pub const COUNTER_SHARDS: u8 = 4;
/// How long a day's counters are kept (their `ttl`): longer than any window read.
pub const DAY_COUNTER_DAYS: u64 = 400;
/// Tries of a transaction that keeps meeting concurrent ones on its items.
const CONFLICT_TRIES: u32 = 5;

/// The shard a request's writes count on: the same on every try of one write, so a retried
/// transaction (with its idempotency token) is the same transaction.
pub fn shard_of(id: &RequestId) -> u8 {
    (id.to_string()
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31) ^ u32::from(b))
        % u32::from(COUNTER_SHARDS)) as u8
}

/// How a counted transaction ended.
pub enum Counted {
    Done,
    /// A condition of the counted items no longer held; nothing changed. The reasons, in the
    /// items' order (the counter updates last), tell which.
    Refused(Vec<String>),
}

impl DynamoStore {
    /// The updates that move the counters by `change` on `shard`.
    pub(super) fn counter_items(
        &self,
        tenant: &TenantId,
        change: &CounterChange,
        shard: u8,
    ) -> Result<Vec<TransactWriteItem>, ServiceError> {
        let mut items = Vec::new();
        let moves: Vec<&(RequestStatus, i64)> =
            change.statuses.iter().filter(|(_, d)| *d != 0).collect();
        if !moves.is_empty() {
            let mut update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(keys::status_counter(tenant, shard).item()));
            let mut adds = Vec::new();
            for (status, delta) in moves {
                adds.push(format!("#{status} :{status}"));
                update = update
                    .expression_attribute_names(format!("#{status}"), status.as_str())
                    .expression_attribute_values(format!(":{status}"), n(delta));
            }
            let update = update
                .update_expression(format!("ADD {}", adds.join(", ")))
                .build()
                .or_service(SERVICE)?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        if let Some(DayEvent { event, delta, day }) = change.event {
            let expires = (day.midnight().assume_utc().unix_timestamp().max(0) as u64)
                + DAY_COUNTER_DAYS * 86_400;
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(keys::day_counter(tenant, day, shard).item()))
                .update_expression("SET #ttl = if_not_exists(#ttl, :ttl) ADD #event :delta")
                .expression_attribute_names("#ttl", keys::TTL_ATTRIBUTE)
                .expression_attribute_names("#event", event.as_str())
                .expression_attribute_values(":ttl", n(expires))
                .expression_attribute_values(":delta", n(delta))
                .build()
                .or_service(SERVICE)?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        Ok(items)
    }

    /// Runs `items` with the counter updates of `change` in one transaction. Meeting a
    /// concurrent transaction is tried again, on another shard unless `shard` fixes it (and with
    /// `token`, DynamoDB's idempotency token, which needs the same items every time).
    pub(super) async fn transact_counted(
        &self,
        items: Vec<TransactWriteItem>,
        tenant: &TenantId,
        change: &CounterChange,
        shard: Option<u8>,
        token: Option<String>,
    ) -> Result<Counted, ServiceError> {
        let mut attempt = 0;
        loop {
            let shard = shard.unwrap_or_else(|| rand::random::<u8>() % COUNTER_SHARDS);
            let mut all = items.clone();
            all.extend(self.counter_items(tenant, change, shard)?);
            let Err(err) = self.send_transaction(all, token.clone()).await else {
                return Ok(Counted::Done);
            };
            let reasons: Vec<String> = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => e
                    .cancellation_reasons()
                    .iter()
                    .map(|r| r.code().unwrap_or("None").to_owned())
                    .collect(),
                Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
                    vec!["TransactionConflict".into()]
                }
                _ => return Err(sdk_error(SERVICE, &err)),
            };
            if reasons.iter().any(|r| r == "ConditionalCheckFailed") {
                return Ok(Counted::Refused(reasons));
            }
            if !reasons.iter().any(|r| is_conflict(r)) {
                return Err(ServiceError::new(
                    SERVICE,
                    ServiceErrorKind::Rejected,
                    format!("transaction cancelled: {reasons:?}"),
                ));
            }
            attempt += 1;
            if attempt >= CONFLICT_TRIES {
                return Err(ServiceError::new(
                    SERVICE,
                    ServiceErrorKind::Conflict,
                    "transaction kept meeting concurrent writes",
                ));
            }
            let jitter = rand::random::<u64>() % 50;
            tokio::time::sleep(Duration::from_millis(25 * u64::from(attempt) + jitter)).await;
        }
    }

    /// [`Self::transact_counted`] for one request's write, counted on its shard: `false`
    /// when a condition no longer held.
    pub(super) async fn transact_for(
        &self,
        items: Vec<TransactWriteItem>,
        tenant: &TenantId,
        id: &RequestId,
        change: &CounterChange,
    ) -> Result<bool, ServiceError> {
        let counted = self
            .transact_counted(items, tenant, change, Some(shard_of(id)), None)
            .await?;
        Ok(matches!(counted, Counted::Done))
    }

    /// The counters of `window`'s days and the status counts: one query over the tenant's
    /// counter partition. Then how many pending requests' codes ran out by `now` (a `COUNT`
    /// query over the lapsed key range of the status index, which holds nothing else).
    pub(super) async fn read_stats(
        &self,
        tenant: &TenantId,
        window: Window,
        now: u64,
    ) -> Result<Stats, ServiceError> {
        let mut current = StatusCounts::default();
        let mut days: Vec<(Date, DayCounts)> = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk >= :from")
                .expression_attribute_values(":pk", s(keys::stats_of(tenant)))
                .expression_attribute_values(":from", s(keys::days_from(window.from)))
                .set_exclusive_start_key(start)
                .send()
                .await
                .or_service(SERVICE)?;
            for item in out.items() {
                let sk = codec::text(item, keys::SK)?;
                match keys::counter_day(sk) {
                    Some(None) => add_status_counts(&mut current, item),
                    Some(Some(day)) if window.contains(day) => {
                        days.push((day, codec::day_counts(item)))
                    }
                    _ => {}
                }
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        let lapsed = self.count_lapsed(tenant, now).await?;
        Ok(Stats {
            current,
            lapsed,
            days,
        })
    }

    async fn count_lapsed(&self, tenant: &TenantId, now: u64) -> Result<i64, ServiceError> {
        let mut total = 0i64;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI2)
                .key_condition_expression("gsi2pk = :pk AND gsi2sk < :open")
                .expression_attribute_values(
                    ":pk",
                    s(keys::requests_in(tenant, RequestStatus::Pending)),
                )
                .expression_attribute_values(":open", s(keys::instant(now + 1)))
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .or_service(SERVICE)?;
            total += i64::from(out.count());
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(total);
            }
        }
    }
}

impl StatsStore for DynamoStore {
    async fn stats(
        &self,
        tenant: &TenantId,
        days: Window,
        now: u64,
    ) -> Result<Stats, ServiceError> {
        self.read_stats(tenant, days, now).await
    }
}

fn add_status_counts(counts: &mut StatusCounts, item: &Item) {
    for status in RequestStatus::ALL {
        counts.add(status, codec::count(item, status.as_str()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_always_counts_on_the_same_shard_and_requests_spread_over_all() {
        let ids: Vec<RequestId> = (0..200).map(|_| RequestId::generate()).collect();
        for id in &ids {
            assert_eq!(shard_of(id), shard_of(id));
            assert!(shard_of(id) < COUNTER_SHARDS);
        }
        let used: std::collections::HashSet<u8> = ids.iter().map(shard_of).collect();
        assert_eq!(used.len(), usize::from(COUNTER_SHARDS));
    }
}
