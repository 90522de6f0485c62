//! `GET /metrics` in the Prometheus text format: requests and their latency by route and
//! status, the database pool, the response cache, and the webhook backlog. The request
//! figures are kept by [`observe`]; the rest is read when scraped.

use std::sync::atomic::Ordering;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::cache::ResponseCache;
use crate::http::middleware::RouteTable;

/// Every series, registered once per process.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    cache_hits: IntCounter,
    cache_misses: IntCounter,
    cache_fills: IntCounter,
    cache_refused: IntCounter,
    cache_evictions: IntCounter,
    renditions_made: IntCounter,
    cache_invalidations: IntCounter,
    cache_bytes: IntGauge,
    cache_entries: IntGauge,
    cache_capacity: IntGauge,
    deliveries: IntGaugeVec,
    events_pending: IntGauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn register<T: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: prometheus::Result<T>,
) -> prometheus::Result<T> {
    let metric = metric?;
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

impl Metrics {
    /// Registers every series.
    pub fn new() -> prometheus::Result<Self> {
        let r = Registry::new_custom(Some("byline".to_owned()), None)?;
        let counter = |name: &str, help: &str| register(&r, IntCounter::new(name, help));
        let gauge = |name: &str, help: &str| register(&r, IntGauge::new(name, help));
        Ok(Self {
            requests: register(
                &r,
                IntCounterVec::new(
                    Opts::new(
                        "http_requests_total",
                        "Requests answered, by route, method and status",
                    ),
                    &["route", "method", "status"],
                ),
            )?,
            latency: register(
                &r,
                HistogramVec::new(
                    HistogramOpts::new(
                        "http_request_duration_seconds",
                        "Time from the request to its answer, by route and method",
                    )
                    .buckets(vec![
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                        5.0, 10.0,
                    ]),
                    &["route", "method"],
                ),
            )?,
            pool_connections: gauge("db_pool_connections", "Database connections open")?,
            pool_idle: gauge("db_pool_idle_connections", "Database connections idle")?,
            pool_max: gauge(
                "db_pool_max_connections",
                "Largest size of the connection pool",
            )?,
            cache_hits: counter("cache_hits_total", "Public reads answered from the cache")?,
            cache_misses: counter(
                "cache_misses_total",
                "Cacheable reads that found nothing current",
            )?,
            cache_fills: counter("cache_fills_total", "Answers stored in the cache")?,
            cache_refused: counter(
                "cache_fills_refused_total",
                "Answers not stored: changed during the read, or too big",
            )?,
            cache_evictions: counter("cache_evictions_total", "Entries evicted to make room")?,
            renditions_made: counter(
                "media_renditions_made_total",
                "Image renditions rendered (not those read back from the store)",
            )?,
            cache_invalidations: counter(
                "cache_invalidations_total",
                "Invalidations applied, from this process's writes and from other processes",
            )?,
            cache_bytes: gauge("cache_bytes", "Bytes held by the response cache")?,
            cache_entries: gauge("cache_entries", "Entries held by the response cache")?,
            cache_capacity: gauge(
                "cache_capacity_bytes",
                "Configured size of the response cache",
            )?,
            deliveries: register(
                &r,
                IntGaugeVec::new(
                    Opts::new("webhook_deliveries", "Webhook deliveries kept, by state"),
                    &["status"],
                ),
            )?,
            events_pending: gauge(
                "events_pending",
                "Events committed but not yet turned into webhook deliveries",
            )?,
            registry: r,
        })
    }

    /// Counts one answered request.
    pub fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[route, method, status_label(status)])
            .inc();
        self.latency
            .with_label_values(&[route, method])
            .observe(seconds);
    }

    /// The text of a scrape, with the figures read now.
    pub fn render(&self, now: Snapshot<'_>) -> String {
        let Snapshot {
            pool,
            pool_max,
            cache,
            deliveries,
            events_pending,
            renditions_made: now_renditions,
        } = now;
        self.pool_connections.set(i64::from(pool.connections));
        self.pool_idle.set(i64::from(pool.idle_connections));
        self.pool_max.set(i64::from(pool_max));
        let catch_up = |counter: &IntCounter, value: u64| {
            let seen = counter.get();
            if value > seen {
                counter.inc_by(value - seen);
            }
        };
        let stats = &cache.stats;
        catch_up(&self.cache_hits, stats.hits.load(Ordering::Relaxed));
        catch_up(&self.cache_misses, stats.misses.load(Ordering::Relaxed));
        catch_up(&self.cache_fills, stats.fills.load(Ordering::Relaxed));
        catch_up(&self.cache_refused, stats.refused.load(Ordering::Relaxed));
        catch_up(&self.cache_evictions, cache.evictions());
        catch_up(&self.renditions_made, now_renditions);
        catch_up(
            &self.cache_invalidations,
            stats.invalidations.load(Ordering::Relaxed),
        );
        self.cache_bytes
            .set(i64::try_from(cache.weight()).unwrap_or(i64::MAX));
        self.cache_entries
            .set(i64::try_from(cache.len()).unwrap_or(i64::MAX));
        self.cache_capacity
            .set(i64::try_from(cache.capacity()).unwrap_or(i64::MAX));
        for state in <crate::domain::DeliveryStatus as crate::domain::Named>::ALL {
            let n = deliveries
                .iter()
                .find(|(s, _)| s == state)
                .map_or(0, |(_, n)| *n);
            self.deliveries.with_label_values(&[state.as_str()]).set(n);
        }
        self.events_pending.set(events_pending);
        let mut out = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// What a scrape reads besides the counters.
pub struct Snapshot<'a> {
    /// The pool now.
    pub pool: r2d2::State,
    /// The pool's size limit.
    pub pool_max: u32,
    /// The response cache.
    pub cache: &'a ResponseCache,
    /// Deliveries by state.
    pub deliveries: Vec<(crate::domain::DeliveryStatus, i64)>,
    /// Events not yet fanned out.
    pub events_pending: i64,
    /// Renditions made since start.
    pub renditions_made: u64,
}

fn status_label(status: u16) -> &'static str {
    // A fixed set of labels, so a client cannot grow the series without bound.
    match status {
        200 => "200",
        201 => "201",
        204 => "204",
        301 => "301",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        409 => "409",
        410 => "410",
        412 => "412",
        413 => "413",
        415 => "415",
        422 => "422",
        429 => "429",
        500 => "500",
        503 => "503",
        s if s < 300 => "2xx",
        s if s < 400 => "3xx",
        s if s < 500 => "4xx",
        _ => "5xx",
    }
}

/// Times and counts every request by the route it matched (the document's path pattern;
/// `unmatched` for none), so a path full of ids makes one series, not one per id.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let res = next.call(req).await?.map_into_boxed_body();
    if let Some(metrics) = metrics {
        let request = res.request();
        let route = match crate::http::cache::route_of(request) {
            Some(pattern) => pattern,
            None => request
                .app_data::<web::Data<RouteTable>>()
                .and_then(|t| t.pattern(request.path()))
                .unwrap_or("unmatched")
                .to_owned(),
        };
        let method = match request.method().as_str() {
            m @ ("GET" | "HEAD" | "POST" | "PATCH" | "PUT" | "DELETE" | "OPTIONS") => m,
            _ => "other",
        };
        metrics.record(
            &route,
            method,
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(res)
}
