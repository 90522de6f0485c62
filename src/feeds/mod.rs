//! Feeds and sitemaps: what the public can read, shaped for readers, aggregators and search
//! engines. The service reads; the HTTP layer writes RSS, Atom, JSON Feed and sitemap XML.

pub mod repo;
pub mod service;

/// Most articles in one feed.
pub const FEED_ITEMS: u32 = 50;
/// Most URLs in one sitemap (the protocol's limit).
pub const SITEMAP_URLS: i64 = 50_000;
/// Rows read per database round trip while a sitemap streams.
pub const SITEMAP_BATCH: i64 = 2_000;
/// Most stories in the Google News sitemap (Google's limit).
pub const NEWS_URLS: i64 = 1_000;
/// How far back the Google News sitemap reaches.
pub const NEWS_HOURS: i64 = 48;
