//! `POST /api/kyc-request` end to end.

use std::time::Duration;

use ekyc::domain::{Email, PhoneNumber, RequestId};
use ekyc::ports::RequestStore;
use futures::future::join_all;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_valid_request_is_201_emails_an_otp_and_the_dialer_places_the_call() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (email, phone) = unique_contact();
    let typed_email = email
        .to_uppercase()
        .replacen("@EXAMPLE.COM", "@Example.com", 1);

    let response = handle(
        &app,
        post_create(&t.key, &t.create_body(&typed_email, &phone)),
    )
    .await;

    assert_eq!(response.status(), 201, "{}", text(&response));
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = body_json(&response);
    assert_eq!(body["message"], "Request submitted");
    assert_eq!(body["status"], "pending");
    let id = body["id"].as_str().unwrap().to_owned();
    assert!(text(&response).starts_with(r#"{"message": "Request submitted", "id": ""#));

    // The request and its OTP are stored; the OTP only as the HMAC of the emailed code.
    let items = request_items(&t.tenant, &id).await;
    let request = &items["REQ"];
    assert_eq!(request["status"].as_s().unwrap(), "pending");
    assert_eq!(request["phoneNumber"].as_s().unwrap(), &phone);
    assert_eq!(
        request["email"].as_s().unwrap(),
        &typed_email,
        "the address is kept as typed"
    );
    let otp = &items["OTP"];
    let stored = ekyc::domain::OtpHash::from_stored(otp["otpHash"].as_s().unwrap().clone());
    let expires: u64 = otp["expiresAt"].as_n().unwrap().parse().unwrap();
    let now = ekyc::unix_now();
    assert!(
        (now + 590..=now + 600).contains(&expires),
        "expires in 10 minutes"
    );
    assert_eq!(otp["ttl"].as_n().unwrap(), otp["expiresAt"].as_n().unwrap());

    let mails = sent_mail_to(&typed_email).await;
    assert_eq!(mails.len(), 1, "exactly one mail to the address as typed");
    let code = code_in(&mails[0]);
    let request_id = RequestId::parse(&id).unwrap();
    assert!(
        hasher().verify(&request_id, &code, &stored),
        "the emailed code matches the stored hash"
    );
    assert!(!items
        .values()
        .flat_map(|i| i.values())
        .any(|v| v.as_s().is_ok_and(|s| s.contains(&code))));

    // The call is scheduled, not placed inside the request; the dialer places it: one call, to
    // the E.164 number, through the configured flow, idempotent on the request id.
    assert!(calls_received(&connect).await.is_empty());
    assert!(request["callScheduledAt"].as_n().is_ok());
    assert_eq!(dial(&app, &connect).await, 1);
    assert_eq!(dial(&app, &connect).await, 0, "the message is gone");
    let calls = calls_received(&connect).await;
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call["DestinationPhoneNumber"], phone.as_str());
    assert_eq!(call["InstanceId"], INSTANCE_ID);
    assert_eq!(call["ContactFlowId"], FLOW_ID);
    assert_eq!(call["SourcePhoneNumber"], SOURCE_NUMBER);
    assert_eq!(call["ClientToken"], id.as_str());
    assert_eq!(
        call["Attributes"],
        json!({"requestId": id, "tenantId": t.tenant.as_str()})
    );
    let items = request_items(&t.tenant, &id).await;
    assert_eq!(items["REQ"]["callContactId"].as_s().unwrap(), "contact-1");
    assert_eq!(items["REQ"]["callsPlaced"].as_n().unwrap(), "1");
}

#[tokio::test]
async fn missing_unknown_and_revoked_keys_are_401_before_anything_else() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app_with(&connect.uri(), None, Duration::ZERO).await;
    let (email, phone) = unique_contact();
    let body = t.create_body(&email, &phone);

    let cases = [
        request(
            "POST",
            "/api/kyc-request",
            None,
            Some("application/json"),
            &body,
        ),
        request(
            "POST",
            "/api/kyc-request",
            Some(""),
            Some("application/json"),
            &body,
        ),
        request(
            "POST",
            "/api/kyc-request",
            Some("ekyc_not-a-key"),
            Some("application/json"),
            &body,
        ),
        // Even a request that is wrong in every other way gets 401 first.
        request(
            "GET",
            "/api/nowhere",
            Some("ekyc_not-a-key"),
            Some("text/plain"),
            "{",
        ),
    ];
    for case in cases {
        let response = handle(&app, case).await;
        assert_eq!(response.status(), 401);
        assert_eq!(text(&response), r#"{"error": "invalid api key"}"#);
    }

    let store = store().await;
    assert!(store
        .revoke_api_key(&t.tenant, &t.key_id, ekyc::unix_now())
        .await
        .unwrap());
    let response = handle(&app, post_create(&t.key, &body)).await;
    assert_eq!(response.status(), 401);
    assert_eq!(text(&response), r#"{"error": "invalid api key"}"#);
    assert_eq!(stored_requests(&t.tenant).await, 0);
    assert!(calls_received(&connect).await.is_empty());
}

#[tokio::test]
async fn a_revoked_key_keeps_working_only_until_the_cache_expires() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app_with(&connect.uri(), None, Duration::from_secs(2)).await;
    // An unknown route answers 404 once the key is accepted, 401 when it is not.
    let probe = || request("GET", "/api/probe", Some(&t.key), None, "");

    assert_eq!(handle(&app, probe()).await.status(), 404);
    store()
        .await
        .revoke_api_key(&t.tenant, &t.key_id, ekyc::unix_now())
        .await
        .unwrap();
    assert_eq!(handle(&app, probe()).await.status(), 404, "still cached");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(handle(&app, probe()).await.status(), 401, "cache expired");
}

#[tokio::test]
async fn a_taken_email_or_phone_is_409_naming_the_field() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (email, phone) = unique_contact();
    let first = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(first.status(), 201);

    let (other_email, other_phone) = unique_contact();
    let other_phone = if other_phone == phone {
        phone_after(&phone)
    } else {
        other_phone
    };
    for (email, phone, fields) in [
        (email.to_uppercase(), other_phone.clone(), json!(["email"])),
        (
            other_email.clone(),
            phone.replacen("+1", "+1 ", 1),
            json!(["phoneNumber"]),
        ),
        (
            format!(" {email} "),
            phone.clone(),
            json!(["email", "phoneNumber"]),
        ),
    ] {
        let response = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
        assert_eq!(response.status(), 409);
        let body = body_json(&response);
        assert_eq!(body["error"], "(email, phone) already taken");
        assert_eq!(body["fields"], fields);
        assert!(text(&response).starts_with(r#"{"error": "(email, phone) already taken""#));
    }
    // Refused attempts left nothing behind: the other email and phone are still free.
    let holders = store()
        .await
        .reservation_holders(
            &t.tenant,
            &Email::parse(&other_email).unwrap().uniqueness_key(),
            &PhoneNumber::parse(&other_phone).unwrap().uniqueness_key(),
        )
        .await
        .unwrap();
    assert_eq!(holders, (None, None));
    assert_eq!(dial(&app, &connect).await, 1, "one call scheduled");
    assert_eq!(
        calls_received(&connect).await.len(),
        1,
        "no call for refused requests"
    );
}

fn phone_after(phone: &str) -> String {
    let last: u32 = phone[phone.len() - 4..].parse().unwrap();
    crate::support::phone(last + 1)
}

#[tokio::test]
async fn uniqueness_is_per_tenant() {
    let a = Tenant::new().await;
    let b = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (email, phone) = unique_contact();
    let first = handle(&app, post_create(&a.key, &a.create_body(&email, &phone))).await;
    assert_eq!(first.status(), 201);
    let second = handle(&app, post_create(&b.key, &b.create_body(&email, &phone))).await;
    assert_eq!(second.status(), 201, "{}", text(&second));
}

#[tokio::test]
async fn an_unknown_or_foreign_document_is_400_with_the_published_error() {
    let t = Tenant::new().await;
    let other = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    for document_id in ["01NOSUCHDOCUMENT0000000000", other.document_id.as_str()] {
        let (email, phone) = unique_contact();
        let body =
            json!({"email": email, "phoneNumber": phone, "documentIdentificationId": document_id});
        let response = handle(&app, post_create(&t.key, &body.to_string())).await;
        assert_eq!(response.status(), 400);
        assert_eq!(
            text(&response),
            r#"{"error": "There is no document identification data with the provided id!"}"#
        );
        // Nothing was reserved.
        let holders = store()
            .await
            .reservation_holders(
                &t.tenant,
                &Email::parse(&email).unwrap().uniqueness_key(),
                &PhoneNumber::parse(&phone).unwrap().uniqueness_key(),
            )
            .await
            .unwrap();
        assert_eq!(holders, (None, None));
    }
    assert!(calls_received(&connect).await.is_empty());
}

#[tokio::test]
async fn bad_input_is_a_4xx_naming_the_problem_and_never_reaches_the_store() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let doc = t.document_id.as_str();
    let json = Some("application/json");
    let big = format!(
        r#"{{"email": "a@example.com", "pad": "{}"}}"#,
        "x".repeat(17 * 1024)
    );
    // (method, path, content type, body, status, what the error must mention)
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, String, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("POST", "/api/kyc-request", json, "{not json".into(), 400, "not valid JSON"),
        ("POST", "/api/kyc-request", json, "".into(), 400, "must be a JSON object"),
        ("POST", "/api/kyc-request", json, "[1, 2]".into(), 400, "must be a JSON object"),
        ("POST", "/api/kyc-request", json, "\"text\"".into(), 400, "must be a JSON object"),
        ("POST", "/api/kyc-request", json, "{\"email\": ".into(), 400, "not valid JSON"),
        ("POST", "/api/kyc-request", json, format!(r#"{{"phoneNumber": "+14155550123", "documentIdentificationId": "{doc}"}}"#), 400, "email is required"),
        ("POST", "/api/kyc-request", json, format!(r#"{{"email": "a@example.com", "documentIdentificationId": "{doc}"}}"#), 400, "phoneNumber is required"),
        ("POST", "/api/kyc-request", json, r#"{"email": "a@example.com", "phoneNumber": "+14155550123"}"#.into(), 400, "documentIdentificationId is required"),
        ("POST", "/api/kyc-request", json, format!(r#"{{"email": 42, "phoneNumber": "+14155550123", "documentIdentificationId": "{doc}"}}"#), 400, "email must be a string"),
        ("POST", "/api/kyc-request", json, format!(r#"{{"email": "a@example.com", "phoneNumber": 14155550123, "documentIdentificationId": "{doc}"}}"#), 400, "phoneNumber must be a string"),
        ("POST", "/api/kyc-request", json, format!(r#"{{"email": "not-an-email", "phoneNumber": "+14155550123", "documentIdentificationId": "{doc}"}}"#), 400, "email is not a valid address"),
        ("POST", "/api/kyc-request", json, format!(r#"{{"email": "a@example.com", "phoneNumber": "4155550123", "documentIdentificationId": "{doc}"}}"#), 400, "must include the country code"),
        ("POST", "/api/kyc-request", json, format!(r#"{{"email": "a@example.com", "phoneNumber": "+1 415", "documentIdentificationId": "{doc}"}}"#), 400, "phoneNumber is not a valid number"),
        ("POST", "/api/kyc-request", json, r#"{"email": "a@example.com", "phoneNumber": "+14155550123", "documentIdentificationId": "a#b"}"#.into(), 400, "documentIdentificationId may contain only"),
        ("POST", "/api/kyc-request", json, format!(r#"{{"email": "a@example.com", "phoneNumber": "+14155550123", "documentIdentificationId": "{doc}"}} trailing"#), 400, "not valid JSON"),
        ("POST", "/api/kyc-request", json, big, 413, "at most 16384 bytes"),
        ("POST", "/api/kyc-request", Some("text/plain"), "{}".into(), 415, "application/json"),
        ("POST", "/api/kyc-request", None, "{}".into(), 415, "application/json"),
        ("POST", "/api/unknown", json, "{}".into(), 404, "no route /api/unknown"),
        ("GET", "/api/kyc-request", None, "".into(), 405, "use POST"),
        ("DELETE", "/api/kyc-request", json, "{}".into(), 405, "use POST"),
    ];
    for (method, path, content_type, body, status, message) in cases {
        let response = handle(
            &app,
            request(method, path, Some(&t.key), content_type, &body),
        )
        .await;
        assert_eq!(
            response.status(),
            status,
            "{method} {path} {body:.80}: {}",
            text(&response)
        );
        let error = body_json(&response)["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            error.contains(message),
            "{body:.80}: {error:?} should mention {message:?}"
        );
    }
    assert_eq!(
        stored_requests(&t.tenant).await,
        0,
        "no bad input reached the store"
    );
    assert!(calls_received(&connect).await.is_empty());
}

#[tokio::test]
async fn charset_parameters_and_a_trailing_slash_are_accepted() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (email, phone) = unique_contact();
    let response = handle(
        &app,
        request(
            "POST",
            "/api/kyc-request/",
            Some(&t.key),
            Some("Application/JSON; charset=utf-8"),
            &t.create_body(&email, &phone),
        ),
    )
    .await;
    assert_eq!(response.status(), 201, "{}", text(&response));
}

/// Whether the email and phone of a failed create are free again, and nothing of the request
/// is left.
async fn assert_released(t: &Tenant, email: &str, phone: &str) {
    let holders = store()
        .await
        .reservation_holders(
            &t.tenant,
            &Email::parse(email).unwrap().uniqueness_key(),
            &PhoneNumber::parse(phone).unwrap().uniqueness_key(),
        )
        .await
        .unwrap();
    assert_eq!(holders, (None, None), "reservations were released");
}

#[tokio::test]
async fn when_the_call_cannot_be_queued_the_answer_is_502_nothing_is_kept_and_a_retry_succeeds() {
    let t = Tenant::new().await;
    let down = failing_sqs().await;
    let app = Tenant::app_with_sqs(&down.uri()).await;
    let (email, phone) = unique_contact();

    let response = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(response.status(), 502);
    let error = body_json(&response)["error"].as_str().unwrap().to_owned();
    assert!(error.contains("not submitted"), "{error}");
    assert!(
        down.received_requests().await.unwrap().len() >= 2,
        "the SDK retried the send"
    );
    assert_released(&t, &email, &phone).await;
    assert_eq!(stored_requests(&t.tenant).await, 0, "nothing is kept");

    let up = connect_stand_in(200).await;
    let app = Tenant::app(&up).await;
    let retry = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(retry.status(), 201, "{}", text(&retry));
    assert_eq!(dial(&app, &up).await, 1);
    assert_eq!(calls_received(&up).await.len(), 1);
}

#[tokio::test]
async fn when_ses_fails_the_answer_is_502_and_the_reservations_are_released() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let ses_down = failing_ses().await;
    let app = Tenant::app_with(
        &connect.uri(),
        Some(&ses_down.uri()),
        Duration::from_secs(60),
    )
    .await;
    let (email, phone) = unique_contact();

    let response = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(response.status(), 502);
    assert!(body_json(&response)["error"]
        .as_str()
        .unwrap()
        .contains("not submitted"));
    assert_released(&t, &email, &phone).await;
    assert!(sent_mail_to(&email).await.is_empty());

    let app = Tenant::app(&connect).await;
    let retry = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(retry.status(), 201, "{}", text(&retry));
}

/// A service that accepts the connection and never answers: the client time-outs end the
/// wait, the request is withdrawn, and the 502 comes inside the API function's 29 s (with the
/// tests' looser time-outs, `TEST_SDK`; the functions' own are tighter).
async fn hanging_delivery_is_502_within_the_budget(hang_ses: bool) {
    let t = Tenant::new().await;
    let hanging = hanging_stand_in().await;
    let connect = connect_stand_in(200).await;
    let app = match hang_ses {
        true => {
            Tenant::app_with(
                &connect.uri(),
                Some(&hanging.uri()),
                Duration::from_secs(60),
            )
            .await
        }
        false => Tenant::app_with_sqs(&hanging.uri()).await,
    };
    let (email, phone) = unique_contact();
    let started = std::time::Instant::now();
    let response = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    let took = started.elapsed();
    assert_eq!(response.status(), 502, "{}", text(&response));
    // The API function's time-out; the handler must answer (and release) inside it.
    assert!(took < Duration::from_secs(29), "answered after {took:?}");
    assert!(!hanging.received_requests().await.unwrap().is_empty());
    assert_released(&t, &email, &phone).await;
    assert_eq!(stored_requests(&t.tenant).await, 0, "nothing is kept");
}

#[tokio::test]
async fn an_ses_that_hangs_is_502_within_the_budget_and_nothing_is_kept() {
    hanging_delivery_is_502_within_the_budget(true).await;
}

#[tokio::test]
async fn an_sqs_that_hangs_is_502_within_the_budget_and_nothing_is_kept() {
    hanging_delivery_is_502_within_the_budget(false).await;
}

/// 20 creates at once sharing one field: exactly one wins, the rest are 409 naming that field,
/// and no loser left a reservation of its own unique field behind.
async fn race(shared_email: bool) {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (email, _) = unique_contact();
    let contacts: Vec<(String, String)> = (0..20)
        .map(|i| {
            if shared_email {
                (email.clone(), phone(i))
            } else {
                (format!("racer{i}.{email}"), phone(42))
            }
        })
        .collect();

    let responses = join_all(
        contacts
            .iter()
            .map(|(e, p)| handle(&app, post_create(&t.key, &t.create_body(e, p)))),
    )
    .await;

    let winners: Vec<usize> = (0..20).filter(|i| responses[*i].status() == 201).collect();
    assert_eq!(
        winners.len(),
        1,
        "statuses: {:?}",
        responses
            .iter()
            .map(|r| r.status().as_u16())
            .collect::<Vec<_>>()
    );
    let field = if shared_email { "email" } else { "phoneNumber" };
    for (i, response) in responses.iter().enumerate() {
        if i != winners[0] {
            assert_eq!(response.status(), 409);
            assert_eq!(body_json(response)["fields"], json!([field]));
        }
    }
    let winner_id = body_json(&responses[winners[0]])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let store = store().await;
    for (i, (e, p)) in contacts.iter().enumerate() {
        let (email_holder, phone_holder) = store
            .reservation_holders(
                &t.tenant,
                &Email::parse(e).unwrap().uniqueness_key(),
                &PhoneNumber::parse(p).unwrap().uniqueness_key(),
            )
            .await
            .unwrap();
        let (own, shared) = if shared_email {
            (phone_holder, email_holder)
        } else {
            (email_holder, phone_holder)
        };
        assert_eq!(
            shared.as_deref(),
            Some(winner_id.as_str()),
            "the shared field is held by the winner"
        );
        if i == winners[0] {
            assert_eq!(own.as_deref(), Some(winner_id.as_str()));
        } else {
            assert_eq!(own, None, "loser {i} left a reservation behind");
        }
    }
    assert_eq!(dial(&app, &connect).await, 1, "one call scheduled");
    assert_eq!(
        calls_received(&connect).await.len(),
        1,
        "one call, for the winner"
    );
}

#[tokio::test]
async fn twenty_concurrent_creates_with_one_email_give_one_201() {
    race(true).await;
}

#[tokio::test]
async fn twenty_concurrent_creates_with_one_phone_give_one_201() {
    race(false).await;
}

#[tokio::test]
async fn release_refuses_to_free_a_reservation_held_by_another_request() {
    let t = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    let (email, phone) = unique_contact();
    let response = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(response.status(), 201);

    // A request that never committed, with the same email and phone, must not free them.
    let impostor = ekyc::domain::NewKycRequest {
        id: RequestId::generate(),
        tenant: t.tenant.clone(),
        email: Email::parse(&email).unwrap(),
        phone: PhoneNumber::parse(&phone).unwrap(),
        document_id: t.document_id.clone(),
        otp_hash: ekyc::domain::OtpHash::from_stored("00".into()),
        created_at: 0,
        otp_expires_at: 0,
        max_attempts: 3,
        creates_per_minute: None,
        call_scheduled_at: None,
    };
    // Its own request does not exist: nothing to release, and the reservations stay put.
    store().await.release_request(&impostor).await.unwrap();
    let again = handle(&app, post_create(&t.key, &t.create_body(&email, &phone))).await;
    assert_eq!(again.status(), 409);
}

#[tokio::test]
async fn the_connect_client_reaches_the_stand_in_named_by_aws_endpoint_url_connect() {
    use ekyc::adapters::connect::ConnectDialer;
    use ekyc::ports::Dialer;
    let sdk = sdk_config().await;
    let dialer = ConnectDialer::new(
        aws_sdk_connect::Client::new(&sdk),
        INSTANCE_ID,
        FLOW_ID,
        SOURCE_NUMBER,
    );
    let id = RequestId::generate();
    let tenant = ekyc::domain::TenantId::parse("env-wiring").unwrap();
    let to = PhoneNumber::parse("+442079460958").unwrap();
    let order = ekyc::ports::CallOrder::first(&tenant, &id);
    let first = dialer.place_call(&to, &order).await.unwrap();
    let again = dialer.place_call(&to, &order).await.unwrap();
    assert_eq!(first, again, "the same ClientToken gets the same contact");
    let calls: Vec<_> = recorded_calls()
        .await
        .into_iter()
        .filter(|c| c["Attributes"]["requestId"] == id.to_string())
        .collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["DestinationPhoneNumber"], "+442079460958");
}

#[tokio::test]
async fn the_sample_events_get_their_documented_statuses() {
    // events/*.json use the local demo tenant, key and document that `make run` seeds.
    let store = store().await;
    let (demo_tenant, demo_key, demo_document) = demo();
    let demo = ekyc::domain::TenantId::parse(demo_tenant).unwrap();
    let key = ekyc::domain::ApiKey::from_header(demo_key).unwrap();
    let _ = store
        .put_api_key(&key.hash(), &demo, "demo", ekyc::unix_now())
        .await;
    let document_id = ekyc::domain::DocumentId::parse(demo_document).unwrap();
    let _ = store
        .put_document(&demo, &document_id, &sample_document(), ekyc::unix_now())
        .await;
    let connect = connect_stand_in(200).await;
    let app = Tenant::app(&connect).await;
    // In order: the 409 repeats the 201's email and phone.
    for (file, status) in [
        ("create-201.json", 201),
        ("create-409.json", 409),
        ("create-400-no-document.json", 400),
        ("create-400-phone-without-country-code.json", 400),
        ("create-401.json", 401),
        ("create-415.json", 415),
        ("create-404.json", 404),
        ("create-405.json", 405),
    ] {
        let event =
            std::fs::read_to_string(format!("{}/events/{file}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        assert!(
            event.contains(demo_key) || file == "create-401.json",
            "{file} uses the demo key"
        );
        let request =
            lambda_http::request::from_str(&event).unwrap_or_else(|e| panic!("{file}: {e}"));
        let response = handle(&app, request).await;
        assert_eq!(response.status(), status, "{file}: {}", text(&response));
    }
}
