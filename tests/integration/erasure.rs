//! Erasure and retention against DynamoDB Local and moto's S3: deleting and clearing leave no
//! item or image of the user once no other request names the document; a shared document
//! survives the first delete; TTL values on requests, reservations and documents follow the
//! retention (DynamoDB Local 3.3.1 deletes nothing on TTL in a table with a global secondary
//! index, as ours, so the attributes are what is checked; see `sweeper.rs`); a
//! used document's images lose the tag the bucket's lifecycle rule expires.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ekyc::domain::{DocumentId, TenantId};
use serde_json::{json, Value};

use crate::seed::{self, LAST_FOUR};
use crate::support::*;

const FRONT: &[u8] = include_bytes!("../../events/document-front.jpg");
const SELFIE: &[u8] = include_bytes!("../../events/selfie.jpg");
const RETENTION: u64 = 30 * 86_400;

fn pk(item: &Item) -> &str {
    item["pk"].as_s().unwrap()
}

fn ttl(item: &Item) -> Option<u64> {
    item.get("ttl").map(|v| v.as_n().unwrap().parse().unwrap())
}

/// The items that are a user's data: requests, codes, reservations, document records.
async fn user_items(tenant: &TenantId) -> Vec<Item> {
    let personal = ["#REQ#", "#EMAIL#", "#PHONE#", "#DOC#"];
    tenant_items(tenant)
        .await
        .into_iter()
        .filter(|i| personal.iter().any(|p| pk(i).contains(p)))
        .collect()
}

async fn s3() -> aws_sdk_s3::Client {
    ekyc::adapters::s3::client(&sdk_config().await)
}

async fn tags_of(key: &str) -> Vec<(String, String)> {
    let out = s3()
        .await
        .get_object_tagging()
        .bucket(image_bucket())
        .key(key)
        .send()
        .await
        .unwrap();
    out.tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

fn post(key: &str, path: &str, body: Value) -> lambda_http::Request {
    request(
        "POST",
        path,
        Some(key),
        Some("application/json"),
        &body.to_string(),
    )
}

/// A document through the document and face steps (front and selfie stored): its id.
pub(crate) async fn onboard(app: &TestApp, t: &Tenant) -> String {
    let body = json!({"frontImage": STANDARD.encode(FRONT)});
    let response = handle(app, post(&t.key, "/api/document-authentication", body)).await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    let document = body_json(&response)["documentIdentificationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"faceImage": STANDARD.encode(SELFIE), "documentIdentificationId": document});
    let response = handle(app, post(&t.key, "/api/face-authentication", body)).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    document
}

pub(crate) async fn submit(app: &TestApp, t: &Tenant, document: &str) -> String {
    let (email, phone) = unique_contact();
    let body = json!({"email": email, "phoneNumber": phone, "documentIdentificationId": document});
    let response = handle(app, post_create(&t.key, &body.to_string())).await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    body_json(&response)["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn delete(app: &TestApp, t: &Tenant, id: &str) {
    let body = json!({"id": id}).to_string();
    let response = handle(
        app,
        request(
            "DELETE",
            "/api/delete-request",
            Some(&t.key),
            Some("application/json"),
            &body,
        ),
    )
    .await;
    assert_eq!(response.status(), 200, "{}", text(&response));
}

pub(crate) fn prefix(t: &Tenant, document: &str) -> String {
    format!("tenants/{}/documents/{document}/", t.tenant)
}

#[tokio::test]
async fn a_shared_document_survives_the_first_delete_and_nothing_of_the_user_outlives_the_last() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let document = onboard(&app, &t).await;
    let images = image_keys_under(&prefix(&t, &document)).await;
    assert_eq!(images.len(), 2, "front and selfie: {images:?}");
    let first = submit(&app, &t, &document).await;
    let second = submit(&app, &t, &document).await;

    delete(&app, &t, &first).await;
    let left = user_items(&t.tenant).await;
    assert!(left
        .iter()
        .any(|i| pk(i).ends_with(&format!("#DOC#{document}"))));
    assert_eq!(image_keys_under(&prefix(&t, &document)).await, images);

    delete(&app, &t, &second).await;
    let left: Vec<String> = user_items(&t.tenant)
        .await
        .iter()
        .map(|i| pk(i).to_owned())
        .collect();
    // Only the record registered with the tenant (never used by these requests) remains.
    assert_eq!(
        left,
        vec![format!("TENANT#{}#DOC#{}", t.tenant, t.document_id)]
    );
    assert!(image_keys_under(&prefix(&t, &document)).await.is_empty());
}

#[tokio::test]
async fn clearing_leaves_no_item_or_image_of_the_users() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let shared = onboard(&app, &t).await;
    let own = onboard(&app, &t).await;
    for document in [&shared, &shared, &own, t.document_id.as_str()] {
        submit(&app, &t, document).await;
    }
    // Requests in other statuses hold the registered document too.
    let made = seed::pending(&t, "clear", 3, &t.document_id).await;
    seed::verify_call(&t, &made[0], LAST_FOUR).await;
    seed::fail_call(&t, &made[1]).await;

    let clear = request("DELETE", "/api/clear-requests", Some(&t.key), None, "");
    let cleared = body_json(&handle(&app, clear).await);
    assert_eq!(
        (cleared["deleted"].as_u64(), cleared["remaining"].as_u64()),
        (Some(7), Some(0))
    );
    let left: Vec<String> = user_items(&t.tenant)
        .await
        .iter()
        .map(|i| pk(i).to_owned())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(image_keys_under(&format!("tenants/{}/", t.tenant))
        .await
        .is_empty());
}

#[tokio::test]
async fn retention_is_set_on_creation_removed_on_verification_and_reset_on_failure() {
    let t = Tenant::new().await;
    let now = ekyc::unix_now();
    let doc_key = format!("TENANT#{}#DOC#{}", t.tenant, t.document_id);
    let doc = |items: &[Item]| items.iter().find(|i| pk(i) == doc_key).cloned().unwrap();
    // Registered and unused: kept for the retention, counted by no request.
    let items = tenant_items(&t.tenant).await;
    let registered = doc(&items);
    assert!(ttl(&registered).unwrap().abs_diff(now + RETENTION) <= 5);
    assert_eq!(registered["refs"].as_n().unwrap(), "0");

    let made = seed::pending(&t, "ttl", 3, &t.document_id).await;
    let items = tenant_items(&t.tenant).await;
    let used = doc(&items);
    assert_eq!(
        (ttl(&used), used["refs"].as_n().unwrap().as_str()),
        (None, "3")
    );
    // A pending request goes at its code's expiry plus the retention, with its reservations.
    let of = |items: &[Item], r: &seed::Made| -> Vec<Item> {
        items
            .iter()
            .filter(|i| {
                pk(i).ends_with(&r.id)
                    || i.get("requestId").and_then(|v| v.as_s().ok()) == Some(&r.id)
            })
            .cloned()
            .collect()
    };
    for r in &made {
        let mine = of(&items, r);
        assert_eq!(mine.len(), 4, "request, code, email, phone");
        for item in &mine {
            let expected = match item["sk"].as_s().unwrap().as_str() {
                "OTP" => now + 600,
                _ => now + 600 + RETENTION,
            };
            assert!(ttl(item).unwrap().abs_diff(expected) <= 5, "{item:?}");
        }
    }

    seed::verify_call(&t, &made[0], LAST_FOUR).await;
    seed::fail_call(&t, &made[1]).await;
    let failed_at = ekyc::unix_now();
    let items = tenant_items(&t.tenant).await;
    let verified = of(&items, &made[0]);
    assert_eq!(verified.len(), 3, "the code went");
    assert!(
        verified.iter().all(|i| ttl(i).is_none()),
        "kept: {verified:?}"
    );
    let failed = of(&items, &made[1]);
    assert_eq!(failed.len(), 3);
    for item in &failed {
        assert!(
            ttl(item).unwrap().abs_diff(failed_at + RETENTION) <= 5,
            "{item:?}"
        );
    }
}

#[tokio::test]
async fn a_used_documents_images_lose_the_unused_tag() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let document = onboard(&app, &t).await;
    let unused = vec![("ekyc-retention".to_owned(), "unused".to_owned())];
    let images = image_keys_under(&prefix(&t, &document)).await;
    for key in &images {
        assert_eq!(tags_of(key).await, unused, "{key}");
    }
    submit(&app, &t, &document).await;
    for key in &images {
        assert!(tags_of(key).await.is_empty(), "{key}");
    }
    // A selfie taken once a request names the document is kept as well.
    let body = json!({"faceImage": STANDARD.encode(SELFIE), "documentIdentificationId": document});
    let response = handle(&app, post(&t.key, "/api/face-authentication", body)).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    for key in &image_keys_under(&prefix(&t, &document)).await {
        assert!(tags_of(key).await.is_empty(), "{key}");
    }
    let id = DocumentId::parse(&document).unwrap();
    assert!(store()
        .await
        .get_document(&t.tenant, &id)
        .await
        .unwrap()
        .is_some());
}
