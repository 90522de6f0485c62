//! The database layer: one connection type over PostgreSQL and SQLite, the pool, the embedded
//! migrations, and the few helpers where the two dialects differ.

mod error;
pub mod listen;
pub mod pages;
mod pool;
mod runner;
pub mod schema;
pub mod search;
pub mod types;
mod url;

/// What a store query returns; the layers above see it only through this name.
pub use diesel::QueryResult;
pub use pool::*;
pub use runner::{Database, QUERY_COUNT};
pub use url::DatabaseUrl;
pub mod slugs;

use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// How long opening a PostgreSQL connection may take, unless the URL says otherwise.
const PG_CONNECT_TIMEOUT_SECS: u32 = 5;

/// How long an SQLite connection waits for a lock held by another writer.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// The page cache of each SQLite connection, in KiB (SQLite's own default is about 2 MiB).
const SQLITE_CACHE_KIB: u32 = 1_024;

/// What SQLite's heap should stay under, for the whole process: past it, SQLite gives back
/// the pages its caches hold before it allocates more.
const SQLITE_SOFT_HEAP_BYTES: u64 = 16 << 20;

/// A connection to whichever database the settings name.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// PostgreSQL, for production.
    Pg(PgConnection),
    /// Embedded SQLite, the zero-setup default.
    Sqlite(SqliteConnection),
}

/// The connection pool shared by every worker.
pub type Pool = r2d2::Pool<Manager>;

/// A connection checked out of the pool.
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// A connection that returned to the pool this recently without an error is handed out again
/// without a round trip to check it.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// A pooled connection and when it last proved healthy.
pub struct Tracked {
    conn: AnyConnection,
    healthy_at: Instant,
}

impl Deref for Tracked {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for Tracked {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// The two database engines Byline runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
}

impl Backend {
    /// The name clients see in `/readyz`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// Applies every pending migration of the connection's backend, then gives the stories
/// that have no language yet (those there were when languages arrived) `default_locale`.
pub fn migrate(conn: &mut AnyConnection, default_locale: &str) -> Result<usize, SetupError> {
    let applied = match conn {
        AnyConnection::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    let applied = applied.map_err(|e| SetupError::Migrate(e.to_string()))?;
    use schema::articles::dsl as a;
    // Through the locale index: nothing to read once every story has one.
    diesel::update(a::articles.filter(a::locale.eq("")))
        .set(a::locale.eq(default_locale))
        .execute(conn)
        .map_err(|e| SetupError::Migrate(e.to_string()))?;
    // On SQLite, the stories queued for their Chinese and Japanese words (written by other
    // tools, or before the index knew such words).
    write_transaction(conn, search::write_cjk_words)
        .map_err(|e| SetupError::Migrate(e.to_string()))?;
    Ok(applied)
}

/// Checks that PostgreSQL knows the configured text-search configuration. SQLite always
/// stems English (FTS5's porter tokenizer), whatever the setting.
pub fn check_search_language(conn: &mut AnyConnection, language: &str) -> anyhow::Result<()> {
    if let AnyConnection::Pg(pg) = conn {
        pg.batch_execute(&format!("SELECT '{language}'::regconfig"))
            .map_err(|e| anyhow::anyhow!("BYLINE_SEARCH_LANGUAGE: {e}"))?;
    } else if language != "english" {
        tracing::warn!(
            language,
            "SQLite search always stems English; BYLINE_SEARCH_LANGUAGE applies to PostgreSQL"
        );
    }
    Ok(())
}

impl AnyConnection {
    /// Which engine this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            AnyConnection::Pg(_) => Backend::Postgres,
            AnyConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Runs `f` with each of its statements bounded to `ms` milliseconds on PostgreSQL, in a
/// transaction of its own so that the bound ends with it: a statement past it fails, and
/// its connection goes back to the pool at once. On SQLite, whose searches are planned from
/// counts taken first (see `db::search`), `f` runs as it is.
pub fn bounded<T, E: From<diesel::result::Error>>(
    conn: &mut AnyConnection,
    ms: u32,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E> {
    match conn.backend() {
        Backend::Sqlite => f(conn),
        Backend::Postgres => conn.transaction(|conn| {
            diesel::sql_query(format!("SET LOCAL statement_timeout = {ms}")).execute(conn)?;
            f(conn)
        }),
    }
}

/// Runs `pg` on PostgreSQL and `lite` on SQLite, for the few statements Diesel builds only
/// for a concrete backend (multi-row inserts).
pub fn per_backend<T>(
    conn: &mut AnyConnection,
    pg: impl FnOnce(&mut PgConnection) -> T,
    lite: impl FnOnce(&mut SqliteConnection) -> T,
) -> T {
    match conn {
        AnyConnection::Pg(c) => pg(c),
        AnyConnection::Sqlite(c) => lite(c),
    }
}

/// A `LIKE` pattern (with `escape('\\')`) that matches text containing `key`, its `%`, `_`
/// and `\` taken literally.
pub fn contains_pattern(key: &str) -> String {
    let escaped = key
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Inserts `rows` into `table`, `chunk` rows per statement, on either backend (Diesel builds
/// a multi-row insert only for a concrete one); the number of rows added, or the first error:
/// `insert_rows!(conn, events::table, &rows, 200)?`.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr, $chunk:expr) => {{
        let mut added = 0usize;
        let mut failed = None;
        for part in $rows.chunks($chunk) {
            let insert = || diesel::insert_into($table).values(part);
            match $crate::db::per_backend(
                $conn,
                |pg| insert().execute(pg),
                |lite| insert().execute(lite),
            ) {
                Ok(n) => added += n,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        match failed {
            Some(e) => diesel::QueryResult::<usize>::Err(e),
            None => Ok(added),
        }
    }};
}

pub(crate) use insert_rows;

/// Runs `f` on PostgreSQL only: row locks (`FOR UPDATE`) that SQLite, whose writers take
/// turns, does not need.
pub fn on_postgres(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut PgConnection) -> QueryResult<()>,
) -> QueryResult<()> {
    match conn {
        AnyConnection::Pg(c) => f(c),
        AnyConnection::Sqlite(_) => Ok(()),
    }
}

/// `pg` on PostgreSQL; `any` on the other backend, given the connection as it is.
pub fn postgres_or<T>(
    conn: &mut AnyConnection,
    pg: impl FnOnce(&mut PgConnection) -> T,
    any: impl FnOnce(&mut AnyConnection) -> T,
) -> T {
    match conn {
        AnyConnection::Pg(c) => pg(c),
        other => any(other),
    }
}

/// How many threads a bulk load writes from: SQLite takes one writer at a time; PostgreSQL
/// as many as there are cores, leaving one pooled connection free.
pub fn bulk_writers(backend: Backend, pool_size: u32) -> usize {
    match backend {
        Backend::Postgres => std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .min(usize::try_from(pool_size).unwrap_or(1).saturating_sub(1))
            .max(1),
        Backend::Sqlite => 1,
    }
}

/// Fresh statistics after a bulk load, or the planner judges the new rows by an empty
/// table's numbers. On PostgreSQL, VACUUM also merges the search index's list of pending
/// entries, which every search would otherwise scan until autovacuum came by, and marks the
/// pages all-visible.
pub fn refresh_statistics(conn: &mut AnyConnection) -> QueryResult<()> {
    let tidy = match conn.backend() {
        Backend::Postgres => "VACUUM (ANALYZE)",
        Backend::Sqlite => "ANALYZE",
    };
    diesel::sql_query(tidy).execute(conn)?;
    Ok(())
}

/// Whether the database answers (readiness).
pub fn ping(conn: &mut AnyConnection) -> QueryResult<()> {
    conn.ping()
}

/// Takes a lock named `name` until the current transaction ends, so that a check and the
/// write that depends on it (the last admin, a category tree without cycles, a free slug)
/// cannot interleave with another transaction doing the same. On PostgreSQL it is an
/// advisory lock on the name's hash; SQLite needs none, since its write transactions run
/// one at a time (see [`write_transaction`]).
pub fn lock_name(conn: &mut AnyConnection, name: &str) -> QueryResult<()> {
    if let AnyConnection::Pg(pg) = conn {
        // Built from functions rather than SQL text, so the statement is prepared once per
        // connection (every new story takes a lock of its slug).
        diesel::select(advisory::pg_advisory_xact_lock(advisory::hashtext(name))).execute(pg)?;
    }
    Ok(())
}

/// PostgreSQL's advisory locks, as query builder functions.
mod advisory {
    use diesel::sql_types::{Integer, Text};

    diesel::define_sql_function! {
        /// The hash PostgreSQL gives a text.
        fn hashtext(name: Text) -> Integer;
    }

    diesel::define_sql_function! {
        /// Waits for the lock of `key` and holds it until the transaction ends. It returns
        /// `void`: the statement is executed, never loaded, and the type here only lets it
        /// be built.
        fn pg_advisory_xact_lock(key: Integer) -> Text;
    }
}

/// SQLite writers of this process take turns here before `BEGIN IMMEDIATE`. Left to
/// SQLite, a writer that finds the lock taken sleeps in the busy handler, in steps of up to
/// 100 ms, however soon the lock is free: under concurrent writes the slowest answers took a
/// second (bench/RESULTS.md). Other processes still meet the busy timeout.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    /// Whether this thread holds [`SQLITE_WRITER`], so that a nested call does not wait on
    /// itself.
    static HOLDS_SQLITE_WRITER: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` in a write transaction. On SQLite it starts with `BEGIN IMMEDIATE`, so the write
/// lock is taken up front and two writers never deadlock upgrading from a read lock.
pub fn write_transaction<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if let AnyConnection::Sqlite(_) = conn {
        if HOLDS_SQLITE_WRITER.with(Cell::get) {
            return sqlite_write_transaction(conn, f);
        }
        // A writer that panicked left no transaction open (the connection is discarded), so
        // a poisoned lock is safe to take.
        let _turn = SQLITE_WRITER
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        HOLDS_SQLITE_WRITER.with(|h| h.set(true));
        let _holding = Holding;
        return sqlite_write_transaction(conn, f);
    }
    conn.transaction(f)
}

/// Runs `f` under a savepoint of the transaction `conn` is in (a transaction of its own
/// outside one): an error undoes what `f` wrote and leaves the rest of the transaction.
pub fn savepoint<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(f)
}

/// Clears [`HOLDS_SQLITE_WRITER`] when the turn ends, by return or by panic.
struct Holding;

impl Drop for Holding {
    fn drop(&mut self) {
        HOLDS_SQLITE_WRITER.with(|h| h.set(false));
    }
}

fn sqlite_write_transaction<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if let AnyConnection::Sqlite(inner) = conn {
        AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
        let result = f(conn);
        let AnyConnection::Sqlite(inner) = conn else {
            unreachable!("the variant of a connection does not change")
        };
        return match result {
            Ok(value) => {
                AnsiTransactionManager::commit_transaction(inner)?;
                Ok(value)
            }
            Err(e) => {
                // The original error matters more than a failed rollback; a connection left
                // in a broken transaction is discarded by the pool.
                let _ = AnsiTransactionManager::rollback_transaction(inner);
                Err(e)
            }
        };
    }
    conn.transaction(f)
}

/// A connection to each backend a unit test can reach: an in-memory SQLite database, and
/// PostgreSQL when `BYLINE_TEST_DATABASE_URL` names one.
#[cfg(test)]
pub(crate) fn test_connections() -> Vec<AnyConnection> {
    let mut all = vec![AnyConnection::Sqlite(
        SqliteConnection::establish(":memory:").expect("in-memory SQLite"),
    )];
    if let Ok(url) = std::env::var("BYLINE_TEST_DATABASE_URL") {
        all.push(AnyConnection::Pg(
            PgConnection::establish(&url).expect("the test database answers"),
        ));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_failed_savepoint_undoes_its_own_writes_and_the_transaction_goes_on() {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            n: i32,
        }
        for mut conn in test_connections() {
            conn.batch_execute("CREATE TEMPORARY TABLE savepoint_check (n INTEGER PRIMARY KEY)")
                .unwrap();
            let insert = |conn: &mut AnyConnection, n: i32| {
                diesel::sql_query(format!("INSERT INTO savepoint_check (n) VALUES ({n})"))
                    .execute(conn)
            };
            let outer: QueryResult<()> = write_transaction(&mut conn, |conn| {
                let failed: QueryResult<()> = savepoint(conn, |conn| {
                    insert(conn, 1)?;
                    insert(conn, 1)?;
                    Ok(())
                });
                assert!(failed.is_err(), "the second insert breaks the key");
                // On PostgreSQL the transaction would refuse every statement now, were the
                // failure not confined to its savepoint.
                savepoint(conn, |conn| insert(conn, 2).map(drop))?;
                insert(conn, 3).map(drop)
            });
            outer.unwrap();
            let rows: Vec<Row> = diesel::sql_query("SELECT n FROM savepoint_check ORDER BY n")
                .load(&mut conn)
                .unwrap();
            assert_eq!(rows.iter().map(|r| r.n).collect::<Vec<_>>(), [2, 3]);
        }
    }

    #[test]
    fn a_nested_sqlite_write_transaction_fails_instead_of_waiting_on_itself() {
        let dir = tempfile::tempdir().unwrap();
        let manager = Manager {
            url: DatabaseUrl::parse(&format!("sqlite://{}/t.db", dir.path().display())).unwrap(),
            search_language: "english".into(),
            default_locale: "en".into(),
        };
        let mut conn = manager.establish().unwrap();
        let outer: Result<(), diesel::result::Error> = write_transaction(&mut conn, |conn| {
            let inner: Result<(), diesel::result::Error> = write_transaction(conn, |_| Ok(()));
            assert!(inner.is_err(), "SQLite has no nested BEGIN");
            Ok(())
        });
        outer.unwrap();
        // The turn was given back: another writer gets it.
        let again: Result<(), diesel::result::Error> = write_transaction(&mut conn, |_| Ok(()));
        again.unwrap();
    }

    #[test]
    fn schemes_pick_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://h/db").unwrap().backend(),
            Backend::Postgres
        );
        let sqlite = DatabaseUrl::parse("sqlite://byline-data/byline.db").unwrap();
        assert_eq!(
            sqlite.sqlite_path(),
            Some(Path::new("byline-data/byline.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/byline.db")
                .unwrap()
                .sqlite_path(),
            Some(Path::new("/var/lib/byline.db"))
        );
        assert!(
            DatabaseUrl::parse("mysql://h/db")
                .unwrap_err()
                .contains("mysql")
        );
        assert!(DatabaseUrl::parse("byline.db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/byline").unwrap();
        assert_eq!(
            url.redacted(),
            "postgres://app:***@db:5432/byline?connect_timeout=5"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
        for raw in [
            "postgres://app@db/byline?password=s3cret",
            "postgresql://app@db?sslmode=disable&PASSWORD=s3cret&application_name=x",
            "postgres://app:s3cret@db?password=s3cret",
        ] {
            let url = DatabaseUrl::parse(raw).unwrap();
            assert!(!url.redacted().contains("s3cret"), "{}", url.redacted());
            assert!(!format!("{url:?}").contains("s3cret"), "{raw}");
            assert!(url.redacted().contains("***"), "{}", url.redacted());
        }
        assert_eq!(
            DatabaseUrl::parse("postgres://db/byline?sslmode=require")
                .unwrap()
                .redacted(),
            "postgres://db/byline?sslmode=require&connect_timeout=5"
        );
    }
}
