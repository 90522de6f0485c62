//! The response cache in front of the public reads ([`crate::cache`] keeps the entries and
//! their exactness). A handler marks an answer cacheable by attaching [`Hints`]; this
//! middleware then stores the finished body, compressed off the request workers, and
//! serves later identical requests from memory: no database, no serialization, no
//! compression, and `If-None-Match` answered from the stored tag. Requests that carry
//! credentials never read or fill it.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, HttpResponseBuilder, web};

pub use crate::cache::Hints;
use crate::cache::compress::Compressor;
use crate::cache::{Entry, ResponseCache};
use crate::domain::caller::Caller;

/// The cache and its compression thread, as the middleware finds them.
#[derive(Clone)]
pub struct HttpCache {
    /// The entries.
    pub cache: Arc<ResponseCache>,
    /// Makes the gzip and brotli forms of a new entry.
    pub compressor: Option<Compressor>,
}

/// Marks an answer as cacheable, with what it shows and until when it holds.
pub fn allow(builder: &mut HttpResponseBuilder, hints: Hints) {
    builder.extensions_mut().insert(hints);
}

/// Marks an answer to the public that shows `resources` as cacheable until `until`;
/// answers to signed-in callers never are.
pub fn allow_public(
    builder: &mut HttpResponseBuilder,
    caller: &Caller,
    resources: Vec<String>,
    until: Option<chrono::NaiveDateTime>,
) {
    if caller.0.is_none() {
        let hints = Hints {
            resources,
            list: false,
            until,
        };
        allow(builder, hints);
    }
}

/// Marks a public list as cacheable until `until` (any change of content makes it stale).
pub fn allow_public_list(
    builder: &mut HttpResponseBuilder,
    caller: &Caller,
    until: Option<chrono::NaiveDateTime>,
) {
    if caller.0.is_none() {
        let hints = Hints {
            resources: Vec::new(),
            list: true,
            until,
        };
        allow(builder, hints);
    }
}

/// Whether a path is one of the public reads the cache may hold: the API, the feeds and the
/// sitemaps (the service endpoints skip the lookup).
fn is_public_read(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/media/")
        || path.starts_with("/feeds/")
        || path.starts_with("/sitemaps/")
        || path == "/sitemap.xml"
}

/// The middleware.
pub async fn public_reads(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let http_cache = req.app_data::<web::Data<HttpCache>>().cloned();
    let Some(http_cache) = http_cache.filter(|c| c.cache.enabled()) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    if req.method() != Method::GET
        || req.headers().contains_key(header::AUTHORIZATION)
        || req.headers().contains_key(header::RANGE)
        || !is_public_read(req.path())
    {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let key = match req.query_string() {
        "" => req.path().to_owned(),
        query => format!("{}?{query}", req.path()),
    };
    if let Some(entry) = http_cache.cache.get(&key) {
        let response = from_entry(&entry, req.request());
        return Ok(req.into_response(response));
    }
    let ticket = http_cache.cache.ticket();
    let res = next.call(req).await?;
    let hints = res.response().extensions().get::<Hints>().cloned();
    let Some(hints) = hints.filter(|_| res.status() == StatusCode::OK) else {
        return Ok(res.map_into_boxed_body());
    };
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let Ok(body) = actix_web::body::to_bytes(body).await else {
        return Err(actix_web::error::ErrorInternalServerError(
            "the answer could not be read",
        ));
    };
    let headers: Vec<(String, String)> = head
        .headers()
        .iter()
        .filter(|(name, _)| *name != header::CONTENT_LENGTH && *name != header::CONTENT_ENCODING)
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    if body.len() <= http_cache.cache.largest()
        && let Some(compressor) = http_cache.compressor.clone()
    {
        let stored = body.clone();
        let cache = http_cache.cache.clone();
        actix_web::rt::spawn(async move {
            if let Some((gzip, brotli)) = compressor.both(stored.clone()).await {
                cache.fill(ticket, key, &hints, headers, [stored, gzip, brotli]);
            }
        });
    }
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(body))))
}

/// Which stored form a client takes: brotli, then gzip, else the plain body.
fn encoding_for(req: &HttpRequest) -> Option<&'static str> {
    let accepted = req
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next()?.to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (!refused).then_some(name)
        })
        .collect::<Vec<_>>();
    ["br", "gzip"]
        .into_iter()
        .find(|e| accepted.iter().any(|a| a == e))
}

fn from_entry(entry: &Entry, req: &HttpRequest) -> HttpResponse {
    let mut builder = HttpResponse::Ok();
    for (name, value) in &entry.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            builder.append_header((name, value));
        }
    }
    let last_modified = entry
        .headers
        .iter()
        .find(|(name, _)| name == "last-modified")
        .and_then(|(_, value)| value.parse::<header::HttpDate>().ok())
        .map(std::time::SystemTime::from);
    if (entry.etag.is_some() || last_modified.is_some())
        && crate::http::caching::client_is_current(req, entry.etag.as_deref(), last_modified)
    {
        return builder.status(StatusCode::NOT_MODIFIED).finish();
    }
    match encoding_for(req) {
        Some(encoding) => {
            builder.insert_header((header::CONTENT_ENCODING, encoding));
            let body = if encoding == "br" {
                &entry.brotli
            } else {
                &entry.gzip
            };
            builder.body(body.clone())
        }
        None => builder.body(entry.identity.clone()),
    }
}
