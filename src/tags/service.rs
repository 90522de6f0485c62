//! What may happen to tags. Anyone may read them; editors, admins and write tokens change
//! them, each change inside one write ([`crate::write`]). Deleting a tag takes it off every
//! article that carries it, and each of those articles gets a new version.

use chrono::NaiveDateTime;

use super::model::{Tag, TagSort};
use super::repo::{self, After, CreateInput, ListFilter, UpdateInput};
use crate::domain::caller::Caller;
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{IdOrSlug, IfMatch, Lookup, Result};
use crate::slugged;
use crate::write::{Change, Ctx, Subject, Tx, Verb};

/// Reads the list's cursor for its order.
fn after(raw: Option<&str>, sort: TagSort) -> Result<Option<After>> {
    let Some(raw) = raw else { return Ok(None) };
    let mut keys = cursor::decode_cursor(raw, sort.as_str(), 2)?.into_iter();
    Ok(Some(match (sort, keys.next(), keys.next()) {
        (TagSort::Name, Some(key), Some(id)) => After::Name(key, id),
        (TagSort::MostUsed, Some(count), Some(id)) => match count.parse::<i64>() {
            Ok(count) if count >= 0 => After::Count(count, id),
            _ => return Err(cursor::invalid_cursor()),
        },
        _ => return Err(cursor::invalid_cursor()),
    }))
}

/// A page of tags with their public article counts.
#[derive(Debug)]
pub struct Listing {
    /// The tags and how many public articles carry each.
    pub page: Page<(Tag, i64)>,
    /// The next moment a count may change with no write (a scheduled story comes due, or
    /// one expires): how long the response cache may keep the page.
    pub changes_at: Option<NaiveDateTime>,
}

/// A page of tags, optionally only those whose name contains `filter.q`.
pub async fn list(
    ctx: &Ctx,
    filter: ListFilter,
    sort: TagSort,
    page: PageRequest,
) -> Result<Listing> {
    let after = after(page.cursor.as_deref(), sort)?;
    let now = ctx.now();
    let cache = ctx.writes.cache().clone();
    ctx.read(move |conn| {
        let rows = repo::list(conn, &filter, sort, after, page.limit, now)?;
        let total = if page.with_total {
            Some(repo::count(conn, &filter)?)
        } else {
            None
        };
        let page = page.split(rows, total, |(tag, count)| match sort {
            TagSort::Name => cursor::encode_cursor(sort.as_str(), &[&tag.name_key, &tag.id]),
            TagSort::MostUsed => {
                cursor::encode_cursor(sort.as_str(), &[&count.to_string(), &tag.id])
            }
        });
        let changes_at = crate::outbox::repo::next_due_cached(conn, &cache)?;
        Ok(Listing { page, changes_at })
    })
    .await
}

/// One tag by id or slug; for an old slug, the slug it has now.
pub async fn get(ctx: &Ctx, key: IdOrSlug) -> Result<Lookup<Tag>> {
    slugged::service::get(ctx, key).await
}

/// Creates a tag.
pub async fn create(ctx: &Ctx, caller: &Caller, input: CreateInput) -> Result<Tag> {
    slugged::service::create(ctx, caller, |conn, now| repo::create(conn, input, now)).await
}

/// [`create`] inside a write the caller already runs (the seed).
pub fn create_in(tx: &mut Tx<'_>, input: CreateInput, now: NaiveDateTime) -> Result<Tag> {
    slugged::service::create_in(tx, |conn| repo::create(conn, input, now))
}

/// Applies a merge patch. A new name reaches the search text of the tag's articles; their
/// versions stay, since what they hold (the tag's id) did not change.
pub async fn update(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
    input: UpdateInput,
) -> Result<Tag> {
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let current = slugged::repo::lock::<Tag>(tx.conn(), &key, &precondition)?;
        let (tag, changed) = repo::update(tx.conn(), current, input, now)?;
        if changed || tag.updated_at == now {
            tx.changed(Subject::Tag, &tag.id, Verb::Updated);
        }
        Ok(tag)
    })
    .await
}

/// Deletes a tag, taking it off its articles first (each recorded as a change of its own).
pub async fn delete(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
) -> Result<()> {
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let tag = slugged::repo::lock::<Tag>(tx.conn(), &key, &precondition)?;
        for article in repo::delete(tx.conn(), &tag, now)? {
            tx.note(
                Change::new(Subject::Article, &article, Verb::Updated).with_fields(vec!["tag_ids"]),
            );
        }
        tx.note(Change::new(Subject::Tag, &tag.id, Verb::Deleted).with_slug(&tag.slug));
        Ok(())
    })
    .await
}
