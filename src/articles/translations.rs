//! Translation groups as stored: `articles.translation_group` names the group (the id of
//! the story it began with), and a unique index on `(translation_group, locale)` keeps one
//! story per language in each. Who may link what is the service's; writes that change a
//! group run under the row locks of the stories they touch.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::repo::{Access, access_condition};
use crate::db::AnyConnection;
use crate::db::schema::articles::dsl as a;
use crate::domain::{ArticleId, Code, Error};

/// One story of a group, as `include=translations` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::articles)]
pub struct Member {
    /// The story.
    pub id: ArticleId,
    /// Its URL name.
    pub slug: String,
    /// Its headline.
    pub title: String,
    /// Its language.
    pub locale: String,
    /// Its group.
    #[diesel(column_name = translation_group)]
    pub group: Option<String>,
}

/// The stories of `groups` the caller may read (trash left out), by language.
pub fn members(
    conn: &mut AnyConnection,
    groups: &[String],
    access: &Access,
    now: NaiveDateTime,
) -> QueryResult<Vec<Member>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = a::articles
        .select(Member::as_select())
        .filter(a::translation_group.eq_any(groups.to_vec()))
        .filter(a::trashed_at.is_null())
        .order((a::locale.asc(), a::id.asc()))
        .into_boxed();
    if let Some(condition) = access_condition(access, now) {
        query = query.filter(condition);
    }
    query.load(conn)
}

/// The story of `group` in `locale` other than `except`, trashed ones included (a
/// trashed story keeps its place in the group, as it keeps its slug).
pub fn in_locale(
    conn: &mut AnyConnection,
    group: &str,
    locale: &str,
    except: &str,
) -> QueryResult<Option<ArticleId>> {
    a::articles
        .select(a::id)
        .filter(a::translation_group.eq(group))
        .filter(a::locale.eq(locale))
        .filter(a::id.ne(except))
        .first(conn)
        .optional()
}

/// The ids of every story of `group`, trashed ones included.
pub fn group_ids(conn: &mut AnyConnection, group: &str) -> QueryResult<Vec<ArticleId>> {
    a::articles
        .select(a::id)
        .filter(a::translation_group.eq(group))
        .order(a::id.asc())
        .load(conn)
}

/// Locks the rows of `ids` on PostgreSQL, in id order, so that two writes locking
/// overlapping sets take turns instead of deadlocking. SQLite's writers take turns anyway.
pub fn lock_ids(conn: &mut AnyConnection, ids: &[ArticleId]) -> QueryResult<()> {
    crate::db::on_postgres(conn, |pg| {
        a::articles
            .select(a::id)
            .filter(a::id.eq_any(ids.to_vec()))
            .order(a::id.asc())
            .for_update()
            .load::<ArticleId>(pg)
            .map(drop)
    })
}

/// The 409 for a language a group already has.
pub fn exists(locale: &str, holder: &str) -> Error {
    Error::new(
        Code::TranslationExists,
        format!(
            "the translation group already has a story in `{locale}` ({holder}); change that \
             story's locale or unlink it first"
        ),
    )
}
