//! The `idempotency_keys` table.

use crate::domain::IdempotencyState;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::idempotency_keys as k;
use crate::db::{AnyConnection, QueryResult};

/// A key as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = k)]
pub struct KeyRow {
    /// `user:<id>` or `token:<id>`.
    pub caller: String,
    /// The client's key.
    pub key: String,
    /// Hash of method, path, query, content type and body.
    pub fingerprint: String,
    /// Running, answered, or answered with a secret.
    pub state: IdempotencyState,
    /// The answer's status.
    pub status: Option<i32>,
    /// Its `Location`.
    pub location: Option<String>,
    /// Its `ETag`.
    pub etag: Option<String>,
    /// Its `Content-Type`.
    pub content_type: Option<String>,
    /// Its body.
    pub body: Option<Vec<u8>>,
    /// When the first request came.
    pub created_at: NaiveDateTime,
    /// Until when a running request holds the key.
    pub locked_until: NaiveDateTime,
}

/// The key, locked until the transaction ends (PostgreSQL).
pub fn get(conn: &mut AnyConnection, caller: &str, key: &str) -> QueryResult<Option<KeyRow>> {
    let id = (caller.to_owned(), key.to_owned());
    crate::db::per_backend(
        conn,
        |pg| {
            k::table
                .find(id.clone())
                .select(KeyRow::as_select())
                .for_update()
                .first(pg)
                .optional()
        },
        |lite| {
            k::table
                .find(id.clone())
                .select(KeyRow::as_select())
                .first(lite)
                .optional()
        },
    )
}

/// Claims a new key for a request; `false` when another request holds it already.
pub fn claim(
    conn: &mut AnyConnection,
    caller: &str,
    key: &str,
    fingerprint: &str,
    now: NaiveDateTime,
    locked_until: NaiveDateTime,
) -> QueryResult<bool> {
    let values = (
        k::caller.eq(caller),
        k::key.eq(key),
        k::fingerprint.eq(fingerprint),
        k::state.eq(IdempotencyState::Running),
        k::created_at.eq(now),
        k::locked_until.eq(locked_until),
    );
    let n = crate::db::per_backend(
        conn,
        |pg| {
            diesel::insert_into(k::table)
                .values(values)
                .on_conflict_do_nothing()
                .execute(pg)
        },
        |lite| {
            diesel::insert_into(k::table)
                .values(values)
                .on_conflict_do_nothing()
                .execute(lite)
        },
    )?;
    Ok(n == 1)
}

/// Takes over a key whose request was abandoned.
pub fn relock(
    conn: &mut AnyConnection,
    caller: &str,
    key: &str,
    locked_until: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(k::table.find((caller.to_owned(), key.to_owned())))
        .set(k::locked_until.eq(locked_until))
        .execute(conn)?;
    Ok(())
}

/// The answer of a request, to replay.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status code.
    pub status: i32,
    /// `Location`.
    pub location: Option<String>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// Body.
    pub body: Vec<u8>,
}

/// Stores the answer of a key's request.
pub fn store(
    conn: &mut AnyConnection,
    caller: &str,
    key: &str,
    answer: &Answer,
) -> QueryResult<()> {
    diesel::update(k::table.find((caller.to_owned(), key.to_owned())))
        .set((
            k::state.eq(IdempotencyState::Done),
            k::status.eq(Some(answer.status)),
            k::location.eq(answer.location.as_deref()),
            k::etag.eq(answer.etag.as_deref()),
            k::content_type.eq(answer.content_type.as_deref()),
            k::body.eq(Some(&answer.body)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks a key's request as answered with a secret: its status and `Location` are kept,
/// its body (which holds the secret) is not.
pub fn seal(
    conn: &mut AnyConnection,
    caller: &str,
    key: &str,
    status: i32,
    location: Option<&str>,
) -> QueryResult<()> {
    diesel::update(k::table.find((caller.to_owned(), key.to_owned())))
        .set((
            k::state.eq(IdempotencyState::Sealed),
            k::status.eq(Some(status)),
            k::location.eq(location),
            k::etag.eq(None::<String>),
            k::content_type.eq(None::<String>),
            k::body.eq(None::<Vec<u8>>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets a key (its request failed with a 5xx, or it expired).
pub fn forget(conn: &mut AnyConnection, caller: &str, key: &str) -> QueryResult<()> {
    diesel::delete(k::table.find((caller.to_owned(), key.to_owned()))).execute(conn)?;
    Ok(())
}

/// Deletes keys made before `cutoff`.
pub fn expire(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(k::table.filter(k::created_at.lt(cutoff))).execute(conn)
}
