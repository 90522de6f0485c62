//! Markdown to safe HTML, and the reading statistics, computed once when an article is
//! written so that reads never render.

use pulldown_cmark::{Event, Options, Parser, html};

/// Words read per minute, for `reading_time_minutes`.
const WORDS_PER_MINUTE: usize = 200;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_SMART_PUNCTUATION
}

/// Renders Markdown and removes anything executable: script and style elements, event
/// handler attributes, and links to `javascript:` or other non-web schemes.
pub fn body_html(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() + markdown.len() / 4);
    html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string()
}

/// Words in the text of the Markdown (markup not counted).
pub fn word_count(markdown: &str) -> usize {
    Parser::new_ext(markdown, options())
        .map(|event| match event {
            Event::Text(t) | Event::Code(t) => t
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count(),
            _ => 0,
        })
        .sum()
}

/// Minutes to read at 200 words a minute, rounded up; 0 for an empty body.
pub fn reading_time(words: usize) -> usize {
    words.div_ceil(WORDS_PER_MINUTE)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
