//! Wire types: the request and response bodies and query strings as clients see them, one
//! file per resource, each with its OpenAPI schema. Row types live with their store.

pub mod articles;
pub mod auth;
pub mod authors;
pub mod categories;
pub mod corrections;
pub mod events;
pub mod fields;
pub mod history;
pub mod imports;
pub mod locks;
pub mod media;
pub mod notes;
pub mod present;
pub mod previews;
pub mod search;
pub mod tags;
pub mod tokens;
pub mod translations;
pub mod users;
pub mod webhooks;
