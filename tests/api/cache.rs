//! The response cache of public reads: served from memory, never stale after a write (on
//! this process or, on PostgreSQL, another), expiring on its own when a story's time comes,
//! never touched by signed-in callers; and the metrics that show it.

use std::io::Read;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, send, spawn_app, spawn_app_with};

pub(crate) const METRICS_TOKEN: &str = "a metrics token of some length";

/// The value of a metric series in a scrape (the first line that starts with `series`).
pub(crate) fn metric(scrape: &str, series: &str) -> f64 {
    scrape
        .lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

pub(crate) async fn scrape(app: &crate::helpers::TestApp) -> String {
    let res = send(
        app.client_request(Method::GET, "/metrics")
            .bearer_auth(METRICS_TOKEN),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

async fn public_json(app: &crate::helpers::TestApp, path: &str) -> (StatusCode, Value) {
    let res = app.anon().get(path).await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_next_public_read_after_a_write_is_new_every_time() {
    let app =
        spawn_app_with(|s| s.metrics_token = Some(byline::config::Secret::new(METRICS_TOKEN)))
            .await;
    let article = app
        .create_article(json!({"title": "Cached 0", "body": "x"}))
        .await;
    let id = article["id"].as_str().unwrap().to_owned();
    app.publish(&id, None).await;
    let slug = article["slug"].as_str().unwrap();
    let path = format!("/api/v1/articles/{slug}");
    if app.postgres_connection().is_some() {
        // A process stores nothing for its first moments of listening, until other
        // processes have surely counted it as a listener.
        tokio::time::sleep(Duration::from_millis(1700)).await;
    }
    // Two reads: the second is a hit, once the first has been stored (the fill runs after
    // the answer, on the compression thread).
    public_json(&app, &path).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while metric(&scrape(&app).await, "byline_cache_fills_total") < 1.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first read was never stored"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = metric(&scrape(&app).await, "byline_cache_hits_total");
    for _ in 0..3 {
        let (status, _) = public_json(&app, &path).await;
        assert_eq!(status, StatusCode::OK);
    }
    let after = metric(&scrape(&app).await, "byline_cache_hits_total");
    assert!(after >= before + 2.0, "hits went from {before} to {after}");

    for n in 1..=25 {
        let title = format!("Cached {n}");
        let res = app
            .patch_json(&format!("/api/v1/articles/{id}"), &json!({"title": title}))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let (_, one) = public_json(&app, &path).await;
        assert_eq!(one["title"], title, "by slug after write {n}");
        let (_, list) = public_json(&app, "/api/v1/articles?include=author").await;
        assert_eq!(list["data"][0]["title"], title, "the list after write {n}");
        // And once more, now from the cache.
        let (_, again) = public_json(&app, &path).await;
        assert_eq!(again["title"], title);
    }
    // Deleting takes it off every public answer at once.
    let res = app.delete(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(app.anon().get(&path).await, 404, "not_found").await;
    let (_, list) = public_json(&app, "/api/v1/articles?include=author").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);

    // Authors and categories alike; and an edited byline shows in an embedding article.
    let author = app.create_author(json!({"name": "Cached Author"})).await;
    let author_id = author["id"].as_str().unwrap();
    let story = app
        .create_article(json!({"title": "With byline", "body": "x", "author_id": author_id}))
        .await;
    app.publish(story["id"].as_str().unwrap(), None).await;
    let embed = format!(
        "/api/v1/articles/{}?include=author",
        story["slug"].as_str().unwrap()
    );
    for n in 0..5 {
        let bio = format!("Bio {n}");
        let res = app
            .patch_json(
                &format!("/api/v1/authors/{author_id}"),
                &json!({"bio": bio}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let (_, read) = public_json(&app, &format!("/api/v1/authors/{author_id}")).await;
        assert_eq!(read["bio"], bio);
        let (_, read) = public_json(&app, &embed).await;
        assert_eq!(read["author"]["bio"], bio);
        let (_, list) = public_json(&app, "/api/v1/authors").await;
        assert_eq!(list["data"][0]["bio"], bio);
    }
}

#[tokio::test]
async fn cached_answers_come_compressed_once_and_answer_if_none_match() {
    let app = spawn_app().await;
    let article = app
        .create_article(json!({"title": "Compressed", "body": "Words ".repeat(400)}))
        .await;
    app.publish(article["id"].as_str().unwrap(), None).await;
    let path = format!("/api/v1/articles/{}", article["slug"].as_str().unwrap());
    let (_, plain) = public_json(&app, &path).await;
    // Give the compression thread a moment to store it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for (encoding, decode) in [
        (
            "gzip",
            (|b: &[u8]| {
                let mut s = String::new();
                flate2::read::GzDecoder::new(b)
                    .read_to_string(&mut s)
                    .unwrap();
                s
            }) as fn(&[u8]) -> String,
        ),
        ("br", |b: &[u8]| {
            let mut s = String::new();
            brotli::Decompressor::new(b, 4096)
                .read_to_string(&mut s)
                .unwrap();
            s
        }),
    ] {
        let res = send(
            app.client_request(Method::GET, &path)
                .header("accept-encoding", encoding),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-encoding"], encoding);
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .starts_with("public")
        );
        let body: Value = serde_json::from_str(&decode(&res.bytes().await.unwrap())).unwrap();
        assert_eq!(body, plain, "{encoding}");
    }
    let res = app.anon().get(&path).await;
    assert!(res.headers().get("content-encoding").is_none());
    let tag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = send(
        app.client_request(Method::GET, &path)
            .header("if-none-match", &tag),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), tag);
    // HEAD comes from the same entry, without a body.
    let res = send(app.client_request(Method::HEAD, &path)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_entry_is_kept_packed_and_each_client_gets_the_form_it_takes() {
    let app =
        spawn_app_with(|s| s.metrics_token = Some(byline::config::Secret::new(METRICS_TOKEN)))
            .await;
    let words = "The harbour reopened after the storm, and the ferries ran again. ".repeat(300);
    let article = app
        .create_article(json!({"title": "Packed", "body": words}))
        .await;
    app.publish(article["id"].as_str().unwrap(), None).await;
    let path = format!("/api/v1/articles/{}", article["slug"].as_str().unwrap());
    // Read until stored: on PostgreSQL a process stores nothing for its first moments of
    // listening.
    let deadline = Instant::now() + Duration::from_secs(10);
    let plain = loop {
        let res = app.anon().get(&path).await;
        assert_eq!(res.status(), StatusCode::OK);
        let plain = res.bytes().await.unwrap();
        if metric(&scrape(&app).await, "byline_cache_fills_total") >= 1.0 {
            break plain;
        }
        assert!(Instant::now() < deadline, "the read was never stored");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(plain.len() > 19_000, "{}", plain.len());
    // Packed off the request path, the entry weighs a fraction of the body.
    let weight = loop {
        let weight = metric(&scrape(&app).await, "byline_cache_bytes");
        if weight > 0.0 && weight < 4096.0 || Instant::now() > deadline {
            break weight;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(weight > 0.0 && weight < 4096.0, "the entry weighs {weight}");
    let hits = metric(&scrape(&app).await, "byline_cache_hits_total");
    // A zstd client gets the packed body as it is; the others, what they take.
    let res = send(
        app.client_request(Method::GET, &path)
            .header("accept-encoding", "gzip, deflate, br, zstd"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-encoding"], "zstd");
    assert!(
        res.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("Accept-Encoding")
    );
    let body = zstd::decode_all(&res.bytes().await.unwrap()[..]).unwrap();
    assert_eq!(body, plain);
    for refused in ["zstd;q=0, gzip", "gzip"] {
        let res = send(
            app.client_request(Method::GET, &path)
                .header("accept-encoding", refused),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-encoding"], "gzip", "{refused}");
        let mut body = Vec::new();
        flate2::read::GzDecoder::new(&res.bytes().await.unwrap()[..])
            .read_to_end(&mut body)
            .unwrap();
        assert_eq!(body, plain, "{refused}");
    }
    let res = app.anon().get(&path).await;
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(
        res.headers()["content-length"].to_str().unwrap(),
        plain.len().to_string()
    );
    assert_eq!(res.bytes().await.unwrap(), plain);
    let after = metric(&scrape(&app).await, "byline_cache_hits_total");
    assert_eq!(after - hits, 4.0, "every read after the first was a hit");
}

#[tokio::test]
async fn signed_in_readers_never_read_or_fill_the_cache() {
    let app =
        spawn_app_with(|s| s.metrics_token = Some(byline::config::Secret::new(METRICS_TOKEN)))
            .await;
    let article = app
        .create_article(json!({"title": "Staff only view", "body": "x"}))
        .await;
    app.publish(article["id"].as_str().unwrap(), None).await;
    let path = format!("/api/v1/articles/{}", article["slug"].as_str().unwrap());
    public_json(&app, &path).await;
    public_json(&app, &path).await;
    // Fills finish off the request, after compression: let them land before counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let scrape_before = scrape(&app).await;
    for _ in 0..3 {
        let staff: Value = app.get(&path).await.json().await.unwrap();
        assert_eq!(
            staff["live"], true,
            "the staff view, not the cached public one"
        );
    }
    let scrape_after = scrape(&app).await;
    for series in [
        "byline_cache_hits_total",
        "byline_cache_misses_total",
        "byline_cache_fills_total",
    ] {
        assert_eq!(
            metric(&scrape_before, series),
            metric(&scrape_after, series),
            "{series}"
        );
    }
    // A draft stays invisible to the public, cache or not.
    let draft = app
        .create_article(json!({"title": "Draft here", "body": "x"}))
        .await;
    let draft_path = format!("/api/v1/articles/{}", draft["slug"].as_str().unwrap());
    app.get(&draft_path).await;
    assert_problem(app.anon().get(&draft_path).await, 404, "not_found").await;
}

#[tokio::test]
async fn cached_answers_expire_when_a_story_comes_due_or_expires() {
    let app = spawn_app().await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let scheduled = app
        .create_article(json!({"title": "Due soon", "body": "x"}))
        .await;
    app.publish(scheduled["id"].as_str().unwrap(), Some(&soon))
        .await;
    let leaving = app
        .create_article(json!({"title": "Leaving soon", "body": "x"}))
        .await;
    let res = app
        .post_json(
            &format!(
                "/api/v1/articles/{}/publish",
                leaving["id"].as_str().unwrap()
            ),
            &json!({"unpublish_at": soon}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let leaving_path = format!("/api/v1/articles/{}", leaving["slug"].as_str().unwrap());
    let titles = |list: &Value| -> Vec<String> {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect()
    };
    // Fill both answers, and read them again from the cache.
    for _ in 0..2 {
        let (_, list) = public_json(&app, "/api/v1/articles").await;
        assert_eq!(titles(&list), vec!["Leaving soon"]);
        let (status, _) = public_json(&app, &leaving_path).await;
        assert_eq!(status, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let due = chrono::DateTime::parse_from_rfc3339(&soon).unwrap();
    let wait = (due.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(150)).await;
    let (_, list) = public_json(&app, "/api/v1/articles").await;
    assert_eq!(titles(&list), vec!["Due soon"]);
    let (status, _) = public_json(&app, &leaving_path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_write_on_one_server_is_seen_by_the_other_within_a_second_every_time() {
    let a = spawn_app().await;
    if a.postgres_connection().is_none() {
        eprintln!(
            "skipped: needs BYLINE_TEST_DATABASE_URL (other processes tell each other through PostgreSQL)"
        );
        return;
    }
    let b = a.second_node(|_| {}).await;
    let article = a
        .create_article(json!({"title": "Two nodes 0", "body": "x"}))
        .await;
    let id = article["id"].as_str().unwrap().to_owned();
    a.publish(&id, None).await;
    let path = format!("/api/v1/articles/{}", article["slug"].as_str().unwrap());
    let seen_within = |title: String| {
        let b = &b;
        let path = path.clone();
        async move {
            let started = Instant::now();
            loop {
                let (_, read) = public_json(b, &path).await;
                if read["title"] == title.as_str() {
                    return started.elapsed();
                }
                assert!(
                    started.elapsed() < Duration::from_secs(1),
                    "B still serves {} instead of {title}",
                    read["title"]
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    for n in 1..=15 {
        // B holds the old version in its cache before each write.
        public_json(&b, &path).await;
        public_json(&b, &path).await;
        let title = format!("Two nodes {n}");
        let res = a
            .patch_json(&format!("/api/v1/articles/{id}"), &json!({"title": title}))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        seen_within(title).await;
    }
    // B loses its listening connection: it flushes, connects again, and stays exact.
    let mut conn = a.postgres_connection().unwrap();
    use diesel::RunQueryDsl;
    // Both servers' listeners of this schema, by the name they give their connection.
    let killed: Vec<Killed> = diesel::sql_query(
        "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity \
         WHERE application_name = 'byline_cache_' || left(md5(current_schema()), 16)",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(killed.len(), 2, "two listeners");
    for n in 16..=18 {
        public_json(&b, &path).await;
        let title = format!("Two nodes {n}");
        let res = a
            .patch_json(&format!("/api/v1/articles/{id}"), &json!({"title": title}))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        seen_within(title).await;
        tokio::time::sleep(Duration::from_millis(1200)).await;
    }
}

#[derive(diesel::QueryableByName)]
struct Killed {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    #[expect(dead_code, reason = "only counted")]
    done: bool,
}

#[tokio::test]
async fn metrics_answer_only_with_their_token_or_on_their_own_address() {
    let app = spawn_app().await;
    // Credentials come first, as on every route; with no metrics token set, metrics are off.
    assert_problem(app.anon().get("/metrics").await, 401, "unauthorized").await;
    assert_problem(app.get("/metrics").await, 404, "not_found").await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = spawn_app_with(|s| {
        s.metrics_token = Some(byline::config::Secret::new(METRICS_TOKEN));
        s.metrics_bind = Some(format!("127.0.0.1:{port}").parse().unwrap());
    })
    .await;
    assert_problem(app.anon().get("/metrics").await, 401, "unauthorized").await;
    let res = send(
        app.client_request(Method::GET, "/metrics")
            .bearer_auth("not the metrics token"),
    )
    .await;
    assert_problem(res, 401, "unauthorized").await;
    // The first read fills the cache; the three after it are hits, counted by their route.
    for _ in 0..4 {
        app.anon().get("/api/v1/articles").await;
    }
    app.anon().get("/api/v1/articles/no-such-story").await;
    let text = scrape(&app).await;
    assert_eq!(
        metric(
            &text,
            "byline_http_requests_total{method=\"GET\",route=\"/api/v1/articles\",status=\"200\"}"
        ),
        4.0,
        "{text}"
    );
    for series in [
        "byline_http_requests_total{method=\"GET\",route=\"/api/v1/articles\",status=\"200\"}",
        "byline_http_requests_total{method=\"GET\",route=\"/api/v1/articles/{id_or_slug}\",status=\"404\"}",
        "byline_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/articles\"",
        "byline_db_pool_connections",
        "byline_cache_misses_total",
        "byline_cache_capacity_bytes 16777216",
        "byline_webhook_deliveries{status=\"pending\"} 0",
        "byline_events_pending",
    ] {
        assert!(text.contains(series), "no {series} in\n{text}");
    }
    // The separate address needs no token, and serves nothing else.
    let client = reqwest::Client::new();
    let res = client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("byline_http_requests_total")
    );
    let res = client
        .get(format!("http://127.0.0.1:{port}/api/v1/articles"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn concurrent_misses_of_one_url_compute_it_once_and_share_the_answer() {
    let app =
        spawn_app_with(|s| s.metrics_token = Some(byline::config::Secret::new(METRICS_TOKEN)))
            .await;
    for n in 0..30 {
        let story = app
            .create_article(json!({"title": format!("Crowded {n}"), "body": "Words ".repeat(300)}))
            .await;
        app.publish(story["id"].as_str().unwrap(), None).await;
    }
    if app.postgres_connection().is_some() {
        tokio::time::sleep(Duration::from_millis(1700)).await;
    }
    let path = "/api/v1/articles?include=author,category&fields=id,title,body&limit=30";
    let fills = metric(&scrape(&app).await, "byline_cache_fills_total");
    let reads = (0..48).map(|_| async {
        let res = app.anon().get(path).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.text().await.unwrap()
    });
    let bodies = futures_util::future::join_all(reads).await;
    assert!(bodies.iter().all(|b| *b == bodies[0]), "one answer for all");
    let scraped = scrape(&app).await;
    assert_eq!(
        metric(&scraped, "byline_cache_fills_total") - fills,
        1.0,
        "48 readers of one URL at once made one entry"
    );
}
