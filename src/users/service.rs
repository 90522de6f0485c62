//! The changes a user account goes through, each inside a write ([`crate::write`]).

use chrono::NaiveDateTime;

use super::model::{NewUser, User, UserChangeset};
use super::repo;
use crate::domain::Result;
use crate::write::{Subject, Tx, Verb};

/// Stores a new user; a taken email is a conflict.
pub fn create(tx: &mut Tx<'_>, row: NewUser) -> Result<User> {
    let user = repo::create(tx.conn(), row)?;
    tx.changed(Subject::User, &user.id, Verb::Created);
    Ok(user)
}

/// Applies a merge patch; the last admin keeps their role.
pub fn update(
    tx: &mut Tx<'_>,
    id: &str,
    changes: UserChangeset,
    now: NaiveDateTime,
) -> Result<User> {
    let user = repo::update(tx.conn(), id, changes, now)?;
    tx.changed(Subject::User, &user.id, Verb::Updated);
    Ok(user)
}

/// Deletes a user and their sessions; the last admin stays.
pub fn delete(tx: &mut Tx<'_>, id: &str) -> Result<()> {
    repo::delete(tx.conn(), id)?;
    tx.changed(Subject::User, id, Verb::Deleted);
    Ok(())
}
