//! What the API handler owns: the adapters behind their ports, the API-key cache and the OTP
//! settings. Built once per Lambda instance in `bin/api.rs`.

use std::time::Duration;

use crate::auth::ApiKeyCache;
use crate::create_request::OtpSettings;
use crate::http::page_token::PageTokens;

pub struct App<S, M, D> {
    pub store: S,
    pub mailer: M,
    pub dialer: D,
    pub auth: ApiKeyCache,
    pub otp: OtpSettings,
    pub page_tokens: PageTokens,
    /// How long one `DELETE /api/clear-requests` may work before answering with what remains.
    pub clear_budget: Duration,
}
