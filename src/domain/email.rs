use std::fmt;

use email_address::{EmailAddress, Options};

use super::{sha256_hex, ValidationError};
use crate::messages;

/// An email address that parsed as RFC 5321/5322 with a dotted domain.
///
/// Keeps what the user typed (`as_str`, used to send mail) and a normalized form (trimmed,
/// lower-cased) whose hash is the uniqueness key: addresses compare case-insensitively.
#[derive(Clone, PartialEq, Eq)]
pub struct Email {
    original: String,
    normalized: String,
}

const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new(messages::EMAIL_EMPTY));
        }
        if trimmed.len() > MAX_LEN {
            return Err(ValidationError::new(messages::too_long("email", MAX_LEN)));
        }
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            allow_long_local_parts: false,
        };
        EmailAddress::parse_with_options(trimmed, options)
            .map_err(|_| ValidationError::new(messages::EMAIL_INVALID))?;
        Ok(Self {
            original: trimmed.to_owned(),
            normalized: trimmed.to_lowercase(),
        })
    }

    /// The address as the user typed it (trimmed): where the OTP is sent.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// Case-insensitive identity of the address.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// Hex SHA-256 of the normalized address: the reservation key, so that the key space holds
    /// no addresses in clear.
    pub fn uniqueness_key(&self) -> String {
        sha256_hex(self.normalized.as_bytes())
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_plain_address_and_keeps_what_was_typed() {
        let email = Email::parse("  Jane.Doe@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Jane.Doe@Example.COM");
        assert_eq!(email.normalized(), "jane.doe@example.com");
    }

    #[test]
    fn case_variants_share_one_uniqueness_key() {
        let a = Email::parse("jane@example.com").unwrap();
        let b = Email::parse("JANE@EXAMPLE.com").unwrap();
        assert_eq!(a.uniqueness_key(), b.uniqueness_key());
        assert_ne!(
            a.uniqueness_key(),
            Email::parse("john@example.com").unwrap().uniqueness_key()
        );
    }

    #[test]
    fn refuses_invalid_addresses() {
        for bad in [
            "",
            "   ",
            "plainaddress",
            "@example.com",
            "jane@",
            "jane@localhost",
            "jane@@example.com",
            "Jane <jane@example.com>",
            "jane@[127.0.0.1]",
            "jane doe@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn refuses_overlong_addresses() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn debug_does_not_print_the_address() {
        let email = Email::parse("jane@example.com").unwrap();
        assert!(!format!("{email:?}").contains("jane"));
    }
}
