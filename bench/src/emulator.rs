//! A local Lambda Runtime API (2018-06-01), as Lambda serves it to a function instance:
//!
//!   GET  /2018-06-01/runtime/invocation/next            the next event, with the real headers
//!   POST /2018-06-01/runtime/invocation/{id}/response   the function's answer
//!   POST /2018-06-01/runtime/invocation/{id}/error      the function's failure
//!   POST /2018-06-01/runtime/init/error                 a failed init
//!
//! Several instances may poll one emulator (the load phase): each `next` takes one queued event,
//! as Lambda gives each concurrent instance one event at a time.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

/// The function's time-out as the emulator announces it (`Lambda-Runtime-Deadline-Ms`).
const TIMEOUT: Duration = Duration::from_secs(30);
pub const FUNCTION_ARN_PREFIX: &str = "arn:aws:lambda:us-east-1:000000000000:function:";

/// What became of one invocation.
#[derive(Debug)]
pub struct Outcome {
    /// `/response` (true) or `/error` (false).
    pub ok: bool,
    pub body: Bytes,
    /// When `next` handed the event to the function, and when its answer arrived: the
    /// function's duration, as Lambda bills it.
    pub handed_out: Instant,
    pub answered: Instant,
}

impl Outcome {
    pub fn duration(&self) -> Duration {
        self.answered - self.handed_out
    }
}

struct Queued {
    id: String,
    payload: Bytes,
    done: oneshot::Sender<Outcome>,
}

struct Inner {
    function: String,
    queue: mpsc::UnboundedSender<Queued>,
    waiting: tokio::sync::Mutex<mpsc::UnboundedReceiver<Queued>>,
    in_flight: Mutex<HashMap<String, (Instant, oneshot::Sender<Outcome>)>>,
    /// When each `next` arrived: the first one ends an instance's init.
    nexts: Mutex<Vec<Instant>>,
    init_errors: Mutex<Vec<String>>,
    seq: AtomicU64,
}

#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
    pub addr: SocketAddr,
}

impl Emulator {
    pub async fn start(function: &str) -> Emulator {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let (queue, waiting) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            function: function.to_owned(),
            queue,
            waiting: tokio::sync::Mutex::new(waiting),
            in_flight: Mutex::new(HashMap::new()),
            nexts: Mutex::new(Vec::new()),
            init_errors: Mutex::new(Vec::new()),
            seq: AtomicU64::new(0),
        });
        let served = inner.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let inner = served.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| route(inner.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Emulator { inner, addr }
    }

    /// Queues one event and waits for the function's answer.
    pub async fn invoke(&self, payload: impl Into<Bytes>) -> Outcome {
        let n = self.inner.seq.fetch_add(1, Ordering::Relaxed);
        let id = format!("{:08x}-0000-4000-8000-{n:012x}", std::process::id());
        let (done, answer) = oneshot::channel();
        let payload = payload.into();
        let queued = Queued { id, payload, done };
        if self.inner.queue.send(queued).is_err() {
            panic!("the emulator stopped");
        }
        match tokio::time::timeout(TIMEOUT, answer).await {
            Ok(Ok(outcome)) => outcome,
            _ => panic!(
                "{}: no answer within {TIMEOUT:?} (init errors: {:?})",
                self.inner.function,
                self.init_errors()
            ),
        }
    }

    /// When each `next` arrived, in order.
    pub fn nexts(&self) -> Vec<Instant> {
        self.inner.nexts.lock().unwrap().clone()
    }

    /// Waits until `count` `next` calls have arrived (instances finished init), or `limit`.
    pub async fn wait_for_nexts(&self, count: usize, limit: Duration) -> Option<Instant> {
        let started = Instant::now();
        loop {
            if let Some(at) = self.nexts().get(count - 1) {
                return Some(*at);
            }
            if started.elapsed() > limit || !self.init_errors().is_empty() {
                return None;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    pub fn init_errors(&self) -> Vec<String> {
        self.inner.init_errors.lock().unwrap().clone()
    }
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

async fn route(
    inner: Arc<Inner>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/") else {
        return Ok(reply(StatusCode::NOT_FOUND, r#"{"errorType":"NotFound"}"#));
    };
    if method == hyper::Method::GET && rest == "invocation/next" {
        inner.nexts.lock().unwrap().push(Instant::now());
        let next = inner.waiting.lock().await.recv().await;
        let Some(Queued { id, payload, done }) = next else {
            return Ok(reply(StatusCode::GONE, r#"{"errorType":"ShuttingDown"}"#));
        };
        let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + TIMEOUT;
        let trace = format!(
            "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0;Lineage=1:00000000:0",
            deadline.as_secs(),
            inner.seq.load(Ordering::Relaxed),
            deadline.as_millis() as u64
        );
        let response = Response::builder()
            .header("content-type", "application/json")
            .header("Lambda-Runtime-Aws-Request-Id", &id)
            .header(
                "Lambda-Runtime-Deadline-Ms",
                deadline.as_millis().to_string(),
            )
            .header(
                "Lambda-Runtime-Invoked-Function-Arn",
                format!("{FUNCTION_ARN_PREFIX}{}", inner.function),
            )
            .header("Lambda-Runtime-Trace-Id", trace)
            .body(Full::new(payload))
            .unwrap();
        inner
            .in_flight
            .lock()
            .unwrap()
            .insert(id, (Instant::now(), done));
        return Ok(response);
    }
    if method == hyper::Method::POST && rest == "init/error" {
        let body = req
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body).into_owned();
        inner.init_errors.lock().unwrap().push(text);
        return Ok(reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#));
    }
    if method == hyper::Method::POST {
        if let Some(rest) = rest.strip_prefix("invocation/") {
            let (id, ok) = match (rest.strip_suffix("/response"), rest.strip_suffix("/error")) {
                (Some(id), _) => (id.to_owned(), true),
                (_, Some(id)) => (id.to_owned(), false),
                _ => return Ok(reply(StatusCode::NOT_FOUND, r#"{"errorType":"NotFound"}"#)),
            };
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let answered = Instant::now();
            let Some((handed_out, done)) = inner.in_flight.lock().unwrap().remove(&id) else {
                return Ok(reply(
                    StatusCode::BAD_REQUEST,
                    r#"{"errorType":"InvalidRequestID"}"#,
                ));
            };
            let _ = done.send(Outcome {
                ok,
                body,
                handed_out,
                answered,
            });
            return Ok(reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#));
        }
    }
    Ok(reply(StatusCode::NOT_FOUND, r#"{"errorType":"NotFound"}"#))
}
