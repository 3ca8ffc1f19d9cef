//! eKYC onboarding backend. See README.md for the API, the table design and how to run it.

pub mod adapters;
pub mod app;
pub mod auth;
pub mod call_simulator;
pub mod config;
pub mod create_request;
pub mod domain;
pub mod http;
pub mod ports;
pub mod telemetry;
pub mod verification;
pub mod verifier;

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
