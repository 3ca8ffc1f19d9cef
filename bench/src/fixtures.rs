//! The bench's data: tenants made with the `admin` tool, and API Gateway events as the API
//! function receives them.

use std::process::Command;

use bytes::Bytes;
use serde_json::{json, Value};

pub const SENDER: &str = "bench@ekyc.example.com";

/// Runs the release `admin` tool against the local stack (the environment of `make bench`)
/// and returns what it printed.
pub fn admin(binary: &str, args: &[&str]) -> String {
    let out = Command::new(binary)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {binary}: {e}"));
    assert!(
        out.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A tenant with an API key and a registered document (events/document.json: last four 6789).
pub struct Tenant {
    pub key: String,
    pub document: String,
}

impl Tenant {
    pub fn new(admin_binary: &str, label: &str) -> Tenant {
        let nonce = format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_micros()
        );
        let id = format!("bench-{label}-{nonce}");
        let key = admin(admin_binary, &["create-key", "--tenant", &id]);
        let document = admin(
            admin_binary,
            &[
                "register-document",
                "--tenant",
                &id,
                "--file",
                "events/document.json",
            ],
        );
        Tenant { key, document }
    }

    /// A create for user `n` of this tenant: a distinct email and phone number per `n`.
    pub fn create(&self, n: u32) -> Bytes {
        let body = json!({
            "email": email(n),
            "phoneNumber": phone(n),
            "documentIdentificationId": self.document,
        });
        api_event(
            "POST",
            "/api/kyc-request",
            "",
            &self.key,
            Some(body.to_string()),
        )
    }
}

pub fn email(n: u32) -> String {
    format!("user{n}@bench.example.com")
}

/// Distinct valid US numbers: 10,000 per area code.
pub fn phone(n: u32) -> String {
    const AREAS: [u32; 6] = [415, 212, 312, 617, 206, 303];
    format!(
        "+1{}555{:04}",
        AREAS[(n / 10_000) as usize % AREAS.len()],
        n % 10_000
    )
}

/// An API Gateway HTTP API (payload 2.0) event, as the API function receives it.
pub fn api_event(method: &str, path: &str, query: &str, key: &str, body: Option<String>) -> Bytes {
    let mut headers = json!({
        "accept": "application/json",
        "host": "api.bench.local",
        "user-agent": "ekyc-bench",
        "x-api-key": key,
    });
    if body.is_some() {
        headers["content-type"] = json!("application/json");
    }
    let event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "bench",
            "domainName": "api.bench.local",
            "domainPrefix": "api",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "ekyc-bench"},
            "requestId": "bench",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2027:00:00:00 +0000",
            "timeEpoch": 1798761600000u64
        },
        "isBase64Encoded": false,
        "body": body,
    });
    Bytes::from(serde_json::to_vec(&event).unwrap())
}

/// The HTTP status and JSON body of an API function's answer.
pub fn api_answer(body: &[u8]) -> (u16, Value) {
    let answer: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let status = answer["statusCode"].as_u64().unwrap_or(0) as u16;
    let body = answer["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, body)
}
