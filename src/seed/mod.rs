//! `byline seed`: `--demo` loads a few hand-written authors, categories and articles, so a
//! new installation shows a working newsroom at once; `--synthetic N` loads many generated
//! ones for benchmarks, and `--archive N` an archive for measuring search at scale.
//!
//! `demo` holds the hand-written newsroom, `generator` makes the synthetic articles, and
//! `bulk` writes them in batches.

pub mod archive;
mod bulk;
mod demo;
mod generator;

pub use demo::demo;
pub use generator::{Style, Synthetic, synthetic};

/// `n` searches of the archive style's query mix ([`archive::Vocabulary::queries`]), the
/// same on every run.
pub fn archive_queries(n: usize) -> Vec<String> {
    archive::Vocabulary::default().queries(n, &mut archive::Rng(2019))
}

use crate::authors::model::Author;
use crate::categories::repo::CreateInput;
use crate::db::AnyConnection;
use crate::domain::IdOrSlug;
use crate::slugged::Slugged;

/// The problem of a failed write, as a command-line error.
fn fail(e: crate::domain::Error) -> anyhow::Error {
    anyhow::anyhow!("{}", e.detail)
}

/// Runs one write of the seed through the write path, as the system.
pub(crate) fn system_write<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut crate::write::Tx<'_>) -> crate::domain::Result<T>,
) -> anyhow::Result<T> {
    crate::write::Writes::default()
        .run(conn, &crate::write::Actor::System, work)
        .map_err(fail)
}

/// The id of the tag with this slug, created first when there is none.
pub(crate) fn tag(
    conn: &mut AnyConnection,
    input: crate::tags::repo::CreateInput,
    now: chrono::NaiveDateTime,
) -> anyhow::Result<crate::domain::TagId> {
    let slug = input.slug.clone().unwrap_or_default();
    match crate::tags::model::Tag::find(conn, &IdOrSlug::Slug(slug))? {
        Some(existing) => Ok(existing.id),
        None => Ok(system_write(conn, |tx| crate::tags::service::create_in(tx, input, now))?.id),
    }
}

/// The id of the category with this slug, created first when there is none, so that a seed
/// can run again without duplicates.
pub(crate) fn category(
    conn: &mut AnyConnection,
    input: CreateInput,
    now: chrono::NaiveDateTime,
) -> anyhow::Result<crate::domain::CategoryId> {
    let slug = input.slug.clone().unwrap_or_default();
    match crate::categories::model::Category::find(conn, &IdOrSlug::Slug(slug))? {
        Some(existing) => Ok(existing.id),
        None => Ok(system_write(conn, |tx| {
            crate::categories::service::create_in(tx, input, now)
        })?
        .id),
    }
}

/// The id of the author with this slug, created first when there is none.
pub(crate) fn author(
    conn: &mut AnyConnection,
    slug: String,
    name: String,
    bio: Option<String>,
    now: chrono::NaiveDateTime,
) -> anyhow::Result<crate::domain::AuthorId> {
    if let Some(existing) =
        crate::authors::model::Author::find(conn, &IdOrSlug::Slug(slug.clone()))?
    {
        return Ok(existing.id);
    }
    let new = crate::authors::model::NewAuthor {
        name,
        slug: Some(slug),
        bio,
        ..Default::default()
    };
    let row = Author::new(new, now);
    Ok(system_write(conn, |tx| crate::authors::service::create_in(tx, row, true))?.id)
}
