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
use crate::domain::cursor;
use crate::domain::{Code, Error, FieldError, IdOrSlug, IfMatch, Result, Status};
use crate::domain::{Role, Scope};
use crate::write::{Ctx, Subject, Tx, Verb};

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
}

/// Authors and categories by id, loaded with one query per relation.
#[derive(Debug, Default)]
pub struct Related {
    /// Authors by id.
    pub authors: HashMap<String, Author>,
    /// Categories by id.
    pub categories: HashMap<String, Category>,
}

fn related<'a>(
    conn: &mut crate::db::AnyConnection,
    embed: Embed,
    refs: impl Iterator<Item = (&'a Option<String>, &'a Option<String>)>,
) -> Result<Related> {
    let (mut author_ids, mut category_ids) = (Vec::new(), Vec::new());
    for (author, category) in refs {
        author_ids.extend(author.iter().filter(|_| embed.author).cloned());
        category_ids.extend(category.iter().filter(|_| embed.category).cloned());
    }
    for ids in [&mut author_ids, &mut category_ids] {
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
    Ok(out)
}

/// One article the caller may see, with what it embeds.
pub async fn get(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    embed: Embed,
) -> Result<(Article, Related)> {
    let access = access(caller);
    let now = crate::now();
    ctx.read(move |conn| {
        let article = repo::find(conn, &key, &access, now)?
            .ok_or_else(|| Error::not_found("no article has that id or slug"))?;
        let related = related(
            conn,
            embed,
            std::iter::once((&article.author_id, &article.category_id)),
        )?;
        Ok((article, related))
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
    /// `published_at >=`.
    pub published_after: Option<NaiveDateTime>,
    /// `published_at <`.
    pub published_before: Option<NaiveDateTime>,
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
    let now = crate::now();
    let after = after(request.page.cursor.as_deref(), request.sort)?;
    ctx.read(move |conn| list_on(conn, &access, request, after, now))
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
    };
    let mut filter = ListFilter {
        statuses: request.statuses,
        published_after: request.published_after,
        published_before: request.published_before,
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
        page.items
            .iter()
            .map(|(a, _)| (&a.author_id, &a.category_id)),
    )?;
    Ok(Listing {
        page,
        bodies,
        related,
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
    let row = Article::new_draft(draft, rendered, created_by, crate::now());
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
    changes.title_key = changes.title.as_deref().map(title_key);
    if let Some(text) = &changes.body {
        let rendered = render_body(text.clone()).await?;
        changes.body_html = Some(rendered.html);
        changes.word_count = Some(i32::try_from(rendered.words).unwrap_or(i32::MAX));
        changes.reading_time_minutes =
            Some(i32::try_from(rendered.reading_time).unwrap_or(i32::MAX));
    }
    let now = crate::now();
    ctx.write(caller.actor(), move |tx| {
        let article = update_in(tx.conn(), &key, &writer, &precondition, changes, now)?;
        tx.changed(Subject::Article, &article.id, Verb::Updated);
        Ok(article)
    })
    .await
}

/// Deletes an article, if the caller may and `precondition` holds.
pub async fn delete(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
) -> Result<()> {
    let (writer, _) = writer(caller)?;
    let now = crate::now();
    ctx.write(caller.actor(), move |tx| {
        let id = delete_in(tx.conn(), &key, &writer, &precondition, now)?;
        tx.changed(Subject::Article, &id, Verb::Deleted);
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
    let now = crate::now();
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
    let article = transition_on(tx.conn(), key, writer, precondition, action, now)?;
    let verb = match action {
        Action::Publish(_) => Verb::Published,
        Action::Unpublish => Verb::Unpublished,
        Action::Archive => Verb::Archived,
    };
    tx.changed(Subject::Article, &article.id, verb);
    Ok(article)
}

/// Stores a ready-made article inside a write the caller already runs (the seed).
pub fn create_in(tx: &mut Tx<'_>, row: Article, chosen_slug: bool) -> Result<Article> {
    let article = repo::create(tx.conn(), row, chosen_slug)?;
    tx.changed(Subject::Article, &article.id, Verb::Created);
    Ok(article)
}

/// Stores ready-made articles in bulk (the synthetic seed), each recorded as created.
pub fn import(tx: &mut Tx<'_>, rows: &[Article]) -> Result<()> {
    repo::insert_many(tx.conn(), rows)?;
    for row in rows {
        tx.changed(Subject::Article, &row.id, Verb::Created);
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
    conn: &mut AnyConnection,
    id: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    mut changes: ArticleChangeset,
    now: NaiveDateTime,
) -> Result<Article, Error> {
    let current = load_for_change(conn, id, writer, precondition, now, true)?;
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
    repo::ensure_references(conn, new_author, new_category)?;
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
            .is_none_or(|v| *v == current.cover_image_url);
    if nothing {
        return Ok(current);
    }
    changes.version = Some(current.version + 1);
    changes.updated_at = Some(now);
    repo::apply(conn, &current.id, &changes)
}

/// Deletes an article, if the writer may and the precondition holds.
fn delete_in(
    conn: &mut AnyConnection,
    id: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    now: NaiveDateTime,
) -> Result<String, Error> {
    let current = load_for_change(conn, id, writer, precondition, now, true)?;
    repo::delete(conn, &current.id)?;
    Ok(current.id)
}

/// A publishing action.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    /// Publish now, at a given time, or schedule.
    Publish(Option<NaiveDateTime>),
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
) -> Result<Article, Error> {
    let current = load_for_change(conn, id, writer, precondition, now, false)?;
    let status = current.status;
    let (allowed, name) = match action {
        Action::Publish(_) => (
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
        Action::Publish(at) => {
            let when = at.unwrap_or(now);
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
    changes.version = Some(current.version + 1);
    changes.updated_at = Some(now);
    repo::apply(conn, &current.id, &changes)
}
