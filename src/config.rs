//! Typed configuration, read from the environment once at init. A missing or malformed value
//! stops the function at init with a message naming the variable.
//!
//! AWS endpoints are not configuration of ours: the SDK reads `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_<SERVICE>` itself (local runs and tests point them at the stand-ins).
//! Reading a secret from Secrets Manager is an AWS call: the binaries do it through
//! `adapters::secrets`, from the [`SecretSource`] read here.

use std::collections::HashMap;
use std::time::Duration;

use crate::domain::{OtpPolicy, PhoneNumber, MIN_SECRET_LEN};

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

/// Where the server secret (OTP HMAC key, page-token key) comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `OTP_SECRET`: the value itself (local runs and tests).
    Value(String),
    /// `OTP_SECRET_ARN`: a Secrets Manager secret, read once at init (AWS).
    SecretsManager(String),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Value(_) => f.write_str("SecretSource::Value(<secret>)"),
            SecretSource::SecretsManager(arn) => write!(f, "SecretSource::SecretsManager({arn})"),
        }
    }
}

impl SecretSource {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        match (env.optional("OTP_SECRET"), env.optional("OTP_SECRET_ARN")) {
            (Some(value), _) if value.len() < MIN_SECRET_LEN => Err(ConfigError(format!(
                "OTP_SECRET must be at least {MIN_SECRET_LEN} bytes"
            ))),
            (Some(value), _) => Ok(SecretSource::Value(value)),
            (None, Some(arn)) => Ok(SecretSource::SecretsManager(arn)),
            (None, None) => Err(ConfigError(
                "OTP_SECRET or OTP_SECRET_ARN is required".into(),
            )),
        }
    }
}

/// How long any one AWS call may take and how often it is tried: set on every SDK client a
/// function builds (`adapters::sdk`), so that a service that accepts the connection and never
/// answers cannot hold a handler past its function's time-out. The README works out each
/// function's worst case from these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdkSettings {
    /// `SDK_CONNECT_TIMEOUT_MS`: establishing a connection (TCP + TLS).
    pub connect: Duration,
    /// `SDK_ATTEMPT_TIMEOUT_MS`: one attempt, request sent to response read (also the read
    /// time-out).
    pub attempt: Duration,
    /// `SDK_OPERATION_TIMEOUT_MS`: the whole call, every attempt and back-off included.
    pub operation: Duration,
    /// `SDK_MAX_ATTEMPTS`: attempts per call (standard retry mode: retries throttling,
    /// transient and 5xx errors, with jittered exponential back-off).
    pub max_attempts: u32,
}

impl SdkSettings {
    /// The API function's defaults (its time-out is 29 s; see the README's arithmetic).
    pub const API: SdkSettings = SdkSettings {
        connect: Duration::from_millis(1_000),
        attempt: Duration::from_millis(1_500),
        operation: Duration::from_millis(3_000),
        max_attempts: 3,
    };

    /// The dialer's defaults: Connect's throttling is retried through the queue, not here.
    pub const DIALER: SdkSettings = SdkSettings {
        connect: Duration::from_millis(1_000),
        attempt: Duration::from_millis(3_000),
        operation: Duration::from_millis(6_000),
        max_attempts: 2,
    };

    /// The sweeper's defaults: nobody waits on it, and a failed record comes back from the
    /// stream, so a little longer than the API's.
    pub const SWEEPER: SdkSettings = SdkSettings {
        connect: Duration::from_millis(1_000),
        attempt: Duration::from_millis(2_000),
        operation: Duration::from_millis(5_000),
        max_attempts: 3,
    };

    /// The verifier's defaults (Amazon Connect waits at most 8 s for it).
    pub const VERIFIER: SdkSettings = SdkSettings {
        connect: Duration::from_millis(500),
        attempt: Duration::from_millis(1_000),
        operation: Duration::from_millis(2_000),
        max_attempts: 2,
    };

    fn from_env(env: &Env, defaults: SdkSettings) -> Result<Self, ConfigError> {
        let ms = |name: &str, default: Duration| -> Result<Duration, ConfigError> {
            let default = default.as_millis() as u64;
            Ok(Duration::from_millis(env.number(
                name,
                default,
                50..=60_000,
            )?))
        };
        let settings = Self {
            connect: ms("SDK_CONNECT_TIMEOUT_MS", defaults.connect)?,
            attempt: ms("SDK_ATTEMPT_TIMEOUT_MS", defaults.attempt)?,
            operation: ms("SDK_OPERATION_TIMEOUT_MS", defaults.operation)?,
            max_attempts: env.number(
                "SDK_MAX_ATTEMPTS",
                u64::from(defaults.max_attempts),
                1..=10,
            )? as u32,
        };
        if settings.attempt > settings.operation {
            return Err(ConfigError(
                "SDK_ATTEMPT_TIMEOUT_MS must not exceed SDK_OPERATION_TIMEOUT_MS".into(),
            ));
        }
        Ok(settings)
    }
}

/// What the API's handlers need besides their adapters and the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSettings {
    /// `OTP_TTL_SECONDS` (default 600) and `OTP_MAX_ATTEMPTS` (default 3).
    pub otp_policy: OtpPolicy,
    /// `API_KEY_CACHE_SECONDS` (default 60; 0 disables the cache).
    pub api_key_cache_ttl: Duration,
    /// `CLEAR_TIME_BUDGET_SECONDS` (default 20, at most 25): how long one clear call works.
    pub clear_budget: Duration,
    /// `FACE_MATCH_THRESHOLD` (percent, default 90): the least similarity that is a match.
    pub face_match_threshold_percent: u32,
    /// How long the presigned image URLs in reads work (5 minutes).
    pub image_url_ttl: Duration,
    /// `ALLOWED_COUNTRIES`: ISO codes, comma-separated, of the countries calls are placed to
    /// (default: the country of `CONNECT_SOURCE_PHONE_NUMBER`).
    pub allowed_countries: Vec<String>,
    /// `TENANT_CREATES_PER_MINUTE` (default 120): a tenant's create limit, unless an operator
    /// set its own (`admin set-limit`).
    pub creates_per_minute: u32,
    /// `CALL_DELAY_SECONDS` (default 15, at most 900, SQS's limit): how long after the create
    /// (or a redial) the call is placed, so the email comes first.
    pub call_delay: Duration,
    /// `MAX_CALLS_PER_REQUEST` (default 3): calls a request may have, redials included.
    pub max_calls_per_request: u32,
    /// `REDIAL_COOLDOWN_SECONDS` (default 60): how long after its last call a request may be
    /// called again.
    pub redial_cooldown: Duration,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            otp_policy: OtpPolicy::default(),
            api_key_cache_ttl: Duration::from_secs(60),
            clear_budget: Duration::from_secs(20),
            face_match_threshold_percent: 90,
            image_url_ttl: Duration::from_secs(300),
            allowed_countries: vec!["US".into()],
            creates_per_minute: 120,
            call_delay: Duration::from_secs(15),
            max_calls_per_request: 3,
            redial_cooldown: Duration::from_secs(60),
        }
    }
}

/// `ALLOWED_COUNTRIES` (`listed`), or the country of the Connect source number when unset.
fn allowed_countries(
    listed: Option<String>,
    source_number: &str,
) -> Result<Vec<String>, ConfigError> {
    let listed: Vec<String> = listed
        .unwrap_or_default()
        .split(',')
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    if let Some(bad) = listed
        .iter()
        .find(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(ConfigError(format!(
            "ALLOWED_COUNTRIES must list ISO 3166-1 alpha-2 codes like US,GB; got {bad:?}"
        )));
    }
    if !listed.is_empty() {
        return Ok(listed);
    }
    let source = PhoneNumber::parse(source_number).map_err(|_| {
        ConfigError("CONNECT_SOURCE_PHONE_NUMBER must be a valid number in E.164".into())
    })?;
    Ok(vec![source.country().to_owned()])
}

/// The default of `RETENTION_DAYS`.
pub const DEFAULT_RETENTION_DAYS: u64 = 30;

/// `RETENTION_DAYS` (default 30, 1 to 3650): how long a failed or expired request (with its
/// reservations) and a document record no request used are kept before DynamoDB's TTL removes
/// them; the image bucket's lifecycle rule expires unused images after the same number of days.
/// (Read inline in each function's `from_env`, so the infra parity test sees the variable.)
fn days(days: u64) -> Duration {
    Duration::from_secs(days * 86_400)
}

/// Configuration of the API function.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// `TABLE_NAME`
    pub table_name: String,
    /// `IMAGE_BUCKET`: the private bucket of the document and face images.
    pub image_bucket: String,
    /// `OTP_SECRET` or `OTP_SECRET_ARN`.
    pub secret: SecretSource,
    pub settings: AppSettings,
    /// `SDK_*`: the time-outs and attempts of every AWS call (defaults: [`SdkSettings::API`]).
    pub sdk: SdkSettings,
    /// `RETENTION_DAYS`: how long failed and expired requests and unused documents are kept.
    pub retention: Duration,
    /// `SES_FROM_ADDRESS`: the verified sender identity.
    pub ses_from_address: String,
    /// `SES_CONFIGURATION_SET` (optional).
    pub ses_configuration_set: Option<String>,
    /// `CALL_QUEUE_URL`: the SQS queue of calls for the dialer.
    pub call_queue_url: String,
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

    fn number(
        &self,
        name: &str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, ConfigError> {
        let value = match self.optional(name) {
            None => default,
            Some(v) => v
                .parse()
                .map_err(|_| ConfigError(format!("{name} must be a whole number, got {v:?}")))?,
        };
        if !range.contains(&value) {
            return Err(ConfigError(format!(
                "{name} must be from {} to {}, got {value}",
                range.start(),
                range.end()
            )));
        }
        Ok(value)
    }
}

impl ApiConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            image_bucket: env.required("IMAGE_BUCKET")?,
            secret: SecretSource::from_env(env)?,
            sdk: SdkSettings::from_env(env, SdkSettings::API)?,
            retention: days(env.number("RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1..=3650)?),
            settings: AppSettings {
                otp_policy: OtpPolicy {
                    ttl: Duration::from_secs(env.number("OTP_TTL_SECONDS", 600, 60..=86_400)?),
                    max_attempts: env.number("OTP_MAX_ATTEMPTS", 3, 1..=10)? as u32,
                },
                api_key_cache_ttl: Duration::from_secs(env.number(
                    "API_KEY_CACHE_SECONDS",
                    60,
                    0..=3600,
                )?),
                // API Gateway answers 504 after 29 s.
                clear_budget: Duration::from_secs(env.number(
                    "CLEAR_TIME_BUDGET_SECONDS",
                    20,
                    1..=25,
                )?),
                face_match_threshold_percent: env.number("FACE_MATCH_THRESHOLD", 90, 50..=100)?
                    as u32,
                image_url_ttl: Duration::from_secs(300),
                allowed_countries: allowed_countries(
                    env.optional("ALLOWED_COUNTRIES"),
                    &env.required("CONNECT_SOURCE_PHONE_NUMBER")?,
                )?,
                creates_per_minute: env.number("TENANT_CREATES_PER_MINUTE", 120, 1..=100_000)?
                    as u32,
                call_delay: Duration::from_secs(env.number("CALL_DELAY_SECONDS", 15, 0..=900)?),
                max_calls_per_request: env.number("MAX_CALLS_PER_REQUEST", 3, 1..=10)? as u32,
                redial_cooldown: Duration::from_secs(env.number(
                    "REDIAL_COOLDOWN_SECONDS",
                    60,
                    0..=3_600,
                )?),
            },
            ses_from_address: env.required("SES_FROM_ADDRESS")?,
            ses_configuration_set: env.optional("SES_CONFIGURATION_SET"),
            call_queue_url: env.required("CALL_QUEUE_URL")?,
        })
    }
}

/// Configuration of the dialer function.
#[derive(Debug, Clone)]
pub struct DialerConfig {
    /// `TABLE_NAME`
    pub table_name: String,
    /// `CALL_QUEUE_URL`: the queue it drains (for `ChangeMessageVisibility`).
    pub call_queue_url: String,
    /// `CONNECT_INSTANCE_ID`, `CONNECT_CONTACT_FLOW_ID`, `CONNECT_SOURCE_PHONE_NUMBER`.
    pub connect_instance_id: String,
    pub connect_contact_flow_id: String,
    pub connect_source_phone_number: String,
    /// `CALL_MAX_ATTEMPTS` (default 8, at most 40: below the queue's redrive count, so only
    /// poison reaches the dead-letter queue), `CALL_RETRY_BASE_SECONDS` (10),
    /// `CALL_RETRY_MAX_SECONDS` (300).
    pub dial: crate::use_cases::dial::DialSettings,
    /// `DIALER_CALLS_PER_SECOND` (default 1): one worker's pace; times the event source
    /// mapping's maximum concurrency, the account's call rate.
    pub calls_per_second: u32,
    /// `RETENTION_DAYS`: the dialer fails requests (`call_not_placed`), which sets their
    /// retention.
    pub retention: Duration,
    /// `SDK_*` (defaults: [`SdkSettings::DIALER`]).
    pub sdk: SdkSettings,
}

impl DialerConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let dial = crate::use_cases::dial::DialSettings {
            max_attempts: env.number("CALL_MAX_ATTEMPTS", 8, 1..=40)? as u32,
            retry_base: Duration::from_secs(env.number("CALL_RETRY_BASE_SECONDS", 10, 1..=900)?),
            retry_max: Duration::from_secs(env.number(
                "CALL_RETRY_MAX_SECONDS",
                300,
                1..=43_200,
            )?),
        };
        if dial.retry_base > dial.retry_max {
            return Err(ConfigError(
                "CALL_RETRY_BASE_SECONDS must not exceed CALL_RETRY_MAX_SECONDS".into(),
            ));
        }
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            call_queue_url: env.required("CALL_QUEUE_URL")?,
            connect_instance_id: env.required("CONNECT_INSTANCE_ID")?,
            connect_contact_flow_id: env.required("CONNECT_CONTACT_FLOW_ID")?,
            connect_source_phone_number: env.required("CONNECT_SOURCE_PHONE_NUMBER")?,
            dial,
            calls_per_second: env.number("DIALER_CALLS_PER_SECOND", 1, 1..=100)? as u32,
            retention: days(env.number("RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1..=3650)?),
            sdk: SdkSettings::from_env(env, SdkSettings::DIALER)?,
        })
    }
}

/// Configuration of the verifier function.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// `TABLE_NAME`
    pub table_name: String,
    /// `OTP_SECRET` or `OTP_SECRET_ARN`: the same secret as the API function's.
    pub secret: SecretSource,
    /// `SDK_*` (defaults: [`SdkSettings::VERIFIER`]).
    pub sdk: SdkSettings,
    /// `RETENTION_DAYS`: the verifier fails and expires requests, which sets their retention.
    pub retention: Duration,
}

impl VerifierConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            secret: SecretSource::from_env(env)?,
            sdk: SdkSettings::from_env(env, SdkSettings::VERIFIER)?,
            retention: days(env.number("RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1..=3650)?),
        })
    }
}

/// Configuration of the sweeper function (the table's stream: requests DynamoDB's TTL removed).
#[derive(Debug, Clone)]
pub struct SweeperConfig {
    /// `TABLE_NAME`
    pub table_name: String,
    /// `IMAGE_BUCKET`: where the images of the document records it erases are.
    pub image_bucket: String,
    /// `SDK_*` (defaults: [`SdkSettings::SWEEPER`]).
    pub sdk: SdkSettings,
}

impl SweeperConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required("TABLE_NAME")?,
            image_bucket: env.required("IMAGE_BUCKET")?,
            sdk: SdkSettings::from_env(env, SdkSettings::SWEEPER)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: [(&str, &str); 6] = [
        ("TABLE_NAME", "ekyc"),
        ("IMAGE_BUCKET", "ekyc-images"),
        ("OTP_SECRET", "0123456789abcdef0123456789abcdef"),
        ("SES_FROM_ADDRESS", "no-reply@example.com"),
        ("CONNECT_SOURCE_PHONE_NUMBER", "+14155550100"),
        (
            "CALL_QUEUE_URL",
            "https://sqs.us-east-1.amazonaws.com/1/ekyc-calls",
        ),
    ];

    const DIALER: [(&str, &str); 5] = [
        ("TABLE_NAME", "ekyc"),
        (
            "CALL_QUEUE_URL",
            "https://sqs.us-east-1.amazonaws.com/1/ekyc-calls",
        ),
        ("CONNECT_INSTANCE_ID", "instance"),
        ("CONNECT_CONTACT_FLOW_ID", "flow"),
        ("CONNECT_SOURCE_PHONE_NUMBER", "+14155550100"),
    ];

    #[test]
    fn the_dialer_reads_its_pace_and_retries_and_names_what_is_missing() {
        let config = DialerConfig::from_env(&Env::from_pairs(DIALER)).unwrap();
        assert_eq!(config.dial, crate::use_cases::dial::DialSettings::default());
        assert_eq!(
            (config.calls_per_second, config.sdk),
            (1, SdkSettings::DIALER)
        );
        for (missing, _) in DIALER {
            let env = Env::from_pairs(DIALER.into_iter().filter(|(k, _)| *k != missing));
            let err = DialerConfig::from_env(&env).unwrap_err().to_string();
            assert!(err.contains(missing), "{err}");
        }
        for (name, value) in [
            ("CALL_MAX_ATTEMPTS", "0"),
            ("DIALER_CALLS_PER_SECOND", "0"),
            ("CALL_RETRY_BASE_SECONDS", "600"),
        ] {
            let env = Env::from_pairs(DIALER.into_iter().chain([(name, value)]));
            assert!(DialerConfig::from_env(&env).is_err(), "{name}={value}");
        }
    }

    #[test]
    fn the_sweeper_reads_its_table_and_bucket_and_names_what_is_missing() {
        let pairs = [("TABLE_NAME", "ekyc"), ("IMAGE_BUCKET", "ekyc-images")];
        let config = SweeperConfig::from_env(&Env::from_pairs(pairs)).unwrap();
        assert_eq!(
            (config.table_name.as_str(), config.image_bucket.as_str()),
            ("ekyc", "ekyc-images")
        );
        assert_eq!(config.sdk, SdkSettings::SWEEPER);
        for (missing, _) in pairs {
            let env = Env::from_pairs(pairs.into_iter().filter(|(k, _)| *k != missing));
            let err = SweeperConfig::from_env(&env).unwrap_err().to_string();
            assert!(err.contains(missing), "{err}");
        }
    }

    fn with(name: &str, value: &'static str) -> Env {
        Env::from_pairs(
            FULL.into_iter()
                .filter(|(k, _)| *k != name)
                .chain([(name, value)]),
        )
    }

    #[test]
    fn defaults_apply() {
        let config = ApiConfig::from_env(&Env::from_pairs(FULL)).unwrap();
        assert_eq!(config.settings.otp_policy, OtpPolicy::default());
        assert_eq!(config.settings.api_key_cache_ttl, Duration::from_secs(60));
        assert_eq!(config.settings.clear_budget, Duration::from_secs(20));
        assert_eq!(config.settings, AppSettings::default());
        assert_eq!(config.sdk, SdkSettings::API);
        assert_eq!(config.retention, Duration::from_secs(30 * 86_400));
        let week = ApiConfig::from_env(&with("RETENTION_DAYS", "7")).unwrap();
        assert_eq!(week.retention, Duration::from_secs(7 * 86_400));
        let gb = with("CONNECT_SOURCE_PHONE_NUMBER", "+442079460958");
        let derived = ApiConfig::from_env(&gb).unwrap();
        assert_eq!(derived.settings.allowed_countries, ["GB"]);
        let listed = ApiConfig::from_env(&with("ALLOWED_COUNTRIES", "us, gb")).unwrap();
        assert_eq!(listed.settings.allowed_countries, ["US", "GB"]);
        assert_eq!(config.ses_configuration_set, None);
        assert!(matches!(config.secret, SecretSource::Value(_)));
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
    fn the_secret_may_come_from_secrets_manager() {
        let env = Env::from_pairs(
            FULL.into_iter()
                .filter(|(k, _)| *k != "OTP_SECRET")
                .chain([(
                    "OTP_SECRET_ARN",
                    "arn:aws:secretsmanager:us-east-1:1:secret:otp",
                )]),
        );
        let config = VerifierConfig::from_env(&env).unwrap();
        assert_eq!(
            config.secret,
            SecretSource::SecretsManager("arn:aws:secretsmanager:us-east-1:1:secret:otp".into())
        );
        assert!(
            !format!("{:?}", ApiConfig::from_env(&Env::from_pairs(FULL)).unwrap())
                .contains("0123456789abcdef")
        );
    }

    #[test]
    fn malformed_values_are_refused() {
        for (name, value) in [
            ("OTP_SECRET", "short"),
            ("OTP_TTL_SECONDS", "ten"),
            ("OTP_TTL_SECONDS", "0"),
            ("OTP_MAX_ATTEMPTS", "0"),
            ("OTP_MAX_ATTEMPTS", "11"),
            ("API_KEY_CACHE_SECONDS", "-1"),
            ("CLEAR_TIME_BUDGET_SECONDS", "0"),
            ("CLEAR_TIME_BUDGET_SECONDS", "60"),
            ("SDK_OPERATION_TIMEOUT_MS", "10"),
            ("SDK_MAX_ATTEMPTS", "0"),
            ("SDK_ATTEMPT_TIMEOUT_MS", "9000"),
            ("ALLOWED_COUNTRIES", "USA"),
            ("ALLOWED_COUNTRIES", "U1"),
            ("CONNECT_SOURCE_PHONE_NUMBER", "555"),
            ("TENANT_CREATES_PER_MINUTE", "0"),
            ("RETENTION_DAYS", "0"),
            ("RETENTION_DAYS", "3651"),
            ("CALL_DELAY_SECONDS", "901"),
            ("MAX_CALLS_PER_REQUEST", "0"),
        ] {
            assert!(
                ApiConfig::from_env(&with(name, value)).is_err(),
                "{name}={value}"
            );
        }
    }
}
