//! History around articles: revisions and restoring one, the trash, and purging it.

use super::*;
use crate::articles::model::{Article, ArticleChangeset, ArticleSummary};
use crate::articles::repo::{self, Access};
use crate::db::AnyConnection;
use crate::domain::caller::{Caller, forbidden, unauthorized};
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{Error, IdOrSlug, IfMatch, Result};
use crate::history::model::Revision;
use crate::history::repo as history;
use crate::slugged::Slugged;
use crate::tags::model::Tag;
use crate::write::{Change, Ctx, Subject, Verb};
use chrono::NaiveDateTime;

/// Loads an article for reading its history: whoever may read its drafts may (editors,
/// admins, API tokens, and authors for the articles they created).
pub(super) fn load_for_history(
    conn: &mut AnyConnection,
    access: &Access,
    key: &IdOrSlug,
    now: NaiveDateTime,
) -> Result<Article> {
    let article = repo::find(conn, key, &Access::All, now)?.ok_or_else(repo::not_found)?;
    match access {
        Access::All => Ok(article),
        Access::Own(user) if article.created_by.as_deref() == Some(user.as_str()) => Ok(article),
        // An article they may not read is as absent as it is to them elsewhere: a 403
        // would tell them a draft exists.
        Access::Own(_) if !repo::is_visible(&article, now) => Err(repo::not_found()),
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
    let now = ctx.now();
    ctx.read(move |conn| {
        let article = load_for_history(conn, &access, &key, now)?;
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
    let now = ctx.now();
    ctx.read(move |conn| {
        let article = load_for_history(conn, &access, &key, now)?;
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
    let now = ctx.now();
    let old = ctx
        .read(move |conn| {
            let article = load_for_history(conn, &access, &lookup, now)?;
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
    let now = ctx.now();
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
            let existing: std::collections::HashSet<TagId> = Tag::by_ids(tx.conn(), ids)?
                .into_iter()
                .map(|t| t.id)
                .collect();
            let kept: Vec<TagId> = ids
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
pub(super) fn load_trashed(conn: &mut AnyConnection, writer: &Writer, id: &str) -> Result<Article> {
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
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let current = load_trashed(tx.conn(), &writer, &id)?;
        set_trashed(tx, &current, None, now)
    })
    .await
}

/// Deletes an article in the trash for good, with its revisions and old slugs (admins).
pub async fn purge(ctx: &Ctx, admin: &crate::domain::caller::Admin, id: String) -> Result<()> {
    ctx.write(admin.actor(), move |tx| {
        let article = load_trashed(tx.conn(), &Writer::SYSTEM, &id)?;
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
