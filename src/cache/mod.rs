//! The response cache of public reads: finished bodies (packed with zstd, and with gzip and
//! brotli forms for the entries such clients read again) kept per URL, and the
//! invalidation that keeps them exact.
//!
//! Exactness rests on three rules:
//! - An entry records what it was made from: the resources it shows and the lists of
//!   stories it depends on ([`keys`]), each by a generation counter hashed into one of
//!   [`SLOTS`] slots, and, for lists, the generation of all lists. A change bumps the
//!   counters of what it touched ([`Invalidation`]), so an entry made before the change no
//!   longer validates. A collision between two keys only costs an extra miss.
//!   - A change the public cannot see (a draft, a story scheduled for later) bumps only
//!     [`keys::INDEXED`], which search results depend on (their ranks count every story
//!     in the index).
//!   - A story edited in place bumps itself and [`keys::ANY_STORY`]: the entries that
//!     show it, and the lists that depend on any story's text or dates (search,
//!     `updated_after`, feeds, sitemaps).
//!   - A story that joins, leaves or moves within the public lists also bumps
//!     [`keys::STORIES`] (the unfiltered lists) and the keys of its author, category and
//!     tags, before and after.
//!   - Any other change of content (authors, categories, tags, media, the story changes
//!     made by time, and a schedule or expiry set or moved, even on a draft: lists expire
//!     at the next such moment known when they were read) bumps what it touched and every
//!     list.
//! - A fill is refused when any invalidation happened after the read began ([`Ticket`]): a
//!   read that saw the old data cannot store it after the write that replaced it.
//! - Time: an entry whose content changes at a known moment (a story's `unpublish_at`, or
//!   for lists the next scheduled publication or expiry anywhere) expires then.
//!
//! The write path calls [`ResponseCache::invalidate`] after its commit and before the
//! request is answered; on PostgreSQL it also notifies the other processes
//! ([`listen`]), which invalidate the same way.

pub mod compress;
mod entry;
pub mod listen;

pub use entry::{Body, Entry, Heat};

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// How many per-resource generation counters there are.
pub const SLOTS: usize = 4096;

/// The PostgreSQL channel that carries invalidations between processes.
pub const CHANNEL: &str = "byline_cache";

/// The names of the lists of stories an entry may depend on, next to the ids of the
/// resources it shows.
pub mod keys {
    /// Every public list of stories in date order: any story joining, leaving or moving.
    pub const STORIES: &str = "stories";
    /// Any public story changing at all (lists that show dates of edits).
    pub const ANY_STORY: &str = "stories/any";
    /// Any story changing, drafts included: search ranks weigh a word by how many stories
    /// of the whole index hold it.
    pub const INDEXED: &str = "stories/indexed";

    /// The stories of one author.
    pub fn author(id: &str) -> String {
        format!("stories/author/{id}")
    }

    /// The stories of one category (not of its subcategories: a list of a tree names each).
    pub fn category(id: &str) -> String {
        format!("stories/category/{id}")
    }

    /// The stories carrying one tag.
    pub fn tag(id: &str) -> String {
        format!("stories/tag/{id}")
    }

    /// The stories in one language.
    pub fn locale(tag: &str) -> String {
        format!("stories/locale/{tag}")
    }

    /// The public stories of one translation group (who is in it, in which language).
    pub fn group(id: &str) -> String {
        format!("stories/group/{id}")
    }
}

/// What a write invalidates, as its changes say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invalidation {
    /// The resources and story lists whose entries are stale.
    pub keys: Vec<String>,
    /// Whether every list is stale.
    pub lists: bool,
    /// The earliest new moment a story changes by itself (lists cached with a later expiry
    /// are stale).
    pub due: Option<chrono::NaiveDateTime>,
}

impl Invalidation {
    /// Whether it touches nothing.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && !self.lists && self.due.is_none()
    }

    /// Adds a moment a story changes by itself.
    pub fn due_at(&mut self, at: chrono::NaiveDateTime) {
        self.due = Some(self.due.map_or(at, |due| due.min(at)));
    }
}

/// What a handler says about an answer it allows to be cached.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// Ids of the resources the answer shows, and the [`keys`] of the story lists it
    /// depends on.
    pub resources: Vec<String>,
    /// Whether the answer is a list (which a change of an author, category, tag or media
    /// item may alter).
    pub list: bool,
    /// When the answer stops being true by itself (UTC), if it does.
    pub until: Option<chrono::NaiveDateTime>,
}

/// Taken before a read: the fill that follows is refused if anything was invalidated since.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

#[derive(Clone)]
struct Weigh;

impl quick_cache::Weighter<String, Arc<Entry>> for Weigh {
    fn weight(&self, key: &String, entry: &Arc<Entry>) -> u64 {
        entry.weight(key)
    }
}

/// Counts what leaves the cache to make room.
#[derive(Clone, Default)]
struct Evictions(Arc<AtomicU64>);

impl quick_cache::Lifecycle<String, Arc<Entry>> for Evictions {
    type RequestState = ();

    fn begin_request(&self) {}

    fn on_evict(&self, _: &mut (), _: String, entry: Arc<Entry>) {
        if !entry.superseded.load(Ordering::Acquire) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

type Store =
    quick_cache::sync::Cache<String, Arc<Entry>, Weigh, quick_cache::DefaultHashBuilder, Evictions>;

/// Counters for the metrics endpoint.
#[derive(Debug, Default)]
pub struct Stats {
    /// Answers served from the cache.
    pub hits: AtomicU64,
    /// Cacheable requests that found nothing current.
    pub misses: AtomicU64,
    /// Entries stored.
    pub fills: AtomicU64,
    /// Fills refused because a change happened during the read, or the entry was too big.
    pub refused: AtomicU64,
    /// Invalidations (local and from other processes).
    pub invalidations: AtomicU64,
}

/// The cache of one process. With a capacity of 0 it holds nothing and every call is cheap.
pub struct ResponseCache {
    store: Option<Store>,
    capacity: u64,
    largest: usize,
    evictions: Evictions,
    lists: AtomicU64,
    slots: Box<[AtomicU64]>,
    epoch: AtomicU64,
    /// Fills so far (each entry's number).
    fills: AtomicU64,
    /// Fills and invalidations take turns, so a fill's check of the epoch and its insert
    /// happen with no invalidation between them.
    turn: Mutex<()>,
    node: String,
    /// Whether other processes may listen for this one's invalidations; until the listener
    /// has counted them, assume they do.
    peers: std::sync::atomic::AtomicBool,
    /// No fill before this moment (milliseconds since `started`): a process that has just
    /// started listening waits until the others have surely counted it as a listener.
    fills_from: AtomicU64,
    started: Instant,
    /// The next moment a story comes due or expires, as read under the list generation
    /// it is paired with: valid until any change of content.
    next_due: Mutex<Option<(u64, Option<chrono::NaiveDateTime>)>>,
    hasher: std::collections::hash_map::RandomState,
    /// What the cache did.
    pub stats: Stats,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl Default for ResponseCache {
    fn default() -> Self {
        Self::new(0)
    }
}

impl ResponseCache {
    /// A cache of at most `capacity` bytes; 0 turns it off.
    pub fn new(capacity: u64) -> Self {
        let evictions = Evictions::default();
        let store = (capacity > 0).then(|| {
            let items = (capacity / 4096).clamp(16, 1 << 20) as usize;
            Store::with(
                items,
                capacity,
                Weigh,
                quick_cache::DefaultHashBuilder::default(),
                evictions.clone(),
            )
        });
        Self {
            store,
            capacity,
            // One answer may take at most a sixteenth of the cache, and never over 4 MiB.
            largest: (capacity / 16).min(4 << 20) as usize,
            evictions,
            lists: AtomicU64::new(0),
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            epoch: AtomicU64::new(0),
            fills: AtomicU64::new(0),
            turn: Mutex::new(()),
            node: uuid::Uuid::new_v4().simple().to_string(),
            peers: std::sync::atomic::AtomicBool::new(true),
            fills_from: AtomicU64::new(0),
            started: Instant::now(),
            next_due: Mutex::new(None),
            hasher: std::collections::hash_map::RandomState::new(),
            stats: Stats::default(),
        }
    }

    /// Whether the cache holds anything at all.
    pub fn enabled(&self) -> bool {
        self.store.is_some()
    }

    /// This process's name in the notifications it sends.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Whether a write must tell other processes what it changed.
    pub fn peers_may_listen(&self) -> bool {
        self.peers.load(Ordering::Acquire)
    }

    /// What the listener counted: other processes listening on this database, or not.
    pub fn set_peers(&self, listening: bool) {
        self.peers.store(listening, Ordering::Release);
    }

    /// Refuses fills for `wait` from now: this process has just begun to listen, and the
    /// others send it invalidations only once they have counted it.
    pub fn hold_fills(&self, wait: Duration) {
        let until = self.started.elapsed() + wait;
        self.fills_from
            .store(until.as_millis() as u64, Ordering::Release);
    }

    /// The list generation now; pass it to [`ResponseCache::remember_due`] after reading.
    pub fn list_generation(&self) -> u64 {
        self.lists.load(Ordering::Acquire)
    }

    /// The next moment a story comes due or expires, if it is known and no content has
    /// changed since it was read (the outer `None`: read it).
    pub fn known_due(&self) -> Option<Option<chrono::NaiveDateTime>> {
        if !self.enabled() {
            return None;
        }
        let memo = self.next_due.lock().ok()?;
        let now = chrono::Utc::now().naive_utc();
        // A moment that has passed with no change (a schedule moved away) is read again.
        memo.and_then(|(generation, due)| (generation == self.list_generation()).then_some(due))
            .filter(|due| due.is_none_or(|at| at > now))
    }

    /// Keeps what a read found as the next moment, if no content changed since
    /// `generation` was taken, before the read.
    pub fn remember_due(&self, generation: u64, due: Option<chrono::NaiveDateTime>) {
        if let Ok(mut memo) = self.next_due.lock()
            && generation == self.list_generation()
        {
            *memo = Some((generation, due));
        }
    }

    /// Configured size, in bytes.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Bytes held now.
    pub fn weight(&self) -> u64 {
        self.store.as_ref().map_or(0, Store::weight)
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.store.as_ref().map_or(0, Store::len)
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries evicted to make room, since start.
    pub fn evictions(&self) -> u64 {
        self.evictions.0.load(Ordering::Relaxed)
    }

    /// The largest body worth storing.
    pub fn largest(&self) -> usize {
        self.largest
    }

    fn slot(&self, id: &str) -> usize {
        (self.hasher.hash_one(id) % SLOTS as u64) as usize
    }

    /// The current entry for `key`, if there is one.
    pub fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let store = self.store.as_ref()?;
        let found = store.get(key).filter(|entry| self.current(entry));
        let counter = if found.is_some() {
            &self.stats.hits
        } else {
            &self.stats.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn current(&self, entry: &Entry) -> bool {
        entry.expires.is_none_or(|at| Instant::now() < at)
            && entry
                .list_generation
                .is_none_or(|g| g == self.lists.load(Ordering::Acquire))
            && entry
                .made_from
                .iter()
                .all(|&(slot, g)| self.slots[slot].load(Ordering::Acquire) == g)
    }

    /// Taken before the read whose answer may fill the cache.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.epoch.load(Ordering::Acquire))
    }

    /// Stores an answer read under `ticket`, unless something was invalidated since, the
    /// body is too big, or its time is already up. Returns whether it was stored.
    pub fn fill(
        &self,
        ticket: Ticket,
        key: String,
        hints: &Hints,
        headers: Vec<(String, String)>,
        identity: Bytes,
        route: Option<String>,
    ) -> Option<Arc<Entry>> {
        let store = self.store.as_ref()?;
        let held =
            (self.started.elapsed().as_millis() as u64) < self.fills_from.load(Ordering::Acquire);
        if identity.len() > self.largest || held {
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let expires = match hints.until {
            None => None,
            Some(until) => {
                let left = until.and_utc() - chrono::Utc::now();
                match left.to_std() {
                    Ok(left) if left > Duration::ZERO => Some(Instant::now() + left),
                    _ => return None,
                }
            }
        };
        let etag = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("etag"))
            .map(|(_, v)| v.clone());
        let _turn = self.turn.lock().ok()?;
        if self.epoch.load(Ordering::Acquire) != ticket.0 {
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let made_from = hints
            .resources
            .iter()
            .map(|id| {
                let slot = self.slot(id);
                (slot, self.slots[slot].load(Ordering::Acquire))
            })
            .collect();
        let entry = Arc::new(Entry {
            headers,
            etag,
            // A copy of its own size: the body was written into a buffer that grew as it
            // went, and the room at its end would stay held, unweighed, as long as the entry.
            body: Body {
                len: identity.len(),
                plain: Some(Bytes::copy_from_slice(&identity)),
                zstd: None,
            },
            compressed: None,
            asked: Default::default(),
            packing: Default::default(),
            superseded: Default::default(),
            reads: Default::default(),
            window: Default::default(),
            route: route.map(Arc::from),
            fill: self.fills.fetch_add(1, Ordering::Relaxed),
            expires,
            list_generation: hints.list.then(|| self.lists.load(Ordering::Acquire)),
            made_from,
        });
        // A stale entry of the same key is replaced, not evicted to make room.
        if let Some(old) = store.peek(&key) {
            old.superseded.store(true, Ordering::Release);
        }
        store.insert(key, entry.clone());
        self.stats.fills.fetch_add(1, Ordering::Relaxed);
        Some(entry)
    }

    /// Adds the gzip and brotli forms to the entry under `key`, if it is still the one
    /// `entry` was stored as (its exactness is unchanged: they are made from its body).
    pub fn compressed(&self, key: &str, entry: &Entry, gzip: Bytes, brotli: Bytes) {
        self.upgrade(key, entry, |held| {
            held.with(held.body.clone(), Some((gzip, brotli)))
        });
    }

    /// Keeps the entry under `key` packed (and no longer plain), if it is still the one
    /// `entry` was stored as.
    pub fn packed(&self, key: &str, entry: &Entry, zstd: Bytes) {
        self.upgrade(key, entry, |held| {
            let body = Body {
                plain: None,
                zstd: Some(zstd),
                len: held.body.len,
            };
            held.with(body, held.compressed.clone())
        });
    }

    /// Keeps the plain body of the entry under `key` beside its packed one, if it is still
    /// the one `entry` was stored as: it is read often by clients that take no zstd. A
    /// warm entry gets it only while the cache has a quarter of its room to spare; a hot
    /// one, always.
    pub fn unpacked(&self, key: &str, entry: &Entry, plain: Bytes, heat: Heat) {
        let room = self.capacity - self.capacity / 4;
        if heat == Heat::Warm && self.weight() + plain.len() as u64 > room {
            return;
        }
        self.upgrade(key, entry, |held| {
            let body = Body {
                plain: Some(plain),
                ..held.body.clone()
            };
            held.with(body, held.compressed.clone())
        });
    }

    /// Milliseconds since the cache was made.
    pub fn clock_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn upgrade(&self, key: &str, entry: &Entry, change: impl FnOnce(&Entry) -> Entry) {
        let Some(store) = &self.store else {
            return;
        };
        let Ok(_turn) = self.turn.lock() else {
            return;
        };
        if let Some(held) = store.peek(key).filter(|held| held.fill == entry.fill) {
            held.superseded.store(true, Ordering::Release);
            // Soft: a new form of an entry does not make it any hotter.
            if store
                .replace(key.to_owned(), Arc::new(change(&held)), true)
                .is_err()
            {
                held.superseded.store(false, Ordering::Release);
            }
        }
    }

    /// Makes every entry that shows one of `resources` (and, with `lists`, every list)
    /// stale. Returns once no reader can be served them any more.
    pub fn invalidate<'a>(&self, resources: impl IntoIterator<Item = &'a str>, lists: bool) {
        if self.store.is_none() {
            return;
        }
        let Ok(_turn) = self.turn.lock() else {
            return;
        };
        for id in resources {
            self.slots[self.slot(id)].fetch_add(1, Ordering::AcqRel);
        }
        if lists {
            self.lists.fetch_add(1, Ordering::AcqRel);
        }
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.stats.invalidations.fetch_add(1, Ordering::Relaxed);
    }

    /// Makes stale what `change` says, and returns once no reader can be served it. A new
    /// moment a story changes by itself makes every list stale: each was stored to expire
    /// at the next moment known when it was read.
    pub fn invalidate_for(&self, change: &Invalidation) {
        if self.store.is_none() || change.is_empty() {
            return;
        }
        let lists = change.lists || change.due.is_some();
        self.invalidate(change.keys.iter().map(String::as_str), lists);
    }

    /// Drops everything (a lost notification connection may have missed changes).
    pub fn flush(&self) {
        let Some(store) = &self.store else {
            return;
        };
        let Ok(_turn) = self.turn.lock() else {
            return;
        };
        store.clear();
        self.lists.fetch_add(1, Ordering::AcqRel);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.stats.invalidations.fetch_add(1, Ordering::Relaxed);
    }
}

/// The word of a message that makes every list stale.
const ALL_LISTS: &str = "*lists";

/// What a write's changes invalidate, as sent to the other processes: this node's name, the
/// keys, and [`ALL_LISTS`] when every list is stale; `*` alone means everything.
pub fn message(node: &str, change: &Invalidation) -> String {
    let mut text = format!("{node} {}", change.keys.join(" "));
    if change.lists || change.due.is_some() {
        text.push(' ');
        text.push_str(ALL_LISTS);
    }
    // NOTIFY payloads must stay under 8000 bytes.
    if text.len() > 7000 {
        text = format!("{node} *");
    }
    text
}

/// Applies a message from another process; its own are skipped.
pub fn receive(cache: &ResponseCache, text: &str) {
    let mut words = text.split(' ');
    if words.next() == Some(cache.node()) {
        return;
    }
    let words: Vec<&str> = words.filter(|w| !w.is_empty()).collect();
    if words.contains(&"*") {
        cache.flush();
        return;
    }
    let lists = words.contains(&ALL_LISTS);
    cache.invalidate(words.into_iter().filter(|w| *w != ALL_LISTS), lists);
}

#[cfg(test)]
mod tests;
