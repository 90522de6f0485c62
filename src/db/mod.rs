//! The database layer: one connection type over PostgreSQL and SQLite, the pool, the embedded
//! migrations, and the few helpers where the two dialects differ.

mod error;
pub mod listen;
pub mod pages;
mod runner;
pub mod schema;
pub mod search;
pub mod types;

/// What a store query returns; the layers above see it only through this name.
pub use diesel::QueryResult;
pub use runner::{Database, QUERY_COUNT};
pub mod slugs;

use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
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

/// A parsed `DATABASE_URL`: the backend is taken from the scheme, never guessed by trying.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    /// For PostgreSQL the URL as given; for SQLite the file path.
    target: String,
}

impl std::fmt::Debug for DatabaseUrl {
    // The URL may hold a password; it never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl DatabaseUrl {
    /// Parses `postgres://…`, `postgresql://…` or `sqlite://path`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Without a connect timeout libpq waits forever on an unreachable host.
            let target = if url.contains("connect_timeout=") {
                url.to_owned()
            } else {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}connect_timeout={PG_CONNECT_TIMEOUT_SECS}")
            };
            return Ok(Self {
                backend: Backend::Postgres,
                target,
            });
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(
                    "sqlite:// needs a file path, such as sqlite://byline-data/byline.db".into(),
                );
            }
            if path.contains(":memory:") {
                return Err(
                    "an in-memory SQLite database would not be shared by the pool; name a file"
                        .into(),
                );
            }
            return Ok(Self {
                backend: Backend::Sqlite,
                target: path.to_owned(),
            });
        }
        let scheme = url
            .split("://")
            .next()
            .filter(|_| url.contains("://"))
            .unwrap_or(url);
        Err(format!(
            "unknown database scheme `{scheme}`; use postgres://, postgresql:// or sqlite://"
        ))
    }

    /// Which engine this URL points at.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// What to connect to: the PostgreSQL URL, or the SQLite file path.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The SQLite database file, when the backend is SQLite.
    pub fn sqlite_path(&self) -> Option<&Path> {
        (self.backend == Backend::Sqlite).then(|| Path::new(&self.target))
    }

    /// The URL with any password replaced, safe to log.
    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.target),
            Backend::Postgres => redact_password(&self.target),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    // libpq also takes the password as a parameter: `?password=…`.
    let query = query.map(|q| {
        q.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    match query {
        Some(q) => format!("{scheme}://{authority}{path}?{q}"),
        None => format!("{scheme}://{authority}{path}"),
    }
}

/// Opens connections for the pool and prepares each one for use.
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
    search_language: String,
}

thread_local! {
    /// Statements run on this thread's connections so far; read around a unit of work to
    /// count what it cost.
    static QUERIES: Cell<u64> = const { Cell::new(0) };
    /// Whether a statement failed since this thread last checked a connection out or in.
    static QUERY_FAILED: Cell<bool> = const { Cell::new(false) };
}

/// Statements run on this thread so far (see [`QUERIES`]).
pub fn queries_on_this_thread() -> u64 {
    QUERIES.with(Cell::get)
}

fn count_queries(event: diesel::connection::InstrumentationEvent<'_>) {
    use diesel::connection::InstrumentationEvent as Event;
    match event {
        Event::StartQuery { .. } => QUERIES.with(|q| q.set(q.get() + 1)),
        Event::FinishQuery { error: Some(_), .. } => QUERY_FAILED.with(|f| f.set(true)),
        _ => {}
    }
}

impl Manager {
    fn establish(&self) -> ConnectionResult<AnyConnection> {
        let mut conn = self.establish_uninstrumented()?;
        conn.set_instrumentation(count_queries);
        Ok(conn)
    }

    fn establish_uninstrumented(&self) -> ConnectionResult<AnyConnection> {
        match self.url.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url.target)?;
                // Read by the search trigger and queries; checked to be [a-z_]+ by the settings.
                conn.batch_execute(&format!(
                    "SET byline.search_language TO '{}'",
                    self.search_language
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url.target)?;
                // The busy timeout goes first so that switching to WAL waits for other
                // connections instead of failing while they hold the file.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; \
                     PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON;"
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

// A connection that died with the server must not reach a request, yet a round trip to check
// every checkout would double the cost of a one-query request. So a connection is checked on
// checkout only when it has been idle for a while, and on return only when a statement failed
// on it (the failure may have been the connection itself).
impl r2d2::ManageConnection for Manager {
    type Connection = Tracked;
    type Error = ConnectionError;

    fn connect(&self) -> Result<Tracked, ConnectionError> {
        Ok(Tracked {
            conn: self.establish()?,
            healthy_at: Instant::now(),
        })
    }

    fn is_valid(&self, conn: &mut Tracked) -> Result<(), ConnectionError> {
        QUERY_FAILED.with(|f| f.set(false));
        if conn.healthy_at.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        conn.conn
            .ping()
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut Tracked) -> bool {
        if conn.conn.is_broken() {
            return true;
        }
        if QUERY_FAILED.with(|f| f.replace(false)) && conn.conn.ping().is_err() {
            return true;
        }
        conn.healthy_at = Instant::now();
        false
    }
}

/// Why the database could not be prepared at start-up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The folder for the SQLite file could not be made.
    #[error("cannot create the folder {0} for the SQLite database: {1}")]
    Folder(PathBuf, std::io::Error),
    /// The SQLite file could not be created or made private.
    #[error("cannot prepare the SQLite database file {0}: {1}")]
    File(PathBuf, std::io::Error),
    /// No connection could be opened.
    #[error("cannot connect to the database {0}: {1}")]
    Connect(String, String),
    /// A migration failed.
    #[error("cannot apply the database migrations: {0}")]
    Migrate(String),
}

/// Pool options chosen from the settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Connections kept at most; `None` fits the backend.
    pub max_size: Option<u32>,
    /// How long a checkout waits before the request answers 503.
    pub timeout: Duration,
    /// PostgreSQL text-search configuration.
    pub search_language: String,
}

/// Opens the pool, creating the SQLite folder when needed, and checks one connection works.
pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> Result<Pool, SetupError> {
    if let Some(path) = url.sqlite_path() {
        prepare_sqlite_file(path)?;
    }
    let max_size = options.max_size.unwrap_or(match url.backend {
        // PostgreSQL works on a few queries per core at once; more connections only queue
        // inside it and lengthen the slowest answers (measured in bench/RESULTS.md).
        Backend::Postgres => std::thread::available_parallelism()
            .map_or(8, |n| n.get() as u32 * 4)
            .clamp(8, 32),
        // SQLite has one writer at a time; readers run beside it under WAL.
        Backend::Sqlite => 8,
    });
    let manager = Manager {
        url: url.clone(),
        search_language: options.search_language.clone(),
    };
    // Connect once by hand first: r2d2 would only report a timeout, not why.
    let mut first = manager
        .establish()
        .map_err(|e| SetupError::Connect(url.redacted(), e.to_string()))?;
    first
        .ping()
        .map_err(|e| SetupError::Connect(url.redacted(), e.to_string()))?;
    drop(first);
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(options.timeout)
        // See the `ManageConnection` implementation for what the check costs.
        .test_on_check_out(true)
        .error_handler(Box::new(r2d2::LoggingErrorHandler))
        .build(manager)
        .map_err(|e| SetupError::Connect(url.redacted(), e.to_string()))
}

/// Creates a folder (and its parents) that only its owner may enter. A folder that exists
/// already is left as it is, with a warning when others may read it.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    if dir.is_dir() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    folder = %dir.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "other users may read this folder of Byline's; chmod 700 it"
                );
            }
        }
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Makes sure the SQLite database and its `-wal` and `-shm` files are readable by their
/// owner only: they hold password hashes, drafts and authors' emails. A new database file is
/// created empty with mode 0600 before SQLite opens it, and SQLite gives its `-wal` and
/// `-shm` files the mode of the database; existing files that others could read are
/// narrowed.
fn prepare_sqlite_file(path: &Path) -> Result<(), SetupError> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir).map_err(|e| SetupError::Folder(dir.to_owned(), e))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let file_error = |e| SetupError::File(path.to_owned(), e);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false).mode(0o600);
        options.open(path).map_err(file_error)?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = Path::new(&name);
            let Ok(meta) = std::fs::metadata(file) else {
                continue;
            };
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
                    .map_err(file_error)?;
                tracing::warn!(
                    file = %file.display(),
                    was = format!("{:o}", mode & 0o777),
                    "other users could read this database file; it is now 600"
                );
            }
        }
    }
    Ok(())
}

/// Applies every pending migration of the connection's backend.
pub fn migrate(conn: &mut AnyConnection) -> Result<usize, SetupError> {
    let applied = match conn {
        AnyConnection::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| SetupError::Migrate(e.to_string()))
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
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))::text")
            .bind::<diesel::sql_types::Text, _>(name)
            .execute(pg)?;
    }
    Ok(())
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

    #[test]
    fn a_nested_sqlite_write_transaction_fails_instead_of_waiting_on_itself() {
        let dir = tempfile::tempdir().unwrap();
        let manager = Manager {
            url: DatabaseUrl::parse(&format!("sqlite://{}/t.db", dir.path().display())).unwrap(),
            search_language: "english".into(),
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
