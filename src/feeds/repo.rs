//! The queries of sitemaps: public articles in id order (stable pages), recent stories,
//! and the categories and tags that have public articles.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::articles::repo::visible;
use crate::domain::Status;

/// [`visible`], unboxed, for queries that join articles to other tables.
macro_rules! public_at {
    ($now:expr) => {
        a::trashed_at
            .is_null()
            .and(a::status.eq_any([Status::Published, Status::Scheduled]))
            .and(a::published_sort.le($now))
            .and(
                a::unpublish_at
                    .is_null()
                    .or(a::unpublish_at.assume_not_null().gt($now)),
            )
    };
}
use crate::db::AnyConnection;
use crate::db::schema::articles::dsl as a;

/// The columns of a [`UrlRow`], with `title` for its headline.
macro_rules! url_row {
    ($title:expr) => {
        (
            a::id,
            a::slug,
            a::category_id,
            a::published_at,
            a::updated_at,
            $title,
            a::locale,
            a::translation_group,
        )
    };
}
use crate::db::schema::categories::dsl as c;

/// What a sitemap line needs of an article.
#[derive(Debug, Clone, Queryable)]
pub struct UrlRow {
    /// Id (the keyset).
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Section, for `{category}`.
    pub category_id: Option<String>,
    /// Publication time, for the dated placeholders.
    pub published_at: Option<NaiveDateTime>,
    /// `lastmod`.
    pub updated_at: NaiveDateTime,
    /// Headline (Google News only; empty elsewhere).
    pub title: String,
    /// Language.
    pub locale: String,
    /// Translation group.
    pub group: Option<String>,
}

/// The first id of sitemap page `page` (0-based): the `page * size`-th public article in id
/// order. Ids are UUIDv7, so new articles land on the last page and earlier pages stay put.
pub fn page_start(
    conn: &mut AnyConnection,
    page: i64,
    size: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    a::articles
        .filter(a::trashed_at.is_null())
        .filter(visible(now))
        .select(a::id)
        .order(a::id.asc())
        .offset(page * size)
        .limit(1)
        .first(conn)
        .optional()
}

/// Up to `limit` public articles from `from` (inclusive) or after `after` (exclusive), in
/// id order.
pub fn urls(
    conn: &mut AnyConnection,
    from: Option<&str>,
    after: Option<&str>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<UrlRow>> {
    let mut query = a::articles
        .filter(a::trashed_at.is_null())
        .filter(visible(now))
        .select(url_row!(diesel::dsl::sql::<diesel::sql_types::Text>("''")))
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(a::id.ge(from.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(a::id.gt(after.to_owned()));
    }
    query.order(a::id.asc()).limit(limit).load(conn)
}

/// Public stories published since `since`, newest first, with their titles.
pub fn recent(
    conn: &mut AnyConnection,
    since: NaiveDateTime,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<UrlRow>> {
    a::articles
        .filter(a::trashed_at.is_null())
        .filter(visible(now))
        .filter(a::published_sort.ge(since))
        .select(url_row!(a::title))
        .order((a::published_sort.desc(), a::id.desc()))
        .limit(limit)
        .load(conn)
}

/// The public stories of translation groups, for the sitemaps' alternates.
pub fn alternates(
    conn: &mut AnyConnection,
    groups: &[String],
    now: NaiveDateTime,
) -> QueryResult<Vec<UrlRow>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    a::articles
        .filter(a::translation_group.eq_any(groups.to_vec()))
        .filter(public_at!(now))
        .select(url_row!(diesel::dsl::sql::<diesel::sql_types::Text>("''")))
        .order((a::locale.asc(), a::id.asc()))
        .load(conn)
}

/// Every category's id and slug, for `{category}` in article links.
pub fn category_slugs(conn: &mut AnyConnection) -> QueryResult<Vec<(String, String)>> {
    c::categories.select((c::id, c::slug)).load(conn)
}

/// Categories with public articles of their own, with the newest change among those
/// articles, by slug.
pub fn categories_in_use(
    conn: &mut AnyConnection,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<(String, Option<NaiveDateTime>)>> {
    c::categories
        .inner_join(a::articles.on(a::category_id.eq(c::id.nullable())))
        .filter(public_at!(now))
        .group_by(c::slug)
        .select((c::slug, diesel::dsl::max(a::updated_at)))
        .order(c::slug.asc())
        .limit(limit)
        .load(conn)
}

/// The newest change among public articles in a section (`tagged`: with a tag), for the
/// sitemap index: the newest-changed public story that has one ends a walk down the
/// `updated_at` index, where grouping every section's (or tag's) stories read them all.
pub fn newest_change(
    conn: &mut AnyConnection,
    tagged: bool,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    crate::db::pages::newest_change(conn, tagged, now)
}

/// Tags with public articles, with the newest change among those articles, by slug.
pub fn tags_in_use(
    conn: &mut AnyConnection,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<(String, Option<NaiveDateTime>)>> {
    Ok(crate::db::pages::tags_in_use(conn, limit, now)?
        .into_iter()
        .map(|t| (t.slug, t.lastmod))
        .collect())
}
