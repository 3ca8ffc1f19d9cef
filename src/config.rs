//! Typed configuration, read from the environment once at init. A missing or malformed value
//! stops the function at init with a message naming the variable.
//!
//! AWS endpoints are not configuration of ours: the SDK reads `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_<SERVICE>` itself (local runs and tests point them at the stand-ins).

use std::collections::HashMap;
use std::time::Duration;

use crate::domain::{OtpHasher, OtpPolicy};
use crate::http::page_token::PageTokens;

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

/// Configuration of the API function.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// `TABLE_NAME`
    pub table_name: String,
    /// `OTP_SECRET`: at least 32 bytes; the key of the OTP HMAC.
    pub otp_hasher: OtpHasher,
    /// `OTP_TTL_SECONDS` (default 600) and `OTP_MAX_ATTEMPTS` (default 3).
    pub otp_policy: OtpPolicy,
    /// `API_KEY_CACHE_SECONDS` (default 60; 0 disables the cache).
    pub api_key_cache_ttl: Duration,
    /// Signs `nextToken`s, with a key derived from `OTP_SECRET`.
    pub page_tokens: PageTokens,
    /// `CLEAR_TIME_BUDGET_SECONDS` (default 20, at most 25): how long one clear call works.
    pub clear_budget: Duration,
    /// `SES_FROM_ADDRESS`: the verified sender identity.
    pub ses_from_address: String,
    /// `SES_CONFIGURATION_SET` (optional).
    pub ses_configuration_set: Option<String>,
    /// `CONNECT_INSTANCE_ID`, `CONNECT_CONTACT_FLOW_ID`, `CONNECT_SOURCE_PHONE_NUMBER`.
    pub connect_instance_id: String,
    pub connect_contact_flow_id: String,
    pub connect_source_phone_number: String,
}

/// Reads variables from a map, so tests need not touch the process environment.
pub struct Env(HashMap<String, String>);

impl Env {
    pub fn from_process() -> Self {
        Self(std::env::vars().collect())
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    fn optional(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn required(&self, name: &str) -> Result<String, ConfigError> {
        self.optional(name)
            .ok_or_else(|| ConfigError(format!("{name} is required")))
    }

    fn number(&self, name: &str, default: u64) -> Result<u64, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| ConfigError(format!("{name} must be a whole number, got {v:?}"))),
        }
    }
}

impl ApiConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let otp_hasher = otp_hasher(env)?;
        let page_tokens = PageTokens::new(env.required("OTP_SECRET")?.as_bytes());
        let clear_budget = env.number("CLEAR_TIME_BUDGET_SECONDS", 20)?;
        if !(1..=25).contains(&clear_budget) {
            return Err(ConfigError(
                "CLEAR_TIME_BUDGET_SECONDS must be from 1 to 25 (API Gateway answers 504 after 29 s)"
                    .into(),
            ));
        }
        let ttl = env.number("OTP_TTL_SECONDS", 600)?;
        let max_attempts = env.number("OTP_MAX_ATTEMPTS", 3)?;
        if ttl == 0 || max_attempts == 0 || max_attempts > 10 {
            return Err(ConfigError(
                "OTP_TTL_SECONDS must be positive and OTP_MAX_ATTEMPTS between 1 and 10".into(),
            ));
        }
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            otp_hasher,
            otp_policy: OtpPolicy {
                ttl: Duration::from_secs(ttl),
                max_attempts: max_attempts as u32,
            },
            api_key_cache_ttl: Duration::from_secs(env.number("API_KEY_CACHE_SECONDS", 60)?),
            page_tokens,
            clear_budget: Duration::from_secs(clear_budget),
            ses_from_address: env.required("SES_FROM_ADDRESS")?,
            ses_configuration_set: env.optional("SES_CONFIGURATION_SET"),
            connect_instance_id: env.required("CONNECT_INSTANCE_ID")?,
            connect_contact_flow_id: env.required("CONNECT_CONTACT_FLOW_ID")?,
            connect_source_phone_number: env.required("CONNECT_SOURCE_PHONE_NUMBER")?,
        })
    }
}

/// Configuration of the verifier function.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// `TABLE_NAME`
    pub table_name: String,
    /// `OTP_SECRET`: the same secret as the API function's.
    pub otp_hasher: OtpHasher,
}

fn otp_hasher(env: &Env) -> Result<OtpHasher, ConfigError> {
    let secret = env.required("OTP_SECRET")?;
    OtpHasher::new(secret.as_bytes()).map_err(|e| ConfigError(format!("OTP_SECRET: {e}")))
}

impl VerifierConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            otp_hasher: otp_hasher(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: [(&str, &str); 6] = [
        ("TABLE_NAME", "ekyc"),
        ("OTP_SECRET", "0123456789abcdef0123456789abcdef"),
        ("SES_FROM_ADDRESS", "no-reply@example.com"),
        ("CONNECT_INSTANCE_ID", "instance"),
        ("CONNECT_CONTACT_FLOW_ID", "flow"),
        ("CONNECT_SOURCE_PHONE_NUMBER", "+14155550100"),
    ];

    #[test]
    fn defaults_apply() {
        let config = ApiConfig::from_env(&Env::from_pairs(FULL)).unwrap();
        assert_eq!(config.otp_policy, OtpPolicy::default());
        assert_eq!(config.api_key_cache_ttl, Duration::from_secs(60));
        assert_eq!(config.ses_configuration_set, None);
    }

    #[test]
    fn each_required_variable_is_named_when_missing() {
        for (missing, _) in FULL {
            let env = Env::from_pairs(FULL.into_iter().filter(|(k, _)| *k != missing));
            let err = ApiConfig::from_env(&env).unwrap_err().to_string();
            assert!(err.contains(missing), "{err}");
        }
    }

    #[test]
    fn malformed_values_are_refused() {
        for (name, value) in [
            ("OTP_SECRET", "short"),
            ("OTP_TTL_SECONDS", "ten"),
            ("OTP_TTL_SECONDS", "0"),
            ("OTP_MAX_ATTEMPTS", "0"),
            ("API_KEY_CACHE_SECONDS", "-1"),
            ("CLEAR_TIME_BUDGET_SECONDS", "0"),
            ("CLEAR_TIME_BUDGET_SECONDS", "60"),
        ] {
            let env = Env::from_pairs(
                FULL.into_iter()
                    .filter(|(k, _)| *k != name)
                    .chain([(name, value)]),
            );
            assert!(ApiConfig::from_env(&env).is_err(), "{name}={value}");
        }
    }
}
