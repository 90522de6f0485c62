//! Rows of `imported_urls`: where an imported story used to live, by its guid there.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::imported_urls as u;

/// The source of WordPress imports.
pub const SOURCE: &str = "wordpress";

/// The story imported under this guid, if any.
pub fn target_of(conn: &mut AnyConnection, guid: &str) -> QueryResult<Option<String>> {
    u::table
        .filter(u::source.eq(SOURCE).and(u::guid.eq(guid)))
        .select(u::target_id)
        .first(conn)
        .optional()
}

/// The stories imported under any of these guids, by guid.
pub fn targets_of(
    conn: &mut AnyConnection,
    guids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    let mut found = std::collections::HashMap::with_capacity(guids.len());
    for some in guids.chunks(500) {
        let rows: Vec<(String, String)> = u::table
            .filter(u::source.eq(SOURCE).and(u::guid.eq_any(some)))
            .select((u::guid, u::target_id))
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Remembers (or updates) where the story of `guid` used to live; `new` when no story was
/// imported under it before (one statement instead of two).
pub fn remember(
    conn: &mut AnyConnection,
    guid: &str,
    (path, link): (&str, &str),
    target_id: &str,
    new: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let updated = if new {
        0
    } else {
        diesel::update(u::table.filter(u::source.eq(SOURCE).and(u::guid.eq(guid))))
            .set((
                u::path.eq(path),
                u::link.eq(link),
                u::target_id.eq(target_id),
                u::updated_at.eq(now),
            ))
            .execute(conn)?
    };
    if updated == 0 {
        diesel::insert_into(u::table)
            .values((
                u::source.eq(SOURCE),
                u::guid.eq(guid),
                u::path.eq(path),
                u::link.eq(link),
                u::target_type.eq("article"),
                u::target_id.eq(target_id),
                u::created_at.eq(now),
                u::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The story that lived at the first of `paths` found, with the type of its target.
pub fn resolve(
    conn: &mut AnyConnection,
    paths: &[String],
) -> QueryResult<Option<(String, String)>> {
    for path in paths {
        let found = u::table
            .filter(u::path.eq(path))
            .order((u::source, u::guid))
            .select((u::target_type, u::target_id))
            .first(conn)
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}
