//! The search box: words (all must match), `"exact phrases"`, `-excluded` terms and `OR`,
//! parsed once and written out for each engine (PostgreSQL's `websearch_to_tsquery`, SQLite's
//! FTS5 query language), so both read a query the same way.

use crate::domain::{Code, Error, FieldError};

/// The longest search accepted, in characters.
pub const MAX_LEN: usize = 1_000;

/// Marks the start and end of a match inside a highlight, before HTML escaping. Control
/// characters that no stored text can hold (bodies and titles refuse them), so a mark in a
/// highlight is always one the database put there.
pub const MARK_START: char = '\u{2}';
/// See [`MARK_START`].
pub const MARK_END: char = '\u{3}';

/// A term: a word or a phrase, as the user typed it (without quotes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    text: String,
    phrase: bool,
}

/// A parsed search: groups that must all match (each group matches when any of its terms
/// does), and terms that must not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    groups: Vec<Vec<Term>>,
    excluded: Vec<Term>,
    /// What was typed, as a title would be written: its words (quotes and exclusions
    /// dropped), for telling an exact title match.
    typed: String,
    /// What was typed, trimmed and lower-cased: the `title_key` of a title typed exactly.
    raw_key: String,
}

/// How relevance is computed and how far a count goes (the `BYLINE_SEARCH_*` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// How much age counts against a hit, in hundredths: at 100 a hit a year older needs
    /// twice the text score to rank level; 0 ranks by text alone.
    pub recency: u32,
    /// Relevance ranks the newest this many matches (all of them when fewer match).
    pub candidates: u32,
    /// `total` is exact up to this many matches; past it, it is this bound and says so.
    pub exact_total: u32,
    /// How long one search may run on PostgreSQL, in milliseconds.
    pub timeout_ms: u32,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            recency: 100,
            candidates: 1_000,
            exact_total: 10_000,
            timeout_ms: 5_000,
        }
    }
}

/// The start of the time scale of recency: only differences between stories matter, so a
/// fixed origin keeps a hit's place in the order from moving as the clock does.
fn origin() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

impl Tuning {
    /// The order key of a hit: its text score on a log scale, plus `recency` hundredths of
    /// a doubling for each year its date lies after 2000, plus a lead no text score can
    /// close when its title is what was typed. Higher is better; a hit's key does not
    /// change with the time of asking, so cursors over it stay valid.
    pub fn key(&self, text: f64, date: chrono::NaiveDateTime, exact_title: bool) -> f64 {
        let years = (date - origin()).num_seconds() as f64 / (365.2425 * 86_400.0);
        let text = text.max(1e-12).log2();
        let lead = if exact_title { 1e6 } else { 0.0 };
        lead + text + years * f64::from(self.recency) / 100.0
    }
}

/// A title or a query reduced to its words, lower-cased and joined by single spaces, so
/// that punctuation and spacing do not decide whether a title is what was typed.
pub fn title_words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn invalid(message: &str) -> Error {
    Error::invalid_query(vec![FieldError::new("q", Code::InvalidValue, message)])
}

impl Search {
    /// The search as the database behind `conn` runs it, for lists of `wanted` stories.
    /// The stories searched are in `locales` (`None`: in any language); on PostgreSQL each
    /// language's stemming is used for its stories.
    pub fn sql(
        &self,
        conn: &mut crate::db::AnyConnection,
        wanted: u32,
        locales: Option<&[String]>,
    ) -> diesel::QueryResult<crate::db::search::SearchSql> {
        let (websearch, fts5, probes) = (self.websearch(), self.fts5(), self.probes());
        let query = crate::db::search::Query {
            websearch,
            fts5,
            probes,
            locales: locales.map(<[String]>::to_vec),
        };
        crate::db::search::SearchSql::prepare(conn, query, wanted)
    }
}

pub use crate::db::search::is_cjk;

impl Search {
    /// Parses what a user typed. Unbalanced quotes close at the end; punctuation-only terms
    /// are dropped; a search with nothing left to look for is a 400.
    pub fn parse(input: &str) -> Result<Self, Error> {
        if input.chars().count() > MAX_LEN {
            return Err(invalid(&format!("q must be at most {MAX_LEN} characters")));
        }
        let mut groups: Vec<Vec<Term>> = Vec::new();
        let mut excluded = Vec::new();
        let mut pending_or = false;
        let mut chars = input.chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let Some(&first) = chars.peek() else { break };
            let negated = first == '-';
            if negated {
                chars.next();
            }
            let (text, phrase) = if chars.peek() == Some(&'"') {
                chars.next();
                let text: String = chars.by_ref().take_while(|c| *c != '"').collect();
                (text, true)
            } else {
                let text: String =
                    std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect();
                (text, false)
            };
            if !negated && !phrase && text == "OR" {
                pending_or = !groups.is_empty();
                continue;
            }
            let text = text.replace('"', " ");
            if !text.chars().any(char::is_alphanumeric) {
                continue;
            }
            let term = Term {
                text: text.trim().to_owned(),
                phrase,
            };
            if negated {
                excluded.push(term);
            } else if pending_or && let Some(last) = groups.last_mut() {
                last.push(term);
            } else {
                groups.push(vec![term]);
            }
            pending_or = false;
        }
        if groups.is_empty() {
            return Err(invalid("q needs at least one word to look for"));
        }
        let typed = title_words(
            &groups
                .iter()
                .flatten()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        Ok(Self {
            groups,
            excluded,
            typed,
            raw_key: crate::articles::model::title_key(input.trim()),
        })
    }

    /// Whether any term, wanted or excluded, is a phrase.
    pub fn has_phrase(&self) -> bool {
        self.groups
            .iter()
            .flatten()
            .chain(&self.excluded)
            .any(|t| t.phrase)
    }

    /// The `title_key`s a title typed exactly would have: as typed, and as its words.
    pub fn title_keys(&self) -> Vec<String> {
        let mut keys = vec![self.raw_key.clone()];
        if self.typed != self.raw_key {
            keys.push(self.typed.clone());
        }
        keys
    }

    /// The query's words as [`title_words`] writes a title: equal for an exact title match.
    pub fn typed(&self) -> &str {
        &self.typed
    }

    /// The query for PostgreSQL's `websearch_to_tsquery`, rebuilt from the parse so that it
    /// means what the FTS5 form means.
    pub fn websearch(&self) -> String {
        // A word of Chinese or Japanese is looked for as its characters in sequence: the
        // index holds them one by one (`byline_fold` on PostgreSQL).
        let term = |t: &Term| {
            if t.phrase || t.text.chars().any(is_cjk) {
                format!("\"{}\"", t.text)
            } else {
                t.text.clone()
            }
        };
        let mut parts: Vec<String> = self
            .groups
            .iter()
            .map(|g| g.iter().map(term).collect::<Vec<_>>().join(" OR "))
            .collect();
        parts.extend(self.excluded.iter().map(|t| format!("-{}", term(t))));
        parts.join(" ")
    }

    /// The query in FTS5's language. Every term is quoted, so nothing the user types is read
    /// as an FTS5 operator or column filter. A term with Chinese or Japanese is looked for
    /// as its characters in sequence, as the `cjk_words` column holds them.
    pub fn fts5(&self) -> String {
        let quote = |t: &Term| {
            let text = if t.text.chars().any(is_cjk) {
                crate::db::search::split_cjk(&t.text)
            } else {
                t.text.clone()
            };
            format!("\"{}\"", text.replace('"', "\"\""))
        };
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| format!("({})", g.iter().map(quote).collect::<Vec<_>>().join(" OR ")))
            .collect();
        let mut query = groups.join(" AND ");
        if !self.excluded.is_empty() {
            let excluded: Vec<String> = self.excluded.iter().map(quote).collect();
            query = format!("({query}) NOT ({})", excluded.join(" OR "));
        }
        query
    }
}

impl Search {
    /// Lower-case word beginnings to look for in a body, to find roughly where the first
    /// match is: each word of every term that must match, cut short so that inflections
    /// ("zeppelins" for "zeppelin") still turn up. Only where to highlight depends on them,
    /// never what matches; see `SearchSql::highlight`.
    pub fn probes(&self) -> Vec<String> {
        let mut probes: Vec<String> = self
            .groups
            .iter()
            .flatten()
            .flat_map(|t| t.text.split(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.chars().count() >= 3)
            .map(|w| {
                let n = w.chars().count();
                w.to_lowercase().chars().take((n - n / 4).max(3)).collect()
            })
            .collect();
        probes.sort_unstable();
        probes.dedup();
        probes.truncate(16);
        probes
    }
}

/// Escapes a highlight for HTML, then turns the match marks into `<mark>` tags.
pub fn highlight_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            MARK_START => out.push_str("<mark>"),
            MARK_END => out.push_str("</mark>"),
            c => push_escaped(&mut out, c),
        }
    }
    out
}

/// Plain text made safe in HTML: `&`, `<`, `>` and quotes as entities.
pub fn escape_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words_phrases_exclusions_and_or() {
        let s = Search::parse("oil \"supply cuts\" -gas brent OR wti").unwrap();
        assert_eq!(
            s.fts5(),
            r#"(("oil") AND ("supply cuts") AND ("brent" OR "wti")) NOT ("gas")"#
        );
        assert_eq!(s.websearch(), "oil \"supply cuts\" brent OR wti -gas");
    }

    #[test]
    fn hostile_input_is_tamed() {
        for q in [
            "\"unbalanced quote",
            "a\"b",
            "NEAR(a b)",
            "title:x",
            "x' OR 1=1 --",
            "😀 oil",
            "*",
            "a AND",
        ] {
            let s = Search::parse(q);
            if let Ok(s) = s {
                assert!(!s.fts5().is_empty(), "{q}");
            }
        }
        for q in ["", "   ", "-only", "OR", "!!! ???", "-\"a b\""] {
            assert!(Search::parse(q).is_err(), "{q}");
        }
        assert!(Search::parse(&"x".repeat(MAX_LEN + 1)).is_err());
    }

    #[test]
    fn probes_are_short_lower_case_word_starts_of_wanted_terms() {
        let s = Search::parse("Zeppelin \"supply cuts\" OR oil -gas x").unwrap();
        assert_eq!(s.probes(), vec!["cut", "oil", "suppl", "zeppel"]);
    }

    #[test]
    fn highlights_escape_everything_but_the_marks() {
        let raw = format!("<script>{MARK_START}oil{MARK_END}</script> & co");
        assert_eq!(
            highlight_html(&raw),
            "&lt;script&gt;<mark>oil</mark>&lt;/script&gt; &amp; co"
        );
    }
}
