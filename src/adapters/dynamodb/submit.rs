//! Submitting a request: the create transaction (document exists, email and phone free, request
//! and OTP written) and its release when the email or the call could not go out.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

use super::codec::n;
use super::counters::{shard_of, Counted};
use super::{
    codec, conflict_pause, keys, Change, DynamoStore, CONFLICT_RETRIES, SERVICE, TTL_ATTRIBUTE,
};
use crate::adapters::{is_conflict, is_throttling, sdk_error};
use crate::domain::stats::CounterChange;
use crate::domain::NewKycRequest;
use crate::ports::{RequestLifecycle, RequestStore, ServiceError, ServiceErrorKind, SubmitError};

/// Positions of the items in the create transaction, which `CancellationReasons` follows.
const CREATE_DOCUMENT: usize = 0;
const CREATE_EMAIL: usize = 3;
const CREATE_PHONE: usize = 4;
const CREATE_RATE: usize = 5;

impl DynamoStore {
    fn create_items(&self, r: &NewKycRequest) -> Result<Vec<TransactWriteItem>, ServiceError> {
        // The document must exist; it counts one more request naming it.
        let document_used = self.document_used(&r.tenant, &r.document_id)?;
        let kept_until = self.kept_until(r.otp_expires_at);
        let [request, otp, email, phone] = codec::new_request_items(r, kept_until);
        let absent = "attribute_not_exists(pk)";
        // Order matters: see CREATE_DOCUMENT, CREATE_EMAIL, CREATE_PHONE, CREATE_RATE. The
        // statistics counters go last, on the request's own shard, so a retry (same token) is
        // the same transaction.
        let mut items = vec![
            document_used,
            self.put(request, absent)?,
            self.put(otp, absent)?,
            self.put(email, absent)?,
            self.put(phone, absent)?,
        ];
        if let Some(limit) = r.creates_per_minute {
            // The tenant's count for this minute, in the same transaction: no extra round trip,
            // and a refused create does not count.
            let counter = Change::new(keys::create_counter(&r.tenant, r.minute()))
                .add("creates :one")
                .set("#ttl = :ttl")
                .when("attribute_not_exists(creates) OR creates < :limit")
                .name("#ttl", TTL_ATTRIBUTE)
                .value(":one", n(1))
                .value(":limit", n(limit))
                .value(":ttl", n((r.minute() + 2) * 60));
            items.push(self.update(counter)?);
        }
        let created = CounterChange::created(r.created_at);
        items.extend(self.counter_items(&r.tenant, &created, shard_of(&r.id))?);
        Ok(items)
    }
}

/// What a cancelled create transaction means, from its per-item reasons.
enum Cancelled {
    Refused(SubmitError),
    Conflict,
}

/// `retry_after`: seconds until the tenant may create again, should the rate be what failed.
fn classify_cancellation(retry_after: u64, codes: &[Option<&str>]) -> Cancelled {
    let code = |i: usize| codes.get(i).copied().flatten().unwrap_or("None");
    let failed = |i: usize| code(i) == "ConditionalCheckFailed";
    if failed(CREATE_DOCUMENT) {
        return Cancelled::Refused(SubmitError::DocumentNotFound);
    }
    if failed(CREATE_RATE) {
        return Cancelled::Refused(SubmitError::RateLimited { retry_after });
    }
    if failed(CREATE_EMAIL) || failed(CREATE_PHONE) {
        return Cancelled::Refused(SubmitError::Taken {
            email: failed(CREATE_EMAIL),
            phone: failed(CREATE_PHONE),
        });
    }
    if codes.iter().flatten().any(|c| is_conflict(c)) {
        return Cancelled::Conflict;
    }
    let kind = if codes.iter().flatten().any(|c| is_throttling(c)) {
        ServiceErrorKind::Throttled
    } else {
        ServiceErrorKind::Rejected
    };
    let summary: Vec<&str> = (0..codes.len()).map(code).collect();
    Cancelled::Refused(SubmitError::Store(ServiceError::new(
        SERVICE,
        kind,
        format!("create transaction cancelled: {summary:?}"),
    )))
}

impl RequestStore for DynamoStore {
    async fn create_request(&self, request: &NewKycRequest) -> Result<(), SubmitError> {
        let items = self.create_items(request)?;
        let mut attempt = 0;
        loop {
            let token = Some(request.id.to_string());
            let Err(err) = self.send_transaction(items.clone(), token).await else {
                return Ok(());
            };
            let cancelled = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                    let codes: Vec<Option<&str>> =
                        e.cancellation_reasons().iter().map(|r| r.code()).collect();
                    classify_cancellation(request.retry_after(), &codes)
                }
                Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
                    Cancelled::Conflict
                }
                _ => return Err(sdk_error(SERVICE, &err).into()),
            };
            match cancelled {
                Cancelled::Refused(refusal) => return Err(refusal),
                Cancelled::Conflict if attempt < CONFLICT_RETRIES => {
                    conflict_pause(attempt).await;
                    attempt += 1;
                }
                Cancelled::Conflict => {
                    return Err(ServiceError::new(
                        SERVICE,
                        ServiceErrorKind::Conflict,
                        "create transaction kept conflicting with concurrent writes",
                    )
                    .into())
                }
            }
        }
    }

    async fn release_request(&self, r: &NewKycRequest) -> Result<(), ServiceError> {
        let (email, phone) = (r.email.uniqueness_key(), r.phone.uniqueness_key());
        let pending = NewKycRequest::INITIAL_STATUS;
        let mut items = self.removal_items(&r.tenant, &r.id, (&email, &phone), pending)?;
        items.push(self.document_released(&r.tenant, &r.document_id, 1)?);
        let change = CounterChange::withdrawn(r.created_at);
        let shard = Some(shard_of(&r.id));
        match self
            .transact_counted(items, &r.tenant, &change, shard, None)
            .await?
        {
            Counted::Done => {
                // Unused again (unless another request names it): it gets its retention back,
                // and stays for the client to submit again.
                if let Err(e) = self
                    .expire_if_unused(&r.tenant, &r.document_id, r.created_at)
                    .await
                {
                    tracing::warn!(error = %e, kyc_request_id = %r.id, "released document's ttl not set");
                }
                Ok(())
            }
            // Gone already (an earlier attempt whose answer was lost, or a delete): released
            // all the same. Still there: it moved on from pending, and is not ours to remove.
            Counted::Refused(reasons) => match self.get_request(&r.tenant, &r.id).await? {
                None => Ok(()),
                Some(_) => Err(ServiceError::new(
                    SERVICE,
                    ServiceErrorKind::Conflict,
                    format!("the request to release is no longer pending: {reasons:?}"),
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(codes: &[Option<&str>]) -> SubmitError {
        match classify_cancellation(30, codes) {
            Cancelled::Refused(e) => e,
            Cancelled::Conflict => panic!("expected a refusal for {codes:?}"),
        }
    }

    const OK: Option<&str> = Some("None");
    const CCF: Option<&str> = Some("ConditionalCheckFailed");
    const CONFLICT: Option<&str> = Some("TransactionConflict");

    #[test]
    fn a_missing_document_is_reported_first() {
        assert_eq!(
            refused(&[CCF, OK, OK, OK, OK]),
            SubmitError::DocumentNotFound
        );
        assert_eq!(
            refused(&[CCF, OK, OK, CCF, CCF]),
            SubmitError::DocumentNotFound
        );
    }

    #[test]
    fn an_exhausted_create_limit_is_reported_after_the_document() {
        assert_eq!(
            refused(&[OK, OK, OK, CCF, OK, CCF]),
            SubmitError::RateLimited { retry_after: 30 }
        );
        assert_eq!(
            refused(&[CCF, OK, OK, OK, OK, CCF]),
            SubmitError::DocumentNotFound
        );
    }

    #[test]
    fn taken_reservations_name_their_fields() {
        assert_eq!(
            refused(&[OK, OK, OK, CCF, OK]),
            SubmitError::Taken {
                email: true,
                phone: false
            }
        );
        assert_eq!(
            refused(&[OK, OK, OK, OK, CCF]),
            SubmitError::Taken {
                email: false,
                phone: true
            }
        );
        assert_eq!(
            refused(&[OK, OK, OK, CCF, CCF]),
            SubmitError::Taken {
                email: true,
                phone: true
            }
        );
    }

    #[test]
    fn conflicts_are_retried_and_other_codes_are_service_errors_of_their_kind() {
        assert!(matches!(
            classify_cancellation(30, &[OK, OK, OK, CONFLICT, OK]),
            Cancelled::Conflict
        ));
        let kind = |codes: &[Option<&str>]| match refused(codes) {
            SubmitError::Store(e) => e.kind,
            other => panic!("expected a service error, got {other:?}"),
        };
        assert_eq!(
            kind(&[OK, Some("ThrottlingError"), OK, OK, OK]),
            ServiceErrorKind::Throttled
        );
        assert_eq!(
            kind(&[OK, Some("ValidationError"), OK, OK, OK]),
            ServiceErrorKind::Rejected
        );
    }
}
