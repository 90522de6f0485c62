//! Preview links: a draft shown by a link that needs no account, as it would look
//! published; pinned, revoked, expired and trashed links; who may make and see them.

use std::time::Duration;

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, changes_until, field_errors, spawn_app, spawn_app_with,
};

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

/// Makes a link to `id` as the admin; the answer's body.
async fn preview_of(app: &TestApp, id: &str, request: Value) -> Value {
    let res = app
        .post_json(&format!("/api/v1/articles/{id}/previews"), &request)
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{request}");
    body(res).await
}

/// Opens a link with no credentials.
async fn open(app: &TestApp, url: &str) -> reqwest::Response {
    app.anon().get(url).await
}

#[tokio::test]
async fn a_preview_link_shows_a_draft_as_published_to_anyone_who_has_it() {
    let app = spawn_app().await;
    let author = app.create_author(json!({"name": "Aliya Sadykova"})).await;
    let section = app.create_category(json!({"name": "Market"})).await;
    let draft = app
        .create_article(json!({
            "title": "Tenge firms", "body": "The **tenge** rose.",
            "author_id": author["id"], "category_id": section["id"],
        }))
        .await;
    let id = draft["id"].as_str().unwrap();

    let res = app
        .post_json(&format!("/api/v1/articles/{id}/previews"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let link = body(res).await;
    let token = link["token"].as_str().unwrap();
    assert!(token.starts_with("byp_") && token.len() > 40, "{token}");
    assert_eq!(link["url"], format!("/api/v1/preview/{token}"));
    assert_eq!(link["article_id"], id);
    assert_eq!(link["version"], Value::Null);
    assert_eq!(
        location,
        format!(
            "/api/v1/articles/{id}/previews/{}",
            link["id"].as_str().unwrap()
        )
    );
    let made = chrono::DateTime::parse_from_rfc3339(link["created_at"].as_str().unwrap()).unwrap();
    let ends = chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(ends - made, chrono::TimeDelta::hours(48));

    // Anyone with the link sees the story as it would be published, with its embeds.
    let url = link["url"].as_str().unwrap();
    let res = open(&app, &format!("{url}?include=author,category")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert_eq!(res.headers()["x-robots-tag"], "noindex");
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    let shown = body(res).await;
    assert_eq!(shown["title"], "Tenge firms");
    assert_eq!(shown["status"], "published");
    assert!(shown["published_at"].is_string(), "{shown}");
    assert!(
        shown["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>tenge</strong>")
    );
    assert_eq!(shown["author"]["name"], "Aliya Sadykova");
    assert_eq!(shown["author"].get("email"), None, "no private fields");
    assert_eq!(shown["category"]["name"], "Market");
    assert_eq!(shown.get("live"), None);
    let fields = body(open(&app, &format!("{url}?fields=title")).await).await;
    assert_eq!(fields, json!({"id": id, "title": "Tenge firms"}));

    // The link follows the story's edits; the story stays a draft to the public.
    let path = format!("/api/v1/articles/{id}");
    assert_eq!(
        app.patch_json(&path, &json!({"title": "Tenge firms again"}))
            .await
            .status(),
        200
    );
    assert_eq!(
        body(open(&app, url).await).await["title"],
        "Tenge firms again"
    );
    assert_eq!(app.anon().get(&path).await.status(), StatusCode::NOT_FOUND);
    let public = body(app.anon().get("/api/v1/articles").await).await;
    assert_eq!(public["data"], json!([]));

    // The token opens this route only: as a bearer token it is refused.
    let res = app.with(token).get(&path).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Staff see the link, never its token.
    let list = body(app.get(&format!("{path}/previews")).await).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["id"], link["id"]);
    assert_eq!(list["data"][0].get("token"), None);
    assert_eq!(list["data"][0].get("url"), None);
    let one = body(app.get(&location).await).await;
    assert_eq!(one["expires_at"], link["expires_at"]);

    // The audit log and the changes feed record it, without the secret.
    let audit = body(
        app.get(&format!(
            "/api/v1/audit?action=preview.created&target_id={}",
            link["id"].as_str().unwrap()
        ))
        .await,
    )
    .await;
    assert_eq!(audit["data"].as_array().unwrap().len(), 1, "{audit}");
    assert_eq!(audit["data"][0]["details"]["article_id"], id);
    let changes = changes_until(&app, "types=preview.*", 1).await;
    let events = changes["data"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{changes}");
    assert_eq!(events[0]["type"], "preview.created");
    assert_eq!(events[0]["data"]["article_id"], id);
    assert!(!changes.to_string().contains(token));
    assert!(!audit.to_string().contains(token));

    // A published story is shown as it is, with its own date.
    let published = app.publish(id, Some("2024-03-01T09:00:00Z")).await;
    let shown = body(open(&app, url).await).await;
    assert_eq!(shown["published_at"], published["published_at"]);
}

#[tokio::test]
async fn links_can_be_pinned_revoked_expire_and_die_with_the_trash() {
    let app = spawn_app().await;
    let draft = app
        .create_article(json!({"title": "First take", "body": "One."}))
        .await;
    let id = draft["id"].as_str().unwrap();
    let path = format!("/api/v1/articles/{id}");
    app.patch_json(&path, &json!({"title": "Second take", "body": "Two."}))
        .await;

    // Pinned to the first revision, the link keeps showing it.
    let pinned = preview_of(&app, id, json!({"version": 1})).await;
    assert_eq!(pinned["version"], 1);
    let shown = body(open(&app, pinned["url"].as_str().unwrap()).await).await;
    assert_eq!(shown["title"], "First take");
    assert_eq!(shown["body_html"], "<p>One.</p>\n");
    assert_eq!(shown["version"], 1);

    // Bad requests change nothing.
    let previews = format!("{path}/previews");
    for (request, field, code) in [
        (json!({"version": 9}), "version", "invalid_value"),
        (json!({"version": 0}), "version", "out_of_range"),
        (json!({"expires_in": 0}), "expires_in", "out_of_range"),
        (
            json!({"expires_in": 2_592_001}),
            "expires_in",
            "out_of_range",
        ),
        (json!({"expires_in": "soon"}), "expires_in", "invalid_type"),
        (json!({"expires_in": 1.5}), "expires_in", "invalid_type"),
        (json!({"token": "mine"}), "token", "unknown_field"),
    ] {
        let res = app.post_json(&previews, &request).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [(field.to_owned(), code.to_owned())],
            "{request}"
        );
    }
    let list = body(app.get(&previews).await).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    // JSON Schema counts 600.0 as an integer, and so does the server.
    let whole = preview_of(&app, id, json!({"expires_in": 600.0, "version": 2.0})).await;
    assert_eq!(whole["version"], 2);
    let res = app
        .delete(&format!("{previews}/{}", whole["id"].as_str().unwrap()))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // A token that is not one, or one changed by a letter, is a 404 like any other.
    let token = pinned["token"].as_str().unwrap();
    let mut changed = token.to_owned();
    changed.pop();
    changed.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in [changed.as_str(), "byp_", "nothing", &"x".repeat(400)] {
        let res = open(&app, &format!("/api/v1/preview/{bad}")).await;
        assert_problem(res, 404, "not_found").await;
    }

    // Revoked: gone at once, and a second revoke is a 404.
    let revoke = format!("{previews}/{}", pinned["id"].as_str().unwrap());
    assert_eq!(app.delete(&revoke).await.status(), StatusCode::NO_CONTENT);
    assert_problem(
        open(&app, pinned["url"].as_str().unwrap()).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.delete(&revoke).await, 404, "not_found").await;
    assert_problem(app.get(&revoke).await, 404, "not_found").await;
    let audit = body(app.get("/api/v1/audit?action=preview.revoked").await).await;
    assert_eq!(
        audit["data"].as_array().unwrap().len(),
        2,
        "this one and the whole one"
    );

    // Expired: a link for a minute stops working after it.
    let short = preview_of(&app, id, json!({"expires_in": 60})).await;
    let url = short["url"].as_str().unwrap().to_owned();
    assert_eq!(open(&app, &url).await.status(), StatusCode::OK);
    app.clock.advance(Duration::from_secs(61));
    assert_problem(open(&app, &url).await, 404, "not_found").await;
    assert_eq!(body(app.get(&previews).await).await["data"], json!([]));

    // Trashed: the story's links die with it and stay dead when it comes back.
    let live = preview_of(&app, id, json!({})).await;
    let url = live["url"].as_str().unwrap().to_owned();
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_problem(open(&app, &url).await, 404, "not_found").await;
    assert_problem(app.get(&previews).await, 404, "not_found").await;
    let res = app
        .post_json(&format!("/api/v1/trash/{id}/restore"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_problem(open(&app, &url).await, 404, "not_found").await;
    assert_eq!(body(app.get(&previews).await).await["data"], json!([]));
}

#[tokio::test]
async fn who_may_make_see_and_revoke_preview_links() {
    let app = spawn_app().await;
    let (_, writer) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    let (_, reader) = app.api_token("read").await;
    let (_, integrator) = app.api_token("write").await;

    let res = app
        .with(&writer)
        .post_json(
            "/api/v1/articles",
            &json!({"title": "Own draft", "body": "b"}),
        )
        .await;
    let own: Value = body(res).await;
    let previews = format!("/api/v1/articles/{}/previews", own["id"].as_str().unwrap());

    // The author makes, sees and revokes links to their own draft.
    let res = app.with(&writer).post_json(&previews, &json!({})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let link = body(res).await;
    assert_eq!(
        body(app.with(&writer).get(&previews).await).await["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Another author cannot tell the draft exists; nobody without credentials may ask.
    for res in [
        app.with(&other).post_json(&previews, &json!({})).await,
        app.with(&other).get(&previews).await,
    ] {
        assert_problem(res, 404, "not_found").await;
    }
    assert_problem(app.anon().get(&previews).await, 401, "unauthorized").await;
    assert_problem(
        app.anon().post_json(&previews, &json!({})).await,
        401,
        "unauthorized",
    )
    .await;
    // A read token sees the links but may not make one.
    assert_eq!(
        app.with(&reader).get(&previews).await.status(),
        StatusCode::OK
    );
    assert_problem(
        app.with(&reader).post_json(&previews, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    // Editors and write tokens may.
    for token in [&editor, &integrator] {
        let res = app.with(token).post_json(&previews, &json!({})).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let revoke = format!("{previews}/{}", link["id"].as_str().unwrap());
    assert_problem(app.with(&other).delete(&revoke).await, 404, "not_found").await;
    assert_eq!(
        app.with(&writer).delete(&revoke).await.status(),
        StatusCode::NO_CONTENT
    );

    // Published, the story is the editors' now: the author may see its links and revoke
    // them, not make new ones; another author may read the story but not its links.
    app.publish(own["id"].as_str().unwrap(), None).await;
    assert_problem(
        app.with(&writer).post_json(&previews, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    let list = body(app.with(&writer).get(&previews).await).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    assert_problem(app.with(&other).get(&previews).await, 403, "forbidden").await;
    let revoke = format!("{previews}/{}", list["data"][0]["id"].as_str().unwrap());
    assert_problem(app.with(&other).delete(&revoke).await, 403, "forbidden").await;
    assert_eq!(
        app.with(&writer).delete(&revoke).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_story_holds_at_most_fifty_working_links_even_when_asked_at_once() {
    let app = spawn_app().await;
    let draft = app
        .create_article(json!({"title": "Busy", "body": "b"}))
        .await;
    let previews = format!(
        "/api/v1/articles/{}/previews",
        draft["id"].as_str().unwrap()
    );
    let request = json!({"expires_in": 600});
    let answers = join_all((0..60).map(|_| app.post_json(&previews, &request))).await;
    let made = answers
        .iter()
        .filter(|r| r.status() == StatusCode::CREATED)
        .count();
    let refused = answers
        .iter()
        .filter(|r| r.status() == StatusCode::CONFLICT)
        .count();
    assert_eq!((made, refused), (50, 10));
    for res in answers
        .into_iter()
        .filter(|r| r.status() == StatusCode::CONFLICT)
        .take(1)
    {
        assert_problem(res, 409, "too_many_previews").await;
    }
    assert_eq!(
        body(app.get(&previews).await).await["data"]
            .as_array()
            .unwrap()
            .len(),
        50
    );
}

#[tokio::test]
async fn a_configured_preview_page_makes_the_links_url() {
    let app = spawn_app_with(|s| {
        s.preview_url = Some("https://news.example.com/preview/{token}?draft=1".to_owned());
    })
    .await;
    let draft = app
        .create_article(json!({"title": "Framed", "body": "b"}))
        .await;
    let link = preview_of(&app, draft["id"].as_str().unwrap(), json!({})).await;
    let token = link["token"].as_str().unwrap();
    assert_eq!(
        link["url"],
        format!("https://news.example.com/preview/{token}?draft=1")
    );
    let shown = body(open(&app, &format!("/api/v1/preview/{token}")).await).await;
    assert_eq!(shown["title"], "Framed");
}

#[tokio::test]
async fn the_access_log_never_writes_a_links_token() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.path().join("out.log")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_byline"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/byline.db", dir.path().display()),
        )
        .env("BYLINE_BIND", format!("127.0.0.1:{port}"))
        .env("BYLINE_DATA_DIR", dir.path())
        .env("BYLINE_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("BYLINE_ADMIN_EMAIL", crate::helpers::ADMIN_EMAIL)
        .env("BYLINE_ADMIN_PASSWORD", crate::helpers::ADMIN_PASSWORD)
        .env("BYLINE_LOG", "info")
        .env_remove("BYLINE_LOG_FORMAT")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(format!("{base}/readyz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login =
        json!({"email": crate::helpers::ADMIN_EMAIL, "password": crate::helpers::ADMIN_PASSWORD});
    let pair: Value = body(
        client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&login)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let admin = pair["access_token"].as_str().unwrap();
    let draft: Value = body(
        client
            .post(format!("{base}/api/v1/articles"))
            .bearer_auth(admin)
            .json(&json!({"title": "Logged", "body": "b"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let link: Value = body(
        client
            .post(format!(
                "{base}/api/v1/articles/{}/previews",
                draft["id"].as_str().unwrap()
            ))
            .bearer_auth(admin)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = link["token"].as_str().unwrap();
    for suffix in ["", "?include=author"] {
        let res = client
            .get(format!("{base}/api/v1/preview/{token}{suffix}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The log is written off the request threads: wait for the last line.
    let path = dir.path().join("out.log");
    let mut written = String::new();
    for _ in 0..100 {
        written = std::fs::read_to_string(&path).unwrap();
        if written.contains("/healthz") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        written.contains("/api/v1/preview/…?include=author"),
        "{written}"
    );
    assert!(!written.contains(token), "{written}");
    assert!(!written.contains(&token[4..20]), "{written}");
}
