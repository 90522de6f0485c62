//! Request extractors that fail with problem+json: JSON bodies (`body`), query strings
//! (`query`), the `{id_or_slug}` path segment (`path`) and the `If-Match` precondition
//! (`precondition`).

mod body;
mod messages;
mod path;
mod precondition;
mod query;

pub use body::{BodyLimit, Json, MergePatch, OptionalJson, Patch, parse_json};
pub use path::IdOrSlug;
pub use precondition::{IfMatch, entity_tags};
pub use query::{Query, parse_query};
