//! Byline: a headless CMS JSON API for articles, authors and categories, on PostgreSQL or
//! embedded SQLite.

pub mod articles;
pub mod audit;
pub mod auth;
pub mod authors;
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
pub mod media;
pub mod outbox;
pub mod seed;
pub mod slug;
pub mod tags;
pub mod telemetry;
pub mod tokens;
pub mod users;
pub mod validate;
pub mod webhooks;
pub mod write;

pub use http::openapi;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, Condition, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::config::Settings;
use crate::db::{Backend, PoolOptions};
use crate::domain::Code;
use crate::http::api::meta::Documents;
use crate::http::extract::BodyLimit;
use crate::http::middleware::{self as mw, RouteTable};
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
        let options = PoolOptions {
            max_size: settings.pool_size,
            timeout: settings.db_timeout,
            search_language: settings.search_language.clone(),
        };
        let pool = db::connect(&settings.database_url, &options)?;
        {
            let mut conn = pool.get()?;
            let applied = db::migrate(&mut conn)?;
            db::check_search_language(&mut conn, &settings.search_language)?;
            if applied > 0 {
                tracing::info!(applied, "database migrations applied");
            }
        }
        let backend = settings.database_url.backend();
        let secret = credentials::jwt::load_or_create_secret(&settings.auth, &settings.data_dir)
            .map_err(|e| anyhow::anyhow!("BYLINE_JWT_SECRET: {e}"))?;
        let auth = Arc::new(credentials::AuthState {
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
        });
        {
            let mut conn = pool.get()?;
            users::bootstrap::ensure_first_admin(
                &mut conn,
                &writes,
                settings.bootstrap_admin.as_ref(),
            )?;
        }
        let connections = pool.max_size() as usize;
        let response_cache = Arc::new(cache::ResponseCache::new(settings.cache_bytes));
        let writes = writes.with_cache(response_cache.clone());
        let ctx = write::Ctx {
            database: db::Database::new(pool, backend, connections, settings.db_timeout),
            writes,
        };
        let http_cache = web::Data::new(http::cache::HttpCache {
            cache: response_cache.clone(),
            compressor: if response_cache.enabled() {
                Some(
                    cache::compress::Compressor::start()
                        .map_err(|e| anyhow::anyhow!("cannot start the compression thread: {e}"))?,
                )
            } else {
                None
            },
        });
        let metrics = web::Data::new(
            http::metrics::Metrics::new()
                .map_err(|e| anyhow::anyhow!("cannot register the metrics: {e}"))?,
        );
        let metrics_access = web::Data::new(http::api::meta::MetricsAccess::new(
            settings.metrics_token.as_ref(),
        ));
        let sweeps = (ctx.clone(), settings.retention, settings.events.clone());
        let (store, scratch) = media::store::open(&settings.media, &settings.data_dir)?;
        let mut library = media::service::Library::new(
            store,
            scratch,
            settings.media.max_bytes,
            settings.media.render_budget,
        )
        .map_err(|e| anyhow::anyhow!("cannot start the render threads: {e}"))?;
        let mark = media::store::directory_mark(&settings.media, &settings.data_dir)
            .map(|path| media::store::read_or_make_mark(&path))
            .transpose()
            .map_err(|e| anyhow::anyhow!("cannot read or write the media folder's mark: {e}"))?;
        {
            let mut conn = ctx.database.pool().get()?;
            library
                .check_mark(&mut conn, &ctx.writes, mark)
                .map_err(|e| {
                    anyhow::anyhow!("cannot check the media folder's mark: {}", e.detail)
                })?;
        }
        let media = Arc::new(library);
        let state = web::Data::new(AppState {
            ctx,
            backend,
            auth,
            cache_max_age: settings.cache_max_age,
            webhook_allow_private: settings.events.allow_private,
            site: settings.site.clone().map(Arc::new),
            media: media.clone(),
        });
        let (metrics_state, metrics_data, metrics_cache) =
            (state.clone(), metrics.clone(), http_cache.clone());
        let documents = web::Data::new(Documents::render());
        let route_table = web::Data::new(RouteTable::from_openapi(&http::openapi::document()));
        let body_limit = BodyLimit(settings.body_limit);
        let body_deadline = mw::BodyDeadline(settings.body_timeout);
        let trusted_proxies = http::client::TrustedProxies(settings.trusted_proxies.clone());
        let cors_origins = settings.cors_origins.clone();
        let server_timing = settings.server_timing;

        let listener = TcpListener::bind(settings.bind).map_err(|e| {
            anyhow::anyhow!("cannot listen on {} (BYLINE_BIND): {e}", settings.bind)
        })?;
        let port = listener.local_addr()?.port();
        let mut server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .configure(http::routes::routes)
                .split_for_parts();
            app.app_data(state.clone())
                .app_data(http_cache.clone())
                .app_data(metrics.clone())
                .app_data(metrics_access.clone())
                .app_data(documents.clone())
                .app_data(route_table.clone())
                .app_data(body_limit)
                .app_data(body_deadline)
                .app_data(trusted_proxies.clone())
                .app_data(web::PathConfig::default().error_handler(|e, _| {
                    http::ApiError::bad_request(Code::InvalidPath, e.to_string()).into()
                }))
                .app_data(mw::ServerTiming(server_timing))
                .service(http::api::meta::docs_assets(documents.openapi_json.clone()))
                .default_service(web::to(mw::unmatched))
                .wrap(from_fn(http::idempotency::idempotency))
                .wrap(from_fn(mw::body_deadline))
                .wrap(from_fn(mw::known_query))
                .wrap(from_fn(mw::catch_panic))
                .wrap(from_fn(http::cache::public_reads))
                .wrap(from_fn(mw::server_timing))
                .wrap(from_fn(mw::private_by_default))
                .wrap(Condition::new(
                    !cors_origins.is_empty(),
                    cors(&cors_origins),
                ))
                .wrap(ErrorHandlers::new().default_handler(mw::problem_fallback))
                .wrap(Compress::default())
                .wrap(TracingLogger::<mw::RequestSpan>::new())
                .wrap(from_fn(mw::head_as_get))
                .wrap(from_fn(http::metrics::observe))
                .wrap(from_fn(mw::request_id))
        })
        .listen(listener)?
        // Database work never runs on more threads than there are connections (the gate in
        // `AppState::db`); passwords have a thread of their own. Idle threads cost memory.
        .worker_max_blocking_threads(connections)
        .shutdown_timeout(settings.shutdown_timeout.as_secs());
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        tracing::info!(
            address = %settings.bind.ip(),
            port,
            database = %settings.database_url.redacted(),
            "Byline is listening"
        );
        let metrics_server = match settings.metrics_bind {
            None => None,
            Some(address) => {
                let open = web::Data::new(http::api::meta::MetricsAccess {
                    token_digest: None,
                    open: true,
                });
                let listener = TcpListener::bind(address).map_err(|e| {
                    anyhow::anyhow!("cannot listen on {address} (BYLINE_METRICS_BIND): {e}")
                })?;
                tracing::info!(%address, "metrics are served on their own address");
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(metrics_state.clone())
                        .app_data(metrics_data.clone())
                        .app_data(metrics_cache.clone())
                        .app_data(open.clone())
                        .service(http::api::meta::metrics)
                })
                .listen(listener)?
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1)
                .run();
                Some(server)
            }
        };
        Ok(Self {
            server: server.run(),
            metrics_server,
            port,
            backend,
            sweeps,
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

fn cors(origins: &[String]) -> actix_cors::Cors {
    use actix_web::http::header;
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            mw::REQUEST_ID,
            http::idempotency::IDEMPOTENCY_KEY,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LINK,
            header::RETRY_AFTER,
            header::LAST_MODIFIED,
            mw::REQUEST_ID,
            http::idempotency::REPLAYED,
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}
