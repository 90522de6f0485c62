//! Rows of the `media` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::media::Focal;
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
    /// Crops are cut around this point: 0 (left) to 1 (right).
    pub focal_x: f64,
    /// 0 (top) to 1 (bottom).
    pub focal_y: f64,
    /// The focal points it had before, whose rendition URLs stay valid (thousandths,
    /// `x,y;x,y`, newest last).
    pub focal_points: String,
}

/// Focal points an item keeps besides its current one.
pub const FOCAL_POINTS_KEPT: usize = 50;

impl Media {
    /// The current focal point.
    pub fn focal(&self) -> Focal {
        Focal::from_fractions(self.focal_x, self.focal_y).unwrap_or(Focal::CENTER)
    }

    /// Whether rendition URLs for `point` are valid: the center (the URLs without one),
    /// the current point, or one it had before.
    pub fn had_focal(&self, point: Focal) -> bool {
        point == Focal::CENTER
            || point == self.focal()
            || Focal::list(&self.focal_points).any(|p| p == point)
    }

    /// The kept points once the focal point moves from the current one: that one added,
    /// the oldest dropped past [`FOCAL_POINTS_KEPT`].
    pub fn focal_points_after_move(&self) -> String {
        let current = self.focal();
        let mut kept: Vec<Focal> = Focal::list(&self.focal_points)
            .filter(|p| *p != current && *p != Focal::CENTER)
            .collect();
        if current != Focal::CENTER {
            kept.push(current);
        }
        let skip = kept.len().saturating_sub(FOCAL_POINTS_KEPT);
        kept[skip..]
            .iter()
            .map(|p| p.stored())
            .collect::<Vec<_>>()
            .join(";")
    }
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
    /// Focal point across.
    pub focal_x: Option<f64>,
    /// Focal point down.
    pub focal_y: Option<f64>,
    /// The points kept, when the focal point moves.
    pub focal_points: Option<String>,
    /// Set with any change.
    pub updated_at: Option<NaiveDateTime>,
}
