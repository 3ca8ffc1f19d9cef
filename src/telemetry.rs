//! JSON logs to stdout (CloudWatch). Level from `RUST_LOG` (default `info`).
//!
//! Each line carries the current span, so lines logged while handling an invocation name the
//! Lambda runtime's `requestId` (its `Lambda runtime invoke` span) and can be tied to it.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// The subscriber the functions log through, writing to `writer` (stdout in Lambda; a buffer
/// in the log test, so that it checks this very setup).
pub fn subscriber<W>(filter: EnvFilter, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_writer(writer)
        .finish()
}

/// Libraries whose debug and trace output carries request and response bodies (emails,
/// phone numbers, codes, images) or event payloads: held at `info` whatever `RUST_LOG` says.
/// A target matches by prefix (`aws` covers every `aws_*` crate).
const HELD_AT_INFO: &[&str] = &[
    "aws",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "tower",
    "reqwest",
    "lambda_runtime",
    "lambda_http",
];

/// `RUST_LOG` (default `info`), with [`HELD_AT_INFO`] applied over it.
pub fn filter(rust_log: Option<&str>) -> EnvFilter {
    let mut filter = rust_log
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    for target in HELD_AT_INFO {
        let directive = format!("{target}=info").parse().expect("a valid directive");
        filter = filter.add_directive(directive);
    }
    filter
}

/// [`filter`] of the process's `RUST_LOG`.
pub fn filter_from_env() -> EnvFilter {
    filter(std::env::var("RUST_LOG").ok().as_deref())
}

pub fn init() {
    tracing::subscriber::set_global_default(subscriber(filter_from_env(), std::io::stdout))
        .expect("the log subscriber is set once, at init");
}
