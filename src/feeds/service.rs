//! What feeds and sitemaps show: public content only, read the way the public API reads it.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::repo::{self, UrlRow};
use crate::articles::model::ArticleSummary;
use crate::articles::service::{self as articles, Embed, ListRequest};
use crate::authors::model::Author;
use crate::categories::model::Category;
use crate::domain::caller::Caller;
use crate::domain::page::PageRequest;
use crate::domain::{IdOrSlug, Result, TagId};
use crate::tags::model::Tag;
use crate::write::Ctx;

/// What narrows a feed.
#[derive(Debug, Default, Clone)]
pub struct FeedFilter {
    /// A category (with the categories inside it).
    pub category: Option<IdOrSlug>,
    /// An author.
    pub author: Option<IdOrSlug>,
    /// Tags by slug (any of them).
    pub tags: Option<Vec<String>>,
    /// Languages (any of them).
    pub locales: Option<Vec<String>>,
}

/// One story of a feed, with what it refers to.
#[derive(Debug)]
pub struct FeedItem {
    /// The article without its body.
    pub article: ArticleSummary,
    /// Its sanitized HTML body.
    pub body_html: String,
    /// Its byline, if it has one.
    pub author: Option<Author>,
    /// Its section, if it has one.
    pub category: Option<Category>,
    /// Its tags, in order.
    pub tags: Vec<Tag>,
}

/// The newest public stories.
#[derive(Debug)]
pub struct Feed {
    /// Newest first.
    pub items: Vec<FeedItem>,
    /// The next moment the feed may change with no write (a story comes due or expires).
    pub changes_at: Option<NaiveDateTime>,
}

/// The [`super::FEED_ITEMS`] newest public stories that match `filter`.
pub async fn newest(ctx: &Ctx, filter: FeedFilter) -> Result<Feed> {
    let request = ListRequest {
        statuses: None,
        author: filter.author,
        category: filter.category,
        tags: filter.tags,
        published_after: None,
        published_before: None,
        updated_after: None,
        search: None,
        assignee: None,
        locales: filter.locales,
        tuning: crate::articles::search::Tuning::default(),
        sort: crate::articles::model::ArticleSort::NewestFirst,
        page: PageRequest::new(Some(super::FEED_ITEMS), None, None)?,
        bodies: true,
        embed: Embed {
            author: true,
            category: true,
            tags: true,
            cover: false,
            translations: false,
        },
    };
    let listing = articles::list(ctx, &Caller(None), request).await?;
    let mut bodies = listing.bodies;
    let related = listing.related;
    let items = listing
        .page
        .items
        .into_iter()
        .map(|(article, _)| {
            let body_html = bodies
                .remove(&article.id)
                .map(|(_, html)| html)
                .unwrap_or_default();
            FeedItem {
                author: article
                    .author_id
                    .as_ref()
                    .and_then(|id| related.authors.get(id))
                    .cloned(),
                category: article
                    .category_id
                    .as_ref()
                    .and_then(|id| related.categories.get(id))
                    .cloned(),
                tags: crate::domain::split_ids::<TagId>(&article.tag_ids)
                    .iter()
                    .filter_map(|id| related.tags.get(id))
                    .cloned()
                    .collect(),
                article,
                body_html,
            }
        })
        .collect();
    Ok(Feed {
        items,
        changes_at: listing.changes_at,
    })
}

/// What the sitemap index lists.
#[derive(Debug)]
pub struct Index {
    /// Each article sitemap's `lastmod`, in page order (at least one page).
    pub article_pages: Vec<Option<NaiveDateTime>>,
    /// The newest change among recent stories (the Google News sitemap).
    pub news: Option<NaiveDateTime>,
    /// The newest change among categorized stories.
    pub categories: Option<NaiveDateTime>,
    /// The newest change among tagged stories.
    pub tags: Option<NaiveDateTime>,
    /// When the index may change with no write.
    pub changes_at: Option<NaiveDateTime>,
}

/// The sitemap index: how many article sitemaps there are, and when each last changed.
pub async fn index(ctx: &Ctx) -> Result<Index> {
    let now = ctx.now();
    let cache = ctx.writes.cache().clone();
    ctx.read(move |conn| {
        let mut article_pages: Vec<Option<NaiveDateTime>> =
            crate::db::pages::sitemap_pages(conn, super::SITEMAP_URLS, now)?
                .into_iter()
                .map(|p| Some(p.lastmod))
                .collect();
        if article_pages.is_empty() {
            article_pages.push(None);
        }
        let since = now - chrono::Duration::hours(super::NEWS_HOURS);
        let news = repo::recent(conn, since, super::NEWS_URLS, now)?
            .iter()
            .map(|r| r.updated_at)
            .max();
        let categories = repo::newest_change(conn, false, now)?;
        let tags = repo::newest_change(conn, true, now)?;
        let changes_at = crate::outbox::repo::next_due_cached(conn, &cache)?;
        Ok(Index {
            article_pages,
            news,
            categories,
            tags,
            changes_at,
        })
    })
    .await
}

/// Where an article sitemap's stream stands.
#[derive(Debug, Clone)]
pub struct Cursor {
    /// Page number, 0-based.
    pub page: i64,
    /// The last id written, once the first batch is out.
    pub after: Option<String>,
    /// URLs still to write on this page.
    pub left: i64,
}

/// The public stories of the translation groups of a batch, by group.
pub type Alternates = HashMap<String, Vec<UrlRow>>;

/// One batch of an article sitemap with the translations of its stories, and where the
/// next one starts (`None`: the page is done). A page past the last is `Ok(None)` on the
/// first call.
pub async fn article_batch(
    ctx: &Ctx,
    cursor: Cursor,
) -> Result<Option<((Vec<UrlRow>, Alternates), Option<Cursor>)>> {
    let now = ctx.now();
    ctx.read(move |conn| {
        let from = match &cursor.after {
            Some(_) => None,
            None => match repo::page_start(conn, cursor.page, super::SITEMAP_URLS, now)? {
                Some(first) => Some(first),
                None if cursor.page == 0 => return Ok(Some(((Vec::new(), HashMap::new()), None))),
                None => return Ok(None),
            },
        };
        let limit = cursor.left.min(super::SITEMAP_BATCH);
        let rows = repo::urls(conn, from.as_deref(), cursor.after.as_deref(), limit, now)?;
        let left = cursor.left - i64::try_from(rows.len()).unwrap_or(limit);
        let next = match rows.last() {
            Some(last) if left > 0 && i64::try_from(rows.len()).unwrap_or(0) == limit => {
                Some(Cursor {
                    page: cursor.page,
                    after: Some(last.id.clone()),
                    left,
                })
            }
            _ => None,
        };
        let alternates = alternates_of(conn, &rows, now)?;
        Ok(Some(((rows, alternates), next)))
    })
    .await
}

/// The public translations of `rows`' stories, by group.
fn alternates_of(
    conn: &mut crate::db::AnyConnection,
    rows: &[UrlRow],
    now: NaiveDateTime,
) -> Result<Alternates> {
    let mut groups: Vec<String> = rows.iter().filter_map(|r| r.group.clone()).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut out = Alternates::new();
    for row in repo::alternates(conn, &groups, now)? {
        out.entry(row.group.clone().unwrap_or_default())
            .or_default()
            .push(row);
    }
    Ok(out)
}

/// Every category's slug by id, for `{category}` in links.
pub async fn category_slugs(ctx: &Ctx) -> Result<HashMap<String, String>> {
    ctx.read(|conn| Ok(repo::category_slugs(conn)?.into_iter().collect()))
        .await
}

/// Public stories of the last [`super::NEWS_HOURS`] hours, newest first.
pub async fn news(ctx: &Ctx) -> Result<((Vec<UrlRow>, Alternates), Option<NaiveDateTime>)> {
    let now = ctx.now();
    let cache = ctx.writes.cache().clone();
    ctx.read(move |conn| {
        let since = now - chrono::Duration::hours(super::NEWS_HOURS);
        let rows = repo::recent(conn, since, super::NEWS_URLS, now)?;
        // A story leaves the window with no write: the answer holds until the oldest ages
        // out, or the next timer, whichever comes first.
        let ages_out = rows
            .last()
            .and_then(|r| r.published_at)
            .map(|at| at + chrono::Duration::hours(super::NEWS_HOURS));
        let due = crate::outbox::repo::next_due_cached(conn, &cache)?;
        let changes_at = [ages_out, due].into_iter().flatten().min();
        let alternates = alternates_of(conn, &rows, now)?;
        Ok(((rows, alternates), changes_at))
    })
    .await
}

/// Category or tag pages with public articles (slug and `lastmod`), and the next moment
/// that may change with no write.
pub async fn pages(ctx: &Ctx, tags: bool) -> Result<(Pages, Option<NaiveDateTime>)> {
    let now = ctx.now();
    let cache = ctx.writes.cache().clone();
    ctx.read(move |conn| {
        let pages = if tags {
            repo::tags_in_use(conn, super::SITEMAP_URLS, now)?
        } else {
            repo::categories_in_use(conn, super::SITEMAP_URLS, now)?
        };
        Ok((pages, crate::outbox::repo::next_due_cached(conn, &cache)?))
    })
    .await
}

/// Pages by slug, with their `lastmod`.
pub type Pages = Vec<(String, Option<NaiveDateTime>)>;
