//! `/api/v1/media` and `/media/…`: uploads told by their bytes and stripped of metadata,
//! refused files that leave nothing behind, renditions made once, covers, and the files'
//! caching, ranges and types. With `BYLINE_TEST_S3_ENDPOINT` set (and a bucket
//! `BYLINE_TEST_S3_BUCKET` there), every test runs against that S3-compatible store instead
//! of the directory.

use std::io::Cursor;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors, send, spawn_app_with};

const METRICS_TOKEN: &str = "a metrics token of some length";

/// A test server on the directory store, or on the S3 store the environment names (each
/// server in a folder of its own in the bucket).
pub(crate) async fn media_app(max_bytes: Option<u64>) -> TestApp {
    spawn_app_with(|s| {
        s.metrics_token = Some(byline::config::Secret::new(METRICS_TOKEN));
        if let Some(max) = max_bytes {
            s.media.max_bytes = max;
        }
        if let Ok(endpoint) = std::env::var("BYLINE_TEST_S3_ENDPOINT") {
            s.media.s3 = Some(byline::config::S3Settings {
                bucket: std::env::var("BYLINE_TEST_S3_BUCKET")
                    .unwrap_or_else(|_| "byline-test".into()),
                endpoint: Some(endpoint),
                region: "us-east-1".into(),
                access_key_id: Some("testing".into()),
                secret_access_key: Some(byline::config::Secret::new("testing")),
                prefix: Some(format!("t-{}", uuid::Uuid::new_v4().simple())),
            });
        }
    })
    .await
}

fn on_s3() -> bool {
    std::env::var("BYLINE_TEST_S3_ENDPOINT").is_ok()
}

/// Files in the directory store under `folder` (`originals`, `renditions`), or `None` on S3.
pub(crate) fn stored(app: &TestApp, folder: &str) -> Option<usize> {
    if on_s3() {
        return None;
    }
    let dir = app.data_dir.join("media").join("files").join(folder);
    Some(walk(&dir))
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    walk(&e.path())
                } else {
                    1
                }
            })
            .sum()
    })
}

/// Whether the uploads' scratch folder holds no file but the process's lock.
fn scratch_is_empty(app: &TestApp) -> bool {
    fn files(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| match e.path() {
                    p if p.is_dir() => files(&p),
                    p if p.extension().is_some_and(|x| x == "lock") => 0,
                    _ => 1,
                })
                .sum()
        })
    }
    files(&app.data_dir.join("media").join("uploads")) == 0
}

/// A JPEG of `w` × `h` pixels with an EXIF segment that holds a GPS position.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .unwrap();
    let exif = b"Exif\0\0GPSLatitude=51.5074-SECRET-PLACE";
    let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
    with_exif.extend(((exif.len() + 2) as u16).to_be_bytes());
    with_exif.extend_from_slice(exif);
    with_exif.extend_from_slice(&out[2..]);
    with_exif
}

pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([200, (x % 256) as u8, 10, 255]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn gif(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([(x * 3) as u8, (y * 5) as u8, 0, 255])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Gif).unwrap();
    out.into_inner()
}

pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out
}

/// A 100-byte PNG whose header declares 60,000 × 60,000 pixels: decoding it would need
/// 14 GB.
fn bomb() -> Vec<u8> {
    let mut file = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 60_000u32.to_be_bytes().to_vec();
    ihdr.extend(60_000u32.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    file.extend(png_chunk(b"IHDR", &ihdr));
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &[0u8; 4096]).unwrap();
    file.extend(png_chunk(b"IDAT", &z.finish().unwrap()));
    file.extend(png_chunk(b"IEND", b""));
    file
}

/// Sends a multipart upload: `(name, filename, content type, bytes)` parts.
pub(crate) async fn upload_as(
    app: &TestApp,
    token: Option<&str>,
    parts: &[(&str, Option<&str>, &str, Vec<u8>)],
) -> reqwest::Response {
    let boundary = format!("byline-test-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (name, filename, content_type, bytes) in parts {
        body.extend(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n")
                    .as_bytes(),
            ),
            None => body
                .extend(format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes()),
        }
        body.extend(format!("Content-Type: {content_type}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let mut req = app
        .client_request(Method::POST, "/api/v1/media")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    send(req).await
}

async fn upload(app: &TestApp, filename: &str, bytes: Vec<u8>) -> reqwest::Response {
    upload_as(
        app,
        Some(&app.admin_token),
        &[("file", Some(filename), "application/octet-stream", bytes)],
    )
    .await
}

pub(crate) async fn uploaded(app: &TestApp, filename: &str, bytes: Vec<u8>) -> Value {
    let res = upload(app, filename, bytes).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

pub(crate) async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.anon().get(path).await
}

#[tokio::test]
async fn an_upload_is_stored_without_its_metadata_and_served_with_renditions() {
    let app = media_app(None).await;
    let original = jpeg(800, 600);
    assert!(original.windows(6).any(|w| w == b"SECRET"));
    let res = upload_as(
        &app,
        Some(&app.admin_token),
        &[
            ("alt", None, "text/plain", b"A tanker at anchor".to_vec()),
            (
                "file",
                Some("Tanker at anchor.JPG"),
                "image/jpeg",
                original.clone(),
            ),
            (
                "credit",
                None,
                "text/plain",
                "Photo: María".as_bytes().to_vec(),
            ),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let media: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/media/{}", media["id"].as_str().unwrap())
    );
    assert_eq!(media["filename"], "tanker-at-anchor.jpg");
    assert_eq!(media["content_type"], "image/jpeg");
    assert_eq!(
        (media["width"].as_i64(), media["height"].as_i64()),
        (Some(800), Some(600))
    );
    assert_eq!(media["alt"], "A tanker at anchor");
    assert_eq!(media["credit"], "Photo: María");
    assert_eq!(media["caption"], Value::Null);
    let widths: Vec<&str> = media["renditions"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(widths, ["160", "320", "640"]);
    assert!(media["created_by"].is_string());
    assert_eq!(media["sha256"].as_str().unwrap().len(), 64);

    // The original: no EXIF, the stored type, immutable, nosniff.
    let url = media["url"].as_str().unwrap().to_owned();
    let res = fetch(&app, &url).await;
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let bytes = res.bytes().await.unwrap();
    assert_eq!(
        headers["content-length"].to_str().unwrap(),
        bytes.len().to_string()
    );
    assert!(!bytes.windows(6).any(|w| w == b"SECRET"), "EXIF survived");
    assert_eq!(media["size"].as_u64().unwrap(), bytes.len() as u64);
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 800);

    let res = send(
        app.client_request(Method::GET, &url)
            .header("If-None-Match", &etag),
    )
    .await;
    assert_eq!(res.status(), 304);
    let res = send(
        app.client_request(Method::GET, &url)
            .header("Range", "bytes=0-9"),
    )
    .await;
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"].to_str().unwrap(),
        format!("bytes 0-9/{}", bytes.len())
    );
    assert_eq!(res.bytes().await.unwrap(), bytes.slice(0..10));
    let res = send(
        app.client_request(Method::GET, &url)
            .header("Range", "bytes=-4"),
    )
    .await;
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap(), bytes.slice(bytes.len() - 4..));
    let res = send(
        app.client_request(Method::GET, &url)
            .header("Range", "bytes=99999999-"),
    )
    .await;
    assert_eq!(res.status(), 416);
    assert_eq!(
        res.headers()["content-range"].to_str().unwrap(),
        format!("bytes */{}", bytes.len())
    );
    let res = send(app.client_request(Method::HEAD, &url)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    assert!(res.bytes().await.unwrap().is_empty());

    // Renditions: WebP for a client that takes it, JPEG or PNG when asked, never wider
    // than the original.
    let r320 = media["renditions"]["320"].as_str().unwrap().to_owned();
    let res = send(
        app.client_request(Method::GET, &r320)
            .header("Accept", "image/webp,*/*"),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/webp");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let webp = res.bytes().await.unwrap();
    let decoded = image::load_from_memory_with_format(&webp, image::ImageFormat::WebP).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (320, 240));
    let res = fetch(&app, &format!("{r320}?format=jpeg")).await;
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let jpg = res.bytes().await.unwrap();
    assert_eq!(image::load_from_memory(&jpg).unwrap().width(), 320);
    assert_eq!(
        fetch(&app, &format!("{r320}?format=png")).await.headers()["content-type"],
        "image/png"
    );
    let id = media["id"].as_str().unwrap();
    for (path, status) in [
        (format!("/media/{id}/960/tanker-at-anchor.jpg"), 404),
        (format!("/media/{id}/321/tanker-at-anchor.jpg"), 404),
        (format!("/media/{id}/320/other-name.jpg"), 404),
        (format!("/media/{id}/other-name.jpg"), 404),
        ("/media/not-a-uuid/tanker-at-anchor.jpg".to_owned(), 400),
        (format!("/media/{id}/abc/tanker-at-anchor.jpg"), 400),
        (format!("{r320}?format=gif"), 400),
        (format!("{r320}?size=big"), 400),
    ] {
        assert_eq!(fetch(&app, &path).await.status(), status, "{path}");
    }
    assert!(scratch_is_empty(&app));
}

#[tokio::test]
async fn the_kind_is_told_by_the_bytes_not_the_name() {
    let app = media_app(None).await;
    // A PNG called .jpg is a PNG.
    let media = uploaded(&app, "photo.jpg", png(40, 30)).await;
    assert_eq!(media["content_type"], "image/png");
    assert_eq!(media["filename"], "photo.png");
    let res = fetch(&app, media["url"].as_str().unwrap()).await;
    assert_eq!(res.headers()["content-type"], "image/png");
    // GIF and WebP are welcome too.
    let g = uploaded(&app, "anim.gif", gif(20, 10)).await;
    assert_eq!(g["content_type"], "image/gif");
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .encode(&[9u8; 10 * 10 * 3], 10, 10, image::ExtendedColorType::Rgb8)
        .unwrap();
    assert_eq!(
        uploaded(&app, "x.webp", webp).await["content_type"],
        "image/webp"
    );
    // SVG, HTML and text are not images Byline takes, whatever they are called.
    for (name, bytes) in [
        (
            "logo.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
        ),
        (
            "photo.png",
            b"<html><script>alert(1)</script></html>".to_vec(),
        ),
        ("notes.jpg", b"hello".to_vec()),
    ] {
        let res = upload(&app, name, bytes).await;
        assert_problem(res, 415, "unsupported_media_type").await;
    }
    // Path tricks in the name stay out of paths.
    let m = uploaded(&app, "../../etc/passwd.png", png(10, 10)).await;
    assert_eq!(m["filename"], "passwd.png");
    assert!(
        fetch(&app, m["url"].as_str().unwrap())
            .await
            .status()
            .is_success()
    );
}

#[tokio::test]
async fn bad_uploads_are_refused_and_leave_no_file_and_no_row() {
    let app = media_app(Some(64 * 1024)).await;
    let mut truncated = jpeg(300, 200);
    truncated.truncate(truncated.len() / 2);
    for (bytes, code, field) in [
        (Vec::new(), "empty", "file"),
        (truncated, "damaged", "file"),
        (bomb(), "too_many_pixels", "file"),
    ] {
        let res = upload(&app, "bad.jpg", bytes).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert!(
            field_errors(&problem)
                .iter()
                .any(|(f, c)| f == field && c == code),
            "{problem}"
        );
    }
    // No file part at all.
    let res = upload_as(
        &app,
        Some(&app.admin_token),
        &[("alt", None, "text/plain", b"x".to_vec())],
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert!(
        field_errors(&problem)
            .iter()
            .any(|(f, c)| f == "file" && c == "required")
    );
    // An unknown part, and a file given twice.
    let res = upload_as(
        &app,
        Some(&app.admin_token),
        &[
            ("file", Some("a.png"), "image/png", png(4, 4)),
            ("colour", None, "text/plain", b"red".to_vec()),
        ],
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = upload_as(
        &app,
        Some(&app.admin_token),
        &[
            ("file", Some("a.png"), "image/png", png(4, 4)),
            ("file", Some("b.png"), "image/png", png(4, 4)),
        ],
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
    // Over the size limit: a 413, read no further than the limit.
    let big: Vec<u8> = png(4, 4)
        .into_iter()
        .chain(std::iter::repeat_n(0u8, 100 * 1024))
        .collect();
    let res = upload(&app, "big.png", big).await;
    assert_problem(res, 413, "body_too_large").await;
    // Not multipart.
    let res = app.post_json("/api/v1/media", &json!({"file": "x"})).await;
    assert_problem(res, 415, "unsupported_media_type").await;

    let list: Value = app.get("/api/v1/media").await.json().await.unwrap();
    assert_eq!(list["data"], json!([]));
    assert_eq!(stored(&app, "originals").unwrap_or(0), 0);
    assert!(scratch_is_empty(&app));
}

#[tokio::test]
async fn a_polyglot_is_stored_as_the_image_alone() {
    let app = media_app(None).await;
    // A GIF with a comment block and an HTML page after its trailer.
    let mut file = gif(16, 16);
    let trailer = file.pop().unwrap();
    assert_eq!(trailer, 0x3B);
    file.extend([0x21, 0xFE, 11]);
    file.extend(b"<!-- hi -->");
    file.push(0);
    file.push(0x3B);
    file.extend(b"<html><script>alert(document.cookie)</script></html>");
    let media = uploaded(&app, "poly.gif", file).await;
    let res = fetch(&app, media["url"].as_str().unwrap()).await;
    assert_eq!(res.headers()["content-type"], "image/gif");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let bytes = res.bytes().await.unwrap();
    assert!(
        !bytes.windows(7).any(|w| w == b"<script"),
        "the appended page survived"
    );
    assert!(
        !bytes.windows(4).any(|w| w == b"<!--"),
        "the comment survived"
    );
    assert_eq!(bytes.last(), Some(&0x3B));
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 16);
}

#[tokio::test]
async fn the_same_bytes_are_stored_once() {
    let app = media_app(None).await;
    let bytes = jpeg(200, 100);
    let (a, b) = tokio::join!(
        upload(&app, "a.jpg", bytes.clone()),
        upload(&app, "b.jpg", bytes.clone())
    );
    assert_eq!(a.status(), 201);
    assert_eq!(b.status(), 201);
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_ne!(a["id"], b["id"]);
    assert_eq!(a["sha256"], b["sha256"]);
    if let Some(n) = stored(&app, "originals") {
        assert_eq!(n, 1);
    }
    // Deleting one keeps the file for the other; deleting both removes it.
    assert_eq!(
        app.delete(&format!("/api/v1/media/{}", a["id"].as_str().unwrap()))
            .await
            .status(),
        204
    );
    assert_eq!(fetch(&app, b["url"].as_str().unwrap()).await.status(), 200);
    fetch(&app, b["renditions"]["160"].as_str().unwrap()).await;
    assert_eq!(
        app.delete(&format!("/api/v1/media/{}", b["id"].as_str().unwrap()))
            .await
            .status(),
        204
    );
    assert_eq!(fetch(&app, b["url"].as_str().unwrap()).await.status(), 404);
    if let Some(n) = stored(&app, "originals") {
        assert_eq!(n, 0);
        assert_eq!(stored(&app, "renditions"), Some(0));
    }
}

#[tokio::test]
async fn who_may_upload_change_and_delete() {
    let app = media_app(None).await;
    let (_, read) = app.api_token("read").await;
    let (_, write) = app.api_token("write").await;
    let (_, author) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    let file = || vec![("file", Some("a.png"), "image/png", png(8, 8))];
    assert_problem(upload_as(&app, None, &file()).await, 401, "unauthorized").await;
    assert_problem(
        upload_as(&app, Some(&read), &file()).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(upload_as(&app, Some(&write), &file()).await.status(), 201);
    let res = upload_as(&app, Some(&author), &file()).await;
    assert_eq!(res.status(), 201);
    let mine: Value = res.json().await.unwrap();
    let path = format!("/api/v1/media/{}", mine["id"].as_str().unwrap());
    // Credentials are checked before anything is looked up.
    let nobody = format!("/api/v1/media/{}", uuid::Uuid::now_v7());
    assert_problem(app.anon().delete(&nobody).await, 401, "unauthorized").await;
    let res = app.anon().patch_json(&nobody, &json!({"alt": "x"})).await;
    assert_problem(res, 401, "unauthorized").await;
    assert_problem(app.with(&read).delete(&nobody).await, 403, "forbidden").await;
    // Anyone signed in reads the library; the public does not.
    assert_eq!(app.anon().get("/api/v1/media").await.status(), 401);
    assert_eq!(app.anon().get(&path).await.status(), 401);
    assert_eq!(app.with(&read).get(&path).await.status(), 200);
    // Authors change and delete only their own uploads.
    let res = app
        .with(&other)
        .patch_json(&path, &json!({"alt": "mine now"}))
        .await;
    assert_problem(res, 403, "forbidden").await;
    assert_problem(app.with(&other).delete(&path).await, 403, "forbidden").await;
    let res = app
        .with(&author)
        .patch_json(&path, &json!({"alt": "A chart", "caption": "Prices"}))
        .await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["alt"], "A chart");
    assert_eq!(patched["caption"], "Prices");
    let res = send(
        app.client_request(Method::DELETE, &path)
            .bearer_auth(&editor)
            .header("If-Match", "\"stale\""),
    )
    .await;
    assert_problem(res, 412, "precondition_failed").await;
    let res = send(
        app.client_request(Method::DELETE, &path)
            .bearer_auth(&editor)
            .header("If-Match", &etag),
    )
    .await;
    assert_eq!(res.status(), 204);
    let found: Value = app.get("/api/v1/media?q=CHART").await.json().await.unwrap();
    assert_eq!(found["data"], json!([]));
}

#[tokio::test]
async fn covers_are_embedded_and_keep_their_image_from_deletion() {
    let app = media_app(None).await;
    let media = uploaded(&app, "cover.png", png(700, 350)).await;
    let id = media["id"].as_str().unwrap().to_owned();
    let res = app
        .post_json(
            "/api/v1/articles",
            &json!({"title": "T", "body": "B", "cover_media_id": uuid::Uuid::now_v7().to_string()}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert!(
        field_errors(&problem)
            .iter()
            .any(|(f, c)| f == "cover_media_id" && c == "not_found")
    );
    let article = app
        .create_article(json!({"title": "Tankers wait", "body": "B", "cover_media_id": id}))
        .await;
    assert_eq!(article["cover_media_id"], id.as_str());
    let slug = article["slug"].as_str().unwrap().to_owned();
    app.publish(article["id"].as_str().unwrap(), None).await;
    let public: Value = app
        .anon()
        .get(&format!("/api/v1/articles/{slug}?include=cover"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["cover"]["id"], id.as_str());
    assert_eq!(
        public["cover"]["renditions"]["640"],
        media["renditions"]["640"]
    );
    assert_eq!(public["cover"]["created_by"], Value::Null);
    let list: Value = app
        .anon()
        .get("/api/v1/articles?include=cover")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"][0]["cover"]["url"], media["url"]);

    let res = app.delete(&format!("/api/v1/media/{id}")).await;
    let problem = assert_problem(res, 409, "media_in_use").await;
    assert!(
        problem["detail"].as_str().unwrap().contains(&slug),
        "{problem}"
    );
    // Editing the image's record reaches the embedded cover, cached or not.
    let res = app
        .patch_json(&format!("/api/v1/media/{id}"), &json!({"alt": "New alt"}))
        .await;
    assert_eq!(res.status(), 200);
    let public: Value = app
        .anon()
        .get(&format!("/api/v1/articles/{slug}?include=cover"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["cover"]["alt"], "New alt");
    let res = app
        .patch_json(
            &format!("/api/v1/articles/{slug}"),
            &json!({"cover_media_id": null}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.delete(&format!("/api/v1/media/{id}")).await.status(),
        204
    );

    // On PostgreSQL an event shows once every older transaction on the server has ended.
    let mut changes = Value::Null;
    for _ in 0..100 {
        changes = app
            .get("/api/v1/changes?types=media.*&limit=10")
            .await
            .json()
            .await
            .unwrap();
        if changes["data"].as_array().unwrap().len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let kinds: Vec<&str> = changes["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["media.created", "media.updated", "media.deleted"]);
    assert_eq!(changes["data"][0]["data"]["id"], id.as_str());
}

#[tokio::test]
async fn fifty_requests_for_a_new_rendition_make_it_once() {
    let app = media_app(None).await;
    let media = uploaded(&app, "big.jpg", jpeg(1400, 900)).await;
    let path = media["renditions"]["1280"].as_str().unwrap().to_owned();
    let scrape = || async {
        let text = send(
            app.client_request(Method::GET, "/metrics")
                .bearer_auth(METRICS_TOKEN),
        )
        .await
        .text()
        .await
        .unwrap();
        text.lines()
            .find(|l| l.starts_with("byline_media_renditions_made_total"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let before = scrape().await;
    let requests = (0..50).map(|_| {
        let path = path.clone();
        let app = &app;
        async move {
            let res = fetch(app, &path).await;
            (res.status(), res.bytes().await.unwrap())
        }
    });
    let answers = futures_util::future::join_all(requests).await;
    let first = &answers[0].1;
    for (status, bytes) in &answers {
        assert_eq!(*status, 200);
        assert_eq!(bytes, first);
    }
    assert_eq!(
        scrape().await - before,
        1.0,
        "the rendition was made more than once"
    );
    // Read again later, it comes from the store (or the response cache), not a new render.
    fetch(&app, &path).await;
    assert_eq!(scrape().await - before, 1.0);
    if let Some(n) = stored(&app, "renditions") {
        assert_eq!(n, 1);
    }
}

/// An image deleted while articles take it as their cover: whichever comes first, no
/// article is left with a cover that is gone, and nothing answers 500.
#[tokio::test]
async fn an_image_deleted_while_articles_take_it_as_cover_is_never_left_dangling() {
    let app = media_app(None).await;
    for _round in 0..3 {
        let media = uploaded(&app, "c.png", png(30, 30)).await;
        let id = media["id"].as_str().unwrap().to_owned();
        let mut articles = Vec::new();
        for i in 0..6 {
            articles.push(
                app.create_article(json!({"title": format!("Story {i}"), "body": "B"}))
                    .await,
            );
        }
        let change = json!({"cover_media_id": id});
        let app = &app;
        let patches = articles.iter().map(|a| {
            let (path, change) = (
                format!("/api/v1/articles/{}", a["id"].as_str().unwrap()),
                &change,
            );
            async move { app.patch_json(&path, change).await.status().as_u16() }
        });
        let media_path = format!("/api/v1/media/{id}");
        let delete = async { app.delete(&media_path).await.status().as_u16() };
        let (patched, deleted) = tokio::join!(futures_util::future::join_all(patches), delete);
        for status in &patched {
            assert!(*status == 200 || *status == 422, "{status}");
        }
        assert!(deleted == 204 || deleted == 409, "{deleted}");
        let gone = deleted == 204;
        for a in &articles {
            let read: Value = app
                .get(&format!("/api/v1/articles/{}", a["id"].as_str().unwrap()))
                .await
                .json()
                .await
                .unwrap();
            if gone {
                assert_eq!(read["cover_media_id"], Value::Null, "{read}");
            }
        }
        if !gone {
            assert!(patched.contains(&200));
        }
    }
}
