//! The ceiling for `bench/run`: a bare actix-web server on as many workers as Byline uses,
//! answering every request with the same 4 KB of JSON and nothing else (no middleware, no
//! database, no log). What the cached reads are measured against.
//!
//!   cargo run --release --example bench_bare -- PORT

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8099);
    let body = web::Bytes::from(format!("{{\"data\": \"{}\"}}", "x".repeat(4096 - 13)));
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
