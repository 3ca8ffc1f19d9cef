//! The two image routes over in-memory adapters: the published answers, byte-exact.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use lambda_http::http::{header, StatusCode};
use lambda_http::Body;
use serde_json::{json, Value};

use super::{app, call, handle, request, KEY, NOW};

const PNG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.png");
const JPEG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.jpg");
const TEXT_AS_PNG: &[u8] = include_bytes!("../../tests/fixtures/images/not-an-image.png");

fn passport_fields() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    vec![
        ("ID_TYPE", "PASSPORT", None),
        ("FIRST_NAME", "JANE", None),
        ("LAST_NAME", "DOE", None),
        ("DOCUMENT_NUMBER", "X123456789", None),
        ("DATE_OF_BIRTH", "14 MAR 1992", Some("1992-03-14T00:00:00")),
    ]
}

fn error(text: &str) -> Value {
    json!({ "error": text })
}

#[tokio::test]
async fn a_document_with_and_without_a_data_url_prefix_is_recorded() {
    let app = app();
    app.onboarding.reader.answer_fields(&passport_fields());
    for front in [
        STANDARD.encode(JPEG),
        format!("data:image/jpeg;base64,{}", STANDARD.encode(JPEG)),
    ] {
        let (status, body) = call(
            &app,
            "POST",
            "/api/document-authentication",
            Some(json!({"frontImage": front, "backImage": format!("data:image/png;base64,{}", STANDARD.encode(PNG))})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["message"], "Document authenticated");
        assert_eq!(body["idInformation"]["documentNumber"], "X123456789");
        assert_eq!(body["idInformation"]["dob"], "1992/03/14");
        assert!(body["documentIdentificationId"].as_str().is_some());
    }
}

#[tokio::test]
async fn the_published_document_errors_are_byte_exact() {
    let app = app();
    app.onboarding.reader.answer_fields(&passport_fields());
    let text = STANDARD.encode(TEXT_AS_PNG);
    let jpeg = STANDARD.encode(JPEG);
    for (body, expected) in [
        (
            json!({"frontImage": text}),
            "invalid base64 front image provided",
        ),
        (
            json!({"frontImage": "%%%"}),
            "invalid base64 front image provided",
        ),
        (
            json!({"frontImage": jpeg, "backImage": text}),
            "invalid base64 back image provided",
        ),
        (
            json!({"frontImage": jpeg, "sideImage": "data:image/gif;base64,R0lG"}),
            "invalid base64 side image provided",
        ),
        (
            json!({"frontImage": [jpeg, jpeg]}),
            "only one image is accepted per document side!",
        ),
        (
            json!({"frontImage": {"url": "https://img.example/a.png", "base64": jpeg}}),
            "only one image is accepted per document side!",
        ),
        (
            json!({"frontImage": "https://img.example/missing.png"}),
            "invalid document (front, side, back) image provided",
        ),
        (
            json!({"frontImage": "http://img.example/plain-http.png"}),
            "invalid document (front, side, back) image provided",
        ),
    ] {
        let (status, answer) = call(&app, "POST", "/api/document-authentication", Some(body)).await;
        assert_eq!((status, answer), (StatusCode::BAD_REQUEST, error(expected)));
    }
    app.onboarding
        .reader
        .answer_fields(&[("ID_TYPE", "OTHER", None)]);
    let (status, answer) = call(
        &app,
        "POST",
        "/api/document-authentication",
        Some(json!({"frontImage": STANDARD.encode(JPEG)})),
    )
    .await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::BAD_REQUEST,
            error("The document supplied is not recognized!")
        )
    );
    assert!(app.onboarding.images.keys().is_empty());
}

#[tokio::test]
async fn over_30_mb_of_images_is_the_published_plain_413_before_decoding() {
    let app = app();
    let huge = "A".repeat(30 * 1024 * 1024 + 1);
    for path in ["/api/document-authentication", "/api/face-authentication"] {
        let response = handle(
            &app,
            request("POST", path, Some(KEY), Some(json!({"frontImage": huge}))),
            NOW,
        )
        .await;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/plain");
        assert!(matches!(response.body(), Body::Text(t) if t == "Request Entity Too Large"));
    }
    assert!(app.onboarding.reader.asked().is_empty());
}

#[tokio::test]
async fn a_face_match_answers_the_score_and_refusals_are_byte_exact() {
    let app = app();
    app.onboarding.reader.answer_fields(&passport_fields());
    let (_, created) = call(
        &app,
        "POST",
        "/api/document-authentication",
        Some(json!({"frontImage": STANDARD.encode(JPEG)})),
    )
    .await;
    let id = created["documentIdentificationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let face = STANDARD.encode(JPEG);
    let (status, body) = call(
        &app,
        "POST",
        "/api/face-authentication",
        Some(json!({"faceImage": face, "documentIdentificationId": id})),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"score": 0.99})));

    for (body, expected) in [
        (
            json!({"faceImage": face, "documentIdentificationId": "nope"}),
            "There is no document identification data with the provided id!",
        ),
        (
            json!({"faceImage": STANDARD.encode(TEXT_AS_PNG), "documentIdentificationId": id}),
            "invalid base64 front image provided",
        ),
        (
            json!({"faceImage": [face, face], "documentIdentificationId": id}),
            "only one face image is accepted!",
        ),
        (
            json!({"faceImage": "https://img.example/missing.png", "documentIdentificationId": id}),
            "invalid face image provided",
        ),
    ] {
        let (status, answer) = call(&app, "POST", "/api/face-authentication", Some(body)).await;
        assert_eq!((status, answer), (StatusCode::BAD_REQUEST, error(expected)));
    }
    app.onboarding
        .matcher
        .answer(Ok(crate::ports::FaceComparison::NoMatch));
    let (status, answer) = call(
        &app,
        "POST",
        "/api/face-authentication",
        Some(json!({"faceImage": face, "documentIdentificationId": id})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer, error(crate::messages::FACES_DO_NOT_MATCH));
}

#[tokio::test]
async fn reads_show_presigned_urls_for_stored_images_and_stored_uris_as_they_are() {
    let app = app();
    app.onboarding.reader.answer_fields(&passport_fields());
    let (_, created) = call(
        &app,
        "POST",
        "/api/document-authentication",
        Some(json!({"frontImage": STANDARD.encode(JPEG)})),
    )
    .await;
    let id = created["documentIdentificationId"]
        .as_str()
        .unwrap()
        .to_owned();
    // doc-1, registered by an operator, keeps its s3:// URIs.
    for (document, email, phone) in [
        (id.as_str(), "ann@example.com", "+14155550123"),
        ("doc-1", "bob@example.com", "+14155550124"),
    ] {
        let (status, body) = call(
            &app,
            "POST",
            "/api/kyc-request",
            Some(
                json!({"email": email, "phoneNumber": phone, "documentIdentificationId": document}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (_, listed) = call(&app, "GET", "/api/requests", None).await;
    let front_of = |document: &str| {
        listed["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["documentIdentificationId"] == document)
            .map(|r| r["idFrontImage"].clone())
            .unwrap()
    };
    assert_eq!(
        front_of(&id),
        format!("memory://tenants/acme/documents/{id}/front.jpg?expires-in=300")
    );
    assert_eq!(front_of("doc-1"), "s3://ekyc-demo-captures/jane/front.jpg");
}
