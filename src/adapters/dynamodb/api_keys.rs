//! API key lookups. Keys are stored by `operator::put_api_key` (the admin tool).

use super::{codec, keys, DynamoStore};
use crate::domain::ApiKeyHash;
use crate::ports::{ApiKeyRecord, ApiKeyStore, ServiceError};

impl ApiKeyStore for DynamoStore {
    async fn find_api_key(&self, hash: &ApiKeyHash) -> Result<Option<ApiKeyRecord>, ServiceError> {
        // An eventually consistent read: a key is used long after it is created, and a
        // revocation already waits out the warm instances' cache.
        self.get(keys::api_key(hash), false, codec::api_key).await
    }
}
