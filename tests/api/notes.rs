//! Internal notes: staff's comments on a story with mentions, never shown to the public;
//! who may read, add and delete them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, changes_until, field_errors, spawn_app};

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

#[tokio::test]
async fn notes_carry_mentions_to_the_feed_and_never_reach_the_public() {
    let app = spawn_app().await;
    let (editor, _) = app.user_with_role("editor").await;
    let email = editor["email"].as_str().unwrap();
    let story = app
        .create_article(json!({"title": "Grain exports", "body": "Wheat left the port."}))
        .await;
    let id = story["id"].as_str().unwrap();
    let notes = format!("/api/v1/articles/{id}/notes");

    let text = format!(
        "(@{}) please check the tonnage; cc @nobody@example.com and @{email}.\nquokkaword",
        email.to_uppercase()
    );
    let res = app.post_json(&notes, &json!({"text": text})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let note = body(res).await;
    assert_eq!(note["text"], text, "kept as written");
    assert_eq!(note["article_id"], id);
    assert_eq!(note["author"]["type"], "user");
    assert!(note["author"]["name"].is_string());
    assert_eq!(
        note["mentions"],
        json!([{"id": editor["id"], "email": email}]),
        "each existing user once"
    );

    let list = body(app.get(&format!("{notes}?with_total=true")).await).await;
    assert_eq!(list["meta"]["total"], 1);
    assert_eq!(list["data"][0]["id"], note["id"]);

    // The event carries the mentions, for a webhook to notify them.
    let changes = changes_until(&app, "types=note.*", 1).await;
    let events = changes["data"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{changes}");
    assert_eq!(events[0]["type"], "note.created");
    assert_eq!(events[0]["data"]["mentions"][0]["email"], email);

    // Published, the story shows no note anywhere the public looks.
    app.publish(id, None).await;
    for path in [
        format!("/api/v1/articles/{id}"),
        "/api/v1/articles?include=author,category,tags".to_owned(),
        "/api/v1/articles?q=quokkaword".to_owned(),
    ] {
        let res = app.anon().get(&path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let text = res.text().await.unwrap();
        assert!(
            !text.contains("quokkaword") && !text.contains("tonnage"),
            "{path}: {text}"
        );
    }
    let found = body(app.anon().get("/api/v1/articles?q=quokkaword").await).await;
    assert_eq!(found["data"], json!([]));
    assert_problem(app.anon().get(&notes).await, 401, "unauthorized").await;
    let res = app.anon().get(&format!("{notes}?cursor=0000")).await;
    assert_problem(res, 401, "unauthorized").await;

    // Deleted: gone from the list, and an event says so.
    let one = format!("{notes}/{}", note["id"].as_str().unwrap());
    assert_eq!(app.delete(&one).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.delete(&one).await, 404, "not_found").await;
    assert_eq!(body(app.get(&notes).await).await["data"], json!([]));
    let changes = changes_until(&app, "types=note.deleted", 1).await;
    assert_eq!(changes["data"].as_array().unwrap().len(), 1);
    let audit = body(app.get("/api/v1/audit?action=note.created").await).await;
    assert_eq!(audit["data"][0]["details"]["mentions"][0], editor["id"]);
}

#[tokio::test]
async fn bad_notes_change_nothing() {
    let app = spawn_app().await;
    let story = app.create_article(json!({"title": "T", "body": "b"})).await;
    let notes = format!("/api/v1/articles/{}/notes", story["id"].as_str().unwrap());
    for (request, field, code) in [
        (json!({"text": ""}), "text", "required"),
        (json!({"text": "  \n "}), "text", "required"),
        (json!({"text": "\u{feff}\u{2003}"}), "text", "required"),
        (json!({"text": "x".repeat(10_001)}), "text", "too_long"),
        (json!({"text": "bell \u{7}"}), "text", "invalid_characters"),
        (json!({"text": 5}), "text", "invalid_type"),
        (
            json!({"text": "ok", "pinned": true}),
            "pinned",
            "unknown_field",
        ),
        (json!({}), "text", "required"),
    ] {
        let res = app.post_json(&notes, &request).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [(field.to_owned(), code.to_owned())],
            "{request}"
        );
    }
    assert_eq!(body(app.get(&notes).await).await["data"], json!([]));
    assert_problem(
        app.get("/api/v1/articles/no-such-story/notes").await,
        404,
        "not_found",
    )
    .await;
    let missing = format!("{notes}/{}", uuid::Uuid::now_v7());
    assert_problem(app.delete(&missing).await, 404, "not_found").await;
    assert_problem(
        app.delete(&format!("{notes}/nope")).await,
        400,
        "invalid_path",
    )
    .await;
}

#[tokio::test]
async fn who_may_read_add_and_delete_notes() {
    let app = spawn_app().await;
    let (_, writer) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    let (_, reader) = app.api_token("read").await;
    let (_, integrator) = app.api_token("write").await;
    let res = app
        .with(&writer)
        .post_json("/api/v1/articles", &json!({"title": "Mine", "body": "b"}))
        .await;
    let own = body(res).await;
    let id = own["id"].as_str().unwrap();
    let notes = format!("/api/v1/articles/{id}/notes");
    let say = json!({"text": "Ready for a look."});

    // The author, editors and write tokens add notes; a read token reads them only.
    let mine = body(app.with(&writer).post_json(&notes, &say).await).await;
    let editors = body(app.with(&editor).post_json(&notes, &say).await).await;
    let res = app.with(&integrator).post_json(&notes, &say).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(body(res).await["author"]["type"], "token");
    assert_problem(
        app.with(&reader).post_json(&notes, &say).await,
        403,
        "forbidden",
    )
    .await;
    let list = body(app.with(&reader).get(&notes).await).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 3);
    // Another author cannot tell the draft exists.
    assert_problem(app.with(&other).get(&notes).await, 404, "not_found").await;
    assert_problem(
        app.with(&other).post_json(&notes, &say).await,
        404,
        "not_found",
    )
    .await;

    // An author deletes their own notes only; an editor any.
    let editors_note = format!("{notes}/{}", editors["id"].as_str().unwrap());
    assert_problem(
        app.with(&writer).delete(&editors_note).await,
        403,
        "forbidden",
    )
    .await;
    let own_note = format!("{notes}/{}", mine["id"].as_str().unwrap());
    assert_eq!(
        app.with(&writer).delete(&own_note).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.with(&editor).delete(&editors_note).await.status(),
        StatusCode::NO_CONTENT
    );

    // Published and out of the author's hands, the story still takes their notes; another
    // author who may read it may not read its notes.
    app.publish(id, None).await;
    let res = app.with(&writer).post_json(&notes, &say).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_problem(app.with(&other).get(&notes).await, 403, "forbidden").await;
    assert_problem(
        app.with(&other).post_json(&notes, &say).await,
        403,
        "forbidden",
    )
    .await;
}
