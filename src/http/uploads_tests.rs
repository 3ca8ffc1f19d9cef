//! `POST /api/uploads` and `{"s3ref": ...}` image values, through the router with the in-memory
//! adapters: the form, an upload used as a document side and as the selfie, and refusals in
//! the published words (another tenant's reference reads as a bad image).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use lambda_http::http::StatusCode;
use serde_json::{json, Value};

use super::super::App;
use super::{app, call};
use crate::adapters::memory::InMemory;
use crate::domain::{ImageKey, TenantId, UploadRef};

const JPEG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.jpg");
const TEXT_AS_PNG: &[u8] = include_bytes!("../../tests/fixtures/images/not-an-image.png");

/// A form from the API, and the client's upload of `bytes` through it: the reference.
async fn uploaded(app: &App<InMemory>, bytes: &[u8]) -> String {
    let (status, form) = call(app, "POST", "/api/uploads", None).await;
    assert_eq!(status, StatusCode::CREATED, "{form}");
    let reference = form["ref"].as_str().unwrap().to_owned();
    let key = form["fields"]["key"].as_str().unwrap();
    let tenant = TenantId::parse("acme").unwrap();
    let expected = ImageKey::upload(&tenant, &UploadRef::parse(&reference).unwrap());
    assert_eq!(key, expected.as_str());
    app.onboarding.images.upload(&expected, bytes);
    reference
}

fn passport(app: &App<InMemory>) {
    app.onboarding.reader.answer_fields(&[
        ("ID_TYPE", "PASSPORT", None),
        ("LAST_NAME", "DOE", None),
        ("DOCUMENT_NUMBER", "X123456789", None),
    ]);
}

fn error(text: &str) -> Value {
    json!({ "error": text })
}

#[tokio::test]
async fn a_form_is_for_one_image_type_under_the_callers_tenant() {
    let app = app();
    let (status, form) = call(&app, "POST", "/api/uploads", None).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(form["fields"]["Content-Type"], "image/jpeg");
    assert_eq!(form["maxBytes"], 10 * 1024 * 1024);
    assert!(form["fields"]["key"]
        .as_str()
        .unwrap()
        .starts_with("tenants/acme/uploads/"));
    let body = json!({"contentType": "image/png"});
    let (status, png) = call(&app, "POST", "/api/uploads", Some(body)).await;
    assert_eq!(
        (status, &png["fields"]["Content-Type"]),
        (StatusCode::CREATED, &json!("image/png"))
    );
    assert_ne!(png["ref"], form["ref"]);
    for bad in [
        json!({"contentType": "image/gif"}),
        json!({"contentType": 3}),
        json!([]),
    ] {
        let (status, body) = call(&app, "POST", "/api/uploads", Some(bad.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}

#[tokio::test]
async fn an_uploaded_image_is_a_document_side_and_moves_under_the_document() {
    let app = app();
    passport(&app);
    let front = uploaded(&app, JPEG).await;
    let body = json!({"frontImage": {"s3ref": front}});
    let (status, body) = call(&app, "POST", "/api/document-authentication", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let document = body["documentIdentificationId"].as_str().unwrap();
    let tenant = TenantId::parse("acme").unwrap();
    let upload = ImageKey::upload(&tenant, &UploadRef::parse(&front).unwrap());
    assert!(!app.onboarding.images.has_upload(&upload));
    let moved = format!("tenants/acme/documents/{document}/front.jpg");
    let keys = app.onboarding.images.keys();
    assert!(keys.iter().any(|k| k.as_str() == moved), "{keys:?}");
    assert_eq!(app.onboarding.reader.asked()[0][0].as_str(), moved);

    let face = uploaded(&app, JPEG).await;
    let body = json!({"faceImage": {"s3ref": face}, "documentIdentificationId": document});
    let (status, body) = call(&app, "POST", "/api/face-authentication", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn bad_missing_foreign_or_malformed_references_are_the_published_image_errors() {
    let app = app();
    passport(&app);
    let text = uploaded(&app, TEXT_AS_PNG).await;
    let empty = uploaded(&app, b"").await;
    // Uploaded by another tenant: its object is under that tenant's prefix, not ours.
    let foreign = UploadRef::generate();
    let other = TenantId::parse("other").unwrap();
    app.onboarding
        .images
        .upload(&ImageKey::upload(&other, &foreign), JPEG);
    let never = UploadRef::generate();
    let invalid = error("invalid document (front, side, back) image provided");
    for reference in [
        text.as_str(),
        empty.as_str(),
        foreign.as_str(),
        never.as_str(),
        "../../other",
        "",
    ] {
        let body = json!({"frontImage": {"s3ref": reference}});
        let (status, body) = call(&app, "POST", "/api/document-authentication", Some(body)).await;
        assert_eq!(
            (status, body),
            (StatusCode::BAD_REQUEST, invalid.clone()),
            "{reference}"
        );
        let body = json!({"faceImage": {"s3ref": reference}, "documentIdentificationId": "doc-1"});
        let (status, body) = call(&app, "POST", "/api/face-authentication", Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reference}");
        assert_ne!(body, json!({"score": 0.99}));
    }
    let both = json!({"frontImage": {"s3ref": never.as_str(), "base64": STANDARD.encode(JPEG)}});
    let (status, body) = call(&app, "POST", "/api/document-authentication", Some(both)).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            error("only one image is accepted per document side!")
        )
    );
    let (status, body) = call(
        &app,
        "POST",
        "/api/face-authentication",
        Some(json!({"faceImage": {"s3ref": "nope"}, "documentIdentificationId": "doc-1"})),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            error("invalid face image provided")
        )
    );
}
