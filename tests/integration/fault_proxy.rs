//! A fault-injecting HTTP proxy in front of a real stand-in (DynamoDB Local, moto, the vision
//! stand-in), in-process: it passes requests through until told to fail them, then answers
//! them itself the way the service does when it is down (500), throttling (400
//! `ThrottlingException`, 429 or S3's 503 `SlowDown`), hung (never answers), or gone (the
//! connection is reset). A fault can be limited to the requests of one operation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

/// How the service is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `500` with the service's internal-error code.
    ServerError,
    /// The service's throttling answer.
    Throttle,
    /// Takes the request and never answers.
    Hang,
    /// Takes the request and resets the connection (TCP RST, no response).
    Reset,
    /// DynamoDB only: the transaction was cancelled by a concurrent one
    /// (`TransactionCanceledException`, every reason `TransactionConflict`).
    Conflict,
}

pub const ALL_FAULTS: [Fault; 4] = [
    Fault::ServerError,
    Fault::Throttle,
    Fault::Hang,
    Fault::Reset,
];

/// The wire protocol of a service, for the shape of its error answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// DynamoDB, Textract, Rekognition: error code in `__type`, throttling is a 400.
    AwsJson,
    /// SES v2, Connect: error code in `x-amzn-ErrorType`, throttling is a 429.
    RestJson,
    /// S3: an XML `<Error>`, throttling is a 503 `SlowDown`.
    RestXml,
}

struct State {
    fault: Option<Fault>,
    /// Fail only requests whose `METHOD path x-amz-target` contains this.
    only: Option<&'static str>,
    /// Fail only this many more (then pass), if set.
    times: Option<usize>,
}

pub struct FaultProxy {
    pub uri: String,
    state: Arc<Mutex<State>>,
    faulted: Arc<AtomicUsize>,
}

impl FaultProxy {
    /// A proxy for the stand-in at `upstream` (`http://127.0.0.1:port`), passing everything.
    pub async fn start(upstream: &str, protocol: Protocol) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            fault: None,
            only: None,
            times: None,
        }));
        let faulted = Arc::new(AtomicUsize::new(0));
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let upstream = upstream.trim_end_matches('/').to_owned();
        let (shared, counter) = (state.clone(), faulted.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                // Closing a connection with a zero linger sends a reset rather than a FIN, and
                // does not block: how `Fault::Reset` drops a connection.
                #[allow(deprecated)]
                let _ = stream.set_linger(Some(Duration::ZERO));
                let (state, counter, client, upstream) = (
                    shared.clone(),
                    counter.clone(),
                    client.clone(),
                    upstream.clone(),
                );
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let (state, counter, client, upstream) = (
                            state.clone(),
                            counter.clone(),
                            client.clone(),
                            upstream.clone(),
                        );
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body.collect().await.map(|b| b.to_bytes());
                            let Ok(body) = body else {
                                return Err(std::io::Error::other("request body"));
                            };
                            let target = parts
                                .headers
                                .get("x-amz-target")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default();
                            let described = format!("{} {} {target}", parts.method, parts.uri);
                            let fault = {
                                let mut state = state.lock().unwrap();
                                let matches = state.only.is_none_or(|o| described.contains(o));
                                let fault = state.fault.filter(|_| matches);
                                match (fault, state.times) {
                                    (Some(_), Some(0)) => None,
                                    (Some(fault), times) => {
                                        state.times = times.map(|n| n - 1);
                                        Some(fault)
                                    }
                                    (None, _) => None,
                                }
                            };
                            let Some(fault) = fault else {
                                return forward(&client, &upstream, parts, body).await;
                            };
                            counter.fetch_add(1, Ordering::SeqCst);
                            match fault {
                                Fault::ServerError | Fault::Throttle | Fault::Conflict => {
                                    Ok(error_answer(protocol, fault))
                                }
                                Fault::Hang => {
                                    tokio::time::sleep(Duration::from_secs(60)).await;
                                    Err(std::io::Error::other("hung up after a minute"))
                                }
                                Fault::Reset => Err(std::io::Error::other("reset")),
                            }
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultProxy {
            uri,
            state,
            faulted,
        }
    }

    /// Fails requests with `fault` from now on (those naming `only`, if given), or passes
    /// everything again (`None`).
    pub fn set(&self, fault: Option<Fault>, only: Option<&'static str>) {
        self.set_times(fault, only, None);
    }

    /// [`Self::set`] for the next `times` matching requests only (all of them with `None`).
    pub fn set_times(
        &self,
        fault: Option<Fault>,
        only: Option<&'static str>,
        times: Option<usize>,
    ) {
        let mut state = self.state.lock().unwrap();
        state.fault = fault;
        state.only = only;
        state.times = times;
    }

    /// How many requests the proxy failed.
    pub fn faulted(&self) -> usize {
        self.faulted.load(Ordering::SeqCst)
    }
}

async fn forward(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    upstream: &str,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut request = Request::builder()
        .method(parts.method)
        .uri(format!("{upstream}{path}"));
    for (name, value) in &parts.headers {
        request = request.header(name, value);
    }
    let request = request
        .body(Full::new(body))
        .map_err(std::io::Error::other)?;
    let response = client
        .request(request)
        .await
        .map_err(std::io::Error::other)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(std::io::Error::other)?;
    Ok(Response::from_parts(parts, Full::new(body.to_bytes())))
}

/// The service's own answer when it is down or throttling.
fn error_answer(protocol: Protocol, fault: Fault) -> Response<Full<Bytes>> {
    if fault == Fault::Conflict {
        assert_eq!(protocol, Protocol::AwsJson, "a conflict is DynamoDB's");
        // As many reasons as a transaction may have items; the adapter reads the codes only.
        let reasons = vec![
            r#"{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}"#;
            100
        ];
        let body = format!(
            r#"{{"__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException", "message": "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]", "CancellationReasons": [{}]}}"#,
            reasons.join(", ")
        );
        let response = Response::builder()
            .status(400)
            .header("content-type", "application/x-amz-json-1.0")
            .body(body);
        return response.unwrap().map(|b| Full::new(Bytes::from(b)));
    }
    let (status, code) = match (protocol, fault) {
        (Protocol::AwsJson, Fault::Throttle) => (400, "ThrottlingException"),
        (Protocol::RestJson, Fault::Throttle) => (429, "TooManyRequestsException"),
        (Protocol::RestXml, Fault::Throttle) => (503, "SlowDown"),
        (Protocol::RestXml, _) => (500, "InternalError"),
        (Protocol::AwsJson, _) => (500, "InternalServerError"),
        (Protocol::RestJson, _) => (500, "InternalFailure"),
    };
    let builder = Response::builder()
        .status(status)
        .header("x-amzn-requestid", "fault-proxy");
    let response = match protocol {
        Protocol::AwsJson => builder
            .header("content-type", "application/x-amz-json-1.0")
            .body(format!(r#"{{"__type": "{code}", "message": "injected fault"}}"#)),
        Protocol::RestJson => builder
            .header("content-type", "application/json")
            .header("x-amzn-ErrorType", code)
            .body(r#"{"message": "injected fault"}"#.to_owned()),
        Protocol::RestXml => builder.header("content-type", "application/xml").body(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>injected fault</Message><RequestId>fault-proxy</RequestId></Error>"
        )),
    };
    response.unwrap().map(|b| Full::new(Bytes::from(b)))
}
