//! Preview links as stored: the story each shows, until when, and only the SHA-256 of its
//! token. The rules (who may make, see and revoke them) are the service's.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::articles::model::Article;
use crate::db::AnyConnection;
use crate::db::schema::article_previews::{self, dsl as p};
use crate::db::schema::articles;
use crate::domain::{ArticleId, Error, PreviewId, UserId};

/// A preview link, without its token's hash.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_previews)]
pub struct Preview {
    /// UUIDv7.
    pub id: PreviewId,
    /// The story it shows.
    pub article_id: ArticleId,
    /// The revision it is pinned to; `None` follows the story as it is edited.
    pub version: Option<i64>,
    /// The user who made it (`None` for an API token).
    pub created_by: Option<UserId>,
    /// When it was made.
    pub created_at: NaiveDateTime,
    /// When it stops working.
    pub expires_at: NaiveDateTime,
}

/// Stores a new link whose token hashes to `token_hash`.
pub fn insert(conn: &mut AnyConnection, preview: &Preview, token_hash: &str) -> QueryResult<()> {
    diesel::insert_into(p::article_previews)
        .values((
            p::id.eq(&preview.id),
            p::article_id.eq(&preview.article_id),
            p::token_hash.eq(token_hash),
            p::version.eq(preview.version),
            p::created_by.eq(&preview.created_by),
            p::created_at.eq(preview.created_at),
            p::expires_at.eq(preview.expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The link whose token hashes to `token_hash`, while it lasts, with its story unless the
/// story is in the trash: one statement.
pub fn open(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(Preview, Article)>> {
    p::article_previews
        .inner_join(articles::table)
        .filter(p::token_hash.eq(token_hash))
        .filter(p::expires_at.gt(now))
        .filter(articles::trashed_at.is_null())
        .select((Preview::as_select(), Article::as_select()))
        .first(conn)
        .optional()
}

/// A link by id, whatever its state.
pub fn by_id(conn: &mut AnyConnection, id: &PreviewId) -> QueryResult<Option<Preview>> {
    p::article_previews
        .find(id)
        .select(Preview::as_select())
        .first(conn)
        .optional()
}

/// One link of a story by id, while it lasts.
pub fn find(
    conn: &mut AnyConnection,
    article: &ArticleId,
    id: &PreviewId,
    now: NaiveDateTime,
) -> QueryResult<Option<Preview>> {
    p::article_previews
        .filter(p::id.eq(id))
        .filter(p::article_id.eq(article))
        .filter(p::expires_at.gt(now))
        .select(Preview::as_select())
        .first(conn)
        .optional()
}

/// A story's links that still work, oldest first, at most `limit`.
pub fn live(
    conn: &mut AnyConnection,
    article: &ArticleId,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Preview>> {
    p::article_previews
        .filter(p::article_id.eq(article))
        .filter(p::expires_at.gt(now))
        .order((p::created_at.asc(), p::id.asc()))
        .limit(limit)
        .select(Preview::as_select())
        .load(conn)
}

/// Revokes one link of a story; a 404 when it has no such link that still works.
pub fn revoke(
    conn: &mut AnyConnection,
    article: &ArticleId,
    id: &PreviewId,
    now: NaiveDateTime,
) -> Result<(), Error> {
    let gone = diesel::delete(
        p::article_previews
            .filter(p::id.eq(id))
            .filter(p::article_id.eq(article))
            .filter(p::expires_at.gt(now)),
    )
    .execute(conn)?;
    if gone == 0 {
        return Err(Error::not_found(
            "the article has no preview link with that id",
        ));
    }
    Ok(())
}

/// Removes every link of a story (it went to the trash); how many there were.
pub fn forget(conn: &mut AnyConnection, article: &ArticleId) -> QueryResult<usize> {
    diesel::delete(p::article_previews.filter(p::article_id.eq(article))).execute(conn)
}

/// Removes links that expired before `before`; how many.
pub fn sweep(conn: &mut AnyConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(p::article_previews.filter(p::expires_at.le(before))).execute(conn)
}
