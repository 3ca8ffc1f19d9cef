//! API-key authentication with a short-lived cache in the warm Lambda.
//!
//! A key is looked up by its SHA-256; the stored hash is compared again in constant time.
//! Positive answers are cached for `ttl` (configuration: `API_KEY_CACHE_SECONDS`), so a revoked
//! key keeps working for at most that long in an already-warm instance. Unknown keys are never
//! cached, so a new key works at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::{ApiKey, ApiKeyHash, TenantId};
use crate::ports::{ApiKeyStore, ServiceError};

/// Entries kept at most; the cache is emptied when it fills (keys per tenant are few).
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing, unknown or revoked API key")]
    InvalidKey,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

#[derive(Debug)]
pub struct ApiKeyCache {
    ttl: Duration,
    entries: Mutex<HashMap<ApiKeyHash, (TenantId, Instant)>>,
}

impl ApiKeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, hash: &ApiKeyHash) -> Option<TenantId> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(hash)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(tenant, _)| tenant.clone())
    }

    fn remember(&self, hash: ApiKeyHash, tenant: TenantId) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(hash, (tenant, Instant::now()));
    }

    /// The tenant a presented `x-api-key` value names.
    pub async fn authenticate<S: ApiKeyStore>(
        &self,
        store: &S,
        presented: Option<&str>,
    ) -> Result<TenantId, AuthError> {
        let key = presented
            .and_then(ApiKey::from_header)
            .ok_or(AuthError::InvalidKey)?;
        let hash = key.hash();
        if let Some(tenant) = self.cached(&hash) {
            return Ok(tenant);
        }
        let record = store
            .find_api_key(&hash)
            .await?
            .ok_or(AuthError::InvalidKey)?;
        if !record.active || !record.hash.ct_eq(&hash) {
            return Err(AuthError::InvalidKey);
        }
        self.remember(hash, record.tenant.clone());
        Ok(record.tenant)
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
            let tenant = cache.authenticate(&store, Some("ekyc_good")).await.unwrap();
            assert_eq!(tenant.as_str(), "acme");
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
    async fn unknown_keys_are_not_cached_and_zero_ttl_disables_the_cache() {
        let cache = ApiKeyCache::new(Duration::ZERO);
        let store = store(true);
        cache.authenticate(&store, Some("ekyc_good")).await.unwrap();
        cache.authenticate(&store, Some("ekyc_good")).await.unwrap();
        let _ = cache.authenticate(&store, Some("ekyc_bad")).await;
        let _ = cache.authenticate(&store, Some("ekyc_bad")).await;
        assert_eq!(store.lookups.load(Ordering::SeqCst), 4);
    }
}
