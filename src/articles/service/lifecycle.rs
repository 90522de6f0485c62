//! Publishing: the moves between draft, scheduled, published and archived, and who may make them.

use super::*;
use crate::articles::model::{Article, ArticleChangeset, unpublished_sort};
use crate::articles::repo::{self};
use crate::db::AnyConnection;
use crate::domain::caller::Caller;
use crate::domain::{Code, Error, IdOrSlug, IfMatch, Result, Status};
use crate::write::{Change, Ctx, Subject, Tx, Verb};
use chrono::NaiveDateTime;

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
    let now = ctx.now();
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
    let (before, article, fields) =
        transition_on(tx.conn(), key, writer, precondition, action, now)?;
    let verb = match action {
        Action::Publish(..) if article.status == Status::Scheduled => Verb::Scheduled,
        Action::Publish(..) => Verb::Published,
        Action::Unpublish => Verb::Unpublished,
        Action::Archive => Verb::Archived,
    };
    tx.note(
        Change::new(Subject::Article, &article.id, verb)
            .with_fields(fields)
            .with_snapshot(snapshot(&article, Some(&before), tx.now())?),
    );
    Ok(article)
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
pub(super) fn transition_on(
    conn: &mut AnyConnection,
    id: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    action: Action,
    now: NaiveDateTime,
) -> Result<(Article, Article, Vec<&'static str>), Error> {
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
    let article = repo::apply(conn, &current.id, &changes)?;
    Ok((current, article, fields))
}
