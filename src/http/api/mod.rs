//! The handlers, one file per resource: each extracts what the request says, asks the
//! resource's service, and shapes the answer. Registered in [`crate::http::routes`].

pub mod articles;
pub mod auth;
pub mod authors;
pub mod categories;
pub mod events;
pub mod feeds;
pub mod history;
pub mod media;
pub mod meta;
pub mod resolve;
pub mod search;
pub mod sitemaps;
pub mod tags;
pub mod tokens;
pub mod users;
pub mod webhooks;
