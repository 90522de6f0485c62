//! What may happen to articles, and who may do it. Reads decide what the caller may see;
//! writes check the caller's rights and the article's state, render the body off the request
//! threads, and change the store inside one write ([`crate::write`]), saying what changed.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::model::{
    Article, ArticleChangeset, ArticleSort, ArticleSummary, Draft, title_key, unpublished_sort,
};
use super::render::{self, RenderError, Rendered};
use super::repo::{self, Access, After, ListFilter};
use super::search::Search;
use crate::authors::model::Author;
use crate::categories::model::Category;
use crate::db::AnyConnection;
use crate::domain::caller::{Caller, Principal, forbidden, unauthorized};
use crate::domain::change::ArticleSnapshot;
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{Code, Error, FieldError, IdOrSlug, IfMatch, Lookup, Result, Status};
use crate::domain::{Role, Scope};
use crate::history::model::{ArticleState, Revision};
use crate::history::repo as history;
use crate::tags::model::Tag;
use crate::write::{Change, Ctx, Subject, Tx, Verb};

/// What the caller may read.
pub fn access(caller: &Caller) -> Access {
    match &caller.0 {
        None => Access::Public,
        Some(Principal::User {
            id,
            role: Role::Author,
            ..
        }) => Access::Own(id.clone()),
        Some(_) => Access::All,
    }
}

/// Who is writing, or why they may not; with the author profile an author writes as.
fn writer(caller: &Caller) -> Result<(Writer, Option<Option<String>>)> {
    match &caller.0 {
        None => Err(unauthorized("this request needs a bearer token", false)),
        Some(Principal::Token {
            scope: Scope::Read, ..
        }) => Err(forbidden("read API tokens may not change content")),
        Some(Principal::Token { .. }) => Ok((Writer::Staff, None)),
        Some(Principal::User {
            role: Role::Author,
            id,
            author_id,
        }) => Ok((
            Writer::Author {
                user_id: id.clone(),
            },
            Some(author_id.clone()),
        )),
        Some(Principal::User { .. }) => Ok((Writer::Staff, None)),
    }
}

fn not_own_author() -> Error {
    Error::invalid_field(
        "author_id",
        Code::NotAllowed,
        "authors may set only their own author profile",
    )
}

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
}

/// Authors and categories by id, loaded with one query per relation.
#[derive(Debug, Default)]
pub struct Related {
    /// Authors by id.
    pub authors: HashMap<String, Author>,
    /// Categories by id.
    pub categories: HashMap<String, Category>,
    /// Tags by id.
    pub tags: HashMap<String, Tag>,
    /// Cover images by id.
    pub media: HashMap<String, crate::media::model::Media>,
}

/// What an article refers to: its author, its category, its tags (comma-separated) and
/// its cover.
type Refs<'a> = (
    &'a Option<String>,
    &'a Option<String>,
    &'a str,
    &'a Option<String>,
);

fn related<'a>(
    conn: &mut crate::db::AnyConnection,
    embed: Embed,
    refs: impl Iterator<Item = Refs<'a>>,
) -> Result<Related> {
    let (mut author_ids, mut category_ids, mut tag_ids) = (Vec::new(), Vec::new(), Vec::new());
    let mut media_ids = Vec::new();
    for (author, category, tags, cover) in refs {
        media_ids.extend(cover.iter().filter(|_| embed.cover).cloned());
        author_ids.extend(author.iter().filter(|_| embed.author).cloned());
        category_ids.extend(category.iter().filter(|_| embed.category).cloned());
        if embed.tags {
            tag_ids.extend(crate::domain::split_ids(tags));
        }
    }
    for ids in [
        &mut author_ids,
        &mut category_ids,
        &mut tag_ids,
        &mut media_ids,
    ] {
        ids.sort_unstable();
        ids.dedup();
    }
    let mut out = Related::default();
    for author in crate::authors::repo::by_ids(conn, &author_ids)? {
        out.authors.insert(author.id.clone(), author);
    }
    for category in crate::categories::repo::by_ids(conn, &category_ids)? {
        out.categories.insert(category.id.clone(), category);
    }
    for tag in crate::tags::repo::by_ids(conn, &tag_ids)? {
        out.tags.insert(tag.id.clone(), tag);
    }
    for media in crate::media::repo::by_ids(conn, &media_ids)? {
        out.media.insert(media.id.clone(), media);
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
    let now = crate::domain::time::now();
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
        let related = related(
            conn,
            embed,
            std::iter::once((
                &article.author_id,
                &article.category_id,
                article.tag_ids.as_str(),
                &article.cover_media_id,
            )),
        )?;
        Ok(Lookup::Found((article, related)))
    })
    .await
}

/// A search hit's rank and raw highlight.
pub type Hit = (f64, Option<String>);

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
    pub bodies: HashMap<String, (String, String)>,
    /// The embedded rows.
    pub related: Related,
    /// For the public: the next moment a scheduled story comes due or a story expires,
    /// when this list may change with no write.
    pub changes_at: Option<NaiveDateTime>,
}

/// Reads the list's cursor: the sort key and the id of the last item of the page before.
fn after(raw: Option<&str>, sort: ArticleSort) -> Result<Option<After>> {
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
pub async fn list(ctx: &Ctx, caller: &Caller, request: ListRequest) -> Result<Listing> {
    if request.statuses.is_some() && caller.0.is_none() {
        return Err(unauthorized(
            "listing by status needs a bearer token",
            false,
        ));
    }
    let access = access(caller);
    let now = crate::domain::time::now();
    let after = after(request.page.cursor.as_deref(), request.sort)?;
    // Only a cached public answer needs the next due moment.
    let public = caller.0.is_none();
    let cache = ctx.writes.cache().clone();
    ctx.read(move |conn| {
        let mut listing = list_on(conn, &access, request, after, now)?;
        if public {
            listing.changes_at = crate::outbox::repo::next_due_cached(conn, &cache)?;
        }
        Ok(listing)
    })
    .await
}

fn list_on(
    conn: &mut crate::db::AnyConnection,
    access: &Access,
    request: ListRequest,
    after: Option<After>,
    now: NaiveDateTime,
) -> Result<Listing> {
    let ListRequest {
        sort, page, embed, ..
    } = request;
    let limit = page.limit;
    let empty = || Listing {
        page: page.empty(),
        bodies: HashMap::new(),
        related: Related::default(),
        changes_at: None,
    };
    let mut filter = ListFilter {
        statuses: request.statuses,
        published_after: request.published_after,
        published_before: request.published_before,
        updated_after: request.updated_after,
        ..ListFilter::default()
    };
    if let Some(key) = &request.author {
        match crate::authors::repo::find(conn, key)? {
            Some(author) => filter.author_id = Some(author.id),
            None => return Ok(empty()),
        }
    }
    if let Some(key) = &request.category {
        match crate::categories::repo::find(conn, key)? {
            Some(root) => {
                filter.category_ids =
                    Some(crate::categories::repo::with_descendants(conn, &root.id)?)
            }
            None => return Ok(empty()),
        }
    }
    if let Some(slugs) = &request.tags {
        let ids = crate::tags::repo::ids_of_slugs(conn, slugs)?;
        if ids.is_empty() {
            return Ok(empty());
        }
        filter.tag_ids = Some(ids);
    }
    filter.search = request.search.as_ref().map(|s| s.sql(conn.backend()));
    let rows: Vec<(ArticleSummary, Option<Hit>)> = match &filter.search {
        Some(search) if sort == ArticleSort::Relevance => {
            let after = after.map(|a| (a.key.parse::<f64>().unwrap_or(f64::MAX), a.id));
            let hits = repo::search(conn, &filter, access, after, limit, now)?;
            let ids: Vec<String> = hits
                .iter()
                .take(limit as usize)
                .map(|(a, _)| a.id.clone())
                .collect();
            let mut marks: HashMap<String, Option<String>> =
                repo::highlights(conn, search, &ids)?.into_iter().collect();
            hits.into_iter()
                .map(|(row, rank)| {
                    let highlight = marks.remove(&row.id).flatten();
                    (row, Some((rank, highlight)))
                })
                .collect()
        }
        _ => repo::list(conn, &filter, access, sort, after, limit, now)?
            .into_iter()
            .map(|row| (row, None))
            .collect(),
    };
    let total = if page.with_total {
        Some(repo::count(conn, &filter, access, now)?)
    } else {
        None
    };
    let page = page.split(rows, total, |(a, hit)| {
        let key = match hit {
            Some((rank, _)) => rank.to_string(),
            None => repo::cursor_key(a, sort),
        };
        cursor::encode_cursor(sort.tag(), &[&key, &a.id])
    });
    let bodies = if request.bodies {
        let ids: Vec<String> = page.items.iter().map(|(a, _)| a.id.clone()).collect();
        repo::bodies(conn, &ids)?
            .into_iter()
            .map(|(id, body, html)| (id, (body, html)))
            .collect()
    } else {
        HashMap::new()
    };
    let related = related(
        conn,
        embed,
        page.items.iter().map(|(a, _)| {
            (
                &a.author_id,
                &a.category_id,
                a.tag_ids.as_str(),
                &a.cover_media_id,
            )
        }),
    )?;
    Ok(Listing {
        page,
        bodies,
        related,
        changes_at: None,
    })
}

/// Renders a body on the render pool; a body whose shape or cost is out of bounds is a
/// `body_too_complex` naming the rule it broke, and a full pool is `busy`.
async fn render_body(text: String) -> Result<Rendered> {
    let (rule, message) = match render::off_thread(text).await {
        Ok(rendered) => return Ok(rendered),
        Err(RenderError::Busy) => {
            return Err(Error::busy(
                "every render thread is busy; try again in a moment",
            ));
        }
        Err(RenderError::TooDeep) => (
            Code::TooDeep,
            format!(
                "body nests blockquotes, lists and HTML elements more than {} levels deep",
                render::MAX_DEPTH
            ),
        ),
        Err(RenderError::TooLarge) => (
            Code::RendersTooLarge,
            format!(
                "body renders to more than {} MiB of HTML",
                render::MAX_HTML_BYTES / (1024 * 1024)
            ),
        ),
        Err(RenderError::Failed) => (
            Code::Unrenderable,
            "body could not be rendered; simplify its structure".to_owned(),
        ),
        Err(RenderError::TooSlow) => (
            Code::TooSlow,
            format!(
                "body did not render within {} ms; simplify its structure",
                render::DEADLINE.as_millis()
            ),
        ),
    };
    Err(
        Error::new(Code::BodyTooComplex, "the body is too complex to render")
            .with_errors(vec![FieldError::new("body", rule, message)]),
    )
}

/// Fills in what follows from a changeset's title and body: the sort key, and the rendered
/// body with its counts (rendered on the render pool).
async fn render_changes(changes: &mut ArticleChangeset) -> Result<()> {
    changes.title_key = changes.title.as_deref().map(title_key);
    if let Some(text) = &changes.body {
        let rendered = render_body(text.clone()).await?;
        changes.body_html = Some(rendered.html);
        changes.word_count = Some(i32::try_from(rendered.words).unwrap_or(i32::MAX));
        changes.reading_time_minutes =
            Some(i32::try_from(rendered.reading_time).unwrap_or(i32::MAX));
    }
    Ok(())
}

/// Creates a draft. An author's article carries their linked author profile, and they may not
/// name another.
pub async fn create(ctx: &Ctx, caller: &Caller, mut draft: Draft) -> Result<Article> {
    let (_, linked) = writer(caller)?;
    if let Some(own) = linked {
        match &draft.author_id {
            Some(given) if Some(given) != own.as_ref() => return Err(not_own_author()),
            _ => draft.author_id = own,
        }
    }
    let rendered = render_body(draft.body.clone()).await?;
    let created_by = match &caller.0 {
        Some(Principal::User { id, .. }) => Some(id.clone()),
        _ => None,
    };
    let chosen_slug = draft.slug.is_some();
    let row = Article::new_draft(draft, rendered, created_by, crate::domain::time::now());
    ctx.write(caller.actor(), move |tx| create_in(tx, row, chosen_slug))
        .await
}

/// Applies a merge patch, if the caller may change the article and `precondition` holds.
/// Authors may change only their own drafts, and only to their own author profile.
pub async fn update(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
    mut changes: ArticleChangeset,
) -> Result<Article> {
    let (writer, linked) = writer(caller)?;
    if let (Some(own), Some(new)) = (&linked, &changes.author_id)
        && new != own
    {
        return Err(not_own_author());
    }
    render_changes(&mut changes).await?;
    let now = crate::domain::time::now();
    ctx.write(caller.actor(), move |tx| {
        update_in(
            tx,
            &key,
            &writer,
            &precondition,
            changes,
            now,
            Verb::Updated,
        )
    })
    .await
}

/// Moves an article to the trash, if the caller may and `precondition` holds. It keeps its
/// status, slug and schedule there, and comes back with them.
pub async fn delete(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
) -> Result<()> {
    let (writer, _) = writer(caller)?;
    let trashed_by = match &caller.0 {
        Some(Principal::User { id, .. }) => Some(id.clone()),
        _ => None,
    };
    let now = crate::domain::time::now();
    ctx.write(caller.actor(), move |tx| {
        let current = load_for_change(tx.conn(), &key, &writer, &precondition, now, true)?;
        let changes = ArticleChangeset {
            trashed_at: Some(Some(now)),
            trashed_by: Some(trashed_by),
            version: Some(current.version + 1),
            updated_at: Some(now),
            ..ArticleChangeset::default()
        };
        let article = repo::apply(tx.conn(), &current.id, &changes)?;
        tx.note(
            Change::new(Subject::Article, &article.id, Verb::Trashed)
                .with_snapshot(snapshot(&article)?),
        );
        Ok(())
    })
    .await
}

/// Publishes, unpublishes or archives an article. Authors may not; moves from states where
/// they make no sense are an `invalid_transition`.
pub async fn transition(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
    action: Action,
) -> Result<Article> {
    let (writer, _) = writer(caller)?;
    let now = crate::domain::time::now();
    ctx.write(caller.actor(), move |tx| {
        transition_in(tx, &key, &writer, &precondition, action, now)
    })
    .await
}

/// [`transition`] inside a write the caller already runs (the seed).
pub fn transition_in(
    tx: &mut Tx<'_>,
    key: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    action: Action,
    now: NaiveDateTime,
) -> Result<Article> {
    let (article, fields) = transition_on(tx.conn(), key, writer, precondition, action, now)?;
    let verb = match action {
        Action::Publish(..) if article.status == Status::Scheduled => Verb::Scheduled,
        Action::Publish(..) => Verb::Published,
        Action::Unpublish => Verb::Unpublished,
        Action::Archive => Verb::Archived,
    };
    tx.note(
        Change::new(Subject::Article, &article.id, verb)
            .with_fields(fields)
            .with_snapshot(snapshot(&article)?),
    );
    Ok(article)
}

/// An article as history keeps it: its editable fields and status, and its body.
fn snapshot(article: &Article) -> Result<ArticleSnapshot> {
    let state = ArticleState {
        slug: article.slug.clone(),
        title: article.title.clone(),
        subtitle: article.subtitle.clone(),
        excerpt: article.excerpt.clone(),
        status: article.status,
        published_at: article.published_at,
        unpublish_at: article.unpublish_at,
        author_id: article.author_id.clone(),
        category_id: article.category_id.clone(),
        cover_image_url: article.cover_image_url.clone(),
        cover_media_id: Some(article.cover_media_id.clone()),
        tag_ids: Some(crate::domain::split_ids(&article.tag_ids)),
    };
    let public = (article.trashed_at.is_none()
        && repo::is_visible(article, crate::domain::time::now()))
    .then(|| crate::outbox::present::article(&public_fields(article)).to_string());
    Ok(ArticleSnapshot {
        version: article.version,
        slug: article.slug.clone(),
        public,
        state: serde_json::to_string(&state).map_err(Error::internal)?,
        body: article.body.clone(),
    })
}

/// The fields of an article the public reads, for its events.
fn public_fields(a: &Article) -> crate::outbox::present::PublicArticle<'_> {
    crate::outbox::present::PublicArticle {
        id: &a.id,
        slug: &a.slug,
        title: &a.title,
        subtitle: a.subtitle.as_deref(),
        excerpt: a.excerpt.as_deref(),
        body: &a.body,
        body_html: &a.body_html,
        status: a.status,
        published_at: a.published_at,
        unpublish_at: a.unpublish_at,
        author_id: a.author_id.as_deref(),
        category_id: a.category_id.as_deref(),
        cover_image_url: a.cover_image_url.as_deref(),
        cover_media_id: a.cover_media_id.as_deref(),
        tag_ids: &a.tag_ids,
        word_count: a.word_count,
        reading_time_minutes: a.reading_time_minutes,
        version: a.version,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

/// Stores a ready-made article inside a write the caller already runs (the seed).
pub fn create_in(tx: &mut Tx<'_>, row: Article, chosen_slug: bool) -> Result<Article> {
    let article = repo::create(tx.conn(), row, chosen_slug)?;
    tx.note(
        Change::new(Subject::Article, &article.id, Verb::Created)
            .with_snapshot(snapshot(&article)?),
    );
    Ok(article)
}

/// Stores ready-made articles in bulk (the synthetic seed), each recorded as created.
pub fn import(tx: &mut Tx<'_>, rows: &[Article]) -> Result<()> {
    repo::insert_many(tx.conn(), rows)?;
    for row in rows {
        tx.note(
            Change::new(Subject::Article, &row.id, Verb::Created).with_snapshot(snapshot(row)?),
        );
    }
    Ok(())
}

/// Who is writing, for the rules on editing.
#[derive(Debug, Clone)]
pub enum Writer {
    /// Editors, admins and write tokens: everything.
    Staff,
    /// An author: only their own drafts.
    Author {
        /// The user's id.
        user_id: String,
    },
}

/// Loads an article for a change, applying the writer's rules and the `If-Match` precondition.
fn load_for_change(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    now: NaiveDateTime,
    author_may: bool,
) -> Result<Article, Error> {
    repo::lock_row(conn, key)?;
    let article = repo::find(conn, key, &Access::All, now)?.ok_or_else(repo::not_found)?;
    if let Writer::Author { user_id } = writer {
        let own = article.created_by.as_deref() == Some(user_id.as_str());
        if !own && !repo::is_visible(&article, now) {
            return Err(repo::not_found());
        }
        if !own {
            return Err(forbidden("authors may change only their own articles"));
        }
        if !author_may {
            return Err(forbidden("only editors and admins may do this"));
        }
        if article.status != Status::Draft {
            return Err(forbidden(
                "this article has left the draft stage; an editor must make changes now",
            ));
        }
    }
    if !precondition.matches(&article.id, article.version) {
        return Err(Error::precondition_failed(
            "the article changed since you read it (If-Match does not match); fetch it again",
            article.version,
        ));
    }
    Ok(article)
}

/// Applies a merge patch to an article, if the writer may and the precondition holds. A
/// patch that changes nothing leaves the version alone.
fn update_in(
    tx: &mut Tx<'_>,
    id: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    mut changes: ArticleChangeset,
    now: NaiveDateTime,
    verb: Verb,
) -> Result<Article, Error> {
    let conn = tx.conn();
    let current = load_for_change(conn, id, writer, precondition, now, true)?;
    if let Some(Some(until)) = changes.unpublish_at {
        check_expiry(current.published_at, until)?;
    }
    if changes.slug.as_ref().is_some_and(|s| *s == current.slug) {
        changes.slug = None;
    }
    if let Some(new_slug) = &changes.slug
        && repo::slug_taken(conn, new_slug, Some(&current.id))?
    {
        return Err(repo::slug_conflict(new_slug));
    }
    let new_author = changes.author_id.as_ref().and_then(|a| a.as_deref());
    let new_category = changes.category_id.as_ref().and_then(|c| c.as_deref());
    let new_cover = changes.cover_media_id.as_ref().and_then(|c| c.as_deref());
    repo::ensure_references(conn, new_author, new_category, new_cover)?;
    let nothing = changes.slug.is_none()
        && changes.title.as_ref().is_none_or(|v| *v == current.title)
        && changes
            .subtitle
            .as_ref()
            .is_none_or(|v| *v == current.subtitle)
        && changes
            .excerpt
            .as_ref()
            .is_none_or(|v| *v == current.excerpt)
        && changes.body.as_ref().is_none_or(|v| *v == current.body)
        && changes
            .author_id
            .as_ref()
            .is_none_or(|v| *v == current.author_id)
        && changes
            .category_id
            .as_ref()
            .is_none_or(|v| *v == current.category_id)
        && changes
            .cover_image_url
            .as_ref()
            .is_none_or(|v| *v == current.cover_image_url)
        && changes
            .unpublish_at
            .as_ref()
            .is_none_or(|v| *v == current.unpublish_at)
        && changes
            .cover_media_id
            .as_ref()
            .is_none_or(|v| *v == current.cover_media_id)
        && changes
            .tag_ids
            .as_ref()
            .is_none_or(|v| *v == current.tag_ids);
    if nothing && verb == Verb::Updated {
        return Ok(current);
    }
    let fields = changes.differs_from(&current);
    if let Some(new_slug) = &changes.slug {
        repo::remember_slug(conn, &current.slug, new_slug, &current.id, now)?;
    }
    if changes.tag_ids.as_ref() == Some(&current.tag_ids) {
        changes.tag_ids = None;
    }
    if let Some(tags) = &changes.tag_ids {
        changes.tag_names = Some(repo::set_tags(conn, &current.id, tags)?);
    }
    changes.version = Some(current.version + 1);
    changes.updated_at = Some(now);
    let article = repo::apply(conn, &current.id, &changes)?;
    tx.note(
        Change::new(Subject::Article, &article.id, verb)
            .with_fields(fields)
            .with_snapshot(snapshot(&article)?),
    );
    Ok(article)
}

/// An expiry must come after the publication it ends.
fn check_expiry(published_at: Option<NaiveDateTime>, until: NaiveDateTime) -> Result<()> {
    match published_at {
        Some(at) if until <= at => Err(Error::invalid_field(
            "unpublish_at",
            Code::InvalidValue,
            "unpublish_at must be later than published_at",
        )),
        _ => Ok(()),
    }
}

/// A publishing action.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    /// Publish now, at a given time, or schedule; and set (`Some(Some)`), clear
    /// (`Some(None)`) or keep (`None`) the expiry.
    Publish(Option<NaiveDateTime>, Option<Option<NaiveDateTime>>),
    /// Back to draft.
    Unpublish,
    /// Withdraw.
    Archive,
}

/// Moves an article through its states. Authors may not; moves from states where they
/// make no sense are a 409 `invalid_transition`.
fn transition_on(
    conn: &mut AnyConnection,
    id: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    action: Action,
    now: NaiveDateTime,
) -> Result<(Article, Vec<&'static str>), Error> {
    let current = load_for_change(conn, id, writer, precondition, now, false)?;
    let status = current.status;
    let (allowed, name) = match action {
        Action::Publish(..) => (
            matches!(status, Status::Draft | Status::Scheduled | Status::Archived),
            "publish",
        ),
        Action::Unpublish => (
            matches!(status, Status::Published | Status::Scheduled),
            "unpublish",
        ),
        Action::Archive => (
            matches!(
                status,
                Status::Draft | Status::Scheduled | Status::Published
            ),
            "archive",
        ),
    };
    if !allowed {
        return Err(Error::new(
            Code::InvalidTransition,
            format!("cannot {name} an article that is {status}"),
        ));
    }
    let mut changes = ArticleChangeset::default();
    match action {
        Action::Publish(at, until) => {
            let when = at.unwrap_or(now);
            let expiry = until.unwrap_or(current.unpublish_at);
            if let Some(until) = expiry {
                check_expiry(Some(when), until)?;
            }
            changes.unpublish_at = until;
            changes.status = Some(if when > now {
                Status::Scheduled
            } else {
                Status::Published
            });
            changes.published_at = Some(Some(when));
            changes.published_sort = Some(when);
        }
        Action::Unpublish => {
            changes.status = Some(Status::Draft);
            changes.published_at = Some(None);
            changes.published_sort = Some(unpublished_sort());
        }
        Action::Archive => changes.status = Some(Status::Archived),
    }
    let fields = changes.differs_from(&current);
    changes.version = Some(current.version + 1);
    changes.updated_at = Some(now);
    Ok((repo::apply(conn, &current.id, &changes)?, fields))
}

/// Loads an article for reading its history: whoever may read its drafts may (editors,
/// admins, API tokens, and authors for the articles they created).
fn load_for_history(conn: &mut AnyConnection, access: &Access, key: &IdOrSlug) -> Result<Article> {
    let article = repo::find(conn, key, &Access::All, crate::domain::time::now())?
        .ok_or_else(repo::not_found)?;
    match access {
        Access::All => Ok(article),
        Access::Own(user) if article.created_by.as_deref() == Some(user.as_str()) => Ok(article),
        // An article they may not read is as absent as it is to them elsewhere: a 403
        // would tell them a draft exists.
        Access::Own(_) if !repo::is_visible(&article, crate::domain::time::now()) => {
            Err(repo::not_found())
        }
        Access::Own(_) => Err(forbidden(
            "authors may read the history of their own articles only",
        )),
        Access::Public => Err(unauthorized("this request needs a bearer token", false)),
    }
}

/// A page of an article's revisions, newest first; bodies only when asked for.
pub async fn revisions(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    page: PageRequest,
    bodies: bool,
) -> Result<Page<Revision>> {
    const ORDER: &str = "revisions";
    let access = access(caller);
    // Who may ask comes before what they asked: no credentials is a 401 whatever the query.
    if matches!(access, Access::Public) {
        return Err(unauthorized("this request needs a bearer token", false));
    }
    let before = match page.cursor.as_deref() {
        Some(raw) => {
            let keys = cursor::decode_cursor(raw, ORDER, 1)?;
            match keys.first().and_then(|k| k.parse::<i64>().ok()) {
                Some(v) => Some(v),
                None => return Err(cursor::invalid_cursor()),
            }
        }
        None => None,
    };
    ctx.read(move |conn| {
        let article = load_for_history(conn, &access, &key)?;
        let rows = history::revisions(conn, &article.id, before, page.limit, bodies)?;
        let total = if page.with_total {
            Some(history::count_revisions(conn, &article.id)?)
        } else {
            None
        };
        Ok(page.split(rows, total, |r| {
            cursor::encode_cursor(ORDER, &[&r.version.to_string()])
        }))
    })
    .await
}

/// One revision of an article, with its body.
pub async fn revision(ctx: &Ctx, caller: &Caller, key: IdOrSlug, version: i64) -> Result<Revision> {
    let access = access(caller);
    ctx.read(move |conn| {
        let article = load_for_history(conn, &access, &key)?;
        history::revision(conn, &article.id, version)?
            .ok_or_else(|| Error::not_found("the article has no revision with that version"))
    })
    .await
}

/// Makes an earlier revision's content current again, as a new version: its title, slug,
/// subtitle, excerpt, body, byline, section and cover. The status and schedule stay as they
/// are. Needs the right to edit the article; `precondition` is checked against the current
/// version.
pub async fn restore(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    version: i64,
    precondition: IfMatch,
) -> Result<Article> {
    let (writer, _) = writer(caller)?;
    let access = access(caller);
    let lookup = key.clone();
    let old = ctx
        .read(move |conn| {
            let article = load_for_history(conn, &access, &lookup)?;
            history::revision(conn, &article.id, version)?
                .ok_or_else(|| Error::not_found("the article has no revision with that version"))
        })
        .await?;
    let state = old.state;
    let mut changes = ArticleChangeset {
        slug: Some(state.slug),
        title: Some(state.title),
        subtitle: Some(state.subtitle),
        excerpt: Some(state.excerpt),
        body: old.body,
        author_id: Some(state.author_id),
        category_id: Some(state.category_id),
        cover_image_url: Some(state.cover_image_url),
        ..ArticleChangeset::default()
    };
    let old_cover = state.cover_media_id.clone();
    render_changes(&mut changes).await?;
    let now = crate::domain::time::now();
    ctx.write(caller.actor(), move |tx| {
        // The revision's tags, less those deleted since (revisions older than tags keep
        // the article's tags as they are).
        // The revision's cover (or none), unless it has been deleted since; revisions
        // older than the media library keep the cover as it is.
        match &old_cover {
            Some(Some(cover)) => {
                let still = crate::media::repo::exists(tx.conn(), cover)?;
                changes.cover_media_id = Some(Some(cover.clone()).filter(|_| still));
            }
            Some(None) => changes.cover_media_id = Some(None),
            None => {}
        }
        if let Some(ids) = &state.tag_ids {
            let existing: std::collections::HashSet<String> =
                crate::tags::repo::by_ids(tx.conn(), ids)?
                    .into_iter()
                    .map(|t| t.id)
                    .collect();
            let kept: Vec<String> = ids
                .iter()
                .filter(|id| existing.contains(*id))
                .cloned()
                .collect();
            changes.tag_ids = Some(crate::domain::join_ids(&kept));
        }
        update_in(
            tx,
            &key,
            &writer,
            &precondition,
            changes,
            now,
            Verb::Restored,
        )
    })
    .await
}

/// An article in the trash, with when and by whom it went there.
#[derive(Debug)]
pub struct Trashed {
    /// The article as it was.
    pub article: ArticleSummary,
    /// When it went to the trash.
    pub trashed_at: NaiveDateTime,
    /// The user who put it there (`None` for an API token).
    pub trashed_by: Option<String>,
}

/// A page of the trash, most recently trashed first. Staff see all of it; an author the
/// articles they created.
pub async fn trash(ctx: &Ctx, caller: &Caller, page: PageRequest) -> Result<Page<Trashed>> {
    const ORDER: &str = "trash";
    let only = match access(caller) {
        Access::Public => return Err(unauthorized("this request needs a bearer token", false)),
        Access::Own(user) => Some(user),
        Access::All => None,
    };
    let after = match page.cursor.as_deref() {
        Some(raw) => Some(cursor::decode_created_cursor(raw, ORDER)?),
        None => None,
    };
    ctx.read(move |conn| {
        let items = repo::trash(conn, only.as_deref(), after, page.limit)?
            .into_iter()
            .map(|(article, at, by)| Trashed {
                trashed_at: at.unwrap_or(article.updated_at),
                trashed_by: by,
                article,
            })
            .collect();
        let total = if page.with_total {
            Some(repo::count_trash(conn, only.as_deref())?)
        } else {
            None
        };
        Ok(page.split(items, total, |t| {
            cursor::encode_created_cursor(ORDER, t.trashed_at, &t.article.id)
        }))
    })
    .await
}

/// Loads a trashed article for a change: staff may change any; an author only their own.
fn load_trashed(conn: &mut AnyConnection, writer: &Writer, id: &str) -> Result<Article> {
    repo::lock_row(conn, &IdOrSlug::Id(id.to_owned()))?;
    let article = repo::find_trashed(conn, &IdOrSlug::Id(id.to_owned()))?
        .ok_or_else(|| Error::not_found("no article in the trash has that id"))?;
    if let Writer::Author { user_id } = writer
        && article.created_by.as_deref() != Some(user_id.as_str())
    {
        return Err(Error::not_found("no article in the trash has that id"));
    }
    Ok(article)
}

/// Takes an article out of the trash exactly as it went in (status, slug, schedule), as a
/// new version.
pub async fn untrash(ctx: &Ctx, caller: &Caller, id: String) -> Result<Article> {
    let (writer, _) = writer(caller)?;
    let now = crate::domain::time::now();
    ctx.write(caller.actor(), move |tx| {
        let current = load_trashed(tx.conn(), &writer, &id)?;
        let changes = ArticleChangeset {
            trashed_at: Some(None),
            trashed_by: Some(None),
            version: Some(current.version + 1),
            updated_at: Some(now),
            ..ArticleChangeset::default()
        };
        let article = repo::apply(tx.conn(), &current.id, &changes)?;
        tx.note(
            Change::new(Subject::Article, &article.id, Verb::Untrashed)
                .with_snapshot(snapshot(&article)?),
        );
        Ok(article)
    })
    .await
}

/// Deletes an article in the trash for good, with its revisions and old slugs (admins).
pub async fn purge(ctx: &Ctx, admin: &crate::domain::caller::Admin, id: String) -> Result<()> {
    ctx.write(admin.actor(), move |tx| {
        let article = load_trashed(tx.conn(), &Writer::Staff, &id)?;
        repo::purge(tx.conn(), &id)?;
        tx.note(Change::new(Subject::Article, &id, Verb::Deleted).with_slug(&article.slug));
        Ok(())
    })
    .await
}

/// Deletes for good the articles that went to the trash before `cutoff`, a batch per write;
/// how many went.
pub async fn purge_trashed_before(ctx: &Ctx, cutoff: NaiveDateTime) -> Result<usize> {
    let mut total = 0;
    loop {
        let purged = ctx
            .write(crate::write::Actor::System, move |tx| {
                // Two servers on one database sweep in turns, so each article is purged
                // (and recorded) once.
                crate::db::lock_name(tx.conn(), "history.sweep")?;
                let ids = repo::trashed_before(tx.conn(), cutoff, 100)?;
                for (id, slug) in &ids {
                    repo::purge(tx.conn(), id)?;
                    tx.note(Change::new(Subject::Article, id, Verb::Deleted).with_slug(slug));
                }
                Ok(ids.len())
            })
            .await?;
        total += purged;
        if purged < 100 {
            return Ok(total);
        }
    }
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
