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
    Command::new(env!("CARGO_BIN_EXE_byline"))
        .arg("import-wordpress")
        .arg(file)
        .args(args)
        .arg("--json")
        .env("DATABASE_URL", url)
        .env("BYLINE_DATA_DIR", data.path())
        .env("BYLINE_LOG", "warn")
        .output()
        .unwrap()
}

/// Imports and returns the JSON report, failing the test unless it succeeds.
fn report(url: &str, file: &Path, args: &[&str]) -> Value {
    let out = import(url, file, args);
    assert!(
        out.status.success(),
        "import of {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
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

#[tokio::test]
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
            "SELECT count(*) AS n FROM articles WHERE title = 'Hello again!'"
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
