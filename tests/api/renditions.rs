//! Renditions a front-end ships: lossy WebP and AVIF beside JPEG and PNG, the format picked
//! from `Accept` (and the answer varying on it), crops cut around the focal point, the
//! sources and `srcset` each media object lists, and a story's social image.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors, send};
use crate::media::{fetch, media_app, png, stored, upload_as, uploaded};

/// A 1200 × 800 JPEG: a gray field with a red square (40 px) centered at (1080, 400),
/// which is the focal point (0.9, 0.5).
fn photo_with_a_subject() -> Vec<u8> {
    let img = image::RgbImage::from_fn(1200, 800, |x, y| {
        if x.abs_diff(1080) < 20 && y.abs_diff(400) < 20 {
            image::Rgb([230, 20, 20])
        } else {
            let shade = 90 + ((x / 40 + y / 40) % 2) as u8 * 30;
            image::Rgb([shade, shade, shade])
        }
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

/// Whether a decoded image has a clearly red pixel.
fn shows_the_subject(img: &image::DynamicImage) -> bool {
    img.to_rgb8()
        .pixels()
        .any(|p| p[0] > 170 && p[1] < 80 && p[2] < 80)
}

/// An AVIF file's brand and its image's size, from the `ftyp` and `ispe` boxes.
fn avif_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(4..12)? != b"ftypavif" {
        return None;
    }
    let at = bytes.windows(4).position(|w| w == b"ispe")?;
    let field = |from: usize| {
        Some(u32::from_be_bytes(
            bytes.get(from..from + 4)?.try_into().ok()?,
        ))
    };
    Some((field(at + 8)?, field(at + 12)?))
}

/// What the public reads at `path`, as JSON.
async fn public(app: &TestApp, path: impl AsRef<str>) -> Value {
    app.anon().get(path.as_ref()).await.json().await.unwrap()
}

async fn get_with(app: &TestApp, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = app.client_request(Method::GET, path);
    if let Some(accept) = accept {
        req = req.header("Accept", accept);
    }
    send(req).await
}

/// The width and height of a rendition as its bytes say, checked against its type.
fn decoded_size(content_type: &str, bytes: &[u8]) -> (u32, u32) {
    let format = match content_type {
        "image/avif" => return avif_size(bytes).expect("an AVIF file"),
        "image/webp" => image::ImageFormat::WebP,
        "image/jpeg" => image::ImageFormat::Jpeg,
        "image/png" => image::ImageFormat::Png,
        other => panic!("unexpected type {other}"),
    };
    let img = image::load_from_memory_with_format(bytes, format).expect("it decodes as its type");
    (img.width(), img.height())
}

#[tokio::test]
async fn each_format_decodes_as_its_type_at_the_size_asked() {
    let app = media_app(None).await;
    let media = uploaded(&app, "subject.jpg", photo_with_a_subject()).await;
    let r640 = media["renditions"]["640"].as_str().unwrap().to_owned();
    let mut sizes = Vec::new();
    for (format, mime) in [
        ("webp", "image/webp"),
        ("avif", "image/avif"),
        ("jpeg", "image/jpeg"),
        ("png", "image/png"),
    ] {
        let res = fetch(&app, &format!("{r640}?format={format}")).await;
        assert_eq!(res.status(), 200, "{format}");
        assert_eq!(res.headers()["content-type"], mime);
        assert!(
            !res.headers()["vary"].to_str().unwrap().contains("Accept,"),
            "a pinned format does not vary on Accept"
        );
        let bytes = res.bytes().await.unwrap();
        assert_eq!(decoded_size(mime, &bytes), (640, 427), "{format}");
        sizes.push((format, bytes.len()));
        if format == "webp" {
            // Lossy WebP: a VP8 frame, not the lossless VP8L one.
            assert_eq!(&bytes[12..16], b"VP8 ", "lossy WebP");
        }
    }
    let size = |f: &str| sizes.iter().find(|(n, _)| *n == f).unwrap().1;
    // The lossy encoders beat JPEG at its quality by far.
    assert!(size("webp") < size("jpeg") / 2, "{sizes:?}");
    assert!(size("avif") < size("jpeg") / 2, "{sizes:?}");
}

#[tokio::test]
async fn format_auto_follows_accept_and_the_answer_varies_on_it() {
    let app = media_app(None).await;
    let media = uploaded(&app, "subject.jpg", photo_with_a_subject()).await;
    let r320 = media["renditions"]["320"].as_str().unwrap().to_owned();
    let chrome = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
    let mut tags = Vec::new();
    // Twice each, the second from the response cache: the cache keeps one answer per pick.
    for _ in 0..2 {
        for (accept, mime) in [
            (Some(chrome), "image/avif"),
            (Some("image/webp,*/*"), "image/webp"),
            (Some("image/avif;q=0, image/webp"), "image/webp"),
            (Some("image/*,*/*;q=0.8"), "image/jpeg"),
            (None, "image/jpeg"),
        ] {
            for url in [r320.clone(), format!("{r320}?format=auto")] {
                let res = get_with(&app, &url, accept).await;
                assert_eq!(res.status(), 200);
                assert_eq!(res.headers()["content-type"], mime, "{accept:?} {url}");
                let vary = res.headers()["vary"].to_str().unwrap().to_owned();
                assert!(vary.split(", ").any(|v| v == "Accept"), "{vary}");
                tags.push((mime, res.headers()["etag"].to_str().unwrap().to_owned()));
                let bytes = res.bytes().await.unwrap();
                assert_eq!(decoded_size(mime, &bytes), (320, 213));
            }
        }
    }
    // One entity tag per format, and a different one for each.
    let mut distinct: Vec<_> = tags.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "{distinct:?}");
    // An original that may have transparency falls back to PNG.
    let logo = uploaded(&app, "logo.png", png(400, 200)).await;
    let r320 = logo["renditions"]["320"].as_str().unwrap();
    let res = get_with(&app, r320, None).await;
    assert_eq!(res.headers()["content-type"], "image/png");
    // Such an original's WebP is lossless when that is the smaller (flat colours here).
    let res = get_with(&app, r320, Some("image/webp")).await;
    assert_eq!(res.headers()["content-type"], "image/webp");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[12..16], b"VP8L", "lossless WebP");
    assert_eq!(decoded_size("image/webp", &bytes), (320, 160));
}

#[tokio::test]
async fn crops_keep_their_proportions_around_the_focal_point_and_never_scale_up() {
    let app = media_app(None).await;
    let res = upload_as(
        &app,
        Some(&app.admin_token),
        &[
            ("file", Some("s.jpg"), "image/jpeg", photo_with_a_subject()),
            ("focal_x", None, "text/plain", b"0.9".to_vec()),
            ("focal_y", None, "text/plain", b"0.5".to_vec()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let media: Value = res.json().await.unwrap();
    assert_eq!(
        (media["focal_x"].as_f64(), media["focal_y"].as_f64()),
        (Some(0.9), Some(0.5))
    );
    let id = media["id"].as_str().unwrap();
    let widths = |crop: &str| -> Vec<(u64, u64)> {
        media["sources"][crop]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["width"].as_u64().unwrap(), s["height"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(
        widths("original"),
        [(160, 107), (320, 213), (640, 427), (960, 640)]
    );
    assert_eq!(widths("1x1"), [(160, 160), (320, 320), (640, 640)]);
    assert_eq!(
        widths("4x3"),
        [(160, 120), (320, 240), (640, 480), (960, 720)]
    );
    assert_eq!(widths("16x9").last(), Some(&(960, 540)));
    assert_eq!(widths("social"), [(1200, 630)]);

    let square = format!("/media/{id}/320/s.jpg?crop=1x1&focal=0.9,0.5&format=png");
    let res = fetch(&app, &square).await;
    assert_eq!(res.status(), 200);
    let img = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (320, 320));
    assert!(shows_the_subject(&img), "the crop holds the focal point");
    // The same crop around the middle leaves the subject out.
    let middle = format!("/media/{id}/320/s.jpg?crop=1x1&format=png");
    let img = image::load_from_memory(&fetch(&app, &middle).await.bytes().await.unwrap()).unwrap();
    assert!(!shows_the_subject(&img), "the middle crop is another crop");

    for (crop, width, height) in [("16x9", 640, 360), ("4x3", 640, 480), ("social", 1200, 630)] {
        let url = format!("/media/{id}/{width}/s.jpg?crop={crop}&focal=0.9,0.5&format=jpeg");
        let res = fetch(&app, &url).await;
        assert_eq!(res.status(), 200, "{url}");
        let img = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (width, height), "{crop}");
        assert!(shows_the_subject(&img), "{crop} holds the focal point");
    }
    // Never scaled up: the square is 800 pixels, the social card 1200 only.
    for url in [
        format!("/media/{id}/960/s.jpg?crop=1x1"),
        format!("/media/{id}/1280/s.jpg?crop=16x9"),
        format!("/media/{id}/640/s.jpg?crop=social"),
        format!("/media/{id}/1200/s.jpg"),
    ] {
        assert_problem(fetch(&app, &url).await, 404, "not_found").await;
    }
}

#[tokio::test]
async fn a_new_focal_point_makes_new_urls_and_the_old_ones_stay_valid() {
    let app = media_app(None).await;
    let media = uploaded(&app, "s.jpg", photo_with_a_subject()).await;
    let id = media["id"].as_str().unwrap().to_owned();
    let centered = media["sources"]["1x1"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(centered, format!("/media/{id}/160/s.jpg?crop=1x1"));
    let res = app
        .patch_json(&format!("/api/v1/media/{id}"), &json!({"focal_x": 0.9}))
        .await;
    assert_eq!(res.status(), 200);
    let moved: Value = res.json().await.unwrap();
    assert_eq!(
        (moved["focal_x"].as_f64(), moved["focal_y"].as_f64()),
        (Some(0.9), Some(0.5))
    );
    let first = moved["sources"]["1x1"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        first,
        format!("/media/{id}/160/s.jpg?crop=1x1&focal=0.9,0.5")
    );
    let first_bytes = fetch(&app, &first).await.bytes().await.unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/media/{id}"),
            &json!({"focal_x": 0.125, "focal_y": 0.25}),
        )
        .await;
    let again: Value = res.json().await.unwrap();
    let second = again["sources"]["1x1"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        second,
        format!("/media/{id}/160/s.jpg?crop=1x1&focal=0.125,0.25")
    );
    assert_ne!(
        again["srcset"]["1x1"], moved["srcset"]["1x1"],
        "the srcset follows the point"
    );
    // Every URL the item has listed stays valid and keeps its bytes.
    for url in [&centered, &first, &second] {
        assert_eq!(fetch(&app, url).await.status(), 200, "{url}");
    }
    assert_eq!(
        fetch(&app, &first).await.bytes().await.unwrap(),
        first_bytes
    );
    // A point it never had is no URL of it.
    let never = format!("/media/{id}/160/s.jpg?crop=1x1&focal=0.2,0.2");
    assert_problem(fetch(&app, &never).await, 404, "not_found").await;
    // null is the middle again.
    let res = app
        .patch_json(
            &format!("/api/v1/media/{id}"),
            &json!({"focal_x": null, "focal_y": null}),
        )
        .await;
    let back: Value = res.json().await.unwrap();
    assert_eq!(back["focal_x"], 0.5);
    assert_eq!(back["sources"]["1x1"][0]["url"], centered.as_str());
}

#[tokio::test]
async fn every_listed_source_resolves_at_its_size() {
    let app = media_app(None).await;
    let media = uploaded(&app, "s.jpg", photo_with_a_subject()).await;
    let mut seen = 0;
    for (crop, list) in media["sources"].as_object().unwrap() {
        let list = list.as_array().unwrap();
        let srcset = media["srcset"][crop].as_str().unwrap();
        assert_eq!(srcset.split(", ").count(), list.len(), "{crop}");
        for (source, entry) in list.iter().zip(srcset.split(", ")) {
            let url = source["url"].as_str().unwrap();
            assert_eq!(entry, format!("{url} {}w", source["width"]));
            assert_eq!(source["format"], "auto");
            let res = get_with(&app, url, Some("image/webp")).await;
            assert_eq!(res.status(), 200, "{url}");
            assert_eq!(res.headers()["content-type"], "image/webp");
            let bytes = res.bytes().await.unwrap();
            let size = decoded_size("image/webp", &bytes);
            let listed = (
                source["width"].as_u64().unwrap() as u32,
                source["height"].as_u64().unwrap() as u32,
            );
            assert_eq!(size, listed, "{url}");
            seen += 1;
        }
    }
    assert_eq!(seen, 4 + 4 + 4 + 3 + 1);
}

#[tokio::test]
async fn bad_focal_points_crops_and_formats_are_refused_and_change_nothing() {
    let app = media_app(None).await;
    let before = stored(&app, "originals");
    for (value, code) in [
        ("2", "out_of_range"),
        ("-0.5", "out_of_range"),
        ("left", "invalid_value"),
    ] {
        let res = upload_as(
            &app,
            Some(&app.admin_token),
            &[
                ("file", Some("s.jpg"), "image/jpeg", photo_with_a_subject()),
                ("focal_x", None, "text/plain", value.as_bytes().to_vec()),
            ],
        )
        .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert!(
            field_errors(&problem)
                .iter()
                .any(|(f, c)| f == "focal_x" && c == code),
            "{value}: {problem}"
        );
    }
    assert_eq!(stored(&app, "originals"), before);
    let list: Value = app.get("/api/v1/media").await.json().await.unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 0);

    let media = uploaded(&app, "s.jpg", photo_with_a_subject()).await;
    let id = media["id"].as_str().unwrap().to_owned();
    for body in [
        json!({"focal_x": 2}),
        json!({"focal_y": -0.1}),
        json!({"focal_x": 0.3, "focal_y": 1.5}),
    ] {
        let res = app.patch_json(&format!("/api/v1/media/{id}"), &body).await;
        assert_problem(res, 422, "validation_failed").await;
    }
    let res = app
        .patch_json(&format!("/api/v1/media/{id}"), &json!({"focal_x": "0.3"}))
        .await;
    assert!(res.status().is_client_error());
    let now: Value = app
        .get(&format!("/api/v1/media/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (now["focal_x"].as_f64(), now["focal_y"].as_f64()),
        (Some(0.5), Some(0.5))
    );
    assert_eq!(now["updated_at"], media["updated_at"]);

    let r320 = media["renditions"]["320"].as_str().unwrap().to_owned();
    let made = stored(&app, "renditions");
    for (query, field) in [
        ("crop=7x3", "crop"),
        ("crop=original", "crop"),
        ("format=tiff", "format"),
        ("format=gif", "format"),
        ("focal=0.3,0.3", "focal"),
        ("crop=1x1&focal=2,0", "focal"),
        ("crop=1x1&focal=abc", "focal"),
    ] {
        let res = fetch(&app, &format!("{r320}?{query}")).await;
        let problem = assert_problem(res, 400, "invalid_query").await;
        assert!(
            field_errors(&problem).iter().any(|(f, _)| f == field),
            "{query}: {problem}"
        );
    }
    assert_eq!(
        stored(&app, "renditions"),
        made,
        "a refused request renders nothing"
    );
}

#[tokio::test]
async fn a_story_with_a_cover_carries_its_social_image() {
    let app = media_app(None).await;
    let media = uploaded(&app, "s.jpg", photo_with_a_subject()).await;
    let id = media["id"].as_str().unwrap().to_owned();
    let bare = app
        .create_article(json!({"title": "No cover", "body": "B"}))
        .await;
    assert_eq!(bare["social_image"], Value::Null);
    let article = app
        .create_article(json!({"title": "Tankers wait", "body": "B", "cover_media_id": id}))
        .await;
    let social = json!({
        "url": format!("/media/{id}/1200/s.jpg?crop=social&format=jpeg"),
        "width": 1200,
        "height": 630,
    });
    assert_eq!(article["social_image"], social, "the write's answer");
    let slug = article["slug"].as_str().unwrap().to_owned();
    app.publish(article["id"].as_str().unwrap(), None).await;
    let story: Value = public(&app, format!("/api/v1/articles/{slug}")).await;
    assert_eq!(story["social_image"], social);
    let res = fetch(&app, social["url"].as_str().unwrap()).await;
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let img = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (1200, 630));
    // Moving the cover's focal point reaches the story, cached or not, and its list.
    let list: Value = public(&app, "/api/v1/articles").await;
    assert_eq!(list["data"][0]["social_image"], social);
    let res = app
        .patch_json(&format!("/api/v1/media/{id}"), &json!({"focal_y": 0.9}))
        .await;
    assert_eq!(res.status(), 200);
    let moved = format!("/media/{id}/1200/s.jpg?crop=social&focal=0.5,0.9&format=jpeg");
    let story: Value = public(&app, format!("/api/v1/articles/{slug}")).await;
    assert_eq!(story["social_image"]["url"], moved.as_str());
    let list: Value = public(&app, "/api/v1/articles").await;
    assert_eq!(list["data"][0]["social_image"]["url"], moved.as_str());
    let embedded: Value = public(
        &app,
        format!("/api/v1/articles/{slug}?include=cover&fields=title,social_image"),
    )
    .await;
    assert_eq!(embedded["social_image"]["url"], moved.as_str());
    assert_eq!(embedded["cover"]["focal_y"], 0.9);
    assert!(embedded.get("body").is_none());
    // The trash shows it too.
    let res = app.delete(&format!("/api/v1/articles/{slug}")).await;
    assert_eq!(res.status(), 204);
    let trash: Value = app.get("/api/v1/trash").await.json().await.unwrap();
    let trashed = &trash["data"][0];
    assert_eq!(trashed["slug"], slug.as_str());
    assert_eq!(trashed["social_image"]["url"], moved.as_str());
}

/// The server allocates with jemalloc and runs its purging thread, which gives back what
/// renders (and everything else) free a second after they free it; without the thread, freed
/// pages would stay with the server until it next allocates.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[tokio::test]
async fn the_server_gives_back_the_memory_it_frees() {
    use crate::helpers::{Process, scratch_database};
    let (url, _db) = scratch_database();
    let mut server = Process::start(&url, &[]).await;
    let res = reqwest::get(format!("{}/healthz", server.address))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let tasks = std::fs::read_dir(format!("/proc/{}/task", server.pid())).unwrap();
    let names: Vec<String> = tasks
        .map(|task| {
            let path = task.unwrap().path().join("comm");
            std::fs::read_to_string(path).unwrap_or_default()
        })
        .collect();
    assert!(
        names.iter().any(|n| n.trim() == "jemalloc_bg_thd"),
        "{names:?}"
    );
    server.kill();
}

/// Where the build machine's glibc loads packed relocations (2.36 and later), the server's
/// binary has them packed (build.rs): at start the loader reads a bitmap of some 35 KB, not a
/// 2.6 MB table that would stay resident.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_binary_packs_its_relocations() {
    let marker = b"GLIBC_ABI_DT_RELR";
    let glibc_loads_them = [
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/lib/aarch64-linux-gnu/libc.so.6",
        "/usr/lib64/libc.so.6",
        "/lib64/libc.so.6",
    ]
    .iter()
    .any(|path| {
        std::fs::read(path).is_ok_and(|bytes| bytes.windows(marker.len()).any(|w| w == marker))
    });
    if !glibc_loads_them {
        return;
    }
    let out = std::process::Command::new("readelf")
        .args(["--dynamic", env!("CARGO_BIN_EXE_byline")])
        .output()
        .unwrap();
    let dynamic = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{dynamic}");
    assert!(dynamic.contains("(RELR)"), "{dynamic}");
    let relative = dynamic
        .lines()
        .find(|line| line.contains("(RELACOUNT)"))
        .unwrap_or_default();
    assert!(
        relative.is_empty(),
        "relative relocations left unpacked: {relative}"
    );
}

/// Two focal points set at once: each write reads the point it replaces under the item's
/// lock, so neither old point's URLs are lost.
#[tokio::test]
async fn focal_points_moved_at_once_keep_every_earlier_url() {
    let app = media_app(None).await;
    let res = upload_as(
        &app,
        Some(&app.admin_token),
        &[
            ("file", Some("s.jpg"), "image/jpeg", photo_with_a_subject()),
            ("focal_x", None, "text/plain", b"0.9".to_vec()),
        ],
    )
    .await;
    let media: Value = res.json().await.unwrap();
    let id = media["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/media/{id}");
    for round in 0..3 {
        let (a, b) = (
            0.1 + f64::from(round) / 10.0,
            0.15 + f64::from(round) / 10.0,
        );
        let (body_a, body_b) = (json!({"focal_x": a}), json!({"focal_x": b}));
        let (first, second) = tokio::join!(
            app.patch_json(&path, &body_a),
            app.patch_json(&path, &body_b),
        );
        assert_eq!(
            (first.status(), second.status()),
            (StatusCode::OK, StatusCode::OK)
        );
    }
    // Every point the item had: the upload's and the six set since.
    let mut points = vec![0.9];
    for round in 0..3 {
        points.push(0.1 + f64::from(round) / 10.0);
        points.push(0.15 + f64::from(round) / 10.0);
    }
    for x in points {
        let x = (x * 1000.0).round() / 1000.0;
        let url = format!("/media/{id}/160/s.jpg?crop=1x1&focal={x},0.5&format=jpeg");
        assert_eq!(fetch(&app, &url).await.status(), 200, "{url}");
    }
}
