//! Corrections as stored: a row per correction, for the corrections page, and a copy of a
//! story's corrections in the story's own row (`articles.corrections`, a JSON array, oldest
//! first), so that every read of the story carries them. Both are written in one write.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::AnyConnection;
use crate::db::schema::article_corrections::{self, dsl as c};
use crate::db::schema::articles;
use crate::domain::{ArticleId, CorrectionId, CorrectionKind, Status, UserId};

/// A correction row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = article_corrections)]
pub struct Correction {
    /// UUIDv7.
    pub id: CorrectionId,
    /// The story it corrects.
    pub article_id: ArticleId,
    /// Correction, clarification or update.
    pub kind: CorrectionKind,
    /// What it says, as readers see it.
    pub text: String,
    /// The user who wrote it (`None` for an API token).
    pub created_by: Option<UserId>,
    /// When it was published.
    pub created_at: NaiveDateTime,
}

/// A correction as the story's row keeps it: what the public sees of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The correction's id.
    pub id: String,
    /// Correction, clarification or update.
    pub kind: CorrectionKind,
    /// What it says.
    pub text: String,
    /// When it was published.
    pub created_at: NaiveDateTime,
}

impl From<&Correction> for Entry {
    fn from(c: &Correction) -> Self {
        Self {
            id: c.id.to_string(),
            kind: c.kind,
            text: c.text.clone(),
            created_at: c.created_at,
        }
    }
}

/// The corrections a story's row keeps, oldest first; a copy that cannot be read is none.
pub fn entries(stored: &str) -> Vec<Entry> {
    if stored == "[]" {
        return Vec::new();
    }
    serde_json::from_str(stored).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "an article's corrections could not be read");
        Vec::new()
    })
}

/// Stores a correction.
pub fn insert(conn: &mut AnyConnection, correction: &Correction) -> QueryResult<()> {
    diesel::insert_into(c::article_corrections)
        .values(correction)
        .execute(conn)
        .map(drop)
}

/// The story a public correction belongs to, as the corrections page names it.
#[derive(Debug, Clone, Queryable)]
pub struct Corrected {
    /// Its id.
    pub id: ArticleId,
    /// Its slug.
    pub slug: String,
    /// Its headline.
    pub title: String,
}

/// The corrections of the stories the public may read at `now`.
macro_rules! public {
    ($now:expr) => {
        c::article_corrections
            .inner_join(articles::table)
            .filter(articles::trashed_at.is_null())
            .filter(articles::status.eq_any([Status::Published, Status::Scheduled]))
            .filter(articles::published_sort.le($now))
            .filter(
                articles::unpublish_at
                    .is_null()
                    .or(articles::unpublish_at.gt($now)),
            )
    };
}

/// A page of the corrections the public sees (of stories it may read at `now`), newest
/// first, after the `(created_at, id)` of the last one the caller had; one more than
/// `limit`, to tell whether a page follows.
pub fn public_page(
    conn: &mut AnyConnection,
    after: Option<(NaiveDateTime, String)>,
    limit: u32,
    now: NaiveDateTime,
) -> QueryResult<Vec<(Correction, Corrected)>> {
    let mut query = public!(now)
        .select((
            Correction::as_select(),
            (articles::id, articles::slug, articles::title),
        ))
        .order((c::created_at.desc(), c::id.desc()))
        .limit(i64::from(limit) + 1)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            c::created_at
                .lt(at)
                .or(c::created_at.eq(at).and(c::id.lt(CorrectionId::from(id)))),
        );
    }
    query.load(conn)
}

/// How many corrections the public sees at `now`.
pub fn public_count(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<i64> {
    public!(now).count().get_result(conn)
}

/// Writes the row of every correction a story's copy holds (a site file carries the
/// copies only).
pub fn restore(conn: &mut AnyConnection, article: &ArticleId, stored: &str) -> QueryResult<()> {
    let rows: Vec<Correction> = entries(stored)
        .into_iter()
        .map(|e| Correction {
            id: CorrectionId::from(e.id),
            article_id: article.clone(),
            kind: e.kind,
            text: e.text,
            created_by: None,
            created_at: e.created_at,
        })
        .collect();
    crate::db::insert_rows!(conn, c::article_corrections, rows, 200).map(drop)
}
