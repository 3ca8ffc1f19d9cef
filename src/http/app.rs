//! What the API handler owns: the adapters behind their ports, the API-key cache, the keys
//! derived from the server secret and the settings. Built once per Lambda instance by
//! [`App::new`] — in `bin/api.rs`, the tests and the bench alike.

use std::time::Duration;

use super::page_token::PageTokens;
use crate::config::AppSettings;
use crate::domain::{OtpHasher, ValidationError};
use crate::ports::Ports;
use crate::use_cases::authenticate::ApiKeyCache;
use crate::use_cases::submit::SubmitSettings;

pub use crate::ports::Onboarding;

pub struct App<P: Ports> {
    pub store: P::Store,
    pub mailer: P::Mailer,
    pub queue: P::Queue,
    pub onboarding: Onboarding<P>,
    /// `FACE_MATCH_THRESHOLD`: the least similarity (0..1) that counts as a match.
    pub face_match_threshold: f64,
    /// How long the presigned image URLs in reads work.
    pub image_url_ttl: Duration,
    pub auth: ApiKeyCache,
    pub submit: SubmitSettings,
    pub page_tokens: PageTokens,
    /// How long one `DELETE /api/clear-requests` may work before answering with what remains.
    pub clear_budget: Duration,
    /// `POST /api/requests/{id}/redial`: calls a request may have, and the pause after one.
    pub max_calls_per_request: u32,
    pub redial_cooldown: Duration,
}

impl<P: Ports> App<P> {
    /// The handler's state from its settings, the server secret (OTP and page-token keys are
    /// derived from it) and its adapters. Refuses a secret too short to key an HMAC.
    pub fn new(
        settings: &AppSettings,
        secret: &[u8],
        store: P::Store,
        mailer: P::Mailer,
        queue: P::Queue,
        onboarding: Onboarding<P>,
    ) -> Result<Self, ValidationError> {
        Ok(Self {
            store,
            mailer,
            queue,
            onboarding,
            face_match_threshold: f64::from(settings.face_match_threshold_percent) / 100.0,
            image_url_ttl: settings.image_url_ttl,
            auth: ApiKeyCache::new(settings.api_key_cache_ttl),
            submit: SubmitSettings {
                hasher: OtpHasher::new(secret)?,
                policy: settings.otp_policy,
                allowed_countries: settings.allowed_countries.clone(),
                creates_per_minute: settings.creates_per_minute,
                call_delay: settings.call_delay,
            },
            page_tokens: PageTokens::new(secret),
            clear_budget: settings.clear_budget,
            max_calls_per_request: settings.max_calls_per_request,
            redial_cooldown: settings.redial_cooldown,
        })
    }
}
