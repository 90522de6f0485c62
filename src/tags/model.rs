//! Rows of the `tags` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::TagId;

use crate::db::schema::tags;

/// A stored tag.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tags)]
pub struct Tag {
    /// UUIDv7.
    pub id: TagId,
    /// Unique URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Lowercase name, for sorting.
    pub name_key: String,
    /// What the topic covers.
    pub description: Option<String>,
    /// When it was created (UTC).
    pub created_at: NaiveDateTime,
    /// When it last changed (UTC).
    pub updated_at: NaiveDateTime,
    /// Its name in other languages, as JSON ([`crate::locale::Names`]).
    pub names: String,
    /// Its description in other languages, as JSON.
    pub descriptions: String,
}

/// The columns an update may change; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = tags)]
pub struct TagChangeset {
    /// New display name.
    pub name: Option<String>,
    /// Follows `name`.
    pub name_key: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New description; `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// New names in other languages.
    pub names: Option<String>,
    /// New descriptions in other languages.
    pub descriptions: Option<String>,
    /// Set whenever anything changes.
    pub updated_at: Option<NaiveDateTime>,
}

/// The sort key of a name.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

crate::domain::kinds::named! {
    /// How the tag list is ordered.
    TagSort, "sort" {
        /// By name, A to Z (the default).
        Name = "name",
        /// Most public articles first.
        MostUsed = "-article_count",
    }
}
