//! The domain core: types that can only hold valid values, the request state machine and the
//! OTP rules. Nothing in here knows about AWS, HTTP or JSON wire shapes.

mod api_key;
mod capture;
mod country;
mod document;
mod document_dates;
mod email;
mod id_extraction;
mod ids;
mod image;
mod mrz;
mod otp;
mod phone;
mod request;
pub mod stats;

pub use api_key::{ApiKey, ApiKeyHash};
pub use capture::{ImageKey, ImageSide, UploadRef};
pub use country::Country;
pub use document::{DocumentIdentification, IdInformation, StoredDocument};
pub use document_dates::{DateParts, DerivedDates, DocumentDate};
pub use email::Email;
pub use id_extraction::{id_information, ExtractedField, NotAnIdentityDocument};
pub use ids::{DocumentId, RequestId, TenantId};
pub use image::{Image, ImageError, ImageFormat, ImageInput, MAX_IMAGE_BYTES, SNIFF_BYTES};
pub use otp::{Otp, OtpHash, OtpHasher, OtpPolicy, MIN_SECRET_LEN};
pub use phone::PhoneNumber;
pub use request::{NewKycRequest, RequestStatus, Transition, TransitionError};

/// Why a raw value was refused. The message names the field and what to fix; it never echoes
/// the value itself (it may be PII).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

impl ValidationError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Hex SHA-256: the form in which keys derived from secrets or PII are stored.
pub(crate) fn sha256_hex(input: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(input))
}
