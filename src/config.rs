//! Typed settings: built-in defaults, then an optional TOML file, then `BYLINE_*` environment
//! variables (and `DATABASE_URL`), each layer overriding the one before.
//!
//! Every setting is parsed here, once, so a bad value stops start-up with one line that names
//! the setting instead of failing later on a request path.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::db::DatabaseUrl;

/// Where the optional settings file is looked for when `BYLINE_CONFIG` is not set.
pub const DEFAULT_CONFIG_FILE: &str = "byline.toml";

/// A setting that could not be used, with the name the user knows it by.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {name}: {reason}")]
pub struct SettingError {
    /// The environment variable name of the setting (`BYLINE_BIND`, `DATABASE_URL`, …).
    pub name: String,
    /// What is wrong with the value, for a person to read.
    pub reason: String,
}

impl SettingError {
    fn new(name: &str, reason: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A block of addresses in CIDR notation (`10.0.0.0/8`, `::1/128`; a bare address is a
/// block of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: std::net::IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Reads `address/prefix` or a bare address.
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let network: std::net::IpAddr = addr.parse().ok()?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => bits,
        };
        (prefix <= bits).then_some(Self { network, prefix })
    }

    /// Whether the block holds `ip` (an IPv4 address given as IPv4-mapped IPv6 counts as
    /// IPv4).
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let mask = |bits: u32, width: u32| -> u128 {
            if bits == 0 {
                0
            } else {
                (u128::MAX << (width - bits)) & (u128::MAX >> (128 - width))
            }
        };
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let m = mask(u32::from(self.prefix), 32);
                u128::from(u32::from(net)) & m == u128::from(u32::from(ip)) & m
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let m = mask(u32::from(self.prefix), 128);
                u128::from(net) & m == u128::from(ip) & m
            }
            _ => false,
        }
    }
}

/// Output format of the log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Everything the server needs to know to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Which database to use, already parsed into a backend and a target.
    pub database_url: DatabaseUrl,
    /// Address the HTTP server listens on; port 0 picks a free one.
    pub bind: SocketAddr,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request's body may take to arrive (else 408).
    pub body_timeout: Duration,
    /// Connections kept in the pool; `None` picks a size fitted to the backend.
    pub pool_size: Option<u32>,
    /// How long a request waits for a database connection before answering 503.
    pub db_timeout: Duration,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Origins allowed to call the API from a browser; empty disables CORS.
    pub cors_origins: Vec<String>,
    /// Log filter directives (`info`, `byline=debug,actix_web=info`, …).
    pub log_filter: String,
    /// Log line format.
    pub log_format: LogFormat,
    /// How long in-flight requests may run after a shutdown signal.
    pub shutdown_timeout: Duration,
    /// Folder for the embedded database and generated secrets.
    pub data_dir: PathBuf,
    /// Token signing and lifetimes.
    pub auth: AuthSettings,
    /// `max-age` of public article responses, in seconds.
    pub cache_max_age: u32,
    /// Size of the in-memory response cache of public reads, in bytes; 0 turns it off.
    pub cache_bytes: u64,
    /// `GET /metrics` answers only to this bearer token (or on `metrics_bind`).
    pub metrics_token: Option<Secret>,
    /// A second address that serves `GET /metrics` alone, with no token.
    pub metrics_bind: Option<SocketAddr>,
    /// Whether responses report their database statement count in `Server-Timing`.
    pub server_timing: bool,
    /// PostgreSQL text-search configuration (`english`, `simple`, `german`, …).
    pub search_language: String,
    /// The first admin account, created on the first start of an empty database.
    pub bootstrap_admin: Option<(String, Secret)>,
    /// Proxies whose `X-Forwarded-For` names the client (for logs and rate limits).
    pub trusted_proxies: Vec<Cidr>,
    /// How long the trash and the audit log keep what they hold.
    pub retention: Retention,
    /// The events feed and webhook deliveries.
    pub events: EventSettings,
    /// Where the front-end shows content, for feeds and sitemaps; `None`: they answer 404.
    pub site: Option<SiteSettings>,
    /// Uploads and where their files are kept.
    pub media: MediaSettings,
}

/// Uploads and their store.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// `BYLINE_MEDIA_MAX_BYTES`: the largest upload.
    pub max_bytes: u64,
    /// `BYLINE_MEDIA_RENDER_MIB`: the memory all renders in progress may hold together,
    /// in bytes; an image whose render alone needs more is refused at upload.
    pub render_budget: u64,
    /// `BYLINE_MEDIA_DIR`: the directory store (and, with S3, the uploads' scratch space);
    /// empty means `<data dir>/media`.
    pub dir: Option<PathBuf>,
    /// The S3-compatible bucket, when `BYLINE_MEDIA_S3_BUCKET` is set.
    pub s3: Option<S3Settings>,
}

/// An S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct S3Settings {
    /// `BYLINE_MEDIA_S3_BUCKET`.
    pub bucket: String,
    /// `BYLINE_MEDIA_S3_ENDPOINT`: another service than AWS (MinIO, R2, …).
    pub endpoint: Option<String>,
    /// `BYLINE_MEDIA_S3_REGION`.
    pub region: String,
    /// `BYLINE_MEDIA_S3_ACCESS_KEY_ID`.
    pub access_key_id: Option<String>,
    /// `BYLINE_MEDIA_S3_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<Secret>,
    /// `BYLINE_MEDIA_S3_PREFIX`: a folder inside the bucket, to share one.
    pub prefix: Option<String>,
}

/// Where the front-end shows content: the links of feeds and sitemaps.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// `BYLINE_SITE_URL`, without a trailing slash.
    pub url: String,
    /// `BYLINE_SITE_NAME`: the feeds' title and the Google News publication name.
    pub name: String,
    /// `BYLINE_SITE_LANGUAGE`: an ISO 639 code, for feeds and Google News.
    pub language: String,
    /// `BYLINE_ARTICLE_URL`: `{site}`, `{slug}`, `{id}`, `{category}`, `{yyyy}`, `{mm}`, `{dd}`.
    pub article_url: String,
    /// `BYLINE_CATEGORY_URL`: `{site}`, `{slug}`.
    pub category_url: String,
    /// `BYLINE_TAG_URL`: `{site}`, `{slug}`.
    pub tag_url: String,
    /// `BYLINE_UNCATEGORIZED_SEGMENT`: `{category}` of an article without one.
    pub uncategorized: String,
}

/// What an article's link is made of.
#[derive(Debug, Clone, Copy)]
pub struct ArticleLink<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its slug.
    pub slug: &'a str,
    /// Its category's slug, if it has one.
    pub category: Option<&'a str>,
    /// When it was published.
    pub published_at: Option<chrono::NaiveDateTime>,
}

impl SiteSettings {
    /// The front-end's URL of an article.
    pub fn article(&self, link: ArticleLink<'_>) -> String {
        let date = link.published_at.unwrap_or_default();
        fill(
            &self.article_url,
            &[
                ("{site}", &self.url),
                ("{slug}", link.slug),
                ("{id}", link.id),
                ("{category}", link.category.unwrap_or(&self.uncategorized)),
                ("{yyyy}", &date.format("%Y").to_string()),
                ("{mm}", &date.format("%m").to_string()),
                ("{dd}", &date.format("%d").to_string()),
            ],
        )
    }

    /// The front-end's URL of a category's page.
    pub fn category(&self, slug: &str) -> String {
        fill(
            &self.category_url,
            &[("{site}", &self.url), ("{slug}", slug)],
        )
    }

    /// The front-end's URL of a tag's page.
    pub fn tag(&self, slug: &str) -> String {
        fill(&self.tag_url, &[("{site}", &self.url), ("{slug}", slug)])
    }

    /// The URL of one of Byline's own public paths (`/feeds/articles.rss`), as the site
    /// serves it: under `BYLINE_SITE_URL`, where a proxy routes it to Byline.
    pub fn own(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

/// Replaces each placeholder in one pass, so that a value containing `{slug}` is not
/// replaced again.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    'scan: while !rest.is_empty() {
        for (name, value) in values {
            if let Some(after) = rest.strip_prefix(name) {
                out.push_str(value);
                rest = after;
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// Checks a URL template: only the given placeholders, and an absolute http(s) URL once
/// filled in.
fn url_template(
    name: &str,
    value: &str,
    allowed: &[&str],
    needs: &[&str],
) -> Result<String, SettingError> {
    let mut rest = value;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .map(|e| start + e + 1)
            .ok_or_else(|| SettingError::new(name, "has a `{` with no closing `}`"))?;
        let placeholder = &rest[start..end];
        if !allowed.contains(&placeholder) {
            return Err(SettingError::new(
                name,
                format!(
                    "`{placeholder}` is not a placeholder; use {}",
                    allowed.join(", ")
                ),
            ));
        }
        rest = &rest[end..];
    }
    if !needs.iter().any(|n| value.contains(n)) {
        return Err(SettingError::new(
            name,
            format!("must contain {}", needs.join(" or ")),
        ));
    }
    // Filled in, it must be an absolute web address.
    let sample: Vec<(&str, &str)> = allowed
        .iter()
        .map(|p| {
            (
                *p,
                if *p == "{site}" {
                    "https://example.com"
                } else {
                    "x1"
                },
            )
        })
        .collect();
    let filled = fill(value, &sample);
    let absolute = url::Url::parse(&filled)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !absolute {
        return Err(SettingError::new(
            name,
            "must make an absolute http(s) URL, such as {site}/{category}/{slug}",
        ));
    }
    Ok(value.to_owned())
}

/// The events feed, the scheduler and webhook deliveries.
#[derive(Debug, Clone)]
pub struct EventSettings {
    /// Events (and finished deliveries) are deleted after this long.
    pub keep: Duration,
    /// Whether webhooks may point at loopback, private and link-local addresses.
    pub allow_private: bool,
    /// Deliveries in flight at once, per process.
    pub concurrency: usize,
    /// Waits between the attempts of a failing delivery (before jitter).
    pub retry_schedule: Vec<Duration>,
}

/// How long history is kept, and how often the sweep that enforces it runs.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Trashed articles are deleted for good after this long.
    pub trash: Duration,
    /// Audit entries are deleted after this long.
    pub audit: Duration,
    /// How often the sweep runs.
    pub every: Duration,
}

/// A secret value: never printed, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How tokens are signed and how long they live.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// The HS256 key; `None` means generate one and keep it in the data folder.
    pub jwt_secret: Option<Secret>,
    /// The `iss` claim issued and required.
    pub issuer: String,
    /// The `aud` claim issued and required.
    pub audience: String,
    /// Lifetime of an access token.
    pub access_ttl: Duration,
    /// Lifetime of a refresh token.
    pub refresh_ttl: Duration,
    /// How long after its first use a refresh token may be used again (two tabs refreshing
    /// at once) before a further use counts as theft and revokes its family.
    pub refresh_reuse_interval: Duration,
    /// Failed logins allowed per account within the window.
    pub max_failures_per_account: usize,
    /// Failed logins allowed per client address within the window.
    pub max_failures_per_address: usize,
    /// The rate-limit window.
    pub failure_window: Duration,
}

/// The shortest signing secret accepted, in bytes.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// One row of the settings table: the environment name, the file key and the default.
pub struct SettingSpec {
    /// Environment variable.
    pub env: &'static str,
    /// Key in the TOML file.
    pub key: &'static str,
    /// Default value as text (empty when there is none).
    pub default: &'static str,
}

/// Every setting Byline reads, in the order the README lists them.
pub const SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        env: "DATABASE_URL",
        key: "database_url",
        default: "sqlite://byline-data/byline.db",
    },
    SettingSpec {
        env: "BYLINE_BIND",
        key: "bind",
        default: "127.0.0.1:8080",
    },
    SettingSpec {
        env: "BYLINE_BODY_LIMIT",
        key: "body_limit",
        default: "1048576",
    },
    SettingSpec {
        env: "BYLINE_BODY_TIMEOUT_SECS",
        key: "body_timeout_secs",
        default: "30",
    },
    SettingSpec {
        env: "BYLINE_DATABASE_POOL_SIZE",
        key: "database_pool_size",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_DATABASE_TIMEOUT_MS",
        key: "database_timeout_ms",
        default: "2000",
    },
    SettingSpec {
        env: "BYLINE_WORKERS",
        key: "workers",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_CORS_ORIGINS",
        key: "cors_origins",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_LOG",
        key: "log",
        default: "info",
    },
    SettingSpec {
        env: "BYLINE_LOG_FORMAT",
        key: "log_format",
        default: "text",
    },
    SettingSpec {
        env: "BYLINE_SHUTDOWN_TIMEOUT_SECS",
        key: "shutdown_timeout_secs",
        default: "30",
    },
    SettingSpec {
        env: "BYLINE_DATA_DIR",
        key: "data_dir",
        default: "byline-data",
    },
    SettingSpec {
        env: "BYLINE_CACHE_MAX_AGE",
        key: "cache_max_age",
        default: "60",
    },
    SettingSpec {
        env: "BYLINE_CACHE_BYTES",
        key: "cache_bytes",
        default: "33554432",
    },
    SettingSpec {
        env: "BYLINE_METRICS_TOKEN",
        key: "metrics_token",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_METRICS_BIND",
        key: "metrics_bind",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_MEDIA_MAX_BYTES",
        key: "media_max_bytes",
        default: "20971520",
    },
    SettingSpec {
        env: "BYLINE_MEDIA_RENDER_MIB",
        key: "media_render_mib",
        default: "256",
    },
    SettingSpec {
        env: "BYLINE_MEDIA_DIR",
        key: "media_dir",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_MEDIA_S3_BUCKET",
        key: "media_s3_bucket",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_MEDIA_S3_ENDPOINT",
        key: "media_s3_endpoint",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_MEDIA_S3_REGION",
        key: "media_s3_region",
        default: "us-east-1",
    },
    SettingSpec {
        env: "BYLINE_MEDIA_S3_ACCESS_KEY_ID",
        key: "media_s3_access_key_id",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_MEDIA_S3_SECRET_ACCESS_KEY",
        key: "media_s3_secret_access_key",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_MEDIA_S3_PREFIX",
        key: "media_s3_prefix",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_SITE_URL",
        key: "site_url",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_SITE_NAME",
        key: "site_name",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_SITE_LANGUAGE",
        key: "site_language",
        default: "en",
    },
    SettingSpec {
        env: "BYLINE_ARTICLE_URL",
        key: "article_url",
        default: "{site}/{category}/{slug}",
    },
    SettingSpec {
        env: "BYLINE_CATEGORY_URL",
        key: "category_url",
        default: "{site}/{slug}",
    },
    SettingSpec {
        env: "BYLINE_TAG_URL",
        key: "tag_url",
        default: "{site}/tag/{slug}",
    },
    SettingSpec {
        env: "BYLINE_UNCATEGORIZED_SEGMENT",
        key: "uncategorized_segment",
        default: "news",
    },
    SettingSpec {
        env: "BYLINE_TRASH_DAYS",
        key: "trash_days",
        default: "30",
    },
    SettingSpec {
        env: "BYLINE_AUDIT_DAYS",
        key: "audit_days",
        default: "365",
    },
    SettingSpec {
        env: "BYLINE_HISTORY_SWEEP_SECS",
        key: "history_sweep_secs",
        default: "3600",
    },
    SettingSpec {
        env: "BYLINE_EVENTS_DAYS",
        key: "events_days",
        default: "30",
    },
    SettingSpec {
        env: "BYLINE_WEBHOOK_ALLOW_PRIVATE",
        key: "webhook_allow_private",
        default: "false",
    },
    SettingSpec {
        env: "BYLINE_WEBHOOK_CONCURRENCY",
        key: "webhook_concurrency",
        default: "16",
    },
    SettingSpec {
        env: "BYLINE_WEBHOOK_RETRY_SCHEDULE",
        key: "webhook_retry_schedule",
        default: "5s,5m,30m,2h,5h,10h,10h",
    },
    SettingSpec {
        env: "BYLINE_SERVER_TIMING",
        key: "server_timing",
        default: "false",
    },
    SettingSpec {
        env: "BYLINE_SEARCH_LANGUAGE",
        key: "search_language",
        default: "english",
    },
    SettingSpec {
        env: "BYLINE_JWT_SECRET",
        key: "jwt_secret",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_JWT_ISSUER",
        key: "jwt_issuer",
        default: "byline",
    },
    SettingSpec {
        env: "BYLINE_JWT_AUDIENCE",
        key: "jwt_audience",
        default: "byline-api",
    },
    SettingSpec {
        env: "BYLINE_ACCESS_TOKEN_TTL_SECS",
        key: "access_token_ttl_secs",
        default: "900",
    },
    SettingSpec {
        env: "BYLINE_REFRESH_TOKEN_TTL_SECS",
        key: "refresh_token_ttl_secs",
        default: "2592000",
    },
    SettingSpec {
        env: "BYLINE_REFRESH_REUSE_SECS",
        key: "refresh_reuse_secs",
        default: "10",
    },
    SettingSpec {
        env: "BYLINE_LOGIN_MAX_FAILURES_PER_ACCOUNT",
        key: "login_max_failures_per_account",
        default: "10",
    },
    SettingSpec {
        env: "BYLINE_LOGIN_MAX_FAILURES_PER_ADDRESS",
        key: "login_max_failures_per_address",
        default: "100",
    },
    SettingSpec {
        env: "BYLINE_LOGIN_WINDOW_SECS",
        key: "login_window_secs",
        default: "300",
    },
    SettingSpec {
        env: "BYLINE_TRUSTED_PROXIES",
        key: "trusted_proxies",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_ADMIN_EMAIL",
        key: "admin_email",
        default: "",
    },
    SettingSpec {
        env: "BYLINE_ADMIN_PASSWORD",
        key: "admin_password",
        default: "",
    },
];

impl Settings {
    /// Reads the settings from the process environment and the settings file it names.
    pub fn from_env() -> Result<Self, SettingError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::from_sources(&env)
    }

    /// The built-in defaults alone, ignoring any settings file and the environment.
    pub fn defaults() -> Result<Self, SettingError> {
        Self::parse(|name| {
            SETTINGS
                .iter()
                .find(|s| s.env == name)
                .map_or("", |s| s.default)
        })
    }

    /// Reads the settings from a given environment, so tests need not touch the process's.
    pub fn from_sources(env: &HashMap<String, String>) -> Result<Self, SettingError> {
        let explicit_file = env.get("BYLINE_CONFIG").filter(|v| !v.is_empty());
        let file = match explicit_file {
            Some(path) => Some(read_file(Path::new(path), "BYLINE_CONFIG")?),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                Some(read_file(Path::new(DEFAULT_CONFIG_FILE), "BYLINE_CONFIG")?)
            }
            None => None,
        };
        let mut values: HashMap<&'static str, String> = HashMap::new();
        for spec in SETTINGS {
            let mut value = spec.default.to_owned();
            if let Some(file_value) = file.as_ref().and_then(|f| f.get(spec.key)) {
                value = file_value.clone();
            }
            if let Some(env_value) = env.get(spec.env) {
                value = env_value.clone();
            }
            values.insert(spec.env, value);
        }
        if let Some(file) = &file
            && let Some(unknown) = file.keys().find(|k| !SETTINGS.iter().any(|s| s.key == *k))
        {
            return Err(SettingError::new(
                "BYLINE_CONFIG",
                format!("the settings file has an unknown key `{unknown}`"),
            ));
        }
        let get = |name: &str| values.get(name).map(String::as_str).unwrap_or_default();
        Self::parse(get)
    }

    fn parse<'a>(get: impl Fn(&str) -> &'a str) -> Result<Self, SettingError> {
        let database_url = DatabaseUrl::parse(get("DATABASE_URL"))
            .map_err(|reason| SettingError::new("DATABASE_URL", reason))?;
        let bind = parse_bind(get("BYLINE_BIND"))?;
        let body_limit = ranged::<usize>(
            "BYLINE_BODY_LIMIT",
            get("BYLINE_BODY_LIMIT"),
            1024,
            256 * 1024 * 1024,
        )?;
        let body_timeout = Duration::from_secs(ranged::<u64>(
            "BYLINE_BODY_TIMEOUT_SECS",
            get("BYLINE_BODY_TIMEOUT_SECS"),
            1,
            3600,
        )?);
        let pool_size = parse_optional::<u32>(
            "BYLINE_DATABASE_POOL_SIZE",
            get("BYLINE_DATABASE_POOL_SIZE"),
            1,
            1000,
        )?;
        let timeout_ms = ranged::<u64>(
            "BYLINE_DATABASE_TIMEOUT_MS",
            get("BYLINE_DATABASE_TIMEOUT_MS"),
            1,
            600_000,
        )?;
        let workers = parse_optional::<usize>("BYLINE_WORKERS", get("BYLINE_WORKERS"), 1, 1024)?;
        let cors_origins = parse_origins(get("BYLINE_CORS_ORIGINS"))?;
        let log_filter = get("BYLINE_LOG").trim().to_owned();
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&log_filter) {
            return Err(SettingError::new("BYLINE_LOG", e.to_string()));
        }
        let log_format = match get("BYLINE_LOG_FORMAT").trim() {
            "text" | "" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(SettingError::new(
                    "BYLINE_LOG_FORMAT",
                    format!("`{other}` is neither `text` nor `json`"),
                ));
            }
        };
        let shutdown = ranged::<u64>(
            "BYLINE_SHUTDOWN_TIMEOUT_SECS",
            get("BYLINE_SHUTDOWN_TIMEOUT_SECS"),
            0,
            3600,
        )?;
        let data_dir = get("BYLINE_DATA_DIR").trim();
        if data_dir.is_empty() {
            return Err(SettingError::new("BYLINE_DATA_DIR", "must not be empty"));
        }
        let auth = parse_auth(&get)?;
        let admin_email = get("BYLINE_ADMIN_EMAIL").trim().to_owned();
        let admin_password = get("BYLINE_ADMIN_PASSWORD").to_owned();
        let bootstrap_admin = match (admin_email.is_empty(), admin_password.is_empty()) {
            (true, true) => None,
            (false, false) => Some((admin_email, Secret::new(admin_password))),
            (true, false) => {
                return Err(SettingError::new(
                    "BYLINE_ADMIN_PASSWORD",
                    "is set without BYLINE_ADMIN_EMAIL; set both or neither",
                ));
            }
            (false, true) => {
                return Err(SettingError::new(
                    "BYLINE_ADMIN_EMAIL",
                    "is set without BYLINE_ADMIN_PASSWORD; set both or neither",
                ));
            }
        };
        let cache_max_age = ranged::<u32>(
            "BYLINE_CACHE_MAX_AGE",
            get("BYLINE_CACHE_MAX_AGE"),
            0,
            31_536_000,
        )?;
        let cache_bytes =
            ranged::<u64>("BYLINE_CACHE_BYTES", get("BYLINE_CACHE_BYTES"), 0, 1 << 40)?;
        let metrics_token = match get("BYLINE_METRICS_TOKEN") {
            "" => None,
            token if token.len() < 16 || token.trim() != token => {
                return Err(SettingError::new(
                    "BYLINE_METRICS_TOKEN",
                    "must be at least 16 characters, with no spaces around it",
                ));
            }
            token => Some(Secret::new(token)),
        };
        let metrics_bind = match get("BYLINE_METRICS_BIND").trim() {
            "" => None,
            value => Some(value.parse().map_err(|_| {
                SettingError::new(
                    "BYLINE_METRICS_BIND",
                    format!("`{value}` is not an address with a port, such as 127.0.0.1:9090"),
                )
            })?),
        };
        let days = |name: &str, min: u64| {
            ranged::<u64>(name, get(name), min, 36_500).map(|d| Duration::from_secs(d * DAY))
        };
        let retention = Retention {
            trash: days("BYLINE_TRASH_DAYS", 0)?,
            audit: days("BYLINE_AUDIT_DAYS", 1)?,
            every: Duration::from_secs(ranged::<u64>(
                "BYLINE_HISTORY_SWEEP_SECS",
                get("BYLINE_HISTORY_SWEEP_SECS"),
                1,
                DAY,
            )?),
        };
        let events = EventSettings {
            keep: days("BYLINE_EVENTS_DAYS", 1)?,
            allow_private: flag(
                "BYLINE_WEBHOOK_ALLOW_PRIVATE",
                get("BYLINE_WEBHOOK_ALLOW_PRIVATE"),
            )?,
            concurrency: ranged::<usize>(
                "BYLINE_WEBHOOK_CONCURRENCY",
                get("BYLINE_WEBHOOK_CONCURRENCY"),
                1,
                1024,
            )?,
            retry_schedule: parse_schedule(get("BYLINE_WEBHOOK_RETRY_SCHEDULE"))?,
        };
        let mut trusted_proxies = Vec::new();
        for item in get("BYLINE_TRUSTED_PROXIES").split(',').map(str::trim) {
            if item.is_empty() {
                continue;
            }
            let cidr = Cidr::parse(item).ok_or_else(|| {
                SettingError::new(
                    "BYLINE_TRUSTED_PROXIES",
                    format!("`{item}` is not an address block such as 10.0.0.0/8"),
                )
            })?;
            trusted_proxies.push(cidr);
        }
        let server_timing = flag("BYLINE_SERVER_TIMING", get("BYLINE_SERVER_TIMING"))?;
        let search_language = get("BYLINE_SEARCH_LANGUAGE").trim().to_owned();
        if search_language.is_empty()
            || !search_language
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_')
        {
            return Err(SettingError::new(
                "BYLINE_SEARCH_LANGUAGE",
                "must name a text-search configuration, such as english or simple",
            ));
        }
        let site = parse_site(&get)?;
        let media = parse_media(&get)?;
        Ok(Self {
            media,
            site,
            retention,
            events,
            trusted_proxies,
            search_language,
            server_timing,
            cache_max_age,
            cache_bytes,
            metrics_token,
            metrics_bind,
            auth,
            bootstrap_admin,
            database_url,
            bind,
            body_limit,
            body_timeout,
            pool_size,
            db_timeout: Duration::from_millis(timeout_ms),
            workers,
            cors_origins,
            log_filter,
            log_format,
            shutdown_timeout: Duration::from_secs(shutdown),
            data_dir: PathBuf::from(data_dir),
        })
    }
}

fn parse_media<'a>(get: &impl Fn(&str) -> &'a str) -> Result<MediaSettings, SettingError> {
    let max_bytes = ranged::<u64>(
        "BYLINE_MEDIA_MAX_BYTES",
        get("BYLINE_MEDIA_MAX_BYTES"),
        1024,
        1 << 30,
    )?;
    let render_budget = ranged::<u64>(
        "BYLINE_MEDIA_RENDER_MIB",
        get("BYLINE_MEDIA_RENDER_MIB"),
        16,
        1 << 20,
    )? << 20;
    let dir = Some(get("BYLINE_MEDIA_DIR").trim())
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    let bucket = get("BYLINE_MEDIA_S3_BUCKET").trim();
    let s3 = if bucket.is_empty() {
        None
    } else {
        let endpoint = Some(get("BYLINE_MEDIA_S3_ENDPOINT").trim())
            .filter(|e| !e.is_empty())
            .map(|e| {
                url::Url::parse(e)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .map(|_| e.trim_end_matches('/').to_owned())
                    .ok_or_else(|| {
                        SettingError::new(
                            "BYLINE_MEDIA_S3_ENDPOINT",
                            "must be an http or https URL, such as https://s3.example.com",
                        )
                    })
            })
            .transpose()?;
        let key_id = get("BYLINE_MEDIA_S3_ACCESS_KEY_ID").trim();
        let secret = get("BYLINE_MEDIA_S3_SECRET_ACCESS_KEY");
        if key_id.is_empty() != secret.is_empty() {
            return Err(SettingError::new(
                "BYLINE_MEDIA_S3_SECRET_ACCESS_KEY",
                "set both BYLINE_MEDIA_S3_ACCESS_KEY_ID and BYLINE_MEDIA_S3_SECRET_ACCESS_KEY, or neither",
            ));
        }
        Some(S3Settings {
            bucket: bucket.to_owned(),
            endpoint,
            region: match get("BYLINE_MEDIA_S3_REGION").trim() {
                "" => "us-east-1".to_owned(),
                r => r.to_owned(),
            },
            access_key_id: Some(key_id.to_owned()).filter(|k| !k.is_empty()),
            secret_access_key: Some(secret).filter(|s| !s.is_empty()).map(Secret::new),
            prefix: Some(get("BYLINE_MEDIA_S3_PREFIX").trim().trim_matches('/'))
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        })
    };
    Ok(MediaSettings {
        max_bytes,
        render_budget,
        dir,
        s3,
    })
}

fn parse_site<'a>(get: &impl Fn(&str) -> &'a str) -> Result<Option<SiteSettings>, SettingError> {
    let raw = get("BYLINE_SITE_URL").trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let parsed = url::Url::parse(raw).map_err(|_| {
        SettingError::new("BYLINE_SITE_URL", format!("`{raw}` is not an absolute URL"))
    })?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(SettingError::new(
            "BYLINE_SITE_URL",
            "must be an http or https URL with a host and no query, such as https://news.example.com",
        ));
    }
    let url = raw.trim_end_matches('/').to_owned();
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let segment = get("BYLINE_UNCATEGORIZED_SEGMENT").trim();
    if segment.is_empty() || !crate::slug::is_valid(segment) {
        return Err(SettingError::new(
            "BYLINE_UNCATEGORIZED_SEGMENT",
            "must be a slug, such as news",
        ));
    }
    let language = get("BYLINE_SITE_LANGUAGE").trim();
    let valid_language = (2..=3).contains(&language.split('-').next().unwrap_or("").len())
        && language.len() <= 35
        && language
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid_language {
        return Err(SettingError::new(
            "BYLINE_SITE_LANGUAGE",
            "must be a language code, such as en or pt-BR",
        ));
    }
    let name = match get("BYLINE_SITE_NAME").trim() {
        "" => host,
        name if name.chars().any(char::is_control) || name.chars().count() > 200 => {
            return Err(SettingError::new(
                "BYLINE_SITE_NAME",
                "must be one line of at most 200 characters",
            ));
        }
        name => name.to_owned(),
    };
    let article_placeholders = [
        "{site}",
        "{slug}",
        "{id}",
        "{category}",
        "{yyyy}",
        "{mm}",
        "{dd}",
    ];
    let page_placeholders = ["{site}", "{slug}"];
    Ok(Some(SiteSettings {
        article_url: url_template(
            "BYLINE_ARTICLE_URL",
            get("BYLINE_ARTICLE_URL").trim(),
            &article_placeholders,
            &["{slug}", "{id}"],
        )?,
        category_url: url_template(
            "BYLINE_CATEGORY_URL",
            get("BYLINE_CATEGORY_URL").trim(),
            &page_placeholders,
            &["{slug}"],
        )?,
        tag_url: url_template(
            "BYLINE_TAG_URL",
            get("BYLINE_TAG_URL").trim(),
            &page_placeholders,
            &["{slug}"],
        )?,
        uncategorized: segment.to_owned(),
        language: language.to_owned(),
        name,
        url,
    }))
}

fn parse_auth<'a>(get: &impl Fn(&str) -> &'a str) -> Result<AuthSettings, SettingError> {
    let secret = get("BYLINE_JWT_SECRET");
    let jwt_secret = if secret.is_empty() {
        None
    } else if secret.len() < MIN_JWT_SECRET_BYTES {
        return Err(SettingError::new(
            "BYLINE_JWT_SECRET",
            format!("must be at least {MIN_JWT_SECRET_BYTES} bytes long"),
        ));
    } else if secret.trim().is_empty() {
        return Err(SettingError::new("BYLINE_JWT_SECRET", "must not be blank"));
    } else {
        Some(Secret::new(secret))
    };
    let text = |name: &str| -> Result<String, SettingError> {
        let value = get(name).trim();
        if value.is_empty() {
            return Err(SettingError::new(name, "must not be empty"));
        }
        Ok(value.to_owned())
    };
    let seconds = |name: &str, max: u64| -> Result<Duration, SettingError> {
        ranged::<u64>(name, get(name), 1, max).map(Duration::from_secs)
    };
    let count = |name: &str, max: usize| ranged::<usize>(name, get(name), 1, max);
    Ok(AuthSettings {
        jwt_secret,
        issuer: text("BYLINE_JWT_ISSUER")?,
        audience: text("BYLINE_JWT_AUDIENCE")?,
        access_ttl: seconds("BYLINE_ACCESS_TOKEN_TTL_SECS", 30 * DAY)?,
        refresh_ttl: seconds("BYLINE_REFRESH_TOKEN_TTL_SECS", 366 * DAY)?,
        refresh_reuse_interval: Duration::from_secs(ranged::<u64>(
            "BYLINE_REFRESH_REUSE_SECS",
            get("BYLINE_REFRESH_REUSE_SECS"),
            0,
            300,
        )?),
        max_failures_per_account: count("BYLINE_LOGIN_MAX_FAILURES_PER_ACCOUNT", 10_000)?,
        max_failures_per_address: count("BYLINE_LOGIN_MAX_FAILURES_PER_ADDRESS", 1_000_000)?,
        failure_window: seconds("BYLINE_LOGIN_WINDOW_SECS", DAY)?,
    })
}

const DAY: u64 = 24 * 60 * 60;

/// Reads a flat TOML table of settings into strings, whatever the TOML type of each value.
fn read_file(path: &Path, name: &str) -> Result<HashMap<String, String>, SettingError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        SettingError::new(
            name,
            format!("cannot read settings file {}: {e}", path.display()),
        )
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        SettingError::new(
            name,
            format!("{} is not valid TOML: {}", path.display(), e.message()),
        )
    })?;
    let mut out = HashMap::new();
    for (key, value) in table {
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => {
                let mut parts = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(s) => parts.push(s),
                        _ => {
                            return Err(SettingError::new(
                                name,
                                format!("`{key}` in {} must list strings", path.display()),
                            ));
                        }
                    }
                }
                parts.join(",")
            }
            _ => {
                return Err(SettingError::new(
                    name,
                    format!("`{key}` in {} must be a string or a number", path.display()),
                ));
            }
        };
        out.insert(key, text);
    }
    Ok(out)
}

fn parse_bind(value: &str) -> Result<SocketAddr, SettingError> {
    value.trim().parse().map_err(|_| {
        SettingError::new(
            "BYLINE_BIND",
            format!("`{value}` is not an address with a port, such as 127.0.0.1:8080"),
        )
    })
}

fn parse_number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, SettingError> {
    value
        .trim()
        .parse()
        .map_err(|_| SettingError::new(name, format!("`{value}` is not a whole number in range")))
}

/// A whole number within `min..=max`.
fn ranged<T>(name: &str, value: &str, min: T, max: T) -> Result<T, SettingError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let n: T = parse_number(name, value)?;
    if n < min || n > max {
        return Err(SettingError::new(
            name,
            format!("`{}` is out of range: use {min} to {max}", value.trim()),
        ));
    }
    Ok(n)
}

fn parse_optional<T>(name: &str, value: &str, min: T, max: T) -> Result<Option<T>, SettingError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    if value.trim().is_empty() {
        Ok(None)
    } else {
        ranged(name, value, min, max).map(Some)
    }
}

fn parse_origins(value: &str) -> Result<Vec<String>, SettingError> {
    let mut origins = Vec::new();
    for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let well_formed = origin == "*"
            || ((origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.trim_end_matches('/').ends_with(':')
                && origin.matches('/').count() == 2);
        if !well_formed {
            return Err(SettingError::new(
                "BYLINE_CORS_ORIGINS",
                format!("`{origin}` is not an origin such as https://app.example.com"),
            ));
        }
        origins.push(origin.to_owned());
    }
    Ok(origins)
}

/// A true/false setting.
fn flag(name: &str, value: &str) -> Result<bool, SettingError> {
    match value.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        other => Err(SettingError::new(
            name,
            format!("`{other}` is neither true nor false"),
        )),
    }
}

/// A comma list of waits such as `5s,5m,2h` (seconds, minutes, hours), each at most a day.
fn parse_schedule(value: &str) -> Result<Vec<Duration>, SettingError> {
    const NAME: &str = "BYLINE_WEBHOOK_RETRY_SCHEDULE";
    let mut waits = Vec::new();
    for item in value.split(',').map(str::trim) {
        let bad = || {
            SettingError::new(
                NAME,
                format!("`{item}` is not a wait such as 30s, 5m or 2h (at most 24h)"),
            )
        };
        let (number, unit) = item.split_at(item.len().saturating_sub(1));
        let n: u64 = number.parse().map_err(|_| bad())?;
        let secs = match unit {
            "s" => n,
            "m" => n.saturating_mul(60),
            "h" => n.saturating_mul(3600),
            _ => return Err(bad()),
        };
        if secs > DAY {
            return Err(bad());
        }
        waits.push(Duration::from_secs(secs));
    }
    if waits.is_empty() || waits.len() > 50 {
        return Err(SettingError::new(NAME, "must list between 1 and 50 waits"));
    }
    Ok(waits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingError> {
        let env = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_sources(&env)
    }

    #[test]
    fn defaults_are_usable() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.body_limit, 1024 * 1024);
        assert!(s.cors_origins.is_empty());
    }

    #[test]
    fn bad_values_name_the_setting() {
        for (name, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("BYLINE_BIND", "localhost:eighty"),
            ("BYLINE_BODY_LIMIT", "lots"),
            ("BYLINE_LOG_FORMAT", "xml"),
            ("BYLINE_CORS_ORIGINS", "example.com"),
            ("BYLINE_CONFIG", "/nonexistent/byline.toml"),
            ("BYLINE_JWT_SECRET", "too short"),
            ("BYLINE_JWT_SECRET", "                                  "),
            ("BYLINE_REFRESH_TOKEN_TTL_SECS", "10000000000000"),
            ("BYLINE_ACCESS_TOKEN_TTL_SECS", "0"),
            ("BYLINE_LOGIN_WINDOW_SECS", "99999999999"),
            ("BYLINE_LOGIN_MAX_FAILURES_PER_ACCOUNT", "0"),
            ("BYLINE_BODY_LIMIT", "1023"),
            ("BYLINE_BODY_LIMIT", "99999999999999"),
            ("BYLINE_DATABASE_POOL_SIZE", "0"),
            ("BYLINE_DATABASE_TIMEOUT_MS", "0"),
            ("BYLINE_WORKERS", "100000"),
            ("BYLINE_SHUTDOWN_TIMEOUT_SECS", "86400"),
            ("BYLINE_CACHE_MAX_AGE", "-1"),
            ("BYLINE_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("BYLINE_TRUSTED_PROXIES", "proxy.local"),
            ("BYLINE_ADMIN_EMAIL", "admin@example.com"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err();
            assert_eq!(err.name, name, "{value}");
        }
    }

    #[test]
    fn the_site_settings_make_links() {
        assert!(settings(&[]).unwrap().site.is_none());
        let s = settings(&[("BYLINE_SITE_URL", "https://news.example.com/")]).unwrap();
        let site = s.site.unwrap();
        assert_eq!(site.url, "https://news.example.com");
        assert_eq!(site.name, "news.example.com");
        let at = chrono::NaiveDate::from_ymd_opt(2019, 2, 8).and_then(|d| d.and_hms_opt(9, 30, 0));
        let link = |category| ArticleLink {
            id: "01",
            slug: "oil-{slug}",
            category,
            published_at: at,
        };
        assert_eq!(
            site.article(link(Some("market"))),
            "https://news.example.com/market/oil-{slug}"
        );
        assert_eq!(
            site.article(link(None)),
            "https://news.example.com/news/oil-{slug}"
        );
        let s = settings(&[
            ("BYLINE_SITE_URL", "https://news.example.com"),
            ("BYLINE_ARTICLE_URL", "{site}/{yyyy}/{mm}/{dd}/{id}-{slug}"),
            ("BYLINE_UNCATEGORIZED_SEGMENT", "wire"),
            ("BYLINE_SITE_NAME", "Example News"),
        ])
        .unwrap();
        let site = s.site.unwrap();
        assert_eq!(
            site.article(link(None)),
            "https://news.example.com/2019/02/08/01-oil-{slug}"
        );
        assert_eq!(site.name, "Example News");
        assert_eq!(site.tag("oil"), "https://news.example.com/tag/oil");
    }

    #[test]
    fn bad_site_settings_name_the_setting() {
        for (name, value) in [
            ("BYLINE_SITE_URL", "news.example.com"),
            ("BYLINE_SITE_URL", "ftp://news.example.com"),
            ("BYLINE_SITE_URL", "https://news.example.com/?x=1"),
            ("BYLINE_ARTICLE_URL", "{site}/{title}"),
            ("BYLINE_ARTICLE_URL", "{site}/{category}"),
            ("BYLINE_ARTICLE_URL", "/{slug}"),
            ("BYLINE_ARTICLE_URL", "{site}/{slug"),
            ("BYLINE_TAG_URL", "{site}/tag/{id}"),
            ("BYLINE_UNCATEGORIZED_SEGMENT", "Top News"),
            ("BYLINE_SITE_LANGUAGE", "english language"),
            ("BYLINE_SITE_NAME", "two\nlines"),
        ] {
            let mut pairs = vec![(name, value)];
            if name != "BYLINE_SITE_URL" {
                pairs.push(("BYLINE_SITE_URL", "https://news.example.com"));
            }
            let err = settings(&pairs).unwrap_err();
            assert_eq!(err.name, name, "{value}");
        }
    }

    #[test]
    fn address_blocks() {
        let lan = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(lan.contains(&"10.200.1.2".parse().unwrap()));
        assert!(lan.contains(&"::ffff:10.0.0.1".parse().unwrap()));
        assert!(!lan.contains(&"11.0.0.1".parse().unwrap()));
        let one = Cidr::parse("2001:db8::1").unwrap();
        assert!(one.contains(&"2001:db8::1".parse().unwrap()));
        assert!(!one.contains(&"2001:db8::2".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains(&"8.8.8.8".parse().unwrap())
        );
        for bad in ["10.0.0.0/", "10.0.0.0/x", "::/129", "host", "10.0.0.0/+8"] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
        let s = settings(&[("BYLINE_TRUSTED_PROXIES", "10.0.0.0/8, ::1")]).unwrap();
        assert_eq!(s.trusted_proxies.len(), 2);
    }

    #[test]
    fn file_is_overridden_by_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("byline.toml");
        std::fs::write(&path, "bind = \"127.0.0.1:9000\"\nbody_limit = 4096\n").unwrap();
        let path = path.to_string_lossy().into_owned();
        let s = settings(&[("BYLINE_CONFIG", &path), ("BYLINE_BODY_LIMIT", "8192")]).unwrap();
        assert_eq!(s.bind.port(), 9000);
        assert_eq!(s.body_limit, 8192);
    }
}
