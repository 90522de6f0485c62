//! Cutting the public articles into sitemap pages in one pass: numbering rows is a window
//! function, written here in the SQL both engines share, with each engine's placeholders.

use chrono::NaiveDateTime;
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::AnyConnection;

/// One page: its number (0-based), its first id and its newest change.
#[derive(Debug, Clone, QueryableByName)]
pub struct Page {
    /// 0-based.
    #[diesel(sql_type = BigInt)]
    pub page: i64,
    /// The first id on the page (pages run in id order).
    #[diesel(sql_type = Text)]
    pub first_id: String,
    /// The newest `updated_at` on the page.
    #[diesel(sql_type = Timestamp)]
    pub lastmod: NaiveDateTime,
}

/// The query, with `{now}` for the moment, `{size}` for the page size and `{plus}` for
/// SQLite's unary `+` on the visibility columns: without it, SQLite 3.50 reads the public
/// stories through the index on status and publication time and sorts them by id (646 ms
/// at 100,000 stories) instead of scanning the covering index in id order (70 ms).
const PAGES: &str = "SELECT CAST((rn - 1) / {size} AS BIGINT) AS page, MIN(id) AS first_id, \
     MAX(updated_at) AS lastmod \
     FROM (SELECT id, updated_at, row_number() OVER (ORDER BY id) AS rn FROM articles \
           WHERE {plus}trashed_at IS NULL AND {plus}status IN ('published', 'scheduled') \
             AND {plus}published_sort <= {now} \
             AND ({plus}unpublish_at IS NULL OR {plus}unpublish_at > {now})) AS numbered \
     GROUP BY CAST((rn - 1) / {size} AS BIGINT) ORDER BY page";

/// Runs `text` on either engine with `now` for `{now}`, and for `{plus}` SQLite's unary `+`
/// (which keeps its planner off a column's indexes) or nothing on PostgreSQL.
fn at_now<T>(conn: &mut AnyConnection, text: &str, now: NaiveDateTime) -> QueryResult<Vec<T>>
where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    match conn {
        AnyConnection::Pg(pg) => {
            diesel::sql_query(text.replace("{plus}", "").replace("{now}", "$1"))
                .bind::<Timestamp, _>(now)
                .load(pg)
        }
        AnyConnection::Sqlite(lite) => {
            diesel::sql_query(text.replace("{plus}", "+").replace("{now}", "?1"))
                .bind::<Timestamp, _>(now)
                .load(lite)
        }
    }
}

/// Every page of `size` public articles at `now`, in order; none when nothing is public.
pub fn sitemap_pages(
    conn: &mut AnyConnection,
    size: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<Page>> {
    let size = size.max(1).to_string();
    at_now(conn, &PAGES.replace("{size}", &size), now)
}

/// A tag with public articles: its slug and the newest change among those articles.
#[derive(Debug, Clone, QueryableByName)]
pub struct TagInUse {
    /// The tag's slug.
    #[diesel(sql_type = Text)]
    pub slug: String,
    /// The newest `updated_at` of its public articles.
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamp>)]
    pub lastmod: Option<NaiveDateTime>,
}

/// Tags by slug, from the tags through their links to the articles. `CROSS JOIN` is a plain
/// join to PostgreSQL's planner, and keeps SQLite's in this order: left free, SQLite starts
/// from the public articles (every one of them, with or without tags) and looks up their
/// links, which on an archive costs a read of the whole table.
const TAGS_IN_USE: &str = "SELECT t.slug AS slug, MAX(a.updated_at) AS lastmod \
     FROM tags t CROSS JOIN article_tags at CROSS JOIN articles a \
     WHERE at.tag_id = t.id AND a.id = at.article_id \
       AND a.trashed_at IS NULL AND a.status IN ('published', 'scheduled') \
       AND a.published_sort <= {now} AND (a.unpublish_at IS NULL OR a.unpublish_at > {now}) \
     GROUP BY t.slug ORDER BY t.slug LIMIT {limit}";

/// Up to `limit` tags with public articles at `now`, by slug, each with the newest change
/// among those articles.
pub fn tags_in_use(
    conn: &mut AnyConnection,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<TagInUse>> {
    at_now(
        conn,
        &TAGS_IN_USE.replace("{limit}", &limit.max(0).to_string()),
        now,
    )
}

/// The newest change among some public articles.
#[derive(Debug, Clone, QueryableByName)]
struct Newest {
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamp>)]
    lastmod: Option<NaiveDateTime>,
}

/// The newest-changed public article with a section, or with a tag: a walk down the
/// `updated_at` index that stops at the first. `{plus}` is SQLite's unary `+` on the
/// visibility columns, which keeps its planner off their indexes (it would read every
/// public story through them and sort); PostgreSQL's planner weighs the walk itself.
const NEWEST: &str = "SELECT MAX(updated_at) AS lastmod FROM (SELECT updated_at FROM articles \
     WHERE {plus}trashed_at IS NULL AND {plus}status IN ('published', 'scheduled') \
       AND {plus}published_sort <= {now} \
       AND ({plus}unpublish_at IS NULL OR {plus}unpublish_at > {now}) AND {which} \
     ORDER BY updated_at DESC, id DESC LIMIT 1) AS newest";

/// The newest change among public articles at `now` that have a section (`tagged`: a tag).
pub fn newest_change(
    conn: &mut AnyConnection,
    tagged: bool,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let which = match tagged {
        true => "EXISTS (SELECT 1 FROM article_tags WHERE article_tags.article_id = articles.id)",
        false => "category_id IS NOT NULL",
    };
    let rows: Vec<Newest> = at_now(conn, &NEWEST.replace("{which}", which), now)?;
    Ok(rows.into_iter().next().and_then(|row| row.lastmod))
}
