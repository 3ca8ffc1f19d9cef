//! The call queue over Amazon SQS (a standard queue): `SendMessage` with a delay (the API), and
//! `ChangeMessageVisibility` to hand a received message back for later (the dialer). Receiving
//! and deleting are Lambda's event source mapping's (and locally the dev poller's,
//! `dev::call_poller`).

use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sqs::Client;

use super::OrServiceError;
use crate::ports::{CallOrder, CallQueue, ServiceError};

const SERVICE: &str = "sqs";

/// SQS's longest message delay and visibility time-out.
const MAX_DELAY: Duration = Duration::from_secs(900);
const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 3600);

#[derive(Clone, Debug)]
pub struct SqsCallQueue {
    client: Client,
    queue_url: String,
}

impl SqsCallQueue {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Creates the queue its URL names (its last path segment), if it does not exist, with
    /// `visibility` as its visibility time-out. Local runs and tests; in AWS, infra/ makes it.
    pub async fn ensure_queue(&self, visibility: Duration) -> Result<(), ServiceError> {
        let name = self
            .queue_url
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty())
            .unwrap_or("ekyc-calls");
        self.client
            .create_queue()
            .queue_name(name)
            .attributes(
                QueueAttributeName::VisibilityTimeout,
                visibility.as_secs().to_string(),
            )
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }
}

fn seconds(duration: Duration, max: Duration) -> i32 {
    duration.min(max).as_secs() as i32
}

impl CallQueue for SqsCallQueue {
    async fn enqueue(&self, order: &CallOrder, delay: Duration) -> Result<(), ServiceError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(order.to_message())
            .delay_seconds(seconds(delay, MAX_DELAY))
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }

    async fn postpone(&self, receipt: &str, visible_in: Duration) -> Result<(), ServiceError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(seconds(visible_in, MAX_VISIBILITY))
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }
}

/// An SQS client over the function's shared SDK configuration.
pub fn client(sdk: &aws_config::SdkConfig) -> Client {
    Client::new(sdk)
}
