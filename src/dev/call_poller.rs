//! Lambda's SQS event source mapping, locally (`make run`'s `admin poll-calls`, and the tests):
//! long-polls the call queue, hands each batch to the real dialer handler as an SQS-shaped
//! event, and deletes the messages the handler did not report failed, as the mapping does with
//! `ReportBatchItemFailures`. A failed message stays in the queue, to come back when its
//! visibility time-out (the dialer's `ChangeMessageVisibility`, or the queue's) runs out.

use std::collections::HashSet;

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use serde_json::json;

use crate::ports::{CallQueue, CallStore, Dialer};
use crate::use_cases::dial::DialWorker;

/// The queue to poll.
pub struct Poller {
    pub client: aws_sdk_sqs::Client,
    pub queue_url: String,
    /// Long-poll wait per receive (0..=20 s).
    pub wait_seconds: i32,
    /// Messages per batch (1..=10).
    pub batch_size: i32,
}

impl Poller {
    /// One receive and its batch: how many messages came, and how many were done with.
    pub async fn poll_once<S: CallStore, D: Dialer, Q: CallQueue>(
        &self,
        worker: &DialWorker<S, D, Q>,
        now: &(impl Fn() -> u64 + Sync),
    ) -> Result<(usize, usize), String> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.batch_size)
            .wait_time_seconds(self.wait_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok((0, 0));
        }
        let records: Vec<_> = messages
            .iter()
            .map(|m| {
                let attributes: serde_json::Map<String, serde_json::Value> = m
                    .attributes
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.as_str().to_owned(), json!(v)))
                    .collect();
                json!({
                    "messageId": m.message_id,
                    "receiptHandle": m.receipt_handle,
                    "body": m.body,
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body,
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:local:000000000000:ekyc-calls",
                    "awsRegion": "local"
                })
            })
            .collect();
        let event: SqsEvent = serde_json::from_value(json!({ "Records": records }))
            .map_err(|e| format!("building the event: {e}"))?;
        let response = crate::dialer::handle(worker, event, now).await;
        let failed: HashSet<String> = response
            .batch_item_failures
            .into_iter()
            .map(|f| f.item_identifier)
            .collect();
        let mut done = 0;
        for message in &messages {
            if failed.contains(message.message_id().unwrap_or_default()) {
                continue;
            }
            self.client
                .delete_message()
                .queue_url(&self.queue_url)
                .receipt_handle(message.receipt_handle().unwrap_or_default())
                .send()
                .await
                .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
            done += 1;
        }
        Ok((messages.len(), done))
    }
}
