//! Rows of the `categories` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::CategoryId;

use crate::db::schema::categories;

/// A stored category.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = categories)]
pub struct Category {
    /// UUIDv7.
    pub id: CategoryId,
    /// Unique URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// The enclosing category, if any.
    pub parent_id: Option<CategoryId>,
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
#[diesel(table_name = categories)]
pub struct CategoryChangeset {
    /// New display name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New description; `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// New parent; `Some(None)` makes it top-level.
    pub parent_id: Option<Option<CategoryId>>,
    /// New names in other languages.
    pub names: Option<String>,
    /// New descriptions in other languages.
    pub descriptions: Option<String>,
    /// Set whenever anything changes.
    pub updated_at: Option<NaiveDateTime>,
}
