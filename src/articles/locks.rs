//! Edit locks as stored: one row per locked story, naming the user who holds it and until
//! when. Who may take, renew, take over and release a lock is the service's; every call here
//! runs under the story's row lock.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::article_locks::{self, dsl as l};
use crate::db::schema::users;
use crate::domain::lock::{EditLock, LockUser};
use crate::domain::{ArticleId, UserId};

/// A lock row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = article_locks)]
#[diesel(treat_none_as_null = true)]
pub struct LockRow {
    /// The story.
    pub article_id: ArticleId,
    /// Who holds it.
    pub user_id: UserId,
    /// Whom an editor took it over from.
    pub taken_from: Option<UserId>,
    /// When it was taken.
    pub acquired_at: NaiveDateTime,
    /// When it runs out.
    pub expires_at: NaiveDateTime,
}

/// The lock on a story while it lasts, with the users it names.
pub fn held(
    conn: &mut AnyConnection,
    article: &ArticleId,
    now: NaiveDateTime,
) -> QueryResult<Option<EditLock>> {
    Ok(load(conn, std::slice::from_ref(article), Some(now))?.pop())
}

/// The lock on a story, whether or not it ran out (for an event made after the write).
pub fn any(conn: &mut AnyConnection, article: &ArticleId) -> QueryResult<Option<EditLock>> {
    Ok(load(conn, std::slice::from_ref(article), None)?.pop())
}

/// The locks that last at `now` on any of these stories, with the users they name (staff
/// lists).
pub fn held_on(
    conn: &mut AnyConnection,
    articles: &[ArticleId],
    now: NaiveDateTime,
) -> QueryResult<Vec<EditLock>> {
    load(conn, articles, Some(now))
}

/// The locks on these stories (those lasting at `now`, when given), with the users they
/// name: two queries whatever the number of stories.
fn load(
    conn: &mut AnyConnection,
    articles: &[ArticleId],
    now: Option<NaiveDateTime>,
) -> QueryResult<Vec<EditLock>> {
    if articles.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = l::article_locks
        .filter(l::article_id.eq_any(articles))
        .select(LockRow::as_select())
        .into_boxed();
    if let Some(now) = now {
        query = query.filter(l::expires_at.gt(now));
    }
    let rows: Vec<LockRow> = query.load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<&UserId> = rows
        .iter()
        .flat_map(|r| std::iter::once(&r.user_id).chain(r.taken_from.as_ref()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let named: std::collections::HashMap<UserId, LockUser> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name, users::email))
        .load::<(UserId, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, email)| (id.clone(), LockUser { id, name, email }))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(EditLock {
                user: named.get(&row.user_id)?.clone(),
                taken_from: row.taken_from.as_ref().and_then(|u| named.get(u).cloned()),
                article_id: row.article_id,
                acquired_at: row.acquired_at,
                expires_at: row.expires_at,
            })
        })
        .collect())
}

/// Who holds the lock on a story while it lasts.
pub fn holder(
    conn: &mut AnyConnection,
    article: &ArticleId,
    now: NaiveDateTime,
) -> QueryResult<Option<UserId>> {
    l::article_locks
        .find(article)
        .filter(l::expires_at.gt(now))
        .select(l::user_id)
        .first(conn)
        .optional()
}

/// Takes, renews or takes over the lock on a story: the row as given replaces any other.
pub fn put(conn: &mut AnyConnection, row: &LockRow) -> QueryResult<()> {
    diesel::delete(l::article_locks.find(&row.article_id)).execute(conn)?;
    diesel::insert_into(l::article_locks)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Removes the lock on a story, held or run out; whether there was one.
pub fn release(conn: &mut AnyConnection, article: &ArticleId) -> QueryResult<bool> {
    diesel::delete(l::article_locks.find(article))
        .execute(conn)
        .map(|n| n > 0)
}

/// Deletes the locks that ran out before `now`; how many.
pub fn sweep(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(l::article_locks.filter(l::expires_at.le(now))).execute(conn)
}
