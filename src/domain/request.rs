use std::fmt;
use std::str::FromStr;

use super::{DocumentId, Email, OtpHash, PhoneNumber, RequestId, TenantId};

/// Where an eKYC request stands. Every change of status goes through [`RequestStatus::apply`].
///
/// ```text
///   pending ──CallVerified──────▶ verified ──Accept──▶ accepted
///      │ ──AttemptsExhausted──▶ failed (attempts_exhausted)
///      │ ──CallNotPlaced──────▶ failed (call_not_placed)
///      └ ──CodeExpired────────▶ expired
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// Created: the OTP was emailed and the call scheduled (or placed).
    Pending,
    /// The caller gave the right last four digits and code on the call.
    Verified,
    /// Too many wrong answers.
    Failed,
    /// The code expired before it was given.
    Expired,
    /// The business accepted a verified request.
    Accepted,
}

/// What can happen to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    CallVerified,
    AttemptsExhausted,
    CodeExpired,
    Accept,
    /// The call could not be placed (throttled or refused until the dialer gave up).
    CallNotPlaced,
}

impl Transition {
    /// Why a request that this transition fails failed (`failureReason`), where it fails one.
    pub fn failure_reason(self) -> Option<&'static str> {
        match self {
            Transition::AttemptsExhausted => Some("attempts_exhausted"),
            Transition::CallNotPlaced => Some("call_not_placed"),
            _ => None,
        }
    }

    /// Whether the request gives up its email and phone reservations with this transition, so
    /// the same user can be submitted again: only when we never reached them by phone.
    pub fn releases_reservations(self) -> bool {
        self == Transition::CallNotPlaced
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from} request cannot take {transition:?}")]
pub struct TransitionError {
    pub from: RequestStatus,
    pub transition: Transition,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 5] = [
        RequestStatus::Pending,
        RequestStatus::Verified,
        RequestStatus::Failed,
        RequestStatus::Expired,
        RequestStatus::Accepted,
    ];

    /// The one table of allowed edges.
    pub fn apply(self, transition: Transition) -> Result<RequestStatus, TransitionError> {
        use RequestStatus::*;
        use Transition::*;
        match (self, transition) {
            (Pending, CallVerified) => Ok(Verified),
            (Pending, AttemptsExhausted) => Ok(Failed),
            (Pending, CodeExpired) => Ok(Expired),
            (Pending, CallNotPlaced) => Ok(Failed),
            (Verified, Accept) => Ok(Accepted),
            (from, transition) => Err(TransitionError { from, transition }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Verified => "verified",
            RequestStatus::Failed => "failed",
            RequestStatus::Expired => "expired",
            RequestStatus::Accepted => "accepted",
        }
    }

    /// The status as seen at `now` (Unix seconds) of a request whose code expires at
    /// `otp_expires_at`: a pending request whose code ran out can no longer be verified, so it
    /// reads as expired (a hung-up call ends this way) until its next event stores that.
    pub fn as_of(self, otp_expires_at: u64, now: u64) -> RequestStatus {
        match self {
            RequestStatus::Pending if now >= otp_expires_at => RequestStatus::Expired,
            status => status,
        }
    }

    /// `isValidated` in the published retrieval API.
    pub fn is_validated(self) -> bool {
        matches!(self, RequestStatus::Verified | RequestStatus::Accepted)
    }

    /// `isAccepted` in the published retrieval API.
    pub fn is_accepted(self) -> bool {
        self == RequestStatus::Accepted
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RequestStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RequestStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("unknown request status {s:?}"))
    }
}

/// Everything the store needs to create a request in one transaction.
#[derive(Debug, Clone)]
pub struct NewKycRequest {
    pub id: RequestId,
    pub tenant: TenantId,
    pub email: Email,
    pub phone: PhoneNumber,
    pub document_id: DocumentId,
    pub otp_hash: OtpHash,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub otp_expires_at: u64,
    pub max_attempts: u32,
    /// The tenant's limit of creates per minute this one counts against (`None`: not counted,
    /// for operator tools).
    pub creates_per_minute: Option<u32>,
    /// When its first call is due (Unix seconds): it counts as scheduled call 1. `None`: no
    /// call is scheduled (operator tools, seeded tests).
    pub call_scheduled_at: Option<u64>,
}

impl NewKycRequest {
    pub const INITIAL_STATUS: RequestStatus = RequestStatus::Pending;

    /// The minute (Unix seconds / 60) whose create count this request adds to.
    pub fn minute(&self) -> u64 {
        self.created_at / 60
    }

    /// Seconds until the next minute, when a tenant over its limit may create again.
    pub fn retry_after(&self) -> u64 {
        60 - self.created_at % 60
    }
}

#[cfg(test)]
mod tests {
    use super::RequestStatus::*;
    use super::Transition::*;
    use super::*;

    const TRANSITIONS: [Transition; 5] = [
        CallVerified,
        AttemptsExhausted,
        CodeExpired,
        Accept,
        CallNotPlaced,
    ];

    #[test]
    fn every_allowed_edge() {
        assert_eq!(Pending.apply(CallVerified), Ok(Verified));
        assert_eq!(Pending.apply(AttemptsExhausted), Ok(Failed));
        assert_eq!(Pending.apply(CodeExpired), Ok(Expired));
        assert_eq!(Pending.apply(CallNotPlaced), Ok(Failed));
        assert_eq!(Verified.apply(Accept), Ok(Accepted));
    }

    #[test]
    fn failing_edges_give_their_reason_and_only_an_unplaced_call_frees_the_user() {
        assert_eq!(
            AttemptsExhausted.failure_reason(),
            Some("attempts_exhausted")
        );
        assert_eq!(CallNotPlaced.failure_reason(), Some("call_not_placed"));
        for t in [CallVerified, CodeExpired, Accept] {
            assert_eq!(t.failure_reason(), None);
        }
        assert!(CallNotPlaced.releases_reservations());
        assert!(!AttemptsExhausted.releases_reservations());
    }

    #[test]
    fn every_other_edge_is_refused() {
        let allowed = [
            (Pending, CallVerified),
            (Pending, AttemptsExhausted),
            (Pending, CodeExpired),
            (Pending, CallNotPlaced),
            (Verified, Accept),
        ];
        let mut refused = 0;
        for from in RequestStatus::ALL {
            for transition in TRANSITIONS {
                if allowed.contains(&(from, transition)) {
                    continue;
                }
                assert_eq!(
                    from.apply(transition),
                    Err(TransitionError { from, transition }),
                    "{from} + {transition:?}"
                );
                refused += 1;
            }
        }
        assert_eq!(refused, 5 * 5 - allowed.len());
    }

    #[test]
    fn terminal_states_take_nothing() {
        for from in [Failed, Expired, Accepted] {
            assert!(TRANSITIONS.iter().all(|t| from.apply(*t).is_err()));
        }
    }

    #[test]
    fn status_names_round_trip() {
        for status in RequestStatus::ALL {
            assert_eq!(status.as_str().parse::<RequestStatus>(), Ok(status));
        }
        assert!("done".parse::<RequestStatus>().is_err());
    }

    #[test]
    fn a_pending_request_reads_as_expired_from_its_code_expiry_on() {
        assert_eq!(Pending.as_of(100, 99), Pending);
        assert_eq!(Pending.as_of(100, 100), Expired);
        assert_eq!(Pending.as_of(100, 5_000), Expired);
        for settled in [Verified, Failed, Expired, Accepted] {
            assert_eq!(settled.as_of(100, 5_000), settled);
        }
    }

    #[test]
    fn published_flags() {
        assert!(!Pending.is_validated() && !Pending.is_accepted());
        assert!(Verified.is_validated() && !Verified.is_accepted());
        assert!(Accepted.is_validated() && Accepted.is_accepted());
        assert!(!Failed.is_validated() && !Expired.is_validated());
    }
}
