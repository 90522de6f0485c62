//! The connection pool: opening connections, preparing each one for use, and counting the
//! statements each thread runs.

use super::*;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::{PgConnection, SqliteConnection};

/// Opens connections for the pool and prepares each one for use.
#[derive(Debug)]
pub struct Manager {
    pub(super) url: DatabaseUrl,
    pub(super) search_language: String,
    pub(super) default_locale: String,
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
    pub(super) fn establish(&self) -> ConnectionResult<AnyConnection> {
        let mut conn = self.establish_uninstrumented()?;
        conn.set_instrumentation(count_queries);
        Ok(conn)
    }

    fn establish_uninstrumented(&self) -> ConnectionResult<AnyConnection> {
        match self.url.backend() {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(self.url.target())?;
                // Read by the search trigger and queries; checked to be [a-z_]+ by the settings.
                // The default locale is a checked BCP 47 tag: letters, digits and hyphens.
                conn.batch_execute(&format!(
                    "SET byline.search_language TO '{}'; SET byline.default_locale TO '{}'",
                    self.search_language, self.default_locale
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(self.url.target())?;
                // The busy timeout goes first so that switching to WAL waits for other
                // connections instead of failing while they hold the file.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; \
                     PRAGMA cache_size = -{SQLITE_CACHE_KIB}; \
                     PRAGMA soft_heap_limit = {SQLITE_SOFT_HEAP_BYTES}; \
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
    /// PostgreSQL text-search configuration of stories in the default language.
    pub search_language: String,
    /// `BYLINE_DEFAULT_LOCALE`, which the search trigger reads.
    pub default_locale: String,
}

/// Opens the pool, creating the SQLite folder when needed, and checks one connection works.
pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> Result<Pool, SetupError> {
    if let Some(path) = url.sqlite_path() {
        prepare_sqlite_file(path)?;
    }
    let max_size = options.max_size.unwrap_or(match url.backend() {
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
        default_locale: options.default_locale.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        value: i64,
    }

    fn pragma(conn: &mut SqliteConnection, name: &str) -> i64 {
        diesel::sql_query(format!("SELECT {name} AS value FROM pragma_{name}()"))
            .get_result::<Setting>(conn)
            .map(|s| s.value)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn an_sqlite_connection_is_prepared_with_a_bounded_cache() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/pool.db", dir.path().display());
        let manager = Manager {
            url: DatabaseUrl::parse(&url).unwrap(),
            search_language: "english".to_owned(),
            default_locale: "en".to_owned(),
        };
        let AnyConnection::Sqlite(mut conn) = manager.establish().unwrap() else {
            panic!("an SQLite URL opened another backend");
        };
        assert_eq!(
            pragma(&mut conn, "cache_size"),
            -i64::from(SQLITE_CACHE_KIB)
        );
        assert_eq!(
            pragma(&mut conn, "soft_heap_limit"),
            SQLITE_SOFT_HEAP_BYTES as i64
        );
        assert_eq!(pragma(&mut conn, "foreign_keys"), 1);
    }
}
