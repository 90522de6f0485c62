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

/// The reference page, filled in by `utoipa-scalar`: Scalar renders the embedded document; where its script cannot load
/// (an offline machine), a plain list of the operations is drawn from the same document.
const DOCS_TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Byline API reference</title>
<style>
  #fallback { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
  #fallback code { background: #f3f3f3; padding: 0 .25rem; }
  #fallback .op { margin: .75rem 0; }
  #fallback .m { display: inline-block; min-width: 4.5rem; font-weight: bold; }
</style>
</head>
<body>
<div id="fallback" hidden>
  <h1>Byline API reference</h1>
  <p>The full document is at <a href="/openapi.json">/openapi.json</a>.</p>
  <div id="ops"></div>
</div>
<script id="api-reference" type="application/json">$spec</script>
<script>
  function drawFallback() {
    if (window.__bylineDocsRendered) return;
    var spec = JSON.parse(document.getElementById('api-reference').textContent);
    var ops = document.getElementById('ops');
    Object.keys(spec.paths).forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        var op = spec.paths[path][method];
        var div = document.createElement('div');
        div.className = 'op';
        var m = document.createElement('span'); m.className = 'm'; m.textContent = method.toUpperCase();
        var p = document.createElement('code'); p.textContent = path;
        var s = document.createElement('div'); s.textContent = (op.summary || '') + (op.description ? ' — ' + op.description : '');
        div.appendChild(m); div.appendChild(p); div.appendChild(s);
        ops.appendChild(div);
      });
    });
    document.getElementById('fallback').hidden = false;
  }
</script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference" onload="window.__bylineDocsRendered = true" onerror="drawFallback()"></script>
<noscript><p>This page needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</p></noscript>
</body>
</html>
"#;

impl Documents {
    /// Renders both from the document.
    pub fn render() -> Self {
        let doc = crate::http::openapi::document_value();
        let json = crate::http::openapi::document_json();
        let docs_html = utoipa_scalar::Scalar::new(doc)
            .custom_html(DOCS_TEMPLATE)
            .to_html();
        Self {
            openapi_json: json,
            docs_html,
        }
    }
}
