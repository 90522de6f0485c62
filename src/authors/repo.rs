//! Queries on authors.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::AuthorSort;
use super::model::{Author, AuthorChangeset};
use crate::db::AnyConnection;
use crate::db::schema::{articles, authors::dsl as a, users};
use crate::domain::{ArticleId, AuthorId, Code, Error, IdOrSlug};
use crate::slugged::repo::{self as slugged, slugged_table};

slugged_table!(Author, crate::domain::AuthorId, authors, "author", Author);

/// Whether an author with this id exists.
pub fn exists(conn: &mut AnyConnection, id: &str) -> QueryResult<bool> {
    a::authors
        .filter(a::id.eq(id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// The key a page continues after.
pub enum After {
    /// `(name_key, id)` for name order.
    Name(String, String),
    /// `(created_at, id)` for newest first.
    Created(NaiveDateTime, String),
}

fn like_pattern(q: &str) -> String {
    crate::db::contains_pattern(&super::model::name_key(q))
}

/// One page of authors, one row more than `limit` to tell whether another page follows.
pub fn list(
    conn: &mut AnyConnection,
    q: Option<&str>,
    updated_after: Option<NaiveDateTime>,
    sort: AuthorSort,
    after: Option<After>,
    limit: u32,
) -> QueryResult<Vec<Author>> {
    let mut query = a::authors.select(Author::as_select()).into_boxed();
    if let Some(q) = q {
        query = query.filter(a::name_key.like(like_pattern(q)).escape('\\'));
    }
    if let Some(t) = updated_after {
        query = query.filter(a::updated_at.ge(t));
    }
    query = match after {
        Some(After::Name(key, id)) => query.filter(
            a::name_key
                .gt(key.clone())
                .or(a::name_key.eq(key).and(a::id.gt(id))),
        ),
        Some(After::Created(at, id)) => query.filter(
            a::created_at
                .lt(at)
                .or(a::created_at.eq(at).and(a::id.lt(id))),
        ),
        None => query,
    };
    query = match sort {
        AuthorSort::Name => query.order((a::name_key.asc(), a::id.asc())),
        AuthorSort::NewestFirst => query.order((a::created_at.desc(), a::id.desc())),
    };
    query.limit(i64::from(limit) + 1).load(conn)
}

/// How many authors match `q`.
pub fn count(
    conn: &mut AnyConnection,
    q: Option<&str>,
    updated_after: Option<NaiveDateTime>,
) -> QueryResult<i64> {
    let mut query = a::authors.count().into_boxed();
    if let Some(q) = q {
        query = query.filter(a::name_key.like(like_pattern(q)).escape('\\'));
    }
    if let Some(t) = updated_after {
        query = query.filter(a::updated_at.ge(t));
    }
    query.get_result(conn)
}

/// Inserts an author. A chosen slug that is taken is a 409; a generated one gets the next free
/// numeric suffix.
pub fn create(conn: &mut AnyConnection, row: Author, chosen_slug: bool) -> Result<Author, Error> {
    slugged::insert(conn, row, chosen_slug)
}

/// Applies a change; nothing is written when nothing changes.
pub fn update(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    mut changes: AuthorChangeset,
    now: NaiveDateTime,
) -> Result<Author, Error> {
    let current = slugged::get::<Author>(conn, key)?;
    changes.slug = slugged::new_slug(conn, &current, changes.slug.take())?;
    let nothing = changes.slug.is_none()
        && changes.name.as_ref().is_none_or(|n| *n == current.name)
        && changes.bio.as_ref().is_none_or(|v| *v == current.bio)
        && changes
            .avatar_url
            .as_ref()
            .is_none_or(|v| *v == current.avatar_url)
        && changes
            .website
            .as_ref()
            .is_none_or(|v| *v == current.website)
        && changes.email.as_ref().is_none_or(|v| *v == current.email);
    if nothing {
        return Ok(current);
    }
    changes.name_key = changes.name.as_deref().map(super::model::name_key);
    changes.updated_at = Some(now);
    slugged::renamed(conn, &current, changes.slug.as_deref(), now)?;
    diesel::update(a::authors.filter(a::id.eq(&current.id)))
        .set(&changes)
        .execute(conn)
        .map_err(slugged::update_error(changes.slug.as_deref()))?;
    Ok(Author {
        slug: changes.slug.unwrap_or(current.slug),
        name: changes.name.unwrap_or(current.name),
        name_key: changes.name_key.unwrap_or(current.name_key),
        bio: changes.bio.unwrap_or(current.bio),
        avatar_url: changes.avatar_url.unwrap_or(current.avatar_url),
        website: changes.website.unwrap_or(current.website),
        email: changes.email.unwrap_or(current.email),
        updated_at: now,
        ..current
    })
}

/// Deletes an author. While articles carry the byline it is a 409, unless `reassign_to`
/// names another author: then the articles move to them first, in the same transaction.
/// Users linked to the author are unlinked.
pub fn delete(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    reassign_to: Option<&AuthorId>,
    now: NaiveDateTime,
) -> Result<Removed, Error> {
    let current = slugged::get::<Author>(conn, key)?;
    // Users are linked to an author by a check, not a foreign key: a link made while
    // this delete runs would outlive the author. Both take the author's lock.
    crate::db::lock_name(conn, &link_lock(&current.id))?;
    let current = slugged::get::<Author>(conn, &IdOrSlug::Id(current.id.into()))?;
    let bylines = articles::table.filter(articles::author_id.eq(&current.id));
    let mut reassigned = Vec::new();
    if let Some(target) = reassign_to {
        if *target == current.id || !exists(conn, target)? {
            return Err(Error::invalid_query(vec![crate::domain::FieldError::new(
                "reassign_to",
                Code::NotFound,
                "reassign_to must name another existing author",
            )]));
        }
        reassigned = bylines.select(articles::id).load(conn)?;
        diesel::update(bylines)
            .set((
                articles::author_id.eq(target),
                articles::updated_at.eq(now),
                articles::version.eq(articles::version + 1),
            ))
            .execute(conn)?;
    } else {
        let referenced: i64 = bylines.count().get_result(conn)?;
        if referenced > 0 {
            return Err(Error::new(
                Code::AuthorInUse,
                format!(
                    "{} this byline; pass ?reassign_to=<author id> to move them",
                    crate::domain::counted(referenced, "article carries", "articles carry")
                ),
            ));
        }
    }
    diesel::update(users::table.filter(users::author_id.eq(&current.id)))
        .set(users::author_id.eq(None::<AuthorId>))
        .execute(conn)?;
    diesel::delete(a::authors.filter(a::id.eq(&current.id))).execute(conn)?;
    slugged::forget::<Author>(conn, &current.id)?;
    Ok(Removed {
        id: current.id,
        slug: current.slug,
        reassigned,
    })
}

/// What deleting an author removed, and which articles it moved to another byline.
pub struct Removed {
    /// The author's id.
    pub id: AuthorId,
    /// The slug it had.
    pub slug: String,
    /// The articles whose byline moved.
    pub reassigned: Vec<ArticleId>,
}

/// The name of the lock that deleting an author and linking a user to it both take.
pub fn link_lock(author_id: &str) -> String {
    format!("authors.links:{author_id}")
}
