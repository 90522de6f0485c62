//! Service endpoints: liveness, readiness, the OpenAPI document and the reference page.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::ApiError;
use crate::http::state::AppState;

/// The document and the docs page, rendered once at start-up.
pub struct Documents {
    /// `/openapi.json`.
    pub openapi_json: String,
    /// `/docs`.
    pub docs_html: String,
}

/// The body of the health endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` for `/healthz`, `ready` for `/readyz`.
    #[schema(example = "ready")]
    pub status: String,
    /// The database engine in use (`postgres` or `sqlite`); only on `/readyz`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "postgres")]
    pub database: Option<String>,
}

/// Liveness
///
/// 200 while the process runs; it does not touch the database.
#[utoipa::path(tag = "service", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Health {
            status: "ok".to_owned(),
            database: None,
        })
}

/// Readiness
///
/// 200 when the database answers, 503 when it does not.
#[utoipa::path(
    tag = "service",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database is not answering"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.ctx.read(|conn| Ok(crate::db::ping(conn)?)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Health {
            status: "ready".to_owned(),
            database: Some(state.backend.name().to_owned()),
        }))
}

/// The OpenAPI document
///
/// This document, OpenAPI 3.1.
#[utoipa::path(
    tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
#[get("/openapi.json")]
pub async fn openapi_json(documents: web::Data<Documents>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(documents.openapi_json.clone())
}

/// API reference
///
/// An interactive reference page for this API.
#[utoipa::path(
    tag = "service",
    responses((status = 200, description = "An HTML page", content_type = "text/html", body = String))
)]
#[get("/docs")]
pub async fn docs(documents: web::Data<Documents>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(documents.docs_html.clone())
}

/// Where the reference page's scripts and styles are served from: Swagger UI, embedded in
/// the binary by the `swagger-ui-dist` crate, so the page works with no internet.
pub const DOCS_ASSETS: &str = "/docs/assets";

/// The reference page: Swagger UI reading `/openapi.json`, with try-it against this server
/// and bearer sign-in (the Authorize button), every script and style from [`DOCS_ASSETS`].
const DOCS_PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Byline API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<style>body { margin: 0; } .swagger-ui .topbar { display: none; }</style>
</head>
<body>
<div id="swagger-ui"><p style="font-family: sans-serif; margin: 2rem">Loading the reference; the document itself is at <a href="/openapi.json">/openapi.json</a>.</p></div>
<noscript><p>This page needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</p></noscript>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    filter: true,
    defaultModelsExpandDepth: 0,
    validatorUrl: null,
  });
</script>
</body>
</html>
"##;

impl Documents {
    /// Renders both from the document.
    pub fn render() -> Self {
        Self {
            openapi_json: crate::http::openapi::document_json(),
            docs_html: DOCS_PAGE.to_owned(),
        }
    }
}

/// The reference page's scripts and styles, from the binary, cached for a day. (The crate
/// also serves its own page at `/docs/assets/`, and the document at
/// `/docs/assets/openapi.json`.)
pub fn docs_assets(document: String) -> impl actix_web::dev::HttpServiceFactory {
    use swagger_ui_dist::{ApiDefinition, OpenApiSource};
    web::scope(DOCS_ASSETS)
        .wrap(
            actix_web::middleware::DefaultHeaders::new()
                .add((header::CACHE_CONTROL, "public, max-age=86400"))
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")),
        )
        .service(swagger_ui_dist::generate_scope(ApiDefinition {
            uri_prefix: String::new(),
            api_definition: OpenApiSource::InlineWithName {
                definition: document,
                uri: "/openapi.json".to_owned(),
            },
            title: Some("Byline API reference".to_owned()),
        }))
}

/// Who may read `/metrics` on a listener: with a token, callers that send it; on the
/// separate metrics address, anyone who reaches it.
#[derive(Clone, Debug)]
pub struct MetricsAccess {
    /// SHA-256 of `BYLINE_METRICS_TOKEN`, compared in constant time.
    pub token_digest: Option<[u8; 32]>,
    /// The metrics-only listener: no token asked.
    pub open: bool,
}

impl MetricsAccess {
    /// Access on the API's own listener.
    pub fn new(token: Option<&crate::config::Secret>) -> Self {
        use sha2::{Digest, Sha256};
        Self {
            token_digest: token.map(|t| Sha256::digest(t.expose().as_bytes()).into()),
            open: false,
        }
    }

    fn allows(&self, req: &actix_web::HttpRequest) -> Result<(), ApiError> {
        use sha2::{Digest, Sha256};
        if self.open {
            return Ok(());
        }
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.strip_prefix("Bearer ").unwrap_or_default());
        // Credentials first, as on every route: none at all is a 401.
        let Some(given) = given.filter(|g| !g.is_empty()) else {
            return Err(ApiError::from(crate::domain::Error::unauthorized(
                "send the metrics token as a bearer token",
                false,
            )));
        };
        let Some(expected) = &self.token_digest else {
            return Err(ApiError::from(crate::domain::Error::not_found(
                "metrics are served only with BYLINE_METRICS_TOKEN set, or on BYLINE_METRICS_BIND",
            )));
        };
        let digest: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        // Digests of equal length, compared without an early exit.
        let differs = digest
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if differs == 0 {
            Ok(())
        } else {
            Err(ApiError::from(crate::domain::Error::unauthorized(
                "the metrics token is wrong",
                true,
            )))
        }
    }
}

/// Metrics
///
/// The Prometheus text format: requests and their latency by route and status, the
/// database pool, the response cache (hits, misses, fills, evictions, bytes), and the
/// webhook backlog. Only with `BYLINE_METRICS_TOKEN` set and sent as a bearer token, or on
/// the separate `BYLINE_METRICS_BIND` address with no token. No bearer token is a 401; a
/// bearer token when none is set is a 404 (metrics are off on this address).
#[utoipa::path(
    tag = "service",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4", body = String),
        (status = 401, description = "No bearer token, or not the metrics token"),
        (status = 404, description = "A bearer token, but no metrics token is set: metrics are off on this address"),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    access: web::Data<MetricsAccess>,
    metrics: web::Data<crate::http::metrics::Metrics>,
    cache: web::Data<crate::http::cache::HttpCache>,
) -> Result<HttpResponse, ApiError> {
    access.allows(&req)?;
    let (deliveries, events_pending) = crate::webhooks::service::backlog(&state.ctx).await?;
    let pool = state.ctx.database.pool();
    let text = metrics.render(crate::http::metrics::Snapshot {
        pool: pool.state(),
        pool_max: pool.max_size(),
        cache: &cache.cache,
        deliveries,
        events_pending,
        renditions_made: state.media.renditions_made(),
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
