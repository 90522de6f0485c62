//! Review: an author hands a draft in, an editor returns it with a note or publishes it; the
//! author cannot change it meanwhile; every move is an event and a revision.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, changes_until, field_errors, spawn_app};

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

async fn status_of(app: &TestApp, id: &str) -> String {
    let article = body(app.get(&format!("/api/v1/articles/{id}")).await).await;
    article["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn submit_return_submit_publish() {
    let app = spawn_app().await;
    let (author, writer) = app.user_with_role("author").await;
    let (editor, desk) = app.user_with_role("editor").await;
    let res = app
        .with(&writer)
        .post_json(
            "/api/v1/articles",
            &json!({"title": "Harvest", "body": "Grain."}),
        )
        .await;
    let id = body(res).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/articles/{id}");

    // The author hands it in with a note for the desk.
    let note = format!("Ready, @{}", editor["email"].as_str().unwrap());
    let res = app
        .with(&writer)
        .post_json(&format!("{path}/submit"), &json!({"note": note}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let submitted = body(res).await;
    assert_eq!(submitted["status"], "in_review");
    assert_eq!(submitted["live"], false);

    // In review, the author may not change it, and the public does not see it.
    let res = app
        .with(&writer)
        .patch_json(&path, &json!({"title": "Harvest in"}))
        .await;
    let problem = assert_problem(res, 403, "forbidden").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("in review"),
        "{problem}"
    );
    assert_problem(app.anon().get(&path).await, 404, "not_found").await;
    let staff = body(app.get("/api/v1/articles?status=in_review").await).await;
    assert_eq!(staff["data"][0]["id"], id.as_str());
    // Only editors return it, with a note saying why.
    let back = json!({"note": "Needs a second source."});
    assert_problem(
        app.with(&writer)
            .post_json(&format!("{path}/return"), &back)
            .await,
        403,
        "forbidden",
    )
    .await;
    let res = app
        .with(&desk)
        .post_json(&format!("{path}/return"), &json!({}))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("note".to_owned(), "required".to_owned())]
    );
    let res = app
        .with(&desk)
        .post_json(&format!("{path}/return"), &back)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await["status"], "draft");
    assert_problem(
        app.with(&desk)
            .post_json(&format!("{path}/return"), &back)
            .await,
        409,
        "invalid_transition",
    )
    .await;

    // Back in the author's hands: they edit and hand it in again, with no note.
    let res = app
        .with(&writer)
        .patch_json(&path, &json!({"title": "Harvest in"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .with(&writer)
        .post_json(&format!("{path}/submit"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Handing it in twice: for the author it is out of their hands, for an editor no move.
    assert_problem(
        app.with(&writer)
            .post_json(&format!("{path}/submit"), &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.with(&desk)
            .post_json(&format!("{path}/submit"), &json!({}))
            .await,
        409,
        "invalid_transition",
    )
    .await;
    // Authors do not publish; editors publish from review.
    assert_problem(
        app.with(&writer)
            .post_json(&format!("{path}/publish"), &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
    let res = app
        .with(&desk)
        .post_json(&format!("{path}/publish"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(status_of(&app, &id).await, "published");
    assert_eq!(app.anon().get(&path).await.status(), StatusCode::OK);

    // Each move is an event, a revision and an audit entry; the notes are the thread.
    let types = "types=article.submitted,article.returned,article.published,note.created";
    let changes = changes_until(&app, types, 6).await;
    let kinds: Vec<&str> = changes["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "article.submitted",
            "note.created",
            "article.returned",
            "note.created",
            "article.submitted",
            "article.published"
        ]
    );
    assert_eq!(changes["data"][0]["actor"]["id"], author["id"]);
    assert_eq!(changes["data"][0]["data"], Value::Null, "not public yet");
    let thread = body(app.get(&format!("{path}/notes")).await).await;
    let texts: Vec<&str> = thread["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, [note.as_str(), "Needs a second source."]);
    assert_eq!(thread["data"][0]["mentions"][0]["id"], editor["id"]);
    let revisions = body(app.get(&format!("{path}/revisions")).await).await;
    let actions: Vec<&str> = revisions["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "published",
            "submitted",
            "updated",
            "returned",
            "submitted",
            "created"
        ]
    );
    let audit = body(
        app.get(&format!(
            "/api/v1/audit?action=article.returned&target_id={id}"
        ))
        .await,
    )
    .await;
    assert_eq!(audit["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn review_moves_follow_the_state_table() {
    let app = spawn_app().await;
    let draft = app
        .create_article(json!({"title": "Moves", "body": "b"}))
        .await;
    let id = draft["id"].as_str().unwrap();
    let path = format!("/api/v1/articles/{id}");
    let back = json!({"note": "No."});
    // Only a story in review may be returned; only a draft submitted.
    assert_problem(
        app.post_json(&format!("{path}/return"), &back).await,
        409,
        "invalid_transition",
    )
    .await;
    // Staff may submit for an author; a story in review may be archived, not unpublished.
    let res = app.post_json(&format!("{path}/submit"), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_problem(
        app.post_json(&format!("{path}/unpublish"), &json!({}))
            .await,
        409,
        "invalid_transition",
    )
    .await;
    let res = app.post_json(&format!("{path}/archive"), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_problem(
        app.post_json(&format!("{path}/submit"), &json!({})).await,
        409,
        "invalid_transition",
    )
    .await;
    // Scheduling from review works as from a draft.
    let other = app
        .create_article(json!({"title": "Later", "body": "b"}))
        .await;
    let other_path = format!("/api/v1/articles/{}", other["id"].as_str().unwrap());
    app.post_json(&format!("{other_path}/submit"), &json!({}))
        .await;
    let res = app
        .post_json(
            &format!("{other_path}/publish"),
            &json!({"publish_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(body(res).await["status"], "scheduled");
    // Bad bodies change nothing; a stale If-Match is a 412.
    let third = app
        .create_article(json!({"title": "Third", "body": "b"}))
        .await;
    let third_path = format!("/api/v1/articles/{}", third["id"].as_str().unwrap());
    for (request, field, code) in [
        (json!({"note": ""}), "note", "required"),
        (json!({"note": "x".repeat(10_001)}), "note", "too_long"),
        (json!({"reason": "x"}), "reason", "unknown_field"),
    ] {
        let res = app
            .post_json(&format!("{third_path}/submit"), &request)
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [(field.to_owned(), code.to_owned())]
        );
    }
    let res = app
        .request(reqwest::Method::POST, &format!("{third_path}/submit"))
        .header("if-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    assert_eq!(
        status_of(&app, third["id"].as_str().unwrap()).await,
        "draft"
    );
    let notes = body(app.get(&format!("{third_path}/notes")).await).await;
    assert_eq!(notes["data"], json!([]));
    // The public never sees a story in review, in lists or by search.
    app.post_json(&format!("{third_path}/submit"), &json!({}))
        .await;
    let public = body(app.anon().get("/api/v1/articles?q=third").await).await;
    assert_eq!(public["data"], json!([]));
    assert_problem(
        app.anon().get("/api/v1/articles?status=in_review").await,
        401,
        "unauthorized",
    )
    .await;
}
