//! A webhook receiver for `bench/run`: answers deliveries as fast as it can and measures
//! each one's lag, from the event's `occurred_at` to its arrival. `POST /down` makes it
//! answer 503 (a receiver that is away) until `POST /up`; `GET /stats` reports.
//!
//!   cargo run --release --example bench_receiver -- PORT

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};

#[derive(Default)]
struct Seen {
    lags_ms: Vec<f64>,
    ids: HashSet<String>,
    refused: u64,
}

struct State {
    down: AtomicBool,
    seen: Mutex<Seen>,
}

async fn hook(state: web::Data<State>, body: web::Bytes) -> HttpResponse {
    let arrived = chrono::Utc::now();
    if state.down.load(Ordering::Relaxed) {
        if let Ok(mut seen) = state.seen.lock() {
            seen.refused += 1;
        }
        return HttpResponse::ServiceUnavailable().finish();
    }
    let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let occurred = event["occurred_at"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    if let (Some(occurred), Ok(mut seen)) = (occurred, state.seen.lock()) {
        let lag = (arrived - occurred.with_timezone(&chrono::Utc)).num_microseconds();
        seen.lags_ms.push(lag.unwrap_or(0) as f64 / 1000.0);
        seen.ids
            .insert(event["id"].as_str().unwrap_or_default().to_owned());
    }
    HttpResponse::NoContent().finish()
}

async fn stats(state: web::Data<State>) -> HttpResponse {
    let Ok(seen) = state.seen.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    let mut lags = seen.lags_ms.clone();
    lags.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if lags.is_empty() {
            0.0
        } else {
            lags[((lags.len() - 1) as f64 * q).round() as usize]
        }
    };
    HttpResponse::Ok().json(serde_json::json!({
        "count": lags.len(),
        "distinct": seen.ids.len(),
        "refused": seen.refused,
        "p50_ms": at(0.5),
        "p99_ms": at(0.99),
        "max_ms": at(1.0),
    }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(9911);
    let state = web::Data::new(State {
        down: AtomicBool::new(false),
        seen: Mutex::default(),
    });
    HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/hook", web::post().to(hook))
            .route("/stats", web::get().to(stats))
            .route(
                "/down",
                web::post().to(|s: web::Data<State>| async move {
                    s.down.store(true, Ordering::Relaxed);
                    HttpResponse::NoContent().finish()
                }),
            )
            .route(
                "/up",
                web::post().to(|s: web::Data<State>| async move {
                    s.down.store(false, Ordering::Relaxed);
                    HttpResponse::NoContent().finish()
                }),
            )
            .route(
                "/reset",
                web::post().to(|s: web::Data<State>| async move {
                    if let Ok(mut seen) = s.seen.lock() {
                        *seen = Seen::default();
                    }
                    HttpResponse::NoContent().finish()
                }),
            )
    })
    .workers(1)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
