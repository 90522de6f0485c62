//! Assignments: editors assign a story to a staff user, an author takes an unassigned story
//! of their own, and staff lists filter by assignee; the public never sees any of it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, field_errors, spawn_app};

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn editors_assign_authors_take_and_lists_filter() {
    let app = spawn_app().await;
    let (reporter, writer) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let (editor, desk) = app.user_with_role("editor").await;
    let res = app
        .with(&writer)
        .post_json("/api/v1/articles", &json!({"title": "Mine", "body": "b"}))
        .await;
    let mine = body(res).await;
    assert_eq!(mine["assignee_id"], Value::Null, "staff reads carry it");
    let mine_id = mine["id"].as_str().unwrap().to_owned();
    let mine_path = format!("/api/v1/articles/{mine_id}");
    let theirs = app
        .create_article(json!({"title": "Desk story", "body": "b"}))
        .await;
    let theirs_id = theirs["id"].as_str().unwrap().to_owned();
    let theirs_path = format!("/api/v1/articles/{theirs_id}");

    // The author takes their unassigned draft, and gives it up again.
    let me = json!({"assignee_id": reporter["id"]});
    let res = app.with(&writer).patch_json(&mine_path, &me).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await["assignee_id"], reporter["id"]);
    let res = app
        .with(&writer)
        .patch_json(&mine_path, &json!({"assignee_id": null}))
        .await;
    assert_eq!(body(res).await["assignee_id"], Value::Null);
    // An author may not hand their story to someone else.
    let to_editor = json!({"assignee_id": editor["id"]});
    assert_problem(
        app.with(&writer).patch_json(&mine_path, &to_editor).await,
        403,
        "forbidden",
    )
    .await;

    // Editors assign anyone, and take it away; an author cannot take it back from them.
    let res = app.with(&desk).patch_json(&mine_path, &to_editor).await;
    assert_eq!(body(res).await["assignee_id"], editor["id"]);
    assert_problem(
        app.with(&writer).patch_json(&mine_path, &me).await,
        403,
        "forbidden",
    )
    .await;
    let res = app
        .with(&desk)
        .patch_json(&theirs_path, &json!({"assignee_id": reporter["id"]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Lists by assignee: mine, someone's, nobody's.
    let list = |q: &str, token: &str| {
        let path = format!("/api/v1/articles?status=all&{q}");
        let token = token.to_owned();
        let app = &app;
        async move { body(app.with(&token).get(&path).await).await }
    };
    assert_eq!(ids(&list("assignee=me", &desk).await), [mine_id.as_str()]);
    assert_eq!(
        ids(&list(
            &format!("assignee={}", reporter["id"].as_str().unwrap()),
            &desk
        )
        .await),
        [theirs_id.as_str()]
    );
    assert_eq!(
        ids(&list("assignee=me", &writer).await),
        Vec::<String>::new(),
        "their own stories only"
    );
    let unassigned = app
        .create_article(json!({"title": "Nobody's", "body": "b"}))
        .await;
    assert_eq!(
        ids(&list("assignee=none", &desk).await),
        [unassigned["id"].as_str().unwrap().to_owned()]
    );
    assert_eq!(
        ids(&list("assignee=none", &other).await),
        Vec::<String>::new()
    );

    // The public sees no assignee, on reads, lists or events.
    app.publish(&mine_id, None).await;
    let public = body(app.anon().get(&mine_path).await).await;
    assert_eq!(public.get("assignee_id"), None, "{public}");
    let listed = body(app.anon().get("/api/v1/articles").await).await;
    assert_eq!(listed["data"][0].get("assignee_id"), None);
    assert_problem(
        app.anon().get("/api/v1/articles?assignee=none").await,
        401,
        "unauthorized",
    )
    .await;
    let staff = body(app.with(&desk).get(&mine_path).await).await;
    assert_eq!(staff["assignee_id"], editor["id"]);
    // A deleted user's stories are nobody's.
    let gone = format!("/api/v1/users/{}", editor["id"].as_str().unwrap());
    assert_eq!(app.delete(&gone).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        body(app.get(&mine_path).await).await["assignee_id"],
        Value::Null
    );
    let revisions = body(app.get(&format!("{mine_path}/revisions")).await).await;
    assert!(
        revisions["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["changed_fields"] == json!(["assignee_id"])),
        "{revisions}"
    );
}

#[tokio::test]
async fn bad_assignments_change_nothing() {
    let app = spawn_app().await;
    let story = app.create_article(json!({"title": "T", "body": "b"})).await;
    let path = format!("/api/v1/articles/{}", story["id"].as_str().unwrap());
    for (value, code) in [
        (json!(uuid::Uuid::now_v7().to_string()), "not_found"),
        (json!("not-an-id"), "invalid_format"),
        (json!(7), "invalid_type"),
    ] {
        let res = app
            .request(reqwest::Method::PATCH, &path)
            .header("content-type", "application/merge-patch+json")
            .json(&json!({"assignee_id": value}))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [("assignee_id".to_owned(), code.to_owned())],
            "{value}"
        );
    }
    let read = body(app.get(&path).await).await;
    assert_eq!(
        (read["version"].as_i64(), &read["assignee_id"]),
        (Some(1), &Value::Null)
    );
    for bad in ["someone", "ME", "none,me"] {
        let res = app.get(&format!("/api/v1/articles?assignee={bad}")).await;
        assert_problem(res, 400, "invalid_query").await;
    }
    let (_, token) = app.api_token("read").await;
    let res = app.with(&token).get("/api/v1/articles?assignee=me").await;
    assert_problem(res, 400, "invalid_query").await;
}

#[tokio::test]
async fn an_author_never_takes_a_story_an_editor_assigned_at_the_same_moment() {
    let app = spawn_app().await;
    let (reporter, writer) = app.user_with_role("author").await;
    let (editor, desk) = app.user_with_role("editor").await;
    for round in 0..10 {
        let res = app
            .with(&writer)
            .post_json(
                "/api/v1/articles",
                &json!({"title": format!("Race {round}"), "body": "b"}),
            )
            .await;
        let path = format!(
            "/api/v1/articles/{}",
            body(res).await["id"].as_str().unwrap()
        );
        let take = json!({"assignee_id": reporter["id"]});
        let assign = json!({"assignee_id": editor["id"]});
        let writer_patch = app.with(&writer);
        let desk_patch = app.with(&desk);
        let (taken, assigned) = tokio::join!(
            writer_patch.patch_json(&path, &take),
            desk_patch.patch_json(&path, &assign)
        );
        assert_eq!(assigned.status(), StatusCode::OK);
        let now = body(app.get(&path).await).await;
        // The author's take succeeds only if it came first; then the editor's follows it.
        // Either way the editor's assignment stands.
        assert!(
            matches!(taken.status().as_u16(), 200 | 403),
            "{}",
            taken.status()
        );
        assert_eq!(now["assignee_id"], editor["id"], "round {round}");
    }
}

#[tokio::test]
async fn a_story_can_be_assigned_as_it_is_created() {
    let app = spawn_app().await;
    let (reporter, writer) = app.user_with_role("author").await;
    let (editor, desk) = app.user_with_role("editor").await;
    let story =
        |assignee: &Value| json!({"title": "Assigned", "body": "b", "assignee_id": assignee});

    // Editors assign anyone; authors only themselves.
    let res = app
        .with(&desk)
        .post_json("/api/v1/articles", &story(&reporter["id"]))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(body(res).await["assignee_id"], reporter["id"]);
    let res = app
        .with(&writer)
        .post_json("/api/v1/articles", &story(&reporter["id"]))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let mine = body(res).await;
    assert_eq!(mine["assignee_id"], reporter["id"]);
    let listed = body(
        app.with(&writer)
            .get("/api/v1/articles?status=all&assignee=me")
            .await,
    )
    .await;
    assert_eq!(ids(&listed), [mine["id"].as_str().unwrap().to_owned()]);

    // Refused, and nothing made: an author naming someone else, a user who does not exist,
    // an id that is not one.
    let before = body(app.get("/api/v1/articles?status=all&with_total=true").await).await;
    assert_problem(
        app.with(&writer)
            .post_json("/api/v1/articles", &story(&editor["id"]))
            .await,
        403,
        "forbidden",
    )
    .await;
    for (value, code) in [
        (json!(uuid::Uuid::now_v7().to_string()), "not_found"),
        (json!("not-an-id"), "invalid_format"),
    ] {
        let problem = assert_problem(
            app.with(&desk)
                .post_json("/api/v1/articles", &story(&value))
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(
            field_errors(&problem),
            [("assignee_id".to_owned(), code.to_owned())],
            "{value}"
        );
    }
    let after = body(app.get("/api/v1/articles?status=all&with_total=true").await).await;
    assert_eq!(after["meta"]["total"], before["meta"]["total"]);
}
