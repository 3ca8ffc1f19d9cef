//! A presigned S3 POST (browser-based upload, Signature Version 4): the policy document that
//! bounds what may be uploaded, and the form fields that carry it signed. The SDK presigns
//! requests (`GetObject`, `PutObject`) but not POST forms, so this builds one, as documented in
//! "Authenticating Requests in Browser-Based Uploads Using POST (AWS Signature Version 4)":
//!
//! - the policy is JSON with an `expiration` and `conditions`; every form field but `file`,
//!   `policy` and `x-amz-signature` must match a condition;
//! - the string to sign is the policy, base64-encoded;
//! - the signature is `hex(HMAC-SHA256(signing key, string to sign))`, with the signing key
//!   derived from the secret key, the date, the region and `s3`.
//!
//! A POST (unlike a presigned PUT) lets S3 itself refuse a body over the size cap
//! (`content-length-range`) and of another type (`Content-Type` is fixed by the policy).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use time::OffsetDateTime;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// What one upload may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostPolicy<'a> {
    pub bucket: &'a str,
    /// The exact object key.
    pub key: &'a str,
    /// The exact `Content-Type` the form must send.
    pub content_type: &'a str,
    /// Bytes, inclusive; the least is 1.
    pub max_bytes: u64,
    /// The object's tags, as S3's `<Tagging>` XML, set by the form (`tagging` field).
    pub tagging: Option<&'a str>,
    /// Unix seconds after which S3 refuses the form.
    pub expires_at: u64,
}

/// The credentials and region that sign the form. The signer's role needs `s3:PutObject` (and
/// `s3:PutObjectTagging` with `tagging`) on the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    /// Temporary credentials' token (a Lambda role's always has one).
    pub session_token: Option<&'a str>,
    pub region: &'a str,
}

impl std::fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({}, {})", self.access_key_id, self.region)
    }
}

/// `YYYYMMDD'T'HHMMSS'Z'` and `YYYYMMDD` of a Unix time, and the policy's ISO 8601 form.
fn stamps(unix: u64) -> (String, String, String) {
    let t = OffsetDateTime::from_unix_timestamp(unix as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    let (h, mi, s) = (t.hour(), t.minute(), t.second());
    let date = format!("{y:04}{mo:02}{d:02}");
    let amz_date = format!("{date}T{h:02}{mi:02}{s:02}Z");
    let iso = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.000Z");
    (amz_date, date, iso)
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// SigV4's signing key: HMAC chained over the date, region, service and `aws4_request`.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The policy document at `now` (its conditions name every field the form sends).
pub fn policy_document(policy: &PostPolicy<'_>, signer: &Signer<'_>, now: u64) -> Value {
    let (amz_date, date, _) = stamps(now);
    let (_, _, expiration) = stamps(policy.expires_at);
    let credential = format!(
        "{}/{date}/{}/s3/aws4_request",
        signer.access_key_id, signer.region
    );
    let mut conditions = vec![
        json!({"bucket": policy.bucket}),
        json!({"key": policy.key}),
        json!({"Content-Type": policy.content_type}),
        json!(["content-length-range", 1, policy.max_bytes]),
    ];
    if let Some(tagging) = policy.tagging {
        conditions.push(json!({"tagging": tagging}));
    }
    conditions.extend([
        json!({"x-amz-algorithm": ALGORITHM}),
        json!({"x-amz-credential": credential}),
        json!({"x-amz-date": amz_date}),
    ]);
    if let Some(token) = signer.session_token {
        conditions.push(json!({"x-amz-security-token": token}));
    }
    json!({"expiration": expiration, "conditions": conditions})
}

/// The form fields of the upload, in the order to send them (then the file, last): each
/// condition's field, the base64 policy and its signature.
pub fn form_fields(
    policy: &PostPolicy<'_>,
    signer: &Signer<'_>,
    now: u64,
) -> Vec<(String, String)> {
    let document = policy_document(policy, signer, now);
    let encoded = STANDARD.encode(document.to_string());
    let (amz_date, date, _) = stamps(now);
    let key = signing_key(signer.secret_access_key, &date, signer.region, "s3");
    let signature = hex::encode(hmac(&key, encoded.as_bytes()));
    let credential = format!(
        "{}/{date}/{}/s3/aws4_request",
        signer.access_key_id, signer.region
    );
    let mut fields = vec![
        ("key".to_owned(), policy.key.to_owned()),
        ("Content-Type".to_owned(), policy.content_type.to_owned()),
    ];
    if let Some(tagging) = policy.tagging {
        fields.push(("tagging".to_owned(), tagging.to_owned()));
    }
    fields.extend([
        ("x-amz-algorithm".to_owned(), ALGORITHM.to_owned()),
        ("x-amz-credential".to_owned(), credential),
        ("x-amz-date".to_owned(), amz_date),
    ]);
    if let Some(token) = signer.session_token {
        fields.push(("x-amz-security-token".to_owned(), token.to_owned()));
    }
    fields.push(("policy".to_owned(), encoded));
    fields.push(("x-amz-signature".to_owned(), signature));
    fields
}

/// S3's `<Tagging>` XML for one tag (keys and values of our own, plain ASCII: no escaping).
pub fn tagging_xml(key: &str, value: &str) -> String {
    format!("<Tagging><TagSet><Tag><Key>{key}</Key><Value>{value}</Value></Tag></TagSet></Tagging>")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNER: Signer<'static> = Signer {
        access_key_id: "AKIAIOSFODNN7EXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        session_token: Some("token-1"),
        region: "us-east-1",
    };

    fn policy() -> PostPolicy<'static> {
        PostPolicy {
            bucket: "ekyc-images",
            key: "uploads/acme/01jd3v6q3w0c9z8y7x6w5v4t3s",
            content_type: "image/jpeg",
            max_bytes: 10 * 1024 * 1024,
            tagging: Some(
                "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>",
            ),
            expires_at: 1_451_347_200 + 600,
        }
    }

    #[test]
    fn the_signing_key_is_the_documented_one() {
        // AWS's SigV4 documentation, "Examples of how to derive a signing key".
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn the_policy_bounds_key_type_size_and_time_and_names_every_field() {
        let now = 1_451_347_200; // 2015-12-29T00:00:00Z
        let document = policy_document(&policy(), &SIGNER, now);
        assert_eq!(document["expiration"], "2015-12-29T00:10:00.000Z");
        let conditions = document["conditions"].as_array().unwrap();
        assert!(conditions.contains(&json!({"key": "uploads/acme/01jd3v6q3w0c9z8y7x6w5v4t3s"})));
        assert!(conditions.contains(&json!({"Content-Type": "image/jpeg"})));
        assert!(conditions.contains(&json!(["content-length-range", 1, 10_485_760])));
        assert!(conditions.contains(&json!({"bucket": "ekyc-images"})));
        assert!(conditions.contains(
            &json!({"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"})
        ));
        assert!(conditions.contains(&json!({"x-amz-date": "20151229T000000Z"})));
        assert!(conditions.contains(&json!({"x-amz-security-token": "token-1"})));
        // Every field sent but the policy and the signature is bound by a condition.
        let fields = form_fields(&policy(), &SIGNER, now);
        for (name, value) in &fields {
            if name == "policy" || name == "x-amz-signature" {
                continue;
            }
            let bound = conditions
                .iter()
                .any(|c| c.get(name) == Some(&json!(value)));
            assert!(bound, "{name} is not in the policy");
        }
    }

    #[test]
    fn the_signature_is_the_hmac_of_the_encoded_policy_with_the_days_key() {
        let now = 1_451_347_200;
        let fields = form_fields(&policy(), &SIGNER, now);
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let decoded = STANDARD.decode(get("policy")).unwrap();
        let document: Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(document, policy_document(&policy(), &SIGNER, now));
        let key = signing_key(SIGNER.secret_access_key, "20151229", "us-east-1", "s3");
        assert_eq!(
            get("x-amz-signature"),
            hex::encode(hmac(&key, get("policy").as_bytes()))
        );
        assert_eq!(get("x-amz-algorithm"), "AWS4-HMAC-SHA256");
        assert_eq!(fields.last().unwrap().0, "x-amz-signature");
        // Another day, another key: the same policy signs differently.
        let tomorrow = form_fields(&policy(), &SIGNER, now + 86_400);
        assert_ne!(tomorrow.last(), fields.last());
    }

    #[test]
    fn without_a_session_token_none_is_sent_or_bound() {
        let signer = Signer {
            session_token: None,
            ..SIGNER
        };
        let fields = form_fields(&policy(), &signer, 1_451_347_200);
        assert!(fields.iter().all(|(n, _)| n != "x-amz-security-token"));
        assert!(!format!("{signer:?}").contains("EXAMPLEKEY"));
    }
}
