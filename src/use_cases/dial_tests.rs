//! The dialer over the in-memory store, dialer and queue.

use std::time::Duration;

use super::*;
use crate::adapters::memory::{Fault, MemoryCallQueue, MemoryDialer, MemoryStore};
use crate::domain::{
    DocumentId, DocumentIdentification, Email, NewKycRequest, OtpHasher, RequestId, TenantId,
};
use crate::ports::{RequestLifecycle, RequestStore, ServiceErrorKind};

const NOW: u64 = 10_000;
const EXPIRES: u64 = NOW + 600;

type Worker = DialWorker<MemoryStore, MemoryDialer, MemoryCallQueue>;

fn worker() -> Worker {
    DialWorker {
        store: MemoryStore::default(),
        dialer: MemoryDialer::default(),
        queue: MemoryCallQueue::default(),
        settings: DialSettings {
            max_attempts: 3,
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(60),
        },
        pacer: Pacer::per_second(1000.0),
    }
}

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

async fn stored(w: &Worker, email: &str, phone: &str) -> RequestId {
    let document = DocumentId::parse("doc-1").unwrap();
    let record: DocumentIdentification =
        serde_json::from_str(include_str!("../../events/document.json")).unwrap();
    w.store.insert_document(&tenant(), &document, record);
    let id = RequestId::generate();
    let request = NewKycRequest {
        id,
        tenant: tenant(),
        email: Email::parse(email).unwrap(),
        phone: PhoneNumber::parse(phone).unwrap(),
        document_id: document,
        otp_hash: OtpHasher::new(&[1u8; 32])
            .unwrap()
            .hash(&id, &crate::domain::Otp::generate()),
        created_at: NOW - 15,
        otp_expires_at: EXPIRES,
        max_attempts: 3,
        creates_per_minute: None,
        call_scheduled_at: Some(NOW),
    };
    w.store.create_request(&request).await.unwrap();
    id
}

fn message(id: &RequestId, call: u32, receive_count: u32) -> Received {
    Received {
        message_id: format!("m-{id}-{call}"),
        receipt: format!("r-{id}-{call}-{receive_count}"),
        order: Ok(CallOrder {
            tenant: tenant(),
            request: *id,
            call,
        }),
        receive_count,
    }
}

async fn dial(w: &Worker, m: &Received, now: u64) -> Dialed {
    w.dial(m, &move || now).await
}

#[tokio::test]
async fn a_due_call_is_placed_once_and_recorded_and_a_redelivery_places_nothing() {
    let w = worker();
    let id = stored(&w, "a@example.com", "+14155550101").await;
    let placed = dial(&w, &message(&id, 1, 1), NOW).await;
    let contact = format!("contact-{id}");
    assert_eq!(
        placed,
        Dialed::Placed {
            contact: contact.clone(),
            recorded: true
        }
    );
    assert!(placed.done());
    let calls = w.dialer.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].to.as_str(), calls[0].token.clone()),
        ("+14155550101", id.to_string())
    );
    assert_eq!(w.store.call_contact_of(&tenant(), &id), Some(contact));
    let read = w.store.get_request(&tenant(), &id).await.unwrap().unwrap();
    assert_eq!(
        (read.call_placed_at, read.call_attempts),
        (Some(NOW), Some(1))
    );

    let again = dial(&w, &message(&id, 1, 2), NOW + 1).await;
    assert_eq!(again, Dialed::Skipped("call already placed"));
    assert_eq!(w.dialer.asked(), 1, "a redelivered message does not dial");
}

#[tokio::test]
async fn a_crash_after_connect_accepted_is_healed_by_the_redelivery_without_a_second_call() {
    let w = worker();
    let id = stored(&w, "a@example.com", "+14155550101").await;
    // The first delivery placed the call and died before recording it.
    let order = CallOrder::first(&tenant(), &id);
    let to = PhoneNumber::parse("+14155550101").unwrap();
    let first = w.dialer.place_call(&to, &order).await.unwrap();
    assert_eq!(w.store.call_contact_of(&tenant(), &id), None);

    let redelivered = dial(&w, &message(&id, 1, 2), NOW).await;
    assert_eq!(
        redelivered,
        Dialed::Placed {
            contact: first.0.clone(),
            recorded: true
        }
    );
    assert_eq!(w.dialer.calls().len(), 1, "Connect's token: one call");
    assert_eq!(w.store.call_contact_of(&tenant(), &id), Some(first.0));
}

#[tokio::test]
async fn a_throttled_call_comes_back_later_and_later_then_fails_the_request_and_frees_the_user() {
    let w = worker();
    let id = stored(&w, "a@example.com", "+14155550101").await;
    w.dialer.inject(Fault::FailAs(ServiceErrorKind::Throttled));
    for receive in 1..=2 {
        let m = message(&id, 1, receive);
        let dialed = dial(&w, &m, NOW).await;
        assert!(
            matches!(dialed, Dialed::Retry { after: Some(_) }),
            "{dialed:?}"
        );
        assert!(!dialed.done());
    }
    let postponed = w.queue.postponed();
    assert_eq!(postponed.len(), 2);
    let (first, second) = (postponed[0].1, postponed[1].1);
    assert!((5..=10).contains(&first.as_secs()), "{first:?}");
    assert!((10..=20).contains(&second.as_secs()), "{second:?}");

    let last = dial(&w, &message(&id, 1, 3), NOW).await;
    assert_eq!(last, Dialed::GaveUp);
    assert!(last.done(), "the message leaves the queue");
    let read = w.store.get_request(&tenant(), &id).await.unwrap().unwrap();
    assert_eq!(read.status, RequestStatus::Failed);
    assert_eq!(read.failure_reason.as_deref(), Some("call_not_placed"));
    assert_eq!((read.failed_at, read.call_attempts), (Some(NOW), Some(3)));
    assert_eq!(w.store.otp_hash(&tenant(), &id), None);
    let email = Email::parse("a@example.com").unwrap().uniqueness_key();
    let phone = PhoneNumber::parse("+14155550101").unwrap().uniqueness_key();
    assert_eq!(w.store.holders(&tenant(), &email, &phone), (None, None));
    // The same user can be submitted again.
    stored(&w, "a@example.com", "+14155550101").await;
}

#[tokio::test]
async fn the_limit_and_server_errors_are_retried_too_but_a_refused_call_is_given_up_at_once() {
    for kind in [ServiceErrorKind::Unavailable, ServiceErrorKind::TimedOut] {
        let w = worker();
        let id = stored(&w, "a@example.com", "+14155550101").await;
        w.dialer.inject(Fault::FailAs(kind));
        let dialed = dial(&w, &message(&id, 1, 1), NOW).await;
        assert!(matches!(dialed, Dialed::Retry { .. }), "{kind:?}");
    }
    let w = worker();
    let id = stored(&w, "a@example.com", "+14155550101").await;
    w.dialer.inject(Fault::FailAs(ServiceErrorKind::Rejected));
    assert_eq!(dial(&w, &message(&id, 1, 1), NOW).await, Dialed::GaveUp);
}

#[tokio::test]
async fn a_deleted_request_or_one_that_moved_on_gets_no_call() {
    let w = worker();
    let id = stored(&w, "a@example.com", "+14155550101").await;
    assert!(w
        .store
        .delete_request(&tenant(), &id)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        dial(&w, &message(&id, 1, 1), NOW).await,
        Dialed::Skipped("request gone")
    );
    let failed = stored(&w, "b@example.com", "+14155550102").await;
    w.dialer.inject(Fault::FailAs(ServiceErrorKind::Rejected));
    dial(&w, &message(&failed, 1, 1), NOW).await;
    w.dialer.heal();
    assert_eq!(
        dial(&w, &message(&failed, 1, 2), NOW).await,
        Dialed::Skipped("request no longer pending")
    );
    assert!(w.dialer.calls().is_empty());
}

#[tokio::test]
async fn once_the_code_expired_no_call_is_placed_and_the_request_fails() {
    let w = worker();
    let id = stored(&w, "a@example.com", "+14155550101").await;
    assert_eq!(dial(&w, &message(&id, 1, 1), EXPIRES).await, Dialed::GaveUp);
    assert!(w.dialer.calls().is_empty());
}

#[tokio::test]
async fn a_redial_that_cannot_be_placed_is_dropped_and_the_request_keeps_its_first_call() {
    let w = worker();
    let id = stored(&w, "a@example.com", "+14155550101").await;
    dial(&w, &message(&id, 1, 1), NOW).await;
    assert!(w
        .store
        .schedule_call(&tenant(), &id, 1, NOW + 60)
        .await
        .unwrap());
    w.dialer.inject(Fault::FailAs(ServiceErrorKind::Throttled));
    assert_eq!(
        dial(&w, &message(&id, 2, 3), NOW + 60).await,
        Dialed::Dropped
    );
    let read = w.store.get_request(&tenant(), &id).await.unwrap().unwrap();
    assert_eq!(read.status, RequestStatus::Pending);
    assert_eq!(
        w.store.call_contact_of(&tenant(), &id),
        Some(format!("contact-{id}"))
    );
}

#[tokio::test]
async fn a_redial_gets_its_own_token_and_an_unscheduled_call_is_skipped() {
    let w = worker();
    let id = stored(&w, "a@example.com", "+14155550101").await;
    dial(&w, &message(&id, 1, 1), NOW).await;
    assert_eq!(
        dial(&w, &message(&id, 2, 1), NOW).await,
        Dialed::Skipped("call not scheduled")
    );
    assert!(w
        .store
        .schedule_call(&tenant(), &id, 1, NOW + 60)
        .await
        .unwrap());
    let placed = dial(&w, &message(&id, 2, 1), NOW + 60).await;
    assert!(matches!(placed, Dialed::Placed { recorded: true, .. }));
    let tokens: Vec<String> = w.dialer.calls().into_iter().map(|c| c.token).collect();
    assert_eq!(tokens, [id.to_string(), format!("{id}-2")]);
    assert_eq!(
        w.store.call_contact_of(&tenant(), &id),
        Some(format!("contact-{id}-2"))
    );
    // The first call's message, late, changes nothing.
    assert_eq!(
        dial(&w, &message(&id, 1, 4), NOW + 61).await,
        Dialed::Skipped("call already placed")
    );
}

#[tokio::test]
async fn a_store_that_fails_hands_the_message_back_and_a_poison_message_goes_to_the_redrive() {
    let w = worker();
    let id = stored(&w, "a@example.com", "+14155550101").await;
    w.store
        .inject(crate::adapters::memory::Op::CallState, Fault::Fail);
    let dialed = dial(&w, &message(&id, 1, 1), NOW).await;
    assert!(matches!(dialed, Dialed::Retry { after: Some(_) }));
    assert!(w.dialer.calls().is_empty());

    let poison = Received {
        order: CallOrder::from_message("{}"),
        ..message(&id, 1, 1)
    };
    let dialed = dial(&w, &poison, NOW).await;
    assert_eq!(dialed, Dialed::Poison);
    assert!(!dialed.done());
    assert_eq!(w.queue.postponed().len(), 1, "poison is not postponed");
}

#[tokio::test]
async fn a_queue_that_cannot_postpone_still_reports_the_message_failed() {
    let w = worker();
    let id = stored(&w, "a@example.com", "+14155550101").await;
    w.dialer.inject(Fault::FailAs(ServiceErrorKind::Throttled));
    w.queue.inject_postpone(Fault::Fail);
    assert_eq!(
        dial(&w, &message(&id, 1, 1), NOW).await,
        Dialed::Retry { after: None }
    );
}

#[tokio::test(start_paused = true)]
async fn the_pacer_spaces_one_workers_calls() {
    let mut w = worker();
    w.pacer = Pacer::per_second(2.0);
    let mut ids = vec![];
    for i in 0..5 {
        ids.push(stored(&w, &format!("u{i}@example.com"), &format!("+1415555010{i}")).await);
    }
    let started = Instant::now();
    for id in &ids {
        dial(&w, &message(id, 1, 1), NOW).await;
    }
    assert_eq!(started.elapsed(), Duration::from_secs(2), "5 calls at 2/s");
    assert_eq!(w.dialer.calls().len(), 5);
}

#[test]
fn the_retry_delay_grows_with_the_receives_is_capped_and_jittered() {
    let s = DialSettings {
        max_attempts: 10,
        retry_base: Duration::from_secs(10),
        retry_max: Duration::from_secs(300),
    };
    let at = |r, j| retry_delay(r, &s, j).as_secs();
    assert_eq!((at(1, 0.0), at(1, 1.0)), (5, 10));
    assert_eq!((at(2, 0.0), at(2, 1.0)), (10, 20));
    assert_eq!((at(4, 0.0), at(4, 0.999_999)), (40, 80));
    assert_eq!((at(9, 0.0), at(9, 1.0)), (150, 300));
    assert_eq!(at(40, 1.0), 300);
    let zero = DialSettings {
        retry_base: Duration::ZERO,
        ..s
    };
    assert_eq!(retry_delay(1, &zero, 0.5), Duration::from_secs(1));
}

#[test]
fn the_plan_from_the_request_as_read() {
    let s = DialSettings::default();
    let order = CallOrder::first(&tenant(), &RequestId::generate());
    let state = CallState {
        status: RequestStatus::Pending,
        otp_expires_at: EXPIRES,
        phone_number: "+14155550101".into(),
        calls_scheduled: 1,
        calls_placed: 0,
        call_scheduled_at: Some(NOW),
        call_placed_at: None,
    };
    assert_eq!(plan(Some(&state), &order, 1, NOW, &s), Plan::Place);
    assert_eq!(plan(Some(&state), &order, 8, NOW, &s), Plan::Place);
    assert_eq!(plan(Some(&state), &order, 9, NOW, &s), Plan::Stop);
    assert_eq!(plan(Some(&state), &order, 1, EXPIRES, &s), Plan::Stop);
    assert_eq!(plan(None, &order, 1, NOW, &s), Plan::Skip("request gone"));
    let verified = CallState {
        status: RequestStatus::Verified,
        ..state.clone()
    };
    assert_eq!(
        plan(Some(&verified), &order, 1, NOW, &s),
        Plan::Skip("request no longer pending")
    );
}
