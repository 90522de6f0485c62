//! How a request names a resource (by id or slug) and which version it expects to change.

use uuid::Uuid;

use super::{Code, Error};
use crate::slug;

/// An id as the server writes them: a UUID, lowercase and hyphenated. Anything else (other
/// case, no hyphens, not a UUID) is `None`.
pub fn canonical_id(raw: &str) -> Option<String> {
    match Uuid::try_parse(raw) {
        Ok(id) if raw.len() == 36 && !raw.bytes().any(|b| b.is_ascii_uppercase()) => {
            Some(id.hyphenated().to_string())
        }
        _ => None,
    }
}

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
    pub fn parse(raw: &str) -> Result<Self, Error> {
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
        Err(Error::new(
            Code::InvalidPath,
            format!("`{raw}` is neither an id nor a slug (lowercase letters, digits and hyphens)"),
        ))
    }
}

/// The `If-Match` precondition of a write.
#[derive(Debug, Clone, Default)]
pub enum IfMatch {
    /// No header: the write goes ahead.
    #[default]
    Absent,
    /// `If-Match: *`: the resource must exist.
    Any,
    /// Entity tags; one must be the resource's current strong tag.
    Tags(Vec<String>),
    /// A header that is neither `*` nor a list of quoted tags: it matches nothing, so the
    /// write is refused with 412 rather than done blindly.
    Malformed,
}

impl IfMatch {
    /// Whether an article with this id at this version satisfies the precondition.
    pub fn matches(&self, id: &str, version: i64) -> bool {
        self.holds(id, &format!("v{version}"))
    }

    /// Whether a resource with this id at this revision (`v3` for an article's version,
    /// `u…` for the microsecond stamp of an author's or category's `updated_at`) satisfies
    /// the precondition. Entity tags look like `"<id>.<revision>[.<variant>]"`: any
    /// representation of the current revision matches; weak tags never do.
    pub fn holds(&self, id: &str, revision: &str) -> bool {
        match self {
            IfMatch::Absent | IfMatch::Any => true,
            IfMatch::Malformed => false,
            IfMatch::Tags(tags) => tags.iter().any(|tag| {
                let mut parts = tag.split('.');
                parts.next() == Some(id) && parts.next() == Some(revision)
            }),
        }
    }
}

impl IfMatch {
    /// For a resource without a version number: `Ok` when the precondition holds for its
    /// `updated_at`, else the 412 that names what changed (`noun`: "author", "category").
    pub fn check_stamp(
        &self,
        id: &str,
        updated_at: chrono::NaiveDateTime,
        noun: &str,
    ) -> Result<(), Error> {
        if self.holds(id, &stamp(updated_at)) {
            Ok(())
        } else {
            Err(Error::stale(format!(
                "the {noun} changed since you read it (If-Match does not match); fetch it again"
            )))
        }
    }
}

/// The revision part of an entity tag for a resource without a version number: its
/// `updated_at` to the microsecond, which every change moves.
pub fn stamp(updated_at: chrono::NaiveDateTime) -> String {
    format!("u{}", updated_at.and_utc().timestamp_micros())
}

/// What a lookup by id or slug found: the resource, or (for an old slug) the slug it has
/// now, to redirect to.
#[derive(Debug)]
pub enum Lookup<T> {
    /// The resource.
    Found(T),
    /// The key was an old slug of a resource the caller may see; this is its slug now.
    Moved(String),
}
