//! Issuing and revoking API tokens, each inside a write ([`crate::write`]).

use super::model::ApiTokenRow;
use super::repo::{self, NewToken};
use crate::domain::Result;
use crate::write::{Subject, Tx, Verb};

/// Stores a new token (by hash).
pub fn create(tx: &mut Tx<'_>, new: NewToken) -> Result<ApiTokenRow> {
    let row = repo::create(tx.conn(), new)?;
    tx.changed(Subject::ApiToken, &row.id, Verb::Created);
    Ok(row)
}

/// Revokes a token; it stops working at once.
pub fn delete(tx: &mut Tx<'_>, id: &str) -> Result<()> {
    repo::delete(tx.conn(), id)?;
    tx.changed(Subject::ApiToken, id, Verb::Deleted);
    Ok(())
}
