//! HTTP plumbing shared by every resource: errors, extractors, pagination and middleware.

pub mod api;
pub mod auth;
pub mod client;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod schema;
pub mod state;
pub mod wire;

pub use crate::domain::FieldError;
pub use error::{ApiError, Problem};
