//! The TTL sweeper: DynamoDB's TTL removes requests nobody verified, failed and expired ones
//! without a write of ours, so nothing took them off their document's count or their status
//! count. The table's stream delivers each removal here (`crate::sweeper` is the edge); it is
//! counted once, and the document record and its images go when no request names them any
//! more, as after a delete (`review::delete`).

use super::review::erase_images;
use crate::ports::{ImageStore, RemovedRequest, ServiceError, SweepStore, Swept};

/// Counts one TTL removal (at most once, however often the stream delivers it), then erases
/// the document record's images if the record went with it. An error leaves the removal to be
/// delivered again: the count is not taken twice, and the erasure is tried again.
pub async fn sweep<S: SweepStore, I: ImageStore>(
    store: &S,
    images: &I,
    removed: &RemovedRequest,
    now: u64,
) -> Result<Swept, ServiceError> {
    let swept = store.count_removal(removed, now).await?;
    erase_images(images, &removed.tenant, swept.erased.as_slice()).await;
    Ok(swept)
}

#[cfg(test)]
#[path = "sweep_tests.rs"]
pub(crate) mod tests;
