//! Queries on tags and on which article carries which. Every function takes a connection
//! and runs on the blocking pool.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::model::{Tag, TagChangeset, TagSort, name_key};
use crate::db::schema::article_tags::dsl as at;
use crate::db::schema::articles;
use crate::db::schema::tags::dsl as t;
use crate::db::{AnyConnection, MultiBackend};
use crate::domain::{ArticleId, Code, Error, FieldError, TagId};
use crate::slug;
use crate::slugged::Slugged;
use crate::slugged::repo::{self as slugged, slugged_table};

slugged_table!(Tag, crate::domain::TagId, tags, "tag", Tag);

/// The ids of the tags with these slugs (unknown slugs are left out).
pub fn ids_of_slugs(conn: &mut AnyConnection, slugs: &[String]) -> QueryResult<Vec<TagId>> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    t::tags
        .filter(t::slug.eq_any(slugs))
        .select(t::id)
        .load(conn)
}

/// The tags an article is about to carry, in the given order; a 422 on `tag_ids` for any
/// that does not exist. On PostgreSQL the rows are held shared until the write ends, so
/// that a concurrent delete of one of them waits and then sees this article.
pub fn for_article(conn: &mut AnyConnection, ids: &[TagId]) -> Result<Vec<Tag>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // One round trip: read and held at once.
    let rows = crate::db::postgres_or(
        conn,
        |pg| {
            t::tags
                .filter(t::id.eq_any(ids))
                .select(Tag::as_select())
                .for_share()
                .load(pg)
        },
        |any| Tag::by_ids(any, ids),
    )?;
    let mut found: HashMap<TagId, Tag> =
        rows.into_iter().map(|tag| (tag.id.clone(), tag)).collect();
    let missing: Vec<&str> = ids
        .iter()
        .filter(|id| !found.contains_key(*id))
        .map(|id| id.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Error::validation(vec![FieldError::new(
            "tag_ids",
            Code::NotFound,
            format!("tag_ids names no existing tag: {}", missing.join(", ")),
        )]));
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// What an article's `tag_names` column holds for these tags: their names, for search.
pub fn search_text(tags: &[Tag]) -> String {
    tags.iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replaces the tags an article carries (the join rows; the caller writes its columns).
pub fn replace_for_article(
    conn: &mut AnyConnection,
    article_id: &ArticleId,
    ids: &[TagId],
) -> QueryResult<()> {
    diesel::delete(at::article_tags.filter(at::article_id.eq(article_id))).execute(conn)?;
    add_for_article(conn, article_id, ids)
}

/// Files a new article under `ids`, in that order (it has no tags yet).
pub fn add_for_article(
    conn: &mut AnyConnection,
    article_id: &ArticleId,
    ids: &[TagId],
) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                at::article_id.eq(article_id),
                at::tag_id.eq(id),
                at::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
            )
        })
        .collect();
    crate::db::insert_rows!(conn, at::article_tags, rows, super::MAX_PER_ARTICLE)?;
    Ok(())
}

/// A number computed per tag row.
type Count = Box<dyn BoxableExpression<t::tags, MultiBackend, SqlType = BigInt>>;

/// The number of public articles carrying the row's tag at `now`, as SQL: the tag list
/// shows it, and sorts by it.
fn public_count(now: NaiveDateTime) -> Count {
    Box::new(
        sql::<BigInt>(
            "(SELECT COUNT(*) FROM article_tags c JOIN articles a ON a.id = c.article_id \
         WHERE c.tag_id = tags.id AND a.trashed_at IS NULL \
         AND a.status IN ('published', 'scheduled') AND a.published_sort <= ",
        )
        .bind::<Timestamp, _>(now)
        .sql(" AND (a.unpublish_at IS NULL OR a.unpublish_at > ")
        .bind::<Timestamp, _>(now)
        .sql("))"),
    )
}

/// Filters of the tag list.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    /// Only tags whose name contains this.
    pub q: Option<String>,
    /// `updated_at >=`.
    pub updated_after: Option<NaiveDateTime>,
}

fn like_pattern(q: &str) -> String {
    crate::db::contains_pattern(&name_key(q))
}

/// Where a page continues.
#[derive(Debug, Clone)]
pub enum After {
    /// `(name_key, id)` in name order.
    Name(String, String),
    /// `(article_count, id)` in most-used order.
    Count(i64, String),
}

/// One page of tags with their public article counts, one row more than `limit`.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ListFilter,
    sort: TagSort,
    after: Option<After>,
    limit: u32,
    now: NaiveDateTime,
) -> QueryResult<Vec<(Tag, i64)>> {
    let mut query = t::tags
        .select((Tag::as_select(), public_count(now)))
        .into_boxed();
    if let Some(q) = &filter.q {
        query = query.filter(t::name_key.like(like_pattern(q)).escape('\\'));
    }
    if let Some(at) = filter.updated_after {
        query = query.filter(t::updated_at.ge(at));
    }
    query = match after {
        None => query,
        Some(After::Name(key, id)) => query.filter(
            t::name_key
                .ge(key.clone())
                .and(t::name_key.gt(key).or(t::id.gt(id))),
        ),
        Some(After::Count(count, id)) => query.filter(
            public_count(now)
                .lt(count)
                .or(public_count(now).eq(count).and(t::id.gt(id))),
        ),
    };
    query = match sort {
        TagSort::Name => query.order((t::name_key.asc(), t::id.asc())),
        TagSort::MostUsed => query.order((public_count(now).desc(), t::id.asc())),
    };
    query.limit(i64::from(limit) + 1).load(conn)
}

/// How many tags match the filter.
pub fn count(conn: &mut AnyConnection, filter: &ListFilter) -> QueryResult<i64> {
    let mut query = t::tags.count().into_boxed();
    if let Some(q) = &filter.q {
        query = query.filter(t::name_key.like(like_pattern(q)).escape('\\'));
    }
    if let Some(at) = filter.updated_after {
        query = query.filter(t::updated_at.ge(at));
    }
    query.get_result(conn)
}

/// What a create request asks for, already validated for shape.
#[derive(Debug, Default)]
pub struct CreateInput {
    /// Display name.
    pub name: String,
    /// A slug the client chose, if any.
    pub slug: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Names in other languages.
    pub names: crate::locale::Names,
    /// Descriptions in other languages.
    pub descriptions: crate::locale::Names,
}

/// Creates a tag. A chosen slug that is taken is a 409; a generated one gets the next free
/// numeric suffix.
pub fn create(
    conn: &mut AnyConnection,
    input: CreateInput,
    now: NaiveDateTime,
) -> Result<Tag, Error> {
    let chosen = input.slug.is_some();
    let slug = slug::chosen_or_made(input.slug, &input.name, "tag");
    let row = Tag {
        id: TagId::generate(),
        slug,
        name_key: name_key(&input.name),
        name: input.name,
        description: input.description,
        created_at: now,
        updated_at: now,
        names: crate::locale::names_text(&input.names),
        descriptions: crate::locale::names_text(&input.descriptions),
    };
    slugged::insert(conn, row, chosen)
}

/// What an update changes, already validated for shape.
#[derive(Debug, Default)]
pub struct UpdateInput {
    /// New name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New description; `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// A change to its names in other languages.
    pub names: Option<crate::locale::NamesChange>,
    /// A change to its descriptions in other languages.
    pub descriptions: Option<crate::locale::NamesChange>,
}

/// Applies a partial update to a tag the caller locked. Nothing is written when nothing
/// changes. A new name is written into the search text of every article carrying the tag.
pub fn update(
    conn: &mut AnyConnection,
    current: Tag,
    input: UpdateInput,
    now: NaiveDateTime,
) -> Result<(Tag, bool), Error> {
    let mut changes = TagChangeset {
        slug: slugged::new_slug(conn, &current, input.slug)?,
        ..TagChangeset::default()
    };
    if let Some(name) = input.name.filter(|n| *n != current.name) {
        changes.name_key = Some(name_key(&name));
        changes.name = Some(name);
    }
    if let Some(description) = input.description.filter(|d| *d != current.description) {
        changes.description = Some(description);
    }
    changes.names = input.names.and_then(|n| n.apply(&current.names));
    changes.descriptions = input
        .descriptions
        .and_then(|d| d.apply(&current.descriptions));
    let unchanged = changes.name.is_none()
        && changes.slug.is_none()
        && changes.description.is_none()
        && changes.names.is_none()
        && changes.descriptions.is_none();
    if unchanged {
        return Ok((current, false));
    }
    changes.updated_at = Some(now);
    slugged::renamed(conn, &current, changes.slug.as_deref(), now)?;
    diesel::update(t::tags.filter(t::id.eq(&current.id)))
        .set(&changes)
        .execute(conn)
        .map_err(slugged::update_error(changes.slug.as_deref()))?;
    let renamed = changes.name.is_some();
    let tag = Tag {
        name: changes.name.unwrap_or(current.name),
        name_key: changes.name_key.unwrap_or(current.name_key),
        slug: changes.slug.unwrap_or(current.slug),
        description: changes.description.unwrap_or(current.description),
        names: changes.names.unwrap_or(current.names),
        descriptions: changes.descriptions.unwrap_or(current.descriptions),
        updated_at: now,
        ..current
    };
    if renamed {
        let articles_with = carriers(conn, &tag.id)?;
        refresh_search_text(conn, &articles_with)?;
    }
    Ok((tag, renamed))
}

/// The ids of the articles (in any state) that carry a tag.
pub fn carriers(conn: &mut AnyConnection, tag_id: &str) -> QueryResult<Vec<String>> {
    at::article_tags
        .filter(at::tag_id.eq(tag_id))
        .select(at::article_id)
        .load(conn)
}

/// Writes each article's `tag_names` again from the tags it carries now.
fn refresh_search_text(conn: &mut AnyConnection, article_ids: &[String]) -> QueryResult<()> {
    for chunk in article_ids.chunks(500) {
        let pairs: Vec<(String, String)> = at::article_tags
            .inner_join(t::tags)
            .filter(at::article_id.eq_any(chunk))
            .order((at::article_id, at::position))
            .select((at::article_id, t::name))
            .load(conn)?;
        let mut names: HashMap<&str, Vec<&str>> = HashMap::new();
        for (article, name) in &pairs {
            names.entry(article).or_default().push(name);
        }
        for id in chunk {
            let text = names
                .get(id.as_str())
                .map(|n| n.join(" "))
                .unwrap_or_default();
            diesel::update(articles::table.filter(articles::id.eq(id)))
                .set(articles::tag_names.eq(text))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Deletes a tag the caller locked, taking it off every article that carries it: each of
/// them gets a new version. Answers the ids of those articles.
pub fn delete(
    conn: &mut AnyConnection,
    tag: &Tag,
    now: NaiveDateTime,
) -> Result<Vec<String>, Error> {
    let articles_with = carriers(conn, &tag.id)?;
    for chunk in articles_with.chunks(500) {
        let rows: Vec<(String, String)> = articles::table
            .filter(articles::id.eq_any(chunk))
            .select((articles::id, articles::tag_ids))
            .load(conn)?;
        for (id, joined) in rows {
            let kept: Vec<TagId> = crate::domain::split_ids(&joined)
                .into_iter()
                .filter(|t| *t != tag.id)
                .collect();
            diesel::update(articles::table.filter(articles::id.eq(&id)))
                .set((
                    articles::tag_ids.eq(crate::domain::join_ids(&kept)),
                    articles::updated_at.eq(now),
                    articles::version.eq(articles::version + 1),
                ))
                .execute(conn)?;
        }
    }
    diesel::delete(at::article_tags.filter(at::tag_id.eq(&tag.id))).execute(conn)?;
    refresh_search_text(conn, &articles_with)?;
    diesel::delete(t::tags.filter(t::id.eq(&tag.id))).execute(conn)?;
    slugged::forget::<Tag>(conn, &tag.id)?;
    Ok(articles_with)
}
