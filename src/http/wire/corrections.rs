//! Corrections as the public reads them and editors write them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::articles::corrections::{Corrected, Correction, Entry};
use crate::articles::service::{CORRECTION_MAX, NewCorrection};
use crate::domain::{Code, CorrectionKind, FieldError};
use crate::http::ApiError;
use crate::http::pagination::ListMeta;
use crate::validate::Fields;

/// A public correction to a story. Front-ends may mark it up as schema.org's
/// `CorrectionComment` (`text`, `datePublished` from `created_at`) in the article's
/// `correction` property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = Correction, example = json!({
    "id": "01936f60-2b1c-7d3e-8f4a-5b6c7d8e9f01",
    "kind": "correction",
    "text": "An earlier version of this story gave the wrong year for the trade agreement. It was signed in 2018.",
    "created_at": "2026-12-06T10:05:00Z"
}))]
pub struct CorrectionResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// `correction` (something was wrong), `clarification` (something could be misread)
    /// or `update` (something happened since).
    #[schema(value_type = String, pattern = "^(correction|clarification|update)$", example = "correction")]
    pub kind: CorrectionKind,
    /// What it says, for readers.
    pub text: String,
    /// When it was published.
    pub created_at: DateTime<Utc>,
}

impl From<Entry> for CorrectionResponse {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            kind: e.kind,
            text: e.text,
            created_at: e.created_at.and_utc(),
        }
    }
}

impl From<&Correction> for CorrectionResponse {
    fn from(c: &Correction) -> Self {
        Entry::from(c).into()
    }
}

/// The corrections a story's row keeps, as the wire shows them, oldest first.
pub fn of_story(stored: &str) -> Vec<CorrectionResponse> {
    crate::articles::corrections::entries(stored)
        .into_iter()
        .map(Into::into)
        .collect()
}

/// The story a correction belongs to, on the corrections page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectedArticle {
    /// Its id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Its slug.
    pub slug: String,
    /// Its headline.
    pub title: String,
}

/// A correction on the corrections page, with its story.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectionItem {
    /// The correction.
    #[serde(flatten)]
    pub correction: CorrectionResponse,
    /// The story it corrects.
    pub article: CorrectedArticle,
}

impl From<(Correction, Corrected)> for CorrectionItem {
    fn from((c, a): (Correction, Corrected)) -> Self {
        Self {
            correction: (&c).into(),
            article: CorrectedArticle {
                id: a.id.to_string(),
                slug: a.slug,
                title: a.title,
            },
        }
    }
}

/// A page of public corrections, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionList {
    /// Corrections, newest first.
    pub data: Vec<CorrectionItem>,
    /// Paging information.
    pub meta: ListMeta,
}

/// The body of `POST /api/v1/articles/{id_or_slug}/corrections`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "correction", "text": "An earlier version of this story gave the wrong year for the trade agreement. It was signed in 2018."}))]
pub struct CreateCorrection {
    /// `correction`, `clarification` or `update`.
    #[schema(value_type = String, pattern = "^(correction|clarification|update)$", example = "correction")]
    pub kind: String,
    /// What readers are told: 1 to 10,000 characters; line breaks are kept.
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub text: String,
}

impl CreateCorrection {
    /// The correction, checked.
    pub fn check(self) -> Result<NewCorrection, ApiError> {
        let mut v = Fields::new();
        let kind = CorrectionKind::parse(&self.kind);
        if kind.is_none() {
            v.push(FieldError::new(
                "kind",
                Code::InvalidValue,
                "kind must be correction, clarification or update",
            ));
        }
        let text = super::notes::checked_text(&mut v, "text", &self.text, CORRECTION_MAX);
        v.finish(())?;
        kind.zip(text)
            .map(|(kind, text)| NewCorrection { kind, text })
            .ok_or_else(|| ApiError::internal("a checked correction is missing"))
    }
}
