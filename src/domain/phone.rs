use std::fmt;

use phonenumber::Mode;

use super::{sha256_hex, ValidationError};
use crate::messages;

/// A phone number with its country code, valid for its region, held in E.164 (`+14155550123`).
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses an international number: `+`, the country calling code, then the national number.
    /// There is no default region: a number without a country code is refused, never guessed.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new(messages::PHONE_EMPTY));
        }
        if !trimmed.starts_with('+') {
            return Err(ValidationError::new(messages::PHONE_NO_COUNTRY_CODE));
        }
        let parsed = phonenumber::parse(None, trimmed)
            .map_err(|_| ValidationError::new(messages::PHONE_NOT_A_NUMBER))?;
        if !phonenumber::is_valid(&parsed) {
            return Err(ValidationError::new(messages::PHONE_NOT_VALID));
        }
        Ok(Self(parsed.format().mode(Mode::E164).to_string()))
    }

    /// The E.164 form: what is stored and what Amazon Connect dials.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// Hex SHA-256 of the E.164 form: the reservation key.
    pub fn uniqueness_key(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_to_e164() {
        for (raw, e164) in [
            ("+14155550123", "+14155550123"),
            ("+1 (415) 555-0123", "+14155550123"),
            ("+44 20 7946 0958", "+442079460958"),
            (" +33 6 12 34 56 78 ", "+33612345678"),
        ] {
            assert_eq!(PhoneNumber::parse(raw).unwrap().e164(), e164, "{raw}");
        }
    }

    #[test]
    fn refuses_numbers_without_a_country_code() {
        for raw in [
            "4155550123",
            "(415) 555-0123",
            "020 7946 0958",
            "0044 20 7946 0958",
        ] {
            let err = PhoneNumber::parse(raw).unwrap_err();
            assert!(err.0.contains("country code"), "{raw}: {err}");
        }
    }

    #[test]
    fn refuses_impossible_numbers() {
        for raw in [
            "",
            "+",
            "+1",
            "+1415",
            "+999 123456789",
            "+1 415 555 01234567",
            "+hello",
        ] {
            assert!(
                PhoneNumber::parse(raw).is_err(),
                "{raw:?} should be refused"
            );
        }
    }

    #[test]
    fn formatting_variants_share_one_uniqueness_key() {
        let a = PhoneNumber::parse("+1 415 555 0123").unwrap();
        let b = PhoneNumber::parse("+14155550123").unwrap();
        assert_eq!(a.uniqueness_key(), b.uniqueness_key());
    }

    #[test]
    fn debug_does_not_print_the_number() {
        let phone = PhoneNumber::parse("+14155550123").unwrap();
        assert!(!format!("{phone:?}").contains("555"));
    }
}
