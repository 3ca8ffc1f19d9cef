//! Issue 11 §7, hostile input: property tests over the HTTP edge (`handle`, with the in-memory
//! adapters) and the parsers behind it, and the committed corpus of nasty cases in
//! `tests/fixtures/hostile/` replayed as is.
//!
//! The property, for any method, path, query, headers and body: no panic, no 5xx, and every
//! 4xx a JSON `{"error": "..."}` (two published exceptions: `PUT /api/accept`'s
//! `{"message": "Kyc request not accepted"}` and the image routes' plain-text 413).
//!
//! `make test` runs `PROPTEST_CASES` (default 256) cases per property from a fixed seed, so a
//! run is repeatable; `make fuzz` runs many more from a random seed (`HOSTILE_RANDOM=1`). A
//! failure prints the smallest input found: add it to the corpus when fixing it.

use std::sync::OnceLock;

use lambda_http::http::{header, HeaderName, HeaderValue};
use lambda_http::{Body, Request, Response};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{json, Value};

use super::{app, handle, KEY, NOW};
use crate::adapters::memory::InMemory;
use crate::http::App;

/// One request as a hostile client may send it.
#[derive(Debug, Clone)]
struct Sent {
    method: &'static str,
    /// Path and query, already a valid URI reference (API Gateway delivers nothing else).
    target: String,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Option<Vec<u8>>,
}

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

/// The routes that read a JSON body.
const JSON_ROUTES: [(&str, &str); 5] = [
    ("POST", "/api/kyc-request"),
    ("PUT", "/api/accept"),
    ("DELETE", "/api/delete-request"),
    ("POST", "/api/document-authentication"),
    ("POST", "/api/face-authentication"),
];

fn is_image_route(path: &str) -> bool {
    path.starts_with("/api/document-authentication") || path.starts_with("/api/face-authentication")
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

/// The request as the Lambda runtime would hand it over; `None` when no HTTP front end could
/// deliver it, which is not a case.
fn build(sent: &Sent) -> Option<Request> {
    let mut builder = lambda_http::http::Request::builder()
        .method(sent.method)
        .uri(format!("https://api.example.com{}", sent.target));
    // A value `http` refuses (control bytes) never reaches a function: the header is dropped.
    for (name, value) in &sent.headers {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            builder = builder.header(HeaderName::from_static(name), value);
        }
    }
    let body = match &sent.body {
        None => Body::Empty,
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => Body::Text(text.to_owned()),
            Err(_) => Body::Binary(bytes.clone()),
        },
    };
    builder.body(body).ok()
}

fn body_text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Body::Empty => String::new(),
        _ => String::new(),
    }
}

/// Sends `sent` and checks the property.
fn check(app: &App<InMemory>, sent: &Sent) -> Result<(), TestCaseError> {
    let Some(request) = build(sent) else {
        return Ok(());
    };
    let path = sent.target.split('?').next().unwrap_or_default();
    let response = runtime().block_on(handle(app, request, NOW));
    let status = response.status().as_u16();
    let text = body_text(&response);
    prop_assert!(status < 500, "{status} for {sent:?}: {text}");
    if !(400..500).contains(&status) {
        return Ok(());
    }
    if status == 413 && is_image_route(path) {
        prop_assert_eq!(text.as_str(), crate::messages::ENTITY_TOO_LARGE);
        return Ok(());
    }
    let content_type = response.headers().get(header::CONTENT_TYPE);
    prop_assert_eq!(
        content_type.and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{} for {:?}",
        status,
        sent
    );
    let body: Value = serde_json::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("{status} not JSON ({e}): {text}")))?;
    let published_refusal = sent.method == "PUT"
        && status == 400
        && body == json!({"message": "Kyc request not accepted"});
    prop_assert!(
        published_refusal || body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{} without an error for {:?}: {}",
        status,
        sent,
        text
    );
    Ok(())
}

/// Runs `property` over `strategy`: from a fixed seed unless `HOSTILE_RANDOM` is set (`make
/// fuzz`); `PROPTEST_CASES` sets the number of cases.
fn run<S: Strategy>(strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = match std::env::var_os("HOSTILE_RANDOM") {
        Some(_) => TestRunner::new(config),
        None => TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha)),
    };
    if let Err(failure) = runner.run(&strategy, property) {
        panic!("{failure}");
    }
}

// ---- strategies ------------------------------------------------------------------------------

/// Characters that look like others, or are invisible, or turn text around.
fn look_alike() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        'а',
        'е',
        'о',
        'р',
        'с',
        'х',
        'і',
        'ӏ',
        'ɑ',
        '＠',
        '．',
        '｡',
        '\u{200B}',
        '\u{200D}',
        '\u{202E}',
        '\u{FEFF}',
        '\u{0301}',
        'ß',
        'ﬁ',
        '\u{212A}',
        'İ',
        'ı',
        '\u{0}',
        '\u{7F}',
        '"',
        '\\',
        '\n',
        '\u{1F600}',
        '\u{FFFD}',
    ])
}

/// `s` with `c` put in at about `at` (on a character boundary).
fn splice(mut s: String, c: char, at: usize) -> String {
    let mut i = at % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    s.insert(i, c);
    s
}

fn email() -> impl Strategy<Value = String> {
    let plain = "[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,15}\\.[a-z]{2,6}";
    prop_oneof![
        3 => (plain, look_alike(), any::<usize>()).prop_map(|(s, c, at)| splice(s, c, at)),
        2 => plain.prop_map(String::from),
        1 => "[^@]{0,40}@{0,3}[^@]{0,40}",
        1 => any::<String>(),
        1 => (1usize..12_000).prop_map(|n| format!("{}@example.com", "a".repeat(n))),
        1 => "\\PC{0,10}@\\PC{0,10}\\.\\PC{0,5}",
    ]
}

fn phone() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "\\+[0-9]{1,24}",
        2 => "\\+1415555[0-9a-zA-Z]{4}",
        2 => "[+0-9 ()\\-.#*xX,;ext=]{0,40}",
        1 => "\\+[٠-٩۰-۹０-９0-9]{4,16}",
        1 => "\\+?[0-9]{0,5}[^0-9]{1,5}[0-9]{0,12}",
        1 => (1usize..12_000).prop_map(|n| format!("+1{}", "5".repeat(n))),
        1 => any::<String>(),
    ]
}

fn id_like() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z0-9_-]{1,90}",
        1 => "[0-9A-HJKMNP-TV-Z]{26}",
        1 => any::<String>(),
        1 => (1usize..12_000).prop_map(|n| "x".repeat(n)),
        1 => Just("doc-1".to_owned()),
    ]
}

/// A field's value: mostly a string from `text`, sometimes every other JSON type.
fn field(text: impl Strategy<Value = String>) -> impl Strategy<Value = Value> {
    prop_oneof![
        16 => text.prop_map(Value::String),
        1 => Just(Value::Null),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        1 => Just(Value::Bool(false)),
        1 => Just(json!([])),
        1 => Just(json!(["a@example.com", "b@example.com"])),
        1 => Just(json!({"url": "https://example.com/a.png", "base64": "AAAA"})),
        1 => Just(json!({})),
    ]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,30}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object written out by hand, so keys can repeat: `{"k": v, "k": w}`.
fn object_text(pairs: Vec<(String, Value)>) -> String {
    let pairs: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}: {v}", Value::String(k.clone())))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

/// A body of a create, accept or delete: mostly a create that is good but for one or two
/// hostile fields (so the parsers behind the first field are reached too), else the fields
/// they read and others in any number, order, type and repetition.
fn request_fields() -> impl Strategy<Value = String> {
    let good_email = "[a-z0-9]{1,20}(\\.[a-z0-9]{1,5})?@example\\.com";
    let create = (
        prop_oneof![2 => good_email.prop_map(Value::String), 1 => field(email())],
        prop_oneof![1 => Just(Value::from("+14155550123")), 3 => field(phone())],
        prop_oneof![2 => Just(Value::from("doc-1")), 1 => field(id_like())],
        prop::collection::vec((".{0,20}", arbitrary_json()), 0..3),
    )
        .prop_map(|(email, phone, document, extra)| {
            let mut pairs = vec![
                ("email".to_owned(), email),
                ("phoneNumber".to_owned(), phone),
                ("documentIdentificationId".to_owned(), document),
            ];
            pairs.extend(extra);
            object_text(pairs)
        });
    let named = prop_oneof![
        field(email()).prop_map(|v| ("email".to_owned(), v)),
        field(phone()).prop_map(|v| ("phoneNumber".to_owned(), v)),
        field(id_like()).prop_map(|v| ("documentIdentificationId".to_owned(), v)),
        field(id_like()).prop_map(|v| ("id".to_owned(), v)),
        (".{0,20}", arbitrary_json()),
    ];
    prop_oneof![
        3 => create,
        2 => prop::collection::vec(named, 0..7).prop_map(object_text),
    ]
}

fn image_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9+/=]{0,200}",
        "data:image/(png|jpeg|gif|svg\\+xml);base64,[A-Za-z0-9+/=_-]{0,120}",
        "(https?|ftp|file|gopher)://[a-z0-9.:@\\[\\]/%-]{0,60}",
        "https://(127\\.0\\.0\\.1|169\\.254\\.169\\.254|\\[::1\\]|localhost)(:[0-9]{1,5})?/[a-z]{0,10}",
        any::<String>(),
        (1usize..12_000).prop_map(|n| "A".repeat(n)),
    ]
}

/// A body of the image routes.
fn image_fields() -> impl Strategy<Value = String> {
    let named = prop_oneof![
        field(image_text()).prop_map(|v| ("frontImage".to_owned(), v)),
        field(image_text()).prop_map(|v| ("backImage".to_owned(), v)),
        field(image_text()).prop_map(|v| ("sideImage".to_owned(), v)),
        field(image_text()).prop_map(|v| ("faceImage".to_owned(), v)),
        field(id_like()).prop_map(|v| ("documentIdentificationId".to_owned(), v)),
        (".{0,20}", arbitrary_json()),
    ];
    prop::collection::vec(named, 0..6).prop_map(object_text)
}

/// Nested arrays or objects `depth` deep, closed or not.
fn nested() -> impl Strategy<Value = String> {
    (1usize..5_000, any::<bool>(), any::<bool>()).prop_map(|(depth, arrays, closed)| {
        let (open, close) = if arrays {
            ("[", "]")
        } else {
            ("{\"a\": ", "}")
        };
        let mut text = format!("{{\"email\": {}1", open.repeat(depth));
        if closed {
            text.push_str(&close.repeat(depth));
            text.push('}');
        }
        text
    })
}

fn body() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        4 => request_fields().prop_map(|t| Some(t.into_bytes())),
        3 => image_fields().prop_map(|t| Some(t.into_bytes())),
        1 => arbitrary_json().prop_map(|v| Some(v.to_string().into_bytes())),
        1 => nested().prop_map(|t| Some(t.into_bytes())),
        1 => prop::collection::vec(any::<u8>(), 0..600).prop_map(Some),
        // Valid JSON around bytes that are not UTF-8.
        1 => prop::collection::vec(128u8..=255, 1..40).prop_map(|bad| {
            let mut bytes = b"{\"email\": \"".to_vec();
            bytes.extend(bad);
            bytes.extend(b"@example.com\", \"phoneNumber\": \"+14155550123\"}");
            Some(bytes)
        }),
        1 => (15_000usize..18_000).prop_map(|n| Some(format!("{{\"email\": \"{}\"}}", "a".repeat(n)).into_bytes())),
        1 => Just(None),
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        prop::collection::vec(32u8..=255, 0..300),
        prop::collection::vec(32u8..127, 0..300),
        (1usize..10_000).prop_map(|n| vec![b'k'; n]),
        ".{0,80}".prop_map(String::into_bytes),
    ]
}

fn api_key() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        6 => Just(Some(KEY.as_bytes().to_vec())),
        1 => Just(Some(format!(" \t{KEY}\t ").into_bytes())),
        1 => Just(None),
        2 => header_value().prop_map(Some),
    ]
}

fn content_type() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        6 => Just(Some(b"application/json".to_vec())),
        1 => prop::sample::select(vec![
            "APPLICATION/JSON; charset=utf-16",
            "application/json;;;;",
            "application/json\t; x=\"\\\"\"",
            "application/jsonp",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            ";",
        ])
        .prop_map(|s| Some(s.as_bytes().to_vec())),
        1 => Just(None),
        2 => header_value().prop_map(Some),
    ]
}

/// Other headers a client may send, with odd values.
fn extra_headers() -> impl Strategy<Value = Vec<(&'static str, Vec<u8>)>> {
    let name = prop::sample::select(vec![
        "accept",
        "content-length",
        "transfer-encoding",
        "x-forwarded-for",
        "x-amzn-trace-id",
        "if-none-match",
        "cookie",
        "authorization",
        "x-api-key",
        "user-agent",
    ]);
    prop::collection::vec((name, header_value()), 0..4)
}

/// Bytes as a valid URI path segment or query part (what API Gateway passes on).
fn percent_encoded(bytes: &[u8], keep: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (*b as char).to_string()
            }
            b if keep.contains(b) => (*b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// A path and query: the API's routes with hostile ids and queries, and others.
fn target() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        id_like().prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..60),
    ];
    let query_value = prop_oneof![
        ".{0,40}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..60),
        prop::sample::select(vec![
            "true", "false", "pending", "expired", "newest", "0", "1001", "-1", "1e3", "NaN"
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        (1usize..9_000).prop_map(|n| vec![b'A'; n]),
    ];
    let key = prop::sample::select(vec![
        "accepted",
        "status",
        "order",
        "limit",
        "nextToken",
        "x",
        "",
    ]);
    let query = prop::collection::vec((key, query_value), 0..5).prop_map(|pairs| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encoded(v, b"=&")))
            .collect::<Vec<_>>()
            .join("&")
    });
    let path = prop_oneof![
        prop::sample::select(
            JSON_ROUTES
                .iter()
                .map(|(_, p)| p.to_string())
                .collect::<Vec<_>>()
        ),
        Just("/api/requests".to_owned()),
        Just("/api/stats".to_owned()),
        Just("/api/clear-requests".to_owned()),
        segment
            .clone()
            .prop_map(|s| format!("/api/requests/{}", percent_encoded(&s, b""))),
        prop::collection::vec(segment, 0..4).prop_map(|segments| {
            let parts: Vec<String> = segments.iter().map(|s| percent_encoded(s, b"")).collect();
            format!("/{}", parts.join("/"))
        }),
    ];
    (path, prop::option::of(query), any::<bool>()).prop_map(|(path, query, slash)| {
        let path = if slash { format!("{path}/") } else { path };
        match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        }
    })
}

fn sent() -> impl Strategy<Value = Sent> {
    let route = prop_oneof![
        3 => prop::sample::select(JSON_ROUTES.to_vec()).prop_map(|(m, p)| (m, p.to_owned())),
        1 => (prop_oneof![2 => Just("GET"), 1 => prop::sample::select(METHODS.to_vec())], target()),
    ];
    (route, api_key(), content_type(), extra_headers(), body()).prop_map(
        |((method, target), key, content_type, mut headers, body)| {
            if let Some(key) = key {
                headers.insert(0, ("x-api-key", key));
            }
            if let Some(content_type) = content_type {
                headers.insert(0, ("content-type", content_type));
            }
            Sent {
                method,
                target,
                headers,
                body,
            }
        },
    )
}

// ---- properties ------------------------------------------------------------------------------

#[test]
fn hostile_requests_never_panic_never_5xx_and_4xx_are_json_errors() {
    let app = app();
    run(sent(), |sent| check(&app, &sent));
}

#[test]
fn hostile_create_bodies_with_a_good_key_are_answered_in_json() {
    let app = app();
    let create = (request_fields(), prop::bool::weighted(0.2)).prop_map(|(body, binary)| Sent {
        method: "POST",
        target: "/api/kyc-request".into(),
        headers: vec![
            ("x-api-key", KEY.as_bytes().to_vec()),
            ("content-type", b"application/json".to_vec()),
        ],
        body: Some(if binary {
            // The same bytes and one that is not UTF-8: a binary body.
            body.into_bytes().into_iter().chain([0xFF]).collect()
        } else {
            body.into_bytes()
        }),
    });
    run(create, |sent| check(&app, &sent));
}

#[test]
fn the_parsers_never_panic_on_any_text() {
    use crate::domain::{DocumentId, Email, ImageInput, PhoneNumber, RequestId, TenantId};
    let text = prop_oneof![email(), phone(), id_like(), image_text(), any::<String>()];
    run(text, |raw| {
        let _ = Email::parse(&raw);
        let _ = PhoneNumber::parse(&raw);
        let _ = DocumentId::parse(&raw);
        let _ = RequestId::parse(&raw);
        let _ = TenantId::parse(&raw);
        let _ = ImageInput::parse(&raw);
        let _ = crate::domain::ApiKey::from_header(&raw);
        Ok(())
    });
}

// ---- the committed corpus --------------------------------------------------------------------

/// `tests/fixtures/hostile/`: every file in `bodies/` sent to every JSON route, every file in
/// `header-values/` sent as the key and as the content type, every line of `targets.txt` sent
/// with every method.
#[test]
fn the_committed_hostile_corpus_replays_cleanly() {
    let app = app();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile");
    let read_dir = |name: &str| {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join(name))
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort();
        files
    };
    let json_headers = || {
        vec![
            ("x-api-key", KEY.as_bytes().to_vec()),
            ("content-type", b"application/json".to_vec()),
        ]
    };
    let mut sent = 0;
    let mut send = |case: &str, request: Sent| {
        sent += 1;
        if let Err(failure) = check(&app, &request) {
            panic!("corpus case {case}: {failure}");
        }
    };
    let bodies = read_dir("bodies");
    assert!(bodies.len() >= 20, "the corpus is in place");
    for (file, body) in &bodies {
        for (method, path) in JSON_ROUTES {
            let request = Sent {
                method,
                target: path.into(),
                headers: json_headers(),
                body: Some(body.clone()),
            };
            send(file, request);
        }
    }
    for (file, value) in read_dir("header-values") {
        for name in ["x-api-key", "content-type", "accept", "x-forwarded-for"] {
            let mut headers = json_headers();
            headers.retain(|(n, _)| *n != name);
            headers.push((name, value.clone()));
            let request = Sent {
                method: "POST",
                target: "/api/kyc-request".into(),
                headers,
                body: Some(br#"{"email": "a@example.com", "phoneNumber": "+14155550123", "documentIdentificationId": "doc-1"}"#.to_vec()),
            };
            send(&file, request);
        }
    }
    let targets = std::fs::read_to_string(dir.join("targets.txt")).unwrap();
    for line in targets
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        for method in METHODS {
            let request = Sent {
                method,
                target: line.into(),
                headers: json_headers(),
                body: None,
            };
            send(line, request);
        }
    }
    assert!(sent > 200, "{sent} corpus requests");
}
