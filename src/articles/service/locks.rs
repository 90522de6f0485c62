//! Edit locks: a soft claim by one user on a story while they edit it, so that the others
//! learn of it before they write rather than at the `412`. Whoever may edit a story takes or
//! renews its lock for a while (`BYLINE_LOCK_SECS`); while it lasts, a change by anyone else
//! is a `423` that names the holder. Editors and admins may take a lock over, and the taking
//! is an event that tells the holder. Locks are taken and checked under the story's row
//! lock, so two users locking at once cannot both win; `If-Match` still holds beside them.

use super::*;
use crate::articles::locks::{self, LockRow};
use crate::articles::model::Article;
use crate::db::AnyConnection;
use crate::domain::caller::{Caller, Principal, forbidden};
use crate::domain::lock::EditLock;
use crate::domain::{Error, IdOrSlug, Result, Role};
use crate::write::{Change, Ctx, Subject, Verb};
use chrono::{NaiveDateTime, TimeDelta};
use serde_json::json;

/// Takes or renews the caller's lock on a story for `secs` seconds; with `take_over`, an
/// editor or admin takes it from whoever holds it. The lock as it now is.
pub async fn take_lock(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    take_over: bool,
    secs: i64,
) -> Result<EditLock> {
    let (writer, _) = writer(caller)?;
    let Some(Principal::User { id: user, role, .. }) = &caller.0 else {
        return Err(forbidden(
            "edit locks are held by users; an API token cannot take one",
        ));
    };
    let (user, editor) = (user.clone(), matches!(role, Role::Editor | Role::Admin));
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let article = load_editable(tx.conn(), &key, &writer, now, true)?;
        let current = locks::held(tx.conn(), &article.id, now)?;
        let (acquired_at, taken_from, verb) = match current {
            Some(lock) if lock.user.id == user => {
                (lock.acquired_at, lock.taken_from.map(|u| u.id), None)
            }
            Some(lock) if take_over && editor => (now, Some(lock.user.id), Some(Verb::TakenOver)),
            Some(_) if take_over => {
                return Err(forbidden(
                    "only editors and admins may take over another user's edit lock",
                ));
            }
            Some(lock) => return Err(held_by(lock, now)),
            None => (now, None, Some(Verb::Created)),
        };
        let row = LockRow {
            article_id: article.id.clone(),
            user_id: user,
            taken_from,
            acquired_at,
            expires_at: now + TimeDelta::seconds(secs),
        };
        locks::put(tx.conn(), &row)?;
        let lock = locks::held(tx.conn(), &article.id, now)?
            .ok_or_else(|| Error::internal("a lock just taken could not be read back"))?;
        if let Some(verb) = verb {
            tx.note(
                Change::new(Subject::Lock, article.id.as_str(), verb).with_details(json!({
                    "expires_at": crate::domain::time::rfc3339(lock.expires_at),
                    "taken_from": lock.taken_from.as_ref().map(|u| u.id.as_str()),
                })),
            );
        }
        Ok(lock)
    })
    .await
}

/// Releases the lock on a story: its holder may, and editors, admins and write tokens may
/// release anyone's. Releasing a story nobody holds changes nothing.
pub async fn release_lock(ctx: &Ctx, caller: &Caller, key: IdOrSlug) -> Result<()> {
    let (writer, _) = writer(caller)?;
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let article = load_own(tx.conn(), &key, &writer, now, "edit locks")?;
        let Some(lock) = locks::held(tx.conn(), &article.id, now)? else {
            locks::release(tx.conn(), &article.id)?;
            return Ok(());
        };
        if let Writer::Author { user_id } = &writer
            && *user_id != lock.user.id
        {
            return Err(held_by(lock, now));
        }
        locks::release(tx.conn(), &article.id)?;
        tx.note(
            Change::new(Subject::Lock, article.id.as_str(), Verb::Deleted)
                .with_details(json!({"holder": lock.user.id.as_str()})),
        );
        Ok(())
    })
    .await
}

/// A change by `writer` is refused while someone else holds the story's lock.
pub(super) fn check_lock(
    conn: &mut AnyConnection,
    article: &Article,
    writer: &Writer,
    now: NaiveDateTime,
) -> Result<()> {
    match locks::holder(conn, &article.id, now)? {
        Some(holder) if Some(&holder) != writer.user_id() => {
            match locks::held(conn, &article.id, now)? {
                Some(lock) => Err(held_by(lock, now)),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// The `423` for a story someone else is editing.
fn held_by(lock: EditLock, now: NaiveDateTime) -> Error {
    let detail = format!(
        "{} <{}> is editing this article (their lock runs until {}); ask them to release it, \
         wait for it to run out, or, as an editor, take it over with POST …/lock?take_over=true",
        lock.user.name,
        lock.user.email,
        crate::domain::time::rfc3339(lock.expires_at),
    );
    Error::locked(detail, lock, now)
}

/// The lock on a story while it lasts (for staff reads).
pub(super) fn lock_of(
    conn: &mut AnyConnection,
    article: &Article,
    now: NaiveDateTime,
) -> Result<Option<EditLock>> {
    Ok(locks::held(conn, &article.id, now)?)
}
