//! The response cache in front of the public reads ([`crate::cache`] keeps the entries and
//! their exactness). A handler marks an answer cacheable by attaching [`Hints`]; this
//! middleware then stores the finished body and serves later identical requests from
//! memory: no database, no serialization, and `If-None-Match` answered from the stored tag.
//! - Misses are cheap: the body is stored as it is, then packed with zstd off the request
//!   workers, which keeps an entry at about a third of its size. zstd clients get the
//!   packed body as it is, others the body unpacked (about a microsecond a kilobyte), and
//!   gzip and brotli forms are made only when a client that takes them reads the entry
//!   again.
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
use bytes::Bytes;

pub use crate::cache::Hints;
use crate::cache::compress::{self, Compressor};
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

/// The key of a request's entry: its path and query, and the format `Accept` picked for a
/// rendition (kept once per pick).
fn key_of(req: &ServiceRequest) -> String {
    let mut key = match req.query_string() {
        "" => req.path().to_owned(),
        query => format!("{}?{query}", req.path()),
    };
    if let Some(pick) = crate::http::api::media::negotiated(req.request()) {
        key.push('#');
        key.push_str(pick);
    }
    key
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
    let key = key_of(&req);
    let fresh = wants_fresh(&req);
    if !fresh
        && let Some(entry) = http_cache.cache.get(&key)
        && let Some(body) = body_for(&http_cache, &key, &entry, req.request()).await
    {
        return Ok(serve(&entry, req, body));
    }
    let flight = match http_cache.flights.join(&key) {
        Some(Turn::Wait(mut landing)) if !fresh => {
            // Another request is computing this answer: take what it stores.
            let landed = landing.wait_for(Option::is_some).await.ok();
            let entry = landed.and_then(|l| l.clone().flatten());
            if let Some(entry) = entry
                && let Some(body) = body_for(&http_cache, &key, &entry, req.request()).await
            {
                return Ok(serve(&entry, req, body));
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
        .fill(ticket, key.clone(), &hints, headers, body.clone(), route);
    if let Some(entry) = &entry {
        pack(&http_cache, key, entry);
    }
    if let Some(flight) = flight {
        flight.land(entry);
    }
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(body))))
}

/// Has the compression thread pack a plain entry, unless it is busy (a later read asks
/// again).
fn pack(http_cache: &HttpCache, key: String, entry: &Arc<Entry>) {
    let Some(compressor) = &http_cache.compressor else {
        return;
    };
    let Some(body) = &entry.body.plain else {
        return;
    };
    if !entry.wants_packing() {
        return;
    }
    let Some(packed) = compressor.pack(body.clone()) else {
        entry.not_packed();
        return;
    };
    let (cache, entry) = (http_cache.cache.clone(), entry.clone());
    actix_web::rt::spawn(async move {
        if let Ok(zstd) = packed.await {
            cache.packed(&key, &entry, zstd);
        }
    });
}

/// The body a client gets from an entry: the form it takes among those kept, else the
/// plain body (unpacked, on the blocking pool if it is large); nothing for a 304. A gzip
/// or brotli client's read of an entry without those forms has them made; a read of an
/// entry still plain has it packed. `None` if the entry could not be unpacked.
async fn body_for(
    http_cache: &HttpCache,
    key: &str,
    entry: &Arc<Entry>,
    req: &HttpRequest,
) -> Option<Chosen> {
    if client_is_current(entry, req) {
        return Some(Chosen::Plain(Bytes::new()));
    }
    let takes = Takes::of(req);
    if let Some(zstd) = &entry.body.zstd
        && takes.zstd
    {
        return Some(Chosen::Encoded("zstd", zstd.clone()));
    }
    if let Some(encoding) = takes.br_or_gzip() {
        if let Some((gzip, brotli)) = &entry.compressed {
            let body = if encoding == "br" { brotli } else { gzip };
            return Some(Chosen::Encoded(encoding, body.clone()));
        }
        if let Some(compressor) = http_cache.compressor.clone()
            && entry.wants_compressing()
        {
            let (cache, key, entry) = (http_cache.cache.clone(), key.to_owned(), entry.clone());
            actix_web::rt::spawn(async move {
                if let Some((gzip, brotli)) = compressor.both(entry.body.clone()).await {
                    cache.compressed(&key, &entry, gzip, brotli);
                }
            });
        }
    }
    if let Some(plain) = &entry.body.plain {
        pack(http_cache, key.to_owned(), entry);
        // Until the compressed forms are made, the response compressor handles the body.
        return Some(Chosen::Plain(plain.clone()));
    }
    let body = match entry.body.len > compress::UNPACK_INLINE {
        true => {
            let body = entry.body.clone();
            web::block(move || body.plain()).await.ok().flatten()?
        }
        false => entry.body.plain()?,
    };
    let cache = &http_cache.cache;
    if let Some(heat) = entry.unpacked_read(cache.clock_ms()) {
        cache.unpacked(key, entry, body.clone(), heat);
    }
    Some(Chosen::Plain(body))
}

/// What an entry answers a client with.
enum Chosen {
    /// A stored compressed form, and its encoding.
    Encoded(&'static str, Bytes),
    /// The plain body.
    Plain(Bytes),
}

/// Answers from an entry with `body`.
fn serve(entry: &Entry, req: ServiceRequest, body: Chosen) -> ServiceResponse<BoxBody> {
    if let Some(route) = &entry.route {
        req.extensions_mut().insert(HitRoute(route.clone()));
    }
    let response = from_entry(entry, req.request(), body);
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

/// The encodings a client takes, of those an entry may keep.
#[derive(Debug, Default, Clone, Copy)]
struct Takes {
    zstd: bool,
    br: bool,
    gzip: bool,
}

impl Takes {
    fn of(req: &HttpRequest) -> Self {
        let mut takes = Self::default();
        let items = req
            .headers()
            .get_all(header::ACCEPT_ENCODING)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','));
        for item in items {
            let mut parts = item.split(';').map(str::trim);
            let Some(name) = parts.next() else { continue };
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            let slot = match name {
                n if n.eq_ignore_ascii_case("zstd") => &mut takes.zstd,
                n if n.eq_ignore_ascii_case("br") => &mut takes.br,
                n if n.eq_ignore_ascii_case("gzip") => &mut takes.gzip,
                _ => continue,
            };
            *slot = !refused;
        }
        takes
    }

    /// brotli, then gzip.
    fn br_or_gzip(self) -> Option<&'static str> {
        match (self.br, self.gzip) {
            (true, _) => Some("br"),
            (false, true) => Some("gzip"),
            _ => None,
        }
    }
}

/// Whether the client's validators match the entry's (the answer is a 304).
fn client_is_current(entry: &Entry, req: &HttpRequest) -> bool {
    let last_modified = entry
        .headers
        .iter()
        .find(|(name, _)| name == "last-modified")
        .and_then(|(_, value)| value.parse::<header::HttpDate>().ok())
        .map(std::time::SystemTime::from);
    (entry.etag.is_some() || last_modified.is_some())
        && crate::http::caching::client_is_current(req, entry.etag.as_deref(), last_modified)
}

fn from_entry(entry: &Entry, req: &HttpRequest, body: Chosen) -> HttpResponse {
    let mut builder = HttpResponse::Ok();
    for (name, value) in &entry.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            builder.append_header((name, value));
        }
    }
    if client_is_current(entry, req) {
        return builder.status(StatusCode::NOT_MODIFIED).finish();
    }
    match body {
        Chosen::Encoded(encoding, body) => {
            builder.insert_header((header::CONTENT_ENCODING, encoding));
            builder.body(body)
        }
        Chosen::Plain(body) => builder.body(body),
    }
}
