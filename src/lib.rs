//! Byline: a headless CMS JSON API for articles, authors and categories, on PostgreSQL or
//! embedded SQLite.

pub mod articles;
pub mod audit;
pub mod auth;
pub mod authors;
pub mod backup;
pub mod cache;
pub mod categories;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod db;
pub mod domain;
pub mod events;
pub mod feeds;
pub mod history;
pub mod http;
pub mod idempotency;
pub mod locale;
pub mod media;
pub mod outbox;
pub mod search;
pub mod seed;
pub mod slug;
pub mod slugged;
pub mod tags;
pub mod telemetry;
pub mod tokens;
pub mod users;
pub mod validate;
pub mod webhooks;
pub mod wordpress;
pub mod write;

pub use http::openapi;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web;

use crate::config::Settings;
use crate::db::{Backend, PoolOptions};
use crate::http::state::AppState;

pub use domain::time::now;
pub use http::routes::routes;

/// A bound, ready-to-run server.
pub struct Application {
    server: Server,
    metrics_server: Option<Server>,
    port: u16,
    backend: Backend,
    sweeps: (write::Ctx, config::Retention, config::EventSettings),
    database_url: db::DatabaseUrl,
    cache: Arc<cache::ResponseCache>,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener. Port 0 in the
    /// settings picks a free port; [`Application::port`] tells which.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, write::Writes::default())
    }

    /// [`Application::build`], with the write path whose hook sees every change (tests use
    /// one that counts them).
    pub fn build_with(settings: Settings, writes: write::Writes) -> anyhow::Result<Self> {
        outbox::present::install(Arc::new(http::wire::present::Public));
        let pool = open_database(&settings)?;
        let backend = settings.database_url.backend();
        let auth = auth_state(&settings)?;
        {
            let mut conn = pool.get()?;
            let admin = settings.bootstrap_admin.as_ref();
            users::bootstrap::ensure_first_admin(&mut conn, &writes, admin)?;
        }
        let connections = pool.max_size() as usize;
        let response_cache = Arc::new(cache::ResponseCache::new(settings.cache_bytes));
        let ctx = write::Ctx {
            database: db::Database::new(pool, backend, connections, settings.db_timeout),
            writes: writes
                .with_cache(response_cache.clone())
                .with_locale(&settings.default_locale),
        };
        let media = media_library(&settings, &ctx)?;
        let state = web::Data::new(AppState {
            ctx: ctx.clone(),
            backend,
            auth,
            cache_max_age: settings.cache_max_age,
            webhook_allow_private: settings.events.allow_private,
            site: settings.site.clone().map(Arc::new),
            preview_url: settings.preview_url.clone(),
            lock_secs: settings.lock_secs,
            media,
            search: articles::search::Tuning {
                recency: settings.search.recency,
                candidates: settings.search.candidates,
                exact_total: settings.search.exact_total,
                timeout_ms: settings.search.timeout_ms,
            },
        });
        let shared = http::server::Shared {
            state,
            cache: web::Data::new(http_cache(&response_cache)?),
            metrics: web::Data::new(
                http::metrics::Metrics::new()
                    .map_err(|e| anyhow::anyhow!("cannot register the metrics: {e}"))?,
            ),
        };
        let listener = TcpListener::bind(settings.bind).map_err(|e| {
            anyhow::anyhow!("cannot listen on {} (BYLINE_BIND): {e}", settings.bind)
        })?;
        let port = listener.local_addr()?.port();
        let server = http::server::api(shared.clone(), &settings, listener, connections)?;
        tracing::info!(
            address = %settings.bind.ip(),
            port,
            database = %settings.database_url.redacted(),
            "Byline is listening"
        );
        let metrics_server = settings
            .metrics_bind
            .map(|address| http::server::metrics(shared, address))
            .transpose()?;
        Ok(Self {
            server,
            metrics_server,
            port,
            backend,
            sweeps: (ctx, settings.retention, settings.events.clone()),
            database_url: settings.database_url.clone(),
            cache: response_cache,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database engine in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    /// Meanwhile, beside it: the retention sweep (trash, audit log, events, deliveries,
    /// idempotency keys), the scheduler of time-driven events, and the webhook dispatcher.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (ctx, retention, events) = self.sweeps;
        let mut background = vec![
            tokio::spawn(audit::service::sweep_forever(
                ctx.clone(),
                retention,
                events.keep,
            )),
            tokio::spawn(events::service::schedule_forever(
                ctx.clone(),
                std::time::Duration::from_secs(1),
            )),
        ];
        match webhooks::deliver::Dispatcher::new(ctx, events) {
            Ok(dispatcher) => background.push(tokio::spawn(Arc::new(dispatcher).run_forever())),
            Err(error) => tracing::error!("webhook deliveries cannot start: {error}"),
        }
        if let Err(error) = cache::listen::spawn(self.database_url, &self.cache) {
            tracing::error!("cache invalidations from other processes cannot be heard: {error}");
        }
        let metrics = self.metrics_server.map(|server| {
            let handle = server.handle();
            background.push(tokio::spawn(async move {
                let _ = server.await;
            }));
            handle
        });
        let outcome = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        for task in background {
            task.abort();
        }
        outcome
    }
}

/// Connects to the database and brings its schema up to date.
fn open_database(settings: &Settings) -> anyhow::Result<db::Pool> {
    let options = PoolOptions {
        max_size: settings.pool_size,
        timeout: settings.db_timeout,
        search_language: settings.search_language.clone(),
        default_locale: settings.default_locale.clone(),
    };
    let pool = db::connect(&settings.database_url, &options)?;
    let mut conn = pool.get()?;
    let applied = db::migrate(&mut conn, &settings.default_locale)?;
    db::check_search_language(&mut conn, &settings.search_language)?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    drop(conn);
    Ok(pool)
}

/// The signing keys, the login limits and the password thread.
fn auth_state(settings: &Settings) -> anyhow::Result<Arc<credentials::AuthState>> {
    let secret = credentials::jwt::load_or_create_secret(&settings.auth, &settings.data_dir)
        .map_err(|e| anyhow::anyhow!("BYLINE_JWT_SECRET: {e}"))?;
    Ok(Arc::new(credentials::AuthState {
        keys: credentials::jwt::JwtKeys::new(&secret, &settings.auth),
        limiter: credentials::ratelimit::LoginLimiter::new(
            settings.auth.max_failures_per_account,
            settings.auth.max_failures_per_address,
            settings.auth.failure_window,
        ),
        dummy_hash: credentials::password::dummy_hash(),
        hasher: credentials::password::Hasher::start()
            .map_err(|e| anyhow::anyhow!("cannot start the password thread: {e}"))?,
        settings: settings.auth.clone(),
    }))
}

/// The response cache as the HTTP layer uses it, with its compression thread when it is on.
fn http_cache(cache: &Arc<cache::ResponseCache>) -> anyhow::Result<http::cache::HttpCache> {
    let compressor = if cache.enabled() {
        Some(
            cache::compress::Compressor::start()
                .map_err(|e| anyhow::anyhow!("cannot start the compression thread: {e}"))?,
        )
    } else {
        None
    };
    Ok(http::cache::HttpCache {
        cache: cache.clone(),
        compressor,
        flights: Default::default(),
    })
}

/// The media library on its store, after checking that the store is the one the other
/// servers on this database use.
fn media_library(
    settings: &Settings,
    ctx: &write::Ctx,
) -> anyhow::Result<Arc<media::service::Library>> {
    let (store, scratch) = media::store::open(&settings.media, &settings.data_dir)?;
    let mut library = media::service::Library::new(store, scratch, &settings.media)
        .map_err(|e| anyhow::anyhow!("cannot start the render threads: {e}"))?;
    let mark = media::store::directory_mark(&settings.media, &settings.data_dir)
        .map(|path| media::store::read_or_make_mark(&path))
        .transpose()
        .map_err(|e| anyhow::anyhow!("cannot read or write the media folder's mark: {e}"))?;
    let mut conn = ctx.database.pool().get()?;
    library
        .check_mark(&mut conn, &ctx.writes, mark)
        .map_err(|e| anyhow::anyhow!("cannot check the media folder's mark: {}", e.detail))?;
    Ok(Arc::new(library))
}
