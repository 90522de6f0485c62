//! Queries on users.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{User, UserChangeset};
use crate::db::AnyConnection;
use crate::db::schema::{refresh_tokens, users::dsl as u};
use crate::domain::{Code, Error, Role};

/// Finds a user by id.
pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<User>> {
    u::users
        .filter(u::id.eq(id))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Finds a user by id, or answers 404.
pub fn get(conn: &mut AnyConnection, id: &str) -> Result<User, Error> {
    find(conn, id)?.ok_or_else(|| Error::not_found("no user has that id"))
}

/// Finds a user by normalized email.
pub fn find_by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<User>> {
    u::users
        .filter(u::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// How many users exist.
pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    u::users.count().get_result(conn)
}

/// One page in creation order, after the `(created_at, id)` key.
pub fn list(
    conn: &mut AnyConnection,
    after: Option<(NaiveDateTime, String)>,
    limit: u32,
) -> QueryResult<Vec<User>> {
    let mut query = u::users.select(User::as_select()).into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            u::created_at
                .gt(at)
                .or(u::created_at.eq(at).and(u::id.gt(id))),
        );
    }
    query
        .order((u::created_at.asc(), u::id.asc()))
        .limit(i64::from(limit) + 1)
        .load(conn)
}

/// Inserts a user; a taken email is a 409.
pub fn create(conn: &mut AnyConnection, row: User) -> Result<User, Error> {
    if find_by_email(conn, &row.email)?.is_some() {
        return Err(email_taken());
    }
    if let Some(author) = &row.author_id {
        ensure_author(conn, author)?;
    }
    diesel::insert_into(u::users)
        .values(&row)
        .execute(conn)
        .map_err(map_unique)?;
    get(conn, &row.id)
}

/// Applies a change. Refuses to leave the site without an admin, and ends every session of
/// the user when the password or role changes.
pub fn update(
    conn: &mut AnyConnection,
    id: &str,
    mut changes: UserChangeset,
    now: NaiveDateTime,
) -> Result<User, Error> {
    let current = get(conn, id)?;
    if changes.email.as_ref().is_some_and(|e| *e == current.email) {
        changes.email = None;
    }
    if let Some(email) = &changes.email
        && find_by_email(conn, email)?.is_some()
    {
        return Err(email_taken());
    }
    if let Some(Some(author)) = &changes.author_id {
        ensure_author(conn, author)?;
    }
    if changes.role.as_ref().is_some_and(|r| *r == current.role) {
        changes.role = None;
    }
    if current.role == Role::Admin && changes.role.is_some() {
        ensure_another_admin(conn, &current.id)?;
    }
    let ends_sessions = changes.password_hash.is_some() || changes.role.is_some();
    if ends_sessions {
        changes.token_version = Some(current.token_version + 1);
        diesel::delete(refresh_tokens::table.filter(refresh_tokens::user_id.eq(&current.id)))
            .execute(conn)?;
    }
    changes.updated_at = Some(now);
    diesel::update(u::users.filter(u::id.eq(&current.id)))
        .set(&changes)
        .execute(conn)
        .map_err(map_unique)?;
    get(conn, &current.id)
}

/// Deletes a user (their refresh tokens go with them); the last admin cannot be deleted.
pub fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), Error> {
    let current = get(conn, id)?;
    if current.role == Role::Admin {
        ensure_another_admin(conn, &current.id)?;
    }
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::user_id.eq(&current.id)))
        .execute(conn)?;
    diesel::delete(u::users.filter(u::id.eq(&current.id))).execute(conn)?;
    Ok(())
}

/// Records a successful login.
pub fn touch_login(conn: &mut AnyConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(u::users.filter(u::id.eq(id)))
        .set(u::last_login_at.eq(now))
        .execute(conn)
}

/// Refuses to remove the admin role from `id` when no other admin exists. Every caller that
/// removes an admin takes the same lock first, so two admins demoting each other at once
/// cannot both see the other one still there.
fn ensure_another_admin(conn: &mut AnyConnection, id: &str) -> Result<(), Error> {
    crate::db::lock_name(conn, "users.admins")?;
    let others: i64 = u::users
        .filter(u::role.eq("admin").and(u::id.ne(id)))
        .count()
        .get_result(conn)?;
    if others == 0 {
        return Err(Error::new(
            Code::LastAdmin,
            "this is the only admin; make another user an admin first",
        ));
    }
    Ok(())
}

/// Checks that the author exists, holding it until the transaction ends (see
/// [`crate::authors::repo::link_lock`]).
fn ensure_author(conn: &mut AnyConnection, id: &str) -> Result<(), Error> {
    crate::db::lock_name(conn, &crate::authors::repo::link_lock(id))?;
    if crate::authors::repo::exists(conn, id)? {
        Ok(())
    } else {
        Err(Error::invalid_field(
            "author_id",
            Code::NotFound,
            "author_id names no existing author",
        ))
    }
}

fn email_taken() -> Error {
    Error::new(Code::EmailTaken, "another user already has this email")
}

fn map_unique(e: diesel::result::Error) -> Error {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => email_taken(),
        other => other.into(),
    }
}
