//! The onboarding steps end to end: the handler with the real S3, Textract and Rekognition SDK
//! clients, against moto's S3 and the recording stand-in of `scripts/vision_sim.py`, then the
//! request for the new document and its review.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::*;

const FRONT: &[u8] = include_bytes!("../../events/document-front.jpg");
const SELFIE: &[u8] = include_bytes!("../../events/selfie.jpg");
const TEXT_AS_PNG: &[u8] = include_bytes!("../fixtures/images/not-an-image.png");

fn vision() -> String {
    std::env::var("VISION_URL").expect("VISION_URL: run with `make test`")
}

async fn vision_json(method: &str, path: &str, body: Option<Value>) -> Value {
    let client = reqwest_like(method, &format!("{}{path}", vision()), body).await;
    serde_json::from_str(&client).unwrap_or(Value::Null)
}

/// A plain HTTP call to the stand-in's control and record endpoints.
async fn reqwest_like(method: &str, url: &str, body: Option<Value>) -> String {
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = lambda_http::http::Request::builder()
        .method(method)
        .uri(url)
        .body(Full::new(bytes::Bytes::from(
            body.map(|b| b.to_string()).unwrap_or_default(),
        )))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
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

#[tokio::test]
async fn a_document_and_a_face_go_through_textract_and_rekognition_and_reach_the_review() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;

    let response = handle(
        &app,
        post(
            &t.key,
            "/api/document-authentication",
            json!({"frontImage": format!("data:image/jpeg;base64,{}", STANDARD.encode(FRONT))}),
        ),
    )
    .await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    let body = body_json(&response);
    let document = body["documentIdentificationId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(body["idInformation"]["documentNumber"], "X123456789");
    assert_eq!(body["idInformation"]["nationality_iso3"], "USA");

    // Textract was asked once, for the stored front, from the tenant's prefix.
    let prefix = format!("tenants/{}/", t.tenant);
    let asked = vision_json("GET", &format!("/requests?prefix={prefix}"), None).await;
    let asked = asked["requests"].as_array().unwrap().clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["operation"], "AnalyzeID");
    assert_eq!(
        asked[0]["objects"],
        json!([format!("{prefix}documents/{document}/front.jpg")])
    );

    let response = handle(
        &app,
        post(
            &t.key,
            "/api/face-authentication",
            json!({"faceImage": STANDARD.encode(SELFIE), "documentIdentificationId": document}),
        ),
    )
    .await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert_eq!(body_json(&response), json!({"score": 0.9912}));

    let (email, phone) = unique_contact();
    let body = json!({"email": email, "phoneNumber": phone, "documentIdentificationId": document});
    let response = handle(&app, post_create(&t.key, &body.to_string())).await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    let id = body_json(&response)["id"].as_str().unwrap().to_owned();

    let response = handle(
        &app,
        request(
            "GET",
            &format!("/api/requests/{id}"),
            Some(&t.key),
            None,
            "",
        ),
    )
    .await;
    let read = &body_json(&response)["requests"][0];
    assert_eq!(read["faceMatch"], 0.9912);
    assert_eq!(read["idInformation"]["lastName"], "DOE");
    let url = read["idFrontImage"].as_str().unwrap();
    assert!(
        url.contains(&format!("{prefix}documents/{document}/front.jpg")),
        "{url}"
    );
    assert!(url.contains("X-Amz-Signature="), "a presigned URL: {url}");
    // The presigned URL reads the stored image from the bucket.
    assert_eq!(
        reqwest_like("GET", url, None).await.len(),
        String::from_utf8_lossy(FRONT).len()
    );
}

#[tokio::test]
async fn the_stand_in_switches_give_the_published_refusals() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let prefix = format!("tenants/{}/", t.tenant);
    let front = json!({"frontImage": STANDARD.encode(FRONT)});

    vision_json(
        "POST",
        "/control",
        Some(json!({"prefix": prefix, "behaviour": "not-an-id", "times": 1})),
    )
    .await;
    let response = handle(
        &app,
        post(&t.key, "/api/document-authentication", front.clone()),
    )
    .await;
    assert_eq!(
        (response.status().as_u16(), body_json(&response)),
        (
            400,
            json!({"error": "The document supplied is not recognized!"})
        )
    );

    let response = handle(
        &app,
        post(&t.key, "/api/document-authentication", front.clone()),
    )
    .await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    let document = body_json(&response)["documentIdentificationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let face = json!({"faceImage": STANDARD.encode(SELFIE), "documentIdentificationId": document});

    for (behaviour, expected) in [
        ("no-match", ekyc::messages::FACES_DO_NOT_MATCH),
        ("no-face", ekyc::messages::NO_FACE_IN_IMAGE),
    ] {
        vision_json(
            "POST",
            "/control",
            Some(json!({"prefix": format!("{prefix}documents/{document}/face"), "behaviour": behaviour})),
        )
        .await;
        let response = handle(&app, post(&t.key, "/api/face-authentication", face.clone())).await;
        assert_eq!(
            (response.status().as_u16(), body_json(&response)),
            (400, json!({"error": expected})),
            "{behaviour}"
        );
        vision_json(
            "DELETE",
            &format!("/control?prefix={prefix}documents/{document}/face"),
            None,
        )
        .await;
    }

    // Throttled once: the SDK's retry gets the answer.
    vision_json("POST", "/control", Some(json!({"prefix": prefix, "behaviour": "throttle", "times": 1, "operations": ["CompareFaces"]}))).await;
    let response = handle(&app, post(&t.key, "/api/face-authentication", face.clone())).await;
    assert_eq!(response.status(), 200, "{}", text(&response));

    // Another tenant's document is not found.
    let other = Tenant::new().await;
    let response = handle(&app, post(&other.key, "/api/face-authentication", face)).await;
    assert_eq!(
        (response.status().as_u16(), body_json(&response)),
        (
            400,
            json!({"error": "There is no document identification data with the provided id!"})
        )
    );

    // Text named .png never reaches the stand-in.
    let response = handle(
        &app,
        post(
            &t.key,
            "/api/document-authentication",
            json!({"frontImage": STANDARD.encode(TEXT_AS_PNG)}),
        ),
    )
    .await;
    assert_eq!(
        body_json(&response),
        json!({"error": "invalid base64 front image provided"})
    );
}
