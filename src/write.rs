//! The one write path. Every change to stored data — from a handler, the command line, the
//! seed or start-up — runs in [`Writes::run`]: one write transaction (on SQLite it also takes
//! the process's writer turn), in which the work says what it changed ([`Tx::changed`]) and,
//! before the commit, the [`Hook`] sees those changes and may write its own records beside
//! them. Revisions, the audit log and the events feed hang on that hook; whatever it writes
//! commits or rolls back with the change itself.

use std::sync::Arc;

use crate::db::{self, AnyConnection, Database};
use crate::domain::Result;
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};

pub use crate::domain::caller::Actor;

/// What kind of thing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// An article.
    Article,
    /// An author profile.
    Author,
    /// A category.
    Category,
    /// A user account.
    User,
    /// An API token.
    ApiToken,
    /// A sign-in session (a refresh token family).
    Session,
}

/// What happened to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Made.
    Created,
    /// Its fields changed.
    Updated,
    /// Removed.
    Deleted,
    /// Made public, now or at a set time.
    Published,
    /// Taken back to draft.
    Unpublished,
    /// Withdrawn.
    Archived,
}

/// One change a write made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of thing.
    pub subject: Subject,
    /// Its id.
    pub id: String,
    /// What happened.
    pub verb: Verb,
}

/// Sees every write's changes inside its transaction, before the commit. An error rolls the
/// whole write back.
pub trait Hook: Send + Sync + 'static {
    /// Called once per write that changed something, with the connection of its transaction.
    fn record(&self, conn: &mut AnyConnection, actor: &Actor, changes: &[Change]) -> Result<()>;
}

/// The hook of a server that records nothing beside its changes.
pub struct NoRecords;

impl Hook for NoRecords {
    fn record(&self, _: &mut AnyConnection, _: &Actor, _: &[Change]) -> Result<()> {
        Ok(())
    }
}

/// A write in progress: its connection, and what it has changed so far.
pub struct Tx<'c> {
    conn: &'c mut AnyConnection,
    changes: Vec<Change>,
}

impl Tx<'_> {
    /// The connection, inside the write's transaction.
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.conn
    }

    /// Notes a change, for the hook.
    pub fn changed(&mut self, subject: Subject, id: &str, verb: Verb) {
        self.changes.push(Change {
            subject,
            id: id.to_owned(),
            verb,
        });
    }
}

/// Runs writes; cheap to clone.
#[derive(Clone)]
pub struct Writes {
    hook: Arc<dyn Hook>,
}

impl Default for Writes {
    fn default() -> Self {
        Self::new(Arc::new(NoRecords))
    }
}

impl Writes {
    /// Writes that show their changes to `hook`.
    pub fn new(hook: Arc<dyn Hook>) -> Self {
        Self { hook }
    }

    /// Runs `work` in one write transaction and hands its changes to the hook before the
    /// commit. An error from either rolls everything back.
    pub fn run<T>(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        work: impl FnOnce(&mut Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        db::write_transaction(conn, |conn| {
            let mut tx = Tx {
                conn,
                changes: Vec::new(),
            };
            let out = work(&mut tx)?;
            let Tx { conn, changes } = tx;
            if !changes.is_empty() {
                self.hook.record(conn, actor, &changes)?;
            }
            Ok(out)
        })
    }
}

/// What a service needs to read and write: the database and the write path. Cheap to clone.
#[derive(Clone)]
pub struct Ctx {
    /// The database, behind its fair queue.
    pub database: Database,
    /// The write path and its hook.
    pub writes: Writes,
}

impl Ctx {
    /// Runs reads off the async threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        self.database.run(f).await
    }

    /// Runs `work` as one write by `actor`, off the async threads; see [`Writes::run`].
    pub async fn write<T, F>(&self, actor: Actor, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T> + Send + 'static,
    {
        let writes = self.writes.clone();
        self.database
            .run(move |conn| writes.run(conn, &actor, work))
            .await
    }
}

/// A query for one page of a list in creation order, after a `(created_at, id)` key.
pub type CreatedPage<R> =
    fn(&mut AnyConnection, Option<(chrono::NaiveDateTime, String)>, u32) -> db::QueryResult<Vec<R>>;

impl Ctx {
    /// A page of a list in creation order, keyed by `(created_at, id)`: `list` (and `count`
    /// when asked) run on the blocking pool, and `key` makes the next cursor.
    pub async fn page_by_creation<R: Send + 'static>(
        &self,
        page: PageRequest,
        list: CreatedPage<R>,
        count: fn(&mut AnyConnection) -> db::QueryResult<i64>,
        key: fn(&R) -> (chrono::NaiveDateTime, &str),
    ) -> Result<Page<R>> {
        const ORDER: &str = "created";
        let after = match page.cursor.as_deref() {
            Some(raw) => Some(cursor::decode_created_cursor(raw, ORDER)?),
            None => None,
        };
        self.read(move |conn| {
            let rows = list(conn, after, page.limit)?;
            let total = if page.with_total {
                Some(count(conn)?)
            } else {
                None
            };
            Ok(page.split(rows, total, |r| {
                let (at, id) = key(r);
                cursor::encode_created_cursor(ORDER, at, id)
            }))
        })
        .await
    }
}
