//! `/api/v1/categories`.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, field_errors, spawn_app};

#[tokio::test]
async fn create_answers_201_with_location_and_the_category() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/categories",
            &json!({"name": "Market", "description": "Stocks."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/categories/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["slug"], "market");
    assert_eq!(created["name"], "Market");
    assert_eq!(created["description"], "Stocks.");
    assert_eq!(created["parent_id"], Value::Null);
    let id = uuid::Uuid::parse_str(created["id"].as_str().unwrap()).unwrap();
    assert_eq!(id.get_version_num(), 7);
    let created_at = created["created_at"].as_str().unwrap();
    assert!(created_at.ends_with('Z'), "{created_at}");
    assert!(chrono::DateTime::parse_from_rfc3339(created_at).is_ok());

    let by_location: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(by_location, created);
    let by_slug: Value = app
        .get("/api/v1/categories/market")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_slug, created);
}

#[tokio::test]
async fn slugs_are_transliterated_from_names_in_many_scripts() {
    let app = spawn_app().await;
    let cases = [
        ("Новости экономики", "novosti-ekonomiki"),
        ("Қазақстан жаңалықтары", "qazaqstan-zhangalyqtary"),
        ("Économie & Société", "economie-societe"),
        ("Café São Paulo", "cafe-sao-paulo"),
    ];
    for (name, slug) in cases {
        let created = app.create_category(json!({"name": name})).await;
        assert_eq!(created["slug"], slug, "{name}");
        assert_eq!(created["name"], name);
    }
    let japanese = app.create_category(json!({"name": "東京の天気"})).await;
    let slug = japanese["slug"].as_str().unwrap();
    assert_eq!(slug, "dong-jing-no-tian-qi");
    let katakana = app.create_category(json!({"name": "ニュース"})).await;
    assert_eq!(katakana["slug"], "nyusu");
}

#[tokio::test]
async fn generated_slugs_get_a_numeric_suffix_and_explicit_ones_conflict() {
    let app = spawn_app().await;
    let first = app.create_category(json!({"name": "World"})).await;
    let second = app.create_category(json!({"name": "World"})).await;
    let third = app.create_category(json!({"name": "world!"})).await;
    assert_eq!(first["slug"], "world");
    assert_eq!(second["slug"], "world-2");
    assert_eq!(third["slug"], "world-3");

    let res = app
        .post_json(
            "/api/v1/categories",
            &json!({"name": "Other", "slug": "world"}),
        )
        .await;
    assert_problem(res, 409, "slug_taken").await;
    let explicit = app
        .create_category(json!({"name": "Other", "slug": "other-world"}))
        .await;
    assert_eq!(explicit["slug"], "other-world");

    // A name with nothing readable in it still gets a slug.
    let symbols = app.create_category(json!({"name": "!!!"})).await;
    assert_eq!(symbols["slug"], "category");
}

#[tokio::test]
async fn invalid_slugs_are_refused() {
    let app = spawn_app().await;
    let long = "a".repeat(201);
    for slug in [
        "Upper",
        "under_score",
        "double--hyphen",
        "-leading",
        "trailing-",
        "with space",
        "",
        long.as_str(),
        "0192f0a4-5b6c-7d8e-9fab-0123456789ab",
        "0192f0a45b6c7d8e9fab0123456789ab",
    ] {
        let res = app
            .post_json("/api/v1/categories", &json!({"name": "X", "slug": slug}))
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [("slug".to_owned(), "invalid_format".to_owned())],
            "{slug}"
        );
    }
    let ok = app
        .create_category(json!({"name": "X", "slug": "a".repeat(200)}))
        .await;
    assert_eq!(ok["slug"].as_str().unwrap().len(), 200);
    assert_list_len(&app, 1).await;
}

#[tokio::test]
async fn invalid_bodies_are_422_naming_each_field_and_change_nothing() {
    let app = spawn_app().await;
    let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
        (json!({}), vec![("name", "required")]),
        (json!({"name": "   "}), vec![("name", "required")]),
        (
            json!({"name": "a\nb"}),
            vec![("name", "invalid_characters")],
        ),
        (
            json!({"name": "nul\u{0}"}),
            vec![("name", "invalid_characters")],
        ),
        (json!({"name": "x".repeat(201)}), vec![("name", "too_long")]),
        (json!({"name": 5}), vec![("name", "invalid_type")]),
        (
            json!({"name": "X", "colour": "red"}),
            vec![("colour", "unknown_field")],
        ),
        (
            json!({"name": "X", "parent_id": "nope"}),
            vec![("parent_id", "invalid_format")],
        ),
        (
            json!({"name": "X", "description": "x".repeat(5001)}),
            vec![("description", "too_long")],
        ),
        (
            json!({"name": "X", "description": "bell\u{7}"}),
            vec![("description", "invalid_characters")],
        ),
        (
            json!({"name": "", "slug": "Bad", "parent_id": "1"}),
            vec![
                ("name", "required"),
                ("slug", "invalid_format"),
                ("parent_id", "invalid_format"),
            ],
        ),
        (
            json!(["not", "an", "object"]),
            vec![("body", "invalid_type")],
        ),
    ];
    for (body, expected) in cases {
        let res = app.post_json("/api/v1/categories", &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        let got = field_errors(&problem);
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(f, c)| (f.to_owned(), c.to_owned()))
            .collect();
        assert_eq!(got, expected, "{body}");
        for error in problem["errors"].as_array().unwrap() {
            assert!(!error["message"].as_str().unwrap().is_empty());
        }
    }
    let unknown_parent = json!({"name": "X", "parent_id": uuid::Uuid::now_v7().to_string()});
    let res = app.post_json("/api/v1/categories", &unknown_parent).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("parent_id".to_owned(), "not_found".to_owned())]
    );
    assert_list_len(&app, 0).await;
}

#[tokio::test]
async fn null_optional_fields_are_accepted_on_create() {
    let app = spawn_app().await;
    let created = app
        .create_category(json!({"name": "X", "slug": null, "description": null, "parent_id": null}))
        .await;
    assert_eq!(created["slug"], "x");
    assert_eq!(created["description"], Value::Null);
}

#[tokio::test]
async fn get_by_unknown_or_malformed_key() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/api/v1/categories/no-such-thing").await,
        404,
        "not_found",
    )
    .await;
    let id = uuid::Uuid::now_v7();
    assert_problem(
        app.get(&format!("/api/v1/categories/{id}")).await,
        404,
        "not_found",
    )
    .await;
    for bad in ["Not_A_Slug", "caf%C3%A9", "a--b", "UPPER"] {
        let res = app.get(&format!("/api/v1/categories/{bad}")).await;
        assert_problem(res, 400, "invalid_path").await;
    }
}

#[tokio::test]
async fn patch_is_a_merge_patch() {
    let app = spawn_app().await;
    let parent = app.create_category(json!({"name": "News"})).await;
    let created = app
        .create_category(json!({"name": "Market", "description": "Stocks."}))
        .await;
    let id = created["id"].as_str().unwrap();

    // Renaming keeps the slug; absent fields stay.
    let res = app
        .patch_json(
            &format!("/api/v1/categories/{id}"),
            &json!({"name": "Markets"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let renamed: Value = res.json().await.unwrap();
    assert_eq!(renamed["name"], "Markets");
    assert_eq!(renamed["slug"], "market");
    assert_eq!(renamed["description"], "Stocks.");
    assert_ne!(renamed["updated_at"], created["updated_at"]);
    assert_eq!(renamed["created_at"], created["created_at"]);

    // null clears; merge-patch+json is accepted; the slug addresses it too.
    let res = app
        .request(Method::PATCH, "/api/v1/categories/market")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"description": null, "parent_id": parent["id"]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let moved: Value = res.json().await.unwrap();
    assert_eq!(moved["description"], Value::Null);
    assert_eq!(moved["parent_id"], parent["id"]);

    let res = app
        .patch_json(
            &format!("/api/v1/categories/{id}"),
            &json!({"slug": "markets", "parent_id": null}),
        )
        .await;
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["slug"], "markets");
    assert_eq!(changed["parent_id"], Value::Null);
    let stored: Value = app
        .get("/api/v1/categories/markets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored, changed);
    // The old slug keeps pointing at the category.
    let res = app.get("/api/v1/categories/market").await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/api/v1/categories/markets");

    // An empty patch changes nothing, not even updated_at.
    let res = app
        .patch_json(&format!("/api/v1/categories/{id}"), &json!({}))
        .await;
    let same: Value = res.json().await.unwrap();
    assert_eq!(same, stored);
}

#[tokio::test]
async fn invalid_patches_change_nothing() {
    let app = spawn_app().await;
    app.create_category(json!({"name": "Taken"})).await;
    let created = app.create_category(json!({"name": "Market"})).await;
    let path = format!("/api/v1/categories/{}", created["id"].as_str().unwrap());
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"name": null}), 422, "validation_failed"),
        (json!({"slug": null}), 422, "validation_failed"),
        (json!({"name": ""}), 422, "validation_failed"),
        (json!({"slug": "Nope"}), 422, "validation_failed"),
        (json!({"id": "x"}), 422, "validation_failed"),
        (
            json!({"created_at": "2020-01-01T00:00:00Z"}),
            422,
            "validation_failed",
        ),
        (
            json!({"parent_id": uuid::Uuid::now_v7().to_string()}),
            422,
            "validation_failed",
        ),
        (json!({"slug": "taken"}), 409, "slug_taken"),
    ];
    for (body, status, code) in cases {
        let res = app.patch_json(&path, &body).await;
        assert_problem(res, status, code).await;
    }
    let res = app
        .request(Method::PATCH, &path)
        .header("content-type", "text/plain")
        .body("{\"name\":\"x\"}")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
    let stored: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(stored, created);
    let missing = format!("/api/v1/categories/{}", uuid::Uuid::now_v7());
    assert_problem(
        app.patch_json(&missing, &json!({"name": "X"})).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn cycles_are_refused() {
    let app = spawn_app().await;
    let a = app.create_category(json!({"name": "A"})).await;
    let b = app
        .create_category(json!({"name": "B", "parent_id": a["id"]}))
        .await;
    let c = app
        .create_category(json!({"name": "C", "parent_id": b["id"]}))
        .await;
    assert_eq!(c["parent_id"], b["id"]);

    for (child, new_parent) in [(&a, &c), (&a, &b), (&a, &a), (&b, &c)] {
        let path = format!("/api/v1/categories/{}", child["id"].as_str().unwrap());
        let res = app
            .patch_json(&path, &json!({"parent_id": new_parent["id"]}))
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [("parent_id".to_owned(), "cycle".to_owned())]
        );
    }
    // Moving a leaf elsewhere in the tree is fine.
    let path = format!("/api/v1/categories/{}", c["id"].as_str().unwrap());
    let res = app.patch_json(&path, &json!({"parent_id": a["id"]})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let stored: Value = app.get("/api/v1/categories/a").await.json().await.unwrap();
    assert_eq!(stored["parent_id"], Value::Null);
}

#[tokio::test]
async fn delete_refuses_categories_with_children() {
    let app = spawn_app().await;
    let parent = app.create_category(json!({"name": "World"})).await;
    let child = app
        .create_category(json!({"name": "Europe", "parent_id": parent["id"]}))
        .await;

    let res = app.delete("/api/v1/categories/world").await;
    assert_problem(res, 409, "category_has_children").await;
    assert_eq!(
        app.get("/api/v1/categories/world").await.status(),
        StatusCode::OK
    );

    let res = app
        .delete(&format!(
            "/api/v1/categories/{}",
            child["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(res.headers().get("content-type").is_none());
    assert!(res.bytes().await.unwrap().is_empty());
    assert_problem(app.get("/api/v1/categories/europe").await, 404, "not_found").await;

    assert_eq!(
        app.delete("/api/v1/categories/world").await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.delete("/api/v1/categories/world").await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn pages_cover_every_category_once_in_slug_order() {
    let app = spawn_app().await;
    let mut expected = Vec::new();
    for i in 0..25 {
        let created = app
            .create_category(json!({"name": format!("Section {i:02}")}))
            .await;
        expected.push(created["slug"].as_str().unwrap().to_owned());
    }
    expected.sort();

    let mut seen = Vec::new();
    let mut path = "/api/v1/categories?limit=10&with_total=true".to_owned();
    let mut pages = 0;
    loop {
        let res = app.get(&path).await;
        assert_eq!(res.status(), StatusCode::OK);
        let link = res
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned());
        let body: Value = res.json().await.unwrap();
        pages += 1;
        assert_eq!(body["meta"]["limit"], 10);
        assert_eq!(body["meta"]["total"], 25);
        for item in body["data"].as_array().unwrap() {
            assert!(item.get("id").is_some());
            seen.push(item["slug"].as_str().unwrap().to_owned());
        }
        match body["meta"]["next_cursor"].as_str() {
            Some(cursor) => {
                let link = link.expect("a next page has a Link header");
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                let target = link
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_owned();
                assert!(target.contains(&format!("cursor={cursor}")), "{target}");
                assert!(target.contains("limit=10"), "{target}");
                path = target;
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected, "every category exactly once, in order");
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 25);

    // Without with_total there is no total; the default limit is 20.
    let body: Value = app.get("/api/v1/categories").await.json().await.unwrap();
    assert!(body["meta"].get("total").is_none());
    assert_eq!(body["meta"]["limit"], 20);
    assert_eq!(body["data"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn paging_continues_correctly_while_categories_are_added() {
    let app = spawn_app().await;
    for name in ["b", "d", "f", "h"] {
        app.create_category(json!({"name": name})).await;
    }
    let first: Value = app
        .get("/api/v1/categories?limit=2")
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["meta"]["next_cursor"].as_str().unwrap().to_owned();
    // One lands before the cursor (not shown again), one after it (shown).
    app.create_category(json!({"name": "a"})).await;
    app.create_category(json!({"name": "e"})).await;
    let rest: Value = app
        .get(&format!("/api/v1/categories?limit=10&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    let slugs: Vec<&str> = rest["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["e", "f", "h"]);
}

#[tokio::test]
async fn list_filters_by_parent_id_or_slug() {
    let app = spawn_app().await;
    let world = app.create_category(json!({"name": "World"})).await;
    app.create_category(json!({"name": "Europe", "parent_id": world["id"]}))
        .await;
    app.create_category(json!({"name": "Asia", "parent_id": world["id"]}))
        .await;
    app.create_category(json!({"name": "Sport"})).await;

    for key in [world["id"].as_str().unwrap(), "world"] {
        let body: Value = app
            .get(&format!("/api/v1/categories?parent={key}&with_total=true"))
            .await
            .json()
            .await
            .unwrap();
        let slugs: Vec<&str> = body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["slug"].as_str().unwrap())
            .collect();
        assert_eq!(slugs, ["asia", "europe"]);
        assert_eq!(body["meta"]["total"], 2);
    }
    let body: Value = app
        .get("/api/v1/categories?parent=atlantis&with_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"], json!([]));
    assert_eq!(body["meta"]["total"], 0);
}

#[tokio::test]
async fn invalid_list_queries_are_400() {
    let app = spawn_app().await;
    app.create_category(json!({"name": "World"})).await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=", "limit"),
        ("limit=1&limit=2", "limit"),
        ("with_total=yes", "with_total"),
        ("cursor=garbage", "cursor"),
        ("cursor=WyJuYW1lIiwieCJd", "cursor"),
        ("parent=Not_Valid", "parent"),
        ("sort=name", "sort"),
        ("prnt=world", "prnt"),
    ];
    for (query, field) in cases {
        let res = app.get(&format!("/api/v1/categories?{query}")).await;
        let problem = assert_problem(res, 400, "invalid_query").await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
}

async fn assert_list_len(app: &crate::helpers::TestApp, n: usize) {
    let body: Value = app
        .get("/api/v1/categories?limit=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), n, "{body}");
}

#[tokio::test]
async fn delete_refuses_categories_with_articles() {
    let app = spawn_app().await;
    let category = app.create_category(json!({"name": "Market"})).await;
    let article = app
        .create_article(json!({"title": "Story", "body": "b", "category_id": category["id"]}))
        .await;
    assert_problem(
        app.delete("/api/v1/categories/market").await,
        409,
        "category_in_use",
    )
    .await;
    let path = format!("/api/v1/articles/{}", article["id"].as_str().unwrap());
    app.patch_json(&path, &json!({"category_id": null})).await;
    assert_eq!(
        app.delete("/api/v1/categories/market").await.status(),
        StatusCode::NO_CONTENT
    );
}
