//! The `{id_or_slug}` path segment.

use uuid::Uuid;

use crate::domain::Code;
use crate::http::error::ApiError;
use crate::slug;

/// A resource named in the path by id or by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdOrSlug {
    /// A UUID, normalized to lowercase hyphenated form.
    Id(String),
    /// A slug.
    Slug(String),
}

impl IdOrSlug {
    /// Reads a path segment: a UUID (hyphenated or 32 hex digits) or a well-formed slug.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        // Ids are issued in lowercase; the documented pattern admits no other form.
        let lowercase = !raw.bytes().any(|b| b.is_ascii_uppercase());
        if lowercase
            && slug::looks_like_uuid(raw)
            && let Ok(id) = Uuid::try_parse(raw)
        {
            return Ok(IdOrSlug::Id(id.hyphenated().to_string()));
        }
        if slug::is_valid(raw) {
            return Ok(IdOrSlug::Slug(raw.to_owned()));
        }
        Err(ApiError::bad_request(
            Code::InvalidPath,
            format!("`{raw}` is neither an id nor a slug (lowercase letters, digits and hyphens)"),
        ))
    }
}
