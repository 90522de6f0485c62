//! Log output: human-readable lines or JSON, one line per finished request with its id.
//! Lines are written by a thread of their own, so a request never waits on the terminal or
//! the file behind standard error; colors only when that is a terminal.

use std::io::IsTerminal;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Lines waiting for the writer before a request has to wait for room (none is dropped).
const QUEUED_LINES: usize = 65_536;

/// Installs the global subscriber. Keep the guard until the process ends: dropping it writes
/// out the lines still queued. Safe to call more than once; later calls change nothing.
pub fn init(filter: &str, format: LogFormat) -> WorkerGuard {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .lossy(false)
        .thread_name("byline-log")
        // The writer flushes whenever the queue runs empty: under load, many lines per write.
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .flatten_event(true)
            .try_init(),
    };
    guard
}
