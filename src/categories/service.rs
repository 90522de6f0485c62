//! What may happen to categories. Anyone may read them; editors, admins and write tokens
//! change them, each change inside one write ([`crate::write`]). The tree stays a tree: a
//! move that would make a category its own ancestor is refused.

use chrono::NaiveDateTime;

use super::model::Category;
use super::repo::{self, CreateInput, ListFilter, UpdateInput};
use crate::domain::caller::Caller;
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{IdOrSlug, IfMatch, Lookup, Result};
use crate::slugged::{self, Slugged};
use crate::write::{Change, Ctx, Subject, Tx, Verb};

/// The cursor order tag of the category list.
const ORDER: &str = "slug";

/// A page of categories in slug order; with `parent`, only its children.
pub async fn list(
    ctx: &Ctx,
    parent: Option<IdOrSlug>,
    updated_after: Option<NaiveDateTime>,
    page: PageRequest,
) -> Result<Page<Category>> {
    let after = match page.cursor.as_deref() {
        Some(raw) => cursor::decode_cursor(raw, ORDER, 1)?.into_iter().next(),
        None => None,
    };
    ctx.read(move |conn| {
        let parent_id = match &parent {
            None => None,
            Some(key) => match Category::find(conn, key)? {
                Some(p) => Some(p.id),
                // No such parent: nothing can be its child.
                None => return Ok(page.empty()),
            },
        };
        let filter = ListFilter {
            parent_id,
            updated_after,
        };
        let rows = repo::list(conn, &filter, after.as_deref(), page.limit)?;
        let total = if page.with_total {
            Some(repo::count(conn, &filter)?)
        } else {
            None
        };
        Ok(page.split(rows, total, |c| cursor::encode_cursor(ORDER, &[&c.slug])))
    })
    .await
}

/// One category by id or slug; for an old slug, the slug it has now.
pub async fn get(ctx: &Ctx, key: IdOrSlug) -> Result<Lookup<Category>> {
    slugged::service::get(ctx, key).await
}

/// Creates a category under an existing parent, if any.
pub async fn create(ctx: &Ctx, caller: &Caller, input: CreateInput) -> Result<Category> {
    slugged::service::create(ctx, caller, |conn, now| repo::create(conn, input, now)).await
}

/// [`create`] inside a write the caller already runs (the seed).
pub fn create_in(tx: &mut Tx<'_>, input: CreateInput, now: NaiveDateTime) -> Result<Category> {
    slugged::service::create_in(tx, |conn| repo::create(conn, input, now))
}

/// Applies a merge patch; a move that would make a loop is refused.
pub async fn update(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
    input: UpdateInput,
) -> Result<Category> {
    let apply = |conn: &mut _, key: &IdOrSlug, now| repo::update(conn, key, input, now);
    slugged::service::update(ctx, caller, (key, precondition), apply).await
}

/// Deletes a category nothing refers to.
pub async fn delete(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
) -> Result<()> {
    ctx.write(caller.actor(), move |tx| {
        slugged::repo::check_precondition::<Category>(tx.conn(), &key, &precondition)?;
        let (id, slug) = repo::delete(tx.conn(), &key)?;
        tx.note(Change::new(Subject::Category, &id, Verb::Deleted).with_slug(&slug));
        Ok(())
    })
    .await
}
