//! Preview links as staff send and receive them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::articles::previews::Preview;
use crate::articles::service::{DEFAULT_SECS, MAX_SECS, NewPreview};
use crate::domain::{Code, FieldError};
use crate::http::ApiError;

/// A preview link to a story. The token (and the `url` built from it) is in the answer to
/// `POST …/previews` only: the server keeps a hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Preview)]
pub struct PreviewResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// The story it shows.
    #[schema(format = Uuid)]
    pub article_id: String,
    /// The secret (`byp_…`); only in the answer that made the link.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        nullable = false,
        example = "byp_Xq3v9kLw2mT7pR4sZ8yB1nC6dF0gH5jK2aE7uW9iQ3o"
    )]
    pub token: Option<String>,
    /// Where to open it: `BYLINE_PREVIEW_URL` with the token filled in, else the API's
    /// `/api/v1/preview/{token}`; only in the answer that made the link.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        nullable = false,
        example = "https://news.example.com/preview/byp_Xq3v9kLw2mT7pR4sZ8yB1nC6dF0gH5jK2aE7uW9iQ3o"
    )]
    pub url: Option<String>,
    /// The revision it shows; `null` follows the story as it is edited.
    #[schema(required = true, minimum = 1)]
    pub version: Option<i64>,
    /// The user who made it; `null` when an API token did.
    #[schema(required = true, format = Uuid)]
    pub created_by: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl PreviewResponse {
    /// The wire form of a link; `token` and `url` only when it was just made.
    pub fn new(preview: Preview, token: Option<(String, String)>) -> Self {
        let (token, url) = token.unzip();
        Self {
            id: preview.id.to_string(),
            article_id: preview.article_id.to_string(),
            token,
            url,
            version: preview.version,
            created_by: preview.created_by.map(|u| u.to_string()),
            created_at: preview.created_at.and_utc(),
            expires_at: preview.expires_at.and_utc(),
        }
    }
}

/// A story's preview links that still work, oldest first (at most 50).
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewList {
    /// The links, without their tokens.
    pub data: Vec<PreviewResponse>,
}

/// The body of `POST /api/v1/articles/{id_or_slug}/previews`; may be empty.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"expires_in": 86400}))]
pub struct CreatePreview {
    /// Seconds until the link stops working: 1 to 2,592,000 (30 days); 172,800 (48 hours)
    /// when absent.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 2592000, default = 172800)]
    pub expires_in: Option<i64>,
    /// Pins the link to this revision of the story (`GET …/revisions`); absent, the link
    /// shows the story as it is when opened.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

/// An optional integer, written as JSON writes numbers: `231` or `231.0` (JSON Schema counts
/// both as integers); a fraction or a number past the range of `i64` is refused.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::de::Error;
    let Some(number) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(n) = number.as_i64() {
        return Ok(Some(n));
    }
    match number.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        _ => Err(D::Error::custom(format!(
            "invalid type: `{number}` is not a whole number within range"
        ))),
    }
}

impl CreatePreview {
    /// The link to make, each field checked.
    pub fn check(self) -> Result<NewPreview, ApiError> {
        let mut errors = Vec::new();
        let expires_in = self.expires_in.unwrap_or(DEFAULT_SECS);
        if !(1..=MAX_SECS).contains(&expires_in) {
            errors.push(FieldError::new(
                "expires_in",
                Code::OutOfRange,
                format!("expires_in must be between 1 and {MAX_SECS} seconds (30 days)"),
            ));
        }
        if self.version.is_some_and(|v| v < 1) {
            errors.push(FieldError::new(
                "version",
                Code::OutOfRange,
                "version must be 1 or more",
            ));
        }
        if !errors.is_empty() {
            return Err(crate::domain::Error::validation(errors).into());
        }
        Ok(NewPreview {
            expires_in,
            version: self.version,
        })
    }
}
