//! The sweeper's edge over the in-memory store and image store: which stream records it acts
//! on, and what it reports for retry.

use serde_json::{json, Value};

use super::*;
use crate::adapters::memory::{MemoryImageStore, MemoryStore, Op};
use crate::domain::stats::{StatusCounts, Window};
use crate::domain::{DocumentId, DocumentIdentification, RequestId, TenantId};
use crate::ports::StatsStore;

use crate::use_cases::sweep::tests::NOW;

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn sweeper() -> Sweeper<MemoryStore, MemoryImageStore> {
    let store = MemoryStore::default();
    let record: DocumentIdentification =
        serde_json::from_str(include_str!("../events/document.json")).unwrap();
    store.insert_document(&tenant(), &DocumentId::parse("doc-1").unwrap(), record);
    Sweeper {
        store,
        images: MemoryImageStore::default(),
    }
}

/// A request of `doc-1`, removed as DynamoDB's TTL removes it: its id.
async fn removed_by_ttl(store: &MemoryStore, i: u32) -> RequestId {
    let document = DocumentId::parse("doc-1").unwrap();
    let id = crate::use_cases::sweep::tests::request(store, &document, i).await;
    store.remove_by_ttl(&tenant(), &id).unwrap();
    id
}

/// A stream record as Lambda delivers it: `sk` of the item, its old image's attributes.
fn record(seq: &str, event: &str, by_ttl: bool, id: &RequestId, sk: &str) -> Value {
    let pk = format!("TENANT#acme#REQ#{id}");
    let mut record = json!({
        "eventID": format!("e-{seq}"),
        "eventName": event,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:1:table/ekyc/stream/2026-12-02T00:00:00.000",
        "dynamodb": {
            "ApproximateCreationDateTime": NOW,
            "Keys": {"pk": {"S": pk}, "sk": {"S": sk}},
            "OldImage": {
                "pk": {"S": pk}, "sk": {"S": sk},
                "tenantId": {"S": "acme"}, "requestId": {"S": id.to_string()},
                "documentId": {"S": "doc-1"}, "status": {"S": "pending"},
                "email": {"S": "u@example.com"}, "ttl": {"N": NOW.to_string()}
            },
            "SequenceNumber": seq,
            "SizeBytes": 200,
            "StreamViewType": "OLD_IMAGE"
        }
    });
    if by_ttl {
        record["userIdentity"] =
            json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
    }
    record
}

fn event(records: Vec<Value>) -> Event {
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

async fn current(store: &MemoryStore) -> StatusCounts {
    let window = Window::last(7, NOW);
    store.stats(&tenant(), window, NOW).await.unwrap().current
}

/// A deadline far off: every record is started.
fn later() -> std::time::SystemTime {
    std::time::SystemTime::now() + std::time::Duration::from_secs(900)
}

fn failed(response: &DynamoDbEventResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .filter_map(|f| f.item_identifier.as_deref())
        .collect()
}

#[test]
fn the_sample_event_is_a_ttl_removal_of_a_request() {
    let event: Event =
        serde_json::from_str(include_str!("../events/dynamodb-ttl-removal.json")).unwrap();
    let Record::Removed(removed) = read(&event.records[0]) else {
        panic!("not a TTL removal of a request");
    };
    assert_eq!(removed.tenant.as_str(), "demo");
}

#[tokio::test]
async fn only_ttl_removals_of_request_items_are_swept() {
    let sweeper = sweeper();
    let (ttl, deleted) = (
        removed_by_ttl(&sweeper.store, 1).await,
        removed_by_ttl(&sweeper.store, 2).await,
    );
    assert_eq!(current(&sweeper.store).await.pending, 2);

    let batch = event(vec![
        // A delete or clear of ours: no userIdentity; the transaction already counted it.
        record("1", "REMOVE", false, &deleted, "REQ"),
        // The request's OTP, removed by TTL: not a request item.
        record("2", "REMOVE", true, &ttl, "OTP"),
        // Not removals.
        record("3", "MODIFY", true, &ttl, "REQ"),
        record("4", "INSERT", false, &ttl, "REQ"),
        record("5", "REMOVE", true, &ttl, "REQ"),
    ]);
    for (i, expected) in [false, false, false, false, true].into_iter().enumerate() {
        let swept = matches!(read(&batch.records[i]), Record::Removed(_));
        assert_eq!(swept, expected, "record {i}");
    }
    let response = handle(&sweeper, batch, NOW, later()).await;

    assert!(failed(&response).is_empty());
    assert_eq!(current(&sweeper.store).await.pending, 1, "only the TTL one");
    let doc = DocumentId::parse("doc-1").unwrap();
    assert_eq!(sweeper.store.document_refs(&tenant(), &doc), Some(1));
}

#[tokio::test]
async fn a_failure_is_reported_by_its_sequence_number_and_the_batch_retried_changes_it_once() {
    let sweeper = sweeper();
    let (first, second) = (
        removed_by_ttl(&sweeper.store, 1).await,
        removed_by_ttl(&sweeper.store, 2).await,
    );
    let batch = || {
        event(vec![
            record("100", "REMOVE", true, &first, "REQ"),
            record("200", "REMOVE", true, &second, "REQ"),
        ])
    };
    sweeper.store.fail_next(Op::Sweep, 1);

    let response = handle(&sweeper, batch(), NOW, later()).await;

    assert_eq!(
        failed(&response),
        ["100"],
        "the first failure; the batch stops"
    );
    assert_eq!(current(&sweeper.store).await.pending, 2);

    // Lambda delivers from the failed record on (here the whole batch, twice): each counted
    // once, and the document goes with the last.
    for _ in 0..2 {
        let response = handle(&sweeper, batch(), NOW, later()).await;
        assert!(failed(&response).is_empty());
    }
    assert_eq!(current(&sweeper.store).await, StatusCounts::default());
    let doc = DocumentId::parse("doc-1").unwrap();
    assert_eq!(sweeper.store.document_refs(&tenant(), &doc), None, "erased");
}

#[tokio::test]
async fn a_ttl_removed_request_item_without_its_attributes_is_reported() {
    let sweeper = sweeper();
    let id = removed_by_ttl(&sweeper.store, 1).await;
    let mut bad = record("7", "REMOVE", true, &id, "REQ");
    bad["dynamodb"]["OldImage"]
        .as_object_mut()
        .unwrap()
        .remove("documentId");
    let response = handle(&sweeper, event(vec![bad]), NOW, later()).await;
    assert_eq!(failed(&response), ["7"]);
    assert_eq!(current(&sweeper.store).await.pending, 1, "nothing counted");
}

#[tokio::test]
async fn a_batch_too_close_to_the_deadline_is_handed_back_from_its_first_removal() {
    let sweeper = sweeper();
    let id = removed_by_ttl(&sweeper.store, 1).await;
    let batch = event(vec![
        record("8", "REMOVE", false, &id, "REQ"),
        record("9", "REMOVE", true, &id, "REQ"),
    ]);
    let soon = std::time::SystemTime::now() + RECORD_BUDGET / 2;
    let response = handle(&sweeper, batch, NOW, soon).await;
    assert_eq!(failed(&response), ["9"]);
    assert_eq!(current(&sweeper.store).await.pending, 1, "not started");
}
