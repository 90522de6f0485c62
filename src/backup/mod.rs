//! A whole site as one portable file, and back: `byline export` and `byline import`.
//!
//! The file (see "Back up and restore" in the README) is a tar stream compressed with zstd.
//! Its first member is `manifest.json`; then one NDJSON member per kind of row, in the
//! order of [`KINDS`] (each row one JSON object with the table's columns, rows in the byte
//! order of their keys, so the same site always gives the same members); then, unless left
//! out, the media files as `media/<sha256>`, each named by the SHA-256 of its bytes.
//!
//! Members are written to scratch files first, so the manifest can carry their checksums
//! and nothing is held whole in memory; an import checks each checksum before it commits.

mod export;
mod import;
pub mod progress;
pub mod rows;

use serde::{Deserialize, Serialize};

pub use export::{ExportOptions, export};
pub use import::{ImportOptions, import};

/// What an export or an import works with besides the database.
pub struct Tools {
    /// Where media files are.
    pub store: crate::media::store::Store,
    /// A runtime to reach the store from a command.
    pub runtime: tokio::runtime::Runtime,
    /// Where progress goes.
    pub progress: progress::Progress,
}

/// What the manifest's `format` says.
pub const FORMAT: &str = "byline-site";

/// The version of the format this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// The kinds of rows, in the order their members come (each refers only to kinds before it).
pub const KINDS: [&str; 13] = [
    "users",
    "api_tokens",
    "authors",
    "categories",
    "tags",
    "media",
    "articles",
    "article_tags",
    "article_revisions",
    "old_slugs",
    "imported_urls",
    "audit_log",
    "webhooks",
];

/// Rows read or written per query.
const PAGE: i64 = 500;

/// The name of a kind's member.
pub fn member_name(kind: &str) -> String {
    format!("{kind}.ndjson")
}

/// The first member of a site file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format's version.
    pub format_version: u32,
    /// The Byline that wrote it.
    pub byline_version: String,
    /// When the snapshot was taken (UTC, RFC 3339).
    pub created_at: String,
    /// `postgres` or `sqlite`.
    pub source_engine: String,
    /// Whether webhook secrets are in it (else they are empty strings).
    pub secrets: bool,
    /// The row members, in order.
    pub members: Vec<Member>,
    /// The media files that follow the members; `None` when they were left out.
    pub media_files: Option<Files>,
}

/// One NDJSON member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// `users.ndjson` and so on.
    pub name: String,
    /// One of [`KINDS`].
    pub kind: String,
    /// Rows (lines) in it.
    pub rows: u64,
    /// Its size.
    pub bytes: u64,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

/// The media files of a site file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Files {
    /// How many there are (one per distinct SHA-256).
    pub count: u64,
}

/// Hex of a digest.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
