//! HTTP plumbing shared by every resource: errors, extractors, pagination and middleware.

pub mod client;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod pagination;
pub mod schema;

pub use crate::domain::FieldError;
pub use error::{ApiError, Problem};
