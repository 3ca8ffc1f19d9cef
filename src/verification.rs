//! The verification call's decisions: the verifier Lambda asks, step by step, whether what the
//! caller keyed in is right, and this moves the request to `verified`, `failed` or `expired`.
//!
//! Every write is conditional on what was read (status, attempts), so two events racing for
//! the last attempt cannot both spend it, and a replayed event changes nothing.

use subtle::ConstantTimeEq;

use crate::domain::{OtpHasher, RequestId, RequestStatus, TenantId, Transition};
use crate::ports::{ServiceError, TransitionDetails, VerificationRecord, VerificationStore};

/// What the flow asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The last four digits of the document number.
    LastFour,
    /// The emailed one-time code.
    Code,
}

impl Step {
    pub fn parse(raw: &str) -> Option<Step> {
        match raw {
            "last4" => Some(Step::LastFour),
            "code" => Some(Step::Code),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::LastFour => "last4",
            Step::Code => "code",
        }
    }
}

/// The answer the contact flow branches on (`$.External.result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallResult {
    /// Right; go on (or, after the code, the request is verified).
    Ok,
    /// Wrong; ask again.
    Retry,
    /// Nothing keyed in before the time limit; counted as a wrong answer; ask again.
    Timeout,
    /// Attempts exhausted: the request failed.
    Failed,
    /// The code expired: the request expired.
    Expired,
    /// The event names no request we can act on, or came out of order; nothing changed.
    Error,
}

impl CallResult {
    pub const ALL: [CallResult; 6] = [
        CallResult::Ok,
        CallResult::Retry,
        CallResult::Timeout,
        CallResult::Failed,
        CallResult::Expired,
        CallResult::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallResult::Ok => "ok",
            CallResult::Retry => "retry",
            CallResult::Timeout => "timeout",
            CallResult::Failed => "failed",
            CallResult::Expired => "expired",
            CallResult::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallAnswer {
    pub result: CallResult,
    pub attempts_left: u32,
}

/// What Amazon Connect's Store-customer-input puts in `$.StoredCustomerInput` when the caller
/// keys nothing in before the time limit.
pub const TIMEOUT_INPUT: &str = "Timeout";

/// How often a verification is re-read and retried when a conditional write lost a race.
const MAX_ROUNDS: usize = 5;

/// One verification event, already parsed from the contact attributes and parameters.
#[derive(Debug)]
pub struct VerifyInput<'a> {
    pub tenant: &'a TenantId,
    pub request: &'a RequestId,
    pub step: Step,
    /// What the caller keyed in. Never logged.
    pub digits: &'a str,
    pub contact_id: &'a str,
}

fn answer(result: CallResult, record: &VerificationRecord) -> CallAnswer {
    CallAnswer {
        result,
        attempts_left: record.max_attempts.saturating_sub(record.attempts_used),
    }
}

/// The answer for a request that is no longer pending: a replay changes nothing.
fn settled(status: RequestStatus) -> CallResult {
    match status {
        RequestStatus::Verified | RequestStatus::Accepted => CallResult::Ok,
        RequestStatus::Failed => CallResult::Failed,
        RequestStatus::Expired => CallResult::Expired,
        RequestStatus::Pending => CallResult::Error,
    }
}

pub async fn verify<S: VerificationStore>(
    store: &S,
    hasher: &OtpHasher,
    input: VerifyInput<'_>,
    now: u64,
) -> Result<CallAnswer, ServiceError> {
    let VerifyInput {
        tenant,
        request,
        step,
        digits,
        contact_id,
    } = input;
    let digits = digits.trim();
    let timed_out = digits.is_empty() || digits == TIMEOUT_INPUT;
    for _ in 0..MAX_ROUNDS {
        let Some(record) = store.load_verification(tenant, request).await? else {
            return Ok(CallAnswer {
                result: CallResult::Error,
                attempts_left: 0,
            });
        };
        if record.status != RequestStatus::Pending {
            return Ok(answer(settled(record.status), &record));
        }
        let details = TransitionDetails {
            now,
            spend_from: None,
            contact_id: Some(contact_id),
        };
        let Some((otp_hash, _)) = record
            .otp
            .clone()
            .filter(|(_, expires_at)| now < *expires_at)
        else {
            let from = RequestStatus::Pending;
            if store
                .transition(tenant, request, from, Transition::CodeExpired, details)
                .await?
            {
                return Ok(answer(CallResult::Expired, &record));
            }
            continue;
        };
        let right = !timed_out
            && match step {
                Step::LastFour => record
                    .document_last_four
                    .as_deref()
                    .is_some_and(|expected| {
                        bool::from(expected.as_bytes().ct_eq(digits.as_bytes()))
                    }),
                Step::Code => {
                    if !record.last_four_verified {
                        // The flow asks for the code only after the last four digits.
                        return Ok(answer(CallResult::Error, &record));
                    }
                    hasher.verify(request, digits, &otp_hash)
                }
            };
        let applied = match (right, step) {
            (true, Step::LastFour) if record.last_four_verified => true,
            (true, Step::LastFour) => {
                store
                    .accept_last_four(tenant, request, contact_id, now)
                    .await?
            }
            (true, Step::Code) => {
                store
                    .transition(
                        tenant,
                        request,
                        RequestStatus::Pending,
                        Transition::CallVerified,
                        details,
                    )
                    .await?
            }
            (false, _) if record.attempts_used + 1 >= record.max_attempts => {
                let spend = TransitionDetails {
                    spend_from: Some(record.attempts_used),
                    ..details
                };
                store
                    .transition(
                        tenant,
                        request,
                        RequestStatus::Pending,
                        Transition::AttemptsExhausted,
                        spend,
                    )
                    .await?
            }
            (false, _) => {
                store
                    .spend_attempt(tenant, request, record.attempts_used, contact_id, now)
                    .await?
            }
        };
        if !applied {
            continue; // Someone else wrote first: read again and decide again.
        }
        let after = VerificationRecord {
            attempts_used: record.attempts_used + u32::from(!right),
            ..record
        };
        let result = match (right, timed_out) {
            (true, _) => CallResult::Ok,
            (false, _) if after.attempts_used >= after.max_attempts => CallResult::Failed,
            (false, true) => CallResult::Timeout,
            (false, false) => CallResult::Retry,
        };
        return Ok(answer(result, &after));
    }
    Err(ServiceError::new(
        "dynamodb",
        crate::ports::ServiceErrorKind::Conflict,
        "verification kept losing conditional writes to concurrent events",
    ))
}
