//! Operations for operators (the admin tool), local runs and tests: making the table, storing
//! and revoking API keys, registering documents, finding requests to call. The Lambda functions
//! call none of these.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};

use super::codec::{self, n, s, Item};
use super::keys::{self, GSI1, TTL_ATTRIBUTE};
use super::{Change, DynamoStore, SERVICE};
use crate::adapters::OrServiceError;
use crate::domain::{ApiKeyHash, DocumentId, DocumentIdentification, RequestId, TenantId};
use crate::ports::ServiceError;

impl DynamoStore {
    /// Creates the table if it does not exist yet (idempotent), with its indexes, TTL and its
    /// stream (old images, which the sweeper reads). In AWS the table comes from infra/; this
    /// serves local runs, tests and the admin tool.
    pub async fn ensure_table(&self) -> Result<(), ServiceError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .or_service(SERVICE)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .or_service(SERVICE)
        };
        let gsi = |name: &str, pk: &str, sk: &str| {
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(pk, KeyType::Hash)?)
                .key_schema(key(sk, KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .or_service(SERVICE)
        };
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr(keys::PK)?)
            .attribute_definitions(attr(keys::SK)?)
            .attribute_definitions(attr(keys::GSI1PK)?)
            .attribute_definitions(attr(keys::GSI1SK)?)
            .attribute_definitions(attr(keys::GSI2PK)?)
            .attribute_definitions(attr(keys::GSI2SK)?)
            .key_schema(key(keys::PK, KeyType::Hash)?)
            .key_schema(key(keys::SK, KeyType::Range)?)
            .global_secondary_indexes(gsi(GSI1, keys::GSI1PK, keys::GSI1SK)?)
            .global_secondary_indexes(gsi(keys::GSI2, keys::GSI2PK, keys::GSI2SK)?)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::OldImage)
                    .build()
                    .or_service(SERVICE)?,
            )
            .send()
            .await;
        match created {
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) =>
            {
                return Ok(())
            }
            other => other.or_service(SERVICE)?,
        };
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(TTL_ATTRIBUTE)
                    .build()
                    .or_service(SERVICE)?,
            )
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }

    /// Writes an item that must not exist yet.
    pub(super) async fn put_new(&self, item: Item) -> Result<(), ServiceError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }

    /// Stores an API key's hash for a tenant. `key_id` is a short public handle for revoking.
    pub async fn put_api_key(
        &self,
        hash: &ApiKeyHash,
        tenant: &TenantId,
        key_id: &str,
        created_at: u64,
    ) -> Result<(), ServiceError> {
        let limit = self.tenant_limit(tenant).await?;
        self.put_new(codec::api_key_item(hash, tenant, key_id, created_at, limit))
            .await
    }

    /// The tenant's own create limit, if an operator set one.
    pub async fn tenant_limit(&self, tenant: &TenantId) -> Result<Option<u32>, ServiceError> {
        let limit = |item: &Item| Ok(codec::get_n(item, codec::CREATES_PER_MINUTE));
        Ok(self.get(keys::tenant(tenant), true, limit).await?.flatten())
    }

    /// Sets a tenant's own create limit (`None`: back to the default): on the tenant item, and
    /// on each of its keys, which the API reads it from. Warm functions see it once their key
    /// cache entry expires. Returns how many keys were updated.
    pub async fn set_tenant_limit(
        &self,
        tenant: &TenantId,
        creates_per_minute: Option<u32>,
    ) -> Result<usize, ServiceError> {
        let set_or_remove = |key: keys::Key| {
            let mut update = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key.item()));
            update = match creates_per_minute {
                Some(limit) => update
                    .update_expression("SET #limit = :limit")
                    .expression_attribute_values(":limit", n(limit)),
                None => update.update_expression("REMOVE #limit"),
            };
            update.expression_attribute_names("#limit", codec::CREATES_PER_MINUTE)
        };
        set_or_remove(keys::tenant(tenant))
            .send()
            .await
            .or_service(SERVICE)?;
        let keys_of = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(keys::api_keys_of(tenant)))
            .send()
            .await
            .or_service(SERVICE)?;
        for item in keys_of.items() {
            let key = keys::api_key(&codec::api_key_hash(item)?);
            set_or_remove(key).send().await.or_service(SERVICE)?;
        }
        Ok(keys_of.items().len())
    }

    /// Revokes a tenant's key by its key id. Returns whether such a key existed.
    pub async fn revoke_api_key(
        &self,
        tenant: &TenantId,
        key_id: &str,
        revoked_at: u64,
    ) -> Result<bool, ServiceError> {
        let found = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :pk AND gsi1sk = :sk")
            .expression_attribute_values(":pk", s(keys::api_keys_of(tenant)))
            .expression_attribute_values(":sk", s(key_id))
            .send()
            .await
            .or_service(SERVICE)?;
        let Some(item) = found.items().first() else {
            return Ok(false);
        };
        let change = Change::new(keys::api_key(&codec::api_key_hash(item)?))
            .set("#status = :revoked")
            .set("revokedAt = :at")
            .when("attribute_exists(pk)")
            .value(":revoked", s(codec::KEY_REVOKED))
            .value(":at", n(revoked_at));
        self.conditional_update(change).await
    }

    /// Registers a document identification record for a tenant.
    pub async fn put_document(
        &self,
        tenant: &TenantId,
        id: &DocumentId,
        document: &DocumentIdentification,
        created_at: u64,
    ) -> Result<(), ServiceError> {
        let kept_until = self.kept_until(created_at);
        self.put_new(codec::document_item(
            tenant, id, document, created_at, kept_until,
        )?)
        .await
    }

    /// The newest request of a tenant that is not accepted yet: its id and phone number.
    pub async fn newest_open_request(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<(RequestId, String)>, ServiceError> {
        let out = self
            .requests_query(tenant, Some(false))
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .or_service(SERVICE)?;
        let Some(item) = out.items().first() else {
            return Ok(None);
        };
        let id = codec::request_id(item)?;
        Ok(Some((id, codec::phone_number(item)?.to_owned())))
    }

    /// Which request holds a tenant's email / phone reservation, if any: `(email, phone)`.
    pub async fn reservation_holders(
        &self,
        tenant: &TenantId,
        email_key: &str,
        phone_key: &str,
    ) -> Result<(Option<String>, Option<String>), ServiceError> {
        let holder = |key| async move {
            let holder = self.get(key, true, |item| Ok(codec::reservation_holder(item)));
            Ok::<_, ServiceError>(holder.await?.flatten())
        };
        tokio::try_join!(
            holder(keys::email(tenant, email_key)),
            holder(keys::phone(tenant, phone_key))
        )
    }
}
