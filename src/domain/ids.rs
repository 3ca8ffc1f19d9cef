use std::fmt;
use std::str::FromStr;

use ulid::Ulid;

use super::ValidationError;
use crate::messages;

/// The id of an eKYC request: a ULID, so ids sort by creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(Ulid);

impl RequestId {
    /// A new id, greater than every id this process made before (ULIDs of one millisecond
    /// would otherwise order at random), so "newest first" is exact within an instance.
    pub fn generate() -> Self {
        static MONOTONIC: std::sync::Mutex<ulid::Generator> =
            std::sync::Mutex::new(ulid::Generator::new());
        let next = MONOTONIC
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .generate();
        // Only 2^80 ids in one millisecond overflow it.
        Self(next.unwrap_or_else(|_| Ulid::new()))
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Ulid::from_str(raw.trim())
            .map(Self)
            .map_err(|_| ValidationError::new(messages::NOT_A_REQUEST_ID))
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Ids that end up inside storage keys: a restricted alphabet, so a `#` separator can never be
/// forged from input.
fn parse_key_safe(raw: &str, what: &str, max: usize) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(messages::must_not_be_empty(what)));
    }
    if trimmed.len() > max {
        return Err(ValidationError::new(messages::too_long(what, max)));
    }
    if !trimmed
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ValidationError::new(messages::key_safe_alphabet(what)));
    }
    Ok(trimmed.to_owned())
}

/// A business (our customer). Every API key names exactly one tenant, and all data is scoped
/// by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantId(String);

impl TenantId {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        parse_key_safe(raw, "tenant", 64).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of a document identification record produced by the document step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId(String);

impl DocumentId {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        parse_key_safe(raw, "documentIdentificationId", 128).map(Self)
    }

    pub fn generate() -> Self {
        Self(Ulid::new().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_made_one_after_another_sort_in_that_order() {
        let ids: Vec<RequestId> = (0..1000).map(|_| RequestId::generate()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.windows(2).all(|w| w[0].to_string() < w[1].to_string()));
    }

    #[test]
    fn request_ids_round_trip_and_are_unique() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_ne!(a, b);
        assert_eq!(RequestId::parse(&a.to_string()).unwrap(), a);
        assert!(RequestId::parse("not-a-ulid").is_err());
    }

    #[test]
    fn key_safe_ids_refuse_separators_and_empty_values() {
        assert!(TenantId::parse("acme-corp_1").is_ok());
        assert!(TenantId::parse("acme#corp").is_err());
        assert!(TenantId::parse("").is_err());
        assert!(DocumentId::parse("doc/1").is_err());
        assert!(DocumentId::parse(&"a".repeat(129)).is_err());
        assert_eq!(DocumentId::parse(" 01HXYZ ").unwrap().as_str(), "01HXYZ");
    }
}
