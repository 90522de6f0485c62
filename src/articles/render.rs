//! Markdown to safe HTML, and the reading statistics, computed once when an article is
//! written so that reads never render.
//!
//! Rendering is the one piece of request work whose cost depends on what a client sends, so
//! it is fenced in three ways. Shapes that make the HTML sanitizer superlinear (deep nesting,
//! from Markdown or from raw HTML) are refused while the Markdown is parsed, before the
//! sanitizer sees them; the output has a size cap; and the work runs on a small pool of its
//! own with a deadline, so the HTTP workers never render and never wait longer than that.

use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use pulldown_cmark::{Event, Options, Parser, html};

/// Words read per minute, for `reading_time_minutes`.
const WORDS_PER_MINUTE: usize = 200;

/// The deepest nesting of elements a body may render to: blockquotes, lists and raw HTML
/// elements together. The sanitizer's cost grows with the square of the depth; real articles
/// stay far below this.
pub const MAX_DEPTH: usize = 48;

/// The most HTML a body may render to, in bytes (deeply quoted text multiplies in size).
pub const MAX_HTML_BYTES: usize = 4 * 1024 * 1024;

/// How long a body may take to render once a thread has taken it; a body still rendering
/// then is a 422.
pub const DEADLINE: Duration = Duration::from_millis(1500);

/// How long a body may wait for a render thread; one that waited longer is a 503 (the server
/// is busy, the body is not at fault).
pub const QUEUE_WAIT: Duration = Duration::from_secs(3);

/// Threads that render; they never take an HTTP worker or a database thread.
const THREADS: usize = 2;

/// Bodies that may wait for a render thread (a burst of an import script's writes fits);
/// beyond that a write answers 503 at once. Each holds its body, so the bound is on memory
/// too.
const QUEUE: usize = 64;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_SMART_PUNCTUATION
}

/// A rendered body with its reading statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitized HTML.
    pub html: String,
    /// Words in the text.
    pub words: usize,
    /// Minutes to read.
    pub reading_time: usize,
}

/// Why a body was not rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderError {
    /// Elements nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// The HTML would be larger than [`MAX_HTML_BYTES`].
    TooLarge,
    /// Rendering did not finish within [`DEADLINE`].
    TooSlow,
    /// Every render thread is busy and the queue is full, or the body waited too long.
    Busy,
    /// The renderer failed on this body (it panicked).
    Failed,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RenderError::TooDeep => "the body nests elements too deeply",
            RenderError::TooLarge => "the body renders to too much HTML",
            RenderError::TooSlow => "the body took too long to render",
            RenderError::Busy => "every render thread is busy",
            RenderError::Failed => "the body could not be rendered",
        })
    }
}

impl std::error::Error for RenderError {}

/// Renders Markdown to sanitized HTML (without anything executable: script and style
/// elements, event handler attributes, links to `javascript:` or other non-web schemes) and
/// counts its words, refusing shapes whose cost is
/// not bounded by their length. Runs on the caller's thread: use [`off_thread`] from
/// request handlers.
pub fn render(markdown: &str) -> Result<Rendered, RenderError> {
    render_until(markdown, None)
}

fn render_until(markdown: &str, deadline: Option<Instant>) -> Result<Rendered, RenderError> {
    let mut guard = Guard::new(deadline);
    let mut raw = String::with_capacity(markdown.len() + markdown.len() / 4);
    let mut words = 0;
    let events = Parser::new_ext(markdown, options())
        .inspect(|event| words += words_in(event))
        .map_while(|event| guard.admit(event));
    html::push_html(&mut raw, events);
    if let Some(error) = guard.failed {
        return Err(error);
    }
    if raw.len() > MAX_HTML_BYTES {
        return Err(RenderError::TooLarge);
    }
    let html = ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string();
    Ok(Rendered {
        html,
        words,
        reading_time: reading_time(words),
    })
}

/// Watches the event stream: nesting depth (Markdown's own and that of raw HTML), the
/// output's size and the deadline. The first breach stops the stream.
struct Guard {
    markdown_depth: usize,
    html: HtmlDepth,
    bytes: usize,
    deadline: Option<Instant>,
    seen: usize,
    failed: Option<RenderError>,
}

impl Guard {
    fn new(deadline: Option<Instant>) -> Self {
        Self {
            markdown_depth: 0,
            html: HtmlDepth::default(),
            bytes: 0,
            deadline,
            seen: 0,
            failed: None,
        }
    }

    fn admit<'a>(&mut self, event: Event<'a>) -> Option<Event<'a>> {
        match &event {
            Event::Start(_) => self.markdown_depth += 1,
            Event::End(_) => self.markdown_depth = self.markdown_depth.saturating_sub(1),
            Event::Html(text) | Event::InlineHtml(text) => self.html.scan(text),
            _ => {}
        }
        // A lower bound of the output so far: the text, and a short tag per element.
        self.bytes += match &event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => t.len(),
            _ => 8,
        };
        self.seen += 1;
        let error = if self.markdown_depth + self.html.depth() > MAX_DEPTH {
            Some(RenderError::TooDeep)
        } else if self.bytes > MAX_HTML_BYTES {
            Some(RenderError::TooLarge)
        } else if self.seen.is_multiple_of(1024)
            && self.deadline.is_some_and(|d| Instant::now() > d)
        {
            Some(RenderError::TooSlow)
        } else {
            None
        };
        match error {
            Some(e) => {
                self.failed = Some(e);
                None
            }
            None => Some(event),
        }
    }
}

/// A rough HTML tree builder: the open elements of the raw HTML seen so far. It never
/// counts fewer open elements than a browser would (it does not apply every implied end
/// tag), so a depth it accepts is one the sanitizer handles quickly.
#[derive(Default)]
struct HtmlDepth {
    open: Vec<String>,
}

/// Elements that never have content.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen",
];

/// Elements that end when another of their kind starts (`<p>a<p>b`, `<li>a<li>b`).
const SELF_ENDING: &[&str] = &[
    "p", "li", "dt", "dd", "option", "tr", "td", "th", "rt", "rp",
];

impl HtmlDepth {
    fn depth(&self) -> usize {
        self.open.len()
    }

    fn scan(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(offset) = bytes[i..].iter().position(|b| *b == b'<') {
            i += offset + 1;
            if bytes[i..].starts_with(b"!--") {
                match text[i..].find("-->") {
                    Some(end) => i += end + 3,
                    None => return,
                }
                continue;
            }
            let closing = bytes.get(i) == Some(&b'/');
            let start = i + usize::from(closing);
            let len = bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            if len == 0 || !bytes[start].is_ascii_alphabetic() {
                continue;
            }
            let name = text[start..start + len].to_ascii_lowercase();
            i = start + len;
            if closing {
                if let Some(at) = self.open.iter().rposition(|n| *n == name) {
                    self.open.truncate(at);
                }
            } else if !VOID.contains(&name.as_str()) {
                if SELF_ENDING.contains(&name.as_str()) && self.open.last() == Some(&name) {
                    self.open.pop();
                }
                self.open.push(name);
            }
        }
    }
}

fn words_in(event: &Event<'_>) -> usize {
    match event {
        Event::Text(t) | Event::Code(t) => t
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count(),
        _ => 0,
    }
}

/// Minutes to read at 200 words a minute, rounded up; 0 for an empty body.
pub fn reading_time(words: usize) -> usize {
    words.div_ceil(WORDS_PER_MINUTE)
}

type Job = Box<dyn FnOnce() + Send>;

/// The render pool's queue. Its threads are plain threads, not the runtime's: a render in
/// progress never holds up the process's exit.
static POOL: OnceLock<SyncSender<Job>> = OnceLock::new();

fn pool() -> &'static SyncSender<Job> {
    POOL.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Job>(QUEUE);
        let receiver = Arc::new(std::sync::Mutex::new(receiver));
        for n in 0..THREADS {
            let receiver = Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("byline-render-{n}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(r) => r.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        let Ok(job) = job else { return };
                        // A panicking job drops its answer channel; the caller reports it.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a render thread");
            }
        }
        sender
    })
}

/// Renders on the render pool without blocking the caller's thread. The body waits at most
/// [`QUEUE_WAIT`] for a thread ([`RenderError::Busy`] after that, or at once when the queue
/// is full) and then renders for at most [`DEADLINE`] ([`RenderError::TooSlow`]); a render
/// past its deadline stops at its next checkpoint and nothing is stored.
pub async fn off_thread(markdown: String) -> Result<Rendered, RenderError> {
    let queued = Instant::now();
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let started = Instant::now();
        let outcome = if started.duration_since(queued) > QUEUE_WAIT {
            Err(RenderError::Busy)
        } else {
            render_until(&markdown, Some(started + DEADLINE))
        };
        let _ = answer.send(outcome);
    });
    match pool().try_send(job) {
        Ok(()) => {}
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
            return Err(RenderError::Busy);
        }
    }
    // The job answers within its wait and its deadline; the margin covers a thread that is
    // stopped between the two.
    let limit = QUEUE_WAIT + DEADLINE + Duration::from_secs(1);
    match tokio::time::timeout(limit, answered).await {
        Ok(Ok(result)) => result,
        // The job was dropped unanswered: it panicked on this body.
        Ok(Err(_)) => Err(RenderError::Failed),
        Err(_) => Err(RenderError::Busy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_html(markdown: &str) -> String {
        render(markdown).unwrap().html
    }

    fn word_count(markdown: &str) -> usize {
        render(markdown).unwrap().words
    }

    #[test]
    fn hostile_markdown_is_defused() {
        let html = body_html(
            "Hi <script>alert(1)</script> <img src=x onerror=alert(2)> \
             [click](javascript:alert(3)) <a href=\"JaVaScRiPt:alert(4)\">x</a> \
             <iframe src=\"https://evil\"></iframe> <b onclick=\"x()\">bold</b>",
        );
        let lower = html.to_lowercase();
        for bad in [
            "<script",
            "onerror",
            "onclick",
            "javascript:",
            "<iframe",
            "alert(1)",
        ] {
            assert!(!lower.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains("<b>bold</b>"), "{html}");
    }

    #[test]
    fn markdown_renders() {
        let html = body_html("# Title\n\nSome *text* and [a link](https://example.com).");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>text</em>"));
        assert!(html.contains("href=\"https://example.com\""));
        assert!(html.contains("rel=\"noopener noreferrer\""));
    }

    #[test]
    fn counts_words_not_markup() {
        assert_eq!(word_count("# Two words\n\n**three more words**"), 5);
        assert_eq!(word_count("One, two -- three."), 3);
        assert_eq!(reading_time(0), 0);
        assert_eq!(reading_time(1), 1);
        assert_eq!(reading_time(200), 1);
        assert_eq!(reading_time(201), 2);
    }

    #[test]
    fn deep_nesting_is_refused_and_ordinary_nesting_is_not() {
        for deep in [
            ">".repeat(MAX_DEPTH + 1),
            "<div>".repeat(MAX_DEPTH + 1),
            "<ul><li>".repeat(MAX_DEPTH),
            "1. ".repeat(MAX_DEPTH + 1),
            format!("> {}", "<blockquote>".repeat(MAX_DEPTH)),
        ] {
            assert_eq!(render(&deep), Err(RenderError::TooDeep), "{deep}");
        }
        let nested = "> - a\n>   - b\n>     > c <b><i>d</i></b>\n\n<p>one<p>two<p>three</p>";
        let html = render(nested).unwrap().html;
        assert!(html.contains("<i>d</i>"), "{html}");
        let many = "<div><div>x</div></div>\n\n".repeat(500);
        assert!(render(&many).is_ok());
        let paragraphs = "<p>unclosed\n\n".repeat(500);
        assert!(render(&paragraphs).is_ok());
    }

    #[test]
    fn output_size_is_capped() {
        let quoted = format!("{}x\n\n", ">".repeat(MAX_DEPTH - 2)).repeat(20_000);
        assert_eq!(render(&quoted), Err(RenderError::TooLarge));
    }
}
