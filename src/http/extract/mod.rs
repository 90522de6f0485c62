//! Request extractors that fail with problem+json: JSON bodies (`body`), query strings
//! (`query`) and the `If-Match` precondition
//! (`precondition`).

mod body;
mod messages;
mod precondition;
mod query;

pub use crate::domain::IdOrSlug;
pub use body::{BodyLimit, Json, MergePatch, OptionalJson, Patch, parse_json};
pub use precondition::{IfMatch, entity_tags};
pub use query::{Query, parse_query};
