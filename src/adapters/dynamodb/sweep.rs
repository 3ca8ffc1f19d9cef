//! `SweepStore`: a request item DynamoDB's TTL removed, counted as a delete counts it. TTL
//! deletions write nothing of ours, so the table's stream delivers them (the sweeper function)
//! and this takes the request off its status count and its document record's count, once:
//! the same transaction puts a marker (`keys::swept`) that must not exist yet, so a record the
//! stream delivers again is refused on the marker and changes nothing. The marker's `ttl`
//! ([`SWEPT_MARKER_SECONDS`]) outlives the stream's 24 hours of records.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::codec::{self, n, s, Item};
use super::counters::{shard_of, Counted};
use super::{keys, DynamoStore, SERVICE};
use crate::domain::stats::CounterChange;
use crate::domain::{RequestId, TenantId};
use crate::ports::{RemovedRequest, ServiceError, ServiceErrorKind, SweepStore, Swept};

/// How long a counted removal's marker is kept: a week, well past the 24 hours a DynamoDB
/// stream keeps its records (and so past every redelivery of one).
pub const SWEPT_MARKER_SECONDS: u64 = 7 * 86_400;

/// The request a stream record's old image (the item as it was before its removal) is, when it
/// is a request item; `None` for any other item (its OTP, a reservation, a counter, a document,
/// a marker). `Err` when it has the request's key but not its attributes.
pub fn removed_request(old_image: &Item) -> Option<Result<RemovedRequest, ServiceError>> {
    if codec::get_s(old_image, keys::SK) != Some(keys::REQUEST_SK) {
        return None;
    }
    let pk = codec::get_s(old_image, keys::PK)?;
    if !(pk.starts_with("TENANT#") && pk.contains("#REQ#")) {
        return None;
    }
    let decode = || {
        let tenant = TenantId::parse(codec::text(old_image, "tenantId")?)
            .map_err(|_| corrupt("tenantId"))?;
        let id = codec::request_id(old_image)?;
        if keys::request(&tenant, &id).pk != pk {
            return Err(corrupt("pk"));
        }
        Ok(RemovedRequest {
            document_id: codec::document_id(old_image)?,
            status: codec::status(old_image)?,
            tenant,
            id,
        })
    };
    Some(decode())
}

fn corrupt(what: &str) -> ServiceError {
    codec::corrupt(what)
}

impl DynamoStore {
    /// The marker of a counted removal, written only if absent.
    fn swept_marker(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        now: u64,
    ) -> Result<TransactWriteItem, ServiceError> {
        let mut item = keys::swept(tenant, id).item();
        item.extend(codec::values(vec![
            ("type", s("sweptRemoval")),
            ("requestId", s(id.to_string())),
            (keys::TTL_ATTRIBUTE, n(now + SWEPT_MARKER_SECONDS)),
        ]));
        self.put(item, "attribute_not_exists(pk)")
    }
}

impl SweepStore for DynamoStore {
    async fn count_removal(
        &self,
        removed: &RemovedRequest,
        now: u64,
    ) -> Result<Swept, ServiceError> {
        let (tenant, id, document) = (&removed.tenant, &removed.id, &removed.document_id);
        let change = CounterChange::deleted([removed.status]);
        // A document record written before the count existed, or gone, refuses the count's
        // update: the removal is then counted without it, and the record is left alone (as
        // `delete_as_read` does).
        let mut with_document = true;
        let mut counted = false;
        for _ in 0..2 {
            let mut items = vec![self.swept_marker(tenant, id, now)?];
            if with_document {
                items.push(self.document_released(tenant, document, 1)?);
            }
            let outcome = self
                .transact_counted(items, tenant, &change, Some(shard_of(id)), None)
                .await?;
            let reasons = match outcome {
                Counted::Done => {
                    counted = true;
                    break;
                }
                Counted::Refused(reasons) => reasons,
            };
            let failed = |i: usize| {
                reasons
                    .get(i)
                    .is_some_and(|r| r == "ConditionalCheckFailed")
            };
            // Counted before: a redelivered record (or an SDK retry of a commit whose answer
            // was lost). Nothing is counted twice; the erasure below is tried again.
            if failed(0) {
                break;
            }
            if with_document && failed(1) {
                with_document = false;
                continue;
            }
            return Err(ServiceError::new(
                SERVICE,
                ServiceErrorKind::Rejected,
                format!("the sweep transaction was refused: {reasons:?}"),
            ));
        }
        // Counted now or before, the record goes if no request names it any more. A failure
        // here is returned: the stream delivers the record again, and this is tried again.
        let erased = with_document && self.erase_if_unused(tenant, document).await?;
        Ok(Swept {
            counted,
            erased: erased.then(|| document.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DocumentId, RequestStatus};

    fn request_item(tenant: &str, id: &RequestId, pk_tenant: &str) -> Item {
        let tenant = TenantId::parse(tenant).unwrap();
        let mut item = keys::request(&TenantId::parse(pk_tenant).unwrap(), id).item();
        item.extend(codec::values(vec![
            ("tenantId", s(tenant.as_str())),
            ("requestId", s(id.to_string())),
            ("documentId", s("doc-1")),
            ("status", s("failed")),
        ]));
        item
    }

    #[test]
    fn only_a_request_items_old_image_is_a_removed_request() {
        let tenant = TenantId::parse("acme").unwrap();
        let id = RequestId::generate();
        let removed = removed_request(&request_item("acme", &id, "acme"))
            .unwrap()
            .unwrap();
        assert_eq!(
            removed,
            RemovedRequest {
                tenant: tenant.clone(),
                id,
                document_id: DocumentId::parse("doc-1").unwrap(),
                status: RequestStatus::Failed,
            }
        );
        for other in [
            keys::otp(&tenant, &id),
            keys::swept(&tenant, &id),
            keys::email(&tenant, "k"),
            keys::status_counter(&tenant, 0),
            keys::document(&tenant, &DocumentId::parse("doc-1").unwrap()),
        ] {
            assert_eq!(removed_request(&other.item()), None);
        }
        // The request's key without its attributes, or another tenant's key: malformed.
        assert!(removed_request(&keys::request(&tenant, &id).item())
            .unwrap()
            .is_err());
        assert!(removed_request(&request_item("acme", &id, "other"))
            .unwrap()
            .is_err());
    }
}
