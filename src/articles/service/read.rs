//! Reading articles: one by id or slug with what it embeds, and the lists (filters, search,
//! paging), each as the caller may see them.

use super::*;
use crate::articles::model::{Article, ArticleSort, ArticleSummary};
use crate::articles::repo::{self, Access, After, ListFilter};
use crate::articles::search::{Search, Tuning, title_words};
use crate::authors::model::Author;
use crate::categories::model::Category;
use crate::domain::caller::{Caller, unauthorized};
use crate::domain::cursor;
use crate::domain::{
    ArticleId, AuthorId, CategoryId, IdOrSlug, Lookup, MediaId, Result, Status, TagId,
};
use crate::slugged::Slugged;
use crate::tags::model::Tag;
use crate::write::Ctx;
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// The related rows a response embeds.
#[derive(Debug, Default, Clone, Copy)]
pub struct Embed {
    /// The byline's author.
    pub author: bool,
    /// The category.
    pub category: bool,
    /// The tags.
    pub tags: bool,
    /// The cover image.
    pub cover: bool,
    /// The translations the caller may read.
    pub translations: bool,
}

/// Authors and categories by id, loaded with one query per relation.
#[derive(Debug, Default)]
pub struct Related {
    /// Authors by id.
    pub authors: HashMap<AuthorId, Author>,
    /// Categories by id.
    pub categories: HashMap<CategoryId, Category>,
    /// Tags by id.
    pub tags: HashMap<TagId, Tag>,
    /// Cover images by id.
    pub media: HashMap<MediaId, crate::media::model::Media>,
    /// For staff: the edit locks that last on the stories read, by story.
    pub locks: HashMap<ArticleId, crate::domain::EditLock>,
    /// The stories of each translation group read that the caller may see, by group.
    pub translations: HashMap<String, Vec<crate::articles::translations::Member>>,
}

/// What an article refers to, as an embed looks it up.
pub(super) struct Refs<'a> {
    /// The byline.
    pub author: Option<&'a AuthorId>,
    /// The section.
    pub category: Option<&'a CategoryId>,
    /// The tags, as the row keeps them (comma-separated).
    pub tags: &'a str,
    /// The cover from the media library.
    pub cover: Option<&'a MediaId>,
    /// The translation group.
    pub group: Option<&'a str>,
}

impl<'a> Refs<'a> {
    /// What a full row refers to.
    pub fn of(a: &'a Article) -> Self {
        Self {
            author: a.author_id.as_ref(),
            category: a.category_id.as_ref(),
            tags: &a.tag_ids,
            cover: a.cover_media_id.as_ref(),
            group: a.translation_group.as_deref(),
        }
    }

    /// What a list row refers to.
    pub fn of_summary(a: &'a ArticleSummary) -> Self {
        Self {
            author: a.author_id.as_ref(),
            category: a.category_id.as_ref(),
            tags: &a.tag_ids,
            cover: a.cover_media_id.as_ref(),
            group: a.translation_group.as_deref(),
        }
    }
}

/// Sorted and without repeats: one row each.
fn distinct<I: Ord>(mut ids: Vec<I>) -> Vec<I> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// What a caller reading at a moment may see, for the embeds that depend on it.
pub(super) type Seen<'s> = (&'s Access, NaiveDateTime);

pub(super) fn related<'a>(
    conn: &mut crate::db::AnyConnection,
    embed: Embed,
    refs: impl Iterator<Item = Refs<'a>>,
    (access, now): Seen<'_>,
) -> Result<Related> {
    let (mut author_ids, mut category_ids, mut tag_ids) = (Vec::new(), Vec::new(), Vec::new());
    let (mut media_ids, mut groups) = (Vec::new(), Vec::new());
    for refs in refs {
        if embed.translations {
            groups.extend(refs.group.map(str::to_owned));
        }
        // Every story with a cover shows its social crop, embedded or not.
        media_ids.extend(refs.cover.cloned());
        author_ids.extend(refs.author.filter(|_| embed.author).cloned());
        category_ids.extend(refs.category.filter(|_| embed.category).cloned());
        if embed.tags {
            tag_ids.extend(crate::domain::split_ids::<TagId>(refs.tags));
        }
    }
    let (author_ids, category_ids) = (distinct(author_ids), distinct(category_ids));
    let (tag_ids, media_ids) = (distinct(tag_ids), distinct(media_ids));
    let mut out = Related::default();
    for author in Author::by_ids(conn, &author_ids)? {
        out.authors.insert(author.id.clone(), author);
    }
    for category in Category::by_ids(conn, &category_ids)? {
        out.categories.insert(category.id.clone(), category);
    }
    for tag in Tag::by_ids(conn, &tag_ids)? {
        out.tags.insert(tag.id.clone(), tag);
    }
    for media in crate::media::repo::by_ids(conn, &media_ids)? {
        out.media.insert(media.id.clone(), media);
    }
    let groups = distinct(groups);
    for member in crate::articles::translations::members(conn, &groups, access, now)? {
        let group = member.group.clone().unwrap_or_default();
        out.translations.entry(group).or_default().push(member);
    }
    Ok(out)
}

/// One article the caller may see, with what it embeds; for an old slug of an article the
/// caller may see, its current slug. An old slug of an article the caller may not see is
/// the same 404 as the article itself.
pub async fn get(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    embed: Embed,
) -> Result<Lookup<(Article, Related)>> {
    let access = access(caller);
    let now = ctx.now();
    ctx.read(move |conn| {
        let Some(article) = repo::find(conn, &key, &access, now)? else {
            if let IdOrSlug::Slug(slug) = &key
                && let Some(owner) = repo::owner_of_old_slug(conn, slug)?
                && let Some(target) = repo::find(conn, &IdOrSlug::Id(owner), &access, now)?
            {
                return Ok(Lookup::Moved(target.slug));
            }
            return Err(repo::not_found());
        };
        let once = std::iter::once(Refs::of(&article));
        let mut related = related(conn, embed, once, (&access, now))?;
        if !matches!(access, Access::Public)
            && let Some(lock) = lock_of(conn, &article, now)?
        {
            related.locks.insert(article.id.clone(), lock);
        }
        Ok(Lookup::Found((article, related)))
    })
    .await
}

/// A search hit as a relevance search ranked it.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The text score, 0 to 1.
    pub rank: f64,
    /// The order key ([`Tuning::key`]): text, recency and an exact title.
    pub key: f64,
    /// A piece of the body around the match, with raw marks.
    pub highlight: Option<String>,
}

/// What a list asks for, as checked.
#[derive(Debug)]
pub struct ListRequest {
    /// `None`: what the public sees; else these statuses within the caller's access.
    pub statuses: Option<Vec<Status>>,
    /// Only this author's articles.
    pub author: Option<IdOrSlug>,
    /// Only articles in this category or below it.
    pub category: Option<IdOrSlug>,
    /// Only articles carrying any of the tags with these slugs.
    pub tags: Option<Vec<String>>,
    /// `published_at >=`.
    pub published_after: Option<NaiveDateTime>,
    /// `published_at <`.
    pub published_before: Option<NaiveDateTime>,
    /// `updated_at >=`.
    pub updated_after: Option<NaiveDateTime>,
    /// A full-text search.
    pub search: Option<Search>,
    /// Only articles assigned to this user (`me` already resolved; `Some(None)`: nobody).
    pub assignee: Option<Assignee>,
    /// Only articles in these languages.
    pub locales: Option<Vec<String>>,
    /// How a search ranks and counts.
    pub tuning: Tuning,
    /// The order.
    pub sort: ArticleSort,
    /// The page.
    pub page: crate::domain::page::PageRequest,
    /// Load `body` and `body_html` of each item.
    pub bodies: bool,
    /// The related rows to load.
    pub embed: Embed,
}

/// A page of articles, with what was asked to go with it.
#[derive(Debug)]
pub struct Listing {
    /// The items, with their search hit when searching.
    pub page: crate::domain::page::Page<(ArticleSummary, Option<Hit>)>,
    /// `body` and `body_html` by id, when asked for.
    pub bodies: HashMap<ArticleId, (String, String)>,
    /// The embedded rows.
    pub related: Related,
    /// For the public: the next moment a scheduled story comes due or a story expires,
    /// when this list may change with no write.
    pub changes_at: Option<NaiveDateTime>,
    /// The lists of stories this page depends on ([`crate::cache::keys`]), besides the
    /// stories it shows.
    pub depends: Vec<String>,
}

/// The story lists a page of `filter` in `sort` order changes with: which stories join or
/// leave it, or move within it. A page in date order, by filters that a story's placement
/// decides, depends on one list of the filter (its author, each category, each tag), or on
/// all stories; an order by edits or titles, or `updated_after`, on every change of a
/// public story; a search, on every change of any story (ranks count them all).
fn depends_on(filter: &ListFilter, sort: ArticleSort) -> Vec<String> {
    use crate::cache::keys;
    if filter.search.is_some() {
        return vec![keys::INDEXED.to_owned()];
    }
    let by_date = matches!(sort, ArticleSort::NewestFirst | ArticleSort::OldestFirst);
    if !by_date || filter.updated_after.is_some() || filter.statuses.is_some() {
        return vec![keys::ANY_STORY.to_owned()];
    }
    if let Some(author) = &filter.author_id {
        return vec![keys::author(author)];
    }
    if let Some(categories) = &filter.category_ids {
        return categories.iter().map(|c| keys::category(c)).collect();
    }
    if let Some(tags) = &filter.tag_ids {
        return tags.iter().map(|t| keys::tag(t)).collect();
    }
    if let Some(locales) = &filter.locales {
        return locales.iter().map(|l| keys::locale(l)).collect();
    }
    vec![keys::STORIES.to_owned()]
}

/// Reads the list's cursor: the sort key and the id of the last item of the page before.
pub(super) fn after(raw: Option<&str>, sort: ArticleSort) -> Result<Option<After>> {
    let Some(raw) = raw else { return Ok(None) };
    let mut keys = cursor::decode_cursor(raw, sort.tag(), 2)?.into_iter();
    match (keys.next(), keys.next()) {
        (Some(key), Some(id))
            if sort != ArticleSort::Relevance || key.parse::<f64>().is_ok_and(f64::is_finite) =>
        {
            Ok(Some(After { key, id }))
        }
        _ => Err(cursor::invalid_cursor()),
    }
}

/// A page of the articles the caller may see.
pub async fn list(ctx: &Ctx, caller: &Caller, mut request: ListRequest) -> Result<Listing> {
    if request.statuses.is_some() && caller.0.is_none() {
        return Err(unauthorized(
            "listing by status needs a bearer token",
            false,
        ));
    }
    if let Some(assignee) = &request.assignee {
        request.assignee = Some(assignee.resolve(caller)?);
    }
    let access = access(caller);
    let now = ctx.now();
    let after = after(request.page.cursor.as_deref(), request.sort)?;
    // Only a cached public answer needs the next due moment.
    let public = caller.0.is_none();
    let cache = ctx.writes.cache().clone();
    // A search with a phrase runs under its time bound, so one costly phrase cannot hold a
    // connection (see `db::search::rare_phrase`). Other searches are bounded by their plan,
    // and skip the bound's three statements.
    let bound = request
        .search
        .as_ref()
        .filter(|s| s.has_phrase())
        .map(|_| request.tuning.timeout_ms);
    ctx.read(move |conn| {
        let mut listing = match bound {
            Some(ms) => {
                crate::db::bounded(conn, ms, |conn| list_on(conn, &access, request, after, now))?
            }
            None => list_on(conn, &access, request, after, now)?,
        };
        if public {
            listing.changes_at = crate::outbox::repo::next_due_cached(conn, &cache)?;
        } else {
            let ids: Vec<ArticleId> = listing
                .page
                .items
                .iter()
                .map(|(a, _)| a.id.clone())
                .collect();
            for lock in crate::articles::locks::held_on(conn, &ids, now)? {
                listing.related.locks.insert(lock.article_id.clone(), lock);
            }
        }
        Ok(listing)
    })
    .await
}

/// A page of the list, on a connection.
pub(super) fn list_on(
    conn: &mut crate::db::AnyConnection,
    access: &Access,
    request: ListRequest,
    after: Option<After>,
    now: NaiveDateTime,
) -> Result<Listing> {
    let (sort, embed, limit) = (request.sort, request.embed, request.page.limit);
    let Some(filter) = filter_of(conn, &request)? else {
        return Ok(Listing {
            page: request.page.empty(),
            bodies: HashMap::new(),
            related: Related::default(),
            changes_at: None,
            depends: vec![crate::cache::keys::STORIES.to_owned()],
        });
    };
    let depends = depends_on(&filter, sort);
    let rows: Vec<(ArticleSummary, Option<Hit>)> = match &request.search {
        Some(search) if sort == ArticleSort::Relevance => {
            let after = after.map(|a| (a.key.parse::<f64>().unwrap_or(f64::MAX), a.id));
            ranked(conn, (&filter, access), search, &request, after, now)?
        }
        _ => repo::list(conn, &filter, access, sort, after, limit, now)?
            .into_iter()
            .map(|row| (row, None))
            .collect(),
    };
    let (total, total_exact) = match (request.page.with_total, &filter.search) {
        (false, _) => (None, true),
        (true, None) => (Some(repo::count(conn, &filter, access, now)?), true),
        (true, Some(_)) => {
            let bound = request.tuning.exact_total;
            let n = repo::count_up_to(conn, &filter, access, now, bound)?;
            (Some(n.min(i64::from(bound))), n <= i64::from(bound))
        }
    };
    let mut page = request.page.split(rows, total, |(a, hit)| {
        let key = match hit {
            Some(hit) => hit.key.to_string(),
            None => repo::cursor_key(a, sort),
        };
        cursor::encode_cursor(sort.tag(), &[&key, &a.id])
    });
    page.total_exact = total_exact;
    let ids: Vec<ArticleId> = page.items.iter().map(|(a, _)| a.id.clone()).collect();
    let bodies = match request.bodies {
        true => repo::bodies(conn, &ids)?
            .into_iter()
            .map(|(id, body, html)| (id, (body, html)))
            .collect(),
        false => HashMap::new(),
    };
    let refs = page.items.iter().map(|(a, _)| Refs::of_summary(a));
    let related = related(conn, embed, refs, (access, now))?;
    Ok(Listing {
        page,
        bodies,
        related,
        changes_at: None,
        depends,
    })
}

/// One page of a relevance search, best first (one more than `limit`): the candidates
/// ([`repo::candidates`]) are scored, ordered by [`Tuning::key`] in memory, and only the
/// page's rows and highlights are read.
fn ranked(
    conn: &mut crate::db::AnyConnection,
    (filter, access): (&ListFilter, &Access),
    search: &Search,
    request: &ListRequest,
    after: Option<(f64, String)>,
    now: NaiveDateTime,
) -> Result<Vec<(ArticleSummary, Option<Hit>)>> {
    let (tuning, limit) = (request.tuning, request.page.limit);
    let Some(engine) = &filter.search else {
        return Err(crate::domain::Error::internal(
            "a relevance search without a query",
        ));
    };
    let ids = repo::candidates(
        conn,
        filter,
        access,
        now,
        tuning.candidates,
        &search.title_keys(),
    )?;
    let mut scored: Vec<(f64, ArticleId, f64)> = repo::scores(conn, engine, &ids)?
        .into_iter()
        .map(|s| {
            let date = s.published_at.unwrap_or(s.updated_at);
            let exact = title_words(&s.title_key) == search.typed();
            (tuning.key(s.rank, date, exact), s.id, s.rank)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    if let Some((key, id)) = after {
        scored.retain(|(k, i, _)| *k < key || (*k == key && i.as_str() > id.as_str()));
    }
    scored.truncate(limit as usize + 1);
    let ids: Vec<ArticleId> = scored.iter().map(|(_, id, _)| id.clone()).collect();
    let mut rows: HashMap<ArticleId, ArticleSummary> = repo::summaries(conn, &ids)?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    let shown = &ids[..ids.len().min(limit as usize)];
    let mut marks: HashMap<ArticleId, Option<String>> = repo::highlights(conn, engine, shown)?
        .into_iter()
        .map(|(id, raw)| (id, raw.map(|r| engine.tidy_highlight(r))))
        .collect();
    Ok(scored
        .into_iter()
        .filter_map(|(key, id, rank)| {
            let row = rows.remove(&id)?;
            let highlight = marks.remove(&id).flatten();
            Some((
                row,
                Some(Hit {
                    rank,
                    key,
                    highlight,
                }),
            ))
        })
        .collect())
}

/// The store's filter for a list request; `None` when a filter names nothing (an unknown
/// author, category or tag), so the list is empty.
fn filter_of(
    conn: &mut crate::db::AnyConnection,
    request: &ListRequest,
) -> Result<Option<ListFilter>> {
    let mut filter = ListFilter {
        statuses: request.statuses.clone(),
        published_after: request.published_after,
        published_before: request.published_before,
        updated_after: request.updated_after,
        locales: request.locales.clone(),
        ..ListFilter::default()
    };
    filter.assignee = match &request.assignee {
        None => None,
        Some(Assignee::Nobody) => Some(None),
        Some(Assignee::User(id)) => Some(Some(id.clone())),
        Some(Assignee::Me) => None,
    };
    if let Some(key) = &request.author {
        let Some(author) = Author::find(conn, key)? else {
            return Ok(None);
        };
        filter.author_id = Some(author.id);
    }
    if let Some(key) = &request.category {
        let Some(root) = Category::find(conn, key)? else {
            return Ok(None);
        };
        filter.category_ids = Some(crate::categories::repo::with_descendants(conn, &root.id)?);
    }
    if let Some(slugs) = &request.tags {
        let ids = crate::tags::repo::ids_of_slugs(conn, slugs)?;
        if ids.is_empty() {
            return Ok(None);
        }
        filter.tag_ids = Some(ids);
    }
    // Relevance reads its candidates; any other order, a page.
    let wanted = match request.sort {
        ArticleSort::Relevance => request.tuning.candidates,
        _ => request.page.limit + 1,
    };
    filter.search = request
        .search
        .as_ref()
        .map(|s| s.sql(conn, wanted, request.locales.as_deref()))
        .transpose()?;
    Ok(Some(filter))
}

/// Whether the public sees an article with these fields at `now`.
pub fn is_live(article: &ArticleSummary, now: NaiveDateTime) -> bool {
    repo::is_live(
        article.status,
        article.published_sort,
        article.unpublish_at,
        now,
    )
}

/// Whom a list's `assignee` filter names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// The signed-in caller.
    Me,
    /// Nobody: unassigned stories.
    Nobody,
    /// This user.
    User(crate::domain::UserId),
}

impl Assignee {
    /// The filter with `me` made the caller's id: staff only (401 without credentials), and
    /// `me` only for a signed-in user.
    fn resolve(&self, caller: &Caller) -> Result<Assignee> {
        use crate::domain::caller::Principal;
        match (&caller.0, self) {
            (None, _) => Err(unauthorized(
                "filtering by assignee needs a bearer token",
                false,
            )),
            (Some(Principal::User { id, .. }), Assignee::Me) => Ok(Assignee::User(id.clone())),
            (Some(_), Assignee::Me) => Err(crate::domain::Error::new(
                crate::domain::Code::InvalidQuery,
                "assignee=me needs a signed-in user; an API token names the user's id",
            )
            .with_errors(vec![crate::domain::FieldError::new(
                "assignee",
                crate::domain::Code::InvalidValue,
                "me is for signed-in users",
            )])),
            (Some(_), other) => Ok(other.clone()),
        }
    }
}
