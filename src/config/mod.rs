//! Typed settings: built-in defaults, then an optional TOML file, then `BYLINE_*` environment
//! variables (and `DATABASE_URL`), each layer overriding the one before.
//!
//! Every setting is parsed here, once, so a bad value stops start-up with one line that names
//! the setting instead of failing later on a request path.

mod site;
pub mod spec;
mod values;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use site::{ArticleLink, SiteSettings};
pub use values::Cidr;

use self::spec as s;
use self::values::Values;
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
    pub(crate) fn new(name: &str, reason: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            reason: reason.into(),
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
    /// `BYLINE_DEFAULT_LOCALE`: the language of stories that name none.
    pub default_locale: String,
    /// How searches rank and count.
    pub search: SearchSettings,
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
    /// The front-end's preview page (`{token}` in it); `None`: links point at the API.
    pub preview_url: Option<String>,
    /// How long an edit lock lasts unless renewed, in seconds.
    pub lock_secs: i64,
    /// Uploads and where their files are kept.
    pub media: MediaSettings,
    /// What start-up should warn about: variables that look like settings and are not.
    pub warnings: Vec<String>,
}

/// How searches rank and count.
#[derive(Debug, Clone, Copy)]
pub struct SearchSettings {
    /// `BYLINE_SEARCH_RECENCY`: hundredths of a doubling of text score per year of age.
    pub recency: u32,
    /// `BYLINE_SEARCH_CANDIDATES`: the newest matches relevance ranks.
    pub candidates: u32,
    /// `BYLINE_SEARCH_EXACT_TOTAL`: how far a search's total is counted exactly.
    pub exact_total: u32,
    /// `BYLINE_SEARCH_TIMEOUT_MS`: how long one search may run on PostgreSQL.
    pub timeout_ms: u32,
}

/// Uploads and their store.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// `BYLINE_MEDIA_MAX_BYTES`: the largest upload.
    pub max_bytes: u64,
    /// `BYLINE_MEDIA_RENDER_MIB`: the memory all renders in progress may hold together,
    /// in bytes; an image whose render alone needs more is refused at upload.
    pub render_budget: u64,
    /// `BYLINE_MEDIA_QUALITY`: WebP and AVIF quality, 1 to 100.
    pub quality: u8,
    /// `BYLINE_MEDIA_AVIF_SPEED`: 1 to 10.
    pub avif_speed: u8,
    /// `BYLINE_MEDIA_RENDERS`: renditions made at once.
    pub renders: usize,
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

impl Settings {
    /// Reads the settings from the process environment and the settings file it names.
    pub fn from_env() -> Result<Self, SettingError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::from_sources(&env)
    }

    /// The built-in defaults alone, ignoring any settings file and the environment.
    pub fn defaults() -> Result<Self, SettingError> {
        Self::parse(&Values::defaults())
    }

    /// Reads the settings from a given environment, so tests need not touch the process's.
    pub fn from_sources(env: &HashMap<String, String>) -> Result<Self, SettingError> {
        let explicit_file = env.get("BYLINE_CONFIG").filter(|v| !v.is_empty());
        let file = match explicit_file {
            Some(path) => Some(values::read_file(Path::new(path), "BYLINE_CONFIG")?),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => Some(values::read_file(
                Path::new(DEFAULT_CONFIG_FILE),
                "BYLINE_CONFIG",
            )?),
            None => None,
        };
        if let Some(file) = &file
            && let Some(unknown) = file
                .keys()
                .find(|k| !s::SETTINGS.iter().any(|s| s.key() == **k))
        {
            return Err(SettingError::new(
                "BYLINE_CONFIG",
                format!("the settings file has an unknown key `{unknown}`"),
            ));
        }
        let mut settings = Self::parse(&Values::layered(file.as_ref(), env))?;
        settings.warnings = s::unknown_variables(env);
        Ok(settings)
    }

    fn parse(v: &Values) -> Result<Self, SettingError> {
        let database_url =
            DatabaseUrl::parse(v.raw(&s::DATABASE_URL)).map_err(|e| s::DATABASE_URL.error(e))?;
        let (log_filter, log_format) = logging(v)?;
        let data_dir = v.required(&s::DATA_DIR)?;
        Ok(Self {
            database_url,
            bind: address(v, &s::BIND)?.unwrap_or_else(|| ([127, 0, 0, 1], 8080).into()),
            body_limit: v.number(&s::BODY_LIMIT)?,
            body_timeout: v.seconds(&s::BODY_TIMEOUT_SECS)?,
            pool_size: v.optional(&s::DATABASE_POOL_SIZE)?,
            db_timeout: Duration::from_millis(v.number(&s::DATABASE_TIMEOUT_MS)?),
            workers: v.optional(&s::WORKERS)?,
            cors_origins: values::parse_origins(v.raw(&s::CORS_ORIGINS))?,
            log_filter,
            log_format,
            shutdown_timeout: v.seconds(&s::SHUTDOWN_TIMEOUT_SECS)?,
            data_dir: PathBuf::from(data_dir),
            auth: auth(v)?,
            cache_max_age: v.number(&s::CACHE_MAX_AGE)?,
            cache_bytes: v.number(&s::CACHE_BYTES)?,
            metrics_token: metrics_token(v)?,
            metrics_bind: address(v, &s::METRICS_BIND)?,
            server_timing: v.flag(&s::SERVER_TIMING)?,
            search_language: search_language(v)?,
            default_locale: default_locale(v)?,
            search: SearchSettings {
                recency: v.number(&s::SEARCH_RECENCY)?,
                candidates: v.number(&s::SEARCH_CANDIDATES)?,
                exact_total: v.number(&s::SEARCH_EXACT_TOTAL)?,
                timeout_ms: v.number(&s::SEARCH_TIMEOUT_MS)?,
            },
            bootstrap_admin: bootstrap_admin(v)?,
            trusted_proxies: trusted_proxies(v)?,
            retention: Retention {
                trash: v.days(&s::TRASH_DAYS)?,
                audit: v.days(&s::AUDIT_DAYS)?,
                every: v.seconds(&s::HISTORY_SWEEP_SECS)?,
            },
            events: EventSettings {
                keep: v.days(&s::EVENTS_DAYS)?,
                allow_private: v.flag(&s::WEBHOOK_ALLOW_PRIVATE)?,
                concurrency: v.number(&s::WEBHOOK_CONCURRENCY)?,
                retry_schedule: values::parse_schedule(v.raw(&s::WEBHOOK_RETRY_SCHEDULE))?,
            },
            site: site::parse(v)?,
            preview_url: site::preview_url(v)?,
            lock_secs: v.number(&s::LOCK_SECS)?,
            media: media(v)?,
            warnings: Vec::new(),
        })
    }
}

/// An address with a port; `None` when empty.
fn address(v: &Values, setting: &s::Setting) -> Result<Option<SocketAddr>, SettingError> {
    match v.text(setting) {
        "" if setting.default.is_empty() => Ok(None),
        value => value.parse().map(Some).map_err(|_| {
            setting.error(format!(
                "`{value}` is not an address with a port, such as 127.0.0.1:8080"
            ))
        }),
    }
}

fn logging(v: &Values) -> Result<(String, LogFormat), SettingError> {
    let filter = v.text(&s::LOG).to_owned();
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&filter) {
        return Err(s::LOG.error(e.to_string()));
    }
    let format = match v.text(&s::LOG_FORMAT) {
        "text" | "" => LogFormat::Text,
        "json" => LogFormat::Json,
        other => {
            return Err(s::LOG_FORMAT.error(format!("`{other}` is neither `text` nor `json`")));
        }
    };
    Ok((filter, format))
}

fn bootstrap_admin(v: &Values) -> Result<Option<(String, Secret)>, SettingError> {
    let email = v.text(&s::ADMIN_EMAIL).to_owned();
    let password = v.raw(&s::ADMIN_PASSWORD).to_owned();
    match (email.is_empty(), password.is_empty()) {
        (true, true) => Ok(None),
        (false, false) => Ok(Some((email, Secret::new(password)))),
        (true, false) => {
            Err(s::ADMIN_PASSWORD.error("is set without BYLINE_ADMIN_EMAIL; set both or neither"))
        }
        (false, true) => {
            Err(s::ADMIN_EMAIL.error("is set without BYLINE_ADMIN_PASSWORD; set both or neither"))
        }
    }
}

fn metrics_token(v: &Values) -> Result<Option<Secret>, SettingError> {
    match v.raw(&s::METRICS_TOKEN) {
        "" => Ok(None),
        token if token.len() < 16 || token.trim() != token => {
            Err(s::METRICS_TOKEN.error("must be at least 16 characters, with no spaces around it"))
        }
        token => Ok(Some(Secret::new(token))),
    }
}

fn trusted_proxies(v: &Values) -> Result<Vec<Cidr>, SettingError> {
    v.raw(&s::TRUSTED_PROXIES)
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            Cidr::parse(item).ok_or_else(|| {
                s::TRUSTED_PROXIES.error(format!(
                    "`{item}` is not an address block such as 10.0.0.0/8"
                ))
            })
        })
        .collect()
}

/// `BYLINE_DEFAULT_LOCALE`, checked and in its usual case.
fn default_locale(v: &Values) -> Result<String, SettingError> {
    crate::locale::normalize(v.text(&s::DEFAULT_LOCALE).trim()).ok_or_else(|| {
        s::DEFAULT_LOCALE.error("must be a BCP 47 language tag, such as en or pt-BR")
    })
}

fn search_language(v: &Values) -> Result<String, SettingError> {
    let language = match v.text(&s::SEARCH_LANGUAGE) {
        "" => crate::locale::search_config(&default_locale(v)?),
        set => set,
    };
    if language.is_empty()
        || !language
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        return Err(s::SEARCH_LANGUAGE
            .error("must name a text-search configuration, such as english or simple"));
    }
    Ok(language.to_owned())
}

fn media(v: &Values) -> Result<MediaSettings, SettingError> {
    let bucket = v.text(&s::MEDIA_S3_BUCKET);
    let s3 = if bucket.is_empty() {
        None
    } else {
        Some(s3(v, bucket)?)
    };
    Ok(MediaSettings {
        max_bytes: v.number(&s::MEDIA_MAX_BYTES)?,
        render_budget: v.number::<u64>(&s::MEDIA_RENDER_MIB)? << 20,
        quality: v.number(&s::MEDIA_QUALITY)?,
        avif_speed: v.number(&s::MEDIA_AVIF_SPEED)?,
        renders: v.number(&s::MEDIA_RENDERS)?,
        dir: Some(v.text(&s::MEDIA_DIR))
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
        s3,
    })
}

fn s3(v: &Values, bucket: &str) -> Result<S3Settings, SettingError> {
    let endpoint = Some(v.text(&s::MEDIA_S3_ENDPOINT))
        .filter(|e| !e.is_empty())
        .map(|e| {
            url::Url::parse(e)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .map(|_| e.trim_end_matches('/').to_owned())
                .ok_or_else(|| {
                    s::MEDIA_S3_ENDPOINT
                        .error("must be an http or https URL, such as https://s3.example.com")
                })
        })
        .transpose()?;
    let key_id = v.text(&s::MEDIA_S3_ACCESS_KEY_ID);
    let secret = v.raw(&s::MEDIA_S3_SECRET_ACCESS_KEY);
    if key_id.is_empty() != secret.is_empty() {
        return Err(s::MEDIA_S3_SECRET_ACCESS_KEY.error(
            "set both BYLINE_MEDIA_S3_ACCESS_KEY_ID and BYLINE_MEDIA_S3_SECRET_ACCESS_KEY, or neither",
        ));
    }
    Ok(S3Settings {
        bucket: bucket.to_owned(),
        endpoint,
        region: match v.text(&s::MEDIA_S3_REGION) {
            "" => "us-east-1".to_owned(),
            r => r.to_owned(),
        },
        access_key_id: Some(key_id.to_owned()).filter(|k| !k.is_empty()),
        secret_access_key: Some(secret).filter(|s| !s.is_empty()).map(Secret::new),
        prefix: Some(v.text(&s::MEDIA_S3_PREFIX).trim_matches('/'))
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
    })
}

fn auth(v: &Values) -> Result<AuthSettings, SettingError> {
    let secret = v.raw(&s::JWT_SECRET);
    let jwt_secret = if secret.is_empty() {
        None
    } else if secret.len() < MIN_JWT_SECRET_BYTES {
        return Err(s::JWT_SECRET.error(format!(
            "must be at least {MIN_JWT_SECRET_BYTES} bytes long"
        )));
    } else if secret.trim().is_empty() {
        return Err(s::JWT_SECRET.error("must not be blank"));
    } else {
        Some(Secret::new(secret))
    };
    Ok(AuthSettings {
        jwt_secret,
        issuer: v.required(&s::JWT_ISSUER)?,
        audience: v.required(&s::JWT_AUDIENCE)?,
        access_ttl: v.seconds(&s::ACCESS_TOKEN_TTL_SECS)?,
        refresh_ttl: v.seconds(&s::REFRESH_TOKEN_TTL_SECS)?,
        refresh_reuse_interval: v.seconds(&s::REFRESH_REUSE_SECS)?,
        max_failures_per_account: v.number(&s::LOGIN_MAX_FAILURES_PER_ACCOUNT)?,
        max_failures_per_address: v.number(&s::LOGIN_MAX_FAILURES_PER_ADDRESS)?,
        failure_window: v.seconds(&s::LOGIN_WINDOW_SECS)?,
    })
}

#[cfg(test)]
mod tests;
