//! The HTTP layer: the handlers (`api`) and their wire types (`wire`), and what they share —
//! problem+json errors, extractors, the auth extractors, pagination, middleware and the
//! OpenAPI document. The only layer that knows actix-web and utoipa (see ARCHITECTURE.md).

pub mod api;
pub mod auth;
pub mod cache;
pub mod caching;
pub mod client;
pub mod docs;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod redirect;
pub mod routes;
pub mod schema;
pub mod server;
pub mod slugged;
pub mod state;
pub mod syndication;
pub mod wire;

pub use crate::domain::FieldError;
pub use error::{ApiError, Problem};
