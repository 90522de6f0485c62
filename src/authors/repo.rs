//! Queries on authors.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::AuthorSort;
use super::model::{Author, AuthorChangeset};
use crate::db::AnyConnection;
use crate::db::schema::{articles, authors::dsl as a, users};
use crate::db::slugs::insert_with_slug;
use crate::db::slugs::old as old_slugs;
use crate::domain::{Code, Error};
use crate::domain::{IdOrSlug, IfMatch};

/// Finds an author by id or slug.
pub fn find(conn: &mut AnyConnection, key: &IdOrSlug) -> QueryResult<Option<Author>> {
    let query = a::authors.select(Author::as_select()).into_boxed();
    let query = match key {
        IdOrSlug::Id(id) => query.filter(a::id.eq(id.clone())),
        IdOrSlug::Slug(s) => query.filter(a::slug.eq(s.clone())),
    };
    query.first(conn).optional()
}

/// Finds an author by id or slug, or answers 404.
pub fn get(conn: &mut AnyConnection, key: &IdOrSlug) -> Result<Author, Error> {
    find(conn, key)?.ok_or_else(|| Error::not_found("no author has that id or slug"))
}

/// Checks `If-Match` against the author's current `updated_at`, inside the write. On
/// PostgreSQL the row is locked first, so that a concurrent change cannot slip between the
/// check and the write; SQLite writes already take turns. Without the header nothing is
/// locked or read.
pub fn check_precondition(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    precondition: &IfMatch,
) -> Result<(), Error> {
    if matches!(precondition, IfMatch::Absent) {
        return Ok(());
    }
    crate::db::on_postgres(conn, |pg| {
        let locked = a::authors.select(a::id).for_update();
        match key {
            IdOrSlug::Id(id) => locked.filter(a::id.eq(id)).load::<String>(pg)?,
            IdOrSlug::Slug(s) => locked.filter(a::slug.eq(s)).load::<String>(pg)?,
        };
        Ok(())
    })?;
    let current = get(conn, key)?;
    precondition.check_stamp(&current.id, current.updated_at, "author")
}

/// Whether an author with this id exists.
pub fn exists(conn: &mut AnyConnection, id: &str) -> QueryResult<bool> {
    a::authors
        .filter(a::id.eq(id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// Authors by id, for embedding in article lists: one query for the whole page.
pub fn by_ids(conn: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<Author>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    a::authors
        .filter(a::id.eq_any(ids))
        .select(Author::as_select())
        .load(conn)
}

/// The key a page continues after.
pub enum After {
    /// `(name_key, id)` for name order.
    Name(String, String),
    /// `(created_at, id)` for newest first.
    Created(NaiveDateTime, String),
}

fn like_pattern(q: &str) -> String {
    let key = super::model::name_key(q);
    let escaped = key
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
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
pub fn create(
    conn: &mut AnyConnection,
    mut row: Author,
    chosen_slug: bool,
) -> Result<Author, Error> {
    let base = row.slug.clone();
    let insert = |conn: &mut AnyConnection, slug: String| -> Result<Author, Error> {
        row.slug = slug;
        let insert = || diesel::insert_into(a::authors).values(&row);
        let added = crate::db::per_backend(
            conn,
            |pg| insert().on_conflict_do_nothing().execute(pg),
            |lite| insert().on_conflict_do_nothing().execute(lite),
        )?;
        if added == 0 {
            return Err(crate::db::slugs::taken());
        }
        Ok(row.clone())
    };
    insert_with_slug(conn, &base, chosen_slug, taken_slugs, insert, || {
        slug_conflict(&base)
    })
}

/// Slugs in use that are `base` or start with `stem-`.
/// Old slugs count as taken: they keep redirecting to their owner.
fn taken_slugs(conn: &mut AnyConnection, base: &str, stem: &str) -> QueryResult<Vec<String>> {
    let mut slugs: Vec<String> = a::authors
        .filter(a::slug.eq(base).or(a::slug.like(format!("{stem}-%"))))
        .select(a::slug)
        .load(conn)?;
    slugs.extend(old_slugs::like(conn, KIND, base, stem)?);
    Ok(slugs)
}

/// The kind of this table's old slugs.
pub const KIND: &str = "author";

/// Whose old slug this is.
pub fn owner_of_old_slug(conn: &mut AnyConnection, slug: &str) -> QueryResult<Option<String>> {
    old_slugs::owner(conn, KIND, slug)
}

/// Applies a change; nothing is written when nothing changes.
pub fn update(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    mut changes: AuthorChangeset,
    now: NaiveDateTime,
) -> Result<Author, Error> {
    let current = get(conn, key)?;
    if changes.slug.as_ref().is_some_and(|s| *s == current.slug) {
        changes.slug = None;
    }
    if let Some(new_slug) = &changes.slug
        && slug_taken(conn, new_slug, Some(&current.id))?
    {
        return Err(slug_conflict(new_slug));
    }
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
    if let Some(new_slug) = &changes.slug {
        old_slugs::moved(conn, KIND, &current.slug, new_slug, &current.id, now)?;
    }
    diesel::update(a::authors.filter(a::id.eq(&current.id)))
        .set(&changes)
        .execute(conn)?;
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
    reassign_to: Option<&str>,
    now: NaiveDateTime,
) -> Result<Removed, Error> {
    let current = get(conn, key)?;
    // Users are linked to an author by a check, not a foreign key: a link made while
    // this delete runs would outlive the author. Both take the author's lock.
    crate::db::lock_name(conn, &link_lock(&current.id))?;
    let current = get(conn, &IdOrSlug::Id(current.id))?;
    let bylines = articles::table.filter(articles::author_id.eq(&current.id));
    let mut reassigned = Vec::new();
    if let Some(target) = reassign_to {
        if target == current.id || !exists(conn, target)? {
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
        .set(users::author_id.eq(None::<String>))
        .execute(conn)?;
    diesel::delete(a::authors.filter(a::id.eq(&current.id))).execute(conn)?;
    old_slugs::forget(conn, KIND, &current.id)?;
    Ok(Removed {
        id: current.id,
        slug: current.slug,
        reassigned,
    })
}

/// What deleting an author removed, and which articles it moved to another byline.
pub struct Removed {
    /// The author's id.
    pub id: String,
    /// The slug it had.
    pub slug: String,
    /// The articles whose byline moved.
    pub reassigned: Vec<String>,
}

/// The name of the lock that deleting an author and linking a user to it both take.
pub fn link_lock(author_id: &str) -> String {
    format!("authors.links:{author_id}")
}

fn slug_taken(conn: &mut AnyConnection, slug: &str, except: Option<&str>) -> QueryResult<bool> {
    let mut query = a::authors.filter(a::slug.eq(slug)).count().into_boxed();
    if let Some(id) = except {
        query = query.filter(a::id.ne(id.to_owned()));
    }
    Ok(query.get_result::<i64>(conn)? > 0 || old_slugs::reserved(conn, KIND, slug, except)?)
}

fn slug_conflict(slug: &str) -> Error {
    Error::new(
        Code::SlugTaken,
        format!("the slug `{slug}` is taken; choose another"),
    )
}
