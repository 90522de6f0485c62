//! The HTTP servers: the API on `BYLINE_BIND` with its middleware in order, and the optional
//! metrics server on `BYLINE_METRICS_BIND`. [`crate::Application`] builds the state they
//! share and hands it over here.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::middleware::{Compress, Condition, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use utoipa_actix_web::AppExt;

use crate::config::Settings;
use crate::domain::Code;
use crate::http::api::meta::{Documents, MetricsAccess};
use crate::http::cache::HttpCache;
use crate::http::client::TrustedProxies;
use crate::http::extract::BodyLimit;
use crate::http::metrics::Metrics;
use crate::http::middleware::{self as mw, RouteTable};
use crate::http::state::AppState;

/// What every worker of the API server shares.
#[derive(Clone)]
pub struct Shared {
    /// The application state handlers read.
    pub state: web::Data<AppState>,
    /// The response cache and its compressor.
    pub cache: web::Data<HttpCache>,
    /// Request metrics.
    pub metrics: web::Data<Metrics>,
}

/// The API server on its listener, not yet running.
pub fn api(
    shared: Shared,
    settings: &Settings,
    listener: TcpListener,
    blocking_threads: usize,
) -> anyhow::Result<Server> {
    let documents = web::Data::new(Documents::render());
    let route_table = web::Data::new(RouteTable::from_openapi(&super::openapi::document()));
    let metrics_access = web::Data::new(MetricsAccess::new(settings.metrics_token.as_ref()));
    let body_limit = BodyLimit(settings.body_limit);
    let body_deadline = mw::BodyDeadline(settings.body_timeout);
    let trusted_proxies = TrustedProxies(settings.trusted_proxies.clone());
    let cors_origins = settings.cors_origins.clone();
    let server_timing = mw::ServerTiming(settings.server_timing);
    let mut server = HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .configure(super::routes::routes)
            .split_for_parts();
        app.app_data(shared.state.clone())
            .app_data(shared.cache.clone())
            .app_data(shared.metrics.clone())
            .app_data(metrics_access.clone())
            .app_data(documents.clone())
            .app_data(route_table.clone())
            .app_data(body_limit)
            .app_data(body_deadline)
            .app_data(trusted_proxies.clone())
            .app_data(web::PathConfig::default().error_handler(|e, _| {
                super::ApiError::bad_request(Code::InvalidPath, e.to_string()).into()
            }))
            .app_data(server_timing)
            .service(super::api::meta::docs_assets(
                documents.openapi_json.clone(),
            ))
            .default_service(web::to(mw::unmatched))
            .wrap(from_fn(super::idempotency::idempotency))
            .wrap(from_fn(mw::body_deadline))
            .wrap(from_fn(mw::known_query))
            .wrap(from_fn(mw::catch_panic))
            .wrap(from_fn(super::cache::public_reads))
            .wrap(from_fn(mw::server_timing))
            .wrap(from_fn(mw::private_by_default))
            .wrap(Condition::new(
                !cors_origins.is_empty(),
                cors(&cors_origins),
            ))
            .wrap(ErrorHandlers::new().default_handler(mw::problem_fallback))
            .wrap(Compress::default())
            .wrap(from_fn(mw::access_log))
            .wrap(from_fn(mw::head_as_get))
            .wrap(from_fn(super::metrics::observe))
            .wrap(from_fn(mw::request_id))
    })
    .listen(listener)?
    // Database work never runs on more threads than there are connections (the gate in
    // `AppState::db`); passwords have a thread of their own. Idle threads cost memory.
    .worker_max_blocking_threads(blocking_threads)
    .shutdown_timeout(settings.shutdown_timeout.as_secs());
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// The server of `GET /metrics` alone, with no token, on its own address.
pub fn metrics(shared: Shared, address: SocketAddr) -> anyhow::Result<Server> {
    let open = web::Data::new(MetricsAccess {
        token_digest: None,
        open: true,
    });
    let listener = TcpListener::bind(address)
        .map_err(|e| anyhow::anyhow!("cannot listen on {address} (BYLINE_METRICS_BIND): {e}"))?;
    tracing::info!(%address, "metrics are served on their own address");
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.state.clone())
            .app_data(shared.metrics.clone())
            .app_data(shared.cache.clone())
            .app_data(open.clone())
            .service(super::api::meta::metrics)
    })
    .listen(listener)?
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .run();
    Ok(server)
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
            super::idempotency::IDEMPOTENCY_KEY,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LINK,
            header::RETRY_AFTER,
            header::LAST_MODIFIED,
            mw::REQUEST_ID,
            super::idempotency::REPLAYED,
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
