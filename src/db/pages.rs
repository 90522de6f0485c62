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

/// The query, with `{now}` for the moment and `{size}` for the page size.
const PAGES: &str = "SELECT CAST((rn - 1) / {size} AS BIGINT) AS page, MIN(id) AS first_id, \
     MAX(updated_at) AS lastmod \
     FROM (SELECT id, updated_at, row_number() OVER (ORDER BY id) AS rn FROM articles \
           WHERE trashed_at IS NULL AND status IN ('published', 'scheduled') \
             AND published_sort <= {now} AND (unpublish_at IS NULL OR unpublish_at > {now})) AS numbered \
     GROUP BY CAST((rn - 1) / {size} AS BIGINT) ORDER BY page";

/// Every page of `size` public articles at `now`, in order; none when nothing is public.
pub fn sitemap_pages(
    conn: &mut AnyConnection,
    size: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<Page>> {
    let size = size.max(1).to_string();
    match conn {
        AnyConnection::Pg(pg) => {
            let text = PAGES.replace("{size}", &size).replace("{now}", "$1");
            diesel::sql_query(text).bind::<Timestamp, _>(now).load(pg)
        }
        AnyConnection::Sqlite(lite) => {
            let text = PAGES.replace("{size}", &size).replace("{now}", "?1");
            diesel::sql_query(text).bind::<Timestamp, _>(now).load(lite)
        }
    }
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
    let text = TAGS_IN_USE.replace("{limit}", &limit.max(0).to_string());
    match conn {
        AnyConnection::Pg(pg) => diesel::sql_query(text.replace("{now}", "$1"))
            .bind::<Timestamp, _>(now)
            .load(pg),
        AnyConnection::Sqlite(lite) => diesel::sql_query(text.replace("{now}", "?1"))
            .bind::<Timestamp, _>(now)
            .load(lite),
    }
}
