//! The changes an article goes through. Each runs inside a write ([`crate::write`]), keeps the
//! article's rules (who may change what, which moves between states are allowed, unique
//! slugs) through its store, and says what it changed.

use chrono::NaiveDateTime;

use super::model::{Article, ArticleChangeset};
use super::repo::{self, Action, Writer};
use crate::domain::{IdOrSlug, IfMatch, Result};
use crate::write::{Subject, Tx, Verb};

/// Stores a new draft; `chosen_slug` when the writer picked the slug (a taken one is then a
/// conflict rather than a reason to add a suffix).
pub fn create(tx: &mut Tx<'_>, row: Article, chosen_slug: bool) -> Result<Article> {
    let article = repo::create(tx.conn(), row, chosen_slug)?;
    tx.changed(Subject::Article, &article.id, Verb::Created);
    Ok(article)
}

/// Applies a merge patch, if the writer may and the precondition holds.
pub fn update(
    tx: &mut Tx<'_>,
    key: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    changes: ArticleChangeset,
    now: NaiveDateTime,
) -> Result<Article> {
    let article = repo::update(tx.conn(), key, writer, precondition, changes, now)?;
    tx.changed(Subject::Article, &article.id, Verb::Updated);
    Ok(article)
}

/// Deletes an article, if the writer may and the precondition holds.
pub fn delete(
    tx: &mut Tx<'_>,
    key: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    now: NaiveDateTime,
) -> Result<()> {
    let id = repo::delete(tx.conn(), key, writer, precondition, now)?;
    tx.changed(Subject::Article, &id, Verb::Deleted);
    Ok(())
}

/// Publishes, unpublishes or archives an article.
pub fn transition(
    tx: &mut Tx<'_>,
    key: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    action: Action,
    now: NaiveDateTime,
) -> Result<Article> {
    let article = repo::transition(tx.conn(), key, writer, precondition, action, now)?;
    let verb = match action {
        Action::Publish(_) => Verb::Published,
        Action::Unpublish => Verb::Unpublished,
        Action::Archive => Verb::Archived,
    };
    tx.changed(Subject::Article, &article.id, verb);
    Ok(article)
}

/// Stores ready-made articles in bulk (the synthetic seed), each recorded as created.
pub fn import(tx: &mut Tx<'_>, rows: &[Article]) -> Result<()> {
    repo::insert_many(tx.conn(), rows)?;
    for row in rows {
        tx.changed(Subject::Article, &row.id, Verb::Created);
    }
    Ok(())
}
