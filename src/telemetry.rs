//! Log output: human-readable lines or JSON, one line per finished request with its id.
//! Lines are written by a thread of their own, so a request never waits on the terminal or
//! the file behind standard error; colors only when that is a terminal.
//!
//! Every line logged while a request is served names the request's id (read from the task's
//! write origin, so a request pays for no span). The access line itself does not go through
//! `tracing` at all: [`access`] formats it straight into the writer's queue, in the same
//! layout the formatter below gives every other line.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::{IsTerminal, Write as _};
use std::net::IpAddr;
use std::sync::OnceLock;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

use crate::config::LogFormat;

/// Lines waiting for the writer before a request has to wait for room (none is dropped). The
/// queue's slots are allocated up front (32 bytes each): 8,192 are a tenth of a second of lines at
/// the benchmark's busiest, without the 2 MiB that 65,536 held for good.
const QUEUED_LINES: usize = 8_192;

/// The target of access lines, for filters (`BYLINE_LOG=byline::access=off`).
pub const ACCESS_TARGET: &str = "byline::access";

/// Where access lines go, set once by [`init`].
static OUT: OnceLock<Out> = OnceLock::new();

struct Out {
    writer: NonBlocking,
    json: bool,
    ansi: bool,
    /// Whether the filter lets access lines through at info (any request) and at error (5xx).
    info: bool,
    error: bool,
}

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
    let json = matches!(format, LogFormat::Json);
    let ansi = !json && std::io::stderr().is_terminal();
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer.clone())
        .event_format(Lines { json })
        .try_init()
        .is_ok();
    if installed {
        let _ = OUT.set(Out {
            writer,
            json,
            ansi,
            info: tracing::enabled!(target: ACCESS_TARGET, Level::INFO),
            error: tracing::enabled!(target: ACCESS_TARGET, Level::ERROR),
        });
    }
    guard
}

/// One finished request, as its access line tells it.
pub struct Access<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    pub uri: &'a dyn fmt::Display,
    pub route: &'a str,
    pub status: u16,
    pub micros: u64,
    pub client_ip: Option<IpAddr>,
    /// What went wrong, for a 5xx (written at error level).
    pub error: Option<&'a str>,
}

impl Access<'_> {
    /// A failed request's line is an error; any other is information.
    fn level_and_message(&self) -> (Level, &'static str) {
        match self.error {
            Some(_) => (Level::ERROR, "request failed"),
            None => (Level::INFO, "request"),
        }
    }
}

/// Whether an access line at this level would be written: the middleware skips its own
/// bookkeeping when neither would.
pub fn access_wanted(failed: bool) -> bool {
    match OUT.get() {
        Some(out) if failed => out.error,
        Some(out) => out.info,
        None if failed => tracing::enabled!(target: ACCESS_TARGET, Level::ERROR),
        None => tracing::enabled!(target: ACCESS_TARGET, Level::INFO),
    }
}

thread_local! {
    /// The line being formatted, kept between requests so that a line costs no allocation
    /// but the copy the writer's queue takes, and this thread's handle on the queue (a shared
    /// one would be cloned, two atomic counts every other thread touches too, for each line).
    static LINE: RefCell<(String, Option<NonBlocking>)> =
        RefCell::new((String::with_capacity(512), None));
}

/// Writes the access line of a finished request, when the filter wants it.
pub fn access(line: &Access<'_>) {
    if !access_wanted(line.error.is_some()) {
        return;
    }
    let Some(out) = OUT.get() else {
        // Another subscriber is installed (a test's, say): hand it a plain event.
        return access_event(line);
    };
    LINE.with(|cell| {
        let Ok(mut held) = cell.try_borrow_mut() else {
            return;
        };
        let (text, writer) = &mut *held;
        text.clear();
        let written = if out.json {
            access_json(text, line)
        } else {
            access_text(text, line, out.ansi)
        };
        if written.is_ok() {
            let writer = writer.get_or_insert_with(|| out.writer.clone());
            let _ = writer.write_all(text.as_bytes());
        }
        if text.capacity() > 16 * 1024 {
            *text = String::with_capacity(512);
        }
    });
}

fn access_event(line: &Access<'_>) {
    let (route, uri, client_ip) = (
        line.route,
        tracing::field::display(line.uri),
        line.client_ip.map(tracing::field::display),
    );
    let (method, status, micros) = (line.method, line.status, line.micros);
    if let Some(error) = line.error {
        tracing::error!(target: ACCESS_TARGET, method, uri, route, status, micros, client_ip,
            error, "request failed");
    } else {
        tracing::info!(target: ACCESS_TARGET, method, uri, route, status, micros, client_ip,
            "request");
    }
}

fn access_text(w: &mut String, line: &Access<'_>, ansi: bool) -> fmt::Result {
    let (level, message) = line.level_and_message();
    prefix(w, level, ansi)?;
    write!(
        w,
        "request{{request_id={}}}: {ACCESS_TARGET}: {message} method={} uri={} route={:?} \
         status={} micros={}",
        line.request_id, line.method, line.uri, line.route, line.status, line.micros
    )?;
    if let Some(ip) = line.client_ip {
        write!(w, " client_ip={ip}")?;
    }
    if let Some(error) = line.error {
        write!(w, " error={error:?}")?;
    }
    w.push('\n');
    Ok(())
}

fn access_json(w: &mut String, line: &Access<'_>) -> fmt::Result {
    let (level, message) = line.level_and_message();
    let mut fields = serde_json::Map::new();
    fields.insert("message".into(), message.into());
    fields.insert("method".into(), line.method.into());
    fields.insert("uri".into(), line.uri.to_string().into());
    fields.insert("route".into(), line.route.into());
    fields.insert("status".into(), line.status.into());
    fields.insert("micros".into(), line.micros.into());
    if let Some(ip) = line.client_ip {
        fields.insert("client_ip".into(), ip.to_string().into());
    }
    if let Some(error) = line.error {
        fields.insert("error".into(), error.into());
    }
    json_line(w, level, ACCESS_TARGET, fields, Some(line.request_id))
}

/// The formatter of every other line: the same layout as an access line, naming the request
/// the line was logged in, if any, and the spans around it.
#[derive(Clone, Copy)]
struct Lines {
    json: bool,
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let request_id = crate::write::request_id();
        if self.json {
            let mut fields = JsonFields::default();
            event.record(&mut fields);
            let mut text = String::new();
            json_line(
                &mut text,
                *meta.level(),
                meta.target(),
                fields.0,
                request_id.as_deref(),
            )?;
            return w.write_str(&text);
        }
        let ansi = w.has_ansi_escapes();
        prefix(&mut w, *meta.level(), ansi)?;
        if let Some(id) = &request_id {
            write!(w, "request{{request_id={id}}}: ")?;
        }
        if let Some(scope) = ctx.event_scope() {
            let mut any = false;
            for span in scope.from_root() {
                w.write_str(span.name())?;
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    write!(w, "{{{fields}}}")?;
                }
                w.write_char(':')?;
                any = true;
            }
            if any {
                w.write_char(' ')?;
            }
        }
        write!(w, "{}: ", meta.target())?;
        ctx.format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// The time and level that open every text line: `2026-12-05T20:55:07.170320Z  INFO `.
fn prefix(w: &mut impl fmt::Write, level: Level, ansi: bool) -> fmt::Result {
    timestamp(w)?;
    w.write_char(' ')?;
    if ansi {
        let color = match level {
            Level::ERROR => "31",
            Level::WARN => "33",
            Level::INFO => "32",
            Level::DEBUG => "34",
            Level::TRACE => "35",
        };
        write!(w, "\x1b[{color}m{level:>5}\x1b[0m ")
    } else {
        write!(w, "{level:>5} ")
    }
}

thread_local! {
    /// The last second formatted on this thread and its text, `2026-12-05T20:55:07`.
    static SECOND: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
}

/// The current time in UTC to the microsecond, as RFC 3339.
fn timestamp(w: &mut impl fmt::Write) -> fmt::Result {
    let now = chrono::Utc::now();
    let seconds = now.timestamp();
    let micros = now.timestamp_subsec_micros().min(999_999);
    SECOND.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.0 != seconds {
            cached.1.clear();
            write!(cached.1, "{}", now.format("%Y-%m-%dT%H:%M:%S"))?;
            cached.0 = seconds;
        }
        write!(w, "{}.{micros:06}Z", cached.1)
    })
}

/// A JSON line: time, level, the event's fields, target, and the request as a span.
fn json_line(
    w: &mut String,
    level: Level,
    target: &str,
    fields: serde_json::Map<String, serde_json::Value>,
    request_id: Option<&str>,
) -> fmt::Result {
    let mut time = String::with_capacity(32);
    timestamp(&mut time)?;
    let mut line = serde_json::Map::with_capacity(fields.len() + 5);
    line.insert("timestamp".into(), time.into());
    line.insert("level".into(), level.as_str().into());
    line.extend(fields);
    line.insert("target".into(), target.into());
    if let Some(id) = request_id {
        let span = serde_json::json!({"request_id": id, "name": "request"});
        line.insert("spans".into(), serde_json::Value::Array(vec![span.clone()]));
        line.insert("span".into(), span);
    }
    let text = serde_json::Value::Object(line).to_string();
    w.push_str(&text);
    w.push('\n');
    Ok(())
}

/// An event's fields as JSON values: numbers and booleans as such, the rest as text.
#[derive(Default)]
struct JsonFields(serde_json::Map<String, serde_json::Value>);

impl Visit for JsonFields {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), value.to_string().into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(uri: &'a dyn fmt::Display, error: Option<&'a str>) -> Access<'a> {
        Access {
            request_id: "abc",
            method: "GET",
            uri,
            route: "/api/v1/articles",
            status: if error.is_some() { 500 } else { 200 },
            micros: 1212,
            client_ip: Some(IpAddr::from([127, 0, 0, 1])),
            error,
        }
    }

    #[test]
    fn an_access_line_in_text_has_the_layout_of_every_other_line() {
        let mut text = String::new();
        let uri = "/api/v1/articles?limit=1";
        assert!(access_text(&mut text, &sample(&uri, None), false).is_ok());
        let (time, rest) = text.split_at(27);
        assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{text}");
        assert_eq!(
            rest,
            "  INFO request{request_id=abc}: byline::access: request method=GET \
             uri=/api/v1/articles?limit=1 route=\"/api/v1/articles\" status=200 micros=1212 \
             client_ip=127.0.0.1\n"
        );
        text.clear();
        let failed = sample(&uri, Some("pool \"timed\" out\n"));
        assert!(access_text(&mut text, &failed, true).is_ok());
        assert!(
            text.contains(" \x1b[31mERROR\x1b[0m request{request_id=abc}"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "request failed method=GET uri=/api/v1/articles?limit=1 \
                 route=\"/api/v1/articles\" status=500 micros=1212 client_ip=127.0.0.1 \
                 error=\"pool \\\"timed\\\" out\\n\"\n"
            ),
            "{text}"
        );
        assert_eq!(text.matches('\n').count(), 1, "one line: {text}");
    }

    #[test]
    fn an_access_line_in_json_is_one_object_with_typed_fields() {
        let mut text = String::new();
        let uri = "/a?q=\"x\"";
        assert!(access_json(&mut text, &sample(&uri, Some("boom"))).is_ok());
        assert!(text.ends_with('\n') && text.matches('\n').count() == 1);
        let line: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(line["level"], "ERROR");
        assert_eq!(line["target"], "byline::access");
        assert_eq!(line["message"], "request failed");
        assert_eq!(line["uri"], "/a?q=\"x\"");
        assert_eq!(line["status"], 500);
        assert_eq!(line["micros"], 1212);
        assert_eq!(line["client_ip"], "127.0.0.1");
        assert_eq!(line["error"], "boom");
        assert_eq!(line["span"]["request_id"], "abc");
        let time = line["timestamp"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    }
}
