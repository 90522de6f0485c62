//! Errors the framework raises, request ids, compression, CORS and HEAD.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/nope",
        "/api/v1",
        "/api/v1/articlez",
        "/api/v2/categories",
        "/api/v1/categories/a/b",
    ] {
        assert_problem(app.get(path).await, 404, "not_found").await;
    }
}

#[tokio::test]
async fn wrong_methods_are_405_with_allow() {
    let app = spawn_app().await;
    let cases = [
        (Method::PUT, "/api/v1/categories", "GET, POST"),
        (Method::DELETE, "/api/v1/categories", "GET, POST"),
        (
            Method::POST,
            "/api/v1/categories/market",
            "DELETE, GET, PATCH",
        ),
        (
            Method::PUT,
            "/api/v1/categories/market",
            "DELETE, GET, PATCH",
        ),
        (Method::POST, "/healthz", "GET"),
        (Method::DELETE, "/openapi.json", "GET"),
    ];
    for (method, path, allow) in cases {
        let res = app.request(method.clone(), path).send().await.unwrap();
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        assert_problem(res, 405, "method_not_allowed").await;
    }
}

#[tokio::test]
async fn bodies_must_be_json() {
    let app = spawn_app().await;
    let cases = [
        (None, "{\"name\":\"X\"}"),
        (Some("text/plain"), "{\"name\":\"X\"}"),
        (Some("application/x-www-form-urlencoded"), "name=X"),
        (Some("application/json; charset=latin1"), "{\"name\":\"X\"}"),
        (Some("application/merge-patch+json"), "{\"name\":\"X\"}"),
    ];
    for (content_type, body) in cases {
        let mut req = app.request(Method::POST, "/api/v1/categories").body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = req.send().await.unwrap();
        assert_problem(res, 415, "unsupported_media_type").await;
    }
    let res = app
        .request(Method::POST, "/api/v1/categories")
        .header("content-type", "application/json; charset=UTF-8")
        .body("{\"name\":\"Fine\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    for body in [
        "{\"name\":",
        "{name: 'x'}",
        "",
        "{\"name\":\"a\"} trailing",
        "\u{feff}{}",
        "{\"name\":\"\\ud800\"}",
    ] {
        let res = app
            .request(Method::POST, "/api/v1/categories")
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "malformed_json").await;
    }
    let res = app
        .request(Method::POST, "/api/v1/categories")
        .header("content-type", "application/json")
        .body(vec![b'{', 0xff, 0xfe, b'}'])
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_json").await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = spawn_app_with(|s| s.body_limit = 2048).await;
    let big = json!({"name": "X", "description": "d".repeat(4000)});
    let res = app.post_json("/api/v1/categories", &big).await;
    assert_problem(res, 413, "body_too_large").await;
    // Without a Content-Length the limit still holds.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(b"{\"name\":\"X\",\"description\":\"".to_vec()),
        Ok(vec![b'd'; 4000]),
        Ok(b"\"}".to_vec()),
    ];
    let res = app
        .request(Method::POST, "/api/v1/categories")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "body_too_large").await;
    let body: Value = app.get("/api/v1/categories").await.json().await.unwrap();
    assert_eq!(body["data"], json!([]));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(id.len() >= 16);
    let other = app.get("/healthz").await.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(id, other);

    let res = app
        .request(Method::GET, "/nope")
        .header("x-request-id", "trace-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-abc.123");
    let long = "x".repeat(300);
    for bad in ["has space", "semi;colon", long.as_str()] {
        let res = app
            .request(Method::GET, "/healthz")
            .header("x-request-id", bad)
            .send()
            .await
            .unwrap();
        let got = res.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(got, bad);
        assert!(!got.is_empty());
    }
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let app = spawn_app().await;
    for i in 0..20 {
        app.create_category(json!({"name": format!("Category number {i}")}))
            .await;
    }
    let plain = app.get("/api/v1/categories").await;
    assert!(plain.headers().get("content-encoding").is_none());
    for encoding in ["gzip", "br", "zstd"] {
        let res = app
            .request(Method::GET, "/api/v1/categories")
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-encoding"], encoding);
        assert!(
            res.headers()["vary"]
                .to_str()
                .unwrap()
                .to_lowercase()
                .contains("accept-encoding")
        );
    }
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let app = spawn_app().await;
    let res = app
        .request(Method::GET, "/api/v1/categories")
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn cors_allows_the_configured_origins() {
    let app = spawn_app_with(|s| s.cors_origins = vec!["https://app.example.com".into()]).await;
    let res = app
        .request(Method::OPTIONS, "/api/v1/categories")
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );

    let res = app
        .request(Method::GET, "/api/v1/categories")
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        exposed.contains("x-request-id") && exposed.contains("link"),
        "{exposed}"
    );

    let res = app
        .request(Method::GET, "/api/v1/categories")
        .header("origin", "https://evil.example.net")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    if !res.status().is_success() {
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    app.create_category(json!({"name": "Market"})).await;
    let res = app
        .request(Method::HEAD, "/api/v1/categories/market")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().contains_key("x-request-id"));
    assert!(res.bytes().await.unwrap().is_empty());
    let res = app
        .request(Method::HEAD, "/api/v1/categories/nothing")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn errors_are_not_cached() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/categories/nothing").await;
    assert_eq!(res.headers()["cache-control"], "no-store");
}
