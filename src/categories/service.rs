//! The changes a category goes through, each inside a write ([`crate::write`]).

use chrono::NaiveDateTime;

use super::model::Category;
use super::repo::{self, CreateInput, UpdateInput};
use crate::domain::{IdOrSlug, Result};
use crate::write::{Subject, Tx, Verb};

/// Stores a new category.
pub fn create(tx: &mut Tx<'_>, input: CreateInput, now: NaiveDateTime) -> Result<Category> {
    let category = repo::create(tx.conn(), input, now)?;
    tx.changed(Subject::Category, &category.id, Verb::Created);
    Ok(category)
}

/// Applies a merge patch; a move that would make a loop is refused.
pub fn update(
    tx: &mut Tx<'_>,
    key: &IdOrSlug,
    input: UpdateInput,
    now: NaiveDateTime,
) -> Result<Category> {
    let category = repo::update(tx.conn(), key, input, now)?;
    tx.changed(Subject::Category, &category.id, Verb::Updated);
    Ok(category)
}

/// Deletes a category nothing refers to.
pub fn delete(tx: &mut Tx<'_>, key: &IdOrSlug) -> Result<()> {
    let id = repo::delete(tx.conn(), key)?;
    tx.changed(Subject::Category, &id, Verb::Deleted);
    Ok(())
}
