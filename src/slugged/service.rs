//! The service side of slugged resources: reading one by id, slug or old slug, and the
//! writes every one of them records the same way.

use chrono::NaiveDateTime;

use super::repo::{self, Slugged};
use crate::db::AnyConnection;
use crate::domain::caller::Caller;
use crate::domain::{IdOrSlug, IfMatch, Lookup, Result};
use crate::write::{Ctx, Tx, Verb};

/// Makes a row (`make` inserts it) inside a write the caller runs, recorded as created.
pub fn create_in<R: Slugged>(
    tx: &mut Tx<'_>,
    make: impl FnOnce(&mut AnyConnection) -> Result<R>,
) -> Result<R> {
    let row = make(tx.conn())?;
    tx.changed(R::SUBJECT, row.id(), Verb::Created);
    Ok(row)
}

/// [`create_in`] in a write of its own, as the caller; `make` gets the time of the write.
pub async fn create<R: Slugged>(
    ctx: &Ctx,
    caller: &Caller,
    make: impl FnOnce(&mut AnyConnection, NaiveDateTime) -> Result<R> + Send + 'static,
) -> Result<R> {
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        create_in(tx, |conn| make(conn, now))
    })
    .await
}

/// Changes the row `key` names (`apply` writes the change), once `If-Match` holds under the
/// row's lock; recorded as updated.
pub async fn update<R: Slugged>(
    ctx: &Ctx,
    caller: &Caller,
    (key, precondition): (IdOrSlug, IfMatch),
    apply: impl FnOnce(&mut AnyConnection, &IdOrSlug, NaiveDateTime) -> Result<R> + Send + 'static,
) -> Result<R> {
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        repo::check_precondition::<R>(tx.conn(), &key, &precondition)?;
        let row = apply(tx.conn(), &key, now)?;
        tx.changed(R::SUBJECT, row.id(), Verb::Updated);
        Ok(row)
    })
    .await
}

/// The row by id or slug; for an old slug, the slug it has now (the caller redirects).
pub async fn get<R: Slugged>(ctx: &Ctx, key: IdOrSlug) -> Result<Lookup<R>> {
    ctx.read(move |conn| {
        if let Some(row) = R::find(conn, &key)? {
            return Ok(Lookup::Found(row));
        }
        if let IdOrSlug::Slug(slug) = &key
            && let Some(owner) = repo::owner_of_old_slug::<R>(conn, slug)?
        {
            let row = repo::get::<R>(conn, &IdOrSlug::Id(owner))?;
            return Ok(Lookup::Moved(row.slug().to_owned()));
        }
        Err(repo::not_found::<R>())
    })
    .await
}
