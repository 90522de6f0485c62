//! Media as clients send and receive it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::Error;
use crate::http::extract::Patch;
use crate::http::pagination::ListMeta;
use crate::media::model::{Media, MediaChangeset};
use crate::validate::{self, Fields};

/// Longest alt text, caption or credit, in characters.
pub const TEXT_MAX: usize = 2_000;

/// An uploaded image. `url` is the original (metadata stripped); `renditions` maps each
/// width no wider than the original to a WebP rendition (`?format=jpeg` or `png` for
/// others). Paths are on this server.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = Media, example = json!({"id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26", "filename": "brent-tanker.jpg", "content_type": "image/jpeg", "size": 482133, "width": 1600, "height": 1067, "sha256": "9f2c…", "alt": "A tanker at anchor off Fujairah", "caption": "Tankers wait to load.", "credit": "Photo: Dana Reyes", "url": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/brent-tanker.jpg", "renditions": {"160": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/160/brent-tanker.jpg", "320": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/320/brent-tanker.jpg"}, "created_at": "2019-02-08T09:00:00Z", "updated_at": "2019-02-08T09:00:00Z", "created_by": null}))]
pub struct MediaResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// A safe file name, with the extension of the file's real kind.
    pub filename: String,
    /// `image/jpeg`, `image/png`, `image/webp` or `image/gif`: told by the bytes.
    pub content_type: String,
    /// Bytes stored (after metadata was stripped).
    pub size: i64,
    /// Pixels across.
    pub width: i32,
    /// Pixels down.
    pub height: i32,
    /// SHA-256 of the stored bytes, hex.
    pub sha256: String,
    /// Text for readers who cannot see the image.
    #[schema(required = true)]
    pub alt: Option<String>,
    /// Caption.
    #[schema(required = true)]
    pub caption: Option<String>,
    /// Who took or owns it.
    #[schema(required = true)]
    pub credit: Option<String>,
    /// The original file's path.
    pub url: String,
    /// Rendition paths by width (160, 320, 640, 960, 1280, 1920; none wider than the image).
    pub renditions: BTreeMap<String, String>,
    /// Uploaded.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// The user who uploaded it (`null` for API tokens, and for the public in embeds).
    #[schema(required = true, format = Uuid)]
    pub created_by: Option<String>,
}

impl MediaResponse {
    /// The wire form; `staff` callers see who uploaded it.
    pub fn new(m: Media, staff: bool) -> Self {
        Self {
            url: crate::media::original_path(&m.id, &m.filename),
            renditions: crate::media::widths_for(m.width)
                .map(|w| {
                    (
                        w.to_string(),
                        crate::media::rendition_path(&m.id, w, &m.filename),
                    )
                })
                .collect(),
            id: m.id.into(),
            filename: m.filename,
            content_type: m.content_type,
            size: m.size,
            width: m.width,
            height: m.height,
            sha256: m.sha256,
            alt: m.alt,
            caption: m.caption,
            credit: m.credit,
            created_at: m.created_at.and_utc(),
            updated_at: m.updated_at.and_utc(),
            created_by: m.created_by.filter(|_| staff).map(Into::into),
        }
    }
}

/// A page of the library, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaList {
    /// The items of this page.
    pub data: Vec<MediaResponse>,
    /// Paging information.
    pub meta: ListMeta,
}

/// The body of `POST /api/v1/media`: `multipart/form-data`.
#[derive(Debug, ToSchema)]
#[allow(
    dead_code,
    reason = "describes the multipart body for the document only"
)]
pub struct UploadMedia {
    /// The image: JPEG, PNG, WebP or GIF, told by its bytes; at most
    /// `BYLINE_MEDIA_MAX_BYTES` (20 MiB) and 50 megapixels.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
    /// Text for readers who cannot see it.
    #[schema(max_length = 2000)]
    pub alt: Option<String>,
    /// Caption.
    #[schema(max_length = 2000)]
    pub caption: Option<String>,
    /// Who took or owns it.
    #[schema(max_length = 2000)]
    pub credit: Option<String>,
}

/// The body of `PATCH /api/v1/media/{id}` (JSON merge patch): `null` clears a field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"alt": "A tanker at anchor", "credit": null}))]
pub struct UpdateMedia {
    /// New alt text, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub alt: Patch<String>,
    /// New caption, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub caption: Patch<String>,
    /// New credit, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub credit: Patch<String>,
}

impl UpdateMedia {
    /// The changes, each field checked.
    pub fn check(self) -> Result<MediaChangeset, Error> {
        let mut v = Fields::new();
        let changes = MediaChangeset {
            alt: v.clear(self.alt, |t, e| {
                validate::multi_line("alt", &t, TEXT_MAX, e)
            }),
            caption: v.clear(self.caption, |t, e| {
                validate::multi_line("caption", &t, TEXT_MAX, e)
            }),
            credit: v.clear(self.credit, |t, e| {
                validate::multi_line("credit", &t, TEXT_MAX, e)
            }),
            updated_at: None,
        };
        v.finish(changes)
    }
}

/// Query parameters of `GET /api/v1/media`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MediaListQuery {
    /// Only items whose file name, alt text or caption contains this, ignoring case.
    #[param(min_length = 1, max_length = 200, pattern = "^[^\\u0000]*$")]
    pub q: Option<String>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `meta.next_cursor` of the previous page.
    #[param(max_length = 1000)]
    pub cursor: Option<String>,
}

/// Query parameters of a rendition.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RenditionQuery {
    /// `webp` (the default), `jpeg` or `png`.
    #[param(pattern = "^(webp|jpeg|png)$")]
    pub format: Option<String>,
}

/// Query parameters of an original (none).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OriginalQuery {}
