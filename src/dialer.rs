//! The dialer Lambda's edge, as `http/` is the API's and `contact_flow` the verifier's: an SQS
//! event (the event source mapping's batch) in, the ids of the messages to retry out
//! (`ReportBatchItemFailures`): the mapping deletes the others. The decisions are in
//! `use_cases::dial`; `bin/dialer.rs` only wires this to the Lambda runtime.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};

use crate::ports::{CallOrder, CallQueue, CallStore, Dialer};
use crate::use_cases::dial::{DialWorker, Received};

/// The SQS system attribute counting a message's receives.
pub const RECEIVE_COUNT: &str = "ApproximateReceiveCount";

/// A received message as the use case takes it.
pub fn received(message: &SqsMessage) -> Received {
    Received {
        message_id: message.message_id.clone().unwrap_or_default(),
        receipt: message.receipt_handle.clone().unwrap_or_default(),
        order: message
            .body
            .as_deref()
            .ok_or_else(|| "no body".to_owned())
            .and_then(CallOrder::from_message),
        receive_count: message
            .attributes
            .get(RECEIVE_COUNT)
            .and_then(|c| c.parse().ok())
            .unwrap_or(1),
    }
}

/// Handles one batch, message by message at the worker's pace; `now` reads the clock (the
/// entry point's), once per message. Never fails: a message that could not be handled is
/// reported as failed, and comes back.
pub async fn handle<S, D, Q>(
    worker: &DialWorker<S, D, Q>,
    event: SqsEvent,
    now: &(impl Fn() -> u64 + Sync),
) -> SqsBatchResponse
where
    S: CallStore,
    D: Dialer,
    Q: CallQueue,
{
    let mut response = SqsBatchResponse::default();
    for message in &event.records {
        let message = received(message);
        if !worker.dial(&message, now).await.done() {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message.message_id.clone();
            response.batch_item_failures.push(failure);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{MemoryCallQueue, MemoryDialer, MemoryStore};
    use crate::domain::{RequestId, TenantId};
    use crate::use_cases::dial::{DialSettings, Pacer};

    fn message(id: &str, body: &str, receives: &str) -> serde_json::Value {
        serde_json::json!({
            "messageId": id,
            "receiptHandle": format!("receipt-{id}"),
            "body": body,
            "attributes": {"ApproximateReceiveCount": receives, "SentTimestamp": "1"},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:1:ekyc-calls",
            "awsRegion": "us-east-1"
        })
    }

    #[test]
    fn the_sample_event_is_a_call_message() {
        let event: SqsEvent =
            serde_json::from_str(include_str!("../events/sqs-call.json")).unwrap();
        let message = received(&event.records[0]);
        let order = message.order.unwrap();
        assert_eq!((order.tenant.as_str(), order.call), ("demo", 1));
        assert_eq!(message.receive_count, 1);
    }

    #[tokio::test]
    async fn only_the_messages_to_retry_are_reported_failed() {
        let worker = DialWorker {
            store: MemoryStore::default(),
            dialer: MemoryDialer::default(),
            queue: MemoryCallQueue::default(),
            settings: DialSettings::default(),
            pacer: Pacer::per_second(100.0),
        };
        let gone = CallOrder::first(&TenantId::parse("acme").unwrap(), &RequestId::generate());
        let event: SqsEvent = serde_json::from_value(serde_json::json!({"Records": [
            message("m1", &gone.to_message(), "1"),
            message("m2", "not a call", "1"),
        ]}))
        .unwrap();
        let parsed = received(&event.records[0]);
        assert_eq!((parsed.receive_count, parsed.order), (1, Ok(gone)));
        let response = handle(&worker, event, &|| 1_000).await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["m2"], "a gone request is done; poison is retried");
        assert!(worker.dialer.calls().is_empty());
    }
}
