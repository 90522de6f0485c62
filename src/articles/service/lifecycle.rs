//! Publishing and review: the moves between draft, in review, scheduled, published and
//! archived, and who may make them. The table of moves is [`allowed`].

use super::*;
use crate::articles::model::{Article, ArticleChangeset, unpublished_sort};
use crate::articles::repo::{self};
use crate::db::AnyConnection;
use crate::domain::caller::Caller;
use crate::domain::{Code, Error, IdOrSlug, IfMatch, Result, Status};
use crate::write::{Change, Ctx, Subject, Tx, Verb};
use chrono::NaiveDateTime;

/// Publishes, unpublishes, archives, submits or returns an article. Authors may only submit
/// their own drafts; moves from states where they make no sense are an
/// `invalid_transition`.
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
        Action::Submit => Verb::Submitted,
        Action::Return => Verb::Returned,
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
    /// Hand a draft in for review.
    Submit,
    /// Send a story in review back to draft.
    Return,
}

/// Every move, and the states it starts from. Authors make only `Submit`, of their own
/// drafts; the rest is for editors, admins and write tokens.
///
/// | action | from | to |
/// |---|---|---|
/// | submit | draft | in_review |
/// | return | in_review | draft |
/// | publish | draft, in_review, scheduled, archived | published (scheduled if later) |
/// | unpublish | published, scheduled | draft |
/// | archive | draft, in_review, scheduled, published | archived |
pub fn allowed(action: Action) -> (&'static str, &'static [Status]) {
    use Status as S;
    match action {
        Action::Submit => ("submit", &[S::Draft]),
        Action::Return => ("return", &[S::InReview]),
        Action::Publish(..) => (
            "publish",
            &[S::Draft, S::InReview, S::Scheduled, S::Archived],
        ),
        Action::Unpublish => ("unpublish", &[S::Published, S::Scheduled]),
        Action::Archive => (
            "archive",
            &[S::Draft, S::InReview, S::Scheduled, S::Published],
        ),
    }
}

/// Moves an article through its states. Authors may only submit; moves from states where
/// they make no sense are a 409 `invalid_transition`.
pub(super) fn transition_on(
    conn: &mut AnyConnection,
    id: &IdOrSlug,
    writer: &Writer,
    precondition: &IfMatch,
    action: Action,
    now: NaiveDateTime,
) -> Result<(Article, Article, Vec<&'static str>), Error> {
    let submit = matches!(action, Action::Submit);
    let current = load_for_change(conn, id, writer, precondition, now, submit)?;
    let status = current.status;
    let (name, from) = allowed(action);
    if !from.contains(&status) {
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
        Action::Submit => changes.status = Some(Status::InReview),
        Action::Return => changes.status = Some(Status::Draft),
    }
    let fields = changes.differs_from(&current);
    changes.version = Some(current.version + 1);
    changes.updated_at = Some(now);
    let article = repo::apply(conn, &current.id, &changes)?;
    Ok((current, article, fields))
}
