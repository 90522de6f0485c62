//! Internal notes as stored: staff's comments on a story, with their author as named when
//! they wrote and the users they mention. The rules are the service's.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::AnyConnection;
use crate::db::schema::article_notes::{self, dsl as n};
use crate::db::schema::users;
use crate::domain::{ArticleId, NoteId, UserId};

/// A note, every column.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = article_notes)]
pub struct Note {
    /// UUIDv7.
    pub id: NoteId,
    /// The story it is about.
    pub article_id: ArticleId,
    /// `user` or `token`.
    pub author_type: String,
    /// The user's or token's id.
    pub author_id: String,
    /// Their name when they wrote.
    pub author_name: Option<String>,
    /// What it says.
    pub text: String,
    /// The users it mentions, as JSON ([`Mention`]s).
    pub mentions: String,
    /// When it was written.
    pub created_at: NaiveDateTime,
}

/// A user a note mentions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    /// The user's id.
    pub id: UserId,
    /// Their email when they were mentioned.
    pub email: String,
}

impl Note {
    /// The users it mentions.
    pub fn mentioned(&self) -> Vec<Mention> {
        serde_json::from_str(&self.mentions).unwrap_or_default()
    }
}

/// Stores a note.
pub fn insert(conn: &mut AnyConnection, note: &Note) -> QueryResult<()> {
    diesel::insert_into(n::article_notes)
        .values(note.clone())
        .execute(conn)
        .map(drop)
}

/// A story's notes in the order they were written, after `(created_at, id)`, at most
/// `limit + 1` (the one more tells that a next page exists).
pub fn page(
    conn: &mut AnyConnection,
    article: &ArticleId,
    after: Option<(NaiveDateTime, String)>,
    limit: u32,
) -> QueryResult<Vec<Note>> {
    let mut query = n::article_notes
        .filter(n::article_id.eq(article))
        .select(Note::as_select())
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            n::created_at
                .gt(at)
                .or(n::created_at.eq(at).and(n::id.gt(id))),
        );
    }
    query
        .order((n::created_at.asc(), n::id.asc()))
        .limit(i64::from(limit) + 1)
        .load(conn)
}

/// How many notes a story has.
pub fn count(conn: &mut AnyConnection, article: &ArticleId) -> QueryResult<i64> {
    n::article_notes
        .filter(n::article_id.eq(article))
        .count()
        .get_result(conn)
}

/// One note of a story.
pub fn find(
    conn: &mut AnyConnection,
    article: &ArticleId,
    id: &NoteId,
) -> QueryResult<Option<Note>> {
    n::article_notes
        .filter(n::id.eq(id))
        .filter(n::article_id.eq(article))
        .select(Note::as_select())
        .first(conn)
        .optional()
}

/// A note by id, wherever it is.
pub fn by_id(conn: &mut AnyConnection, id: &NoteId) -> QueryResult<Option<Note>> {
    n::article_notes
        .find(id)
        .select(Note::as_select())
        .first(conn)
        .optional()
}

/// Deletes a note.
pub fn delete(conn: &mut AnyConnection, id: &NoteId) -> QueryResult<usize> {
    diesel::delete(n::article_notes.find(id)).execute(conn)
}

/// The users with these (lowercased) emails, as mentions.
pub fn users_by_email(conn: &mut AnyConnection, emails: &[String]) -> QueryResult<Vec<Mention>> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<(UserId, String)> = users::table
        .filter(users::email.eq_any(emails))
        .select((users::id, users::email))
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(|(id, email)| Mention { id, email })
        .collect())
}

/// The name of a user (their display name) or API token, to keep beside what they wrote.
pub fn name_of(conn: &mut AnyConnection, kind: &str, id: &str) -> QueryResult<Option<String>> {
    use crate::db::schema::api_tokens;
    match kind {
        "user" => users::table
            .find(id)
            .select(users::display_name)
            .first(conn)
            .optional(),
        _ => api_tokens::table
            .find(id)
            .select(api_tokens::name)
            .first(conn)
            .optional(),
    }
}
