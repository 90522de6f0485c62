//! The writes of signing in and out, each inside a write ([`crate::write`]): a new session, a
//! rotated refresh token, a revoked family, and an API token's `last_used_at`.

use chrono::{Duration, NaiveDateTime};

use super::repo::{self, Rotation};
use crate::domain::Result;
use crate::users::model::User;
use crate::write::{Subject, Tx, Verb};

/// What a new session stores.
pub struct NewSession<'a> {
    /// The user signing in.
    pub user_id: &'a str,
    /// The refresh-token family the session starts.
    pub family: &'a str,
    /// The hash of its first refresh token.
    pub hash: &'a str,
    /// When that token expires.
    pub expires_at: NaiveDateTime,
}

/// Starts a session: its first refresh token and the user's login time are stored together or
/// not at all. Returns the user as now stored.
pub fn start_session(
    tx: &mut Tx<'_>,
    session: &NewSession<'_>,
    now: NaiveDateTime,
) -> Result<User> {
    let conn = tx.conn();
    repo::insert_refresh(
        conn,
        session.user_id,
        session.family,
        session.hash,
        now,
        session.expires_at,
    )?;
    crate::users::repo::touch_login(conn, session.user_id, now)?;
    let user = crate::users::repo::get(conn, session.user_id)?;
    tx.changed(Subject::Session, session.family, Verb::Created);
    Ok(user)
}

/// Exchanges a refresh token for the next one of its family.
pub fn rotate(
    tx: &mut Tx<'_>,
    hash: &str,
    new_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    reuse_interval: Duration,
) -> Result<Rotation> {
    repo::rotate(tx.conn(), hash, new_hash, now, expires_at, reuse_interval)
}

/// Ends the session a refresh token belongs to; an unknown token changes nothing.
pub fn end_session(tx: &mut Tx<'_>, hash: &str, now: NaiveDateTime) -> Result<()> {
    if let Some(family) = repo::revoke_by_token(tx.conn(), hash, now)? {
        tx.changed(Subject::Session, &family, Verb::Deleted);
    }
    Ok(())
}

/// Moves an API token's `last_used_at` on.
pub fn touch_api_token(tx: &mut Tx<'_>, id: &str, now: NaiveDateTime) -> Result<()> {
    repo::touch_api_token(tx.conn(), id, now)?;
    Ok(())
}
