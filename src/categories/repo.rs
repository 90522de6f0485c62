//! Queries on categories. Every function takes a connection and runs on the blocking pool.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Category, CategoryChangeset};
use crate::db::AnyConnection;
use crate::db::schema::categories::dsl as c;
use crate::domain::{CategoryId, Code, Error, IdOrSlug};
use crate::slug;
use crate::slugged::repo::{self as slugged, slugged_table};

slugged_table!(
    Category,
    crate::domain::CategoryId,
    categories,
    "category",
    Category
);

/// How deep the ancestor walk goes before it gives up; far beyond any real site map.
const MAX_DEPTH: usize = 1_000;

/// A category's id with the ids of every category inside it, at any depth: one query over
/// the (small) category tree, walked in memory.
pub fn with_descendants(
    conn: &mut AnyConnection,
    root: &CategoryId,
) -> QueryResult<Vec<CategoryId>> {
    let edges: Vec<(CategoryId, Option<CategoryId>)> =
        c::categories.select((c::id, c::parent_id)).load(conn)?;
    let mut found = vec![root.clone()];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next].clone();
        for (id, p) in &edges {
            if p.as_ref() == Some(&parent) && !found.contains(id) {
                found.push(id.clone());
            }
        }
        next += 1;
    }
    Ok(found)
}

/// Filters of a category list.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    /// Only direct children of this id.
    pub parent_id: Option<CategoryId>,
    /// `updated_at >=`.
    pub updated_after: Option<chrono::NaiveDateTime>,
}

/// One page in slug order, starting after `after`. Fetches one row more than `limit` so the
/// caller knows whether a next page exists.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ListFilter,
    after: Option<&str>,
    limit: u32,
) -> QueryResult<Vec<Category>> {
    let mut query = c::categories.select(Category::as_select()).into_boxed();
    if let Some(parent) = &filter.parent_id {
        query = query.filter(c::parent_id.eq(parent.clone()));
    }
    if let Some(after) = filter.updated_after {
        query = query.filter(c::updated_at.ge(after));
    }
    if let Some(after) = after {
        query = query.filter(c::slug.gt(after.to_owned()));
    }
    query
        .order(c::slug.asc())
        .limit(i64::from(limit) + 1)
        .load(conn)
}

/// How many categories match the filter.
pub fn count(conn: &mut AnyConnection, filter: &ListFilter) -> QueryResult<i64> {
    let mut query = c::categories.count().into_boxed();
    if let Some(parent) = &filter.parent_id {
        query = query.filter(c::parent_id.eq(parent.clone()));
    }
    if let Some(after) = filter.updated_after {
        query = query.filter(c::updated_at.ge(after));
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
    /// Parent id.
    pub parent_id: Option<CategoryId>,
    /// Names in other languages.
    pub names: crate::locale::Names,
    /// Descriptions in other languages.
    pub descriptions: crate::locale::Names,
}

/// Creates a category under an existing parent, if any. A chosen slug that is taken is a
/// 409; a generated one gets the next free numeric suffix.
pub fn create(
    conn: &mut AnyConnection,
    input: CreateInput,
    now: NaiveDateTime,
) -> Result<Category, Error> {
    if let Some(parent) = &input.parent_id {
        ensure_parent_exists(conn, parent)?;
    }
    let chosen = input.slug.is_some();
    let slug = slug::chosen_or_made(input.slug, &input.name, "category");
    let row = Category {
        id: CategoryId::generate(),
        slug,
        name: input.name,
        description: input.description,
        parent_id: input.parent_id,
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
    /// New parent; `Some(None)` makes it top-level.
    pub parent_id: Option<Option<CategoryId>>,
    /// A change to its names in other languages.
    pub names: Option<crate::locale::NamesChange>,
    /// A change to its descriptions in other languages.
    pub descriptions: Option<crate::locale::NamesChange>,
}

/// Applies a partial update. Nothing is written when nothing changes.
pub fn update(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    input: UpdateInput,
    now: NaiveDateTime,
) -> Result<Category, Error> {
    let current = slugged::get::<Category>(conn, key)?;
    let mut changes = CategoryChangeset {
        slug: slugged::new_slug(conn, &current, input.slug)?,
        ..CategoryChangeset::default()
    };
    if let Some(name) = input.name.filter(|n| *n != current.name) {
        changes.name = Some(name);
    }
    if let Some(description) = input.description.filter(|d| *d != current.description) {
        changes.description = Some(description);
    }
    if let Some(parent) = input.parent_id.filter(|p| *p != current.parent_id) {
        if let Some(parent_id) = &parent {
            ensure_parent_exists(conn, parent_id)?;
            ensure_no_cycle(conn, &current.id, parent_id)?;
        }
        changes.parent_id = Some(parent);
    }
    changes.names = input.names.and_then(|n| n.apply(&current.names));
    changes.descriptions = input
        .descriptions
        .and_then(|d| d.apply(&current.descriptions));
    let unchanged = changes.name.is_none()
        && changes.slug.is_none()
        && changes.description.is_none()
        && changes.parent_id.is_none()
        && changes.names.is_none()
        && changes.descriptions.is_none();
    if unchanged {
        return Ok(current);
    }
    changes.updated_at = Some(now);
    slugged::renamed(conn, &current, changes.slug.as_deref(), now)?;
    diesel::update(c::categories.filter(c::id.eq(&current.id)))
        .set(&changes)
        .execute(conn)
        .map_err(slugged::update_error(changes.slug.as_deref()))?;
    Ok(Category {
        name: changes.name.unwrap_or(current.name),
        slug: changes.slug.unwrap_or(current.slug),
        description: changes.description.unwrap_or(current.description),
        parent_id: changes.parent_id.unwrap_or(current.parent_id),
        names: changes.names.unwrap_or(current.names),
        descriptions: changes.descriptions.unwrap_or(current.descriptions),
        updated_at: now,
        ..current
    })
}

/// Deletes a category that nothing refers to: no child categories, no articles.
/// Deletes a category; its id and the slug it had.
pub fn delete(conn: &mut AnyConnection, key: &IdOrSlug) -> Result<(CategoryId, String), Error> {
    let current = slugged::get::<Category>(conn, key)?;
    let children: i64 = c::categories
        .filter(c::parent_id.eq(&current.id))
        .count()
        .get_result(conn)?;
    if children > 0 {
        return Err(Error::new(
            Code::CategoryHasChildren,
            format!(
                "category `{}` still has {}; move or delete them first",
                current.slug,
                crate::domain::counted(children, "child category", "child categories")
            ),
        ));
    }
    let articles: i64 = crate::db::schema::articles::table
        .filter(crate::db::schema::articles::category_id.eq(&current.id))
        .count()
        .get_result(conn)?;
    if articles > 0 {
        return Err(Error::new(
            Code::CategoryInUse,
            format!(
                "{} filed under `{}`; move them first",
                crate::domain::counted(articles, "article is", "articles are"),
                current.slug
            ),
        ));
    }
    diesel::delete(c::categories.filter(c::id.eq(&current.id))).execute(conn)?;
    slugged::forget::<Category>(conn, &current.id)?;
    Ok((current.id, current.slug))
}

fn ensure_parent_exists(conn: &mut AnyConnection, parent_id: &CategoryId) -> Result<(), Error> {
    let exists: i64 = c::categories
        .filter(c::id.eq(parent_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        return Err(Error::invalid_field(
            "parent_id",
            Code::NotFound,
            "parent_id names no existing category",
        ));
    }
    Ok(())
}

/// Refuses a parent that is the category itself or one of its descendants. Moves take
/// turns on one lock: two moves that are each fine alone (A under B, B under A) would
/// otherwise both pass, each reading the tree from before the other.
fn ensure_no_cycle(conn: &mut AnyConnection, id: &str, new_parent: &str) -> Result<(), Error> {
    crate::db::lock_name(conn, "categories.tree")?;
    let cycle = || {
        Error::invalid_field(
            "parent_id",
            Code::Cycle,
            "a category cannot be placed inside itself or one of its descendants",
        )
    };
    let mut current = Some(new_parent.to_owned());
    for _ in 0..MAX_DEPTH {
        let Some(ancestor) = current else {
            return Ok(());
        };
        if ancestor == id {
            return Err(cycle());
        }
        current = c::categories
            .filter(c::id.eq(&ancestor))
            .select(c::parent_id)
            .first::<Option<String>>(conn)
            .optional()?
            .flatten();
    }
    Err(cycle())
}
