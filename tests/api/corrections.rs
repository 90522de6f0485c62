//! Corrections: public, dated entries on a published story, in every read of it, its feed
//! item and the corrections page; never on a draft, never by an author.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::feeds::site;
use crate::helpers::{assert_problem, changes_until, field_errors, spawn_app, spawn_app_with};

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

#[tokio::test]
async fn corrections_are_appended_shown_everywhere_and_listed() {
    let app = spawn_app_with(|s| s.site = Some(site())).await;
    let story = app
        .create_article(json!({"title": "Trade pact signed", "body": "Signed in 2019."}))
        .await;
    let id = story["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/articles/{id}");
    let published = app.publish(&id, None).await;
    assert_eq!(published["corrections"], json!([]));
    // Read once, so that the response cache holds the story, the list and the feed.
    let before = body(app.anon().get(&path).await).await;
    assert_eq!(before["corrections"], json!([]));
    let listed = body(app.anon().get("/api/v1/articles").await).await;
    assert_eq!(listed["data"][0]["corrections"], json!([]));
    let feed = app
        .anon()
        .get("/feeds/articles.atom")
        .await
        .text()
        .await
        .unwrap();
    assert!(!feed.contains("corrections"), "{feed}");

    app.clock.advance(std::time::Duration::from_secs(5));
    let res = app
        .post_json(
            &format!("{path}/corrections"),
            &json!({"kind": "correction", "text": "It was signed in 2018, not 2019."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let tag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(
        tag,
        format!("\"{id}.v{}\"", published["version"].as_i64().unwrap() + 1)
    );
    let first = body(res).await;
    assert_eq!(first["kind"], "correction");
    app.clock.advance(std::time::Duration::from_secs(5));
    let second = body(
        app.post_json(
            &format!("{path}/corrections"),
            &json!({"kind": "update", "text": "The parliament ratified it on Friday."}),
        )
        .await,
    )
    .await;

    // The public read carries both, oldest first, and the story moved on.
    let public = body(app.anon().get(&path).await).await;
    let texts: Vec<&str> = public["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "It was signed in 2018, not 2019.",
            "The parliament ratified it on Friday."
        ]
    );
    assert_eq!(public["corrections"][1]["id"], second["id"]);
    assert_eq!(
        public["version"],
        published["version"].as_i64().unwrap() + 2
    );
    assert!(public["updated_at"].as_str() > published["updated_at"].as_str());
    // Lists, and only the corrections field when asked for.
    let listed = body(app.anon().get("/api/v1/articles").await).await;
    assert_eq!(listed["data"][0]["corrections"][0]["id"], first["id"]);
    let fields = body(app.anon().get(&format!("{path}?fields=corrections")).await).await;
    assert_eq!(fields["corrections"].as_array().unwrap().len(), 2);

    // The corrections page: newest first, with the story.
    let res = app.anon().get("/api/v1/corrections?with_total=true").await;
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let page = body(res).await;
    assert_eq!(page["meta"]["total"], 2);
    assert_eq!(page["data"][0]["id"], second["id"]);
    assert_eq!(page["data"][1]["id"], first["id"]);
    assert_eq!(page["data"][0]["article"]["slug"], published["slug"]);
    let one = body(app.anon().get("/api/v1/corrections?limit=1").await).await;
    let cursor = one["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let rest = body(
        app.anon()
            .get(&format!("/api/v1/corrections?limit=1&cursor={cursor}"))
            .await,
    )
    .await;
    assert_eq!(rest["data"][0]["id"], first["id"]);
    assert_eq!(rest["meta"]["next_cursor"], Value::Null);

    // The feed item shows them, and its updated moved.
    let feed = app
        .anon()
        .get("/feeds/articles.atom")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        feed.contains("class=&quot;corrections&quot;") || feed.contains("class=\"corrections\""),
        "{feed}"
    );
    assert!(feed.contains("ratified it on Friday"), "{feed}");

    // An event says so, with the story as the public sees it.
    let events = changes_until(&app, "types=article.corrected", 2).await;
    assert_eq!(
        events["data"][1]["data"]["corrections"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Restoring an earlier revision keeps them: they are never taken back.
    let restore = format!("{path}/revisions/1/restore");
    assert_eq!(
        app.post_json(&restore, &json!({})).await.status(),
        StatusCode::OK
    );
    let after = body(app.get(&path).await).await;
    assert_eq!(after["corrections"].as_array().unwrap().len(), 2);

    // A story the public cannot see leaves the corrections page.
    let res = app
        .post_json(&format!("{path}/unpublish"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = body(app.anon().get("/api/v1/corrections").await).await;
    assert_eq!(page["data"], json!([]));
}

#[tokio::test]
async fn bad_corrections_change_nothing() {
    let app = spawn_app().await;
    let (_, writer) = app.user_with_role("author").await;
    let (_, desk) = app.user_with_role("editor").await;
    let res = app
        .with(&writer)
        .post_json("/api/v1/articles", &json!({"title": "Mine", "body": "b"}))
        .await;
    let draft = body(res).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/articles/{id}/corrections");
    let good = json!({"kind": "clarification", "text": "Clearer now."});

    // A draft is edited, not corrected: so it stays while someone holds its lock, since
    // waiting for the lock would not help.
    let problem = assert_problem(app.post_json(&path, &good).await, 409, "not_published").await;
    assert!(problem["detail"].as_str().unwrap().contains("draft"));
    let lock = format!("/api/v1/articles/{id}/lock");
    let res = app.with(&desk).post_json(&lock, &json!(null)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_problem(app.post_json(&path, &good).await, 409, "not_published").await;
    let res = app.with(&desk).delete(&lock).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    app.publish(&id, None).await;
    // Authors and read tokens may not; nobody without credentials.
    assert_problem(
        app.with(&writer).post_json(&path, &good).await,
        403,
        "forbidden",
    )
    .await;
    let (_, read_token) = app.api_token("read").await;
    assert_problem(
        app.with(&read_token).post_json(&path, &good).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.anon().post_json(&path, &good).await,
        401,
        "unauthorized",
    )
    .await;
    let missing = format!("/api/v1/articles/{}/corrections", uuid::Uuid::now_v7());
    assert_problem(app.post_json(&missing, &good).await, 404, "not_found").await;

    for (bad, fields) in [
        (json!({"kind": "erratum", "text": "x"}), vec!["kind"]),
        (json!({"kind": "correction", "text": "  \n "}), vec!["text"]),
        (json!({"kind": "nope", "text": ""}), vec!["kind", "text"]),
        (
            json!({"kind": "correction", "text": "a".repeat(10_001)}),
            vec!["text"],
        ),
        (
            json!({"kind": "correction", "text": "bell\u{7}"}),
            vec!["text"],
        ),
    ] {
        let problem =
            assert_problem(app.post_json(&path, &bad).await, 422, "validation_failed").await;
        let named: Vec<String> = field_errors(&problem).into_iter().map(|(f, _)| f).collect();
        assert_eq!(named, fields, "{bad}");
    }
    let res = app
        .post_json(
            &path,
            &json!({"kind": "correction", "text": "x", "by": "me"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // If-Match and the edit lock both hold.
    let res = app
        .request(reqwest::Method::POST, &path)
        .header("if-match", format!("\"{id}.v1\""))
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    assert_eq!(
        app.with(&desk)
            .post_json(&lock, &json!(null))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(app.post_json(&path, &good).await, 423, "locked").await;
    assert_eq!(
        app.with(&desk).post_json(&path, &good).await.status(),
        StatusCode::CREATED
    );

    let read = body(app.anon().get(&format!("/api/v1/articles/{id}")).await).await;
    assert_eq!(read["corrections"].as_array().unwrap().len(), 1);
    assert_eq!(read["corrections"][0]["text"], "Clearer now.");
    for bad in ["limit=0", "cursor=nonsense"] {
        let res = app.anon().get(&format!("/api/v1/corrections?{bad}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}
