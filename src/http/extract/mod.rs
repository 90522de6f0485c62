//! Request extractors that fail with problem+json: JSON bodies (`body`), query strings
//! (`query`), the resource a path names (`path`) and the `If-Match` precondition
//! (`precondition`).

mod body;
mod messages;
mod path;
mod precondition;
mod query;

pub use crate::domain::IdOrSlug;
pub use body::{BodyLimit, Json, MergePatch, OptionalJson, Patch, parse_json};
pub use path::{Id, Key, Version};
pub use precondition::{IfMatch, IfNoneMatch, entity_tags};
pub use query::{Query, parse_query};
