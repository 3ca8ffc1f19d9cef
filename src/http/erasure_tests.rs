//! Erasure through the router with the in-memory adapters: a document record and its images
//! go with the last request that names them (delete and clear), not before; a release after a
//! failed delivery keeps them; a used document's images are no longer stored as unused.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use lambda_http::http::StatusCode;
use serde_json::{json, Value};

use super::super::App;
use super::{app, call};
use crate::adapters::memory::{Fault, InMemory};
use crate::domain::{DocumentId, TenantId};
use crate::ports::DocumentStore;

const JPEG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.jpg");
const PNG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.png");

/// A document through the document and face steps: its id.
async fn onboard(app: &App<InMemory>) -> String {
    app.onboarding.reader.answer_fields(&[
        ("ID_TYPE", "PASSPORT", None),
        ("LAST_NAME", "DOE", None),
        ("DOCUMENT_NUMBER", "X123456789", None),
    ]);
    let (status, body) = call(
        app,
        "POST",
        "/api/document-authentication",
        Some(json!({"frontImage": STANDARD.encode(JPEG), "backImage": STANDARD.encode(PNG)})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let document = body["documentIdentificationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = call(
        app,
        "POST",
        "/api/face-authentication",
        Some(json!({"faceImage": STANDARD.encode(JPEG), "documentIdentificationId": document})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    document
}

async fn submit(app: &App<InMemory>, document: &str, i: u32) -> (StatusCode, Value) {
    let body = json!({"email": format!("u{i}@example.com"), "phoneNumber": format!("+1415555{:04}", 200 + i), "documentIdentificationId": document});
    call(app, "POST", "/api/kyc-request", Some(body)).await
}

async fn exists(app: &App<InMemory>, document: &str) -> bool {
    let tenant = TenantId::parse("acme").unwrap();
    let id = DocumentId::parse(document).unwrap();
    app.store
        .get_document(&tenant, &id)
        .await
        .unwrap()
        .is_some()
}

fn images_of(app: &App<InMemory>, document: &str) -> usize {
    let prefix = format!("tenants/acme/documents/{document}/");
    let keys = app.onboarding.images.keys();
    keys.iter()
        .filter(|k| k.as_str().starts_with(&prefix))
        .count()
}

#[tokio::test]
async fn a_shared_document_survives_the_first_delete_and_goes_with_the_last() {
    let app = app();
    let document = onboard(&app).await;
    assert_eq!(images_of(&app, &document), 3, "front, back, face");
    let keys = app.onboarding.images.keys();
    assert!(keys.iter().all(|k| app.onboarding.images.is_unused(k)));

    let mut ids = Vec::new();
    for i in 0..2 {
        let (status, created) = submit(&app, &document, i).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    // Used now: the bucket's rule for unused images no longer applies to them.
    assert!(keys.iter().all(|k| !app.onboarding.images.is_unused(k)));
    // A selfie taken after that (here a PNG, another key) is kept too.
    let body = json!({"faceImage": STANDARD.encode(PNG), "documentIdentificationId": document});
    let (status, _) = call(&app, "POST", "/api/face-authentication", Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    let keys = app.onboarding.images.keys();
    assert_eq!(images_of(&app, &document), 4);
    assert!(keys.iter().all(|k| !app.onboarding.images.is_unused(k)));

    let (status, _) = call(
        &app,
        "DELETE",
        "/api/delete-request",
        Some(json!({"id": ids[0]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        exists(&app, &document).await,
        "another request still names it"
    );
    assert_eq!(images_of(&app, &document), 4);

    let (status, _) = call(
        &app,
        "DELETE",
        "/api/delete-request",
        Some(json!({"id": ids[1]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!exists(&app, &document).await, "gone with its last request");
    assert_eq!(images_of(&app, &document), 0);
}

#[tokio::test]
async fn clearing_erases_every_document_only_its_requests_named() {
    let app = app();
    let first = onboard(&app).await;
    let second = onboard(&app).await;
    let unused = onboard(&app).await;
    for (i, document) in [&first, &first, &second].into_iter().enumerate() {
        let (status, created) = submit(&app, document, i as u32).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
    }
    let (status, cleared) = call(&app, "DELETE", "/api/clear-requests", None).await;
    assert_eq!(
        (status, cleared["deleted"].as_u64()),
        (StatusCode::OK, Some(3))
    );
    for document in [&first, &second] {
        assert!(!exists(&app, document).await);
        assert_eq!(images_of(&app, document), 0);
    }
    // Never used: kept until its retention runs out (DynamoDB TTL, the bucket's rule).
    assert!(exists(&app, &unused).await);
    assert_eq!(images_of(&app, &unused), 3);
}

#[tokio::test]
async fn a_request_withdrawn_after_a_failed_delivery_keeps_its_document() {
    let app = app();
    let document = onboard(&app).await;
    app.mailer.inject(Fault::Fail);
    let (status, _) = submit(&app, &document, 0).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    app.mailer.heal();
    assert!(exists(&app, &document).await);
    let keys = app.onboarding.images.keys();
    assert!(keys.iter().all(|k| app.onboarding.images.is_unused(k)));
    let (status, created) = submit(&app, &document, 0).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}
