//! A counting proxy in front of one local service: every AWS call the functions make passes
//! through it, so the bench knows which operations each invocation called, which of them
//! overlapped, and how long the services themselves took.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

/// One call: its operation, and when the proxy sent it on and had the whole answer.
#[derive(Debug, Clone)]
pub struct Call {
    pub operation: String,
    pub start: Instant,
    pub end: Instant,
}

pub type Log = Arc<Mutex<Vec<Call>>>;

/// The operation a request is: DynamoDB names it in `X-Amz-Target`; the REST services by
/// method and path.
fn operation(service: &str, req: &Request<Incoming>) -> String {
    if let Some(target) = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
    {
        let name = target.rsplit('.').next().unwrap_or(target);
        return format!("{service}.{name}");
    }
    let path = req.uri().path();
    let query = req.uri().query().unwrap_or("");
    let name = match (req.method().as_str(), path) {
        ("GET", _) if service == "S3" && query.contains("list-type=2") => {
            "ListObjectsV2".to_owned()
        }
        ("DELETE", _) if service == "S3" && query.contains("tagging") => {
            "DeleteObjectTagging".to_owned()
        }
        ("POST", "/v2/email/outbound-emails") => "SendEmail".to_owned(),
        ("PUT", "/contact/outbound-voice") => "StartOutboundVoiceContact".to_owned(),
        ("POST", p) if p.starts_with("/v2/email/") => format!("POST {p}"),
        (m, p) => format!("{m} {p}"),
    };
    format!("{service}.{name}")
}

/// Starts a proxy for `service` forwarding to `upstream` (`127.0.0.1:8000`); calls go to `log`.
pub async fn start(service: &'static str, upstream: String, log: Log) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .build(connector);
    let upstream = Arc::new(upstream);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (client, upstream, log) = (client.clone(), upstream.clone(), log.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    forward(service, client.clone(), upstream.clone(), log.clone(), req)
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

async fn forward(
    service: &'static str,
    client: Client<HttpConnector, Full<Bytes>>,
    upstream: Arc<String>,
    log: Log,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let operation = operation(service, &req);
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut out = Request::builder()
        .method(parts.method.clone())
        .uri(format!("http://{upstream}{path}"));
    for (name, value) in &parts.headers {
        // The SDK signed these, the Host header included: forward them as they are.
        out = out.header(name, value);
    }
    let out = out.body(Full::new(body)).unwrap();
    let start = Instant::now();
    let answered = match client.request(out).await {
        Ok(response) => {
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            Some((parts, body))
        }
        Err(_) => None,
    };
    let end = Instant::now();
    log.lock().unwrap().push(Call {
        operation,
        start,
        end,
    });
    let Some((parts, body)) = answered else {
        let failed = Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Full::new(Bytes::new()))
            .unwrap();
        return Ok(failed);
    };
    let mut response = Response::builder().status(parts.status);
    for (name, value) in &parts.headers {
        if name != "transfer-encoding" && name != "connection" && name != "content-length" {
            response = response.header(name, value);
        }
    }
    let response = response
        .header("content-length", body.len())
        .body(Full::new(body))
        .unwrap();
    Ok(response)
}

/// Calls that overlap in time count as one hop: how many hops `calls` took, and how long the
/// services were busy (the union of the calls' intervals).
pub fn hops_and_busy(calls: &[Call]) -> (usize, Duration) {
    let mut sorted: Vec<&Call> = calls.iter().collect();
    sorted.sort_by_key(|c| c.start);
    let (mut hops, mut busy) = (0, Duration::ZERO);
    let mut current: Option<(Instant, Instant)> = None;
    for call in sorted {
        match current {
            Some((from, to)) if call.start <= to => current = Some((from, to.max(call.end))),
            _ => {
                if let Some((from, to)) = current {
                    busy += to - from;
                }
                hops += 1;
                current = Some((call.start, call.end));
            }
        }
    }
    if let Some((from, to)) = current {
        busy += to - from;
    }
    (hops, busy)
}

/// `n calls (A, B ∥ C), h hops` for the table: operations in order, overlapping ones joined.
pub fn shape(calls: &[Call]) -> String {
    let mut sorted: Vec<&Call> = calls.iter().collect();
    sorted.sort_by_key(|c| c.start);
    let mut groups: Vec<(Instant, Vec<&str>)> = Vec::new();
    for call in sorted {
        match groups.last_mut() {
            Some((to, names)) if call.start <= *to => {
                names.push(short(&call.operation));
                *to = (*to).max(call.end);
            }
            _ => groups.push((call.end, vec![short(&call.operation)])),
        }
    }
    let hops: Vec<String> = groups.iter().map(|(_, names)| names.join(" ∥ ")).collect();
    format!(
        "{} calls, {} hops: {}",
        calls.len(),
        groups.len(),
        hops.join(" → ")
    )
}

fn short(operation: &str) -> &str {
    match operation {
        "DynamoDB.TransactWriteItems" => "DDB Transact",
        "DynamoDB.GetItem" => "DDB GetItem",
        "DynamoDB.Query" => "DDB Query",
        "DynamoDB.BatchGetItem" => "DDB BatchGet",
        "DynamoDB.UpdateItem" => "DDB UpdateItem",
        "SESv2.SendEmail" => "SES",
        "Connect.StartOutboundVoiceContact" => "Connect",
        "SQS.SendMessage" => "SQS",
        "S3.ListObjectsV2" => "S3 List",
        "S3.DeleteObjectTagging" => "S3 Untag",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(zero: Instant, start: u64, end: u64) -> Call {
        Call {
            operation: "x".into(),
            start: zero + Duration::from_millis(start),
            end: zero + Duration::from_millis(end),
        }
    }

    #[test]
    fn overlapping_calls_are_one_hop() {
        let zero = Instant::now();
        let calls = [call(zero, 0, 5), call(zero, 6, 10), call(zero, 7, 12)];
        assert_eq!(hops_and_busy(&calls), (2, Duration::from_millis(11)));
    }
}
