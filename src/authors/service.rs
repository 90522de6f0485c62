//! What may happen to author profiles. Anyone may read them (only staff see the private
//! fields, which the HTTP layer leaves out); editors, admins and write tokens change them,
//! each change inside one write ([`crate::write`]).

use super::model::{Author, AuthorChangeset, AuthorSort, NewAuthor};
use super::repo::{self, After};
use crate::domain::caller::Caller;
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{AuthorId, IdOrSlug, IfMatch, Lookup, Result};
use crate::slugged;
use crate::write::{Change, Ctx, Subject, Verb};

/// Reads the list's cursor for its order.
fn after(raw: Option<&str>, sort: AuthorSort) -> Result<Option<After>> {
    let Some(raw) = raw else { return Ok(None) };
    Ok(Some(match sort {
        AuthorSort::Name => {
            let mut keys = cursor::decode_cursor(raw, "name", 2)?.into_iter();
            match (keys.next(), keys.next()) {
                (Some(k), Some(id)) => After::Name(k, id),
                _ => return Err(cursor::invalid_cursor()),
            }
        }
        AuthorSort::NewestFirst => {
            let (at, id) = cursor::decode_created_cursor(raw, "-created")?;
            After::Created(at, id)
        }
    }))
}

/// A page of authors, optionally only those whose name contains `q`.
pub async fn list(
    ctx: &Ctx,
    q: Option<String>,
    updated_after: Option<chrono::NaiveDateTime>,
    sort: AuthorSort,
    page: PageRequest,
) -> Result<Page<Author>> {
    let after = after(page.cursor.as_deref(), sort)?;
    ctx.read(move |conn| {
        let rows = repo::list(conn, q.as_deref(), updated_after, sort, after, page.limit)?;
        let total = if page.with_total {
            Some(repo::count(conn, q.as_deref(), updated_after)?)
        } else {
            None
        };
        Ok(page.split(rows, total, |a| match sort {
            AuthorSort::Name => cursor::encode_cursor("name", &[&a.name_key, &a.id]),
            AuthorSort::NewestFirst => {
                cursor::encode_created_cursor("-created", a.created_at, &a.id)
            }
        }))
    })
    .await
}

/// One author by id or slug; for an old slug, the slug it has now.
pub async fn get(ctx: &Ctx, key: IdOrSlug) -> Result<Lookup<Author>> {
    slugged::service::get(ctx, key).await
}

/// Creates an author; a chosen slug that is taken is a conflict.
pub async fn create(ctx: &Ctx, caller: &Caller, new: NewAuthor) -> Result<Author> {
    let chosen_slug = new.slug.is_some();
    let make = move |conn: &mut _, now| repo::create(conn, Author::new(new, now), chosen_slug);
    slugged::service::create(ctx, caller, make).await
}

/// Applies a merge patch.
pub async fn update(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
    changes: AuthorChangeset,
) -> Result<Author> {
    let apply = |conn: &mut _, key: &IdOrSlug, now| repo::update(conn, key, changes, now);
    slugged::service::update(ctx, caller, (key, precondition), apply).await
}

/// Deletes an author. With `reassign_to`, its articles move to that byline first, each
/// recorded as a change of its own; without, an author with articles stays.
pub async fn delete(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
    reassign_to: Option<AuthorId>,
) -> Result<()> {
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        slugged::repo::check_precondition::<Author>(tx.conn(), &key, &precondition)?;
        let removed = repo::delete(tx.conn(), &key, reassign_to.as_ref(), now)?;
        for article in &removed.reassigned {
            tx.note(
                Change::new(Subject::Article, article, Verb::Updated)
                    .with_fields(vec!["author_id"]),
            );
        }
        tx.note(Change::new(Subject::Author, &removed.id, Verb::Deleted).with_slug(&removed.slug));
        Ok(())
    })
    .await
}

/// Stores a new author inside a write the caller already runs (the seed too); a chosen slug
/// that is taken is a conflict.
pub fn create_in(tx: &mut crate::write::Tx<'_>, row: Author, chosen_slug: bool) -> Result<Author> {
    slugged::service::create_in(tx, |conn| repo::create(conn, row, chosen_slug))
}
