//! Structured logs through `tracing`, filtered by `ROSTER_LOG` (same syntax as `RUST_LOG`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=info";

pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_env("ROSTER_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Colours only for a person at a terminal: not in the journal, a file or a collector.
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // Each layer with its own filter: the logs show what ROSTER_LOG asks for, while the
    // statement timings (metrics) see sqlx's statement events whatever the logs show.
    let logs = match format {
        LogFormat::Text => logs.with_filter(filter).boxed(),
        LogFormat::Json => logs.json().flatten_event(true).with_filter(filter).boxed(),
    };
    // `try_init`: a second call (tests build several apps in one process) keeps the first.
    let _ = tracing_subscriber::registry()
        .with(logs)
        .with(crate::metrics::QueryTimings::layer())
        .try_init();
}
