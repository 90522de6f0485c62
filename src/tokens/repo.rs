//! Queries on API tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::ApiTokenRow;
use crate::db::AnyConnection;
use crate::db::schema::api_tokens::dsl as t;
use crate::domain::{Error, Scope};

/// A token about to be stored.
pub struct NewToken {
    /// UUIDv7.
    pub id: String,
    /// Name.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// SHA-256 of the secret.
    pub hash: String,
    /// The admin who made it.
    pub created_by: String,
    /// Now.
    pub created_at: NaiveDateTime,
    /// Expiry.
    pub expires_at: Option<NaiveDateTime>,
}

/// Stores a token and returns its row.
pub fn create(conn: &mut AnyConnection, new: NewToken) -> Result<ApiTokenRow, Error> {
    insert(conn, &new)?;
    get(conn, &new.id)
}

fn insert(conn: &mut AnyConnection, new: &NewToken) -> QueryResult<usize> {
    diesel::insert_into(t::api_tokens)
        .values((
            t::id.eq(&new.id),
            t::name.eq(&new.name),
            t::scope.eq(&new.scope),
            t::token_hash.eq(&new.hash),
            t::created_by.eq(&new.created_by),
            t::created_at.eq(new.created_at),
            t::expires_at.eq(new.expires_at),
        ))
        .execute(conn)
}

/// A token by id, or 404.
pub fn get(conn: &mut AnyConnection, id: &str) -> Result<ApiTokenRow, Error> {
    t::api_tokens
        .filter(t::id.eq(id))
        .select(ApiTokenRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("no API token has that id"))
}

/// One page in creation order after `(created_at, id)`.
pub fn list(
    conn: &mut AnyConnection,
    after: Option<(NaiveDateTime, String)>,
    limit: u32,
) -> QueryResult<Vec<ApiTokenRow>> {
    let mut query = t::api_tokens.select(ApiTokenRow::as_select()).into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            t::created_at
                .gt(at)
                .or(t::created_at.eq(at).and(t::id.gt(id))),
        );
    }
    query
        .order((t::created_at.asc(), t::id.asc()))
        .limit(i64::from(limit) + 1)
        .load(conn)
}

/// How many tokens exist.
pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    t::api_tokens.count().get_result(conn)
}

/// Revokes a token by deleting it; it stops working at once.
pub fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), Error> {
    let deleted = diesel::delete(t::api_tokens.filter(t::id.eq(id))).execute(conn)?;
    if deleted == 0 {
        return Err(Error::not_found("no API token has that id"));
    }
    Ok(())
}
