//! Internal notes as staff send and receive them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::articles::notes::Note;
use crate::articles::service::NOTE_MAX;
use crate::http::ApiError;
use crate::http::pagination::ListMeta;
use crate::validate::{self, Fields};

/// Who wrote a note, as they were named then.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoteAuthor {
    /// `user` or `token` (an API token).
    #[schema(example = "user")]
    #[serde(rename = "type")]
    pub kind: String,
    /// The user's or token's id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Their display name (a token's name) when they wrote.
    #[schema(required = true)]
    pub name: Option<String>,
}

/// A user a note mentions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoteMention {
    /// The user's id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Their email when they were mentioned.
    #[schema(example = "desk@example.com")]
    pub email: String,
}

/// A staff note on a story; never shown to the public.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Note)]
pub struct NoteResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// The story it is about.
    #[schema(format = Uuid)]
    pub article_id: String,
    /// Who wrote it.
    pub author: NoteAuthor,
    /// What it says, as written.
    #[schema(example = "@desk@example.com the figures in the third paragraph need a source.")]
    pub text: String,
    /// The users it mentions (`@email` of an existing user), in the order they appear.
    pub mentions: Vec<NoteMention>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl From<Note> for NoteResponse {
    fn from(note: Note) -> Self {
        let mentions = note
            .mentioned()
            .into_iter()
            .map(|m| NoteMention {
                id: m.id.to_string(),
                email: m.email,
            })
            .collect();
        Self {
            id: note.id.to_string(),
            article_id: note.article_id.to_string(),
            author: NoteAuthor {
                kind: note.author_type,
                id: note.author_id,
                name: note.author_name,
            },
            text: note.text,
            mentions,
            created_at: note.created_at.and_utc(),
        }
    }
}

/// A page of a story's notes.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteList {
    /// Notes in the order they were written.
    pub data: Vec<NoteResponse>,
    /// Paging information.
    pub meta: ListMeta,
}

/// The body of `POST /api/v1/articles/{id_or_slug}/notes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "@desk@example.com the figures in the third paragraph need a source."}))]
pub struct CreateNote {
    /// 1 to 10,000 characters; line breaks are kept. `@email` of a user mentions them (at
    /// most 20 mentions).
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub text: String,
}

impl CreateNote {
    /// The note's text, checked.
    pub fn check(self) -> Result<String, ApiError> {
        note_text("text", &self.text)
    }
}

/// The body of `POST /api/v1/articles/{id_or_slug}/submit` (may be empty).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Ready; the quotes are checked."}))]
pub struct SubmitArticle {
    /// For the editors: added to the story's notes (1 to 10,000 characters, `@email`
    /// mentions a user).
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub note: Option<String>,
}

impl SubmitArticle {
    /// The note, if any, checked.
    pub fn check(self) -> Result<Option<String>, ApiError> {
        self.note.map(|n| note_text("note", &n)).transpose()
    }
}

/// The body of `POST /api/v1/articles/{id_or_slug}/return`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Needs a second source for the export figures."}))]
pub struct ReturnArticle {
    /// Why it goes back, for the author: added to the story's notes (1 to 10,000
    /// characters, `@email` mentions a user).
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub note: String,
}

impl ReturnArticle {
    /// The note, checked.
    pub fn check(self) -> Result<String, ApiError> {
        note_text("note", &self.note)
    }
}

/// A note's text: not blank, at most 10,000 characters, no control characters but line
/// breaks and tabs; kept as written.
fn note_text(field: &str, value: &str) -> Result<String, ApiError> {
    let mut v = Fields::new();
    let text = checked_text(&mut v, field, value, NOTE_MAX);
    Ok(v.finish(text.unwrap_or_default())?)
}

/// A text staff write for people to read (a note, a correction): not blank, at most `max`
/// characters, no control characters but line breaks and tabs; kept as written. `None`
/// with a fault in `v` when it is not.
pub fn checked_text(v: &mut Fields, field: &str, value: &str, max: usize) -> Option<String> {
    if value.chars().all(validate::is_pattern_space) {
        v.push(crate::domain::FieldError::new(
            field,
            crate::domain::Code::Required,
            format!("{field} must not be empty"),
        ));
        return None;
    }
    validate::multi_line(field, value, max, v.errors())
}
