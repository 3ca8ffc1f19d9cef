//! Answering the verification call: the verifier Lambda asks, step by step, whether what the
//! caller keyed in is right, and this moves the request to `verified`, `failed` or `expired`.
//!
//! [`decide`] is the whole decision, a pure function of the stored record, the step, the keyed
//! digits and the time. [`answer_call`] reads, decides, and makes the one conditional write
//! the decision names; every write is conditional on what was read (status, attempts), so two
//! events racing for the last attempt cannot both spend it and a replayed event changes
//! nothing. A lost race reads again and decides again.

use subtle::ConstantTimeEq;

use crate::domain::{OtpHasher, RequestId, RequestStatus, TenantId, Transition};
use crate::ports::{
    ServiceError, ServiceErrorKind, TransitionDetails, VerificationRecord, VerificationStore,
};
use crate::use_cases::call_origin::CallOrigin;

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

impl CallAnswer {
    /// Nothing to act on: unknown request, malformed event.
    pub const ERROR: CallAnswer = CallAnswer {
        result: CallResult::Error,
        attempts_left: 0,
    };
}

/// What Amazon Connect's Store-customer-input puts in `$.StoredCustomerInput` when the caller
/// keys nothing in before the time limit.
pub const TIMEOUT_INPUT: &str = "Timeout";

/// How often a verification is re-read and retried when a conditional write lost a race.
const MAX_ROUNDS: usize = 5;

/// One answer of the caller, already parsed from the contact attributes and parameters.
#[derive(Debug)]
pub struct CallInput<'a> {
    pub tenant: &'a TenantId,
    pub request: &'a RequestId,
    pub step: Step,
    /// What the caller keyed in. Never logged.
    pub digits: &'a str,
    /// The contact answering; only the request's own call is heard.
    pub origin: CallOrigin<'a>,
}

/// The one write an answer calls for; each is conditional on the record it was decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// The code ran out: `pending → expired`.
    Expire,
    /// The last four digits were right: remember it, while pending.
    AcceptLastFour,
    /// The code was right after the last four digits: `pending → verified`.
    Verify,
    /// A wrong answer (or silence) with attempts left: `attemptsUsed` from `seen` to `seen + 1`.
    SpendAttempt { seen: u32 },
    /// The last attempt went wrong: `pending → failed`, spending it.
    Fail { seen: u32 },
}

/// What to do about one answer: the write to make (none for a replay or an answer out of
/// order), and what to tell the flow once it held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub write: Option<Write>,
    pub answer: CallAnswer,
}

/// The answer for a request that is no longer pending: a replay changes nothing. A verified
/// request answers like an unknown one, so no caller learns that it is verified.
fn settled(status: RequestStatus) -> CallResult {
    match status {
        RequestStatus::Verified | RequestStatus::Accepted => CallResult::Error,
        RequestStatus::Failed => CallResult::Failed,
        RequestStatus::Expired => CallResult::Expired,
        RequestStatus::Pending => CallResult::Error,
    }
}

fn left(record: &VerificationRecord, used: u32) -> u32 {
    record.max_attempts.saturating_sub(used)
}

/// The decision for `digits` keyed in at `step` at `now`, for the request `record` describes.
pub fn decide(
    record: &VerificationRecord,
    hasher: &OtpHasher,
    request: &RequestId,
    step: Step,
    digits: &str,
    now: u64,
) -> Decision {
    let say = |result, used| CallAnswer {
        result,
        attempts_left: left(record, used),
    };
    let used = record.attempts_used;
    if record.status != RequestStatus::Pending {
        let answer = match settled(record.status) {
            CallResult::Error => CallAnswer::ERROR,
            result => say(result, used),
        };
        return Decision {
            write: None,
            answer,
        };
    }
    let Some((otp_hash, _)) = record.otp.as_ref().filter(|(_, expires)| now < *expires) else {
        return Decision {
            write: Some(Write::Expire),
            answer: say(CallResult::Expired, used),
        };
    };
    let digits = digits.trim();
    let timed_out = digits.is_empty() || digits == TIMEOUT_INPUT;
    let right = match step {
        Step::LastFour => {
            !timed_out
                && record
                    .document_last_four
                    .as_deref()
                    .is_some_and(|expected| {
                        bool::from(expected.as_bytes().ct_eq(digits.as_bytes()))
                    })
        }
        // The flow asks for the code only after the last four digits.
        Step::Code if !record.last_four_verified => {
            return Decision {
                write: None,
                answer: say(CallResult::Error, used),
            }
        }
        Step::Code => !timed_out && hasher.verify(request, digits, otp_hash),
    };
    let (write, result) = match (right, step) {
        (true, Step::LastFour) if record.last_four_verified => (None, CallResult::Ok),
        (true, Step::LastFour) => (Some(Write::AcceptLastFour), CallResult::Ok),
        (true, Step::Code) => (Some(Write::Verify), CallResult::Ok),
        (false, _) if used + 1 >= record.max_attempts => {
            (Some(Write::Fail { seen: used }), CallResult::Failed)
        }
        (false, _) if timed_out => (
            Some(Write::SpendAttempt { seen: used }),
            CallResult::Timeout,
        ),
        (false, _) => (Some(Write::SpendAttempt { seen: used }), CallResult::Retry),
    };
    Decision {
        write,
        answer: say(result, used + u32::from(!right)),
    }
}

/// Makes a decided write; `false` when its condition no longer held.
async fn make<S: VerificationStore>(
    store: &S,
    input: &CallInput<'_>,
    write: Write,
    now: u64,
) -> Result<bool, ServiceError> {
    let (tenant, request, contact_id) = (input.tenant, input.request, input.origin.contact_id);
    let details = TransitionDetails {
        now,
        spend_from: None,
        contact_id: Some(contact_id),
    };
    let pending = RequestStatus::Pending;
    match write {
        Write::Expire => {
            store
                .transition(tenant, request, pending, Transition::CodeExpired, details)
                .await
        }
        Write::AcceptLastFour => {
            store
                .accept_last_four(tenant, request, contact_id, now)
                .await
        }
        Write::Verify => {
            store
                .transition(tenant, request, pending, Transition::CallVerified, details)
                .await
        }
        Write::SpendAttempt { seen } => {
            store
                .spend_attempt(tenant, request, seen, contact_id, now)
                .await
        }
        Write::Fail { seen } => {
            let spend = TransitionDetails {
                spend_from: Some(seen),
                ..details
            };
            store
                .transition(
                    tenant,
                    request,
                    pending,
                    Transition::AttemptsExhausted,
                    spend,
                )
                .await
        }
    }
}

/// Reads the request, decides, writes; again while a concurrent event wins the write.
pub async fn answer_call<S: VerificationStore>(
    store: &S,
    hasher: &OtpHasher,
    input: CallInput<'_>,
    now: u64,
) -> Result<CallAnswer, ServiceError> {
    for _ in 0..MAX_ROUNDS {
        let Some(record) = store.load_verification(input.tenant, input.request).await? else {
            return Ok(CallAnswer::ERROR);
        };
        if !input.origin.is_the_call_of(&record) {
            return Ok(CallAnswer::ERROR);
        }
        let decision = decide(
            &record,
            hasher,
            input.request,
            input.step,
            input.digits,
            now,
        );
        let Some(write) = decision.write else {
            return Ok(decision.answer);
        };
        if make(store, &input, write, now).await? {
            return Ok(decision.answer);
        }
    }
    Err(ServiceError::new(
        "dynamodb",
        ServiceErrorKind::Conflict,
        "verification kept losing conditional writes to concurrent events",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Otp;

    const NOW: u64 = 10_000;
    const EXPIRES: u64 = NOW + 60;
    const LAST_FOUR: &str = "6789";

    fn hasher() -> OtpHasher {
        OtpHasher::new(&[3u8; 32]).unwrap()
    }

    struct Case {
        request: RequestId,
        code: String,
        record: VerificationRecord,
    }

    fn case(status: RequestStatus, last_four_verified: bool, attempts_used: u32) -> Case {
        let request = RequestId::generate();
        let otp = Otp::generate();
        Case {
            request,
            code: otp.expose().to_owned(),
            record: VerificationRecord {
                status,
                attempts_used,
                max_attempts: 3,
                last_four_verified,
                otp: Some((hasher().hash(&request, &otp), EXPIRES)),
                document_last_four: Some(LAST_FOUR.into()),
                phone_number: "+14155550101".into(),
                call_contact_id: None,
            },
        }
    }

    fn decision(c: &Case, step: Step, digits: &str, now: u64) -> (Option<Write>, CallResult, u32) {
        let d = decide(&c.record, &hasher(), &c.request, step, digits, now);
        (d.write, d.answer.result, d.answer.attempts_left)
    }

    fn wrong_code(code: &str) -> String {
        format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
    }

    #[test]
    fn a_settled_request_answers_its_outcome_and_writes_nothing_whatever_is_keyed() {
        for (status, result, left) in [
            (RequestStatus::Verified, CallResult::Error, 0),
            (RequestStatus::Accepted, CallResult::Error, 0),
            (RequestStatus::Failed, CallResult::Failed, 2),
            (RequestStatus::Expired, CallResult::Expired, 2),
        ] {
            let c = case(status, true, 1);
            for step in [Step::LastFour, Step::Code] {
                for digits in [LAST_FOUR, c.code.as_str(), "0000", "", TIMEOUT_INPUT] {
                    for now in [NOW, EXPIRES + 1] {
                        assert_eq!(
                            decision(&c, step, digits, now),
                            (None, result, left),
                            "{status:?} {step:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_pending_request_past_its_code_expiry_expires_whatever_is_keyed() {
        for last_four_verified in [false, true] {
            let c = case(RequestStatus::Pending, last_four_verified, 0);
            for step in [Step::LastFour, Step::Code] {
                for digits in [LAST_FOUR, c.code.as_str(), "0000", ""] {
                    for now in [EXPIRES, EXPIRES + 500] {
                        assert_eq!(
                            decision(&c, step, digits, now),
                            (Some(Write::Expire), CallResult::Expired, 3)
                        );
                    }
                }
            }
        }
        let mut gone = case(RequestStatus::Pending, true, 0);
        gone.record.otp = None; // removed by TTL
        assert_eq!(
            decision(&gone, Step::Code, "123456", NOW).0,
            Some(Write::Expire)
        );
    }

    #[test]
    fn the_last_four_digits() {
        let c = case(RequestStatus::Pending, false, 0);
        assert_eq!(
            decision(&c, Step::LastFour, " 6789 ", NOW),
            (Some(Write::AcceptLastFour), CallResult::Ok, 3)
        );
        assert_eq!(
            decision(&c, Step::LastFour, "6788", NOW),
            (Some(Write::SpendAttempt { seen: 0 }), CallResult::Retry, 2)
        );
        assert_eq!(
            decision(&c, Step::LastFour, "67890", NOW),
            (Some(Write::SpendAttempt { seen: 0 }), CallResult::Retry, 2)
        );
        for silent in ["", "  ", TIMEOUT_INPUT] {
            assert_eq!(
                decision(&c, Step::LastFour, silent, NOW),
                (
                    Some(Write::SpendAttempt { seen: 0 }),
                    CallResult::Timeout,
                    2
                )
            );
        }
        // Given again after it was accepted (the flow repeats the question): nothing to write.
        let again = case(RequestStatus::Pending, true, 1);
        assert_eq!(
            decision(&again, Step::LastFour, LAST_FOUR, NOW),
            (None, CallResult::Ok, 2)
        );
        // A document without a usable number can never be answered right.
        let mut no_number = case(RequestStatus::Pending, false, 0);
        no_number.record.document_last_four = None;
        assert_eq!(
            decision(&no_number, Step::LastFour, LAST_FOUR, NOW).1,
            CallResult::Retry
        );
    }

    #[test]
    fn the_code() {
        let c = case(RequestStatus::Pending, true, 1);
        assert_eq!(
            decision(&c, Step::Code, &c.code, NOW),
            (Some(Write::Verify), CallResult::Ok, 2)
        );
        assert_eq!(
            decision(&c, Step::Code, &wrong_code(&c.code), NOW),
            (Some(Write::SpendAttempt { seen: 1 }), CallResult::Retry, 1)
        );
        assert_eq!(
            decision(&c, Step::Code, TIMEOUT_INPUT, NOW),
            (
                Some(Write::SpendAttempt { seen: 1 }),
                CallResult::Timeout,
                1
            )
        );
        assert_eq!(
            decision(&c, Step::Code, &c.code, EXPIRES - 1).0,
            Some(Write::Verify)
        );
        // Another request's code is wrong here: the hash binds the request.
        let other = case(RequestStatus::Pending, true, 1);
        assert_eq!(
            decision(&c, Step::Code, &other.code, NOW).1,
            CallResult::Retry
        );
    }

    #[test]
    fn the_code_before_the_last_four_digits_is_an_error_that_spends_nothing() {
        let c = case(RequestStatus::Pending, false, 0);
        for digits in [c.code.as_str(), "000000", "", TIMEOUT_INPUT] {
            assert_eq!(
                decision(&c, Step::Code, digits, NOW),
                (None, CallResult::Error, 3)
            );
        }
    }

    #[test]
    fn the_last_attempt_going_wrong_fails_the_request() {
        let c = case(RequestStatus::Pending, true, 2);
        for (step, digits) in [
            (Step::LastFour, "0000"),
            (Step::Code, "000000"),
            (Step::Code, ""),
        ] {
            let digits = if digits == "000000" {
                wrong_code(&c.code)
            } else {
                digits.to_owned()
            };
            assert_eq!(
                decision(&c, step, &digits, NOW),
                (Some(Write::Fail { seen: 2 }), CallResult::Failed, 0)
            );
        }
        // With attempts left, the right answer still wins on the last one.
        assert_eq!(
            decision(&c, Step::Code, &c.code, NOW).0,
            Some(Write::Verify)
        );
    }

    mod against_a_store {
        use super::*;
        use crate::adapters::memory::{MemoryStore, Op};
        use crate::ports::RequestLifecycle;
        use crate::use_cases::verification_fixtures::called_request;

        async fn pending(store: &MemoryStore) -> (TenantId, RequestId, String) {
            called_request(store, &hasher(), (NOW, EXPIRES), "contact-1").await
        }

        async fn answer(
            store: &MemoryStore,
            t: &TenantId,
            id: &RequestId,
            step: Step,
            digits: &str,
        ) -> Result<CallAnswer, ServiceError> {
            let input = CallInput {
                tenant: t,
                request: id,
                step,
                digits,
                origin: CallOrigin {
                    contact_id: "contact-1",
                    initial_contact_id: "contact-1",
                    channel: "VOICE",
                    initiation: "API",
                    customer_number: "+14155550101",
                },
            };
            answer_call(store, &hasher(), input, NOW).await
        }

        #[tokio::test]
        async fn right_answers_verify_the_request_and_stamp_the_contact() {
            let store = MemoryStore::default();
            let (t, id, code) = pending(&store).await;
            assert_eq!(
                answer(&store, &t, &id, Step::LastFour, LAST_FOUR)
                    .await
                    .unwrap()
                    .result,
                CallResult::Ok
            );
            assert_eq!(
                answer(&store, &t, &id, Step::Code, &code)
                    .await
                    .unwrap()
                    .result,
                CallResult::Ok
            );
            let stored = store.get_request(&t, &id).await.unwrap().unwrap();
            assert_eq!(stored.status, RequestStatus::Verified);
            assert_eq!(stored.verified_at, Some(NOW));
            assert_eq!(store.contact_of(&t, &id).as_deref(), Some("contact-1"));
            assert_eq!(
                store.otp_hash(&t, &id),
                None,
                "the code is gone once verified"
            );
        }

        #[tokio::test]
        async fn an_unknown_request_is_an_error() {
            let store = MemoryStore::default();
            let t = TenantId::parse("acme").unwrap();
            let answer = answer(
                &store,
                &t,
                &RequestId::generate(),
                Step::LastFour,
                LAST_FOUR,
            )
            .await;
            assert_eq!(answer, Ok(CallAnswer::ERROR));
        }

        #[tokio::test]
        async fn a_write_that_loses_races_is_decided_again_until_it_holds() {
            let store = MemoryStore::default();
            let (t, id, _) = pending(&store).await;
            store.lose_races(MAX_ROUNDS as u32 - 1);
            let answer = answer(&store, &t, &id, Step::LastFour, "0000")
                .await
                .unwrap();
            assert_eq!(answer.result, CallResult::Retry);
            assert_eq!(store.calls(Op::LoadVerification), MAX_ROUNDS);
            let stored = store.get_request(&t, &id).await.unwrap().unwrap();
            assert_eq!(stored.attempts_used, 1, "the attempt is spent once");
        }

        #[tokio::test]
        async fn a_write_that_always_loses_gives_up_as_a_conflict() {
            let store = MemoryStore::default();
            let (t, id, _) = pending(&store).await;
            store.lose_races(MAX_ROUNDS as u32);
            let err = answer(&store, &t, &id, Step::LastFour, "0000")
                .await
                .unwrap_err();
            assert_eq!(err.kind, ServiceErrorKind::Conflict);
            let stored = store.get_request(&t, &id).await.unwrap().unwrap();
            assert_eq!(stored.attempts_used, 0);
        }

        #[tokio::test]
        async fn wrong_answers_fail_the_request_on_the_last_attempt() {
            let store = MemoryStore::default();
            let (t, id, _) = pending(&store).await;
            let results = [
                answer(&store, &t, &id, Step::LastFour, "1111")
                    .await
                    .unwrap(),
                answer(&store, &t, &id, Step::LastFour, "").await.unwrap(),
                answer(&store, &t, &id, Step::LastFour, "2222")
                    .await
                    .unwrap(),
                answer(&store, &t, &id, Step::LastFour, LAST_FOUR)
                    .await
                    .unwrap(),
            ];
            let got: Vec<(CallResult, u32)> = results
                .iter()
                .map(|a| (a.result, a.attempts_left))
                .collect();
            assert_eq!(
                got,
                [
                    (CallResult::Retry, 2),
                    (CallResult::Timeout, 1),
                    (CallResult::Failed, 0),
                    (CallResult::Failed, 0)
                ]
            );
            let stored = store.get_request(&t, &id).await.unwrap().unwrap();
            assert_eq!(
                (stored.status, stored.attempts_used),
                (RequestStatus::Failed, 3)
            );
        }
    }
}
