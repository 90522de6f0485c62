//! The names of events and the patterns that select them (`article.*`, `*`).

use crate::domain::change::{Change, Subject, Verb};
use crate::domain::{EventType, Named};

/// Every event type of the feed, in the order the documentation lists them (a ping is not
/// in the feed).
pub const ALL: &[EventType] = {
    let all = <EventType as Named>::ALL;
    match all.split_last() {
        Some((EventType::WebhookPing, feed)) => feed,
        _ => all,
    }
};

/// The event a change makes, if it makes one: changes to users, tokens and sessions are in
/// the audit log only. Scheduling a story is an update (it is not public yet); the story's
/// `article.published` comes when it is due.
pub fn of(change: &Change) -> Option<EventType> {
    use EventType as ET;
    use Verb as V;
    Some(match (change.subject, change.verb) {
        (Subject::Article, V::Created) => ET::ArticleCreated,
        (Subject::Article, V::Updated | V::Restored | V::Scheduled) => ET::ArticleUpdated,
        (Subject::Article, V::Published) => ET::ArticlePublished,
        (Subject::Article, V::Unpublished) => ET::ArticleUnpublished,
        (Subject::Article, V::Archived) => ET::ArticleArchived,
        (Subject::Article, V::Trashed) => ET::ArticleTrashed,
        (Subject::Article, V::Untrashed) => ET::ArticleUntrashed,
        (Subject::Article, V::Deleted) => ET::ArticleDeleted,
        (Subject::Article, V::Expired) => ET::ArticleExpired,
        (Subject::Article, V::Submitted) => ET::ArticleSubmitted,
        (Subject::Article, V::Returned) => ET::ArticleReturned,
        (Subject::Article, V::Corrected) => ET::ArticleCorrected,
        (Subject::Lock, V::TakenOver) => ET::ArticleLockTaken,
        (Subject::Author, V::Created) => ET::AuthorCreated,
        (Subject::Author, V::Updated) => ET::AuthorUpdated,
        (Subject::Author, V::Deleted) => ET::AuthorDeleted,
        (Subject::Category, V::Created) => ET::CategoryCreated,
        (Subject::Category, V::Updated) => ET::CategoryUpdated,
        (Subject::Category, V::Deleted) => ET::CategoryDeleted,
        (Subject::Tag, V::Created) => ET::TagCreated,
        (Subject::Tag, V::Updated) => ET::TagUpdated,
        (Subject::Tag, V::Deleted) => ET::TagDeleted,
        (Subject::Media, V::Created) => ET::MediaCreated,
        (Subject::Media, V::Updated) => ET::MediaUpdated,
        (Subject::Media, V::Deleted) => ET::MediaDeleted,
        (Subject::Preview, V::Created) => ET::PreviewCreated,
        (Subject::Preview, V::Revoked) => ET::PreviewRevoked,
        (Subject::Note, V::Created) => ET::NoteCreated,
        (Subject::Note, V::Deleted) => ET::NoteDeleted,
        _ => return None,
    })
}

/// Whether `pattern` is one a filter may name: `*`, `<resource>.*` or an event type.
pub fn is_pattern(pattern: &str) -> bool {
    pattern == "*"
        || ALL.iter().any(|t| t.as_str() == pattern)
        || pattern.strip_suffix(".*").is_some_and(|prefix| {
            ALL.iter()
                .any(|t| t.as_str().split('.').next() == Some(prefix))
        })
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
pub fn expand(patterns: &[String]) -> Vec<EventType> {
    ALL.iter()
        .copied()
        .filter(|t| matches(patterns, t.as_str()))
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
