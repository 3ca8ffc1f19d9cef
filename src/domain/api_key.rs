use std::fmt;

use base64::Engine;
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::sha256_hex;

const PREFIX: &str = "ekyc_";

/// An API key as presented by a caller. Only its SHA-256 is ever stored or compared; `Debug`
/// prints nothing of it.
pub struct ApiKey(String);

impl ApiKey {
    /// A new key: 32 bytes from the OS CSPRNG, base64url, with a recognisable prefix.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    /// Any non-empty header value is a candidate; whether it is a key is for the store to say.
    pub fn from_header(value: &str) -> Option<Self> {
        let value = value.trim();
        (!value.is_empty() && value.len() <= 256).then(|| Self(value.to_owned()))
    }

    pub fn hash(&self) -> ApiKeyHash {
        ApiKeyHash(sha256_hex(self.0.as_bytes()))
    }

    /// The key itself, for the one time it is shown to an operator.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Hex SHA-256 of an API key: the form stored and looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiKeyHash(String);

impl ApiKeyHash {
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time equality, for comparing a presented key's hash with a stored one.
    pub fn ct_eq(&self, other: &ApiKeyHash) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_distinct_and_prefixed() {
        let a = ApiKey::generate();
        let b = ApiKey::generate();
        assert!(a.expose().starts_with(PREFIX));
        assert_eq!(a.expose().len(), PREFIX.len() + 43);
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn hash_is_stable_and_compares_in_constant_time() {
        let key = ApiKey::from_header(" ekyc_abc ").unwrap();
        assert_eq!(key.hash(), ApiKey::from_header("ekyc_abc").unwrap().hash());
        assert!(key
            .hash()
            .ct_eq(&ApiKey::from_header("ekyc_abc").unwrap().hash()));
        assert!(!key
            .hash()
            .ct_eq(&ApiKey::from_header("ekyc_abd").unwrap().hash()));
        assert_eq!(key.hash().as_str().len(), 64);
    }

    #[test]
    fn empty_or_huge_headers_are_not_keys() {
        assert!(ApiKey::from_header("").is_none());
        assert!(ApiKey::from_header("   ").is_none());
        assert!(ApiKey::from_header(&"k".repeat(257)).is_none());
    }

    #[test]
    fn debug_does_not_print_the_key() {
        let key = ApiKey::generate();
        assert!(!format!("{key:?}").contains(&key.expose()[PREFIX.len()..]));
    }
}
