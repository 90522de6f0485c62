//! `/api/v1/authors`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, field_errors, spawn_app};

#[tokio::test]
async fn authors_crud_with_private_email() {
    let app = spawn_app().await;
    let created = app
        .create_author(json!({"name": "María López", "email": "maria@example.com", "website": "https://example.com", "bio": "Markets."}))
        .await;
    assert_eq!(created["slug"], "maria-lopez");
    assert_eq!(created["email"], "maria@example.com");
    let public: Value = app
        .anon()
        .get("/api/v1/authors/maria-lopez")
        .await
        .json()
        .await
        .unwrap();
    assert!(public.get("email").is_none(), "{public}");
    let list: Value = app
        .anon()
        .get("/api/v1/authors")
        .await
        .json()
        .await
        .unwrap();
    assert!(!list.to_string().contains("maria@example.com"));
    let (_, author_token) = app.user_with_role("author").await;
    let as_author: Value = app
        .with(&author_token)
        .get("/api/v1/authors/maria-lopez")
        .await
        .json()
        .await
        .unwrap();
    assert!(as_author.get("email").is_none());
    let (_, editor_token) = app.user_with_role("editor").await;
    let as_editor: Value = app
        .with(&editor_token)
        .get("/api/v1/authors/maria-lopez")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(as_editor["email"], "maria@example.com");

    let path = format!("/api/v1/authors/{}", created["id"].as_str().unwrap());
    let res = app
        .patch_json(&path, &json!({"bio": null, "name": "María L. López"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["bio"], Value::Null);
    assert_eq!(changed["slug"], "maria-lopez");
    for (body, field) in [
        (json!({"website": "ftp://x"}), "website"),
        (json!({"avatar_url": "javascript:alert(1)"}), "avatar_url"),
        (json!({"email": "nope"}), "email"),
        (json!({"name": null}), "name"),
    ] {
        let problem =
            assert_problem(app.patch_json(&path, &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].0, field, "{body}");
    }
    assert_problem(
        app.with(&author_token)
            .post_json("/api/v1/authors", &json!({"name": "X"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.anon()
            .post_json("/api/v1/authors", &json!({"name": "X"}))
            .await,
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path).await, 404, "not_found").await;
}

#[tokio::test]
async fn author_search_and_sorting_ignore_case_and_accents() {
    let app = spawn_app().await;
    for name in ["Zoë Adams", "émile Zola", "Anna Berg", "Ólafur Arnalds"] {
        app.create_author(json!({"name": name})).await;
    }
    let names = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_name: Value = app.get("/api/v1/authors").await.json().await.unwrap();
    assert_eq!(
        names(&by_name),
        ["Anna Berg", "émile Zola", "Ólafur Arnalds", "Zoë Adams"]
    );
    let newest: Value = app
        .get("/api/v1/authors?sort=-created_at")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        names(&newest),
        ["Ólafur Arnalds", "Anna Berg", "émile Zola", "Zoë Adams"]
    );
    let found: Value = app.get("/api/v1/authors?q=ZOE").await.json().await.unwrap();
    assert_eq!(names(&found), ["Zoë Adams"]);
    let found: Value = app
        .get("/api/v1/authors?q=emile")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&found), ["émile Zola"]);
    let found: Value = app.get("/api/v1/authors?q=%25").await.json().await.unwrap();
    assert_eq!(
        names(&found),
        Vec::<String>::new(),
        "% is matched literally"
    );

    let mut seen = Vec::new();
    let mut path = "/api/v1/authors?limit=1".to_owned();
    loop {
        let page: Value = app.get(&path).await.json().await.unwrap();
        seen.extend(names(&page));
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/authors?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, names(&by_name));
    assert_problem(
        app.get("/api/v1/authors?sort=name&cursor=garbage").await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/api/v1/authors?sort=email").await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn deleting_an_author_with_articles_needs_a_reassignment() {
    let app = spawn_app().await;
    let old = app.create_author(json!({"name": "Old Hand"})).await;
    let new = app.create_author(json!({"name": "New Hand"})).await;
    let old_id = old["id"].as_str().unwrap();
    let article = app
        .create_article(json!({"title": "Story", "body": "Text.", "author_id": old_id}))
        .await;
    let path = format!("/api/v1/authors/{old_id}");
    assert_problem(app.delete(&path).await, 409, "author_in_use").await;
    assert_problem(
        app.delete(&format!("{path}?reassign_to={old_id}")).await,
        400,
        "invalid_query",
    )
    .await;
    let nobody = uuid::Uuid::now_v7();
    assert_problem(
        app.delete(&format!("{path}?reassign_to={nobody}")).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.delete(&format!("{path}?reassign_to=not-an-id")).await,
        400,
        "invalid_query",
    )
    .await;
    let stored: Value = app
        .get(&format!(
            "/api/v1/articles/{}",
            article["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["author_id"], old["id"], "nothing moved");

    let res = app
        .delete(&format!(
            "{path}?reassign_to={}",
            new["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let moved: Value = app
        .get(&format!(
            "/api/v1/articles/{}",
            article["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["author_id"], new["id"]);
    assert_eq!(moved["version"], 2);
    assert_problem(app.get(&path).await, 404, "not_found").await;
}

/// The document's patterns use ECMAScript's `\s`, which does not count U+0085 as white space:
/// text made of it fits the schema, so it must be accepted, while U+3000 is white space.
#[tokio::test]
async fn white_space_is_what_the_document_says_it_is() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/authors",
            &json!({"name": "\u{85}", "email": "\u{85}@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .post_json("/api/v1/authors", &json!({"name": "\u{3000}"}))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("name".to_owned(), "required".to_owned())]
    );
}
