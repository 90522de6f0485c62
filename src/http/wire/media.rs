//! Media as clients send and receive it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::media::{CROPS, Crop, crop_height, crop_widths, rendition_url};
use crate::domain::{Code, Error, FieldError};
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
#[schema(as = Media, example = json!({"id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26", "filename": "brent-tanker.jpg", "content_type": "image/jpeg", "size": 482133, "width": 1600, "height": 1067, "sha256": "9f2c…", "alt": "A tanker at anchor off Fujairah", "caption": "Tankers wait to load.", "credit": "Photo: Dana Reyes", "url": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/brent-tanker.jpg", "renditions": {"160": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/160/brent-tanker.jpg", "320": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/320/brent-tanker.jpg"}, "focal_x": 0.3, "focal_y": 0.4, "sources": {"original": [{"url": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/160/brent-tanker.jpg", "width": 160, "height": 107, "format": "auto"}], "social": [{"url": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/1200/brent-tanker.jpg?crop=social&focal=0.3,0.4", "width": 1200, "height": 630, "format": "auto"}]}, "srcset": {"original": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/160/brent-tanker.jpg 160w", "social": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/1200/brent-tanker.jpg?crop=social&focal=0.3,0.4 1200w"}, "created_at": "2019-02-08T09:00:00Z", "updated_at": "2019-02-08T09:00:00Z", "created_by": null}))]
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
    /// Rendition paths by width (160, 320, 640, 960, 1280, 1920; none wider than the image),
    /// in the format `Accept` picks.
    pub renditions: BTreeMap<String, String>,
    /// Where crops are centered, across: 0 (left) to 1 (right).
    pub focal_x: f64,
    /// Where crops are centered, down: 0 (top) to 1 (bottom).
    pub focal_y: f64,
    /// The renditions of each crop (`original`, `16x9`, `4x3`, `1x1`, `social`), narrowest
    /// first: their URLs (the format picked by `Accept`; add `format=` to the query to pin
    /// one) with their sizes. A crop the image is too small for has none.
    #[schema(example = json!({"16x9": [{"url": "/media/01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b26/320/brent-tanker.jpg?crop=16x9&focal=0.3,0.4", "width": 320, "height": 180, "format": "auto"}]}))]
    pub sources: BTreeMap<String, Vec<Source>>,
    /// A ready `srcset` per crop, from `sources`: `url 320w, url 640w, …`.
    pub srcset: BTreeMap<String, String>,
    /// Uploaded.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// The user who uploaded it (`null` for API tokens, and for the public in embeds).
    #[schema(required = true, format = Uuid)]
    pub created_by: Option<String>,
}

/// One rendition of a crop.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Source {
    /// Its path on this server.
    pub url: String,
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// `auto`: the format the request's `Accept` header picks.
    pub format: String,
}

/// The image link previews show for a story (`og:image`, `twitter:image`): its cover's
/// social crop, 1200 × 630 (smaller for a smaller cover), as a JPEG.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SocialImage {
    /// Its path on this server.
    pub url: String,
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}

impl SocialImage {
    /// The social card of `m`.
    pub fn of(m: &Media) -> Option<Self> {
        let (w, h) = dimensions(m);
        let width = crop_widths(Crop::Social, w, h).into_iter().next()?;
        Some(Self {
            url: rendition_url(
                &m.id,
                width,
                &m.filename,
                Crop::Social,
                m.focal(),
                Some("jpeg"),
            ),
            width,
            height: crop_height(Crop::Social, width, w, h),
        })
    }
}

fn dimensions(m: &Media) -> (u32, u32) {
    (
        u32::try_from(m.width).unwrap_or(0),
        u32::try_from(m.height).unwrap_or(0),
    )
}

/// Each crop's renditions and `srcset`.
fn sources(m: &Media) -> (BTreeMap<String, Vec<Source>>, BTreeMap<String, String>) {
    let (w, h) = dimensions(m);
    let (mut sources, mut srcsets) = (BTreeMap::new(), BTreeMap::new());
    for crop in CROPS {
        let list: Vec<Source> = crop_widths(crop, w, h)
            .into_iter()
            .map(|width| Source {
                url: rendition_url(&m.id, width, &m.filename, crop, m.focal(), None),
                width,
                height: crop_height(crop, width, w, h),
                format: "auto".to_owned(),
            })
            .collect();
        let srcset = list
            .iter()
            .map(|s| format!("{} {}w", s.url, s.width))
            .collect::<Vec<_>>()
            .join(", ");
        srcsets.insert(crop.name().to_owned(), srcset);
        sources.insert(crop.name().to_owned(), list);
    }
    (sources, srcsets)
}

impl MediaResponse {
    /// The wire form; `staff` callers see who uploaded it.
    pub fn new(m: Media, staff: bool) -> Self {
        let (sources, srcset) = sources(&m);
        Self {
            sources,
            srcset,
            focal_x: m.focal().fx(),
            focal_y: m.focal().fy(),
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
    /// The focal point across, 0 (left) to 1 (right); the middle when absent.
    #[schema(minimum = 0, maximum = 1)]
    pub focal_x: Option<f64>,
    /// The focal point down, 0 (top) to 1 (bottom); the middle when absent.
    #[schema(minimum = 0, maximum = 1)]
    pub focal_y: Option<f64>,
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
    /// The focal point across, 0 (left) to 1 (right), kept to thousandths; `null` is the
    /// middle. Crops made for the old point keep their URLs.
    #[serde(default)]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 1)]
    pub focal_x: Patch<f64>,
    /// The focal point down, 0 (top) to 1 (bottom); `null` is the middle.
    #[serde(default)]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 1)]
    pub focal_y: Patch<f64>,
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
            focal_x: v
                .clear(self.focal_x, |x, e| focal("focal_x", x, e))
                .map(|x| x.unwrap_or(0.5)),
            focal_y: v
                .clear(self.focal_y, |y, e| focal("focal_y", y, e))
                .map(|y| y.unwrap_or(0.5)),
            focal_points: None,
            updated_at: None,
        };
        v.finish(changes)
    }
}

/// A focal point's coordinate: a number from 0 to 1.
pub fn focal(field: &str, value: f64, errors: &mut Vec<FieldError>) -> Option<f64> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        return Some((value * 1000.0).round() / 1000.0);
    }
    errors.push(FieldError::new(
        field,
        Code::OutOfRange,
        format!("{field} must be a number from 0 to 1 (0.5 is the middle)"),
    ));
    None
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
    /// `auto` (the default: AVIF or WebP when `Accept` names them, else JPEG, or PNG for an
    /// original that is not a JPEG; the answer then varies on `Accept`), `avif`, `webp`,
    /// `jpeg` or `png`.
    #[param(pattern = "^(auto|avif|webp|jpeg|png)$")]
    pub format: Option<String>,
    /// Cut to `16x9`, `4x3`, `1x1` or `social` (1200 × 630) around the focal point; the
    /// whole image when absent.
    #[param(pattern = "^(16x9|4x3|1x1|social)$")]
    pub crop: Option<String>,
    /// With `crop`: the focal point the crop is cut around, `x,y` (each 0 to 1); the
    /// middle when absent. Only points the image has or had; its record lists the URLs.
    #[param(pattern = "^[0-9.]{1,12},[0-9.]{1,12}$")]
    pub focal: Option<String>,
}

/// Query parameters of an original (none).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OriginalQuery {}
