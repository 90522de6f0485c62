//! The database going away and coming back under a running server (PostgreSQL runs only:
//! an embedded SQLite file cannot go away on its own).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{FlakyProxy, assert_problem, pg_host_port, postgres_url, spawn_app_through};

// The relay runs on the test's runtime while the server connects through it, so the runtime
// needs threads of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_answer_503_while_the_database_is_down_and_recover_after() {
    let Some(url) = postgres_url() else {
        eprintln!("skipped: needs BYLINE_TEST_DATABASE_URL");
        return;
    };
    let proxy = FlakyProxy::start(pg_host_port(&url)).await;
    let app = spawn_app_through(&proxy, |s| s.db_timeout = Duration::from_millis(500)).await;
    app.create_category(json!({"name": "Market"})).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    proxy.cut().await;
    let res = app.get("/readyz").await;
    let problem = assert_problem(res, 503, "database_unavailable").await;
    assert!(!problem["detail"].as_str().unwrap().contains("127.0.0.1"));
    let res = app.get("/api/v1/categories/market").await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 503, "database_unavailable").await;
    let res = app
        .post_json("/api/v1/categories", &json!({"name": "Lost?"}))
        .await;
    assert_problem(res, 503, "database_unavailable").await;
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::OK,
        "the process is still alive"
    );

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if app.get("/readyz").await.status() == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.get("/api/v1/categories/market").await.status(),
        StatusCode::OK
    );
    // The write refused while the database was away was not half-applied.
    let res = app.get("/api/v1/categories/lost").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
