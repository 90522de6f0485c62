//! HTTP plumbing shared by every resource: errors, extractors, pagination and middleware.

pub mod client;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod pagination;

pub use error::{ApiError, FieldError, Problem};
