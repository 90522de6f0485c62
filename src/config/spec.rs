//! Every setting, declared once: its variable, its default, the values it takes and one line
//! of help. The parser reads values through these declarations (a setting it names is a
//! constant, so a misspelled name does not compile); the README's settings table and
//! `.env.example` are rendered from them, and a test fails when either file drifts.

use std::collections::HashMap;

/// What values a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text, checked by the setting's own parser where it has a shape.
    Text,
    /// A whole number from `min` to `max`; empty means "not set" when `optional`.
    Number {
        /// The smallest value.
        min: u64,
        /// The largest value.
        max: u64,
        /// Whether an empty value is allowed (the setting then picks for itself).
        optional: bool,
    },
    /// `true` or `false` (also `1` and `0`; empty is false).
    Flag,
    /// A secret: never printed or logged.
    Secret,
}

impl Kind {
    const fn text() -> Self {
        Kind::Text
    }
    const fn number(min: u64, max: u64) -> Self {
        Kind::Number {
            min,
            max,
            optional: false,
        }
    }
    const fn optional(min: u64, max: u64) -> Self {
        Kind::Number {
            min,
            max,
            optional: true,
        }
    }
    const fn flag() -> Self {
        Kind::Flag
    }
    const fn secret() -> Self {
        Kind::Secret
    }
}

/// One setting.
#[derive(Debug, PartialEq, Eq)]
pub struct Setting {
    /// The environment variable.
    pub env: &'static str,
    /// The built-in default, as text (empty: not set).
    pub default: &'static str,
    /// The values it takes.
    pub kind: Kind,
    /// How the README states the default when it is not the literal value.
    pub shown_default: Option<&'static str>,
    /// One line of help.
    pub help: &'static str,
}

impl Setting {
    /// The key in the settings file: the variable without `BYLINE_`, in lower case.
    pub fn key(&self) -> String {
        self.env.trim_start_matches("BYLINE_").to_ascii_lowercase()
    }
}

macro_rules! settings {
    (@shown) => { None };
    (@shown $shown:literal) => { Some($shown) };
    ($($name:ident = $env:literal, $default:literal, $kind:ident($($arg:expr),*),
        $(shown $shown:literal,)? $help:literal;)*) => {
        $(
            #[doc = concat!("`", $env, "`: ", $help)]
            pub const $name: Setting = Setting {
                env: $env,
                default: $default,
                kind: Kind::$kind($($arg),*),
                shown_default: settings!(@shown $($shown)?),
                help: $help,
            };
        )*
        /// Every setting, in the order the README lists them.
        pub const SETTINGS: &[&Setting] = &[$(&$name),*];
    };
}

settings! {
    DATABASE_URL = "DATABASE_URL", "sqlite://byline-data/byline.db", text(),
        "`postgres://…`, `postgresql://…` or `sqlite://PATH`";
    BIND = "BYLINE_BIND", "127.0.0.1:8080", text(),
        "listen address; port 0 picks a free port";
    BODY_LIMIT = "BYLINE_BODY_LIMIT", "1048576", number(1024, 268435456),
        "largest request body in bytes (larger: 413)";
    BODY_TIMEOUT_SECS = "BYLINE_BODY_TIMEOUT_SECS", "30", number(1, 3600),
        "seconds a request body (an upload's too) may take to arrive, from its headers (slower: 408, and the connection is closed)";
    DATABASE_POOL_SIZE = "BYLINE_DATABASE_POOL_SIZE", "", optional(1, 1000), shown "on PostgreSQL 4 per core, from 8 to 32; 8 on SQLite",
        "open database connections";
    DATABASE_TIMEOUT_MS = "BYLINE_DATABASE_TIMEOUT_MS", "2000", number(1, 600000),
        "wait for a connection before answering 503";
    WORKERS = "BYLINE_WORKERS", "", optional(1, 1024), shown "one per core",
        "HTTP worker threads";
    CORS_ORIGINS = "BYLINE_CORS_ORIGINS", "", text(), shown "empty (CORS off)",
        "comma-separated origins, or `*`";
    LOG = "BYLINE_LOG", "info", text(),
        "log filter (`warn`, `byline=debug`, …)";
    LOG_FORMAT = "BYLINE_LOG_FORMAT", "text", text(),
        "`text` or `json` lines";
    SHUTDOWN_TIMEOUT_SECS = "BYLINE_SHUTDOWN_TIMEOUT_SECS", "30", number(0, 3600),
        "grace period for in-flight requests on SIGTERM/SIGINT";
    DATA_DIR = "BYLINE_DATA_DIR", "byline-data", text(),
        "folder for Byline's own files";
    JWT_SECRET = "BYLINE_JWT_SECRET", "", secret(), shown "none: generated into `BYLINE_DATA_DIR/jwt-secret`",
        "HS256 signing secret, at least 32 bytes, not blank; a secret file must be readable by its owner only";
    JWT_ISSUER = "BYLINE_JWT_ISSUER", "byline", text(),
        "`iss` claim issued and required";
    JWT_AUDIENCE = "BYLINE_JWT_AUDIENCE", "byline-api", text(),
        "`aud` claim issued and required";
    ACCESS_TOKEN_TTL_SECS = "BYLINE_ACCESS_TOKEN_TTL_SECS", "900", number(1, 2592000),
        "access token lifetime";
    REFRESH_TOKEN_TTL_SECS = "BYLINE_REFRESH_TOKEN_TTL_SECS", "2592000", number(1, 31622400),
        "refresh token lifetime (30 days)";
    REFRESH_REUSE_SECS = "BYLINE_REFRESH_REUSE_SECS", "10", number(0, 300),
        "a used refresh token still gets a new pair this long after its first use (two tabs refreshing at once); later reuse revokes the whole family";
    LOGIN_MAX_FAILURES_PER_ACCOUNT = "BYLINE_LOGIN_MAX_FAILURES_PER_ACCOUNT", "10", number(1, 10000),
        "failed logins per account per window";
    LOGIN_MAX_FAILURES_PER_ADDRESS = "BYLINE_LOGIN_MAX_FAILURES_PER_ADDRESS", "100", number(1, 1000000),
        "failed logins per client address per window";
    LOGIN_WINDOW_SECS = "BYLINE_LOGIN_WINDOW_SECS", "300", number(1, 86400),
        "the rate-limit window";
    TRUSTED_PROXIES = "BYLINE_TRUSTED_PROXIES", "", text(), shown "empty",
        "comma-separated address blocks (`10.0.0.0/8`, `::1`) of reverse proxies; behind one of them the client address (for logs and login limits) is the right-most `X-Forwarded-For` entry that is not a listed proxy; otherwise the socket peer, and the header is ignored";
    ADMIN_EMAIL = "BYLINE_ADMIN_EMAIL", "", text(), shown "none",
        "first admin's email (with the password below)";
    ADMIN_PASSWORD = "BYLINE_ADMIN_PASSWORD", "", secret(), shown "none",
        "first admin's password; unset: one is generated and printed";
    CACHE_MAX_AGE = "BYLINE_CACHE_MAX_AGE", "60", number(0, 31536000),
        "`max-age` of public article responses";
    CACHE_BYTES = "BYLINE_CACHE_BYTES", "16777216", number(0, 1099511627776),
        "size of the in-memory response cache of public reads (16 MiB); 0 turns it off. Give every process on one database the same setting: a process with the cache off sends no invalidations";
    METRICS_TOKEN = "BYLINE_METRICS_TOKEN", "", secret(), shown "(none)",
        "`GET /metrics` answers only to this bearer token (16 characters or more); without it, and without `BYLINE_METRICS_BIND`, metrics are off (404 to a bearer token, 401 without one)";
    METRICS_BIND = "BYLINE_METRICS_BIND", "", text(), shown "(none)",
        "a second address (such as `127.0.0.1:9090`) that serves `GET /metrics` alone, with no token";
    MEDIA_MAX_BYTES = "BYLINE_MEDIA_MAX_BYTES", "20971520", number(1024, 1073741824),
        "the largest upload (20 MiB)";
    MEDIA_RENDER_MIB = "BYLINE_MEDIA_RENDER_MIB", "256", number(16, 1048576),
        "MiB that renditions being made may hold together (decoded pixels, counted from the header before decoding); an image whose render alone needs more is refused at upload (422 `too_large_to_render`)";
    MEDIA_QUALITY = "BYLINE_MEDIA_QUALITY", "80", number(1, 100),
        "quality of WebP and AVIF renditions (lossy); a change makes new rendition files";
    MEDIA_AVIF_SPEED = "BYLINE_MEDIA_AVIF_SPEED", "10", number(1, 10),
        "the AVIF encoder's speed, 1 (slowest, smallest files) to 10 (fastest; a 1280 px rendition in about half a second on two cores)";
    MEDIA_RENDERS = "BYLINE_MEDIA_RENDERS", "2", number(1, 64),
        "renditions made at once, each on a render thread of its own (within `BYLINE_MEDIA_RENDER_MIB`)";
    MEDIA_DIR = "BYLINE_MEDIA_DIR", "", text(), shown "`<data dir>/media`",
        "the media folder: the files (unless in S3) and uploads being received";
    MEDIA_S3_BUCKET = "BYLINE_MEDIA_S3_BUCKET", "", text(), shown "(none)",
        "keep media files in this S3-compatible bucket instead of the folder";
    MEDIA_S3_ENDPOINT = "BYLINE_MEDIA_S3_ENDPOINT", "", text(), shown "(AWS)",
        "another S3-compatible service (`http://127.0.0.1:9000`; http is allowed for such an endpoint)";
    MEDIA_S3_REGION = "BYLINE_MEDIA_S3_REGION", "us-east-1", text(),
        "the bucket's region";
    MEDIA_S3_ACCESS_KEY_ID = "BYLINE_MEDIA_S3_ACCESS_KEY_ID", "", text(), shown "(none)",
        "credentials, with the secret below; without them the usual AWS environment and instance credentials apply";
    MEDIA_S3_SECRET_ACCESS_KEY = "BYLINE_MEDIA_S3_SECRET_ACCESS_KEY", "", secret(), shown "(none)",
        "never logged";
    MEDIA_S3_PREFIX = "BYLINE_MEDIA_S3_PREFIX", "", text(), shown "(none)",
        "a folder inside the bucket, to share one";
    SITE_URL = "BYLINE_SITE_URL", "", text(), shown "(none)",
        "the public site's address (`https://news.example.com`), for the links of feeds and sitemaps; without it they answer 404 `not_configured`";
    SITE_NAME = "BYLINE_SITE_NAME", "", text(), shown "the site's host",
        "the feeds' title and the Google News publication name";
    SITE_LANGUAGE = "BYLINE_SITE_LANGUAGE", "", text(), shown "`BYLINE_DEFAULT_LOCALE`",
        "the language of feeds asked for without `locale`";
    DEFAULT_LOCALE = "BYLINE_DEFAULT_LOCALE", "en", text(),
        "the language (BCP 47: `en`, `ru`, `pt-BR`) of stories written without `locale`, of the stories there were when languages arrived, and of sitemaps' `x-default`";
    ARTICLE_URL = "BYLINE_ARTICLE_URL", "{site}/{category}/{slug}", text(),
        "an article's page on the site: `{site}`, `{slug}`, `{id}`, `{category}`, `{yyyy}`, `{mm}`, `{dd}`; must contain `{slug}` or `{id}`";
    CATEGORY_URL = "BYLINE_CATEGORY_URL", "{site}/{slug}", text(),
        "a section's page: `{site}`, `{slug}`";
    TAG_URL = "BYLINE_TAG_URL", "{site}/tag/{slug}", text(),
        "a tag's page: `{site}`, `{slug}`";
    UNCATEGORIZED_SEGMENT = "BYLINE_UNCATEGORIZED_SEGMENT", "news", text(),
        "`{category}` for an article without a section";
    PREVIEW_URL = "BYLINE_PREVIEW_URL", "", text(), shown "(none)",
        "the front-end's preview page, with `{token}` (`https://news.example.com/preview/{token}`): the `url` of a preview link; without it, `url` is the API's own `/api/v1/preview/{token}`";
    LOCK_SECS = "BYLINE_LOCK_SECS", "300", number(10, 86400),
        "seconds an edit lock lasts unless its holder renews it (`POST …/lock` again)";
    TRASH_DAYS = "BYLINE_TRASH_DAYS", "30", number(0, 36500),
        "days a trashed article stays restorable before it is deleted for good";
    AUDIT_DAYS = "BYLINE_AUDIT_DAYS", "365", number(1, 36500),
        "days audit entries are kept";
    HISTORY_SWEEP_SECS = "BYLINE_HISTORY_SWEEP_SECS", "3600", number(1, 86400),
        "seconds between runs of the sweep that enforces both (and the two below)";
    EVENTS_DAYS = "BYLINE_EVENTS_DAYS", "30", number(1, 36500),
        "days events (the changes feed) and finished webhook deliveries are kept";
    WEBHOOK_ALLOW_PRIVATE = "BYLINE_WEBHOOK_ALLOW_PRIVATE", "false", flag(),
        "`true` lets webhooks reach loopback, private and link-local addresses (a receiver on the same host or network)";
    WEBHOOK_CONCURRENCY = "BYLINE_WEBHOOK_CONCURRENCY", "16", number(1, 1024),
        "webhook deliveries in flight at once, per process (at most 4 per webhook)";
    WEBHOOK_RETRY_SCHEDULE = "BYLINE_WEBHOOK_RETRY_SCHEDULE", "5s,5m,30m,2h,5h,10h,10h", text(),
        "waits between the attempts of a failing delivery (each ±20 %, at most 24h each, 1 to 50 of them); after the last, it is `failed`";
    SERVER_TIMING = "BYLINE_SERVER_TIMING", "false", flag(),
        "add `Server-Timing: db;desc=\"N queries\"` to responses";
    SEARCH_LANGUAGE = "BYLINE_SEARCH_LANGUAGE", "", text(), shown "from `BYLINE_DEFAULT_LOCALE`",
        "PostgreSQL text-search configuration of stories in `BYLINE_DEFAULT_LOCALE` (other languages use their own, or `simple`)";
    SEARCH_RECENCY = "BYLINE_SEARCH_RECENCY", "100", number(0, 1000),
        "how much age counts against a search hit under `sort=relevance`, in hundredths: at 100 a hit a year older needs twice the text score to rank level; 0 ranks by text alone";
    SEARCH_CANDIDATES = "BYLINE_SEARCH_CANDIDATES", "1000", number(10, 100000),
        "`sort=relevance` ranks the newest this many matches of a search (every match when fewer), plus exact title matches; `sort=-published_at` pages through all";
    SEARCH_EXACT_TOTAL = "BYLINE_SEARCH_EXACT_TOTAL", "10000", number(10, 100000000),
        "a search's `meta.total` is exact up to this many matches; past it, it is this number and `meta.total_exact` is `false`";
    SEARCH_TIMEOUT_MS = "BYLINE_SEARCH_TIMEOUT_MS", "5000", number(10, 600000),
        "on PostgreSQL, how long one search with a phrase (`q` on a list) may run, in milliseconds; past it the answer is a 503 `search_timeout` and the connection is free again";
}

/// Variables that Byline's tools read, which are not server settings.
const NOT_SETTINGS: &[&str] = &[
    "BYLINE_CONFIG",
    "BYLINE_TEST_DATABASE_URL",
    "BYLINE_TEST_REQUIRE_POSTGRES",
    "BYLINE_UPDATE_OPENAPI",
    "BYLINE_UPDATE_DOCS",
    "BYLINE_BENCH_PG",
];

/// A warning for each `BYLINE_*` variable in the environment that is no setting, naming the
/// closest real one: a misspelled variable would otherwise be ignored without a word.
pub fn unknown_variables(env: &HashMap<String, String>) -> Vec<String> {
    let mut names: Vec<&String> = env
        .keys()
        .filter(|name| name.starts_with("BYLINE_"))
        .filter(|name| !NOT_SETTINGS.contains(&name.as_str()))
        .filter(|name| !SETTINGS.iter().any(|s| s.env == name.as_str()))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let closest = SETTINGS
                .iter()
                .min_by_key(|s| distance(s.env, name))
                .map_or("", |s| s.env);
            format!("{name} is not a Byline setting and is ignored; did you mean {closest}?")
        })
        .collect()
}

/// The edit distance between two names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The README's settings table.
pub fn readme_table() -> String {
    let mut out =
        String::from("| variable | `byline.toml` key | default | meaning |\n|---|---|---|---|\n");
    for s in SETTINGS {
        let default = match s.shown_default {
            Some(shown) => shown.to_owned(),
            None => format!("`{}`", s.default),
        };
        let range = match s.kind {
            Kind::Number { min, max, .. } => format!("; {min} to {max}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {default} | {}{range} |\n",
            s.env,
            s.key(),
            s.help
        ));
    }
    out.push_str(
        "| `BYLINE_CONFIG` | – | `byline.toml` if present | path of the settings file |\n",
    );
    out
}

/// `.env.example`: every setting with its default and its help.
pub fn env_example() -> String {
    let mut out = String::from(
        "# Every Byline setting with its default, as the README's settings table lists them.\n\
         # Copy the lines you change into your environment (Byline does not read this file\n\
         # itself), or put them in byline.toml as `key = value` with the lowercase key.\n",
    );
    for s in SETTINGS {
        let range = match s.kind {
            Kind::Number { min, max, .. } => format!(" ({min} to {max})"),
            _ => String::new(),
        };
        out.push_str(&format!("\n# {}{range}\n{}={}\n", s.help, s.env, s.default));
    }
    out
}
