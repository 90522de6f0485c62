//! One cached answer and the forms its body is kept in.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;

use super::compress;

/// One cached answer: its headers, and the body packed (zstd) once the compression thread
/// has seen it, with gzip and brotli forms once a client that takes them reads it again.
#[derive(Debug)]
pub struct Entry {
    /// Headers of the answer (content type, cache control, validators, links).
    pub headers: Vec<(String, String)>,
    /// The strong entity tag, when the answer has one.
    pub etag: Option<String>,
    /// The body as kept.
    pub body: Body,
    /// The body gzip- and brotli-compressed, made only when the entry is read again by a
    /// client that takes one of them but not zstd (most of a long tail never is).
    pub compressed: Option<(Bytes, Bytes)>,
    /// Whether the compressed forms were asked for.
    pub(super) asked: AtomicBool,
    /// Whether the body was sent to be packed.
    pub(super) packing: AtomicBool,
    /// Whether another entry took its place under its key (it is then not counted as
    /// evicted).
    pub(super) superseded: AtomicBool,
    /// Reads that unpacked the body since `window` began ([`Entry::unpacked_read`]).
    pub(super) reads: AtomicU32,
    /// When the count of `reads` began, in milliseconds on the cache's clock.
    pub(super) window: AtomicU64,
    /// The route pattern that answered it (for the metrics and the log of a hit, which
    /// never reaches the router).
    pub route: Option<Arc<str>>,
    /// Which fill made it: the forms added later belong to the entry of the same fill.
    pub(super) fill: u64,
    pub(super) expires: Option<Instant>,
    pub(super) list_generation: Option<u64>,
    pub(super) made_from: Vec<(usize, u64)>,
}

/// A body as an entry keeps it: plain until the compression thread packs it, then packed
/// (zstd, served as it is to clients that take it and unpacked for the others), and both
/// once clients that take no zstd read it often ([`Entry::unpacked_read`]).
#[derive(Debug, Clone)]
pub struct Body {
    /// The body as the handler wrote it, when it is kept.
    pub plain: Option<Bytes>,
    /// The body as a zstd frame, when it is kept.
    pub zstd: Option<Bytes>,
    /// The length of the body.
    pub len: usize,
}

impl Body {
    /// The bytes kept.
    pub fn kept(&self) -> usize {
        self.plain.as_ref().map_or(0, Bytes::len) + self.zstd.as_ref().map_or(0, Bytes::len)
    }

    /// The body itself, unpacked if need be (about a microsecond a kilobyte).
    pub fn plain(&self) -> Option<Bytes> {
        match (&self.plain, &self.zstd) {
            (Some(plain), _) => Some(plain.clone()),
            (None, Some(zstd)) => compress::unpack(zstd, self.len),
            (None, None) => None,
        }
    }
}

/// Reads that unpack an entry within [`HOT_WINDOW_MS`] after which it keeps its plain body
/// too while the cache has room to spare: the entries read most by clients that take no
/// zstd (a front page, the common searches) then cost no unpacking, while a long tail, each
/// of its entries read a few times a second at most even under a crawl, stays packed.
pub(super) const WARM_READS: u32 = 8;

/// Reads within [`HOT_WINDOW_MS`] after which an entry keeps its plain body even in a full
/// cache (pushing out colder entries): a front page read thousands of times a second.
pub(super) const HOT_READS: u32 = 32;

/// How often an entry is read unpacked ([`Entry::unpacked_read`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heat {
    /// [`WARM_READS`] within the window: worth a second form if there is room.
    Warm,
    /// [`HOT_READS`] within the window: worth a second form anyway.
    Hot,
}

/// The window [`HOT_READS`] are counted in, in milliseconds.
pub(super) const HOT_WINDOW_MS: u64 = 1_000;

impl Entry {
    pub(super) fn weight(&self, key: &str) -> u64 {
        let headers: usize = self
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 32)
            .sum();
        let compressed = self
            .compressed
            .as_ref()
            .map_or(0, |(gzip, brotli)| gzip.len() + brotli.len());
        (key.len() + headers + self.body.kept() + compressed + 256) as u64
    }

    /// True the first time it is called on an entry with no gzip and brotli forms: the
    /// caller then makes them ([`ResponseCache::compressed`]).
    pub fn wants_compressing(&self) -> bool {
        self.compressed.is_none() && !self.asked.swap(true, Ordering::AcqRel)
    }

    /// True when the entry is not packed and no packing of it is under way: the caller
    /// then packs it ([`ResponseCache::packed`]), or calls [`Entry::not_packed`] if it
    /// cannot.
    pub fn wants_packing(&self) -> bool {
        self.body.zstd.is_none() && !self.packing.swap(true, Ordering::AcqRel)
    }

    /// Counts a read that had to unpack the body, at `now_ms` (milliseconds on the
    /// cache's clock, [`ResponseCache::clock_ms`]); the entry's heat the moment it reaches
    /// [`WARM_READS`] or [`HOT_READS`] within [`HOT_WINDOW_MS`]: the caller then keeps its
    /// plain body ([`ResponseCache::unpacked`]).
    pub fn unpacked_read(&self, now_ms: u64) -> Option<Heat> {
        let start = self.window.load(Ordering::Relaxed);
        if now_ms.saturating_sub(start) > HOT_WINDOW_MS {
            self.window.store(now_ms, Ordering::Relaxed);
            self.reads.store(1, Ordering::Relaxed);
            return None;
        }
        match self.reads.fetch_add(1, Ordering::Relaxed) + 1 {
            WARM_READS => Some(Heat::Warm),
            HOT_READS => Some(Heat::Hot),
            _ => None,
        }
    }

    /// The packing asked for could not be done (the compression thread was busy): a later
    /// read asks again.
    pub fn not_packed(&self) {
        self.packing.store(false, Ordering::Release);
    }

    /// The same entry with another body or other compressed forms.
    pub(super) fn with(&self, body: Body, compressed: Option<(Bytes, Bytes)>) -> Self {
        Self {
            headers: self.headers.clone(),
            etag: self.etag.clone(),
            body,
            asked: compressed.is_some().into(),
            compressed,
            packing: self.packing.load(Ordering::Acquire).into(),
            superseded: Default::default(),
            reads: Default::default(),
            window: Default::default(),
            route: self.route.clone(),
            fill: self.fill,
            expires: self.expires,
            list_generation: self.list_generation,
            made_from: self.made_from.clone(),
        }
    }
}
