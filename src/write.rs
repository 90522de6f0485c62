//! The one write path. Every change to stored data — from a handler, the command line, the
//! seed or start-up — runs in [`Writes::run`]: one write transaction (on SQLite it also takes
//! the process's writer turn), in which the work says what it changed ([`Tx::changed`]) and,
//! before the commit, the [`Hook`] sees those changes and may write its own records beside
//! them. Revisions, the audit log and the events feed hang on that hook; whatever it writes
//! commits or rolls back with the change itself.

use crate::domain::time::Clock;
use crate::outbox::present::{self, Presenter};
use std::sync::Arc;

use crate::cache::{self, Invalidation, ResponseCache, keys};
use crate::db::{self, AnyConnection, Database};
use crate::domain::Result;
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};

pub use crate::domain::caller::Actor;
pub use crate::domain::change::{Change, Origin, Record, Subject, Verb};

tokio::task_local! {
    static ORIGIN: std::cell::RefCell<Origin>;
}

/// Runs `fut` with `origin` as the origin of the writes it makes (the HTTP layer wraps each
/// request in it).
pub async fn with_origin<F: std::future::Future>(origin: Origin, fut: F) -> F::Output {
    ORIGIN.scope(std::cell::RefCell::new(origin), fut).await
}

/// Notes the display name of the request's caller, once its credential is checked, so that
/// its writes record it without looking it up again.
pub fn name_caller(name: String) {
    // Outside a request (no origin) there is nobody to name.
    let _ = ORIGIN.try_with(|o| o.borrow_mut().caller_name = Some(name));
}

/// The id of the request this task serves, if any: every log line written while serving it
/// names it.
pub fn request_id() -> Option<String> {
    ORIGIN
        .try_with(|o| o.borrow().request_id.clone())
        .ok()
        .flatten()
}

/// The origin of the request this task serves, if any.
fn current_origin() -> Origin {
    ORIGIN.try_with(|o| o.borrow().clone()).unwrap_or_default()
}

/// Sees every write's changes inside its transaction, before the commit, after the history
/// (revisions and audit entries) is written. An error rolls the whole write back.
pub trait Hook: Send + Sync + 'static {
    /// Called once per write that changed something, with the connection of its transaction.
    fn record(&self, conn: &mut AnyConnection, record: &Record<'_>) -> Result<()>;
}

/// The hook of a server that records nothing beyond its history.
pub struct NoRecords;

impl Hook for NoRecords {
    fn record(&self, _: &mut AnyConnection, _: &Record<'_>) -> Result<()> {
        Ok(())
    }
}

/// A write in progress: its connection, and what it has changed so far.
pub struct Tx<'c> {
    conn: &'c mut AnyConnection,
    changes: Vec<Change>,
    now: chrono::NaiveDateTime,
}

impl Tx<'_> {
    /// The time the write began, by the write path's clock.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.now
    }

    /// The connection, inside the write's transaction.
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.conn
    }

    /// Notes a change, for the history and the hook.
    pub fn changed(&mut self, subject: Subject, id: &str, verb: Verb) {
        self.changes.push(Change::new(subject, id, verb));
    }

    /// Notes a change with its field list or details.
    pub fn note(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// Runs `work` under a savepoint of this write: when it fails, what it wrote and the
    /// changes it noted are undone, and the write goes on without them. For a command that
    /// writes many items in one transaction and reports the ones that fail.
    pub fn attempt<T>(&mut self, work: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mark = self.changes.len();
        let mut changes = std::mem::take(&mut self.changes);
        let now = self.now;
        let out = db::savepoint(self.conn, |conn| {
            let mut inner = Tx {
                conn,
                changes: std::mem::take(&mut changes),
                now,
            };
            let out = work(&mut inner);
            changes = inner.changes;
            out
        });
        if out.is_err() {
            changes.truncate(mark);
        }
        self.changes = changes;
        out
    }
}

/// Runs writes; cheap to clone.
#[derive(Clone)]
pub struct Writes {
    hook: Arc<dyn Hook>,
    cache: Arc<ResponseCache>,
    clock: Clock,
    presenter: Option<Arc<dyn Presenter>>,
    locale: Arc<str>,
}

impl Default for Writes {
    fn default() -> Self {
        Self::new(Arc::new(NoRecords))
    }
}

/// What a write's changes make stale in the response cache: nothing for a story the public
/// could not see before or after; the story and the lists it was or is in for one it could;
/// what changed and every list for the rest of the content.
fn invalidation(changes: &[Change]) -> Invalidation {
    let mut out = Invalidation::default();
    for change in changes {
        match change.subject {
            Subject::Article => {
                let Some(reach) = change.snapshot.as_ref().map(|s| &s.reach) else {
                    // Made by time, or a purge: the cache cannot tell what moved.
                    out.keys.push(change.id.clone());
                    out.lists = true;
                    continue;
                };
                if let Some(due) = reach.due {
                    out.due_at(due);
                }
                out.keys.push(keys::INDEXED.to_owned());
                if !reach.is_public() {
                    continue;
                }
                out.keys.push(change.id.clone());
                out.keys.push(keys::ANY_STORY.to_owned());
                if reach.moved() {
                    out.keys.push(keys::STORIES.to_owned());
                    for place in [&reach.before, &reach.after].into_iter().flatten() {
                        out.keys
                            .extend(place.author_id.as_deref().map(keys::author));
                        out.keys
                            .extend(place.category_id.as_deref().map(keys::category));
                        out.keys.extend(place.tag_ids.iter().map(|t| keys::tag(t)));
                        out.keys.push(keys::locale(&place.locale));
                        out.keys.extend(place.group.as_deref().map(keys::group));
                    }
                }
            }
            Subject::Author | Subject::Category | Subject::Tag | Subject::Media => {
                out.keys.push(change.id.clone());
                out.lists = true;
            }
            _ => {}
        }
    }
    out.keys.sort_unstable();
    out.keys.dedup();
    out
}

impl Writes {
    /// Writes that show their changes to `hook`, with no response cache.
    pub fn new(hook: Arc<dyn Hook>) -> Self {
        Self {
            hook,
            cache: Arc::new(ResponseCache::default()),
            clock: Clock::system(),
            presenter: None,
            locale: Arc::from(crate::locale::FALLBACK),
        }
    }

    /// The same writes, with events whose `data` `presenter` makes rather than the one the
    /// process installed (`outbox::present::install`).
    pub fn with_presenter(mut self, presenter: Arc<dyn Presenter>) -> Self {
        self.presenter = Some(presenter);
        self
    }

    /// The same writes, reading the time from `clock` (tests move it ahead).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The same writes, giving stories that name no language `locale`
    /// (`BYLINE_DEFAULT_LOCALE`).
    pub fn with_locale(mut self, locale: &str) -> Self {
        self.locale = Arc::from(locale);
        self
    }

    /// The language of stories that name none.
    pub fn default_locale(&self) -> &str {
        &self.locale
    }

    /// The clock changes are dated by.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The same writes, invalidating `cache` (and, on PostgreSQL, notifying the other
    /// processes) after each commit that changes content.
    pub fn with_cache(mut self, cache: Arc<ResponseCache>) -> Self {
        self.cache = cache;
        self
    }

    /// The response cache these writes keep exact.
    pub fn cache(&self) -> &Arc<ResponseCache> {
        &self.cache
    }

    /// Runs `work` in one write transaction, not on behalf of a request (the command line,
    /// start-up, the seed, background sweeps); see [`Writes::run_from`].
    pub fn run<T>(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        work: impl FnOnce(&mut Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        self.run_from(conn, actor, &Origin::default(), work)
    }

    /// Runs `work` in one write transaction. Before the commit, its changes are recorded
    /// (revisions, audit entries: [`crate::history::repo::record`]; events:
    /// [`crate::outbox::repo::record`]) and handed to the hook.
    /// An error from any of them rolls everything back.
    pub fn run_from<T>(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        origin: &Origin,
        work: impl FnOnce(&mut Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        let (out, invalidated) = db::write_transaction(conn, |conn| {
            let mut tx = Tx {
                conn,
                changes: Vec::new(),
                now: self.clock.now(),
            };
            let out = work(&mut tx)?;
            let Tx { conn, changes, .. } = tx;
            // On SQLite, stories whose text may have Chinese or Japanese are indexed by it.
            db::search::write_cjk_words(conn)?;
            let mut invalidated = Invalidation::default();
            if !changes.is_empty() {
                let record = Record {
                    actor,
                    origin,
                    changes: &changes,
                    at: self.clock.now(),
                };
                let actor = crate::history::repo::record(conn, &record)?;
                let presenter = self.presenter.clone().unwrap_or_else(present::installed);
                crate::outbox::repo::record(conn, &record, &actor, &*presenter)?;
                self.hook.record(conn, &record)?;
                let stale = invalidation(&changes);
                if !stale.is_empty() && self.cache.enabled() {
                    if self.cache.peers_may_listen() {
                        // Delivered to the other processes at commit, never on a rollback.
                        db::listen::notify(conn, &cache::message(self.cache.node(), &stale))?;
                    }
                    invalidated = stale;
                }
            }
            Ok::<_, crate::domain::Error>((out, invalidated))
        })?;
        // After the commit (a read now sees the change) and before the caller answers.
        self.cache.invalidate_for(&invalidated);
        Ok(out)
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
    /// The current time, by the clock of the write path.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.writes.clock.now()
    }

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
        let origin = current_origin();
        self.database
            .run(move |conn| writes.run_from(conn, &actor, &origin, work))
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
