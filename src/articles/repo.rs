//! Queries on articles. Who may see what is decided here, in the SQL, so that drafts and
//! future scheduled stories never leave the database for the wrong caller.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::model::ArticleSort;
use super::model::{Article, ArticleChangeset, ArticleSummary};
use crate::db::schema::articles::dsl as a;
use crate::db::search::{Condition, SearchSql};
use crate::db::slugs::insert_with_slug;
use crate::db::slugs::old as old_slugs;
use crate::db::{AnyConnection, MultiBackend};
use crate::domain::IdOrSlug;
use crate::domain::{
    ArticleId, AuthorId, CategoryId, Code, Error, FieldError, Status, TagId, UserId,
};

/// What a caller may read.
#[derive(Debug, Clone)]
pub enum Access {
    /// Only what is public.
    Public,
    /// What is public, and the articles this user created.
    Own(UserId),
    /// Everything (editors, admins, API tokens).
    All,
}

/// Published, or scheduled for a moment that has come. Written as a status set plus a range
/// on `published_sort` (published articles always have a publication time in the past, and
/// unpublished ones sort in year 9999), so the newest-first index serves it.
/// An expiry (`unpublish_at`) that has come takes the article off again.
pub fn visible(now: NaiveDateTime) -> Condition {
    Box::new(
        a::status
            .eq_any([Status::Published, Status::Scheduled])
            .and(a::published_sort.le(now))
            .and(
                a::unpublish_at
                    .is_null()
                    .or(a::unpublish_at.assume_not_null().gt(now)),
            ),
    )
}

pub(super) fn access_condition(access: &Access, now: NaiveDateTime) -> Option<Condition> {
    match access {
        Access::Public => Some(visible(now)),
        Access::Own(user) => Some(Box::new(
            a::status
                .eq_any([Status::Published, Status::Scheduled])
                .and(a::published_sort.le(now))
                .and(
                    a::unpublish_at
                        .is_null()
                        .or(a::unpublish_at.assume_not_null().gt(now)),
                )
                .or(a::created_by.assume_not_null().eq(user.clone())),
        )),
        Access::All => None,
    }
}

pub use crate::domain::kinds::is_live;

/// Whether an article is visible to the public at `now`.
pub fn is_visible(article: &Article, now: NaiveDateTime) -> bool {
    is_live(
        article.status,
        article.published_sort,
        article.unpublish_at,
        now,
    )
}

/// Finds an article the caller may read, by id or slug.
pub fn find(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    access: &Access,
    now: NaiveDateTime,
) -> QueryResult<Option<Article>> {
    let mut query = a::articles
        .select(Article::as_select())
        .filter(a::trashed_at.is_null())
        .into_boxed();
    query = match key {
        IdOrSlug::Id(id) => query.filter(a::id.eq(id.clone())),
        IdOrSlug::Slug(s) => query.filter(a::slug.eq(s.clone())),
    };
    if let Some(condition) = access_condition(access, now) {
        query = query.filter(condition);
    }
    query.first(conn).optional()
}

/// Filters of the article list, already resolved to ids.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    /// `None`: what the public sees. Otherwise these statuses, within the caller's access.
    pub statuses: Option<Vec<Status>>,
    /// Only this author.
    pub author_id: Option<AuthorId>,
    /// Only these categories.
    pub category_ids: Option<Vec<CategoryId>>,
    /// Only articles carrying any of these tags.
    pub tag_ids: Option<Vec<TagId>>,
    /// `published_at >=`.
    pub published_after: Option<NaiveDateTime>,
    /// `published_at <`.
    pub published_before: Option<NaiveDateTime>,
    /// `updated_at >=`.
    pub updated_after: Option<NaiveDateTime>,
    /// Only articles matching this search.
    pub search: Option<SearchSql>,
    /// Only articles assigned to this user (`Some(None)`: to nobody).
    pub assignee: Option<Option<UserId>>,
    /// Only articles in these languages.
    pub locales: Option<Vec<String>>,
}

fn filtered<'a>(
    filter: &ListFilter,
    access: &Access,
    now: NaiveDateTime,
) -> crate::db::schema::articles::BoxedQuery<'a, MultiBackend> {
    let mut query = a::articles.filter(a::trashed_at.is_null()).into_boxed();
    match &filter.statuses {
        None => query = query.filter(visible(now)),
        Some(statuses) => {
            query = query.filter(a::status.eq_any(statuses.clone()));
            if let Some(condition) = access_condition(access, now) {
                query = query.filter(condition);
            }
        }
    }
    if let Some(author) = &filter.author_id {
        query = query.filter(a::author_id.eq(author.clone()));
    }
    if let Some(categories) = &filter.category_ids {
        query = query.filter(a::category_id.eq_any(categories.clone()));
    }
    if let Some(tags) = &filter.tag_ids {
        use crate::db::schema::article_tags::dsl as at;
        query = query.filter(
            a::id.eq_any(
                at::article_tags
                    .filter(at::tag_id.eq_any(tags.clone()))
                    .select(at::article_id),
            ),
        );
    }
    if let Some(after) = filter.published_after {
        query = query.filter(a::published_at.assume_not_null().ge(after));
    }
    if let Some(before) = filter.published_before {
        query = query.filter(a::published_at.assume_not_null().lt(before));
    }
    if let Some(after) = filter.updated_after {
        query = query.filter(a::updated_at.ge(after));
    }
    if let Some(search) = &filter.search {
        query = query.filter(search.matches());
    }
    // One language is an equality, which the planner can walk `articles_locale_idx` in date
    // order for; a list is not.
    match filter.locales.as_deref() {
        Some([one]) => query = query.filter(a::locale.eq(one.clone())),
        Some(locales) => query = query.filter(a::locale.eq_any(locales.to_vec())),
        None => {}
    }
    match &filter.assignee {
        Some(Some(user)) => query = query.filter(a::assignee_id.eq(user.clone())),
        Some(None) => query = query.filter(a::assignee_id.is_null()),
        None => {}
    }
    query
}

/// The position a page continues after: the sort key as text, and the id.
#[derive(Debug, Clone)]
pub struct After {
    /// Timestamp (`%Y-%m-%dT%H:%M:%S%.6f`) or title key, by sort order.
    pub key: String,
    /// The last id of the previous page.
    pub id: String,
}

/// The timestamp format inside cursors.
pub const CURSOR_TIME: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// The cursor key of an article under a sort order.
pub fn cursor_key(a: &ArticleSummary, sort: ArticleSort) -> String {
    match sort {
        // Relevance pages are keyed by rank in `search`; here they fall back to date order.
        ArticleSort::NewestFirst | ArticleSort::OldestFirst | ArticleSort::Relevance => {
            a.published_sort.format(CURSOR_TIME).to_string()
        }
        ArticleSort::RecentlyUpdated => a.updated_at.format(CURSOR_TIME).to_string(),
        ArticleSort::Title => a.title_key.clone(),
    }
}

/// One page of articles without bodies, one more than `limit`.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ListFilter,
    access: &Access,
    sort: ArticleSort,
    after: Option<After>,
    limit: u32,
    now: NaiveDateTime,
) -> Result<Vec<ArticleSummary>, Error> {
    let mut query = filtered(filter, access, now).select(ArticleSummary::as_select());
    let time = crate::domain::cursor::cursor_time;
    // Each keyset condition leads with a plain range on the sort column, so the index can
    // seek straight to the cursor instead of filtering from the first row.
    // The rows past a cursor: a later key, or the same key and a later id, in the order's
    // direction.
    macro_rules! past {
        ($col:expr, $key:expr, $id:expr, desc) => {{
            let key = $key;
            $col.le(key.clone()).and($col.lt(key).or(a::id.lt($id)))
        }};
        ($col:expr, $key:expr, $id:expr, asc) => {{
            let key = $key;
            $col.ge(key.clone()).and($col.gt(key).or(a::id.gt($id)))
        }};
    }
    if let Some(After { key, id }) = after {
        query = match sort {
            ArticleSort::NewestFirst | ArticleSort::Relevance => {
                query.filter(past!(a::published_sort, time(&key)?, id, desc))
            }
            ArticleSort::OldestFirst => {
                query.filter(past!(a::published_sort, time(&key)?, id, asc))
            }
            ArticleSort::RecentlyUpdated => {
                query.filter(past!(a::updated_at, time(&key)?, id, desc))
            }
            ArticleSort::Title => query.filter(past!(a::title_key, key, id, asc)),
        };
    }
    query = match sort {
        ArticleSort::NewestFirst | ArticleSort::Relevance => {
            query.order((a::published_sort.desc(), a::id.desc()))
        }
        ArticleSort::OldestFirst => query.order((a::published_sort.asc(), a::id.asc())),
        ArticleSort::RecentlyUpdated => query.order((a::updated_at.desc(), a::id.desc())),
        ArticleSort::Title => query.order((a::title_key.asc(), a::id.asc())),
    };
    Ok(query.limit(i64::from(limit) + 1).load(conn)?)
}

/// The matches a relevance search ranks: the newest `n` of them (every one when fewer
/// match), then those whose title is one of `title_keys` (an exact title match ranks first
/// however old it is). Newest first lets the planner walk the date index for a word most
/// stories hold and the full-text index for a rare one, so the work is bounded either way.
pub fn candidates(
    conn: &mut AnyConnection,
    filter: &ListFilter,
    access: &Access,
    now: NaiveDateTime,
    n: u32,
    title_keys: &[String],
) -> QueryResult<Vec<ArticleId>> {
    let mut ids: Vec<ArticleId> = filtered(filter, access, now)
        .select(a::id)
        .order((a::published_sort.desc(), a::id.desc()))
        .limit(i64::from(n))
        .load(conn)?;
    // The few stories with the title, each tested against the search.
    let by_title = ListFilter {
        search: filter.search.as_ref().map(SearchSql::row_by_row),
        ..filter.clone()
    };
    let exact: Vec<ArticleId> = filtered(&by_title, access, now)
        .filter(a::title_key.eq_any(title_keys))
        .select(a::id)
        .limit(20)
        .load(conn)?;
    for id in exact {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// What ranks a search hit: its text score (0 to 1), its dates and its title key.
#[derive(Debug, Queryable)]
pub struct Scored {
    /// The article.
    pub id: ArticleId,
    /// The engine's text score, mapped to 0..1.
    pub rank: f64,
    /// When it was published, if it was.
    pub published_at: Option<NaiveDateTime>,
    /// Its last change.
    pub updated_at: NaiveDateTime,
    /// Its title, lower-cased.
    pub title_key: String,
}

/// The text scores of some articles under a search.
pub fn scores(
    conn: &mut AnyConnection,
    search: &SearchSql,
    ids: &[ArticleId],
) -> QueryResult<Vec<Scored>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1_000) {
        let rows: Vec<Scored> = a::articles
            .filter(a::id.eq_any(chunk))
            .select((
                a::id,
                search.rank(chunk),
                a::published_at,
                a::updated_at,
                a::title_key,
            ))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Some articles without bodies, in no particular order.
pub fn summaries(conn: &mut AnyConnection, ids: &[ArticleId]) -> QueryResult<Vec<ArticleSummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    a::articles
        .filter(a::id.eq_any(ids))
        .select(ArticleSummary::as_select())
        .load(conn)
}

/// How many articles match, counted up to `bound` + 1: past the bound, counting every match
/// of a common word would cost what ranking them all did.
pub fn count_up_to(
    conn: &mut AnyConnection,
    filter: &ListFilter,
    access: &Access,
    now: NaiveDateTime,
    bound: u32,
) -> QueryResult<i64> {
    let ones: Vec<i32> = filtered(filter, access, now)
        .select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
        .limit(i64::from(bound) + 1)
        .load(conn)?;
    Ok(i64::try_from(ones.len()).unwrap_or(i64::MAX))
}

/// The newest public articles (`id`, `slug`, `title`) whose title has a word starting with
/// each of `words`, for typeahead.
pub fn titles_starting(
    conn: &mut AnyConnection,
    words: &[String],
    now: NaiveDateTime,
    n: u32,
) -> QueryResult<Vec<(ArticleId, String, String)>> {
    let condition = crate::db::search::title_prefix(conn, words)?;
    filtered(&ListFilter::default(), &Access::Public, now)
        .filter(condition)
        .order((a::published_sort.desc(), a::id.desc()))
        .select((a::id, a::slug, a::title))
        .limit(i64::from(n))
        .load(conn)
}

/// The highlights of some search hits (raw, with marks), computed only for the page shown:
/// building one re-reads the body, which is the costly part of a search.
pub fn highlights(
    conn: &mut AnyConnection,
    search: &SearchSql,
    ids: &[ArticleId],
) -> QueryResult<Vec<(ArticleId, Option<String>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    a::articles
        .filter(a::id.eq_any(ids))
        .select((a::id, search.highlight()))
        .load(conn)
}

/// How many articles match, across pages.
pub fn count(
    conn: &mut AnyConnection,
    filter: &ListFilter,
    access: &Access,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    filtered(filter, access, now)
        .select(count_star())
        .first(conn)
}

/// The bodies of a page of articles, in one query.
pub fn bodies(
    conn: &mut AnyConnection,
    ids: &[ArticleId],
) -> QueryResult<Vec<(ArticleId, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    a::articles
        .filter(a::id.eq_any(ids))
        .select((a::id, a::body, a::body_html))
        .load(conn)
}

/// Whether a user with this id exists.
pub fn user_exists(conn: &mut AnyConnection, id: &UserId) -> QueryResult<bool> {
    use crate::db::schema::users;
    diesel::select(diesel::dsl::exists(users::table.filter(users::id.eq(id)))).get_result(conn)
}

/// Checks that the author and category an article names exist: a 422 naming each that
/// does not.
pub fn ensure_references(
    conn: &mut AnyConnection,
    author_id: Option<&str>,
    category_id: Option<&str>,
    cover_media_id: Option<&str>,
) -> Result<(), Error> {
    let mut errors = Vec::new();
    // Held (PostgreSQL) until the write ends, so a concurrent delete of the image waits and
    // then sees this article.
    if let Some(id) = cover_media_id
        && !crate::media::repo::hold(conn, id)?
    {
        errors.push(FieldError::new(
            "cover_media_id",
            Code::NotFound,
            "cover_media_id names no image in the media library",
        ));
    }
    // Both in one round trip.
    let (author, category) = match (author_id, category_id) {
        (None, None) => (true, true),
        (a, c) => {
            use crate::db::schema::{authors, categories};
            use diesel::dsl::exists;
            diesel::select((
                exists(authors::table.filter(authors::id.eq(a.unwrap_or_default()))),
                exists(categories::table.filter(categories::id.eq(c.unwrap_or_default()))),
            ))
            .get_result::<(bool, bool)>(conn)?
        }
    };
    if author_id.is_some() && !author {
        errors.push(FieldError::new(
            "author_id",
            Code::NotFound,
            "author_id names no existing author",
        ));
    }
    if category_id.is_some() && !category {
        errors.push(FieldError::new(
            "category_id",
            Code::NotFound,
            "category_id names no existing category",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::validation(errors))
    }
}

/// Inserts a draft. A chosen slug that is taken is a 409; a generated one gets a suffix.
pub fn create(
    conn: &mut AnyConnection,
    mut row: Article,
    chosen_slug: bool,
) -> Result<Article, Error> {
    let base = row.slug.clone();
    let tag_ids = crate::domain::split_ids(&row.tag_ids);
    let insert = |conn: &mut AnyConnection, slug: String| -> Result<Article, Error> {
        ensure_references(
            conn,
            row.author_id.as_deref(),
            row.category_id.as_deref(),
            row.cover_media_id.as_deref(),
        )?;
        let tags = crate::tags::repo::for_article(conn, &tag_ids)?;
        row.tag_names = crate::tags::repo::search_text(&tags);
        row.slug = slug;
        let insert = || diesel::insert_into(a::articles).values(&row);
        let added = crate::db::per_backend(
            conn,
            |pg| insert().on_conflict_do_nothing().execute(pg),
            |lite| insert().on_conflict_do_nothing().execute(lite),
        )?;
        if added == 0 {
            return Err(crate::db::slugs::taken());
        }
        crate::tags::repo::add_for_article(conn, &row.id, &tag_ids)?;
        Ok(row.clone())
    };
    insert_with_slug(conn, &base, chosen_slug, taken_slugs, insert, || {
        slug_conflict(&base)
    })
}

/// Inserts many rows, a few hundred per statement. They carry no tags.
pub fn insert_many(conn: &mut AnyConnection, rows: &[Article]) -> QueryResult<()> {
    crate::db::insert_rows!(conn, a::articles, rows, 250).map(drop)
}

/// Slugs in use that are `base` or start with `stem-`.
/// Old slugs count as taken: they keep redirecting to their article.
fn taken_slugs(conn: &mut AnyConnection, base: &str, stem: &str) -> QueryResult<Vec<String>> {
    use crate::db::schema::old_slugs::dsl as o;
    let (low, high) = crate::db::slugs::prefix_range(stem);
    // One round trip for both tables: the caller holds the stem's lock meanwhile.
    let query = || {
        let prefixed = a::slug.ge(low.clone()).and(a::slug.lt(high.clone()));
        let old_prefixed = o::slug.ge(low.clone()).and(o::slug.lt(high.clone()));
        a::articles
            .filter(a::slug.eq(base).or(prefixed))
            .select(a::slug)
            .union_all(
                o::old_slugs
                    .filter(o::kind.eq(KIND))
                    .filter(o::slug.eq(base).or(old_prefixed))
                    .select(o::slug),
            )
    };
    crate::db::per_backend(conn, |pg| query().load(pg), |lite| query().load(lite))
}

/// The kind of this table's old slugs.
pub const KIND: &str = "article";

/// The article an old slug points at.
pub fn owner_of_old_slug(conn: &mut AnyConnection, slug: &str) -> QueryResult<Option<String>> {
    old_slugs::owner(conn, KIND, slug)
}

/// Keeps `old` pointing at the article after a rename to `new`.
pub fn remember_slug(
    conn: &mut AnyConnection,
    old: &str,
    new: &str,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    old_slugs::moved(conn, KIND, old, new, id, now)
}

/// A trashed article, by id or slug.
pub fn find_trashed(conn: &mut AnyConnection, key: &IdOrSlug) -> QueryResult<Option<Article>> {
    let query = a::articles
        .select(Article::as_select())
        .filter(a::trashed_at.is_not_null())
        .into_boxed();
    let query = match key {
        IdOrSlug::Id(id) => query.filter(a::id.eq(id.clone())),
        IdOrSlug::Slug(s) => query.filter(a::slug.eq(s.clone())),
    };
    query.first(conn).optional()
}

/// A trashed article without its body, with when and by whom it was trashed.
pub type TrashedRow = (ArticleSummary, Option<NaiveDateTime>, Option<String>);

/// A page of the trash, most recently trashed first, after a `(trashed_at, id)` key; only
/// articles `created_by` made, when given. One more than `limit`.
pub fn trash(
    conn: &mut AnyConnection,
    created_by: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: u32,
) -> QueryResult<Vec<TrashedRow>> {
    let mut query = a::articles
        .select((ArticleSummary::as_select(), a::trashed_at, a::trashed_by))
        .filter(a::trashed_at.is_not_null())
        .into_boxed();
    if let Some(user) = created_by {
        query = query.filter(a::created_by.eq(user.to_owned()));
    }
    if let Some((at, id)) = after {
        let t = a::trashed_at.assume_not_null();
        query = query.filter(t.le(at).and(t.lt(at).or(a::id.lt(id))));
    }
    query
        .order((a::trashed_at.desc(), a::id.desc()))
        .limit(i64::from(limit) + 1)
        .load(conn)
}

/// How many articles are in the trash (only `created_by`'s, when given).
pub fn count_trash(conn: &mut AnyConnection, created_by: Option<&str>) -> QueryResult<i64> {
    let mut query = a::articles
        .filter(a::trashed_at.is_not_null())
        .count()
        .into_boxed();
    if let Some(user) = created_by {
        query = query.filter(a::created_by.eq(user.to_owned()));
    }
    query.get_result(conn)
}

/// Ids of articles in the trash since before `cutoff`, a batch at a time.
pub fn trashed_before(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(String, String)>> {
    a::articles
        .filter(a::trashed_at.lt(cutoff))
        .select((a::id, a::slug))
        .order(a::trashed_at.asc())
        .limit(limit)
        .load(conn)
}

/// Deletes an article for good, with its revisions and old slugs.
pub fn purge(conn: &mut AnyConnection, id: &str) -> QueryResult<usize> {
    crate::history::repo::forget_revisions(conn, id)?;
    old_slugs::forget(conn, KIND, id)?;
    diesel::delete(a::articles.filter(a::id.eq(id))).execute(conn)
}

/// Makes concurrent changes to one article take turns, so that each one reads the version
/// the one before it wrote. SQLite write transactions already run one at a time (`BEGIN
/// IMMEDIATE`); PostgreSQL's default isolation would let two of them read the same version,
/// both pass `If-Match`, and the second overwrite the first unseen.
pub fn lock_row(conn: &mut AnyConnection, key: &IdOrSlug) -> QueryResult<()> {
    crate::db::on_postgres(conn, |pg| {
        let locked = a::articles.select(a::id).for_update();
        match key {
            IdOrSlug::Id(id) => locked.filter(a::id.eq(id)).load::<String>(pg)?,
            IdOrSlug::Slug(s) => locked.filter(a::slug.eq(s)).load::<String>(pg)?,
        };
        Ok(())
    })
}

/// The 404 for an article the caller may not see.
pub fn not_found() -> Error {
    Error::not_found("no article has that id or slug")
}

/// Writes changed columns of an article and reads it back.
pub fn apply(
    conn: &mut AnyConnection,
    id: &str,
    changes: &ArticleChangeset,
) -> Result<Article, Error> {
    let update = || diesel::update(a::articles.filter(a::id.eq(id))).set(changes);
    // PostgreSQL answers with the row in the same round trip; SQLite, in process, reads it.
    crate::db::per_backend(
        conn,
        |pg| Ok(update().returning(Article::as_returning()).get_result(pg)?),
        |lite| {
            update().execute(lite)?;
            Ok(a::articles
                .filter(a::id.eq(id))
                .select(Article::as_select())
                .first(lite)?)
        },
    )
}

/// Sets the tags an article carries, inside the write that changes it: checks they exist
/// (holding them against a concurrent delete), writes the join rows and answers the
/// `tag_names` the row gets.
pub fn set_tags(conn: &mut AnyConnection, id: &ArticleId, joined: &str) -> Result<String, Error> {
    let ids = crate::domain::split_ids(joined);
    let tags = crate::tags::repo::for_article(conn, &ids)?;
    crate::tags::repo::replace_for_article(conn, id, &ids)?;
    Ok(crate::tags::repo::search_text(&tags))
}

/// Whether another article than `except` has the slug, now or as an old slug.
pub fn slug_taken(conn: &mut AnyConnection, slug: &str, except: Option<&str>) -> QueryResult<bool> {
    let mut query = a::articles.filter(a::slug.eq(slug)).count().into_boxed();
    if let Some(id) = except {
        query = query.filter(a::id.ne(id.to_owned()));
    }
    Ok(query.get_result::<i64>(conn)? > 0 || old_slugs::reserved(conn, KIND, slug, except)?)
}

/// The 409 for a taken slug.
pub fn slug_conflict(slug: &str) -> Error {
    Error::new(
        Code::SlugTaken,
        format!("the slug `{slug}` is taken; choose another"),
    )
}
