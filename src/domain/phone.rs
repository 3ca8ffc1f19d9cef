use std::fmt;

use phonenumber::{Mode, Type};

use super::{sha256_hex, ValidationError};
use crate::messages;

/// A phone number with its country code, valid for its region and of a kind that can take a
/// verification call (mobile or fixed line), held in E.164 (`+14155550123`) with its country.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    e164: String,
    /// ISO 3166-1 alpha-2 region of the number (`US`), as libphonenumber's metadata says.
    country: String,
}

/// The kinds of number a person answers a verification call on. Premium-rate, shared-cost,
/// toll-free, pager, UAN, voicemail, VoIP and personal (forwarding) numbers are refused.
fn can_take_a_call(kind: Type) -> bool {
    matches!(
        kind,
        Type::Mobile | Type::FixedLine | Type::FixedLineOrMobile
    )
}

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
        if !can_take_a_call(parsed.number_type(&phonenumber::metadata::DATABASE)) {
            return Err(ValidationError::new(messages::PHONE_CANNOT_TAKE_CALLS));
        }
        let country = parsed.country().id().map(|id| id.as_ref().to_owned());
        Ok(Self {
            e164: parsed.format().mode(Mode::E164).to_string(),
            country: country.unwrap_or_default(),
        })
    }

    /// Builds the number metadata now rather than on the first parse (it takes tens of
    /// milliseconds): call at init.
    pub fn warm_up() {
        let _ = Self::parse("+14155550123");
    }

    /// The E.164 form: what is stored and what Amazon Connect dials.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The number's region (ISO 3166-1 alpha-2, `US`).
    pub fn country(&self) -> &str {
        &self.country
    }

    /// Hex SHA-256 of the E.164 form: the reservation key.
    pub fn uniqueness_key(&self) -> String {
        sha256_hex(self.e164.as_bytes())
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
    fn numbers_that_cannot_take_a_verification_call_are_refused() {
        for raw in [
            "+1 800 555 0199",  // toll-free (US)
            "+1 900 555 0199",  // premium rate (US)
            "+44 909 879 0000", // premium rate (GB)
            "+44 845 464 0000", // shared cost (GB)
            "+44 800 123 4567", // toll-free (GB)
            "+44 76 2345 6789", // pager (GB)
            "+44 55 1234 5678", // UAN (GB)
        ] {
            let err = PhoneNumber::parse(raw).unwrap_err();
            assert_eq!(err.0, messages::PHONE_CANNOT_TAKE_CALLS, "{raw}");
        }
    }

    #[test]
    fn mobile_and_fixed_lines_are_taken_with_their_country() {
        for (raw, country) in [
            ("+14155550123", "US"),
            ("+44 20 7946 0958", "GB"),
            ("+44 7400 123456", "GB"),
            ("+33 6 12 34 56 78", "FR"),
        ] {
            assert_eq!(PhoneNumber::parse(raw).unwrap().country(), country, "{raw}");
        }
    }

    #[test]
    fn formatting_variants_share_one_uniqueness_key() {
        let a = PhoneNumber::parse("+1 415 555 0123").unwrap();
        let b = PhoneNumber::parse("+14155550123").unwrap();
        assert_eq!(a.uniqueness_key(), b.uniqueness_key());
    }

    #[test]
    fn every_pattern_of_the_number_metadata_is_valid() {
        // Building the metadata skips checking each pattern (vendor/phonenumber: the patch
        // that makes warming up cheap); a pattern is compiled on first use instead. Check every
        // one here, with the parser of the regex engine that compiles them and the flags the
        // metadata sets, so a bad pattern fails this test rather than a request.
        let mut patterns = 0;
        for meta in phonenumber::metadata::DATABASE.iter() {
            let d = meta.descriptors();
            let descriptors = [
                Some(d.general()),
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.personal_number(),
                d.voip(),
                d.pager(),
                d.uan(),
                d.emergency(),
                d.voicemail(),
                d.short_code(),
                d.standard_rate(),
                d.carrier(),
                d.no_international(),
            ];
            let mut regexes: Vec<_> = descriptors
                .into_iter()
                .flatten()
                .map(|d| d.national_number())
                .collect();
            for format in meta.formats().iter().chain(meta.international_formats()) {
                regexes.push(format.pattern());
                regexes.extend(format.leading_digits());
            }
            regexes.extend(meta.international_prefix());
            regexes.extend(meta.national_prefix_for_parsing());
            regexes.extend(meta.leading_digits());
            for regex in regexes {
                let parsed = regex_syntax::ParserBuilder::new()
                    .ignore_whitespace(true)
                    .build()
                    .parse(regex.as_str());
                assert!(parsed.is_ok(), "{}: {parsed:?}", meta.id());
                patterns += 1;
            }
        }
        assert!(patterns > 4_000, "{patterns}");
    }

    #[test]
    fn debug_does_not_print_the_number() {
        let phone = PhoneNumber::parse("+14155550123").unwrap();
        assert!(!format!("{phone:?}").contains("555"));
    }
}
