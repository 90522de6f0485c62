//! The store side of slugged resources: the queries each table answers ([`Slugged`]) and the
//! rules written once over them.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::AnyConnection;
use crate::db::slugs::{insert_with_slug, old as old_slugs};
use crate::domain::change::Subject;
use crate::domain::{Code, Error, IdOrSlug, Identifier, IfMatch};

/// A row with an id, a unique slug and an `updated_at`, in a table of its own.
pub trait Slugged: Sized + Clone + Send + 'static {
    /// The resource's name in one word (`author`, `category`, `tag`): the kind of its old
    /// slugs, and the noun in its messages.
    const KIND: &'static str;
    /// What its changes are recorded as.
    const SUBJECT: Subject;
    /// The type of its ids.
    type Id: Identifier;

    /// The row by id or by current slug.
    fn find(conn: &mut AnyConnection, key: &IdOrSlug) -> QueryResult<Option<Self>>;
    /// Locks the row for the rest of the transaction (PostgreSQL; SQLite writes take turns).
    fn lock_row(conn: &mut AnyConnection, key: &IdOrSlug) -> QueryResult<()>;
    /// The rows with these ids, in no particular order: one query for a page of embeds.
    fn by_ids(conn: &mut AnyConnection, ids: &[Self::Id]) -> QueryResult<Vec<Self>>;
    /// Current slugs that are `base` or start with `stem-`.
    fn slugs_like(conn: &mut AnyConnection, base: &str, stem: &str) -> QueryResult<Vec<String>>;
    /// How many rows other than `except` have this slug.
    fn slug_users(conn: &mut AnyConnection, slug: &str, except: Option<&str>) -> QueryResult<i64>;
    /// Inserts the row unless its slug (or id) is taken; the number of rows added.
    fn insert(&self, conn: &mut AnyConnection) -> QueryResult<usize>;

    /// The id.
    fn id(&self) -> &str;
    /// The current slug.
    fn slug(&self) -> &str;
    /// Gives the row another slug before it is inserted.
    fn set_slug(&mut self, slug: String);
    /// When it last changed.
    fn updated_at(&self) -> NaiveDateTime;
}

/// The row by id or slug, or a 404.
pub fn get<R: Slugged>(conn: &mut AnyConnection, key: &IdOrSlug) -> Result<R, Error> {
    R::find(conn, key)?.ok_or_else(|| not_found::<R>())
}

/// The 404 of a key that names nothing.
pub fn not_found<R: Slugged>() -> Error {
    Error::not_found(format!("no {} has that id or slug", R::KIND))
}

/// Locks the row (PostgreSQL), reads it and checks `If-Match` against its `updated_at`,
/// inside the write, so that no concurrent change slips between the check and the write.
pub fn lock<R: Slugged>(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    precondition: &IfMatch,
) -> Result<R, Error> {
    R::lock_row(conn, key)?;
    let current = get::<R>(conn, key)?;
    if !matches!(precondition, IfMatch::Absent) {
        precondition.check_stamp(current.id(), current.updated_at(), R::KIND)?;
    }
    Ok(current)
}

/// [`lock`] only when there is an `If-Match` to check; without one nothing is locked or read.
pub fn check_precondition<R: Slugged>(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    precondition: &IfMatch,
) -> Result<(), Error> {
    if matches!(precondition, IfMatch::Absent) {
        return Ok(());
    }
    lock::<R>(conn, key, precondition).map(drop)
}

/// Whose old slug this is.
pub fn owner_of_old_slug<R: Slugged>(
    conn: &mut AnyConnection,
    slug: &str,
) -> QueryResult<Option<String>> {
    old_slugs::owner(conn, R::KIND, slug)
}

/// Inserts a new row under its slug. A `chosen` slug that is taken (now or as an old slug of
/// any row) is a 409; a generated one gets the next free numeric suffix, retrying when a
/// concurrent insert took it first.
pub fn insert<R: Slugged>(conn: &mut AnyConnection, mut row: R, chosen: bool) -> Result<R, Error> {
    let base = row.slug().to_owned();
    let insert = |conn: &mut AnyConnection, slug: String| -> Result<R, Error> {
        row.set_slug(slug);
        if row.insert(conn)? == 0 {
            return Err(crate::db::slugs::taken());
        }
        Ok(row.clone())
    };
    insert_with_slug(conn, &base, chosen, taken_slugs::<R>, insert, || {
        slug_conflict(&base)
    })
}

/// Slugs in use that are `base` or start with `stem-`, old ones included: they keep
/// redirecting to their owner.
fn taken_slugs<R: Slugged>(
    conn: &mut AnyConnection,
    base: &str,
    stem: &str,
) -> QueryResult<Vec<String>> {
    let mut slugs = R::slugs_like(conn, base, stem)?;
    slugs.extend(old_slugs::like(conn, R::KIND, base, stem)?);
    Ok(slugs)
}

/// The slug an update asks for, if it differs from the current one; a slug another row has
/// or had is a 409.
pub fn new_slug<R: Slugged>(
    conn: &mut AnyConnection,
    current: &R,
    wanted: Option<String>,
) -> Result<Option<String>, Error> {
    let Some(slug) = wanted.filter(|s| s != current.slug()) else {
        return Ok(None);
    };
    let taken = R::slug_users(conn, &slug, Some(current.id()))? > 0
        || old_slugs::reserved(conn, R::KIND, &slug, Some(current.id()))?;
    if taken {
        return Err(slug_conflict(&slug));
    }
    Ok(Some(slug))
}

/// Keeps the slug a rename leaves, so that it redirects to the row.
pub fn renamed<R: Slugged>(
    conn: &mut AnyConnection,
    current: &R,
    new_slug: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    match new_slug {
        Some(new_slug) => {
            old_slugs::moved(conn, R::KIND, current.slug(), new_slug, current.id(), now)
        }
        None => Ok(()),
    }
}

/// What an update's write error means: a unique violation is the new slug taken meanwhile.
pub fn update_error(slug: Option<&str>) -> impl FnOnce(DieselError) -> Error + '_ {
    move |e| match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            slug_conflict(slug.unwrap_or_default())
        }
        other => other.into(),
    }
}

/// Forgets the old slugs of a deleted row.
pub fn forget<R: Slugged>(conn: &mut AnyConnection, id: &str) -> QueryResult<usize> {
    old_slugs::forget(conn, R::KIND, id)
}

/// The 409 of a taken slug.
pub fn slug_conflict(slug: &str) -> Error {
    Error::new(
        Code::SlugTaken,
        format!("the slug `{slug}` is taken; choose another"),
    )
}

/// Implements [`Slugged`] for a row type over its table, which has `id`, `slug` and
/// `updated_at` columns: `slugged_table!(Tag, TagId, tags, "tag", Tag)`.
macro_rules! slugged_table {
    ($row:ty, $id:ty, $table:ident, $kind:literal, $subject:ident) => {
        impl $crate::slugged::Slugged for $row {
            const KIND: &'static str = $kind;
            const SUBJECT: $crate::domain::change::Subject =
                $crate::domain::change::Subject::$subject;
            type Id = $id;

            fn find(
                conn: &mut $crate::db::AnyConnection,
                key: &$crate::domain::IdOrSlug,
            ) -> diesel::QueryResult<Option<Self>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                let query = t::$table.select(<$row>::as_select()).into_boxed();
                let query = match key {
                    $crate::domain::IdOrSlug::Id(id) => query.filter(t::id.eq(id.clone())),
                    $crate::domain::IdOrSlug::Slug(s) => query.filter(t::slug.eq(s.clone())),
                };
                query.first(conn).optional()
            }

            fn lock_row(
                conn: &mut $crate::db::AnyConnection,
                key: &$crate::domain::IdOrSlug,
            ) -> diesel::QueryResult<()> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                $crate::db::on_postgres(conn, |pg| {
                    let locked = t::$table.select(t::id).for_update();
                    match key {
                        $crate::domain::IdOrSlug::Id(id) => {
                            locked.filter(t::id.eq(id)).load::<String>(pg)?
                        }
                        $crate::domain::IdOrSlug::Slug(s) => {
                            locked.filter(t::slug.eq(s)).load::<String>(pg)?
                        }
                    };
                    Ok(())
                })
            }

            fn by_ids(
                conn: &mut $crate::db::AnyConnection,
                ids: &[$id],
            ) -> diesel::QueryResult<Vec<Self>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                t::$table
                    .filter(t::id.eq_any(ids))
                    .select(<$row>::as_select())
                    .load(conn)
            }

            fn slugs_like(
                conn: &mut $crate::db::AnyConnection,
                base: &str,
                stem: &str,
            ) -> diesel::QueryResult<Vec<String>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                let (low, high) = $crate::db::slugs::prefix_range(stem);
                t::$table
                    .filter(t::slug.eq(base).or(diesel::BoolExpressionMethods::and(
                        t::slug.ge(low),
                        t::slug.lt(high),
                    )))
                    .select(t::slug)
                    .load(conn)
            }

            fn slug_users(
                conn: &mut $crate::db::AnyConnection,
                slug: &str,
                except: Option<&str>,
            ) -> diesel::QueryResult<i64> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                let mut query = t::$table.filter(t::slug.eq(slug)).count().into_boxed();
                if let Some(id) = except {
                    query = query.filter(t::id.ne(id.to_owned()));
                }
                query.get_result(conn)
            }

            fn insert(&self, conn: &mut $crate::db::AnyConnection) -> diesel::QueryResult<usize> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                let insert = || diesel::insert_into(t::$table).values(self);
                $crate::db::per_backend(
                    conn,
                    |pg| insert().on_conflict_do_nothing().execute(pg),
                    |lite| insert().on_conflict_do_nothing().execute(lite),
                )
            }

            fn id(&self) -> &str {
                $crate::domain::Identifier::as_str(&self.id)
            }

            fn slug(&self) -> &str {
                &self.slug
            }

            fn set_slug(&mut self, slug: String) {
                self.slug = slug;
            }

            fn updated_at(&self) -> chrono::NaiveDateTime {
                self.updated_at
            }
        }
    };
}

pub(crate) use slugged_table;
