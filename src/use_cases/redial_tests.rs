//! Redials over the in-memory store and queue.

use std::time::Duration;

use super::*;
use crate::adapters::memory::{Fault, MemoryCallQueue, MemoryStore};
use crate::domain::{
    DocumentId, DocumentIdentification, Email, NewKycRequest, Otp, OtpHasher, PhoneNumber,
};
use crate::ports::{ContactId, RequestStore};

const NOW: u64 = 10_000;
const EXPIRES: u64 = NOW + 600;
const SETTINGS: RedialSettings = RedialSettings {
    max_calls: 3,
    cooldown: Duration::from_secs(60),
    delay: Duration::from_secs(15),
};

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

/// A pending request whose first call was placed at `NOW`.
async fn called(store: &MemoryStore) -> RequestId {
    called_at(store, "a@example.com", "+14155550101").await
}

async fn called_at(store: &MemoryStore, email: &str, phone: &str) -> RequestId {
    let document = DocumentId::parse("doc-1").unwrap();
    let record: DocumentIdentification =
        serde_json::from_str(include_str!("../../events/document.json")).unwrap();
    store.insert_document(&tenant(), &document, record);
    let id = RequestId::generate();
    let request = NewKycRequest {
        id,
        tenant: tenant(),
        email: Email::parse(email).unwrap(),
        phone: PhoneNumber::parse(phone).unwrap(),
        document_id: document,
        otp_hash: OtpHasher::new(&[1u8; 32])
            .unwrap()
            .hash(&id, &Otp::generate()),
        created_at: NOW - 15,
        otp_expires_at: EXPIRES,
        max_attempts: 3,
        creates_per_minute: None,
        call_scheduled_at: Some(NOW),
    };
    store.create_request(&request).await.unwrap();
    let contact = ContactId("c-1".into());
    assert!(store
        .record_call(&tenant(), &id, 1, &contact, 1, NOW)
        .await
        .unwrap());
    id
}

async fn run(
    s: &MemoryStore,
    q: &MemoryCallQueue,
    id: &RequestId,
    now: u64,
) -> Result<Scheduled, RedialError> {
    redial(s, q, &SETTINGS, &tenant(), id, now).await
}

#[tokio::test]
async fn a_missed_call_is_scheduled_again_after_the_cooldown() {
    let (store, queue) = (MemoryStore::default(), MemoryCallQueue::default());
    let id = called(&store).await;
    assert_eq!(
        run(&store, &queue, &id, NOW + 59).await,
        Err(RedialError::TooSoon { retry_after: 1 })
    );
    let scheduled = run(&store, &queue, &id, NOW + 60).await.unwrap();
    assert_eq!(
        scheduled,
        Scheduled {
            call: 2,
            at: NOW + 75
        }
    );
    let order = CallOrder {
        tenant: tenant(),
        request: id,
        call: 2,
    };
    assert_eq!(queue.enqueued(), vec![(order, Duration::from_secs(15))]);
    let state = store.load_call(&tenant(), &id).await.unwrap().unwrap();
    assert_eq!(
        (state.calls_scheduled, state.call_scheduled_at),
        (2, Some(NOW + 75))
    );
    // Until the dialer placed it, no third.
    assert_eq!(
        run(&store, &queue, &id, NOW + 200).await,
        Err(RedialError::CallWaiting)
    );
}

#[tokio::test]
async fn at_most_the_calls_allowed() {
    let (store, queue) = (MemoryStore::default(), MemoryCallQueue::default());
    let id = called(&store).await;
    for call in 2..=3 {
        let at = NOW + 100 * u64::from(call);
        run(&store, &queue, &id, at).await.unwrap();
        let contact = ContactId(format!("c-{call}"));
        assert!(store
            .record_call(&tenant(), &id, call, &contact, 1, at)
            .await
            .unwrap());
    }
    assert_eq!(
        run(&store, &queue, &id, NOW + 500).await,
        Err(RedialError::CallLimit { max: 3 })
    );
}

#[tokio::test]
async fn only_a_pending_request_with_a_valid_code_and_only_the_tenants_own() {
    let (store, queue) = (MemoryStore::default(), MemoryCallQueue::default());
    let id = called(&store).await;
    assert_eq!(
        run(&store, &queue, &id, EXPIRES).await,
        Err(RedialError::CodeExpired)
    );
    assert_eq!(
        redial(
            &store,
            &queue,
            &SETTINGS,
            &TenantId::parse("other").unwrap(),
            &id,
            NOW + 60
        )
        .await,
        Err(RedialError::NotFound)
    );
    assert_eq!(
        run(&store, &queue, &RequestId::generate(), NOW).await,
        Err(RedialError::NotFound)
    );
    let failed = called_at(&store, "b@example.com", "+14155550102").await;
    use crate::ports::{TransitionDetails, VerificationStore};
    let details = TransitionDetails {
        now: NOW,
        ..Default::default()
    };
    let pending = RequestStatus::Pending;
    let exhausted = crate::domain::Transition::AttemptsExhausted;
    assert!(store
        .transition(&tenant(), &failed, pending, exhausted, details)
        .await
        .unwrap());
    assert_eq!(
        run(&store, &queue, &failed, NOW + 60).await,
        Err(RedialError::NotPending(RequestStatus::Failed))
    );
    assert!(queue.enqueued().is_empty());
}

#[tokio::test]
async fn a_failed_enqueue_takes_the_schedule_back() {
    let (store, queue) = (MemoryStore::default(), MemoryCallQueue::default());
    let id = called(&store).await;
    queue.inject(Fault::Fail);
    assert!(matches!(
        run(&store, &queue, &id, NOW + 60).await,
        Err(RedialError::Store(_))
    ));
    let state = store.load_call(&tenant(), &id).await.unwrap().unwrap();
    assert_eq!(
        (state.calls_scheduled, state.call_scheduled_at),
        (1, Some(NOW))
    );
    queue.heal();
    assert!(run(&store, &queue, &id, NOW + 61).await.is_ok());
}

#[tokio::test]
async fn racing_redials_schedule_one_call() {
    let (store, queue) = (MemoryStore::default(), MemoryCallQueue::default());
    let id = called(&store).await;
    let (a, b) = tokio::join!(
        run(&store, &queue, &id, NOW + 60),
        run(&store, &queue, &id, NOW + 60)
    );
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    assert!([a, b].contains(&Err(RedialError::CallWaiting)));
    assert_eq!(queue.enqueued().len(), 1);
}
