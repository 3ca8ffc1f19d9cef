//! What the first request would otherwise pay, done at init instead: Lambda runs init before
//! the first invocation (with a CPU boost), so work moved here is work no caller waits for.
//!
//! Measured by `make bench` (README, Performance): the phone-number metadata is the one large
//! item; the dashboard's page and asset hashes and the per-thread random generator are small.

use crate::domain::{Email, Otp, PhoneNumber};

/// Builds every lazily built table the request paths use. Call once, at init, before serving.
pub fn warm_up() {
    PhoneNumber::warm_up();
    let _ = Email::parse("warm.up@example.com");
    let _ = Otp::generate();
    let _ = crate::http::dashboard::Dashboard::shared();
}

#[cfg(test)]
mod tests {
    #[test]
    fn warming_up_twice_is_harmless() {
        super::warm_up();
        super::warm_up();
    }
}
