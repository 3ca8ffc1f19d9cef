//! The sweeper Lambda's edge, as `dialer.rs` is the dialer's: a batch of the table's stream
//! records in, the record to retry out (`ReportBatchItemFailures`). Only the removals DynamoDB's
//! TTL made of request items are handled (`use_cases::sweep`); everything else is ignored: a
//! delete, a clear or a release by our own code already moved the counts in its transaction
//! (its record carries no `userIdentity`), and other items' removals count nothing. The event
//! source mapping's filter lets only TTL removals of request items through; this checks again.
//! `bin/sweeper.rs` only wires this to the Lambda runtime.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;

use crate::adapters::dynamodb::removed_request;
use crate::ports::{ImageStore, RemovedRequest, ServiceError, SweepStore};
use crate::use_cases::sweep::sweep;

/// The identity DynamoDB puts on the stream records of its TTL deletions (AWS, DynamoDB
/// Streams API, `Record.userIdentity`: "Items that are deleted by the Time to Live process
/// after expiration have the following fields: `type` "Service", `principalId`
/// "dynamodb.amazonaws.com"").
pub const TTL_IDENTITY: (&str, &str) = ("Service", "dynamodb.amazonaws.com");

/// The longest one record can take with every AWS call at its operation time-out
/// (`SdkSettings::SWEEPER`: 5 s): the transaction, the record's delete, the images' delete. A
/// record is started only with this much time left before the invocation's deadline; the rest
/// of the batch is handed back, so a slow batch ends reported, not cut off.
pub const RECORD_BUDGET: Duration = Duration::from_secs(15);

/// The sweeper's adapters: the store and the image bucket.
pub struct Sweeper<S, I> {
    pub store: S,
    pub images: I,
}

/// What one stream record is to the sweeper.
#[derive(Debug, PartialEq)]
pub enum Record {
    /// Not a TTL removal of a request item: nothing to do.
    Ignored,
    /// A request item DynamoDB's TTL removed.
    Removed(RemovedRequest),
    /// A TTL removal of an item with a request's key but not its attributes.
    Malformed(ServiceError),
}

/// Reads one record: a TTL removal (`REMOVE`, by DynamoDB's TTL identity) of a request item,
/// from its old image.
pub fn read(record: &EventRecord) -> Record {
    let by_ttl = record
        .user_identity
        .as_ref()
        .is_some_and(|u| (u.type_.as_str(), u.principal_id.as_str()) == TTL_IDENTITY);
    if record.event_name != "REMOVE" || !by_ttl {
        return Record::Ignored;
    }
    let old: HashMap<String, AttributeValue> = record.change.old_image.clone().into();
    match removed_request(&old) {
        None => Record::Ignored,
        Some(Ok(removed)) => Record::Removed(removed),
        Some(Err(err)) => Record::Malformed(err),
    }
}

/// Handles one batch in stream order. The first record that could not be handled (or not
/// started, less than [`RECORD_BUDGET`] before `deadline`) is reported by its sequence number
/// and the batch stops there: Lambda retries from that record, and the records before it,
/// done, are not delivered again. Handling is idempotent anyway (`use_cases::sweep`), so a
/// record delivered twice changes nothing.
pub async fn handle<S: SweepStore, I: ImageStore>(
    sweeper: &Sweeper<S, I>,
    event: Event,
    now: u64,
    deadline: SystemTime,
) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    let mut ignored = 0usize;
    for record in &event.records {
        let late = SystemTime::now() + RECORD_BUDGET > deadline;
        let failed = match read(record) {
            Record::Removed(_) if late => {
                tracing::warn!(event_id = %record.event_id, outcome = "deferred",
                    "too close to the deadline: the rest of the batch is handed back");
                Some(record)
            }
            Record::Ignored => {
                ignored += 1;
                None
            }
            Record::Malformed(err) => {
                tracing::error!(error = %err, event_id = %record.event_id,
                    outcome = "malformed", "a TTL-removed request item could not be read");
                Some(record)
            }
            Record::Removed(removed) => {
                match sweep(&sweeper.store, &sweeper.images, &removed, now).await {
                    Ok(swept) => {
                        let outcome = match (swept.counted, &swept.erased) {
                            (true, Some(_)) => "counted_and_erased",
                            (true, None) => "counted",
                            (false, Some(_)) => "replayed_and_erased",
                            (false, None) => "replayed",
                        };
                        tracing::info!(tenant = %removed.tenant, request_id = %removed.id,
                            document_id = %removed.document_id, status = %removed.status,
                            outcome, "TTL removal swept");
                        None
                    }
                    Err(err) => {
                        tracing::error!(error = %err, tenant = %removed.tenant,
                            request_id = %removed.id, outcome = "failed",
                            "TTL removal not swept; the stream delivers it again");
                        Some(record)
                    }
                }
            }
        };
        if let Some(record) = failed {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            response.batch_item_failures.push(failure);
            break;
        }
    }
    if ignored > 0 {
        tracing::debug!(
            ignored,
            "stream records that are not TTL removals of requests"
        );
    }
    response
}

#[cfg(test)]
#[path = "sweeper_tests.rs"]
mod tests;
