//! Queries behind authentication: refresh-token families and API-token lookups.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{api_tokens::dsl as t, refresh_tokens::dsl as r};
use crate::domain::Error;
use crate::domain::Scope;
use crate::domain::caller::Principal;
use crate::users::model::User;

/// API tokens' `last_used_at` is written at most this often, not on every request.
const LAST_USED_PRECISION_SECS: i64 = 60;

/// The user row an access token names, if it still exists.
pub fn auth_user(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<User>> {
    crate::users::repo::find(conn, id)
}

/// An API token that authenticated: who it is, its name, and whether its `last_used_at` is
/// due to be moved on.
pub struct TokenCaller {
    /// The principal.
    pub principal: Principal,
    /// The token's name.
    pub name: String,
    /// Whether `last_used_at` should move on.
    pub stale: bool,
}

/// A token's id, name, scope, expiry and last use.
type TokenRow = (
    String,
    String,
    Scope,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// The API token given by hash, if it exists and has not expired.
pub fn authenticate_api_token(
    conn: &mut AnyConnection,
    hash: &str,
    now: NaiveDateTime,
) -> Result<Option<TokenCaller>, Error> {
    let row: Option<TokenRow> = t::api_tokens
        .filter(t::token_hash.eq(hash))
        .select((t::id, t::name, t::scope, t::expires_at, t::last_used_at))
        .first(conn)
        .optional()?;
    let Some((id, name, scope, expires_at, last_used_at)) = row else {
        return Ok(None);
    };
    if expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    let stale = last_used_at.is_none_or(|t| now - t >= Duration::seconds(LAST_USED_PRECISION_SECS));
    Ok(Some(TokenCaller {
        principal: Principal::Token { id, scope },
        name,
        stale,
    }))
}

/// Records that a token was used now.
pub fn touch_api_token(
    conn: &mut AnyConnection,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(t::api_tokens.filter(t::id.eq(id)))
        .set(t::last_used_at.eq(now))
        .execute(conn)
}

/// Stores a new refresh token (by hash) in a family.
pub fn insert_refresh(
    conn: &mut AnyConnection,
    user_id: &str,
    family_id: &str,
    hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(r::refresh_tokens)
        .values((
            r::id.eq(uuid::Uuid::now_v7().to_string()),
            r::user_id.eq(user_id),
            r::family_id.eq(family_id),
            r::token_hash.eq(hash),
            r::created_at.eq(now),
            r::expires_at.eq(expires_at),
        ))
        .execute(conn)
}

/// The columns of a refresh token that rotation looks at.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::refresh_tokens)]
struct RefreshRow {
    id: String,
    user_id: String,
    family_id: String,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

/// What presenting a refresh token led to.
pub enum Rotation {
    /// Valid: it is now used, and the new one is stored. Carries the user.
    Rotated(User),
    /// Unknown, expired or revoked.
    Invalid,
    /// Already used: the family is revoked, since someone holds a copy.
    Reused {
        /// The revoked family.
        family: String,
        /// Whose it was.
        user_id: String,
    },
}

/// Uses up a refresh token and stores its successor, in one transaction. A token used again
/// within `reuse_interval` of its first use gets a successor too; later, the whole family is
/// revoked.
pub fn rotate(
    conn: &mut AnyConnection,
    hash: &str,
    new_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    reuse_interval: Duration,
) -> Result<Rotation, Error> {
    let row = r::refresh_tokens
        .filter(r::token_hash.eq(hash))
        .select(RefreshRow::as_select())
        .first(conn)
        .optional()?;
    let Some(RefreshRow {
        id,
        user_id,
        family_id,
        expires_at: expires,
        used_at,
        revoked_at,
    }) = row
    else {
        return Ok(Rotation::Invalid);
    };
    if revoked_at.is_some() || expires <= now {
        return Ok(Rotation::Invalid);
    }
    // Two tabs of one browser often refresh with the same token within moments: the
    // second gets a pair of its own. Past the interval, a second use means a copy.
    let within_interval = |first: NaiveDateTime| now - first <= reuse_interval;
    if used_at.is_some_and(|first| !within_interval(first)) {
        revoke_family(conn, &family_id, now)?;
        return Ok(Rotation::Reused {
            family: family_id,
            user_id,
        });
    }
    let Some(user) = crate::users::repo::find(conn, &user_id)? else {
        return Ok(Rotation::Invalid);
    };
    if used_at.is_none() {
        // Concurrent refreshes with one token: the first marks it, the others find it
        // marked and are judged by the interval like any later use.
        let marked =
            diesel::update(r::refresh_tokens.filter(r::id.eq(&id).and(r::used_at.is_null())))
                .set(r::used_at.eq(now))
                .execute(conn)?;
        if marked == 0 {
            let first: Option<NaiveDateTime> = r::refresh_tokens
                .filter(r::id.eq(&id))
                .select(r::used_at)
                .first(conn)?;
            if !first.is_some_and(within_interval) {
                revoke_family(conn, &family_id, now)?;
                return Ok(Rotation::Reused {
                    family: family_id,
                    user_id,
                });
            }
        }
    }
    insert_refresh(conn, &user.id, &family_id, new_hash, now, expires_at)?;
    Ok(Rotation::Rotated(user))
}

/// Revokes the family a refresh token belongs to (logout) and returns it. Unknown tokens
/// change nothing.
pub fn revoke_by_token(
    conn: &mut AnyConnection,
    hash: &str,
    now: NaiveDateTime,
) -> Result<Option<String>, Error> {
    let family: Option<String> = r::refresh_tokens
        .filter(r::token_hash.eq(hash))
        .select(r::family_id)
        .first(conn)
        .optional()?;
    if let Some(family) = &family {
        revoke_family(conn, family, now)?;
    }
    Ok(family)
}

fn revoke_family(
    conn: &mut AnyConnection,
    family_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        r::refresh_tokens.filter(r::family_id.eq(family_id).and(r::revoked_at.is_null())),
    )
    .set(r::revoked_at.eq(now))
    .execute(conn)
}
