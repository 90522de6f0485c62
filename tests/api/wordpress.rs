//! `byline import-wordpress` against the WordPress importer's own test exports (in
//! `../shared/data/wordpress/`), and `GET /api/v1/resolve` for the old URLs it keeps.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

/// A fixture of the WordPress importer.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/wordpress")
        .join(name)
}

/// Runs `byline import-wordpress FILE ARGS… --json` on `url`.
fn import(url: &str, file: &Path, args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    import_into(url, data.path(), file, args, &[])
}

/// Runs `byline import-wordpress FILE ARGS… --json` on `url` with the data folder `data`
/// (where media files go) and `env`.
fn import_into(url: &str, data: &Path, file: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_byline"))
        .arg("import-wordpress")
        .arg(file)
        .args(args)
        .arg("--json")
        .env("DATABASE_URL", url)
        .env("BYLINE_DATA_DIR", data)
        .env("BYLINE_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// The JSON report of a successful import.
fn succeeded(out: Output) -> Value {
    assert!(
        out.status.success(),
        "the import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Imports and returns the JSON report, failing the test unless it succeeds.
fn report(url: &str, file: &Path, args: &[&str]) -> Value {
    succeeded(import(url, file, args))
}

fn count(url: &str, table: &str) -> i64 {
    count_at(url, &format!("SELECT count(*) AS n FROM {table}"))
}

#[tokio::test]
async fn every_importer_fixture_is_imported_or_refused_as_it_should_be() {
    // (file, stories made, items that fail)
    let cases = [
        ("valid-wxr-1.0.xml", 3, 0),
        ("valid-wxr-1.1.xml", 1, 0),
        ("small-export.xml", 6, 0),
        ("wxr-comprehensive.xml", 1, 0),
        ("wxr-utf-8-challenges.xml", 1, 0),
        ("crazy-cdata.xml", 1, 0),
        ("namespace-edge-cases.xml", 5, 1),
        ("missing-tags.xml", 1, 0),
        ("wxr-with-sub-data.xml", 1, 0),
    ];
    for (name, made, failed) in cases {
        let (url, _db) = scratch_database();
        let got = report(&url, &fixture(name), &[]);
        assert_eq!(got["articles_created"], made, "{name}: {got}");
        assert_eq!(
            got["failed"].as_array().unwrap().len(),
            failed,
            "{name}: {got}"
        );
        assert_eq!(count(&url, "articles"), made, "{name}");
        for failure in got["failed"].as_array().unwrap() {
            assert!(!failure["reason"].as_str().unwrap().is_empty(), "{failure}");
        }
    }
    // Broken XML is refused before anything is written.
    for name in ["malformed.xml", "malformed-simple.xml"] {
        let (url, _db) = scratch_database();
        let out = import(&url, &fixture(name), &[]);
        assert!(!out.status.success(), "{name}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("not well-formed XML"), "{name}: {said}");
        assert!(said.contains("nothing was imported"), "{name}: {said}");
        assert_eq!(count(&url, "articles"), 0, "{name}");
        assert_eq!(count(&url, "authors"), 0, "{name}");
        assert_eq!(count(&url, "categories"), 0, "{name}");
    }
}

// Two threads: while an import blocks one, the other keeps the client's pooled
// connections alive (on one thread, a connection the server closed meanwhile is reused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_become_stories_with_their_sections_tags_bylines_and_old_urls() {
    let app = spawn_app().await;
    let got = report(&app.database_url, &fixture("small-export.xml"), &[]);
    assert_eq!(got["wxr_version"], "1.1");
    assert_eq!(got["authors_created"], 3);
    assert_eq!(got["tags_created"], 3);
    let skipped = got["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 5, "{got}");
    assert!(skipped.iter().all(|s| s["kind"] == "page"), "{got}");

    // A published post: its slug, date, byline and section.
    let hello: Value = app
        .anon()
        .get("/api/v1/articles/hello-world?include=author,category")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hello["title"], "Hello world!");
    assert_eq!(hello["status"], "published");
    assert_eq!(hello["published_at"], "2011-01-18T07:40:14Z");
    assert_eq!(hello["author"]["name"], "author");
    assert_eq!(hello["category"]["slug"], "uncategorized");
    assert!(
        hello["body"]
            .as_str()
            .unwrap()
            .starts_with("Welcome to WordPress.")
    );
    // A child category keeps its parent.
    let child: Value = app
        .get("/api/v1/categories/foo-bar")
        .await
        .json()
        .await
        .unwrap();
    let parent: Value = app
        .get("/api/v1/categories/bar")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(child["parent_id"], parent["id"]);
    // A private post is a draft: the public does not see it, staff do, with its tags.
    let res = app.anon().get("/api/v1/articles/private-post").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let private: Value = app
        .get("/api/v1/articles/private-post?include=tags")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(private["status"], "draft");
    let tags: Vec<&str> = private["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["tag1", "tag2", "tag3"]);

    // Old URLs answer where the story is now; a draft's only for staff.
    let resolved: Value = app
        .anon()
        .get("/api/v1/resolve?path=/%3Fp%3D1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resolved["type"], "article");
    assert_eq!(resolved["slug"], "hello-world");
    assert_eq!(resolved["id"], hello["id"]);
    let whole = app
        .anon()
        .get("/api/v1/resolve?path=http%3A%2F%2Flocalhost%2F%3Fp%3D1")
        .await;
    assert_eq!(whole.status(), StatusCode::OK);
    let res = app.anon().get("/api/v1/resolve?path=/%3Fp%3D13").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_problem(res, 404, "not_found").await;
    let res = app.get("/api/v1/resolve?path=/%3Fp%3D13").await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .anon()
        .get("/api/v1/resolve?path=/2011/nothing-here/")
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app.anon().get("/api/v1/resolve").await;
    assert_problem(res, 400, "invalid_query").await;
    let long = format!("/api/v1/resolve?path=/{}", "a".repeat(3000));
    assert_problem(app.anon().get(&long).await, 400, "invalid_query").await;
    // Whatever the schema allows gets an answer, not a 400: blanks, and 2048 characters
    // that take more bytes.
    let nul = app.anon().get("/api/v1/resolve?path=/a%00b").await;
    assert_problem(nul, 400, "invalid_query").await;
    let blank = app.anon().get("/api/v1/resolve?path=%20%20").await;
    assert_problem(blank, 404, "not_found").await;
    let wide = format!("/api/v1/resolve?path={}", "%C3%A9".repeat(2048));
    assert_problem(app.anon().get(&wide).await, 404, "not_found").await;
}

#[tokio::test]
async fn importing_again_updates_what_changed_and_duplicates_nothing() {
    let (url, _db) = scratch_database();
    let first = report(&url, &fixture("small-export.xml"), &[]);
    assert_eq!(first["articles_created"], 6);
    let (authors, categories, tags) = (
        count(&url, "authors"),
        count(&url, "categories"),
        count(&url, "tags"),
    );
    let again = report(&url, &fixture("small-export.xml"), &[]);
    assert_eq!(again["articles_created"], 0, "{again}");
    assert_eq!(again["articles_updated"], 0, "{again}");
    assert_eq!(again["articles_unchanged"], 6, "{again}");
    assert_eq!(count(&url, "articles"), 6);
    assert_eq!(count(&url, "authors"), authors);
    assert_eq!(count(&url, "categories"), categories);
    assert_eq!(count(&url, "tags"), tags);
    // A newer export of the same site: one title changed, one post added.
    let text = std::fs::read_to_string(fixture("small-export.xml")).unwrap();
    let newer = text.replacen(
        "<title>Hello world!</title>",
        "<title>Hello again!</title>",
        1,
    );
    // It was back-dated there too: a published story moves with it.
    let newer = newer.replacen(
        "<wp:post_date_gmt>2011-01-18 07:40:14</wp:post_date_gmt>",
        "<wp:post_date_gmt>2011-01-17 06:00:00</wp:post_date_gmt>",
        1,
    );
    let extra = "<item><title>Added later</title><link>http://localhost/?p=99</link>\
        <guid isPermaLink=\"false\">http://localhost/?p=99</guid>\
        <content:encoded><![CDATA[New.]]></content:encoded><wp:post_id>99</wp:post_id>\
        <wp:post_date_gmt>2011-02-01 10:00:00</wp:post_date_gmt><wp:status>publish</wp:status>\
        <wp:post_type>post</wp:post_type></item></channel>";
    let newer = newer.replacen("</channel>", extra, 1);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("newer.xml");
    std::fs::write(&file, newer).unwrap();
    let synced = report(&url, &file, &[]);
    assert_eq!(synced["articles_created"], 1, "{synced}");
    assert_eq!(synced["articles_updated"], 1, "{synced}");
    assert_eq!(synced["articles_unchanged"], 5, "{synced}");
    assert_eq!(count(&url, "articles"), 7);
    assert_eq!(
        count_at(
            &url,
            "SELECT count(*) AS n FROM articles WHERE title = 'Hello again!' \
             AND status = 'published' AND published_at = '2011-01-17 06:00:00'"
        ),
        1
    );
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_strict_refuses_a_file_with_a_bad_item() {
    let (url, _db) = scratch_database();
    let dry = report(&url, &fixture("small-export.xml"), &["--dry-run"]);
    assert_eq!(dry["articles_created"], 6);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(count(&url, "articles"), 0);
    assert_eq!(count(&url, "authors"), 0);
    assert_eq!(count(&url, "categories"), 0);
    // One post of this file has no guid and no id: --strict refuses all of it.
    let out = import(&url, &fixture("namespace-edge-cases.xml"), &["--strict"]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("nothing was imported"), "{said}");
    assert!(said.contains("Hijacked Namespace"), "{said}");
    assert_eq!(count(&url, "articles"), 0);
    assert_eq!(count(&url, "authors"), 0);
    // Pages come in when asked.
    let pages = report(&url, &fixture("small-export.xml"), &["--pages-as-articles"]);
    assert_eq!(pages["articles_created"], 11, "{pages}");
}

/// An export of one site holding `items` (each a whole `<item>`).
fn export_of(items: &[String]) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Desk</title><link>https://desk.example</link><wp:wxr_version>1.2</wp:wxr_version>
  {}
</channel>
</rss>"#,
        items.concat()
    )
}

/// A published post of [`export_of`]: its id, byline, date and terms (`<category>`s).
fn post(id: u32, creator: &str, date: &str, terms: &str) -> String {
    format!(
        r#"<item><title>Story {id}</title><link>https://desk.example/?p={id}</link>
  <dc:creator><![CDATA[{creator}]]></dc:creator>
  <guid isPermaLink="false">https://desk.example/?p={id}</guid>{terms}
  <content:encoded><![CDATA[<p>Text {id}.</p>]]></content:encoded>
  <wp:post_id>{id}</wp:post_id><wp:post_date_gmt>{date}</wp:post_date_gmt>
  <wp:post_name>story-{id}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>"#
    )
}

// A post waiting for review in WordPress is waiting for review here, and an imported draft
// whose post went pending is handed in when imported again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_posts_arrive_in_review() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("desk.xml");
    let with_status = |id: u32, status: &str| {
        post(id, "alice", "2019-02-08 10:00:00", "")
            .replace("<wp:status>publish", &format!("<wp:status>{status}"))
    };
    std::fs::write(
        &file,
        export_of(&[with_status(1, "pending"), with_status(2, "draft")]),
    )
    .unwrap();
    let first = report(&app.database_url, &file, &[]);
    assert_eq!(first["articles_created"], 2, "{first}");
    let status = |slug: &'static str| {
        let app = &app;
        async move {
            let read: Value = app
                .get(&format!("/api/v1/articles/{slug}"))
                .await
                .json()
                .await
                .unwrap();
            read["status"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(status("story-1").await, "in_review");
    assert_eq!(status("story-2").await, "draft");
    let res = app.anon().get("/api/v1/articles/story-1").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    std::fs::write(
        &file,
        export_of(&[with_status(1, "pending"), with_status(2, "pending")]),
    )
    .unwrap();
    report(&app.database_url, &file, &[]);
    assert_eq!(status("story-2").await, "in_review");
}

// Items are written many to a transaction without a savepoint each; one that fails undoes
// its transaction, which is written again item by item. What the first try made (a byline,
// a tag, a story) must then be made once, counted once, and not be taken for existing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_that_fails_leaves_out_only_itself_and_is_counted_once() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("desk.xml");
    std::fs::write(
        &file,
        export_of(&[post(1, "alice", "2019-02-08 10:00:00", "")]),
    )
    .unwrap();
    let first = report(&app.database_url, &file, &[]);
    assert_eq!(first["articles_created"], 1, "{first}");
    // An editor sets an expiry; a newer export moves the post after it, which cannot be.
    let res = app
        .patch_json(
            "/api/v1/articles/story-1",
            &serde_json::json!({"unpublish_at": "2019-03-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let fresh_tag = r#"<category domain="post_tag" nicename="fresh"><![CDATA[Fresh]]></category>"#;
    std::fs::write(
        &file,
        export_of(&[
            post(2, "bob", "2019-02-09 10:00:00", fresh_tag),
            post(1, "alice", "2019-04-01 10:00:00", ""),
            post(3, "bob", "2019-02-10 10:00:00", fresh_tag),
        ]),
    )
    .unwrap();
    let got = report(&app.database_url, &file, &[]);
    assert_eq!(got["articles_created"], 2, "{got}");
    assert_eq!(got["articles_updated"], 0, "{got}");
    assert_eq!(got["authors_created"], 1, "{got}");
    assert_eq!(got["tags_created"], 1, "{got}");
    let failed = got["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{got}");
    assert_eq!(failed[0]["wordpress_id"], "1", "{got}");
    assert!(
        failed[0]["reason"]
            .as_str()
            .unwrap()
            .contains("unpublish_at must be later than published_at"),
        "{got}"
    );
    assert_eq!(count(&app.database_url, "authors"), 2);
    assert_eq!(count(&app.database_url, "tags"), 1);
    assert_eq!(count(&app.database_url, "articles"), 3);
    for slug in ["story-2", "story-3"] {
        let story: Value = app
            .anon()
            .get(&format!("/api/v1/articles/{slug}?include=author,tags"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(story["author"]["slug"], "bob", "{story}");
        assert_eq!(story["tags"][0]["slug"], "fresh", "{story}");
    }
    // The story that failed is as it was.
    let kept: Value = app
        .get("/api/v1/articles/story-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept["published_at"], "2019-02-08T10:00:00Z", "{kept}");
}

/// An export of `site` with one attachment (id 10, `photo.jpg`), a post showing it as its
/// featured image and in its body (at a size WordPress made), a picture of the site that
/// is missing, one from elsewhere, and an attachment whose address climbs out of uploads.
fn export_with_pictures(site: &str) -> String {
    let uploads = format!("{site}/wp-content/uploads/2019/02");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Pictures</title><link>{site}</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>{site}</wp:base_site_url><wp:base_blog_url>{site}</wp:base_blog_url>
  <item>
    <title>The photo</title><link>{site}/?attachment_id=10</link>
    <guid isPermaLink="false">{uploads}/photo.jpg</guid>
    <excerpt:encoded><![CDATA[The market at dawn]]></excerpt:encoded>
    <content:encoded><![CDATA[]]></content:encoded>
    <wp:post_id>10</wp:post_id><wp:status>inherit</wp:status><wp:post_type>attachment</wp:post_type>
    <wp:attachment_url>{uploads}/photo.jpg</wp:attachment_url>
    <wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value><![CDATA[Stalls at dawn]]></wp:meta_value></wp:postmeta>
  </item>
  <item>
    <title>Climbing</title><link>{site}/?attachment_id=11</link>
    <guid isPermaLink="false">{site}/?attachment_id=11</guid>
    <content:encoded><![CDATA[]]></content:encoded>
    <wp:post_id>11</wp:post_id><wp:status>inherit</wp:status><wp:post_type>attachment</wp:post_type>
    <wp:attachment_url>{site}/wp-content/uploads/..%2F..%2Fsecret.jpg</wp:attachment_url>
  </item>
  <item>
    <title>Market opens</title><link>{site}/2019/02/08/market-opens/</link>
    <dc:creator><![CDATA[editor]]></dc:creator>
    <guid isPermaLink="false">{site}/?p=20</guid>
    <content:encoded><![CDATA[<p>Morning.</p>
<p><img src="{uploads}/photo-300x200.jpg" alt="small" /></p>
<p><img src="{uploads}/gone.png" alt="gone" /></p>
<p><img src="https://elsewhere.example/x.jpg" alt="theirs" /></p>]]></content:encoded>
    <wp:post_id>20</wp:post_id><wp:post_date_gmt>2019-02-08 10:00:00</wp:post_date_gmt>
    <wp:post_name>market-opens</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
    <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>10</wp:meta_value></wp:postmeta>
  </item>
</channel>
</rss>"#
    )
}

/// The media items of a report's failures, by address.
fn failed_files(report: &Value) -> Vec<(String, String)> {
    report["failed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "media")
        .map(|f| {
            let (title, reason) = (f["title"].as_str(), f["reason"].as_str());
            (title.unwrap().to_owned(), reason.unwrap().to_owned())
        })
        .collect()
}

// Two threads: while an import blocks one, the other keeps the client's pooled
// connections alive (on one thread, a connection the server closed meanwhile is reused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_from_a_copy_of_uploads_become_media_items_the_stories_show() {
    let app = spawn_app().await;
    let site = "http://old.example";
    let work = tempfile::tempdir().unwrap();
    let uploads = work.path().join("uploads");
    std::fs::create_dir_all(uploads.join("2019/02")).unwrap();
    std::fs::write(
        uploads.join("2019/02/photo.jpg"),
        crate::media::jpeg(640, 480),
    )
    .unwrap();
    // Beside the uploads folder, where an address must not reach.
    std::fs::write(work.path().join("secret.jpg"), crate::media::jpeg(8, 8)).unwrap();
    let file = work.path().join("export.xml");
    std::fs::write(&file, export_with_pictures(site)).unwrap();
    let dir = uploads.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--uploads", dir];
        all.extend_from_slice(args);
        succeeded(import_into(
            &app.database_url,
            &app.data_dir,
            &file,
            &all,
            &[],
        ))
    };

    // A folder that is not there is refused before anything is written.
    let missing = work.path().join("nowhere");
    let args = ["--uploads", missing.to_str().unwrap()];
    let out = import_into(&app.database_url, &app.data_dir, &file, &args, &[]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("is not a folder"), "{said}");
    assert_eq!(count(&app.database_url, "articles"), 0);

    let dry = run(&["--dry-run"]);
    assert_eq!(dry["media_created"], 1, "{dry}");
    assert_eq!(count(&app.database_url, "media"), 0);

    let got = run(&[]);
    assert_eq!(got["articles_created"], 1, "{got}");
    assert_eq!(got["attachments"], 2, "{got}");
    assert_eq!(got["media_created"], 1, "{got}");
    let failed = failed_files(&got);
    assert_eq!(failed.len(), 2, "{got}");
    assert!(
        failed
            .iter()
            .any(|(a, why)| a.ends_with("/gone.png") && why.contains("no file")),
        "{got}"
    );
    assert!(
        failed
            .iter()
            .any(|(a, why)| a.contains("secret") && why.contains("uploads")),
        "{got}"
    );
    assert_eq!(count(&app.database_url, "media"), 1);

    // The featured image is the story's cover; the body shows the imported picture, keeps
    // the missing one and the other site's as they were.
    let story: Value = app
        .anon()
        .get("/api/v1/articles/market-opens?include=cover")
        .await
        .json()
        .await
        .unwrap();
    let media_id = story["cover_media_id"]
        .as_str()
        .expect("a cover")
        .to_owned();
    assert_eq!(story["cover"]["alt"], "Stalls at dawn", "{story}");
    assert_eq!(story["cover"]["caption"], "The market at dawn", "{story}");
    let body = story["body"].as_str().unwrap();
    let path = format!("/media/{media_id}/photo.jpg");
    assert!(body.contains(&format!("]({path})")), "{body}");
    assert!(
        body.contains(&format!("{site}/wp-content/uploads/2019/02/gone.png")),
        "{body}"
    );
    assert!(body.contains("https://elsewhere.example/x.jpg"), "{body}");
    assert!(!body.contains("photo-300x200"), "{body}");
    // The file is served, stripped of its metadata like any upload.
    let res = app.anon().get(&path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let bytes = res.bytes().await.unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("SECRET-PLACE"));

    // Again: the same picture is found, not copied.
    let again = run(&[]);
    assert_eq!(again["media_created"], 0, "{again}");
    assert_eq!(again["articles_unchanged"], 1, "{again}");
    assert_eq!(count(&app.database_url, "media"), 1);
}

// Two threads: the import blocks one while the old site answers on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_are_downloaded_only_from_addresses_the_webhook_guard_allows() {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let site = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = HttpServer::new(|| {
        App::new().route(
            "/wp-content/uploads/2019/02/photo.jpg",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .content_type("image/jpeg")
                    .body(crate::media::jpeg(320, 200))
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("export.xml");
    std::fs::write(&file, export_with_pictures(&site)).unwrap();
    let (url, _db) = scratch_database();
    let data = work.path().join("data");

    // Loopback is not a public address: nothing is fetched, the addresses stay.
    let refused = succeeded(import_into(&url, &data, &file, &["--download-media"], &[]));
    assert_eq!(refused["media_created"], 0, "{refused}");
    let failed = failed_files(&refused);
    assert!(
        failed
            .iter()
            .any(|(a, why)| a.ends_with("/photo.jpg") && why.contains("not a public address")),
        "{refused}"
    );
    assert_eq!(count(&url, "media"), 0);
    assert_eq!(count(&url, "articles"), 1);

    // Allowed, as for webhooks: the picture comes in; the missing one is reported.
    let allow = [("BYLINE_WEBHOOK_ALLOW_PRIVATE", "true")];
    let got = succeeded(import_into(
        &url,
        &data,
        &file,
        &["--download-media"],
        &allow,
    ));
    assert_eq!(got["media_created"], 1, "{got}");
    assert_eq!(got["articles_updated"], 1, "{got}");
    assert!(
        failed_files(&got)
            .iter()
            .any(|(a, why)| a.ends_with("/gone.png") && why.contains("404")),
        "{got}"
    );
    assert_eq!(count(&url, "media"), 1);
    handle.stop(false).await;
}

// The stories of an export are in the site's language, as its channel names it; an export
// that names none gives them BYLINE_DEFAULT_LOCALE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_stories_are_in_the_sites_language() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("desk.xml");
    let russian = export_of(&[post(1, "alice", "2019-02-08 10:00:00", "")]).replace(
        "<title>Desk</title>",
        "<title>Desk</title><language>ru-ru</language>",
    );
    std::fs::write(&file, russian).unwrap();
    let done = report(&app.database_url, &file, &[]);
    assert_eq!(done["locale"], "ru-RU", "{done}");
    let story: Value = app
        .get("/api/v1/articles/story-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(story["locale"], "ru-RU");
    std::fs::write(
        &file,
        export_of(&[post(2, "alice", "2019-02-08 10:00:00", "")]),
    )
    .unwrap();
    let done = report(&app.database_url, &file, &[]);
    assert_eq!(done["locale"], "en", "{done}");
    let story: Value = app
        .get("/api/v1/articles/story-2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(story["locale"], "en");
}
