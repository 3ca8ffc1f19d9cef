//! What a tenant has left in the table, read with a `Scan` (not through the adapter, whose
//! reads could hide an item it does not expect): the proof that nothing was stranded.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use ekyc::domain::TenantId;

use crate::support::{setup_sdk_config, table};

pub type Item = HashMap<String, AttributeValue>;

/// Every item whose partition key belongs to `tenant` (`TENANT#<tenant>...`), counters and
/// statistics excluded unless `all`.
pub async fn tenant_items(tenant: &TenantId, all: bool) -> Vec<Item> {
    let client = aws_sdk_dynamodb::Client::new(&setup_sdk_config().await);
    let prefix = format!("TENANT#{tenant}#");
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table())
            .filter_expression("begins_with(pk, :prefix)")
            .expression_attribute_values(":prefix", AttributeValue::S(prefix.clone()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scanning the local table");
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    if !all {
        items.retain(|item| !is_bookkeeping(item));
    }
    items
}

/// Counters, statistics, the tenant record, keys and documents: not part of a request.
fn is_bookkeeping(item: &Item) -> bool {
    let pk = s(item, "pk");
    ["#STATS", "#CREATES#", "#APIKEYS", "#DOC#"]
        .iter()
        .any(|part| pk.contains(part))
        || s(item, "sk") == "TENANT"
}

pub fn s<'a>(item: &'a Item, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .unwrap_or_default()
}

/// The tenant's reservations (email and phone), as (pk, holding request id).
pub async fn reservations(tenant: &TenantId) -> Vec<(String, String)> {
    tenant_items(tenant, false)
        .await
        .iter()
        .filter(|item| s(item, "sk") == "RESERVATION")
        .map(|item| (s(item, "pk").to_owned(), s(item, "requestId").to_owned()))
        .collect()
}

/// The ids of the tenant's stored requests (`REQ` items).
pub async fn request_ids(tenant: &TenantId) -> Vec<String> {
    tenant_items(tenant, false)
        .await
        .iter()
        .filter(|item| s(item, "sk") == "REQ")
        .map(|item| {
            let pk = s(item, "pk");
            pk.rsplit('#').next().unwrap_or_default().to_owned()
        })
        .collect()
}
