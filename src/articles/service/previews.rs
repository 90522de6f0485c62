//! Preview links: a story shown, by an unguessable link that needs no account, as the public
//! would see it if it were published now. Whoever may edit a story makes them; whoever may
//! read its history sees them; staff and the story's author revoke them. Only a hash of the
//! token is kept, so a link is shown once, when it is made.

use super::*;
use crate::articles::model::Article;
use crate::articles::previews::{self, Preview};
use crate::articles::repo::{self, Access};
use crate::credentials::secrets;
use crate::db::AnyConnection;
use crate::domain::caller::{Caller, Principal, forbidden};
use crate::domain::{ArticleId, Code, Error, IdOrSlug, PreviewId, Result, Status, TagId, UserId};
use crate::history::repo as history;
use crate::write::{Change, Ctx, Subject, Verb};
use chrono::{NaiveDateTime, TimeDelta};
use serde_json::json;

/// What every preview token starts with.
pub const TOKEN_PREFIX: &str = "byp_";
/// How long a link lasts unless asked otherwise: 48 hours.
pub const DEFAULT_SECS: i64 = 48 * 3600;
/// The longest a link may last: 30 days.
pub const MAX_SECS: i64 = 30 * 86400;
/// Links one story may have working at once.
pub const MAX_LIVE: i64 = 50;

/// A link to make: how long it lasts and, optionally, the revision it shows.
#[derive(Debug, Clone, Copy)]
pub struct NewPreview {
    /// Seconds from now, 1 to [`MAX_SECS`].
    pub expires_in: i64,
    /// A revision of the story; `None` shows the story as it is when the link is opened.
    pub version: Option<i64>,
}

/// Makes a preview link to a story the caller may edit; the link with its token, which is
/// never shown again.
pub async fn create_preview(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    new: NewPreview,
) -> Result<(Preview, String)> {
    let (writer, _) = writer(caller)?;
    let token = format!(
        "{TOKEN_PREFIX}{}",
        secrets::random_token().map_err(Error::internal)?
    );
    let hash = secrets::token_hash(&token);
    let created_by = match &caller.0 {
        Some(Principal::User { id, .. }) => Some(id.clone()),
        _ => None,
    };
    let now = ctx.now();
    let preview = ctx
        .write(caller.actor(), move |tx| {
            let conn = tx.conn();
            let article = load_editable(conn, &key, &writer, now, true)?;
            if let Some(version) = new.version
                && !history::has_revision(conn, &article.id, version)?
            {
                return Err(Error::invalid_field(
                    "version",
                    Code::InvalidValue,
                    format!(
                        "the article has no revision {version}; its versions run from 1 to {}",
                        article.version
                    ),
                ));
            }
            if previews::live(conn, &article.id, now, MAX_LIVE)?.len() as i64 >= MAX_LIVE {
                return Err(Error::new(
                    Code::TooManyPreviews,
                    format!(
                        "the article has {MAX_LIVE} preview links that still work; revoke one first"
                    ),
                ));
            }
            let preview = Preview {
                id: PreviewId::generate(),
                article_id: article.id.clone(),
                version: new.version,
                created_by,
                created_at: now,
                expires_at: now + TimeDelta::seconds(new.expires_in),
            };
            previews::insert(conn, &preview, &hash)?;
            tx.note(
                Change::new(Subject::Preview, preview.id.as_str(), Verb::Created).with_details(
                    json!({
                        "article_id": article.id,
                        "version": preview.version,
                        "expires_at": preview.expires_at.and_utc(),
                    }),
                ),
            );
            Ok(preview)
        })
        .await?;
    Ok((preview, token))
}

/// The links of a story that still work, oldest first: for whoever may read its history.
pub async fn previews(ctx: &Ctx, caller: &Caller, key: IdOrSlug) -> Result<Vec<Preview>> {
    with_links(ctx, caller, key, |conn, article, now| {
        Ok(previews::live(conn, article, now, MAX_LIVE)?)
    })
    .await
}

/// One link of a story that still works, by id.
pub async fn preview(ctx: &Ctx, caller: &Caller, key: IdOrSlug, id: PreviewId) -> Result<Preview> {
    with_links(ctx, caller, key, move |conn, article, now| {
        previews::find(conn, article, &id, now)?
            .ok_or_else(|| Error::not_found("the article has no preview link with that id"))
    })
    .await
}

/// Reads what hangs off a story with `read`, if the caller may read the story's history.
pub(super) async fn with_links<T: Send + 'static>(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    read: impl FnOnce(&mut AnyConnection, &ArticleId, NaiveDateTime) -> Result<T> + Send + 'static,
) -> Result<T> {
    let access = access(caller);
    if matches!(access, Access::Public) {
        return Err(unauthorized("this request needs a bearer token", false));
    }
    let now = ctx.now();
    ctx.read(move |conn| {
        let article = load_for_history(conn, &access, &key, now)?;
        read(conn, &article.id, now)
    })
    .await
}

/// Revokes a link; it stops working at once. Editors, admins and write tokens may revoke
/// any; authors those of their own stories.
pub async fn revoke_preview(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    id: PreviewId,
) -> Result<()> {
    let (writer, _) = writer(caller)?;
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let article = load_own(tx.conn(), &key, &writer, now, "preview links")?;
        previews::revoke(tx.conn(), &article.id, &id, now)?;
        tx.note(
            Change::new(Subject::Preview, id.as_str(), Verb::Revoked)
                .with_details(json!({"article_id": article.id})),
        );
        Ok(())
    })
    .await
}

/// A story, locked, for managing `what` hangs off it: any story for staff, an author's own
/// for an author (one they may not read is a 404).
pub(super) fn load_own(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    writer: &Writer,
    now: NaiveDateTime,
    what: &str,
) -> Result<Article> {
    repo::lock_row(conn, key)?;
    let article = repo::find(conn, key, &Access::All, now)?.ok_or_else(repo::not_found)?;
    match writer {
        Writer::Staff { .. } => Ok(article),
        Writer::Author { user_id } if is_creator(&article, user_id) => Ok(article),
        Writer::Author { .. } if !repo::is_visible(&article, now) => Err(repo::not_found()),
        Writer::Author { .. } => Err(forbidden(&format!(
            "authors may manage the {what} of their own articles only"
        ))),
    }
}

fn is_creator(article: &Article, user: &UserId) -> bool {
    article.created_by.as_ref() == Some(user)
}

/// What a link shows: the story (as of its pinned revision, if any), shaped as the public
/// would see it published now, with what it embeds. Unknown, revoked and expired tokens and
/// stories in the trash are all the same 404, so tokens cannot be probed.
pub async fn open_preview(ctx: &Ctx, token: String, embed: Embed) -> Result<(Article, Related)> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Err(no_such_link());
    }
    let hash = secrets::token_hash(&token);
    let now = ctx.now();
    let (article, pinned) = ctx
        .read(move |conn| {
            let (preview, article) = previews::open(conn, &hash, now)?.ok_or_else(no_such_link)?;
            let pinned = match preview.version {
                Some(v) => Some(
                    history::revision(conn, article.id.as_str(), v)?.ok_or_else(no_such_link)?,
                ),
                None => None,
            };
            let embedded = match pinned {
                Some(_) => None,
                None => Some(related(
                    conn,
                    embed,
                    std::iter::once(Refs::of(&article)),
                    (&Access::Public, now),
                )?),
            };
            Ok(((article, embedded), pinned))
        })
        .await?;
    let (mut article, embedded) = match (article, pinned) {
        ((article, Some(embedded)), _) => (article, embedded),
        ((mut article, None), Some(revision)) => {
            as_of(&mut article, revision).await?;
            let shown = article.clone();
            let embedded = ctx
                .read(move |conn| {
                    let once = std::iter::once(Refs::of(&shown));
                    related(conn, embed, once, (&Access::Public, now))
                })
                .await?;
            (article, embedded)
        }
        ((article, None), None) => (article, Related::default()),
    };
    as_if_published(&mut article, now);
    Ok((article, embedded))
}

fn no_such_link() -> Error {
    Error::not_found("no preview link has that token, or it has expired or been revoked")
}

/// The story's content as a revision keeps it, its body rendered again.
async fn as_of(article: &mut Article, revision: crate::history::model::Revision) -> Result<()> {
    let state = revision.state;
    let body = revision.body.unwrap_or_default();
    let rendered = render_body(body.clone()).await?;
    article.version = revision.version;
    article.updated_at = revision.created_at;
    article.slug = state.slug;
    article.title = state.title;
    article.subtitle = state.subtitle;
    article.excerpt = state.excerpt;
    article.body = body;
    article.body_html = rendered.html;
    article.word_count = i32::try_from(rendered.words).unwrap_or(i32::MAX);
    article.reading_time_minutes = i32::try_from(rendered.reading_time).unwrap_or(i32::MAX);
    article.author_id = state.author_id;
    article.category_id = state.category_id;
    article.cover_image_url = state.cover_image_url;
    if let Some(cover) = state.cover_media_id {
        article.cover_media_id = cover;
    }
    if let Some(tags) = state.tag_ids {
        article.tag_ids = tags.iter().map(TagId::as_str).collect::<Vec<_>>().join(",");
    }
    Ok(())
}

/// A story the public cannot see now is shown published now, with no expiry behind it; one
/// it can see is shown as it is.
fn as_if_published(article: &mut Article, now: NaiveDateTime) {
    if repo::is_visible(article, now) {
        return;
    }
    article.status = Status::Published;
    article.published_at = Some(now);
    article.published_sort = now;
    if article.unpublish_at.is_some_and(|t| t <= now) {
        article.unpublish_at = None;
    }
}

/// Removes a story's links as it goes to the trash: they die with it.
pub(super) fn forget_previews(conn: &mut AnyConnection, article: &ArticleId) -> Result<()> {
    previews::forget(conn, article)?;
    Ok(())
}
