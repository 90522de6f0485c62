//! Writing articles: drafts, merge patches and deletes, with the body rendered off the request
//! threads, and the snapshot each change leaves in history and events.

use super::*;
use crate::articles::model::{Article, ArticleChangeset, Draft, title_key};
use crate::articles::render::{self, RenderError, Rendered};
use crate::articles::repo::{self, Access};
use crate::db::AnyConnection;
use crate::domain::caller::{Caller, Principal, forbidden};
use crate::domain::change::{ArticleSnapshot, Held, Placement, Reach};
use crate::domain::{Code, Error, FieldError, IdOrSlug, IfMatch, Result, Status};
use crate::history::model::ArticleState;
use crate::write::{Change, Ctx, Subject, Tx, Verb};
use chrono::NaiveDateTime;

/// Renders a body on the render pool; a body whose shape or cost is out of bounds is a
/// `body_too_complex` naming the rule it broke, and a full pool is `busy`.
pub(super) async fn render_body(text: String) -> Result<Rendered> {
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
pub(super) async fn render_changes(changes: &mut ArticleChangeset) -> Result<()> {
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
    let (writer, linked) = writer(caller)?;
    if let Some(own) = linked {
        match &draft.author_id {
            Some(given) if Some(given) != own.as_ref() => return Err(not_own_author()),
            _ => draft.author_id = own,
        }
    }
    if let (Writer::Author { user_id }, Some(assignee)) = (&writer, &draft.assignee_id)
        && assignee != user_id
    {
        return Err(forbidden(
            "authors may assign a new story only to themselves; editors assign stories",
        ));
    }
    let rendered = render_body(draft.body.clone()).await?;
    let created_by = match &caller.0 {
        Some(Principal::User { id, .. }) => Some(id.clone()),
        _ => None,
    };
    let chosen_slug = draft.slug.is_some();
    draft
        .locale
        .get_or_insert_with(|| ctx.writes.default_locale().to_owned());
    // A new story starts a group of its own only through `translate`.
    draft.translation_group = None;
    let row = Article::new_draft(draft, rendered, created_by, ctx.now());
    ctx.write(caller.actor(), move |tx| {
        if let Some(user) = &row.assignee_id {
            assignee_exists(tx.conn(), user)?;
        }
        create_in(tx, row, chosen_slug)
    })
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
    let now = ctx.now();
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
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let current = load_for_change(tx.conn(), &key, &writer, &precondition, now, true)?;
        set_trashed(tx, &current, Some((now, trashed_by)), now).map(drop)
    })
    .await
}

/// Moves an article into the trash (when and by whom) or out of it (`None`) as a new
/// version, noted with its snapshot.
pub fn set_trashed(
    tx: &mut Tx<'_>,
    current: &Article,
    trashed: Option<(NaiveDateTime, Option<UserId>)>,
    now: NaiveDateTime,
) -> Result<Article> {
    let verb = match trashed {
        Some(_) => Verb::Trashed,
        None => Verb::Untrashed,
    };
    if trashed.is_some() {
        forget_previews(tx.conn(), &current.id)?;
        crate::articles::locks::release(tx.conn(), &current.id)?;
    }
    let (at, by) = trashed.map_or((None, None), |(at, by)| (Some(at), by));
    let changes = ArticleChangeset {
        trashed_at: Some(at),
        trashed_by: Some(by),
        version: Some(current.version + 1),
        updated_at: Some(now),
        ..ArticleChangeset::default()
    };
    let article = repo::apply(tx.conn(), &current.id, &changes)?;
    let snapshot = snapshot(&article, Some(current), tx.now())?;
    tx.note(Change::new(Subject::Article, &article.id, verb).with_snapshot(snapshot));
    Ok(article)
}

/// Where the public sees an article among its lists, if it sees it at all.
fn placement(article: &Article, now: NaiveDateTime) -> Option<Placement> {
    (article.trashed_at.is_none() && repo::is_visible(article, now)).then(|| Placement {
        published_sort: article.published_sort,
        author_id: article.author_id.clone(),
        category_id: article.category_id.clone(),
        tag_ids: crate::domain::split_ids(&article.tag_ids),
        locale: article.locale.clone(),
        group: article.translation_group.clone(),
    })
}

/// The next moment an article changes for the public by itself: it comes due, or expires.
fn next_moment(article: &Article, now: NaiveDateTime) -> Option<NaiveDateTime> {
    if article.trashed_at.is_some()
        || !matches!(article.status, Status::Published | Status::Scheduled)
    {
        return None;
    }
    let due = Some(article.published_sort).filter(|at| *at > now);
    let expires = article.unpublish_at.filter(|at| *at > now);
    due.into_iter().chain(expires).min()
}

/// What a write that turned `before` (nothing, for a new article) into `after` means to the
/// public.
pub(super) fn reach(before: Option<&Article>, after: &Article, now: NaiveDateTime) -> Reach {
    let due = next_moment(after, now);
    Reach {
        before: before.and_then(|b| placement(b, now)),
        after: placement(after, now),
        due: due.filter(|_| before.and_then(|b| next_moment(b, now)) != due),
    }
}

/// An article as history keeps it: its editable fields and status, and its body; `before`
/// is the article as the write found it.
pub(super) fn snapshot(
    article: &Article,
    before: Option<&Article>,
    now: NaiveDateTime,
) -> Result<ArticleSnapshot> {
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
    Ok(ArticleSnapshot {
        version: article.version,
        slug: article.slug.clone(),
        row: Some(Held::new(article.clone())),
        timing: article.timing(),
        state: serde_json::to_string(&state).map_err(Error::internal)?,
        body: article.body.clone(),
        reach: reach(before, article, now),
    })
}

/// Stores a ready-made article inside a write the caller already runs (the seed).
pub fn create_in(tx: &mut Tx<'_>, row: Article, chosen_slug: bool) -> Result<Article> {
    let article = repo::create(tx.conn(), row, chosen_slug)?;
    tx.note(
        Change::new(Subject::Article, &article.id, Verb::Created).with_snapshot(snapshot(
            &article,
            None,
            tx.now(),
        )?),
    );
    Ok(article)
}

/// Stores ready-made articles in bulk (the synthetic seed), each recorded as created.
pub fn import(tx: &mut Tx<'_>, rows: &[Article]) -> Result<()> {
    repo::insert_many(tx.conn(), rows)?;
    for row in rows {
        tx.note(
            Change::new(Subject::Article, &row.id, Verb::Created).with_snapshot(snapshot(
                row,
                None,
                tx.now(),
            )?),
        );
    }
    Ok(())
}

/// Who is writing, for the rules on editing.
#[derive(Debug, Clone)]
pub enum Writer {
    /// Editors, admins and write tokens: everything.
    Staff {
        /// The editor's or admin's id; `None` for an API token or the system.
        user_id: Option<UserId>,
    },
    /// An author: only their own drafts.
    Author {
        /// The user's id.
        user_id: UserId,
    },
}

impl Writer {
    /// The system's own writes (the seed, importers): staff, as no user.
    pub const SYSTEM: Writer = Writer::Staff { user_id: None };

    /// The user writing, if a user is.
    pub fn user_id(&self) -> Option<&UserId> {
        match self {
            Writer::Staff { user_id } => user_id.as_ref(),
            Writer::Author { user_id } => Some(user_id),
        }
    }
}

/// Loads an article for a change, applying the writer's rules, its edit lock and the
/// `If-Match` precondition.
pub fn load_for_change(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    now: NaiveDateTime,
    author_may: bool,
) -> Result<Article, Error> {
    let article = load_editable(conn, key, writer, now, author_may)?;
    may_change(conn, &article, writer, precondition, now)?;
    Ok(article)
}

/// Whether `writer` may change `article` now: nobody else holds its edit lock, and
/// `precondition` matches its version.
pub fn may_change(
    conn: &mut AnyConnection,
    article: &Article,
    writer: &Writer,
    precondition: &IfMatch,
    now: NaiveDateTime,
) -> Result<(), Error> {
    check_lock(conn, article, writer, now)?;
    if !precondition.matches(&article.id, article.version) {
        return Err(Error::precondition_failed(
            "the article changed since you read it (If-Match does not match); fetch it again",
            article.version,
        ));
    }
    Ok(())
}

/// Loads an article, under its row lock, that the writer may change (with `author_may`,
/// authors too: their own drafts), whoever holds its edit lock.
pub fn load_editable(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    writer: &Writer,
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
        if article.status == Status::InReview {
            return Err(forbidden(
                "this article is in review; an editor must return it to you before you can change it",
            ));
        }
        if article.status != Status::Draft {
            return Err(forbidden(
                "this article has left the draft stage; an editor must make changes now",
            ));
        }
    }
    Ok(article)
}

/// Applies a merge patch to an article, if the writer may and the precondition holds. A
/// patch that changes nothing leaves the version alone.
pub fn update_in(
    tx: &mut Tx<'_>,
    id: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    mut changes: ArticleChangeset,
    now: NaiveDateTime,
    verb: Verb,
) -> Result<Article, Error> {
    let conn = tx.conn();
    if changes.locale.is_some()
        && let Some(peek) = repo::find(conn, id, &Access::All, now)?
    {
        // A new language is checked against the group's with all of it held.
        let group = peek.translation_group.as_deref();
        super::translations::lock_members(conn, group, std::slice::from_ref(&peek.id))?;
    }
    let current = load_for_change(conn, id, writer, precondition, now, true)?;
    if let (Some(locale), Some(group)) = (&changes.locale, &current.translation_group)
        && let Some(holder) =
            crate::articles::translations::in_locale(conn, group, locale, current.id.as_str())?
    {
        return Err(crate::articles::translations::exists(
            locale,
            holder.as_str(),
        ));
    }
    // The expiry stays later than the publication, whichever of the two changes.
    let published_at = changes.published_at.unwrap_or(current.published_at);
    match changes.unpublish_at {
        Some(Some(until)) => check_expiry(published_at, until)?,
        None if changes.published_at.is_some() => {
            if let Some(until) = current.unpublish_at {
                check_expiry(published_at, until)?;
            }
        }
        _ => {}
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
    if let Some(assignee) = &changes.assignee_id {
        check_assignee(conn, writer, &current, assignee.as_ref())?;
    }
    // A patch that changes nothing leaves the version alone (a restore always writes).
    let fields = changes.differs_from(&current);
    if fields.is_empty() && verb == Verb::Updated {
        return Ok(current);
    }
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
            .with_snapshot(snapshot(&article, Some(&current), tx.now())?),
    );
    Ok(article)
}

/// Who may assign a story to whom: staff assign it to any user; an author may take an
/// unassigned story of their own, or give up one assigned to them.
fn check_assignee(
    conn: &mut AnyConnection,
    writer: &Writer,
    current: &Article,
    new: Option<&UserId>,
) -> Result<()> {
    if new == current.assignee_id.as_ref() {
        return Ok(());
    }
    if let Writer::Author { user_id } = writer {
        let taking = new == Some(user_id) && current.assignee_id.is_none();
        let giving_up = new.is_none() && current.assignee_id.as_ref() == Some(user_id);
        if !(taking || giving_up) {
            return Err(forbidden(
                "authors may take an unassigned story of their own, or give it up; editors assign stories",
            ));
        }
    }
    if let Some(user) = new {
        assignee_exists(conn, user)?;
    }
    Ok(())
}

/// A 422 on `assignee_id` unless the user it names exists.
fn assignee_exists(conn: &mut AnyConnection, user: &UserId) -> Result<()> {
    if repo::user_exists(conn, user)? {
        return Ok(());
    }
    Err(Error::invalid_field(
        "assignee_id",
        Code::NotFound,
        "assignee_id names no user",
    ))
}

/// An expiry must come after the publication it ends.
pub(super) fn check_expiry(
    published_at: Option<NaiveDateTime>,
    until: NaiveDateTime,
) -> Result<()> {
    match published_at {
        Some(at) if until <= at => Err(Error::invalid_field(
            "unpublish_at",
            Code::InvalidValue,
            "unpublish_at must be later than published_at",
        )),
        _ => Ok(()),
    }
}
