//! Inserting a row that needs a unique slug, shared by categories, authors and articles.

use diesel::QueryResult;

use super::{AnyConnection, lock_name};
use crate::domain::{Code, Error};

/// How often an insert is retried when a concurrent one took the generated slug first. With
/// the stem's lock taken, that happens only when a rename races the insert.
const ATTEMPTS: usize = 10;

/// Runs `insert` with a slug, inside the caller's write transaction. A `chosen` slug that is taken answers
/// `conflict()`; a generated one takes `base` or the next free `stem-N` (see
/// [`crate::slug::first_free`]). `taken` lists the slugs in use that are `base` or start with
/// the given stem followed by `-`.
pub fn insert_with_slug<T>(
    conn: &mut AnyConnection,
    base: &str,
    chosen: bool,
    taken: impl Fn(&mut AnyConnection, &str, &str) -> QueryResult<Vec<String>>,
    mut insert: impl FnMut(&mut AnyConnection, String) -> Result<T, Error>,
    conflict: impl Fn() -> Error,
) -> Result<T, Error> {
    let stem = crate::slug::stem(base);
    for _attempt in 0..ATTEMPTS {
        if !chosen {
            // Concurrent inserts of one title take turns from here to commit, so each sees
            // the slugs the others took.
            lock_name(conn, &format!("slug:{stem}"))?;
        }
        let in_use = taken(conn, base, &stem)?;
        let slug = if chosen {
            if in_use.iter().any(|s| s == base) {
                return Err(conflict());
            }
            base.to_owned()
        } else {
            crate::slug::first_free(base, &in_use)
        };
        match insert(conn, slug) {
            // Someone took the slug between our read and our insert.
            Err(e) if e.code == Code::Conflict && !chosen => continue,
            Err(e) if e.code == Code::Conflict => return Err(conflict()),
            other => return other,
        }
    }
    Err(Error::new(
        Code::SlugTaken,
        "no free slug was found; give one explicitly",
    ))
}

/// The bounds of the slugs that start with `stem-`: `stem-` ≤ slug < `stem.` (`.` comes
/// right after `-`). Byte order, as slug columns compare (BINARY on SQLite, `C` on
/// PostgreSQL), so an index answers it; `LIKE` cannot use one on SQLite, where it ignores
/// case, and each new slug would read them all.
pub fn prefix_range(stem: &str) -> (String, String) {
    (format!("{stem}-"), format!("{stem}."))
}

/// What an insert answers when the row's slug is already taken: it adds nothing (the
/// statement says `ON CONFLICT DO NOTHING`, so the write's transaction stays usable for the
/// next try).
pub fn taken() -> Error {
    Error::new(Code::Conflict, "the slug is taken")
}

/// Slugs a resource had before. `kind` names the table (`article`, `author`, `category`);
/// each old slug points at its owner's id, so the owner's current slug is always one hop away.
pub mod old {
    use chrono::NaiveDateTime;
    use diesel::prelude::*;

    use crate::db::AnyConnection;
    use crate::db::schema::old_slugs::dsl as o;

    /// Keeps `slug` pointing at `owner` after a rename, and forgets `current` as an old slug
    /// of `owner` (a rename back to it).
    pub fn moved(
        conn: &mut AnyConnection,
        kind: &str,
        slug: &str,
        current: &str,
        owner: &str,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::delete(
            o::old_slugs
                .filter(o::kind.eq(kind))
                .filter(o::slug.eq(current))
                .filter(o::target_id.eq(owner)),
        )
        .execute(conn)?;
        diesel::delete(
            o::old_slugs
                .filter(o::kind.eq(kind))
                .filter(o::slug.eq(slug)),
        )
        .execute(conn)?;
        diesel::insert_into(o::old_slugs)
            .values((
                o::kind.eq(kind),
                o::slug.eq(slug),
                o::target_id.eq(owner),
                o::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Whose old slug this is.
    pub fn owner(conn: &mut AnyConnection, kind: &str, slug: &str) -> QueryResult<Option<String>> {
        o::old_slugs
            .filter(o::kind.eq(kind))
            .filter(o::slug.eq(slug))
            .select(o::target_id)
            .first(conn)
            .optional()
    }

    /// Whether `slug` is an old slug of another resource than `except`.
    pub fn reserved(
        conn: &mut AnyConnection,
        kind: &str,
        slug: &str,
        except: Option<&str>,
    ) -> QueryResult<bool> {
        let mut query = o::old_slugs
            .filter(o::kind.eq(kind))
            .filter(o::slug.eq(slug))
            .count()
            .into_boxed();
        if let Some(id) = except {
            query = query.filter(o::target_id.ne(id.to_owned()));
        }
        query.get_result::<i64>(conn).map(|n| n > 0)
    }

    /// Old slugs that are `base` or start with `stem-`, for choosing a free one.
    pub fn like(
        conn: &mut AnyConnection,
        kind: &str,
        base: &str,
        stem: &str,
    ) -> QueryResult<Vec<String>> {
        let (low, high) = super::prefix_range(stem);
        o::old_slugs
            .filter(o::kind.eq(kind))
            .filter(o::slug.eq(base).or(BoolExpressionMethods::and(
                o::slug.ge(low),
                o::slug.lt(high),
            )))
            .select(o::slug)
            .load(conn)
    }

    /// Forgets every old slug of a resource deleted for good.
    pub fn forget(conn: &mut AnyConnection, kind: &str, owner: &str) -> QueryResult<usize> {
        diesel::delete(
            o::old_slugs
                .filter(o::kind.eq(kind))
                .filter(o::target_id.eq(owner)),
        )
        .execute(conn)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use super::*;

    #[test]
    fn the_prefix_range_holds_exactly_the_slugs_that_extend_the_stem() {
        let (low, high) = prefix_range("rates");
        let within = |s: &str| low.as_str() <= s && s < high.as_str();
        for yes in ["rates-2", "rates-10", "rates-hold-2", "rates-z"] {
            assert!(within(yes), "{yes}");
        }
        for no in ["rates", "rates2", "ratesa", "rate-2", "rates.", "ratet-2"] {
            assert!(!within(no), "{no}");
        }
        // Answered from the index on SQLite, which `LIKE` (case-blind there) is not.
        #[derive(QueryableByName)]
        struct Plan {
            #[diesel(sql_type = Text)]
            detail: String,
        }
        let mut conn = crate::db::test_connections().remove(0);
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "CREATE TABLE plan_test (slug TEXT NOT NULL UNIQUE)",
        )
        .unwrap();
        let plan = |conn: &mut AnyConnection, filter: &str| {
            diesel::sql_query(format!(
                "EXPLAIN QUERY PLAN SELECT slug FROM plan_test WHERE slug = 'rates' OR {filter}"
            ))
            .load::<Plan>(conn)
            .unwrap()
            .into_iter()
            .map(|p| p.detail)
            .collect::<Vec<_>>()
            .join("; ")
        };
        let ranged = plan(&mut conn, "(slug >= 'rates-' AND slug < 'rates.')");
        assert!(!ranged.contains("SCAN"), "{ranged}");
        let liked = plan(&mut conn, "slug LIKE 'rates-%'");
        assert!(liked.contains("SCAN"), "{liked}");
    }

    #[test]
    fn a_slug_taken_after_the_read_is_retried_in_the_same_transaction() {
        for mut conn in crate::db::test_connections() {
            let outcome = crate::db::write_transaction(&mut conn, |conn| {
                diesel::sql_query("CREATE TEMPORARY TABLE slugs_test (slug TEXT UNIQUE)")
                    .execute(conn)?;
                diesel::sql_query("INSERT INTO slugs_test VALUES ('rates-hold')").execute(conn)?;
                // The first read misses the row, as if another writer took the slug between
                // the read and the insert.
                let reads = Cell::new(0);
                let stale_then_true = |conn: &mut AnyConnection, _: &str, _: &str| {
                    reads.set(reads.get() + 1);
                    if reads.get() == 1 {
                        return Ok(Vec::new());
                    }
                    diesel::sql_query("SELECT slug FROM slugs_test")
                        .load::<SlugRow>(conn)
                        .map(|rows| rows.into_iter().map(|r| r.slug).collect())
                };
                let insert = |conn: &mut AnyConnection, slug: String| {
                    let added = diesel::sql_query(
                        "INSERT INTO slugs_test VALUES ($1) ON CONFLICT DO NOTHING",
                    )
                    .bind::<Text, _>(&slug)
                    .execute(conn)?;
                    if added == 0 {
                        return Err(taken());
                    }
                    Ok(slug)
                };
                let slug =
                    insert_with_slug(conn, "rates-hold", false, stale_then_true, insert, || {
                        Error::new(Code::SlugTaken, "taken")
                    })?;
                let count: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                    "(SELECT count(*) FROM slugs_test)",
                ))
                .get_result(conn)?;
                Ok::<_, Error>((slug, reads.get(), count))
            });
            let (slug, reads, count) = outcome.expect("the write goes through");
            assert_eq!(slug, "rates-hold-2");
            assert_eq!(reads, 2, "one stale read, one retry");
            assert_eq!(count, 2);
        }
    }

    #[derive(QueryableByName)]
    struct SlugRow {
        #[diesel(sql_type = Text)]
        slug: String,
    }
}
