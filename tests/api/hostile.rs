//! Hardening II: the media library, feeds, the response cache, idempotency keys and
//! webhooks against hostile clients, races and hostile content.

use std::io::Cursor;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{
    Process, TestApp, assert_problem, count_sql, execute_sql, field_errors, send, spawn_app,
    spawn_app_with,
};

const SITE: &str = "https://news.example.com";

fn site() -> byline::config::SiteSettings {
    byline::config::SiteSettings {
        url: SITE.to_owned(),
        name: "Example News".to_owned(),
        language: "en".to_owned(),
        article_url: "{site}/{category}/{slug}".to_owned(),
        category_url: "{site}/section/{slug}".to_owned(),
        tag_url: "{site}/tag/{slug}".to_owned(),
        uncategorized: "news".to_owned(),
    }
}

async fn configured() -> TestApp {
    spawn_app_with(|s| s.site = Some(site())).await
}

async fn anon_text(app: &TestApp, path: &str) -> String {
    app.anon().get(path).await.text().await.unwrap()
}

async fn anon_json(app: &TestApp, path: &str) -> Value {
    app.anon().get(path).await.json().await.unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A PNG of `w` × `h` pixels whose colour depends on `seed`, so that each seed is a file
/// of its own.
fn png(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (seed % 251) as u8,
            (seed / 251 % 251) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn multipart(parts: &[(&str, Option<&str>, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = format!("byline-test-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n")
                    .as_bytes(),
            ),
            None => body
                .extend(format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes()),
        }
        body.extend(b"Content-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(app: &TestApp, bytes: Vec<u8>) -> reqwest::Response {
    let (content_type, body) = multipart(&[("file", Some("photo.png"), bytes)]);
    send(
        app.request(Method::POST, "/api/v1/media")
            .header("content-type", content_type)
            .body(body),
    )
    .await
}

/// The headers a client sends to make Byline write its host into a body.
const HOSTILE: &[(&str, &str)] = &[
    ("host", "evil.example"),
    ("x-forwarded-host", "evil.example"),
    ("x-forwarded-proto", "javascript"),
    ("forwarded", "proto=javascript;host=evil.example"),
];

#[tokio::test]
async fn request_headers_never_reach_a_cached_body() {
    let app = configured().await;
    let category = app.create_category(json!({"name": "Market"})).await;
    let author = app.create_author(json!({"name": "Ana Ruiz"})).await;
    let tag = app.create_tag(json!({"name": "Oil"})).await;
    let media = app.upload_png().await;
    let article = app
        .create_article(json!({
            "title": "Oil edges higher",
            "body": "Brent rose.",
            "excerpt": "Brent rose.",
            "author_id": author["id"],
            "category_id": category["id"],
            "tag_ids": [tag["id"]],
            "cover_media_id": media["id"],
        }))
        .await;
    let article = app.publish(&id(&article), None).await;
    let slug = article["slug"].as_str().unwrap();
    let routes = [
        "/feeds/articles.rss".to_owned(),
        "/feeds/articles.atom".to_owned(),
        "/feeds/articles.json".to_owned(),
        "/feeds/articles.json?category=market".to_owned(),
        "/sitemap.xml".to_owned(),
        "/sitemaps/news.xml".to_owned(),
        "/sitemaps/articles-1.xml".to_owned(),
        "/sitemaps/categories.xml".to_owned(),
        "/sitemaps/tags.xml".to_owned(),
        "/api/v1/articles?include=author,category,tags,cover".to_owned(),
        format!("/api/v1/articles/{slug}?include=author,category,tags,cover"),
        "/api/v1/authors".to_owned(),
        format!("/api/v1/authors/{}", id(&author)),
        "/api/v1/categories".to_owned(),
        "/api/v1/tags".to_owned(),
        format!("/media/{}/a.png", id(&media)),
    ];
    for route in &routes {
        // A content change empties the cache, so the hostile read is the one that fills it.
        let res = app
            .patch_json(
                &format!("/api/v1/authors/{}", id(&author)),
                &json!({"bio": format!("{route}")}),
            )
            .await;
        assert_eq!(res.status(), 200);
        let mut hostile = app.anon().request(Method::GET, route);
        for (name, value) in HOSTILE {
            hostile = hostile.header(*name, *value);
        }
        let first = send(hostile).await;
        assert_eq!(first.status(), 200, "{route}");
        let first = first.bytes().await.unwrap();
        let text = String::from_utf8_lossy(&first);
        assert!(!text.contains("evil.example"), "{route}: {text}");
        assert!(!text.contains("javascript"), "{route}: {text}");
        let clean = app.anon().get(route).await;
        assert_eq!(clean.status(), 200);
        assert_eq!(clean.bytes().await.unwrap(), first, "{route}");
    }
    // The self links name the configured site.
    let feed: Value = anon_json(&app, "/feeds/articles.json?category=market").await;
    assert_eq!(
        feed["feed_url"],
        format!("{SITE}/feeds/articles.json?category=market")
    );
    let rss = anon_text(&app, "/feeds/articles.rss").await;
    assert!(
        rss.contains(&format!("href=\"{SITE}/feeds/articles.rss\"")),
        "{rss}"
    );
    let atom = anon_text(&app, "/feeds/articles.atom").await;
    assert!(
        atom.contains(&format!("<id>{SITE}/feeds/articles.atom</id>")),
        "{atom}"
    );
}

#[tokio::test]
async fn a_delete_racing_a_reupload_of_the_same_bytes_keeps_the_new_file() {
    let app = spawn_app().await;
    let mut kept = 0;
    for round in 0..100u32 {
        let bytes = png(3, 3, round);
        let first = upload(&app, bytes.clone()).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        let first: Value = first.json().await.unwrap();
        let path = format!("/api/v1/media/{}", id(&first));
        let (deleted, again) = tokio::join!(app.delete(&path), upload(&app, bytes));
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        assert_eq!(again.status(), StatusCode::CREATED);
        let again: Value = again.json().await.unwrap();
        let file = app
            .anon()
            .get(&format!(
                "/media/{}/{}",
                id(&again),
                again["filename"].as_str().unwrap()
            ))
            .await;
        assert_eq!(
            file.status(),
            StatusCode::OK,
            "round {round}: the new upload lost its file"
        );
        kept += 1;
    }
    assert_eq!(kept, 100);
}

#[tokio::test]
async fn noncharacters_are_refused_on_write_and_dropped_from_every_xml_answer() {
    let app = configured().await;
    for (field, value) in [
        ("title", "Oil \u{FFFF} rises"),
        ("title", "Oil \u{FFFE} rises"),
        ("body", "Text \u{FDD0} here"),
        ("excerpt", "Ends \u{FFFF}"),
        ("subtitle", "Dek \u{FFFE}"),
    ] {
        let mut body = json!({"title": "A title", "body": "A body"});
        body[field] = json!(value);
        let res = app.post_json("/api/v1/articles", &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            vec![(field.to_owned(), "invalid_characters".to_owned())],
            "{field}"
        );
    }
    let res = app
        .post_json("/api/v1/authors", &json!({"name": "Ana \u{FFFF}"}))
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = app
        .post_json("/api/v1/categories", &json!({"name": "Market \u{FFFE}"}))
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let list: Value = app
        .get("/api/v1/articles?status=all")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        0,
        "nothing was written"
    );

    // Text stored before the checks refused it cannot break a feed.
    let author = app.create_author(json!({"name": "Ana Ruiz"})).await;
    let category = app.create_category(json!({"name": "Market"})).await;
    let tag = app.create_tag(json!({"name": "Oil"})).await;
    let article = app
        .create_article(json!({
            "title": "Legacy story",
            "body": "Legacy body",
            "excerpt": "Legacy excerpt",
            "author_id": author["id"],
            "category_id": category["id"],
            "tag_ids": [tag["id"]],
        }))
        .await;
    app.publish(&id(&article), None).await;
    let bad = match app.backend {
        byline::db::Backend::Postgres => "chr(65535) || chr(65534) || chr(1)",
        byline::db::Backend::Sqlite => "char(65535) || char(65534) || char(1)",
    };
    for sql in [
        format!(
            "UPDATE articles SET title = title || {bad}, excerpt = excerpt || {bad}, body_html = body_html || {bad}"
        ),
        format!("UPDATE authors SET name = name || {bad}"),
        format!("UPDATE categories SET name = name || {bad}"),
        format!("UPDATE tags SET name = name || {bad}"),
    ] {
        execute_sql(&app, &sql);
    }
    for route in [
        "/feeds/articles.rss",
        "/feeds/articles.atom",
        "/sitemap.xml",
        "/sitemaps/news.xml",
        "/sitemaps/articles-1.xml",
    ] {
        let res = app.anon().get(route).await;
        assert_eq!(res.status(), 200, "{route}");
        let text = res.text().await.unwrap();
        if let Err(e) = roxmltree::Document::parse(&text) {
            panic!("{route} is not XML 1.0: {e}\n{text}");
        }
        if route.starts_with("/feeds/") || route.ends_with("news.xml") {
            assert!(text.contains("Legacy story"), "{route}: {text}");
        }
    }
    let json_feed = app.anon().get("/feeds/articles.json").await;
    assert_eq!(json_feed.status(), 200);
    let _: Value = json_feed.json().await.unwrap();
}

#[tokio::test]
async fn rss_descriptions_carry_the_excerpt_as_text_never_as_html() {
    let app = configured().await;
    let excerpt = "<script>alert(1)</script> & <b>bold</b>";
    let article = app
        .create_article(json!({"title": "Story", "body": "Body", "excerpt": excerpt}))
        .await;
    app.publish(&id(&article), None).await;
    let rss = anon_text(&app, "/feeds/articles.rss").await;
    let doc = roxmltree::Document::parse(&rss).unwrap();
    let description = doc
        .descendants()
        .find(|n| n.has_tag_name("item"))
        .and_then(|item| item.children().find(|n| n.has_tag_name("description")))
        .and_then(|d| d.text())
        .unwrap();
    // What a reader renders as HTML shows the excerpt's characters, and runs nothing.
    assert_eq!(
        description,
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    );
    let atom = anon_text(&app, "/feeds/articles.atom").await;
    let doc = roxmltree::Document::parse(&atom).unwrap();
    let summary = doc
        .descendants()
        .find(|n| n.has_tag_name("summary"))
        .unwrap();
    assert_ne!(summary.attribute("type"), Some("html"));
    assert_eq!(summary.text(), Some(excerpt));
    let feed: Value = anon_json(&app, "/feeds/articles.json").await;
    assert_eq!(
        feed["items"][0]["summary"], excerpt,
        "JSON Feed's summary is plain text"
    );
}

/// A small PNG whose header declares `side` × `side` pixels of 16-bit RGB.
fn deep_png(side: u32) -> Vec<u8> {
    let mut file = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend(side.to_be_bytes());
    ihdr.extend([16, 2, 0, 0, 0]);
    file.extend(crate::media::png_chunk(b"IHDR", &ihdr));
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &[0u8; 4096]).unwrap();
    file.extend(crate::media::png_chunk(b"IDAT", &z.finish().unwrap()));
    file.extend(crate::media::png_chunk(b"IEND", b""));
    file
}

#[tokio::test]
async fn an_image_whose_render_no_budget_affords_is_refused_at_upload() {
    let app = spawn_app().await;
    let res = upload(&app, deep_png(7071)).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![("file".to_owned(), "too_large_to_render".to_owned())]
    );
    let list: Value = app.get("/api/v1/media").await.json().await.unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 0);

    // With a small budget, the cheapest rendition fits and a dearer one is refused.
    let app = spawn_app_with(|s| s.media.render_budget = 16 << 20).await;
    let img = image::RgbaImage::from_fn(1600, 1600, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 7, 200])
    });
    let mut bytes = Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    let res = upload(&app, bytes.into_inner()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let media: Value = res.json().await.unwrap();
    let base = format!(
        "/media/{}/160/{}",
        id(&media),
        media["filename"].as_str().unwrap()
    );
    let webp = app.anon().get(&base).await;
    assert_eq!(webp.status(), 200);
    let jpeg = app.anon().get(&format!("{base}?format=jpeg")).await;
    let problem = assert_problem(jpeg, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![("file".to_owned(), "too_large_to_render".to_owned())]
    );
}

/// Sends a request's head and then `body_bytes` of body in pieces from a task of its own,
/// and reads the answer while it does; gives the status line and how much was sent.
async fn raw_upload(app: &TestApp, head: String, body_bytes: usize) -> (String, usize) {
    let addr = app.address.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sent = counter.clone();
    let writer = tokio::spawn(async move {
        if write.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let piece = vec![b'x'; 64 * 1024];
        while sent.load(std::sync::atomic::Ordering::SeqCst) < body_bytes {
            let chunk = format!("{:x}\r\n", piece.len());
            if write.write_all(chunk.as_bytes()).await.is_err()
                || write.write_all(&piece).await.is_err()
                || write.write_all(b"\r\n").await.is_err()
            {
                break;
            }
            sent.fetch_add(piece.len(), std::sync::atomic::Ordering::SeqCst);
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read_all)
        .await
        .expect("an answer within 30 s");
    // How much had gone when the answer came (the server may read and drop the rest
    // while it closes the connection).
    let sent = counter.load(std::sync::atomic::Ordering::SeqCst);
    writer.abort();
    let text = String::from_utf8_lossy(&answer);
    (text.to_string(), sent)
}

#[tokio::test]
async fn an_upload_is_counted_whole_preamble_included() {
    let app = spawn_app_with(|s| s.media.max_bytes = 256 * 1024).await;
    // Declared too large: refused before a byte of the body is read.
    let (content_type, body) = multipart(&[("file", Some("a.png"), vec![0u8; 2 * 1024 * 1024])]);
    let res = send(
        app.request(Method::POST, "/api/v1/media")
            .header("content-type", content_type)
            .body(body),
    )
    .await;
    assert_problem(res, 413, "body_too_large").await;
    // Streamed with no length: bytes before the first boundary count too.
    let head = format!(
        "POST /api/v1/media HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary=never-comes\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        app.admin_token
    );
    let (status, sent) = raw_upload(&app, head, 64 * 1024 * 1024).await;
    assert!(status.starts_with("HTTP/1.1 413 "), "{status}");
    assert!(
        sent < 16 * 1024 * 1024,
        "the answer came after {sent} bytes: {status}"
    );
    let list: Value = app.get("/api/v1/media").await.json().await.unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn answers_with_secrets_are_never_kept_for_a_replay() {
    let app = spawn_app().await;
    let create = |key: &'static str| {
        send(
            app.request(Method::POST, "/api/v1/tokens")
                .header("idempotency-key", key)
                .json(&json!({"name": "CI", "scope": "read"})),
        )
    };
    let first = create("token-key-1").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = first.json().await.unwrap();
    assert!(first["token"].as_str().unwrap().starts_with("byl_"));
    let again = create("token-key-1").await;
    let problem = assert_problem(again, 409, "idempotency_key_unreplayable").await;
    assert!(
        problem["detail"].as_str().unwrap().contains(&location),
        "{problem}"
    );
    // Only one token was made, and no secret is stored with the key.
    let tokens: Value = app.get("/api/v1/tokens").await.json().await.unwrap();
    assert_eq!(tokens["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        count_sql(
            &app,
            "SELECT count(*) AS n FROM idempotency_keys WHERE body IS NOT NULL"
        ),
        0
    );

    // Webhooks: creation and rotation hand out a signing secret.
    let hooks = spawn_app_with(|s| s.events.allow_private = true).await;
    let webhook = json!({"url": "http://127.0.0.1:9/hook", "events": ["article.*"]});
    let make = |key: &'static str| {
        send(
            hooks
                .request(Method::POST, "/api/v1/webhooks")
                .header("idempotency-key", key)
                .json(&webhook),
        )
    };
    let first = make("hook-key-1").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let hook: Value = first.json().await.unwrap();
    assert_problem(
        make("hook-key-1").await,
        409,
        "idempotency_key_unreplayable",
    )
    .await;
    let rotate = |key: &'static str| {
        send(
            hooks
                .request(
                    Method::POST,
                    &format!("/api/v1/webhooks/{}/rotate-secret", id(&hook)),
                )
                .header("idempotency-key", key),
        )
    };
    assert_eq!(rotate("rotate-key-1").await.status(), StatusCode::OK);
    assert_problem(
        rotate("rotate-key-1").await,
        409,
        "idempotency_key_unreplayable",
    )
    .await;
    assert_eq!(
        count_sql(
            &hooks,
            "SELECT count(*) AS n FROM idempotency_keys WHERE body IS NOT NULL"
        ),
        0
    );
    // An answer without a secret is still kept and replayed.
    let category = |key: &'static str| {
        send(
            app.request(Method::POST, "/api/v1/categories")
                .header("idempotency-key", key)
                .json(&json!({"name": "Market"})),
        )
    };
    assert_eq!(category("category-key").await.status(), StatusCode::CREATED);
    let replay = category("category-key").await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn a_trickled_body_is_cut_off_with_a_408() {
    let app = spawn_app_with(|s| s.body_timeout = Duration::from_secs(1)).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"em",
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            // One more byte a second, never the whole body.
            tokio::select! {
                n = stream.read(&mut buf) => match n {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                },
                () = tokio::time::sleep(Duration::from_millis(300)) => {
                    let _ = stream.write_all(b"a").await;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("the server closed the connection");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(15));
    // A body that arrives in time is served as usual.
    let res = app.anon().get("/healthz").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn scratch_files_a_killed_process_left_are_swept_at_start() {
    let data = tempfile::tempdir().unwrap();
    let media_dir = data.path().join("media");
    let database = crate::helpers::postgres_url().map(|_| crate::helpers::scratch_database());
    let url = match &database {
        Some((url, _)) => url.clone(),
        None => format!("sqlite://{}/byline.db", data.path().display()),
    };
    let env = [("BYLINE_MEDIA_DIR", media_dir.to_str().unwrap())];
    let mut first = Process::start(&url, &env).await;
    let token = first.admin_token().await;
    // Uploads that never finish: their scratch files are on disk when the process dies.
    let addr = first.address.trim_start_matches("http://").to_owned();
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let boundary = "b0undary";
        let head = format!(
            "POST /api/v1/media HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 10000000\r\n\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&vec![7u8; 1024 * 1024]).await.unwrap();
        streams.push(stream);
    }
    let uploads = media_dir.join("uploads");
    let scratch_bytes = || {
        fn walk(dir: &std::path::Path) -> u64 {
            std::fs::read_dir(dir).map_or(0, |entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            e.metadata().map_or(0, |m| m.len())
                        }
                    })
                    .sum()
            })
        }
        walk(&uploads)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while scratch_bytes() < 3 * 1024 * 1024 {
        assert!(
            std::time::Instant::now() < deadline,
            "no scratch files appeared"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill();
    drop(streams);
    assert!(scratch_bytes() >= 3 * 1024 * 1024);
    let second = Process::start(&url, &env).await;
    assert_eq!(scratch_bytes(), 0, "the scratch files outlived a restart");
    // The second process works, and a file it stores is served.
    let token = second.admin_token().await;
    let (content_type, body) = multipart(&[("file", Some("a.png"), png(4, 4, 1))]);
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/media", second.address))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_webhook_guard_refuses_addresses_that_are_not_globally_routable() {
    let app = spawn_app().await;
    for host in [
        "[::ffff:0:7f00:1]",
        "[64:ff9b:1::a9fe:a9fe]",
        "[2002:a9fe:a9fe::]",
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
        "[100::1]",
        "[2001:2::1]",
        "[::ffff:169.254.169.254]",
        "[64:ff9b::7f00:1]",
        "[3fff::1]",
        "192.88.99.1",
    ] {
        let res = app
            .post_json(
                "/api/v1/webhooks",
                &json!({"url": format!("http://{host}/hook"), "events": ["article.*"]}),
            )
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            vec![("url".to_owned(), "address_not_allowed".to_owned())],
            "{host}"
        );
    }
    let hooks: Value = app.get("/api/v1/webhooks").await.json().await.unwrap();
    assert_eq!(hooks["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_revision_keeps_tags_and_cover_and_restoring_brings_them_back() {
    let app = spawn_app().await;
    let oil = app.create_tag(json!({"name": "Oil"})).await;
    let gas = app.create_tag(json!({"name": "Gas"})).await;
    let media = app.upload_png().await;
    let article = app
        .create_article(json!({
            "title": "Story",
            "body": "Body",
            "tag_ids": [oil["id"], gas["id"]],
            "cover_media_id": media["id"],
        }))
        .await;
    let path = format!("/api/v1/articles/{}", id(&article));
    let res = app
        .patch_json(&path, &json!({"tag_ids": [], "cover_media_id": null}))
        .await;
    assert_eq!(res.status(), 200);
    let v1: Value = app
        .get(&format!("{path}/revisions/1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v1["article"]["tag_ids"], json!([oil["id"], gas["id"]]));
    assert_eq!(v1["article"]["cover_media_id"], media["id"]);
    let v2: Value = app
        .get(&format!("{path}/revisions/2"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v2["article"]["tag_ids"], json!([]));
    assert_eq!(v2["article"]["cover_media_id"], Value::Null);
    let mut changed: Vec<String> = serde_json::from_value(v2["changed_fields"].clone()).unwrap();
    changed.sort();
    assert_eq!(changed, vec!["cover_media_id", "tag_ids"]);
    let restored = app
        .post_json(&format!("{path}/revisions/1/restore"), &json!({}))
        .await;
    assert_eq!(restored.status(), 200);
    let restored: Value = restored.json().await.unwrap();
    assert_eq!(restored["tag_ids"], json!([oil["id"], gas["id"]]));
    assert_eq!(restored["cover_media_id"], media["id"]);
    // And back to none: a restore of version 2 clears them again.
    let res = app
        .post_json(&format!("{path}/revisions/2/restore"), &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let now: Value = res.json().await.unwrap();
    assert_eq!(now["tag_ids"], json!([]));
    assert_eq!(now["cover_media_id"], Value::Null);
}

#[tokio::test]
async fn head_sends_the_headers_get_sends() {
    let app = spawn_app().await;
    let media = app.upload_png().await;
    let article = app
        .create_article(json!({"title": "Story", "body": "Body"}))
        .await;
    app.publish(&id(&article), None).await;
    for path in [
        "/api/v1/articles".to_owned(),
        format!("/api/v1/articles/{}", id(&article)),
        format!("/media/{}/a.png", id(&media)),
        "/healthz".to_owned(),
    ] {
        let get = app.anon().get(&path).await;
        assert_eq!(get.status(), 200, "{path}");
        let length = get.headers()["content-length"].to_str().unwrap().to_owned();
        let etag = get.headers().get("etag").cloned();
        let body = get.bytes().await.unwrap();
        assert_eq!(length, body.len().to_string(), "{path}");
        let head = send(app.anon().request(Method::HEAD, &path)).await;
        assert_eq!(head.status(), 200, "{path}");
        assert_eq!(head.headers()["content-length"], length.as_str(), "{path}");
        assert_eq!(head.headers().get("etag").cloned(), etag, "{path}");
        assert!(head.bytes().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn another_authors_draft_history_is_a_404_like_the_draft() {
    let app = spawn_app().await;
    let (_, ana) = app.user_with_role("author").await;
    let (_, ben) = app.user_with_role("author").await;
    let draft: Value = app
        .with(&ana)
        .post_json(
            "/api/v1/articles",
            &json!({"title": "Ana's draft", "body": "B"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/articles/{}", id(&draft));
    assert_problem(app.with(&ben).get(&path).await, 404, "not_found").await;
    for sub in ["/revisions", "/revisions/1"] {
        let res = app.with(&ben).get(&format!("{path}{sub}")).await;
        assert_problem(res, 404, "not_found").await;
    }
    let res = app
        .with(&ben)
        .post_json(&format!("{path}/revisions/1/restore"), &json!({}))
        .await;
    assert_problem(res, 404, "not_found").await;
    // Once public, the story exists for everyone: its history is then a 403 to others.
    app.publish(&id(&draft), None).await;
    let res = app.with(&ben).get(&format!("{path}/revisions")).await;
    assert_problem(res, 403, "forbidden").await;
    let res = app.with(&ana).get(&format!("{path}/revisions")).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_server_whose_media_folder_is_not_the_shared_one_says_so() {
    let app = spawn_app().await;
    let media = app.upload_png().await;
    let other = app.second_node(|_| {}).await;
    let file = format!("/media/{}/a.png", id(&media));
    assert_eq!(app.anon().get(&file).await.status(), 200);
    let res = other.anon().get(&file).await;
    assert_problem(res, 503, "media_store_unavailable").await;
    let res = upload(&other, png(2, 2, 9)).await;
    assert_problem(res, 503, "media_store_unavailable").await;
    // A third server on the same folder serves it.
    let dir = app.data_dir.join("media");
    let third = app.second_node(|s| s.media.dir = Some(dir)).await;
    assert_eq!(third.anon().get(&file).await.status(), 200);
}
