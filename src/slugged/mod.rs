//! What authors, categories and tags (and any named resource after them) share: lookup by id
//! or slug, old slugs that redirect, `If-Match` against `updated_at`, and inserts and renames
//! that keep slugs unique. A resource implements [`repo::Slugged`] for its row (the
//! `repo::slugged_table!` macro writes the queries) and keeps only what is
//! really its own; ARCHITECTURE.md walks through adding one.

pub mod repo;
pub mod service;

pub use repo::Slugged;
