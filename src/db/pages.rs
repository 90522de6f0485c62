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
