//! eKYC onboarding backend. See README.md for the API, the table design and how to run it.
//!
//! `domain` (no AWS) ← `use_cases` over `ports` ← `adapters` (AWS, in memory); `http` is the
//! API function's edge, `contact_flow` the verifier's, `dialer` the dialer's, `sweeper` the
//! TTL sweeper's (the table's stream); `src/bin/` wires them to Lambda.

pub mod adapters;
pub mod config;
pub mod contact_flow;
#[cfg(feature = "dev")]
pub mod dev;
pub mod dialer;
pub mod domain;
pub mod http;
pub mod messages;
pub mod ports;
pub mod sweeper;
pub mod telemetry;
pub mod use_cases;
pub mod warm_up;

/// Seconds since the Unix epoch: the entry points read the clock, and hand it down.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
