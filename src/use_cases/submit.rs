//! Submitting a KYC request: reserve and record in one transaction, then email the code and
//! schedule the call (enqueue it for the dialer, `use_cases::dial`) concurrently; if either
//! cannot go out, release everything so the same email and phone can be submitted again. The
//! call itself is placed by the dialer, at the pace Amazon Connect's quotas allow.

use std::time::Duration;

use crate::domain::{
    DocumentId, Email, NewKycRequest, Otp, OtpHasher, OtpPolicy, PhoneNumber, RequestId,
};
use crate::ports::{CallOrder, CallQueue, Mailer, RequestStore, SubmitError};
use crate::use_cases::authenticate::Caller;

/// A submission that passed validation at the edge.
#[derive(Debug, Clone)]
pub struct Submission {
    pub email: Email,
    pub phone: PhoneNumber,
    pub document_id: DocumentId,
}

/// What submitting needs besides its ports, fixed at init: OTP hashing and policy, the
/// countries calls are placed to, and the default create limit of a tenant.
#[derive(Debug, Clone)]
pub struct SubmitSettings {
    pub hasher: OtpHasher,
    pub policy: OtpPolicy,
    /// ISO 3166-1 alpha-2 codes (`US`); a number elsewhere is refused.
    pub allowed_countries: Vec<String>,
    /// Creates per minute a tenant may make unless its own limit says otherwise.
    pub creates_per_minute: u32,
    /// How long after the create the call is placed (`CALL_DELAY_SECONDS`): the email first.
    pub call_delay: Duration,
}

/// How often, and how far apart, a failed withdrawal is tried again. The SDK already retries
/// each call; these spaced attempts are added because a stranded reservation blocks the user
/// until an operator acts.
const RELEASE_ATTEMPTS: u32 = 3;
const RELEASE_BACKOFF: Duration = Duration::from_millis(100);

pub async fn submit<S: RequestStore, M: Mailer, Q: CallQueue>(
    store: &S,
    mailer: &M,
    queue: &Q,
    settings: &SubmitSettings,
    caller: &Caller,
    input: Submission,
    now: u64,
) -> Result<RequestId, SubmitError> {
    let country = input.phone.country();
    if !settings.allowed_countries.iter().any(|c| c == country) {
        let allowed = settings.allowed_countries.clone();
        return Err(SubmitError::CountryNotAllowed { allowed });
    }
    let tenant = &caller.tenant;
    let id = RequestId::generate();
    let otp = Otp::generate();
    let policy = settings.policy;
    let request = NewKycRequest {
        id,
        tenant: tenant.clone(),
        email: input.email,
        phone: input.phone,
        document_id: input.document_id,
        otp_hash: settings.hasher.hash(&id, &otp),
        created_at: now,
        otp_expires_at: policy.expires_at(now),
        max_attempts: policy.max_attempts,
        creates_per_minute: Some(
            caller
                .creates_per_minute
                .unwrap_or(settings.creates_per_minute),
        ),
        call_scheduled_at: Some(now + settings.call_delay.as_secs()),
    };
    store.create_request(&request).await?;

    let order = CallOrder::first(tenant, &id);
    let (mailed, called) = tokio::join!(
        mailer.send_otp(&request.email, &otp, policy.ttl_minutes()),
        queue.enqueue(&order, settings.call_delay),
    );
    let failed = match (&mailed, &called) {
        (Ok(()), Ok(())) => {
            tracing::info!(kyc_request_id = %id, "otp emailed and call scheduled");
            return Ok(id);
        }
        (Err(_), Err(_)) => "sending the email and scheduling the call",
        (Err(_), Ok(())) => "sending the email",
        (Ok(()), Err(_)) => "scheduling the call",
    };
    for err in [mailed.err(), called.err()].into_iter().flatten() {
        tracing::error!(kyc_request_id = %id, error = %err, "delivery failed");
    }
    let released = release_with_retry(store, &request).await;
    Err(SubmitError::DeliveryFailed { failed, released })
}

/// Withdraws a request whose delivery failed; `false` when it could not (logged `STRANDED`).
async fn release_with_retry<S: RequestStore>(store: &S, request: &NewKycRequest) -> bool {
    for attempt in 0..RELEASE_ATTEMPTS {
        match store.release_request(request).await {
            Ok(()) => {
                tracing::info!(kyc_request_id = %request.id, "request withdrawn, reservations released");
                return true;
            }
            Err(err) => {
                tracing::error!(kyc_request_id = %request.id, attempt, error = %err, "releasing reservations failed");
                if attempt + 1 < RELEASE_ATTEMPTS {
                    tokio::time::sleep(RELEASE_BACKOFF * (1 << attempt)).await;
                }
            }
        }
    }
    tracing::error!(
        kyc_request_id = %request.id,
        tenant = %request.tenant,
        "STRANDED: reservations of a withdrawn request remain; delete the request to free them"
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{Fault, MemoryCallQueue, MemoryMailer, MemoryStore, Op};
    use crate::domain::{DocumentIdentification, RequestStatus, TenantId};
    use crate::ports::{Listing, RequestLifecycle};

    struct World {
        store: MemoryStore,
        mailer: MemoryMailer,
        queue: MemoryCallQueue,
        tenant: TenantId,
        caller: Caller,
        document: DocumentId,
    }

    fn world() -> World {
        let store = MemoryStore::default();
        let tenant = TenantId::parse("acme").unwrap();
        let document = DocumentId::parse("doc-1").unwrap();
        let record: DocumentIdentification =
            serde_json::from_str(include_str!("../../events/document.json")).unwrap();
        store.insert_document(&tenant, &document, record);
        World {
            store,
            mailer: MemoryMailer::default(),
            queue: MemoryCallQueue::default(),
            caller: Caller {
                tenant: tenant.clone(),
                creates_per_minute: None,
            },
            tenant,
            document,
        }
    }

    fn settings() -> SubmitSettings {
        SubmitSettings {
            hasher: OtpHasher::new(&[9u8; 32]).unwrap(),
            policy: OtpPolicy::default(),
            allowed_countries: vec!["US".into(), "GB".into()],
            creates_per_minute: 5,
            call_delay: Duration::from_secs(15),
        }
    }

    fn submission(w: &World, email: &str, phone: &str) -> Submission {
        Submission {
            email: Email::parse(email).unwrap(),
            phone: PhoneNumber::parse(phone).unwrap(),
            document_id: w.document.clone(),
        }
    }

    async fn run(w: &World, email: &str, phone: &str) -> Result<RequestId, SubmitError> {
        submit(
            &w.store,
            &w.mailer,
            &w.queue,
            &settings(),
            &w.caller,
            submission(w, email, phone),
            1_000,
        )
        .await
    }

    async fn stored(w: &World) -> usize {
        w.store
            .list_requests(&w.tenant, Listing::ALL, 100, None, 0)
            .await
            .unwrap()
            .requests
            .len()
    }

    #[tokio::test]
    async fn a_submission_is_stored_pending_mailed_and_its_call_scheduled() {
        let w = world();
        let id = run(&w, "a@example.com", "+14155550101").await.unwrap();
        let request = w.store.get_request(&w.tenant, &id).await.unwrap().unwrap();
        assert_eq!(request.status, RequestStatus::Pending);
        assert_eq!(request.otp_expires_at, 1_600);
        let mails = w.mailer.sent();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, "a@example.com");
        let (digits, hash) = (&mails[0].code, w.store.otp_hash(&w.tenant, &id).unwrap());
        assert!(settings().hasher.verify(&id, digits, &hash));
        let order = CallOrder::first(&w.tenant, &id);
        assert_eq!(w.queue.enqueued(), vec![(order, Duration::from_secs(15))]);
        assert_eq!(request.call_scheduled_at, Some(1_015));
    }

    #[tokio::test]
    async fn a_taken_email_and_a_missing_document_are_refused_before_any_delivery() {
        let w = world();
        run(&w, "a@example.com", "+14155550101").await.unwrap();
        assert_eq!(
            run(&w, "A@Example.com", "+14155550102").await,
            Err(SubmitError::Taken {
                email: true,
                phone: false
            })
        );
        let mut other = submission(&w, "b@example.com", "+14155550103");
        other.document_id = DocumentId::parse("nope").unwrap();
        let refused = submit(
            &w.store,
            &w.mailer,
            &w.queue,
            &settings(),
            &w.caller,
            other,
            1_000,
        )
        .await;
        assert_eq!(refused, Err(SubmitError::DocumentNotFound));
        assert_eq!(w.mailer.sent().len(), 1);
        assert_eq!(w.queue.enqueued().len(), 1);
    }

    async fn assert_withdrawn_and_free_again(
        w: &World,
        failed: &'static str,
        result: Result<RequestId, SubmitError>,
    ) {
        assert_eq!(
            result,
            Err(SubmitError::DeliveryFailed {
                failed,
                released: true
            })
        );
        assert_eq!(stored(w).await, 0, "a withdrawn request is not kept");
        w.mailer.heal();
        w.queue.heal();
        run(w, "a@example.com", "+14155550101")
            .await
            .expect("the same email and phone can be submitted again");
    }

    #[tokio::test]
    async fn when_the_mail_fails_the_request_is_withdrawn() {
        let w = world();
        w.mailer.inject(Fault::Fail);
        let result = run(&w, "a@example.com", "+14155550101").await;
        assert_withdrawn_and_free_again(&w, "sending the email", result).await;
    }

    #[tokio::test]
    async fn when_the_call_cannot_be_enqueued_the_request_is_withdrawn() {
        let w = world();
        w.queue.inject(Fault::Fail);
        let result = run(&w, "a@example.com", "+14155550101").await;
        assert_withdrawn_and_free_again(&w, "scheduling the call", result).await;
        assert_eq!(
            w.mailer.sent().len(),
            2,
            "mailed, withdrawn, then mailed again"
        );
    }

    #[tokio::test]
    async fn when_both_fail_the_request_is_withdrawn_once() {
        let w = world();
        w.mailer.inject(Fault::Fail);
        w.queue.inject(Fault::Fail);
        let result = run(&w, "a@example.com", "+14155550101").await;
        assert_eq!(w.store.calls(Op::Release), 1);
        assert_withdrawn_and_free_again(&w, "sending the email and scheduling the call", result)
            .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_release_that_fails_twice_is_retried_until_it_holds() {
        let w = world();
        w.queue.inject(Fault::Fail);
        w.store.fail_next(Op::Release, 2);
        let result = run(&w, "a@example.com", "+14155550101").await;
        assert_eq!(w.store.calls(Op::Release), 3);
        assert_withdrawn_and_free_again(&w, "scheduling the call", result).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_release_that_keeps_failing_strands_the_request_and_says_so() {
        let w = world();
        w.mailer.inject(Fault::Fail);
        w.store.fail_next(Op::Release, u32::MAX);
        let result = run(&w, "a@example.com", "+14155550101").await;
        assert_eq!(
            result,
            Err(SubmitError::DeliveryFailed {
                failed: "sending the email",
                released: false
            })
        );
        assert_eq!(w.store.calls(Op::Release), RELEASE_ATTEMPTS as usize);
        assert_eq!(stored(&w).await, 1, "the stranded request is still stored");
    }

    #[tokio::test]
    async fn a_tenant_over_its_create_limit_waits_for_the_next_minute() {
        let w = world();
        for i in 0..5 {
            run(&w, &format!("u{i}@example.com"), &format!("+1415555020{i}"))
                .await
                .unwrap();
        }
        // 1_000 s is 40 s into its minute: 20 s to wait.
        assert_eq!(
            run(&w, "late@example.com", "+14155550299").await,
            Err(SubmitError::RateLimited { retry_after: 20 })
        );
        assert_eq!(w.mailer.sent().len(), 5, "the refused create sent nothing");
        // The next minute it may create again.
        let next_minute = submit(
            &w.store,
            &w.mailer,
            &w.queue,
            &settings(),
            &w.caller,
            submission(&w, "late@example.com", "+14155550299"),
            1_020,
        )
        .await;
        assert!(next_minute.is_ok(), "{next_minute:?}");
    }

    #[tokio::test]
    async fn a_tenant_of_its_own_limit_is_held_to_it() {
        let mut w = world();
        w.caller.creates_per_minute = Some(1);
        run(&w, "a@example.com", "+14155550101").await.unwrap();
        assert!(matches!(
            run(&w, "b@example.com", "+14155550102").await,
            Err(SubmitError::RateLimited { .. })
        ));
    }

    #[tokio::test]
    async fn a_number_of_a_country_calls_are_not_placed_to_is_refused() {
        let w = world();
        assert_eq!(
            run(&w, "a@example.com", "+33612345678").await,
            Err(SubmitError::CountryNotAllowed {
                allowed: vec!["US".into(), "GB".into()]
            })
        );
        assert_eq!(stored(&w).await, 0);
        run(&w, "a@example.com", "+442079460958").await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn mail_and_enqueue_go_out_concurrently() {
        let w = world();
        w.mailer.inject(Fault::Delay(Duration::from_secs(2)));
        w.queue.inject(Fault::Delay(Duration::from_secs(2)));
        let started = tokio::time::Instant::now();
        run(&w, "a@example.com", "+14155550101").await.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
}
