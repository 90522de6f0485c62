//! Corrections: public, dated entries appended to a published story by an editor (a
//! correction, a clarification or an update). They are never edited or removed: a later
//! correction is how one is put right. Each is a new version of the story, so its
//! `updated_at`, entity tag, feeds and events move with it.

use super::*;
use crate::articles::corrections::{self, Corrected, Correction, Entry};
use crate::articles::model::{Article, ArticleChangeset};
use crate::articles::repo;
use crate::domain::caller::{Caller, Principal};
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{Code, CorrectionId, CorrectionKind, Error, IdOrSlug, IfMatch, Result, Status};
use crate::write::{Change, Ctx, Subject, Verb};

/// The longest correction, in characters.
pub const CORRECTION_MAX: usize = 10_000;

/// A correction to publish.
#[derive(Debug, Clone)]
pub struct NewCorrection {
    /// Correction, clarification or update.
    pub kind: CorrectionKind,
    /// What it says, checked.
    pub text: String,
}

/// Appends a correction to a published story (editors, admins and write tokens), if
/// `precondition` holds and nobody else holds its edit lock; the correction and the story
/// as it now is.
pub async fn add_correction(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
    new: NewCorrection,
) -> Result<(Correction, Article)> {
    let (writer, _) = writer(caller)?;
    let created_by = match &caller.0 {
        Some(Principal::User { id, .. }) => Some(id.clone()),
        _ => None,
    };
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        // What no wait can change comes first: a story that is not published is never
        // corrected, whoever holds its lock.
        let current = load_editable(tx.conn(), &key, &writer, now, false)?;
        if current.status != Status::Published {
            return Err(Error::new(
                Code::NotPublished,
                format!(
                    "cannot correct an article that is {}; corrections are for published stories (edit it instead)",
                    current.status
                ),
            ));
        }
        may_change(tx.conn(), &current, &writer, &precondition, now)?;
        let correction = Correction {
            id: CorrectionId::generate(),
            article_id: current.id.clone(),
            kind: new.kind,
            text: new.text,
            created_by,
            created_at: now,
        };
        corrections::insert(tx.conn(), &correction)?;
        let mut all = corrections::entries(&current.corrections);
        all.push(Entry::from(&correction));
        let changes = ArticleChangeset {
            corrections: Some(serde_json::to_string(&all).map_err(Error::internal)?),
            version: Some(current.version + 1),
            updated_at: Some(now),
            ..ArticleChangeset::default()
        };
        let article = repo::apply(tx.conn(), &current.id, &changes)?;
        let snapshot = snapshot(&article, Some(&current), tx.now())?;
        tx.note(
            Change::new(Subject::Article, &article.id, Verb::Corrected)
                .with_fields(vec!["corrections"])
                .with_snapshot(snapshot),
        );
        Ok((correction, article))
    })
    .await
}

/// A page of every correction the public may read, newest first: a newsroom's
/// corrections page.
pub async fn public_corrections(
    ctx: &Ctx,
    page: PageRequest,
) -> Result<Page<(Correction, Corrected)>> {
    const ORDER: &str = "corrections";
    let after = match page.cursor.as_deref() {
        Some(raw) => Some(cursor::decode_created_cursor(raw, ORDER)?),
        None => None,
    };
    let now = ctx.now();
    ctx.read(move |conn| {
        let rows = corrections::public_page(conn, after, page.limit, now)?;
        let total = match page.with_total {
            true => Some(corrections::public_count(conn, now)?),
            false => None,
        };
        Ok(page.split(rows, total, |(c, _)| {
            cursor::encode_created_cursor(ORDER, c.created_at, c.id.as_str())
        }))
    })
    .await
}
