//! Languages of stories: BCP 47 tags, checked and written in their usual case.
//!
//! A tag is a language (2 or 3 letters), then optionally a script (4 letters), a region
//! (2 letters or 3 digits) and up to two variants (5 to 8 letters and digits, or a digit and
//! 3 more).
//! Extensions and private use are not taken: a newsroom names languages, not calendars.
//! Hyphens or underscores separate the parts; the answer uses hyphens, with the language
//! in lower case, the script in title case and the region in upper case (`pt_br` →
//! `pt-BR`, `SR-latn-rs` → `sr-Latn-RS`).

use std::collections::BTreeMap;

/// Names (or descriptions) of a section or tag per language, by tag; stored as a JSON
/// object in the row.
pub type Names = BTreeMap<String, String>;

/// The most languages one section or tag is named in.
pub const NAMES_MAX: usize = 100;

/// The names a row holds (its JSON text; anything unreadable is none).
pub fn names(text: &str) -> Names {
    serde_json::from_str(text).unwrap_or_default()
}

/// The JSON text a row keeps.
pub fn names_text(names: &Names) -> String {
    serde_json::to_string(names).unwrap_or_else(|_| "{}".to_owned())
}

/// The name for `locale`: its own, else its language's (`pt` for `pt-BR`), else none (the
/// caller falls back to the default name).
pub fn pick<'a>(names: &'a Names, locale: &str) -> Option<&'a str> {
    names
        .get(locale)
        .or_else(|| names.get(language(locale)))
        .map(String::as_str)
}

/// A change to a row's names, as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamesChange {
    /// These names and no others (a create).
    Set(Names),
    /// A merge patch: a value names a language anew, `None` removes it.
    Merge(BTreeMap<String, Option<String>>),
    /// None at all.
    Clear,
}

impl NamesChange {
    /// The names after the change, written as the row keeps them; `None` when they stay
    /// as `current` holds them.
    pub fn apply(self, current: &str) -> Option<String> {
        let before = names(current);
        let after = match self {
            NamesChange::Set(names) => names,
            NamesChange::Clear => Names::new(),
            NamesChange::Merge(patch) => {
                let mut out = before.clone();
                for (tag, value) in patch {
                    match value {
                        Some(value) => out.insert(tag, value),
                        None => out.remove(&tag),
                    };
                }
                out
            }
        };
        (after != before).then(|| names_text(&after))
    }
}

/// The language of a story made where no setting reaches (`BYLINE_DEFAULT_LOCALE`'s
/// default).
pub const FALLBACK: &str = "en";

/// The most variants a tag may have (`sl-rozaj-biske`).
const MAX_VARIANTS: usize = 2;

/// The longest tag accepted.
pub const MAX_LEN: usize = 35;

/// The pattern of a tag, as the OpenAPI document states it (either case, `-` or `_`).
pub const PATTERN: &str = "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}$";

/// The pattern of a comma-separated list of up to 20 tags.
pub const LIST_PATTERN: &str = "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}(,[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}){0,19}$";

/// The most tags a `locale` filter may name.
pub const LIST_MAX: usize = 20;

/// The tag in its usual case, or `None` when `raw` is not a well-formed tag.
pub fn normalize(raw: &str) -> Option<String> {
    if raw.is_empty() || raw.len() > MAX_LEN || !raw.is_ascii() {
        return None;
    }
    let mut parts = raw.split(['-', '_']).peekable();
    let language = parts.next()?;
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = language.to_ascii_lowercase();
    if let Some(script) =
        parts.next_if(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        out.push('-');
        out.push_str(&script[..1].to_ascii_uppercase());
        out.push_str(&script[1..].to_ascii_lowercase());
    }
    let region = |p: &&str| {
        (p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()))
            || (p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
    };
    if let Some(region) = parts.next_if(region) {
        out.push('-');
        out.push_str(&region.to_ascii_uppercase());
    }
    for (n, variant) in parts.enumerate() {
        if n == MAX_VARIANTS {
            return None;
        }
        let alnum = variant.bytes().all(|b| b.is_ascii_alphanumeric());
        let long = (5..=8).contains(&variant.len());
        let short = variant.len() == 4 && variant.as_bytes()[0].is_ascii_digit();
        if !alnum || !(long || short) {
            return None;
        }
        out.push('-');
        out.push_str(&variant.to_ascii_lowercase());
    }
    Some(out)
}

/// The language part of a tag (`pt` of `pt-BR`).
pub fn language(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// The PostgreSQL text-search configuration for stories in `tag`: the stemmer PostgreSQL
/// ships for its language, or `simple` (words as written, folded) for the rest.
/// `db/search.rs` and the `byline_locale_config` function of the migrations hold the same
/// table.
pub fn search_config(tag: &str) -> &'static str {
    CONFIGS
        .iter()
        .find(|(code, _)| *code == language(tag))
        .map_or("simple", |(_, config)| config)
}

/// Languages with a stemmer among PostgreSQL's built-in text-search configurations.
pub const CONFIGS: &[(&str, &str)] = &[
    ("ar", "arabic"),
    ("hy", "armenian"),
    ("eu", "basque"),
    ("ca", "catalan"),
    ("da", "danish"),
    ("nl", "dutch"),
    ("en", "english"),
    ("fi", "finnish"),
    ("fr", "french"),
    ("de", "german"),
    ("el", "greek"),
    ("hi", "hindi"),
    ("hu", "hungarian"),
    ("id", "indonesian"),
    ("ga", "irish"),
    ("it", "italian"),
    ("lt", "lithuanian"),
    ("ne", "nepali"),
    ("no", "norwegian"),
    ("nb", "norwegian"),
    ("nn", "norwegian"),
    ("pt", "portuguese"),
    ("ro", "romanian"),
    ("ru", "russian"),
    ("sr", "serbian"),
    ("es", "spanish"),
    ("sv", "swedish"),
    ("ta", "tamil"),
    ("tr", "turkish"),
    ("yi", "yiddish"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_come_back_in_their_usual_case() {
        for (raw, tag) in [
            ("en", "en"),
            ("EN", "en"),
            ("pt-br", "pt-BR"),
            ("pt_BR", "pt-BR"),
            ("sr-latn-rs", "sr-Latn-RS"),
            ("zh-Hant", "zh-Hant"),
            ("es-419", "es-419"),
            ("kk", "kk"),
            ("de-CH-1996", "de-CH-1996"),
            ("sl-rozaj", "sl-rozaj"),
        ] {
            assert_eq!(normalize(raw).as_deref(), Some(tag), "{raw}");
        }
    }

    #[test]
    fn malformed_tags_are_refused() {
        for raw in [
            "",
            "e",
            "english",
            "en-",
            "-en",
            "en--us",
            "en-u",
            "en-x-private",
            "ру",
            "en us",
            "12",
            "en-US-a",
            "en-123456789",
            "sl-rozaj-biske-1994",
        ] {
            assert_eq!(normalize(raw), None, "{raw:?}");
        }
        assert_eq!(normalize(&"a".repeat(40)), None);
    }

    #[test]
    fn names_fall_back_to_the_language() {
        let mut n = Names::new();
        n.insert("pt".into(), "Mercado".into());
        n.insert("ru".into(), "Рынок".into());
        assert_eq!(pick(&n, "pt-BR"), Some("Mercado"));
        assert_eq!(pick(&n, "ru"), Some("Рынок"));
        assert_eq!(pick(&n, "kk"), None);
        let merged = NamesChange::Merge(
            [
                ("ru".to_owned(), None),
                ("kk".to_owned(), Some("Нарық".to_owned())),
            ]
            .into(),
        )
        .apply(&names_text(&n));
        assert_eq!(merged.as_deref(), Some(r#"{"kk":"Нарық","pt":"Mercado"}"#));
        assert_eq!(NamesChange::Set(n.clone()).apply(&names_text(&n)), None);
    }

    #[test]
    fn configurations_follow_the_language() {
        assert_eq!(search_config("ru"), "russian");
        assert_eq!(search_config("pt-BR"), "portuguese");
        assert_eq!(search_config("kk"), "simple");
        assert_eq!(search_config("ja"), "simple");
    }
}
