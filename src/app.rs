//! What the API handler owns: the adapters behind their ports, the API-key cache and the OTP
//! settings. Built once per Lambda instance in `bin/api.rs`.

use crate::auth::ApiKeyCache;
use crate::create_request::OtpSettings;

pub struct App<S, M, D> {
    pub store: S,
    pub mailer: M,
    pub dialer: D,
    pub auth: ApiKeyCache,
    pub otp: OtpSettings,
}
