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

/// The filter from `RUST_LOG`, `info` by default.
pub fn filter_from_env() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
}

pub fn init() {
    tracing::subscriber::set_global_default(subscriber(filter_from_env(), std::io::stdout))
        .expect("the log subscriber is set once, at init");
}
