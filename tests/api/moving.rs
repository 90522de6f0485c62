//! `byline export` and `byline import`: a whole site moves between databases and engines
//! (SQLite → PostgreSQL → SQLite when the suite has PostgreSQL) and answers as before;
//! a damaged, cut-short, newer or misplaced site file is refused and leaves nothing behind.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::feeds::SITE;
use crate::helpers::*;

/// Runs the binary on `database_url` with its data in `data_dir`.
fn byline(database_url: &str, data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_byline"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("BYLINE_DATA_DIR", data_dir)
        .env("BYLINE_LOG", "warn")
        .output()
        .unwrap()
}

/// Runs the binary and fails the test unless it succeeds.
fn byline_ok(database_url: &str, data_dir: &Path, args: &[&str]) -> Output {
    let out = byline(database_url, data_dir, args);
    assert!(
        out.status.success(),
        "byline {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs the binary, expecting it to fail; what it said on standard error.
fn byline_refuses(database_url: &str, data_dir: &Path, args: &[&str]) -> String {
    let out = byline(database_url, data_dir, args);
    assert!(!out.status.success(), "byline {args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The members of a site file by name (manifest aside), and the manifest.
fn members(file: &Path) -> (BTreeMap<String, Vec<u8>>, Value) {
    let decoder = zstd::Decoder::new(std::fs::File::open(file).unwrap()).unwrap();
    let mut archive = tar::Archive::new(decoder);
    let (mut all, mut manifest) = (BTreeMap::new(), Value::Null);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "manifest.json" {
            manifest = serde_json::from_slice(&bytes).unwrap();
        } else {
            all.insert(name, bytes);
        }
    }
    (all, manifest)
}

/// Writes a site file from members (in this order) and a manifest, as a damaged or
/// hand-made file would be.
fn write_site(file: &Path, manifest: &Value, members: &[(String, Vec<u8>)]) {
    let out = std::fs::File::create(file).unwrap();
    let mut tar = tar::Builder::new(zstd::Encoder::new(out, 1).unwrap());
    let manifest = serde_json::to_vec(manifest).unwrap();
    let mut append = |name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        tar.append_data(&mut header, name, bytes).unwrap();
    };
    append("manifest.json", &manifest);
    for (name, bytes) in members {
        append(name, bytes);
    }
    tar.into_inner().unwrap().finish().unwrap();
}

/// Members by name, in order.
type Members = Vec<(String, Vec<u8>)>;

/// The members in the order a site file holds them.
fn ordered(file: &Path) -> (Members, Value) {
    let (all, manifest) = members(file);
    let mut names: Vec<String> = manifest["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect();
    names.extend(all.keys().filter(|n| n.starts_with("media/")).cloned());
    let list = names
        .into_iter()
        .map(|n| (n.clone(), all[&n].clone()))
        .collect();
    (list, manifest)
}

/// A site with a row of every kind: staff, a token, authors, nested sections, tags, an
/// image, stories published, edited and renamed, drafted, scheduled, expiring and trashed,
/// and a webhook. The URLs a reader and an editor would fetch.
async fn build_site(app: &TestApp) -> Vec<String> {
    let (_author_user, _) = app.user_with_role("author").await;
    app.api_token("read").await;
    let author = app
        .create_author(json!({"name": "Aigerim Sadykova", "bio": "Astana"}))
        .await;
    let market = app
        .create_category(json!({"name": "Market", "names": {"ru": "Рынок"}}))
        .await;
    let grain = app
        .create_category(json!({"name": "Grain", "parent_id": market["id"]}))
        .await;
    let tag = app.create_tag(json!({"name": "Wheat exports"})).await;
    let city = app.create_tag(json!({"name": "Astana"})).await;
    let image = app.upload_png().await;
    let story = app
        .create_article(json!({
            "title": "Wheat exports from Astana rise",
            "body": "# Harvest\n\nKazakhstan shipped **more** wheat.",
            "author_id": author["id"], "category_id": grain["id"],
            "tag_ids": [tag["id"], city["id"]], "cover_media_id": image["id"],
            "unpublish_at": "2099-01-01T00:00:00Z",
        }))
        .await;
    let id = story["id"].as_str().unwrap();
    app.publish(id, None).await;
    let renamed = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &json!({"slug": "wheat-exports-rise", "title": "Wheat exports rise"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let wire = app
        .create_article(json!({"title": "Oil output steady", "body": "From the wire."}))
        .await;
    app.publish(wire["id"].as_str().unwrap(), None).await;
    // Its Russian translation, published: languages, groups and names move with the site.
    let res = app
        .post_json(
            &format!("/api/v1/articles/{}/translations", wire["id"].as_str().unwrap()),
            &json!({"locale": "ru", "title": "Добыча нефти стабильна", "category_id": market["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let translation: Value = res.json().await.unwrap();
    app.publish(translation["id"].as_str().unwrap(), None).await;
    let draft = app
        .create_article(json!({"title": "A draft on grain", "body": "Not yet."}))
        .await;
    let later = app
        .create_article(json!({"title": "Budget day", "body": "Numbers."}))
        .await;
    app.publish(later["id"].as_str().unwrap(), Some("2099-06-01T08:00:00Z"))
        .await;
    let binned = app
        .create_article(json!({"title": "Binned story", "body": "Gone."}))
        .await;
    let res = app
        .delete(&format!(
            "/api/v1/articles/{}",
            binned["id"].as_str().unwrap()
        ))
        .await;
    assert!(res.status().is_success());
    webhook(app).await;
    // Stories imported from WordPress, with their old URLs.
    let data = tempfile::tempdir().unwrap();
    let wxr =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/wordpress/small-export.xml");
    byline_ok(
        &app.database_url,
        data.path(),
        &["import-wordpress", path_str(&wxr)],
    );
    let (draft, later) = (draft["id"].as_str().unwrap(), later["id"].as_str().unwrap());
    [
        "/api/v1/articles".to_owned(),
        "/api/v1/articles?include=author,category,tags,cover".to_owned(),
        "/api/v1/articles/wheat-exports-rise?include=author,category,tags,cover".to_owned(),
        format!("/api/v1/articles/{}", story["slug"].as_str().unwrap()),
        format!("/api/v1/articles/{draft}"),
        format!("/api/v1/articles/{later}"),
        "/api/v1/authors".to_owned(),
        format!("/api/v1/authors/{}", author["slug"].as_str().unwrap()),
        "/api/v1/categories".to_owned(),
        format!("/api/v1/categories/{}", grain["slug"].as_str().unwrap()),
        "/api/v1/tags".to_owned(),
        format!("/api/v1/tags/{}", tag["slug"].as_str().unwrap()),
        format!(
            "/media/{}/{}",
            image["id"].as_str().unwrap(),
            image["filename"].as_str().unwrap()
        ),
        "/feeds/articles.json".to_owned(),
        "/sitemaps/articles-1.xml".to_owned(),
        "/api/v1/resolve?path=/%3Fp%3D17".to_owned(),
        "/api/v1/articles/top-level-foo?include=author,category".to_owned(),
        format!(
            "/api/v1/articles/{}?include=translations,category",
            translation["slug"].as_str().unwrap()
        ),
        "/api/v1/articles?locale=ru".to_owned(),
        format!(
            "/api/v1/categories/{}?locale=ru",
            market["slug"].as_str().unwrap()
        ),
    ]
    .into_iter()
    .collect()
}

/// Registers a webhook (to a port nothing answers on) and returns it, with its secret.
async fn webhook(app: &TestApp) -> Value {
    let res = app
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["article.published"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

/// The URLs only staff see, fetched with the source's admin token.
fn staff_paths(draft_list: &str) -> Vec<String> {
    vec![
        draft_list.to_owned(),
        "/api/v1/articles?status=draft".to_owned(),
        "/api/v1/trash".to_owned(),
        "/api/v1/audit".to_owned(),
        "/api/v1/users".to_owned(),
        "/api/v1/tokens".to_owned(),
        "/api/v1/webhooks".to_owned(),
        "/api/v1/media".to_owned(),
    ]
}

/// What a client sees of one URL: status, ETag, Location and body.
async fn seen(base: &str, path: &str, token: Option<&str>) -> (u16, String, String, Vec<u8>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = client.get(format!("{base}{path}"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (status, etag, location) = (res.status().as_u16(), header("etag"), header("location"));
    (status, etag, location, res.bytes().await.unwrap().to_vec())
}

/// The settings a moved site runs with: the source's site URLs, as environment variables.
const SITE_ENV: [(&str, &str); 5] = [
    ("BYLINE_SITE_NAME", "Example News"),
    ("BYLINE_SITE_LANGUAGE", "en"),
    ("BYLINE_ARTICLE_URL", "{site}/{category}/{yyyy}/{slug}"),
    ("BYLINE_CATEGORY_URL", "{site}/section/{slug}"),
    ("BYLINE_TAG_URL", "{site}/tag/{slug}"),
];

async fn moved_server(url: &str, data_dir: &Path) -> Process {
    let mut env: Vec<(&str, &str)> = SITE_ENV.to_vec();
    let data = data_dir.to_str().unwrap();
    env.extend([("BYLINE_SITE_URL", SITE), ("BYLINE_DATA_DIR", data)]);
    Process::start(url, &env).await
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test]
async fn a_site_moves_to_the_other_engine_and_back_and_answers_as_before() {
    let source = spawn_sqlite_app_with(|s| {
        s.site = Some(crate::feeds::site());
        s.events.allow_private = true;
    })
    .await;
    let public = build_site(&source).await;
    let files = tempfile::tempdir().unwrap();
    let file = |n: &str| -> PathBuf { files.path().join(n) };

    let export = |url: &str, data: &Path, name: &str| -> PathBuf {
        let out = file(name);
        byline_ok(
            url,
            data,
            &["export", "--out", path_str(&out), "--include-secrets"],
        );
        out
    };
    let one = export(&source.database_url, &source.data_dir, "one.byline");
    // To PostgreSQL when the suite has it (else another SQLite database), and out again.
    let (there, _there) = scratch_database();
    let there_data = tempfile::tempdir().unwrap();
    byline_ok(&there, there_data.path(), &["import", path_str(&one)]);
    let two = export(&there, there_data.path(), "two.byline");
    // Back to SQLite, and out once more.
    let (back, _back) = sqlite_database();
    let back_data = tempfile::tempdir().unwrap();
    byline_ok(&back, back_data.path(), &["import", path_str(&two)]);
    let three = export(&back, back_data.path(), "three.byline");

    let ((m1, manifest), (m2, _), (m3, _)) = (members(&one), members(&two), members(&three));
    assert_eq!(manifest["format"], "byline-site");
    assert_eq!(manifest["format_version"], 1);
    assert_eq!(manifest["source_engine"], "sqlite");
    assert!(manifest["secrets"].as_bool().unwrap());
    let kinds = manifest["members"].as_array().unwrap();
    assert_eq!(kinds.len(), 13);
    for member in kinds {
        assert!(member["rows"].as_u64().unwrap() > 0, "none: {member}");
    }
    let rows = |kind: &str| kinds.iter().find(|m| m["kind"] == kind).unwrap()["rows"].clone();
    assert_eq!(rows("articles"), 12);
    assert_eq!(manifest["media_files"]["count"], 1);
    assert_eq!(m1.len(), 14, "13 members and one media file");
    for (name, bytes) in &m1 {
        assert!(m2[name] == *bytes, "{name} changed on the way there");
        assert!(m3[name] == *bytes, "{name} changed on the way back");
    }
    assert_eq!(m1.len(), m2.len());
    assert_eq!(m1.len(), m3.len());
    // The file holds password hashes: its owner alone may read it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&one).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }

    // Both moved sites answer every URL as the source does, ETags included; the source's
    // admin token (same user, same token version, same secret) works on them.
    let admin = source.admin_token.clone();
    let moved = moved_server(&there, there_data.path()).await;
    let returned = moved_server(&back, back_data.path()).await;
    let staff = staff_paths("/api/v1/articles?status=scheduled");
    for server in [&moved, &returned] {
        for path in &public {
            let want = seen(&source.address, path, None).await;
            let got = seen(&server.address, path, None).await;
            assert_eq!(got.0, want.0, "{path}");
            assert_eq!(got.1, want.1, "ETag of {path}");
            assert_eq!(got.2, want.2, "Location of {path}");
            assert!(
                got.3 == want.3,
                "body of {path}: {}",
                String::from_utf8_lossy(&got.3)
            );
        }
        for path in &staff {
            let want = seen(&source.address, path, Some(&admin)).await;
            let got = seen(&server.address, path, Some(&admin)).await;
            assert_eq!(got.0, 200, "{path}");
            assert_eq!((got.0, &got.1), (want.0, &want.1), "{path}");
            assert!(
                got.3 == want.3,
                "body of {path}: {}",
                String::from_utf8_lossy(&got.3)
            );
        }
    }
    // Search answers the same on the same engine (ranks differ between engines).
    for path in [
        "/api/v1/articles?q=wheat&include=author",
        "/api/v1/articles?q=astana",
    ] {
        let want = seen(&source.address, path, None).await;
        let got = seen(&returned.address, path, None).await;
        assert_eq!(want.0, 200, "{path}");
        assert!(
            got.3 == want.3,
            "{path}: {}",
            String::from_utf8_lossy(&got.3)
        );
    }
    let found = seen(&moved.address, "/api/v1/articles?q=wheat", None).await;
    let found: Value = serde_json::from_slice(&found.3).unwrap();
    assert_eq!(found["data"][0]["slug"], "wheat-exports-rise");
    // The timers of the scheduled story and of the expiring one are there again.
    let timers = "SELECT count(*) AS n FROM event_timers";
    assert_eq!(count_at(&there, timers), 2);
    assert_eq!(count_at(&back, timers), 2);
}

#[tokio::test]
async fn an_export_without_secrets_or_files_leaves_them_out_and_imported_webhooks_wait() {
    let source = spawn_app_with(|s| s.events.allow_private = true).await;
    let created = webhook(&source).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    source.upload_png().await;
    let files = tempfile::tempdir().unwrap();
    let site = files.path().join("site.byline");
    let out = byline_ok(
        &source.database_url,
        &source.data_dir,
        &[
            "export",
            "--out",
            path_str(&site),
            "--no-media-files",
            "--json",
        ],
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["secrets"], false);
    assert_eq!(summary["media_files"], Value::Null);
    let (all, _) = members(&site);
    assert!(all.keys().all(|n| !n.starts_with("media/")));
    let raw = String::from_utf8(std::fs::read(&site).unwrap_or_default()).unwrap_or_default();
    assert!(!raw.contains(&secret));
    let hooks = String::from_utf8(all["webhooks.ndjson"].clone()).unwrap();
    assert!(!hooks.contains(&secret), "{hooks}");
    assert!(!hooks.contains("whsec_"), "{hooks}");

    let (target, _target) = scratch_database();
    let data = tempfile::tempdir().unwrap();
    byline_ok(&target, data.path(), &["import", path_str(&site)]);
    let moved = Process::start(&target, &[("BYLINE_DATA_DIR", path_str(data.path()))]).await;
    let (status, _, _, body) = seen(
        &moved.address,
        "/api/v1/webhooks",
        Some(&source.admin_token),
    )
    .await;
    assert_eq!(status, 200);
    let hooks: Value = serde_json::from_slice(&body).unwrap();
    let hook = &hooks["data"][0];
    assert_eq!(hook["active"], false, "{hook}");
    assert!(
        hook["disabled_reason"].as_str().unwrap().contains("secret"),
        "{hook}"
    );
}

#[tokio::test]
async fn a_damaged_cut_short_newer_or_misplaced_site_file_is_refused_and_changes_nothing() {
    let source = spawn_app().await;
    let story = source
        .create_article(json!({"title": "Kept whole", "body": "Every line."}))
        .await;
    source.publish(story["id"].as_str().unwrap(), None).await;
    source.upload_png().await;
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("good.byline");
    byline_ok(
        &source.database_url,
        &source.data_dir,
        &["export", "--out", path_str(&good)],
    );
    let (target, _target) = scratch_database();
    let data = tempfile::tempdir().unwrap();
    let refuse = |file: &Path, want: &str| {
        let said = byline_refuses(&target, data.path(), &["import", path_str(file)]);
        assert!(said.contains(want), "wanted {want:?} in: {said}");
        assert!(said.contains("byline: error"), "{said}");
    };

    // Into a database with content (the source's own): refused, and it keeps its one story.
    let said = byline_refuses(
        &source.database_url,
        &source.data_dir,
        &["import", path_str(&good)],
    );
    assert!(said.contains("not empty"), "{said}");
    let listed: Value = source.get("/api/v1/articles").await.json().await.unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);

    let (members, manifest) = ordered(&good);
    let with = |edit: &dyn Fn(&mut Members, &mut Value)| {
        let (mut members, mut manifest) = (members.clone(), manifest.clone());
        edit(&mut members, &mut manifest);
        let path = files
            .path()
            .join(format!("bad-{}.byline", uuid::Uuid::new_v4().simple()));
        write_site(&path, &manifest, &members);
        path
    };
    // A byte changed in a member.
    let flipped = with(&|members, _| {
        let articles = members
            .iter_mut()
            .find(|(n, _)| n == "articles.ndjson")
            .unwrap();
        let at = articles.1.iter().position(|b| *b == b'K').unwrap();
        articles.1[at] = b'k';
    });
    refuse(&flipped, "does not match the checksum");
    // A media file that is not what its name says.
    let swapped = with(&|members, _| {
        let file = members
            .iter_mut()
            .find(|(n, _)| n.starts_with("media/"))
            .unwrap();
        file.1.push(0);
    });
    refuse(&swapped, "does not match its checksum");
    // A newer format.
    let newer = with(&|_, manifest| manifest["format_version"] = json!(99));
    refuse(&newer, "newer than this Byline reads");
    // Members missing at the end, or out of place.
    let short = with(&|members, _| members.truncate(8));
    refuse(&short, "cut short");
    let shuffled = with(&|members, _| members.swap(0, 1));
    refuse(&shuffled, "does not list it");
    // A file cut in the middle of its compressed stream.
    let bytes = std::fs::read(&good).unwrap();
    let cut = files.path().join("cut.byline");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    refuse(&cut, "damaged or cut short");
    // Not a site file at all.
    let text = files.path().join("text.byline");
    std::fs::write(&text, b"hello").unwrap();
    refuse(&text, "not a site file");
    // A dry run reads and checks everything, and writes nothing either.
    let out = byline_ok(
        &target,
        data.path(),
        &["import", "--dry-run", path_str(&good)],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("dry run"));

    // After all that the database is still empty: the real import goes through, once.
    byline_ok(&target, data.path(), &["import", path_str(&good)]);
    assert_eq!(count_at(&target, "SELECT count(*) AS n FROM articles"), 1);
    refuse(&good, "not empty");
}

#[tokio::test]
async fn an_import_killed_half_way_leaves_the_database_empty() {
    use std::io::{BufRead, Write};
    let source = spawn_app().await;
    source
        .create_article(json!({"title": "Half way", "body": "Then the power went."}))
        .await;
    source.upload_png().await;
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("good.byline");
    byline_ok(
        &source.database_url,
        &source.data_dir,
        &["export", "--out", path_str(&good)],
    );
    // Every row member, flushed, but not the media file after them: the import reads all
    // the rows into its transaction, then waits for the rest.
    let (members, manifest) = ordered(&good);
    let mut tar = tar::Builder::new(zstd::Encoder::new(Vec::new(), 1).unwrap());
    let manifest = serde_json::to_vec(&manifest).unwrap();
    for (name, bytes) in std::iter::once(("manifest.json".to_owned(), manifest)).chain(
        members
            .into_iter()
            .filter(|(n, _)| !n.starts_with("media/")),
    ) {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        tar.append_data(&mut header, name, &bytes[..]).unwrap();
    }
    tar.get_mut().flush().unwrap();
    let partial = tar.get_ref().get_ref().clone();

    let (target, _target) = scratch_database();
    let data = tempfile::tempdir().unwrap();
    byline_ok(&target, data.path(), &["migrate"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_byline"))
        .args(["import", "-"])
        .env("DATABASE_URL", &target)
        .env("BYLINE_DATA_DIR", data.path())
        .env("BYLINE_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&partial).unwrap();
    stdin.flush().unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut said = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        let done = line.starts_with("webhooks:");
        said.push(line);
        if done {
            break;
        }
    }
    assert!(
        said.iter().any(|l| l.starts_with("articles: 1 ")),
        "{said:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);

    assert_eq!(count_at(&target, "SELECT count(*) AS n FROM articles"), 0);
    assert_eq!(count_at(&target, "SELECT count(*) AS n FROM users"), 0);
    byline_ok(&target, data.path(), &["import", path_str(&good)]);
    assert_eq!(count_at(&target, "SELECT count(*) AS n FROM articles"), 1);
}
