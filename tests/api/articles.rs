//! `/api/v1/articles`.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors, slugs, spawn_app};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn public_slugs(app: &TestApp, query: &str) -> Vec<String> {
    let res = app.anon().get(&format!("/api/v1/articles{query}")).await;
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    slugs(&res.json().await.unwrap())
}

#[tokio::test]
async fn create_makes_a_rendered_draft_with_a_readable_unique_slug() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/articles",
            &json!({"title": "Рынки растут", "body": "# Heading\n\nOne two three *four*."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(res.headers().contains_key("etag"));
    let a: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/articles/{}", id(&a)));
    assert_eq!(a["slug"], "rynki-rastut");
    assert_eq!(a["status"], "draft");
    assert_eq!(a["published_at"], Value::Null);
    assert_eq!(a["version"], 1);
    assert_eq!(a["word_count"], 5);
    assert_eq!(a["reading_time_minutes"], 1);
    assert!(
        a["body_html"]
            .as_str()
            .unwrap()
            .contains("<h1>Heading</h1>")
    );
    let again = app
        .create_article(json!({"title": "Рынки растут", "body": ""}))
        .await;
    assert_eq!(again["slug"], "rynki-rastut-2");
    let japanese = app
        .create_article(json!({"title": "東京の天気", "body": "x"}))
        .await;
    assert_eq!(japanese["slug"], "dong-jing-no-tian-qi");
}

#[tokio::test]
async fn hostile_markdown_is_sanitized_on_write() {
    let app = spawn_app().await;
    let body = "Hello <script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(2))\n\n<a href=\"JAVASCRIPT:alert(3)\" onclick=\"y()\">z</a>";
    let a = app
        .create_article(json!({"title": "Hostile", "body": body}))
        .await;
    let html = a["body_html"].as_str().unwrap().to_lowercase();
    for bad in ["<script", "onerror", "onclick", "javascript:"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert_eq!(a["body"], body, "the Markdown is kept as written");
}

#[tokio::test]
async fn fields_the_caller_may_not_set_are_422() {
    let app = spawn_app().await;
    for (body, field, code) in [
        (
            json!({"title": "T", "body": "b", "status": "published"}),
            "status",
            "unknown_field",
        ),
        (
            json!({"title": "T", "body": "b", "created_by": "x"}),
            "created_by",
            "unknown_field",
        ),
        (
            json!({"title": "T", "body": "b", "version": 9}),
            "version",
            "unknown_field",
        ),
        (json!({"title": "T"}), "body", "required"),
        (json!({"title": "", "body": "b"}), "title", "required"),
        (
            json!({"title": "x".repeat(301), "body": "b"}),
            "title",
            "too_long",
        ),
        (
            json!({"title": "T", "body": "b", "author_id": uuid::Uuid::now_v7().to_string()}),
            "author_id",
            "not_found",
        ),
        (
            json!({"title": "T", "body": "b", "category_id": uuid::Uuid::now_v7().to_string()}),
            "category_id",
            "not_found",
        ),
        (
            json!({"title": "T", "body": "b", "cover_image_url": "data:image/png,xx"}),
            "cover_image_url",
            "invalid_format",
        ),
    ] {
        let problem = assert_problem(
            app.post_json("/api/v1/articles", &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(
            field_errors(&problem)[0],
            (field.to_owned(), code.to_owned()),
            "{body}"
        );
    }
    let list: Value = app
        .get("/api/v1/articles?status=all")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"], json!([]), "nothing was written");
}

#[tokio::test]
async fn drafts_and_future_articles_are_invisible_to_the_public() {
    let app = spawn_app().await;
    let category = app.create_category(json!({"name": "Market"})).await;
    let author = app.create_author(json!({"name": "Writer"})).await;
    let refs = json!({"category_id": category["id"], "author_id": author["id"]});
    let mk = |title: &str| {
        let mut body = refs.clone();
        body["title"] = json!(title);
        body["body"] = json!("text");
        body
    };
    let draft = app.create_article(mk("Draft")).await;
    let future = app.create_article(mk("Future")).await;
    let archived = app.create_article(mk("Archived")).await;
    let live = app.create_article(mk("Live")).await;
    let soon = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let scheduled = app.publish(&id(&future), Some(&soon)).await;
    assert_eq!(scheduled["status"], "scheduled");
    app.post_json(
        &format!("/api/v1/articles/{}/archive", id(&archived)),
        &json!({}),
    )
    .await;
    app.publish(&id(&live), None).await;

    for hidden in [&draft, &future, &archived] {
        for key in [id(hidden), hidden["slug"].as_str().unwrap().to_owned()] {
            assert_problem(
                app.anon().get(&format!("/api/v1/articles/{key}")).await,
                404,
                "not_found",
            )
            .await;
        }
        assert_eq!(
            app.get(&format!("/api/v1/articles/{}", id(hidden)))
                .await
                .status(),
            StatusCode::OK
        );
    }
    for query in [
        "",
        "?category=market",
        "?author=writer",
        "?sort=title",
        "?sort=published_at",
        "?sort=-updated_at",
    ] {
        assert_eq!(public_slugs(&app, query).await, ["live"], "{query}");
    }
    let res = app.anon().get("/api/v1/articles?status=draft").await;
    assert_problem(res, 401, "unauthorized").await;
    let all: Value = app
        .get("/api/v1/articles?status=all&with_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["meta"]["total"], 4);
    let drafts: Value = app
        .get("/api/v1/articles?status=draft,archived")
        .await
        .json()
        .await
        .unwrap();
    let mut got = slugs(&drafts);
    got.sort();
    assert_eq!(got, ["archived", "draft"]);
}

#[tokio::test]
async fn a_scheduled_article_appears_when_its_time_comes() {
    let app = spawn_app().await;
    let a = app
        .create_article(json!({"title": "Embargoed", "body": "text"}))
        .await;
    let at = (chrono::Utc::now() + chrono::Duration::hours(6)).to_rfc3339();
    app.publish(&id(&a), Some(&at)).await;
    assert!(public_slugs(&app, "").await.is_empty());
    assert_eq!(
        app.anon().get("/api/v1/articles/embargoed").await.status(),
        StatusCode::NOT_FOUND
    );
    // Six hours pass on the server's clock, not in the test: the scheduler publishes it
    // on its next tick, and the cached list and 404 make way.
    app.clock.advance(Duration::from_secs(6 * 3600 + 1));
    for _ in 0..50 {
        let single = app.anon().get("/api/v1/articles/embargoed").await.status();
        if single == StatusCode::OK && public_slugs(&app, "").await == ["embargoed"] {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the story that came due never showed");
}

#[tokio::test]
async fn the_state_machine_refuses_moves_that_make_no_sense() {
    let app = spawn_app().await;
    let a = app
        .create_article(json!({"title": "Story", "body": "text"}))
        .await;
    let path = |action: &str| format!("/api/v1/articles/{}/{action}", id(&a));
    let act = |action: &'static str| {
        let app = &app;
        let p = path(action);
        async move { app.request(Method::POST, &p).send().await.unwrap() }
    };
    assert_problem(act("unpublish").await, 409, "invalid_transition").await;
    let res = act("publish").await;
    assert_eq!(res.status(), StatusCode::OK, "an empty body is accepted");
    assert_problem(act("publish").await, 409, "invalid_transition").await;
    assert_eq!(act("archive").await.status(), StatusCode::OK);
    assert_problem(act("archive").await, 409, "invalid_transition").await;
    assert_problem(act("unpublish").await, 409, "invalid_transition").await;
    let republished: Value = act("publish").await.json().await.unwrap();
    assert_eq!(republished["status"], "published");
    let drafted: Value = act("unpublish").await.json().await.unwrap();
    assert_eq!(drafted["status"], "draft");
    assert_eq!(drafted["published_at"], Value::Null);
    assert_eq!(drafted["version"], 5);
    let res = app
        .post_json(
            &path("publish"),
            &json!({"publish_at": "2019-02-08T09:30:00Z"}),
        )
        .await;
    let backdated: Value = res.json().await.unwrap();
    assert_eq!(backdated["status"], "published");
    assert_eq!(backdated["published_at"], "2019-02-08T09:30:00Z");
    let res = app
        .post_json(&path("archive"), &json!({"reason": "x"}))
        .await;
    assert_problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn etags_give_304_and_stale_if_match_gives_412_changing_nothing() {
    let app = spawn_app().await;
    let a = app
        .create_article(json!({"title": "Story", "body": "text"}))
        .await;
    app.publish(&id(&a), None).await;
    let res = app.anon().get("/api/v1/articles/story").await;
    assert_eq!(res.headers()["cache-control"], "public, max-age=60");
    assert!(
        res.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("Authorization")
    );
    assert!(res.headers().contains_key("last-modified"));
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"));
    let res = app
        .anon()
        .request(Method::GET, "/api/v1/articles/story")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert!(res.bytes().await.unwrap().is_empty());
    let private = app.get("/api/v1/articles/story").await;
    assert_eq!(private.headers()["cache-control"], "private, no-store");
    let current_tag = private.headers()["etag"].to_str().unwrap().to_owned();

    let path = format!("/api/v1/articles/{}", id(&a));
    let res = app
        .request(Method::PATCH, &path)
        .header("if-match", &current_tag)
        .json(&json!({"title": "Story, updated"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["version"], 3);
    // The old tag is stale now: a second editor's write is refused and nothing changes.
    let res = app
        .request(Method::PATCH, &path)
        .header("if-match", &current_tag)
        .json(&json!({"title": "Overwrite"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 412, "precondition_failed").await;
    assert_eq!(problem["current_version"], 3);
    let res = app
        .request(Method::DELETE, &path)
        .header("if-match", &current_tag)
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    let res = app
        .request(Method::POST, &format!("{path}/archive"))
        .header("if-match", &current_tag)
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    let stored: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(stored["title"], "Story, updated");
    assert_eq!(stored["status"], "published");
    assert_eq!(stored["version"], 3);
    let res = app
        .anon()
        .request(Method::GET, "/api/v1/articles/story")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "a new version is a new tag");
    let fresh = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .request(Method::DELETE, &path)
        .header("if-match", &fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn merge_patch_clears_and_keeps() {
    let app = spawn_app().await;
    let a = app
        .create_article(
            json!({"title": "T", "body": "one two", "subtitle": "Sub", "excerpt": "Ex"}),
        )
        .await;
    let path = format!("/api/v1/articles/{}", id(&a));
    let res = app
        .patch_json(&path, &json!({"subtitle": null, "body": "one two three"}))
        .await;
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["subtitle"], Value::Null);
    assert_eq!(b["excerpt"], "Ex");
    assert_eq!(b["word_count"], 3);
    assert_eq!(b["version"], 2);
    let same: Value = app
        .patch_json(&path, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(same["version"], 2, "an empty patch changes nothing");
    for body in [
        json!({"status": "published"}),
        json!({"published_at": "2020-01-01T00:00:00Z"}),
        json!({"title": null}),
    ] {
        assert_problem(app.patch_json(&path, &body).await, 422, "validation_failed").await;
    }
    let by_slug = app
        .patch_json("/api/v1/articles/t", &json!({"excerpt": "by slug"}))
        .await;
    assert_eq!(by_slug.status(), StatusCode::OK);
    assert_problem(
        app.patch_json("/api/v1/articles/Not_Valid", &json!({}))
            .await,
        400,
        "invalid_path",
    )
    .await;
    for bad in ["null", "abc", "\"unterminated", "W/abc"] {
        let res = app
            .request(Method::PATCH, &path)
            .header("if-match", bad)
            .json(&json!({"title": "x"}))
            .send()
            .await
            .unwrap();
        assert_problem(res, 412, "precondition_failed").await;
    }
    let res = app
        .request(Method::PATCH, &path)
        .header("if-match", "*")
        .json(&json!({"title": "Star"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "* matches any current version"
    );
    let res = app
        .request(Method::POST, &format!("{path}/publish"))
        .header("content-type", "application/json")
        .body("null")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "a null body is no body");
}

#[tokio::test]
async fn roles_on_articles() {
    let app = spawn_app().await;
    let profile = app.create_author(json!({"name": "Ann Author"})).await;
    let other_profile = app.create_author(json!({"name": "Other"})).await;
    let (author, author_token) = app.user_with_role("author").await;
    let res = app
        .patch_json(
            &format!("/api/v1/users/{}", id(&author)),
            &json!({"author_id": profile["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let author_token = {
        let email = author["email"].as_str().unwrap();
        let _ = author_token;
        app.login(email, "a long enough password").await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let me = app.with(&author_token);
    let (_, read) = app.api_token("read").await;
    let (_, write) = app.api_token("write").await;

    // Authors write their own drafts, under their own byline only.
    let res = me
        .post_json("/api/v1/articles", &json!({"title": "Mine", "body": "b"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let mine: Value = res.json().await.unwrap();
    assert_eq!(mine["author_id"], profile["id"]);
    let res = me
        .post_json(
            "/api/v1/articles",
            &json!({"title": "X", "body": "b", "author_id": other_profile["id"]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&problem)[0].1, "not_allowed");
    let mine_path = format!("/api/v1/articles/{}", id(&mine));
    assert_eq!(
        me.patch_json(&mine_path, &json!({"title": "Mine!"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        me.post_json(&format!("{mine_path}/publish"), &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;

    // Others' drafts do not exist for them; published ones exist but are not theirs to edit.
    let theirs = app
        .create_article(json!({"title": "Theirs", "body": "b"}))
        .await;
    let theirs_path = format!("/api/v1/articles/{}", id(&theirs));
    assert_problem(me.get(&theirs_path).await, 404, "not_found").await;
    assert_problem(
        me.patch_json(&theirs_path, &json!({"title": "x"})).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(me.delete(&theirs_path).await, 404, "not_found").await;
    app.publish(&id(&theirs), None).await;
    assert_problem(
        me.patch_json(&theirs_path, &json!({"title": "x"})).await,
        403,
        "forbidden",
    )
    .await;
    // Their own article, once published, is the editors' to change.
    app.publish(&id(&mine), None).await;
    assert_problem(
        me.patch_json(&mine_path, &json!({"title": "again"})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(me.delete(&mine_path).await, 403, "forbidden").await;
    let own_list: Value = me
        .get("/api/v1/articles?status=draft")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own_list["data"], json!([]));

    // Read tokens see drafts but change nothing; write tokens edit and publish.
    let draft = app
        .create_article(json!({"title": "Preview", "body": "b"}))
        .await;
    let draft_path = format!("/api/v1/articles/{}", id(&draft));
    assert_eq!(
        app.with(&read).get(&draft_path).await.status(),
        StatusCode::OK
    );
    let listed: Value = app
        .with(&read)
        .get("/api/v1/articles?status=draft")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(&listed), ["preview"]);
    assert_problem(
        app.with(&read)
            .patch_json(&draft_path, &json!({"title": "x"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.with(&read)
            .post_json("/api/v1/articles", &json!({"title": "x", "body": "b"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.with(&write)
            .patch_json(&draft_path, &json!({"title": "Preview 2"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.with(&write)
            .post_json(&format!("{draft_path}/publish"), &json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        app.anon()
            .post_json("/api/v1/articles", &json!({"title": "x", "body": "b"}))
            .await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(app.anon().delete(&draft_path).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn filters_sorts_include_and_fields() {
    let app = spawn_app().await;
    let world = app.create_category(json!({"name": "World"})).await;
    let europe = app
        .create_category(json!({"name": "Europe", "parent_id": world["id"]}))
        .await;
    let sport = app.create_category(json!({"name": "Sport"})).await;
    let ann = app
        .create_author(json!({"name": "Ann", "email": "ann@example.com"}))
        .await;
    let specs = [
        ("b-world", &world, "2020-01-01T00:00:00Z"),
        ("a-europe", &europe, "2020-01-02T00:00:00Z"),
        ("c-sport", &sport, "2020-01-03T00:00:00Z"),
    ];
    for (title, category, at) in specs {
        let a = app.create_article(json!({"title": title, "body": "words here", "category_id": category["id"], "author_id": ann["id"]})).await;
        app.publish(&id(&a), Some(at)).await;
    }
    let none = app
        .create_article(json!({"title": "d-wire", "body": "wire copy"}))
        .await;
    app.publish(&id(&none), Some("2020-01-04T00:00:00Z")).await;

    assert_eq!(
        public_slugs(&app, "").await,
        ["d-wire", "c-sport", "a-europe", "b-world"]
    );
    assert_eq!(
        public_slugs(&app, "?sort=published_at").await,
        ["b-world", "a-europe", "c-sport", "d-wire"]
    );
    assert_eq!(
        public_slugs(&app, "?sort=title").await,
        ["a-europe", "b-world", "c-sport", "d-wire"]
    );
    assert_eq!(
        public_slugs(&app, "?category=world").await,
        ["a-europe", "b-world"],
        "descendants included"
    );
    assert_eq!(
        public_slugs(&app, &format!("?category={}", id(&europe))).await,
        ["a-europe"]
    );
    assert_eq!(
        public_slugs(&app, "?author=ann").await,
        ["c-sport", "a-europe", "b-world"]
    );
    assert!(public_slugs(&app, "?author=nobody").await.is_empty());
    assert_eq!(
        public_slugs(
            &app,
            "?published_after=2020-01-02T00:00:00Z&published_before=2020-01-04T00:00:00Z"
        )
        .await,
        ["c-sport", "a-europe"],
        "after is inclusive, before exclusive"
    );

    let page: Value = app
        .anon()
        .get("/api/v1/articles?include=author,category&limit=4")
        .await
        .json()
        .await
        .unwrap();
    let items = page["data"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|a| a.get("body").is_none() && a.get("body_html").is_none())
    );
    assert_eq!(
        items[0]["author"],
        Value::Null,
        "a wire story has no author"
    );
    assert_eq!(items[1]["author"]["name"], "Ann");
    assert!(
        items[1]["author"].get("email").is_none(),
        "private to the public"
    );
    assert_eq!(items[1]["category"]["slug"], "sport");
    let staff: Value = app
        .get("/api/v1/articles?include=author")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["data"][1]["author"]["email"], "ann@example.com");

    let sparse: Value = app
        .anon()
        .get("/api/v1/articles?fields=title,body&include=category&limit=1")
        .await
        .json()
        .await
        .unwrap();
    let item = sparse["data"][0].as_object().unwrap();
    let keys: HashSet<&str> = item.keys().map(String::as_str).collect();
    assert_eq!(keys, HashSet::from(["id", "title", "body", "category"]));
    let single: Value = app
        .anon()
        .get("/api/v1/articles/c-sport?fields=slug")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(single.as_object().unwrap().len(), 2);

    for query in [
        "sort=relevance",
        "sort=email",
        "include=comments",
        "fields=secret",
        "fields=email",
        "status=live",
        "category=Not_Valid",
        "published_after=yesterday",
        "limit=0",
        "limit=101",
        "cursor=zzz",
        "foo=1",
    ] {
        let res = app.anon().get(&format!("/api/v1/articles?{query}")).await;
        assert_problem(res, 400, "invalid_query").await;
    }
}

#[tokio::test]
async fn cursor_paging_sees_every_article_once_while_others_are_published() {
    let app = spawn_app().await;
    let mut expected = Vec::new();
    for day in 1..=12 {
        let a = app
            .create_article(json!({"title": format!("Day {day:02}"), "body": "b"}))
            .await;
        app.publish(&id(&a), Some(&format!("2021-03-{day:02}T08:00:00Z")))
            .await;
        expected.push(a["slug"].as_str().unwrap().to_owned());
    }
    expected.reverse();
    let mut seen = Vec::new();
    let mut path = "/api/v1/articles?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let page: Value = app.anon().get(&path).await.json().await.unwrap();
        seen.extend(slugs(&page));
        pages += 1;
        // Newer stories published between pages land before the cursor and do not disturb it.
        let extra = app
            .create_article(json!({"title": format!("Breaking {pages}"), "body": "b"}))
            .await;
        app.publish(&id(&extra), None).await;
        match page["meta"]["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/articles?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert!(pages >= 4);
    assert_eq!(seen, expected, "every article once, in order");
}

#[tokio::test]
async fn list_with_include_costs_the_same_queries_at_any_page_size() {
    let app = spawn_app().await;
    let category = app.create_category(json!({"name": "Market"})).await;
    for i in 0..100 {
        let author = if i % 10 == 0 {
            Some(
                app.create_author(json!({"name": format!("Author {i}")}))
                    .await,
            )
        } else {
            None
        };
        let mut body =
            json!({"title": format!("Story {i}"), "body": "b", "category_id": category["id"]});
        if let Some(a) = author {
            body["author_id"] = a["id"].clone();
        }
        let a = app.create_article(body).await;
        app.publish(
            &id(&a),
            Some(&format!("2022-01-01T00:{:02}:{:02}Z", i / 60, i % 60)),
        )
        .await;
    }
    let queries = |res: &reqwest::Response| -> u64 {
        let timing = res.headers()["server-timing"].to_str().unwrap().to_owned();
        timing
            .split('"')
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let one = app
        .anon()
        .get("/api/v1/articles?include=author,category&limit=1")
        .await;
    let hundred = app
        .anon()
        .get("/api/v1/articles?include=author,category&limit=100")
        .await;
    let (q1, q100) = (queries(&one), queries(&hundred));
    let page: Value = hundred.json().await.unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 100);
    // One query for the page, one for its authors, one for its categories, however many
    // articles the page holds (a page whose articles have no author skips that query), and
    // for the public, after a change of content, one more: when the list next changes by
    // itself (a story coming due), which bounds how long the response cache keeps it.
    assert!(q100 <= 4, "{q100} queries for 100 articles");
    assert!(q1 <= q100, "{q1} queries for one article");
    let filtered = app
        .anon()
        .get("/api/v1/articles?include=author,category&limit=100&category=market&with_total=true")
        .await;
    assert!(queries(&filtered) <= 7);
}

#[tokio::test]
async fn empty_or_ragged_lists_in_the_query_are_400() {
    let app = spawn_app().await;
    for query in [
        "include=",
        "fields=title,,slug",
        "status=",
        "status=draft,",
        "include=author,",
    ] {
        let res = app.get(&format!("/api/v1/articles?{query}")).await;
        assert_problem(res, 400, "invalid_query").await;
    }
}

#[tokio::test]
async fn concurrent_edits_take_turns_and_none_is_lost() {
    let app = spawn_app().await;
    let a = app
        .create_article(json!({"title": "Contested", "body": "text"}))
        .await;
    let path = format!("/api/v1/articles/{}", id(&a));
    let tag = app.get(&path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();

    // Twelve editors read version 1 and save at once: one wins, the rest must re-read.
    let saves = (0..12).map(|i| {
        app.request(Method::PATCH, &path)
            .header("if-match", &tag)
            .json(&json!({"title": format!("Edit {i}")}))
            .send()
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(saves)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((won, refused), (1, 11), "{statuses:?}");

    // Twenty unconditional saves at once: each one is a version of its own.
    let saves = (0..20).map(|i| {
        app.request(Method::PATCH, &path)
            .header("if-match", "*")
            .json(&json!({"excerpt": format!("Excerpt {i}")}))
            .send()
    });
    for res in futures_util::future::join_all(saves).await {
        assert_eq!(res.unwrap().status(), StatusCode::OK);
    }
    let current: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(current["version"], 22);
}

// Stories with one title created at once each get a slug of their own and none is refused
// (they take turns under a lock of the stem on PostgreSQL, and an insert that finds its slug
// taken meanwhile tries the next one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stories_of_one_title_created_at_once_each_get_a_slug_of_their_own() {
    let app = spawn_app().await;
    let creates = (0..12).map(|_| {
        app.request(Method::POST, "/api/v1/articles")
            .json(&json!({"title": "Same words", "body": "text"}))
            .send()
    });
    let mut slugs = Vec::new();
    for res in futures_util::future::join_all(creates).await {
        let res = res.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        slugs.push(body["slug"].as_str().unwrap().to_owned());
    }
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), 12, "{slugs:?}");
    assert!(
        slugs.iter().all(|s| s.starts_with("same-words")),
        "{slugs:?}"
    );
}
