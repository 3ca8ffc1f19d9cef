//! The narrow interfaces the use cases need from the outside world. Adapters in
//! `crate::adapters` implement them over DynamoDB, SES and Amazon Connect.

use std::future::Future;

use crate::domain::{ApiKeyHash, Email, NewKycRequest, Otp, PhoneNumber, RequestId, TenantId};

/// A failure of an outside service after the SDK's own retries. The message is for logs and
/// names no PII.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{service}: {message}")]
pub struct ServiceError {
    pub service: &'static str,
    pub message: String,
}

impl ServiceError {
    pub fn new(service: &'static str, message: impl Into<String>) -> Self {
        Self {
            service,
            message: message.into(),
        }
    }
}

/// A stored API key: the tenant it names and whether it still works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub hash: ApiKeyHash,
    pub tenant: TenantId,
    pub active: bool,
}

/// Why the create transaction did not commit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateError {
    #[error("no document identification record with that id for this tenant")]
    DocumentNotFound,
    #[error("already taken: email {email}, phone {phone}")]
    Taken { email: bool, phone: bool },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

pub trait ApiKeyStore: Send + Sync {
    fn find_api_key(
        &self,
        hash: &ApiKeyHash,
    ) -> impl Future<Output = Result<Option<ApiKeyRecord>, ServiceError>> + Send;
}

pub trait RequestStore: Send + Sync {
    /// In one transaction: the document record exists, the email and the phone are free for
    /// this tenant, and the request (with its OTP hash) is written. All or nothing.
    fn create_request(
        &self,
        request: &NewKycRequest,
    ) -> impl Future<Output = Result<(), CreateError>> + Send;

    /// Undoes `create_request` for a request whose email or call could not go out: removes the
    /// request, its OTP and both reservations, in one transaction.
    fn release_request(
        &self,
        request: &NewKycRequest,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;
}

pub trait Mailer: Send + Sync {
    fn send_otp(
        &self,
        to: &Email,
        otp: &Otp,
        valid_minutes: u64,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;
}

/// The id Amazon Connect gave a placed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactId(pub String);

pub trait Dialer: Send + Sync {
    /// Starts the verification call. `request` doubles as the idempotency token, so a retried
    /// create never dials twice.
    fn place_call(
        &self,
        to: &PhoneNumber,
        request: &RequestId,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<ContactId, ServiceError>> + Send;
}
