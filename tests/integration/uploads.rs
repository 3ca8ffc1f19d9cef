//! Large images through a presigned S3 POST, against moto's S3: the API hands out a form, the
//! client posts the image straight to the bucket, and the document route takes the reference.

use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

use crate::support::*;

const FRONT: &[u8] = include_bytes!("../../events/document-front.jpg");

/// Posts the form's fields, then the file, as `multipart/form-data` (what a browser does).
async fn post_form(form: &Value, file: &[u8]) -> (u16, String) {
    let boundary = "ekyc-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in form["fields"].as_object().unwrap() {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{}\r\n",
                value.as_str().unwrap()
            )
            .bytes(),
        );
    }
    let content_type = form["fields"]["Content-Type"].as_str().unwrap();
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"front.jpg\"\r\nContent-Type: {content_type}\r\n\r\n").bytes());
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    let client: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = lambda_http::http::Request::builder()
        .method("POST")
        .uri(form["url"].as_str().unwrap())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Full::new(bytes::Bytes::from(body)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn an_image_posted_to_the_presigned_form_authenticates_a_document_by_its_reference() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;

    let response = handle(
        &app,
        request("POST", "/api/uploads", Some(&t.key), None, ""),
    )
    .await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    let form = body_json(&response);
    let reference = form["ref"].as_str().unwrap().to_owned();
    let key = format!("tenants/{}/uploads/{reference}", t.tenant);
    assert_eq!(form["fields"]["key"], key.as_str());
    assert!(form["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/{}", image_bucket())));

    let (status, said) = post_form(&form, FRONT).await;
    assert!((200..300).contains(&status), "{status}: {said}");
    assert_eq!(image_keys_under(&key).await, vec![key.clone()]);

    // Another tenant cannot use the reference: it names no object of theirs.
    let other = Tenant::new().await;
    let body = json!({"frontImage": {"s3ref": reference}}).to_string();
    let foreign = handle(
        &app,
        request(
            "POST",
            "/api/document-authentication",
            Some(&other.key),
            Some("application/json"),
            &body,
        ),
    )
    .await;
    assert_eq!(
        (foreign.status().as_u16(), text(&foreign)),
        (
            400,
            r#"{"error": "invalid document (front, side, back) image provided"}"#.to_owned()
        )
    );

    let response = handle(
        &app,
        request(
            "POST",
            "/api/document-authentication",
            Some(&t.key),
            Some("application/json"),
            &body,
        ),
    )
    .await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    let created = body_json(&response);
    assert_eq!(created["idInformation"]["documentNumber"], "X123456789");
    let document = created["documentIdentificationId"].as_str().unwrap();
    // The upload moved under the document; Textract read it there.
    assert!(image_keys_under(&key).await.is_empty());
    assert_eq!(
        image_keys_under(&format!("tenants/{}/documents/{document}/", t.tenant)).await,
        vec![format!(
            "tenants/{}/documents/{document}/front.jpg",
            t.tenant
        )]
    );
}
