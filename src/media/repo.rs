//! Queries on the media table.

use diesel::prelude::*;

use super::model::{Media, MediaChangeset};
use crate::db::AnyConnection;
use crate::db::schema::articles::dsl as a;
use crate::db::schema::media::dsl as m;
use crate::domain::MediaId;

/// A media item by id.
pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Media>> {
    m::media
        .filter(m::id.eq(id))
        .select(Media::as_select())
        .first(conn)
        .optional()
}

/// The first media item made of these bytes, if any.
pub fn first_with_file(conn: &mut AnyConnection, sha256: &str) -> QueryResult<Option<Media>> {
    m::media
        .filter(m::sha256.eq(sha256))
        .order((m::created_at, m::id))
        .select(Media::as_select())
        .first(conn)
        .optional()
}

/// Media by id, for embedding in a page of articles: one query.
pub fn by_ids(conn: &mut AnyConnection, ids: &[MediaId]) -> QueryResult<Vec<Media>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    m::media
        .filter(m::id.eq_any(ids))
        .select(Media::as_select())
        .load(conn)
}

/// Whether a media item exists.
pub fn exists(conn: &mut AnyConnection, id: &str) -> QueryResult<bool> {
    Ok(m::media
        .filter(m::id.eq(id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Locks a media item for a change (PostgreSQL), so a delete and an article taking it as
/// its cover take turns.
pub fn lock(conn: &mut AnyConnection, id: &str) -> QueryResult<()> {
    crate::db::on_postgres(conn, |pg| {
        m::media
            .filter(m::id.eq(id))
            .select(m::id)
            .for_update()
            .load::<String>(pg)?;
        Ok(())
    })
}

/// Holds a media item against a concurrent delete while an article takes it as its cover.
pub fn hold(conn: &mut AnyConnection, id: &str) -> QueryResult<bool> {
    crate::db::on_postgres(conn, |pg| {
        m::media
            .filter(m::id.eq(id))
            .select(m::id)
            .for_share()
            .load::<String>(pg)?;
        Ok(())
    })?;
    exists(conn, id)
}

/// Inserts a media row.
pub fn insert(conn: &mut AnyConnection, row: &Media) -> QueryResult<()> {
    diesel::insert_into(m::media).values(row).execute(conn)?;
    Ok(())
}

/// Applies a change and reads the row back.
pub fn update(conn: &mut AnyConnection, id: &str, changes: &MediaChangeset) -> QueryResult<Media> {
    diesel::update(m::media.filter(m::id.eq(id)))
        .set(changes)
        .execute(conn)?;
    m::media
        .filter(m::id.eq(id))
        .select(Media::as_select())
        .first(conn)
}

/// Deletes a row.
pub fn delete(conn: &mut AnyConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(m::media.filter(m::id.eq(id))).execute(conn)
}

/// Takes the lock of one stored file (by its SHA-256) until the transaction ends: the write
/// that adds a row using the file and the check that removes a file no row uses take it,
/// so one never runs between the other's check and its action.
pub fn lock_file(conn: &mut AnyConnection, sha256: &str) -> QueryResult<()> {
    crate::db::lock_name(conn, &format!("media.file:{sha256}"))
}

/// Records `mark` as the directory store's mark unless one is recorded already, and gives
/// the one recorded.
pub fn claim_store_mark(
    conn: &mut AnyConnection,
    mark: &str,
    now: chrono::NaiveDateTime,
) -> QueryResult<String> {
    use crate::db::schema::media_store_marks::dsl as s;
    let row = (
        s::kind.eq("directory"),
        s::mark.eq(mark),
        s::created_at.eq(now),
    );
    crate::db::per_backend(
        conn,
        |pg| {
            diesel::insert_into(s::media_store_marks)
                .values(row)
                .on_conflict_do_nothing()
                .execute(pg)
        },
        |lite| {
            diesel::insert_into(s::media_store_marks)
                .values(row)
                .on_conflict_do_nothing()
                .execute(lite)
        },
    )?;
    s::media_store_marks
        .filter(s::kind.eq("directory"))
        .select(s::mark)
        .first(conn)
}

/// How many rows keep a file.
pub fn users_of_file(conn: &mut AnyConnection, sha256: &str) -> QueryResult<i64> {
    m::media
        .filter(m::sha256.eq(sha256))
        .count()
        .get_result(conn)
}

/// The slugs of the articles (trashed too) that use a media item as their cover.
pub fn covers(conn: &mut AnyConnection, id: &str) -> QueryResult<Vec<String>> {
    a::articles
        .filter(a::cover_media_id.eq(id))
        .select(a::slug)
        .order(a::slug)
        .limit(50)
        .load(conn)
}

fn like_pattern(q: &str) -> String {
    crate::db::contains_pattern(&q.to_lowercase())
}

/// A page of media, newest first, after `after` (an id); with `q`, only items whose file
/// name, alt text or caption contains it. One more than `limit`.
pub fn list(
    conn: &mut AnyConnection,
    q: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> QueryResult<Vec<Media>> {
    let mut query = m::media.select(Media::as_select()).into_boxed();
    if let Some(q) = q {
        use diesel::dsl::sql;
        use diesel::sql_types::{Bool, Text};
        let pattern = like_pattern(q);
        query = query.filter(
            sql::<Bool>("(lower(media.filename) LIKE ")
                .bind::<Text, _>(pattern.clone())
                .sql(" ESCAPE '\\' OR lower(coalesce(media.alt, '')) LIKE ")
                .bind::<Text, _>(pattern.clone())
                .sql(" ESCAPE '\\' OR lower(coalesce(media.caption, '')) LIKE ")
                .bind::<Text, _>(pattern)
                .sql(" ESCAPE '\\')"),
        );
    }
    if let Some(after) = after {
        query = query.filter(m::id.lt(after.to_owned()));
    }
    query
        .order(m::id.desc())
        .limit(i64::from(limit) + 1)
        .load(conn)
}
