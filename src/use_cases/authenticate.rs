//! API-key authentication with short-lived caches in the warm Lambda.
//!
//! A key is looked up by its SHA-256; the stored hash is compared again in constant time.
//! Positive answers are cached for `ttl` (configuration: `API_KEY_CACHE_SECONDS`), so a revoked
//! key keeps working for at most that long in an already-warm instance. Unknown keys are
//! remembered for [`UNKNOWN_KEY_TTL`] only, so a flood of junk keys costs no store reads while
//! a key created a moment ago works almost at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::{ApiKey, ApiKeyHash, TenantId};
use crate::ports::{ApiKeyStore, ServiceError};

/// Entries kept at most per cache; a cache is emptied when it fills (keys per tenant are few).
const MAX_ENTRIES: usize = 10_000;
/// How long an unknown key is answered from memory.
pub const UNKNOWN_KEY_TTL: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing, unknown or revoked API key")]
    InvalidKey,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Who is calling: the tenant a key names, and its own create limit if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant: TenantId,
    pub creates_per_minute: Option<u32>,
}

/// A bounded map whose entries live for `ttl`.
#[derive(Debug)]
struct Expiring<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Hash + Eq, V: Clone> Expiring<K, V> {
    fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (value, at) = entries.get(key)?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    fn insert(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }
}

#[derive(Debug)]
pub struct ApiKeyCache {
    known: Expiring<ApiKeyHash, Caller>,
    unknown: Expiring<ApiKeyHash, ()>,
}

impl ApiKeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            known: Expiring::new(ttl),
            unknown: Expiring::new(UNKNOWN_KEY_TTL.min(ttl)),
        }
    }

    /// The caller a presented `x-api-key` value names.
    pub async fn authenticate<S: ApiKeyStore>(
        &self,
        store: &S,
        presented: Option<&str>,
    ) -> Result<Caller, AuthError> {
        let key = presented
            .and_then(ApiKey::from_header)
            .ok_or(AuthError::InvalidKey)?;
        let hash = key.hash();
        if let Some(caller) = self.known.get(&hash) {
            return Ok(caller);
        }
        if self.unknown.get(&hash).is_some() {
            return Err(AuthError::InvalidKey);
        }
        let Some(record) = store.find_api_key(&hash).await? else {
            self.unknown.insert(hash, ());
            return Err(AuthError::InvalidKey);
        };
        if !record.active || !record.hash.ct_eq(&hash) {
            return Err(AuthError::InvalidKey);
        }
        let caller = Caller {
            tenant: record.tenant,
            creates_per_minute: record.creates_per_minute,
        };
        self.known.insert(hash, caller.clone());
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::ports::ApiKeyRecord;

    /// A store with one key, counting lookups.
    struct OneKey {
        key: &'static str,
        active: bool,
        lookups: AtomicUsize,
    }

    impl ApiKeyStore for OneKey {
        async fn find_api_key(
            &self,
            hash: &ApiKeyHash,
        ) -> Result<Option<ApiKeyRecord>, ServiceError> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            let stored = ApiKey::from_header(self.key).unwrap().hash();
            Ok((stored == *hash).then(|| ApiKeyRecord {
                hash: stored,
                tenant: TenantId::parse("acme").unwrap(),
                active: self.active,
                creates_per_minute: Some(30),
            }))
        }
    }

    fn store(active: bool) -> OneKey {
        OneKey {
            key: "ekyc_good",
            active,
            lookups: AtomicUsize::new(0),
        }
    }

    #[tokio::test]
    async fn a_known_key_names_its_tenant_and_is_cached() {
        let cache = ApiKeyCache::new(Duration::from_secs(60));
        let store = store(true);
        for _ in 0..3 {
            let caller = cache.authenticate(&store, Some("ekyc_good")).await.unwrap();
            assert_eq!(caller.tenant.as_str(), "acme");
            assert_eq!(caller.creates_per_minute, Some(30));
        }
        assert_eq!(store.lookups.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn missing_unknown_and_revoked_keys_are_refused() {
        let cache = ApiKeyCache::new(Duration::from_secs(60));
        let active = store(true);
        for presented in [None, Some(""), Some("ekyc_bad")] {
            assert!(matches!(
                cache.authenticate(&active, presented).await,
                Err(AuthError::InvalidKey)
            ));
        }
        assert!(matches!(
            cache.authenticate(&store(false), Some("ekyc_good")).await,
            Err(AuthError::InvalidKey)
        ));
    }

    #[tokio::test]
    async fn zero_ttl_disables_both_caches() {
        let cache = ApiKeyCache::new(Duration::ZERO);
        let store = store(true);
        cache.authenticate(&store, Some("ekyc_good")).await.unwrap();
        cache.authenticate(&store, Some("ekyc_good")).await.unwrap();
        let _ = cache.authenticate(&store, Some("ekyc_bad")).await;
        let _ = cache.authenticate(&store, Some("ekyc_bad")).await;
        assert_eq!(store.lookups.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_flood_of_one_unknown_key_costs_one_store_read() {
        let cache = ApiKeyCache::new(Duration::from_secs(60));
        let store = store(true);
        for _ in 0..100 {
            assert!(matches!(
                cache.authenticate(&store, Some("ekyc_junk")).await,
                Err(AuthError::InvalidKey)
            ));
        }
        assert_eq!(store.lookups.load(Ordering::SeqCst), 1);
        // A known key is unaffected.
        cache.authenticate(&store, Some("ekyc_good")).await.unwrap();
        assert_eq!(store.lookups.load(Ordering::SeqCst), 2);
    }
}
