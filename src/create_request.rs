//! The create use case: reserve and record in one transaction, then email the code and place
//! the call concurrently; if either cannot go out, release everything so the same email and
//! phone can be submitted again.

use std::time::Duration;

use crate::domain::{
    DocumentId, Email, NewKycRequest, Otp, OtpHasher, OtpPolicy, PhoneNumber, RequestId, TenantId,
};
use crate::ports::{CreateError, Dialer, Mailer, RequestStore, ServiceError};

/// A create request that passed validation at the edge.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    pub email: Email,
    pub phone: PhoneNumber,
    pub document_id: DocumentId,
}

/// OTP hashing and policy, fixed at init.
#[derive(Debug, Clone)]
pub struct OtpSettings {
    pub hasher: OtpHasher,
    pub policy: OtpPolicy,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateRequestError {
    #[error("no document identification record with that id")]
    DocumentNotFound,
    #[error("email or phone already taken")]
    Taken { email: bool, phone: bool },
    /// The email or the call could not go out; the request was withdrawn (`released`), or the
    /// withdrawal failed too and the reservations remain (logged for operators).
    #[error("{failed} failed; request withdrawn: {released}")]
    DeliveryFailed {
        failed: &'static str,
        released: bool,
    },
    #[error(transparent)]
    Store(ServiceError),
}

impl From<CreateError> for CreateRequestError {
    fn from(err: CreateError) -> Self {
        match err {
            CreateError::DocumentNotFound => Self::DocumentNotFound,
            CreateError::Taken { email, phone } => Self::Taken { email, phone },
            CreateError::Service(e) => Self::Store(e),
        }
    }
}

pub async fn create_request<S: RequestStore, M: Mailer, D: Dialer>(
    store: &S,
    mailer: &M,
    dialer: &D,
    otp_settings: &OtpSettings,
    tenant: &TenantId,
    input: CreateRequest,
    now_unix: u64,
) -> Result<RequestId, CreateRequestError> {
    let id = RequestId::generate();
    let otp = Otp::generate();
    let policy = otp_settings.policy;
    let request = NewKycRequest {
        id,
        tenant: tenant.clone(),
        email: input.email,
        phone: input.phone,
        document_id: input.document_id,
        otp_hash: otp_settings.hasher.hash(&id, &otp),
        created_at: now_unix,
        otp_expires_at: policy.expires_at(now_unix),
        max_attempts: policy.max_attempts,
    };
    store.create_request(&request).await?;

    let (mailed, called) = tokio::join!(
        mailer.send_otp(&request.email, &otp, policy.ttl_minutes()),
        dialer.place_call(&request.phone, &id, tenant),
    );
    let failed = match (&mailed, &called) {
        (Ok(()), Ok(contact)) => {
            tracing::info!(kyc_request_id = %id, contact_id = %contact.0, "otp emailed and call placed");
            return Ok(id);
        }
        (Err(_), Err(_)) => "sending the email and placing the call",
        (Err(_), Ok(_)) => "sending the email",
        (Ok(()), Err(_)) => "placing the call",
    };
    for err in [mailed.err(), called.err()].into_iter().flatten() {
        tracing::error!(kyc_request_id = %id, error = %err, "delivery failed");
    }
    let released = release_with_retry(store, &request).await;
    Err(CreateRequestError::DeliveryFailed { failed, released })
}

/// Withdraws a request whose delivery failed. The SDK already retries each call; this adds a
/// few spaced attempts because a stranded reservation blocks the user until an operator acts.
async fn release_with_retry<S: RequestStore>(store: &S, request: &NewKycRequest) -> bool {
    for attempt in 0..3u32 {
        match store.release_request(request).await {
            Ok(()) => {
                tracing::info!(kyc_request_id = %request.id, "request withdrawn, reservations released");
                return true;
            }
            Err(err) => {
                tracing::error!(kyc_request_id = %request.id, attempt, error = %err, "releasing reservations failed");
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
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
