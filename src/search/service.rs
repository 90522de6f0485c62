//! Suggestions for a prefix: sections, tags and authors whose name has words starting with
//! what was typed, then the newest public stories whose title does.

use chrono::NaiveDateTime;

use crate::domain::{Code, Error, FieldError, Result};
use crate::write::Ctx;

/// The longest prefix accepted, in characters.
pub const MAX_LEN: usize = 100;
/// Suggestions in one answer, at most.
pub const MAX: usize = 10;
/// Names (sections, tags, authors) among them, at most, when enough stories match too.
const NAMES: usize = 5;
/// Words of a prefix that count; the rest are ignored.
const WORDS: usize = 8;

crate::domain::kinds::named! {
    /// What a suggestion leads to.
    SuggestionKind, "type" {
        /// A story.
        Article = "article",
        /// A tag.
        Tag = "tag",
        /// An author.
        Author = "author",
        /// A section.
        Category = "category",
    }
}

/// One suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// What it leads to.
    pub kind: SuggestionKind,
    /// Its id.
    pub id: String,
    /// Its slug.
    pub slug: String,
    /// What to show: the title or name.
    pub label: String,
}

/// The suggestions for a prefix, and when they may change with no write.
#[derive(Debug)]
pub struct Suggestions {
    /// Names first, then stories, newest first.
    pub items: Vec<Suggestion>,
    /// The next moment a scheduled story comes due or a story expires.
    pub changes_at: Option<NaiveDateTime>,
}

fn invalid(message: &str) -> Error {
    Error::invalid_query(vec![FieldError::new("q", Code::InvalidValue, message)])
}

/// The words of a prefix, lower-cased: at most [`WORDS`], none when it holds no letter or
/// digit (punctuation alone suggests nothing).
pub fn words(q: &str) -> Result<Vec<String>> {
    let n = q.chars().count();
    if n == 0 || n > MAX_LEN {
        return Err(invalid(&format!("q must be 1 to {MAX_LEN} characters")));
    }
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(WORDS)
        .map(str::to_lowercase)
        .collect();
    Ok(words)
}

/// A text's words as slugs write them: lower-case ASCII, accents and scripts transliterated,
/// so `tomas` finds "Tomás" and `rynok` finds "Рынок".
fn folded(text: &str) -> Vec<String> {
    crate::slug::from_title(text, 1_000)
        .map(|s| s.split('-').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Whether each typed word starts a word of `name`.
fn name_matches(name: &str, typed: &[Vec<String>]) -> bool {
    let words = folded(name);
    typed
        .iter()
        .flatten()
        .all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
}

/// Up to [`MAX`] suggestions for `q`, public content only, whoever asks.
pub async fn suggest(ctx: &Ctx, q: &str) -> Result<Suggestions> {
    let words = words(q)?;
    if words.is_empty() {
        return Ok(Suggestions {
            items: Vec::new(),
            changes_at: None,
        });
    }
    let typed: Vec<Vec<String>> = words.iter().map(|w| folded(w)).collect();
    let now = ctx.now();
    let cache = ctx.writes.cache().clone();
    ctx.read(move |conn| {
        let longest = words.iter().max_by_key(|w| w.chars().count()).cloned();
        let mut names = Vec::new();
        if let Some(word) = longest {
            let (categories, tags, authors) = super::repo::names_containing(conn, &word)?;
            let kinds = [
                (SuggestionKind::Category, categories),
                (SuggestionKind::Tag, tags),
                (SuggestionKind::Author, authors),
            ];
            for (kind, rows) in kinds {
                for (id, slug, label) in rows {
                    if name_matches(&label, &typed) && names.len() < MAX {
                        names.push(Suggestion {
                            kind,
                            id,
                            slug,
                            label,
                        });
                    }
                }
            }
        }
        let stories = crate::articles::repo::titles_starting(conn, &words, now, MAX as u32)?;
        let room_for_names = NAMES.max(MAX.saturating_sub(stories.len()));
        names.truncate(room_for_names);
        let mut items = names;
        for (id, slug, label) in stories {
            if items.len() == MAX {
                break;
            }
            items.push(Suggestion {
                kind: SuggestionKind::Article,
                id: id.to_string(),
                slug,
                label,
            });
        }
        let changes_at = crate::outbox::repo::next_due_cached(conn, &cache)?;
        Ok(Suggestions { items, changes_at })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_its_words() {
        assert_eq!(words("JICA  ast").unwrap(), ["jica", "ast"]);
        assert_eq!(words("Рын").unwrap(), ["рын"]);
        assert!(words("").is_err());
        assert!(words("  !!").unwrap().is_empty());
        assert!(words("\u{10c933}\u{d01fc}").unwrap().is_empty());
        assert!(words(&"a".repeat(MAX_LEN + 1)).is_err());
        assert_eq!(words(&"a ".repeat(20)).unwrap().len(), WORDS);
    }

    #[test]
    fn names_match_by_word_starts_across_accents_and_scripts() {
        let typed =
            |q: &str| -> Vec<Vec<String>> { words(q).unwrap().iter().map(|w| folded(w)).collect() };
        assert!(name_matches("Tomás Ruiz", &typed("tomas")));
        assert!(name_matches("Tomás Ruiz", &typed("ru tom")));
        assert!(!name_matches("Tomás Ruiz", &typed("uiz")));
        assert!(name_matches("Рынок", &typed("Рын")));
        assert!(name_matches("Central banks", &typed("bank")));
    }
}
