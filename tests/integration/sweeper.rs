//! The TTL sweeper against DynamoDB Local and moto's S3, fed a real stream record.
//!
//! What DynamoDB Local 3.3.1 does with TTL (checked while writing this, with items whose `ttl`
//! was a few seconds past): on a table without a global secondary index it deletes them within
//! 2 to 20 s and writes each deletion to the stream with its old image, but names the event
//! `UNKNOWN_TO_SDK_VERSION` instead of `REMOVE` and sets no `userIdentity`; on a table with a
//! global secondary index, as ours, it deleted none within 120 s. So the test removes the
//! request as TTL would (a `DeleteItem` of the request and its code, moving no count), takes
//! that real `REMOVE` record from DynamoDB Local's stream, and sets `userIdentity` on it as
//! DynamoDB does on its TTL deletions (AWS, DynamoDB Streams API reference, `Record`: "Items
//! that are deleted by the Time to Live process after expiration have the following fields:
//! `Records[].userIdentity.type` "Service", `Records[].userIdentity.principalId`
//! "dynamodb.amazonaws.com""); the rest (keys, old image, sequence number) is as DynamoDB Local
//! wrote it. A user's delete is fed as its stream record is, untouched.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use ekyc::adapters::s3::{self, S3ImageStore};
use ekyc::domain::stats::{StatusCounts, Window};
use ekyc::domain::TenantId;
use ekyc::ports::StatsStore;
use ekyc::sweeper::{Sweeper, TTL_IDENTITY};
use serde_json::{json, Value};

use crate::erasure::{delete, onboard, prefix, submit};
use crate::support::*;

/// The table's stream through its JSON API, as DynamoDB Local serves it: the records come back
/// in the wire shape Lambda hands a function (Lambda adds `eventSourceARN`). DynamoDB Local
/// accepts any credentials, so the requests carry a well-formed but unsigned header.
struct Stream {
    http: reqwest::Client,
    endpoint: String,
    arn: String,
    /// The position in each shard read so far.
    iterators: BTreeMap<String, Option<String>>,
}

impl Stream {
    async fn call(&self, target: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.endpoint.as_str())
            .header("X-Amz-Target", target)
            .header("Content-Type", "application/x-amz-json-1.0")
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, \
                 SignedHeaders=host, Signature=00",
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{target}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Positioned at the end of every shard: only records written from now on are read.
    async fn from_now() -> Self {
        let mut stream = Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            endpoint: std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap(),
            arn: String::new(),
            iterators: BTreeMap::new(),
        };
        let table = stream
            .call(
                "DynamoDB_20120810.DescribeTable",
                json!({"TableName": table()}),
            )
            .await;
        stream.arn = table["Table"]["LatestStreamArn"]
            .as_str()
            .expect("the table has a stream (admin create-table enables it)")
            .to_owned();
        stream.add_shards("LATEST").await;
        stream
    }

    /// Starts reading the shards not seen yet (a shard DynamoDB opened since starts at its
    /// beginning).
    async fn add_shards(&mut self, position: &str) {
        let described = self
            .call(
                "DynamoDBStreams_20120810.DescribeStream",
                json!({"StreamArn": self.arn}),
            )
            .await;
        let shards = described["StreamDescription"]["Shards"].as_array().unwrap();
        for shard in shards {
            let id = shard["ShardId"].as_str().unwrap().to_owned();
            let open = shard["SequenceNumberRange"]["EndingSequenceNumber"].is_null();
            if self.iterators.contains_key(&id) || !open {
                continue;
            }
            let body = json!({"StreamArn": self.arn, "ShardId": id, "ShardIteratorType": position});
            let out = self
                .call("DynamoDBStreams_20120810.GetShardIterator", body)
                .await;
            let iterator = out["ShardIterator"].as_str().map(str::to_owned);
            self.iterators.insert(id, iterator);
        }
    }

    /// The first record read from now on that removed the item with key `pk`, `REQ` (anything
    /// but an insert or a modification), with `eventSourceARN` as Lambda adds it.
    async fn removal_of(&mut self, pk: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let shards: Vec<String> = self.iterators.keys().cloned().collect();
            for shard in shards {
                let Some(Some(iterator)) = self.iterators.get(&shard).cloned() else {
                    continue;
                };
                let out = self
                    .call(
                        "DynamoDBStreams_20120810.GetRecords",
                        json!({"ShardIterator": iterator}),
                    )
                    .await;
                let next = out["NextShardIterator"].as_str().map(str::to_owned);
                self.iterators.insert(shard, next);
                for record in out["Records"].as_array().into_iter().flatten() {
                    let name = record["eventName"].as_str().unwrap_or_default();
                    let keys = &record["dynamodb"]["Keys"];
                    let key = (keys["pk"]["S"].as_str(), keys["sk"]["S"].as_str());
                    if key == (Some(pk), Some("REQ")) && name != "INSERT" && name != "MODIFY" {
                        let mut record = record.clone();
                        record["eventSourceARN"] = json!(self.arn);
                        return record;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "no removal of {pk} on the stream within {within:?}"
            );
            self.add_shards("TRIM_HORIZON").await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// The record as DynamoDB writes a TTL deletion: its `userIdentity` (see the module's note on
/// DynamoDB Local).
fn as_dynamodb_ttl_deletion(mut record: Value) -> Value {
    let (kind, principal) = TTL_IDENTITY;
    record["userIdentity"] = json!({"type": kind, "principalId": principal});
    record
}

async fn sweeper() -> Sweeper<ekyc::adapters::dynamodb::DynamoStore, S3ImageStore> {
    let sdk = sdk_config().await;
    Sweeper {
        store: store().await,
        images: S3ImageStore::new(s3::client(&sdk), image_bucket(), None),
    }
}

/// Hands `records` to the sweeper's handler as Lambda would: the failures it reports.
async fn sweep(records: &[Value]) -> Vec<String> {
    let event = serde_json::from_value(json!({ "Records": records })).unwrap();
    let response = ekyc::sweeper::handle(&sweeper().await, event, ekyc::unix_now(), later()).await;
    response
        .batch_item_failures
        .into_iter()
        .filter_map(|f| f.item_identifier)
        .collect()
}

/// A deadline far off, as a fresh invocation has.
fn later() -> std::time::SystemTime {
    std::time::SystemTime::now() + Duration::from_secs(900)
}

async fn current(tenant: &TenantId) -> StatusCounts {
    let now = ekyc::unix_now();
    let store = store().await;
    let stats = store.stats(tenant, Window::last(7, now), now).await;
    stats.unwrap().current
}

/// The tenant's items as comparable text, and its status counters summed.
async fn snapshot(t: &Tenant) -> (HashSet<String>, StatusCounts, Vec<String>) {
    let items = tenant_items(&t.tenant).await;
    let items = items.iter().map(canonical).collect();
    let images = image_keys_under(&format!("tenants/{}/", t.tenant)).await;
    (items, current(&t.tenant).await, images)
}

/// An item as text, maps (nested ones too) in key order.
fn canonical(item: &Item) -> String {
    fn value(v: &AttributeValue) -> String {
        match v {
            AttributeValue::M(map) => canonical(map),
            AttributeValue::L(list) => list.iter().map(value).collect::<Vec<_>>().join(","),
            other => format!("{other:?}"),
        }
    }
    let sorted: BTreeMap<&String, String> = item.iter().map(|(k, v)| (k, value(v))).collect();
    format!("{sorted:?}")
}

fn item_with<'a>(items: &'a [Item], pk: &str) -> Option<&'a Item> {
    items
        .iter()
        .find(|i| i["pk"].as_s().ok() == Some(&pk.to_owned()))
}

#[tokio::test]
async fn a_ttl_deletion_from_the_stream_counts_the_request_off_and_erases_its_unused_document() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let document = onboard(&app, &t).await;
    let images = image_keys_under(&prefix(&t, &document)).await;
    assert_eq!(images.len(), 2, "front and selfie: {images:?}");
    let expiring = submit(&app, &t, &document).await;
    let kept = submit(&app, &t, t.document_id.as_str()).await;
    assert_eq!(current(&t.tenant).await.pending, 2);
    let request_pk = format!("TENANT#{}#REQ#{expiring}", t.tenant);
    let document_pk = format!("TENANT#{}#DOC#{document}", t.tenant);

    // Its retention over, TTL removes the request and its code, writing nothing else (see the
    // module's note on DynamoDB Local).
    let mut stream = Stream::from_now().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    for sk in ["REQ", "OTP"] {
        client
            .delete_item()
            .table_name(table())
            .key("pk", AttributeValue::S(request_pk.clone()))
            .key("sk", AttributeValue::S(sk.into()))
            .send()
            .await
            .unwrap();
    }
    let deleted = stream
        .removal_of(&request_pk, Duration::from_secs(30))
        .await;
    assert_eq!(deleted["eventName"], "REMOVE");
    assert_eq!(deleted["dynamodb"]["OldImage"]["status"]["S"], "pending");
    // TTL wrote nothing else: the document still counts the request, the counters hold it.
    let items = tenant_items(&t.tenant).await;
    assert!(item_with(&items, &request_pk).is_none(), "removed");
    let record = item_with(&items, &document_pk).expect("document record kept");
    assert_eq!(record["refs"].as_n().unwrap(), "1");
    assert_eq!(current(&t.tenant).await.pending, 2);

    let ttl_record = as_dynamodb_ttl_deletion(deleted);
    assert_eq!(
        sweep(std::slice::from_ref(&ttl_record)).await,
        Vec::<String>::new()
    );

    let items = tenant_items(&t.tenant).await;
    assert!(item_with(&items, &document_pk).is_none(), "document erased");
    assert!(image_keys_under(&prefix(&t, &document)).await.is_empty());
    let counts = current(&t.tenant).await;
    assert_eq!((counts.pending, counts.total()), (1, 1), "{counts:?}");
    let marker_pk = format!("TENANT#{}#SWEPT#{expiring}", t.tenant);
    let marker = item_with(&items, &marker_pk).expect("the sweep's marker");
    let marker_ttl: u64 = marker["ttl"].as_n().unwrap().parse().unwrap();
    let week = ekyc::adapters::dynamodb::SWEPT_MARKER_SECONDS;
    assert!(marker_ttl.abs_diff(ekyc::unix_now() + week) <= 60);

    // Delivered again (the stream's at-least-once): nothing changes.
    let before = snapshot(&t).await;
    assert!(sweep(&[ttl_record.clone(), ttl_record]).await.is_empty());
    assert_eq!(snapshot(&t).await, before);

    // A user's delete: its transaction counted it; its record on the stream changes nothing.
    let mut stream = Stream::from_now().await;
    delete(&app, &t, &kept).await;
    let kept_pk = format!("TENANT#{}#REQ#{kept}", t.tenant);
    let user_delete = stream.removal_of(&kept_pk, Duration::from_secs(30)).await;
    assert_eq!(user_delete["eventName"], "REMOVE");
    assert!(user_delete.get("userIdentity").is_none_or(Value::is_null));
    let before = snapshot(&t).await;
    assert_eq!(before.1, StatusCounts::default());
    assert!(sweep(&[user_delete]).await.is_empty());
    assert_eq!(snapshot(&t).await, before);
}
