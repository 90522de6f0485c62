//! Rows of the `media` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::{MediaId, UserId};

use crate::db::schema::media;

/// A stored image.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = media)]
pub struct Media {
    /// UUIDv7.
    pub id: MediaId,
    /// A safe file name, with the extension of its kind.
    pub filename: String,
    /// `image/jpeg`, `image/png`, `image/webp` or `image/gif`.
    pub content_type: String,
    /// Bytes stored (after metadata was stripped).
    pub size: i64,
    /// Pixels across.
    pub width: i32,
    /// Pixels down.
    pub height: i32,
    /// SHA-256 of the stored bytes, hex: the file's key in the store.
    pub sha256: String,
    /// Text for readers who cannot see it.
    pub alt: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// Who took or owns it.
    pub credit: Option<String>,
    /// The user who uploaded it (none for API tokens).
    pub created_by: Option<UserId>,
    /// Uploaded (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// The columns an update may change.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = media)]
pub struct MediaChangeset {
    /// Alt text; `Some(None)` clears it.
    pub alt: Option<Option<String>>,
    /// Caption; `Some(None)` clears it.
    pub caption: Option<Option<String>>,
    /// Credit; `Some(None)` clears it.
    pub credit: Option<Option<String>>,
    /// Set with any change.
    pub updated_at: Option<NaiveDateTime>,
}
