//! Black-box tests of the HTTP API. They run on SQLite by default, and on PostgreSQL when
//! `BYLINE_TEST_DATABASE_URL` is set.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test that cannot go on should stop at the line that failed"
)]

mod articles;
mod assignments;
mod auth;
mod authors;
mod cache;
mod categories;
mod corrections;
mod database;
mod events;
mod feeds;
mod hardening;
mod helpers;
mod history;
mod hostile;
mod integrators;
mod languages;
mod locks;
mod media;
mod moving;
mod notes;
mod plumbing;
mod previews;
mod ranking;
mod renditions;
mod review;
mod search;
mod service;
mod staleness;
mod tags;
mod webhooks;
mod wordpress;
mod writes;
