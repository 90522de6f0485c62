//! The changes an author profile goes through, each inside a write ([`crate::write`]).

use chrono::NaiveDateTime;

use super::model::{Author, AuthorChangeset};
use super::repo;
use crate::domain::{IdOrSlug, Result};
use crate::write::{Subject, Tx, Verb};

/// Stores a new author; a chosen slug that is taken is a conflict.
pub fn create(tx: &mut Tx<'_>, row: Author, chosen_slug: bool) -> Result<Author> {
    let author = repo::create(tx.conn(), row, chosen_slug)?;
    tx.changed(Subject::Author, &author.id, Verb::Created);
    Ok(author)
}

/// Applies a merge patch.
pub fn update(
    tx: &mut Tx<'_>,
    key: &IdOrSlug,
    changes: AuthorChangeset,
    now: NaiveDateTime,
) -> Result<Author> {
    let author = repo::update(tx.conn(), key, changes, now)?;
    tx.changed(Subject::Author, &author.id, Verb::Updated);
    Ok(author)
}

/// Deletes an author; with `reassign_to`, its articles move to that byline first (each is a
/// change of its own).
pub fn delete(
    tx: &mut Tx<'_>,
    key: &IdOrSlug,
    reassign_to: Option<&str>,
    now: NaiveDateTime,
) -> Result<()> {
    let removed = repo::delete(tx.conn(), key, reassign_to, now)?;
    for article in &removed.reassigned {
        tx.changed(Subject::Article, article, Verb::Updated);
    }
    tx.changed(Subject::Author, &removed.id, Verb::Deleted);
    Ok(())
}
