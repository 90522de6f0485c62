//! The service side of slugged resources: reading one by id, slug or old slug.

use super::repo::{self, Slugged};
use crate::domain::{IdOrSlug, Lookup, Result};
use crate::write::Ctx;

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
