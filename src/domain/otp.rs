use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use super::{RequestId, ValidationError};
use crate::messages;

const DIGITS: usize = 6;

/// A one-time code: six decimal digits drawn uniformly from the OS CSPRNG.
/// Its digits leave the program only through the mailer; `Debug` redacts them.
pub struct Otp(String);

impl Otp {
    pub fn generate() -> Self {
        let n: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
        Self(format!("{n:0DIGITS$}"))
    }

    /// The digits, for the email body and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Otp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Otp(<redacted>)")
    }
}

/// Hex HMAC-SHA256 of a code, bound to its request: the only form in which a code is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpHash(String);

impl OtpHash {
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Keyed hashing of codes under the server secret.
#[derive(Clone)]
pub struct OtpHasher {
    key: Vec<u8>,
}

/// The shortest secret accepted: 32 bytes, the HMAC-SHA256 block-size guidance.
pub const MIN_SECRET_LEN: usize = 32;

impl OtpHasher {
    pub fn new(secret: &[u8]) -> Result<Self, ValidationError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(ValidationError::new(messages::secret_too_short(
                MIN_SECRET_LEN,
            )));
        }
        Ok(Self {
            key: secret.to_vec(),
        })
    }

    fn mac(&self, request: &RequestId, code: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(request.to_string().as_bytes());
        mac.update(b":");
        mac.update(code.as_bytes());
        mac
    }

    pub fn hash(&self, request: &RequestId, otp: &Otp) -> OtpHash {
        OtpHash(hex::encode(
            self.mac(request, &otp.0).finalize().into_bytes(),
        ))
    }

    /// Whether `candidate` is the code whose hash was stored for `request`, compared in
    /// constant time.
    pub fn verify(&self, request: &RequestId, candidate: &str, stored: &OtpHash) -> bool {
        let Ok(expected) = hex::decode(stored.as_str()) else {
            return false;
        };
        self.mac(request, candidate.trim())
            .verify_slice(&expected)
            .is_ok()
    }
}

impl fmt::Debug for OtpHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpHasher(<secret>)")
    }
}

/// How long a code lives and how many wrong answers a request may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtpPolicy {
    pub ttl: Duration,
    pub max_attempts: u32,
}

impl Default for OtpPolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(600),
            max_attempts: 3,
        }
    }
}

impl OtpPolicy {
    /// The expiry instant (Unix seconds) of a code issued at `now`.
    pub fn expires_at(&self, now_unix: u64) -> u64 {
        now_unix + self.ttl.as_secs()
    }

    pub fn ttl_minutes(&self) -> u64 {
        self.ttl.as_secs().div_ceil(60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> OtpHasher {
        OtpHasher::new(&[7u8; 32]).unwrap()
    }

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..1000 {
            let otp = Otp::generate();
            assert_eq!(otp.expose().len(), 6);
            assert!(otp.expose().bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn codes_are_spread_over_the_whole_range() {
        // 2000 draws from a million values: a constant or tiny-range generator fails this.
        let distinct: std::collections::HashSet<String> =
            (0..2000).map(|_| Otp::generate().0).collect();
        assert!(
            distinct.len() > 1990,
            "only {} distinct codes",
            distinct.len()
        );
    }

    #[test]
    fn a_stored_hash_verifies_only_its_own_code_and_request() {
        let h = hasher();
        let request = RequestId::generate();
        let otp = Otp::generate();
        let stored = h.hash(&request, &otp);
        assert!(h.verify(&request, otp.expose(), &stored));
        let wrong = format!(
            "{:06}",
            (otp.expose().parse::<u32>().unwrap() + 1) % 1_000_000
        );
        assert!(!h.verify(&request, &wrong, &stored));
        assert!(!h.verify(&RequestId::generate(), otp.expose(), &stored));
        assert!(!h.verify(&request, otp.expose(), &OtpHash("zz".into())));
    }

    #[test]
    fn the_hash_depends_on_the_secret_and_hides_the_code() {
        let request = RequestId::generate();
        let otp = Otp::generate();
        let a = hasher().hash(&request, &otp);
        let b = OtpHasher::new(&[8u8; 32]).unwrap().hash(&request, &otp);
        assert_ne!(a, b);
        assert!(!a.as_str().contains(otp.expose()));
        assert_eq!(a.as_str().len(), 64);
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(OtpHasher::new(&[1u8; 31]).is_err());
    }

    #[test]
    fn debug_redacts() {
        let otp = Otp::generate();
        assert!(!format!("{otp:?}").contains(otp.expose()));
        assert!(!format!("{:?}", hasher()).contains('7'));
    }

    #[test]
    fn policy_defaults_and_expiry() {
        let p = OtpPolicy::default();
        assert_eq!(p.ttl_minutes(), 10);
        assert_eq!(p.max_attempts, 3);
        assert_eq!(p.expires_at(1_000), 1_600);
    }
}
