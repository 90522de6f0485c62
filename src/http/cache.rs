//! The response cache in front of the public reads ([`crate::cache`] keeps the entries and
//! their exactness). A handler marks an answer cacheable by attaching [`Hints`]; this
//! middleware then stores the finished body and serves later identical requests from
//! memory: no database, no serialization, and `If-None-Match` answered from the stored tag.
//! - Misses are cheap: the body is stored as it is, and compressed (off the request
//!   workers) only when a second read proves the entry is worth it.
//! - One computation per miss: concurrent misses of one URL wait for the first, and are
//!   answered from what it stored.
//! - Requests that carry credentials never read or fill it; `Cache-Control: no-cache`
//!   skips the lookup (and stores the fresh answer).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder, web};

pub use crate::cache::Hints;
use crate::cache::compress::Compressor;
use crate::cache::{Entry, ResponseCache};
use crate::domain::caller::Caller;

/// The cache and its compression thread, as the middleware finds them.
#[derive(Clone)]
pub struct HttpCache {
    /// The entries.
    pub cache: Arc<ResponseCache>,
    /// Makes the gzip and brotli forms of an entry read again.
    pub compressor: Option<Compressor>,
    /// The misses being computed now.
    pub flights: Arc<Flights>,
}

/// What a computed miss left: the entry it stored, or nothing (the answer was not
/// cacheable, or a change came during the read).
type Landing = Option<Option<Arc<Entry>>>;

/// The misses being computed now, by key: a miss of the same key waits for the first.
#[derive(Default)]
pub struct Flights {
    running: Mutex<HashMap<String, (u64, tokio::sync::watch::Receiver<Landing>)>>,
    next: std::sync::atomic::AtomicU64,
}

/// The first miss of a key, computing it: dropped (answered, failed or cancelled), it
/// leaves the table, and the misses waiting for it go on by themselves if it stored
/// nothing.
struct Flight {
    flights: Arc<Flights>,
    key: String,
    id: u64,
    landing: tokio::sync::watch::Sender<Landing>,
}

impl Flight {
    fn land(self, entry: Option<Arc<Entry>>) {
        let _ = self.landing.send(Some(entry));
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        if let Ok(mut running) = self.flights.running.lock()
            && running.get(&self.key).is_some_and(|(id, _)| *id == self.id)
        {
            running.remove(&self.key);
        }
    }
}

/// Either the computation of a miss is this request's, or another's to wait for.
enum Turn {
    Compute(Flight),
    Wait(tokio::sync::watch::Receiver<Landing>),
}

impl Flights {
    fn join(self: &Arc<Self>, key: &str) -> Option<Turn> {
        let mut running = self.running.lock().ok()?;
        if let Some((_, landing)) = running.get(key) {
            return Some(Turn::Wait(landing.clone()));
        }
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (landing, waiting) = tokio::sync::watch::channel(None);
        running.insert(key.to_owned(), (id, waiting));
        Some(Turn::Compute(Flight {
            flights: self.clone(),
            key: key.to_owned(),
            id,
            landing,
        }))
    }
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

/// Marks a public list as cacheable until `until`: any change of content the public can see
/// makes it stale.
pub fn allow_public_list(
    builder: &mut HttpResponseBuilder,
    caller: &Caller,
    until: Option<chrono::NaiveDateTime>,
) {
    let any = vec![crate::cache::keys::ANY_STORY.to_owned()];
    allow_public_stories(builder, caller, until, any);
}

/// Marks a public list of stories as cacheable until `until`, made from `resources`: the
/// stories it shows and the story lists ([`crate::cache::keys`]) it depends on. A change
/// of an author, category, tag or media item makes it stale too.
pub fn allow_public_stories(
    builder: &mut HttpResponseBuilder,
    caller: &Caller,
    until: Option<chrono::NaiveDateTime>,
    resources: Vec<String>,
) {
    if caller.0.is_none() {
        let hints = Hints {
            resources,
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

/// Whether the request asks for an answer not served from a cache.
fn wants_fresh(req: &ServiceRequest) -> bool {
    let says = |name: header::HeaderName| {
        req.headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|d| d.trim().eq_ignore_ascii_case("no-cache"))
    };
    says(header::CACHE_CONTROL) || says(header::PRAGMA)
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
    let mut key = match req.query_string() {
        "" => req.path().to_owned(),
        query => format!("{}?{query}", req.path()),
    };
    // A rendition whose format `Accept` picks is kept once per pick.
    if let Some(pick) = crate::http::api::media::negotiated(req.request()) {
        key.push('#');
        key.push_str(pick);
    }
    let fresh = wants_fresh(&req);
    if !fresh && let Some(entry) = http_cache.cache.get(&key) {
        return Ok(serve(&http_cache, &key, &entry, req));
    }
    let flight = match http_cache.flights.join(&key) {
        Some(Turn::Wait(mut landing)) if !fresh => {
            // Another request is computing this answer: take what it stores.
            let landed = landing.wait_for(Option::is_some).await.ok();
            if let Some(entry) = landed.and_then(|l| l.clone().flatten()) {
                return Ok(serve(&http_cache, &key, &entry, req));
            }
            None
        }
        Some(Turn::Compute(flight)) => Some(flight),
        _ => None,
    };
    let ticket = http_cache.cache.ticket();
    let res = next.call(req).await?;
    let hints = res.response().extensions().get::<Hints>().cloned();
    let Some(hints) = hints.filter(|_| res.status() == StatusCode::OK) else {
        return Ok(res.map_into_boxed_body());
    };
    let route = res.request().match_pattern();
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
    let entry = http_cache
        .cache
        .fill(ticket, key, &hints, headers, body.clone(), route);
    if let Some(flight) = flight {
        flight.land(entry);
    }
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(body))))
}

/// Answers from an entry; the second read of an entry has its compressed forms made.
fn serve(
    http_cache: &HttpCache,
    key: &str,
    entry: &Arc<Entry>,
    req: ServiceRequest,
) -> ServiceResponse<BoxBody> {
    if encoding_for(req.request()).is_some()
        && let Some(compressor) = http_cache.compressor.clone()
        && entry.wants_compressing()
    {
        let (cache, key, entry) = (http_cache.cache.clone(), key.to_owned(), entry.clone());
        actix_web::rt::spawn(async move {
            if let Some((gzip, brotli)) = compressor.both(entry.identity.clone()).await {
                cache.compressed(&key, &entry, gzip, brotli);
            }
        });
    }
    if let Some(route) = &entry.route {
        req.extensions_mut().insert(HitRoute(route.clone()));
    }
    let response = from_entry(entry, req.request());
    req.into_response(response)
}

/// The route pattern of an answer served from the cache, which never reached the router.
#[derive(Debug, Clone)]
pub struct HitRoute(pub Arc<str>);

/// The route pattern that answered `req`: the router's, or the cached answer's.
pub fn route_of(req: &HttpRequest) -> Option<String> {
    req.match_pattern().or_else(|| {
        req.extensions()
            .get::<HitRoute>()
            .map(|route| route.0.to_string())
    })
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
    // Until the compressed forms are made, the response compressor handles the body.
    match (encoding_for(req), &entry.compressed) {
        (Some(encoding), Some((gzip, brotli))) => {
            builder.insert_header((header::CONTENT_ENCODING, encoding));
            let body = if encoding == "br" { brotli } else { gzip };
            builder.body(body.clone())
        }
        _ => builder.body(entry.identity.clone()),
    }
}
