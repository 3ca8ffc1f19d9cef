//! Which contact an answer comes from, and whether it is the request's own verification call.
//!
//! Contact attributes (tenant, request id) are only as trustworthy as whoever started the
//! contact: any flow of the instance, an inbound call or a chat could carry them. So an answer
//! counts only from a voice contact the product started (`StartOutboundVoiceContact`: initiation
//! `API`, or `OUTBOUND`) to the request's own phone number. Anything else is answered like an
//! unknown request, and nothing is written.

use crate::ports::VerificationRecord;

/// What the contact-flow event says about the contact that is answering.
#[derive(Debug, Clone, Copy)]
pub struct CallOrigin<'a> {
    pub contact_id: &'a str,
    /// The first contact of a transferred chain; equal to `contact_id` for a direct call.
    pub initial_contact_id: &'a str,
    /// `VOICE`, `CHAT`, `TASK`, ...
    pub channel: &'a str,
    /// `INBOUND`, `OUTBOUND`, `API`, `TRANSFER`, ...
    pub initiation: &'a str,
    /// The customer's number (E.164) on a voice contact.
    pub customer_number: &'a str,
}

/// Ways a contact that calls itself an outbound verification call started by
/// `StartOutboundVoiceContact` may be marked.
const PLACED_BY_US: [&str; 2] = ["API", "OUTBOUND"];

impl CallOrigin<'_> {
    /// Whether this contact is the verification call placed for `record`'s request: the latest
    /// call the dialer recorded (its `ContactId`, or the `InitialContactId` of a transfer of
    /// it), so an earlier call's answers no longer count after a redial. A request with no
    /// recorded call has no call to answer from; in the moment between Connect accepting a
    /// call and the dialer's write, the callee hears "cannot complete" and can be called again
    /// (the redelivered message records the same contact, through its `ClientToken`).
    pub fn is_the_call_of(&self, record: &VerificationRecord) -> bool {
        self.channel == "VOICE"
            && PLACED_BY_US.contains(&self.initiation)
            && !self.customer_number.is_empty()
            && self.customer_number == record.phone_number
            && record.call_contact_id.as_deref().is_some_and(|latest| {
                !latest.is_empty()
                    && (latest == self.contact_id || latest == self.initial_contact_id)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryStore;
    use crate::domain::{OtpHasher, RequestId, RequestStatus, TenantId};
    use crate::ports::RequestLifecycle;
    use crate::use_cases::answer_call::{answer_call, CallAnswer, CallInput, CallResult, Step};
    use crate::use_cases::verification_fixtures::{
        called_request, unplaced_request, LAST_FOUR, PHONE,
    };

    const NOW: u64 = 10_000;

    fn hasher() -> OtpHasher {
        OtpHasher::new(&[3u8; 32]).unwrap()
    }

    fn ours() -> CallOrigin<'static> {
        CallOrigin {
            contact_id: "contact-1",
            initial_contact_id: "contact-1",
            channel: "VOICE",
            initiation: "API",
            customer_number: PHONE,
        }
    }

    /// A pending request whose call the dialer placed and recorded as `contact-1`.
    async fn pending(store: &MemoryStore) -> (TenantId, RequestId, String) {
        called_request(store, &hasher(), (NOW, NOW + 60), "contact-1").await
    }

    /// A pending request whose call has not been placed yet.
    async fn unplaced(store: &MemoryStore) -> (TenantId, RequestId, String) {
        unplaced_request(store, &hasher(), NOW, NOW + 60).await
    }

    async fn answer(
        store: &MemoryStore,
        (tenant, id): (&TenantId, &RequestId),
        origin: CallOrigin<'_>,
        step: Step,
        digits: &str,
    ) -> CallAnswer {
        let input = CallInput {
            tenant,
            request: id,
            step,
            digits,
            origin,
        };
        answer_call(store, &hasher(), input, NOW).await.unwrap()
    }

    /// Every way a contact can differ from the placed call: each answers `error`, even with
    /// the right digits, and leaves the request exactly as it was.
    #[tokio::test]
    async fn a_contact_that_is_not_the_placed_call_is_refused_and_changes_nothing() {
        let mismatches: [(&str, CallOrigin); 5] = [
            (
                "inbound",
                CallOrigin {
                    initiation: "INBOUND",
                    ..ours()
                },
            ),
            (
                "transfer",
                CallOrigin {
                    initiation: "TRANSFER",
                    ..ours()
                },
            ),
            (
                "chat",
                CallOrigin {
                    channel: "CHAT",
                    ..ours()
                },
            ),
            (
                "another number",
                CallOrigin {
                    customer_number: "+14155550199",
                    ..ours()
                },
            ),
            (
                "no number",
                CallOrigin {
                    customer_number: "",
                    ..ours()
                },
            ),
        ];
        for (what, origin) in mismatches {
            let store = MemoryStore::default();
            let (t, id, code) = pending(&store).await;
            let before = store.get_request(&t, &id).await.unwrap().unwrap();
            for (step, digits) in [
                (Step::LastFour, LAST_FOUR),
                (Step::Code, &code),
                (Step::LastFour, "0000"),
            ] {
                let got = answer(&store, (&t, &id), origin, step, digits).await;
                assert_eq!(got, CallAnswer::ERROR, "{what}");
            }
            let after = store.get_request(&t, &id).await.unwrap().unwrap();
            assert_eq!(after.status, RequestStatus::Pending, "{what}");
            assert_eq!(after.attempts_used, before.attempts_used, "{what}");
            assert_eq!(store.contact_of(&t, &id), None, "{what}: nothing written");
            // The request's own call still verifies it.
            let ok = answer(&store, (&t, &id), ours(), Step::LastFour, LAST_FOUR).await;
            assert_eq!(ok.result, CallResult::Ok, "{what}");
        }
    }

    #[tokio::test]
    async fn an_outbound_call_to_the_requests_number_is_heard() {
        for initiation in PLACED_BY_US {
            let store = MemoryStore::default();
            let (t, id, code) = pending(&store).await;
            let origin = CallOrigin {
                initiation,
                ..ours()
            };
            let last4 = answer(&store, (&t, &id), origin, Step::LastFour, LAST_FOUR).await;
            let code = answer(&store, (&t, &id), origin, Step::Code, &code).await;
            assert_eq!(
                (last4.result, code.result),
                (CallResult::Ok, CallResult::Ok)
            );
            let stored = store.get_request(&t, &id).await.unwrap().unwrap();
            assert_eq!(stored.status, RequestStatus::Verified);
        }
    }

    /// A verified request answers exactly as an unknown one: no caller learns its status.
    #[tokio::test]
    async fn a_verified_request_answers_like_an_unknown_one() {
        let store = MemoryStore::default();
        let (t, id, code) = pending(&store).await;
        answer(&store, (&t, &id), ours(), Step::LastFour, LAST_FOUR).await;
        answer(&store, (&t, &id), ours(), Step::Code, &code).await;
        let unknown = answer(
            &store,
            (&t, &RequestId::generate()),
            ours(),
            Step::Code,
            &code,
        )
        .await;
        assert_eq!(unknown, CallAnswer::ERROR);
        for (step, digits) in [
            (Step::LastFour, LAST_FOUR),
            (Step::Code, code.as_str()),
            (Step::Code, ""),
        ] {
            assert_eq!(
                answer(&store, (&t, &id), ours(), step, digits).await,
                unknown
            );
        }
    }

    /// Before the dialer recorded a call, no contact can answer for the request, however
    /// much it looks like the request's call.
    #[tokio::test]
    async fn before_a_call_is_recorded_no_contact_is_heard() {
        let store = MemoryStore::default();
        let (t, id, code) = unplaced(&store).await;
        let before = store.get_request(&t, &id).await.unwrap();
        for (step, digits) in [(Step::LastFour, LAST_FOUR), (Step::Code, code.as_str())] {
            let got = answer(&store, (&t, &id), ours(), step, digits).await;
            assert_eq!(got, CallAnswer::ERROR);
        }
        assert_eq!(store.get_request(&t, &id).await.unwrap(), before);
    }

    /// After a redial, the call the dialer recorded last is the only one heard (or a transfer
    /// of it).
    #[tokio::test]
    async fn once_a_call_is_recorded_only_the_latest_is_heard() {
        use crate::ports::{CallStore, ContactId};
        let store = MemoryStore::default();
        let (t, id, code) = pending(&store).await;
        let early = answer(&store, (&t, &id), ours(), Step::LastFour, LAST_FOUR).await;
        assert_eq!(early.result, CallResult::Ok);
        let latest = ContactId("contact-2".into());
        assert!(store
            .record_call(&t, &id, 2, &latest, 1, NOW)
            .await
            .unwrap());
        let before = store.get_request(&t, &id).await.unwrap();
        for old in ["contact-1", ""] {
            let origin = CallOrigin {
                contact_id: old,
                initial_contact_id: old,
                ..ours()
            };
            for (step, digits) in [(Step::Code, code.as_str()), (Step::Code, "000000")] {
                let got = answer(&store, (&t, &id), origin, step, digits).await;
                assert_eq!(got, CallAnswer::ERROR, "{old:?}");
            }
        }
        assert_eq!(store.get_request(&t, &id).await.unwrap(), before);
        let transferred = CallOrigin {
            contact_id: "contact-3",
            initial_contact_id: "contact-2",
            ..ours()
        };
        let ok = answer(&store, (&t, &id), transferred, Step::Code, &code).await;
        assert_eq!(ok.result, CallResult::Ok);
    }
}
