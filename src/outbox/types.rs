//! The names of events and the patterns that select them (`article.*`, `*`).

use crate::domain::change::{Change, Subject, Verb};

/// Every event type, in the order the documentation lists them.
pub const ALL: &[&str] = &[
    "article.created",
    "article.updated",
    "article.published",
    "article.unpublished",
    "article.archived",
    "article.trashed",
    "article.untrashed",
    "article.deleted",
    "article.expired",
    "author.created",
    "author.updated",
    "author.deleted",
    "category.created",
    "category.updated",
    "category.deleted",
    "tag.created",
    "tag.updated",
    "tag.deleted",
    "media.created",
    "media.updated",
    "media.deleted",
];

/// The type of a webhook's test delivery; it is not in the feed.
pub const PING: &str = "webhook.ping";

/// The event a change makes, if it makes one: changes to users, tokens and sessions are in
/// the audit log only. Scheduling a story is an update (it is not public yet); the story's
/// `article.published` comes when it is due.
pub fn of(change: &Change) -> Option<&'static str> {
    use Verb as V;
    Some(match (change.subject, change.verb) {
        (Subject::Article, V::Created) => "article.created",
        (Subject::Article, V::Updated | V::Restored | V::Scheduled) => "article.updated",
        (Subject::Article, V::Published) => "article.published",
        (Subject::Article, V::Unpublished) => "article.unpublished",
        (Subject::Article, V::Archived) => "article.archived",
        (Subject::Article, V::Trashed) => "article.trashed",
        (Subject::Article, V::Untrashed) => "article.untrashed",
        (Subject::Article, V::Deleted) => "article.deleted",
        (Subject::Article, V::Expired) => "article.expired",
        (Subject::Author, V::Created) => "author.created",
        (Subject::Author, V::Updated) => "author.updated",
        (Subject::Author, V::Deleted) => "author.deleted",
        (Subject::Category, V::Created) => "category.created",
        (Subject::Category, V::Updated) => "category.updated",
        (Subject::Category, V::Deleted) => "category.deleted",
        (Subject::Tag, V::Created) => "tag.created",
        (Subject::Tag, V::Updated) => "tag.updated",
        (Subject::Tag, V::Deleted) => "tag.deleted",
        (Subject::Media, V::Created) => "media.created",
        (Subject::Media, V::Updated) => "media.updated",
        (Subject::Media, V::Deleted) => "media.deleted",
        _ => return None,
    })
}

/// Whether `pattern` is one a filter may name: `*`, `<resource>.*` or an event type.
pub fn is_pattern(pattern: &str) -> bool {
    pattern == "*"
        || ALL.contains(&pattern)
        || pattern
            .strip_suffix(".*")
            .is_some_and(|prefix| ALL.iter().any(|t| t.split('.').next() == Some(prefix)))
}

/// Whether `kind` matches any of `patterns`.
pub fn matches(patterns: &[String], kind: &str) -> bool {
    patterns.iter().any(|p| {
        p == "*"
            || p == kind
            || p.strip_suffix(".*").is_some_and(|prefix| {
                kind.strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
            })
    })
}

/// The event types `patterns` select, for a query.
pub fn expand(patterns: &[String]) -> Vec<&'static str> {
    ALL.iter()
        .copied()
        .filter(|t| matches(patterns, t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_select_their_types() {
        let p = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches(&p(&["article.*"]), "article.published"));
        assert!(!matches(&p(&["article.*"]), "author.updated"));
        assert!(!matches(&p(&["art.*"]), "article.updated"));
        assert!(matches(&p(&["*"]), "category.deleted"));
        assert_eq!(expand(&p(&["author.*", "article.expired"])).len(), 4);
        assert!(is_pattern("category.*") && is_pattern("article.expired") && is_pattern("*"));
        assert!(
            !is_pattern("article.") && !is_pattern("articles.*") && !is_pattern("webhook.ping")
        );
    }
}
