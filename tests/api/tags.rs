//! `/api/v1/tags`, and the tags articles carry: `tag_ids`, `include=tags`, the `tag`
//! filter, `article_count` and search over tag names.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors, spawn_app};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

/// A published article carrying these tags.
async fn tagged(app: &TestApp, title: &str, tags: &[&Value]) -> Value {
    let ids: Vec<Value> = tags.iter().map(|t| t["id"].clone()).collect();
    let article = app
        .create_article(json!({"title": title, "body": "Text.", "tag_ids": ids}))
        .await;
    app.publish(&id(&article), None).await
}

#[tokio::test]
async fn a_tag_is_created_read_renamed_and_deleted() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/tags",
            &json!({"name": "Нефть и газ", "description": "Crude."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let tag = body(res).await;
    assert_eq!(location, format!("/api/v1/tags/{}", id(&tag)));
    assert_eq!(tag["slug"], "neft-i-gaz");
    assert_eq!(tag["name"], "Нефть и газ");
    assert!(tag.get("article_count").is_none(), "{tag}");

    let res = app.anon().get("/api/v1/tags/neft-i-gaz").await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    assert_eq!(body(res).await, tag);
    let res = app
        .anon()
        .request(Method::GET, "/api/v1/tags/neft-i-gaz")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // A stale If-Match changes nothing.
    let res = app
        .request(Method::PATCH, &format!("/api/v1/tags/{}", id(&tag)))
        .header("If-Match", "\"nope\"")
        .json(&json!({"name": "Oil"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;

    let res = app
        .request(Method::PATCH, "/api/v1/tags/neft-i-gaz")
        .header("If-Match", &etag)
        .json(&json!({"name": "Oil and gas", "slug": "oil-and-gas"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let new_etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let renamed = body(res).await;
    assert_eq!(renamed["name"], "Oil and gas");
    assert_eq!(renamed["slug"], "oil-and-gas");
    let res = app.anon().get("/api/v1/tags/oil-and-gas").await;
    assert_eq!(res.headers()["etag"].to_str().unwrap(), new_etag);
    // The old slug answers with a redirect, and stays reserved.
    let res = app.anon().get("/api/v1/tags/neft-i-gaz").await;
    assert_eq!(res.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(res.headers()["location"], "/api/v1/tags/oil-and-gas");
    let res = app
        .post_json("/api/v1/tags", &json!({"name": "X", "slug": "neft-i-gaz"}))
        .await;
    assert_problem(res, 409, "slug_taken").await;

    let res = app.delete("/api/v1/tags/oil-and-gas").await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.anon().get(&location).await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn only_staff_and_write_tokens_manage_tags() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, read) = app.api_token("read").await;
    let (_, write) = app.api_token("write").await;
    let body_ = json!({"name": "Oil"});
    assert_problem(
        app.anon().post_json("/api/v1/tags", &body_).await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        app.with(&author).post_json("/api/v1/tags", &body_).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.with(&read).post_json("/api/v1/tags", &body_).await,
        403,
        "forbidden",
    )
    .await;
    let res = app.with(&write).post_json("/api/v1/tags", &body_).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let list = body(app.anon().get("/api/v1/tags").await).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_tag_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    for (bad, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "a\u{0}b"}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": "Oil", "slug": "Not A Slug"}), "slug"),
        (json!({"name": "Oil", "colour": "red"}), "colour"),
    ] {
        let res = app.post_json("/api/v1/tags", &bad).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert!(
            field_errors(&problem).iter().any(|(f, _)| f == field),
            "{bad}: {problem}"
        );
    }
    for query in [
        "?sort=popular",
        "?limit=0",
        "?q=",
        "?colour=red",
        "?cursor=zzz",
    ] {
        let res = app.anon().get(&format!("/api/v1/tags{query}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    let list = body(app.anon().get("/api/v1/tags?with_total=true").await).await;
    assert_eq!(list["meta"]["total"], 0);
}

#[tokio::test]
async fn articles_carry_tags_in_order_and_embed_them() {
    let app = spawn_app().await;
    let oil = app.create_tag(json!({"name": "Oil"})).await;
    let opec = app.create_tag(json!({"name": "OPEC"})).await;
    let gas = app.create_tag(json!({"name": "Gas"})).await;
    let article = app
        .create_article(json!({"title": "Cuts", "body": "B", "tag_ids": [opec["id"], oil["id"]]}))
        .await;
    assert_eq!(article["tag_ids"], json!([opec["id"], oil["id"]]));
    assert_eq!(article["version"], 1);
    let path = format!("/api/v1/articles/{}", id(&article));

    let read = body(app.get(&format!("{path}?include=tags")).await).await;
    assert_eq!(read["tag_ids"], json!([opec["id"], oil["id"]]));
    let names: Vec<&str> = read["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["OPEC", "Oil"]);
    // Without include, no embedded tags.
    assert!(body(app.get(&path).await).await.get("tags").is_none());

    // PATCH replaces the whole list, in the new order.
    let res = app
        .patch_json(&path, &json!({"tag_ids": [gas["id"], opec["id"]]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let patched = body(res).await;
    assert_eq!(patched["tag_ids"], json!([gas["id"], opec["id"]]));
    assert_eq!(patched["version"], 2);
    // The same list again changes nothing.
    let same = body(
        app.patch_json(&path, &json!({"tag_ids": [gas["id"], opec["id"]]}))
            .await,
    )
    .await;
    assert_eq!(same["version"], 2);
    // null clears them, as [] does.
    let cleared = body(app.patch_json(&path, &json!({"tag_ids": null})).await).await;
    assert_eq!(cleared["tag_ids"], json!([]));
    assert_eq!(cleared["version"], 3);
    let read = body(app.get(&format!("{path}?include=tags")).await).await;
    assert_eq!(read["tags"], json!([]));
    // Sparse fieldsets may name tag_ids.
    let sparse = body(app.get(&format!("{path}?fields=tag_ids")).await).await;
    assert_eq!(sparse, json!({"id": article["id"], "tag_ids": []}));
}

#[tokio::test]
async fn bad_tag_ids_are_a_422_and_change_nothing() {
    let app = spawn_app().await;
    let oil = app.create_tag(json!({"name": "Oil"})).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let many: Vec<String> = (0..21).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    for (ids, code) in [
        (json!([unknown]), "not_found"),
        (json!([oil["id"], oil["id"]]), "invalid_value"),
        (json!(["not-a-uuid"]), "invalid_format"),
        (json!(many), "too_long"),
        (json!("oil"), "invalid_type"),
    ] {
        let res = app
            .post_json(
                "/api/v1/articles",
                &json!({"title": "T", "body": "B", "tag_ids": ids}),
            )
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        let errors = field_errors(&problem);
        assert!(
            errors.iter().any(|(f, c)| f == "tag_ids" && c == code),
            "{ids}: {problem}"
        );
    }
    let all = body(app.get("/api/v1/articles?status=all&with_total=true").await).await;
    assert_eq!(all["meta"]["total"], 0);

    let article = app
        .create_article(json!({"title": "T", "body": "B", "tag_ids": [oil["id"]]}))
        .await;
    let path = format!("/api/v1/articles/{}", id(&article));
    let res = app
        .patch_json(&path, &json!({"tag_ids": [oil["id"], unknown]}))
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let read = body(app.get(&path).await).await;
    assert_eq!(read["tag_ids"], json!([oil["id"]]));
    assert_eq!(read["version"], 1);
}

#[tokio::test]
async fn the_tag_filter_matches_any_of_its_slugs() {
    let app = spawn_app().await;
    let oil = app.create_tag(json!({"name": "Oil"})).await;
    let gas = app.create_tag(json!({"name": "Gas"})).await;
    let coal = app.create_tag(json!({"name": "Coal"})).await;
    tagged(&app, "Crude", &[&oil]).await;
    tagged(&app, "Both", &[&gas, &oil]).await;
    tagged(&app, "Pipeline", &[&gas]).await;
    tagged(&app, "Nothing", &[]).await;
    let draft = app
        .create_article(json!({"title": "Draft", "body": "B", "tag_ids": [oil["id"]]}))
        .await;
    let titles = |page: &Value| -> HashSet<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let page = body(
        app.anon()
            .get("/api/v1/articles?tag=oil&with_total=true")
            .await,
    )
    .await;
    assert_eq!(
        titles(&page),
        HashSet::from(["Crude".into(), "Both".into()])
    );
    assert_eq!(page["meta"]["total"], 2);
    let page = body(app.anon().get("/api/v1/articles?tag=oil,gas").await).await;
    assert_eq!(
        titles(&page),
        HashSet::from(["Crude".into(), "Both".into(), "Pipeline".into()])
    );
    let page = body(app.anon().get("/api/v1/articles?tag=coal").await).await;
    assert!(titles(&page).is_empty());
    let page = body(app.anon().get("/api/v1/articles?tag=no-such-tag").await).await;
    assert!(titles(&page).is_empty());
    // Staff see the tagged draft too.
    let page = body(app.get("/api/v1/articles?tag=oil&status=all").await).await;
    assert!(titles(&page).contains("Draft"), "{page}");
    let _ = (coal, draft);
    for bad in ["?tag=", "?tag=Oil", "?tag=oil,,gas", "?tag=a%00b"] {
        let res = app.anon().get(&format!("/api/v1/articles{bad}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let many = vec!["a"; 21].join(",");
    let res = app
        .anon()
        .get(&format!("/api/v1/articles?tag={many}"))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Longer than the document allows, even when slug-shaped.
    let long = "a".repeat(4101);
    let res = app
        .anon()
        .get(&format!("/api/v1/articles?tag={long}"))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // A slug-shaped value no tag could have (too long, or shaped like a UUID) matches
    // nothing rather than failing.
    let odd = format!("{},{}", "0".repeat(300), "0".repeat(32));
    let res = app.anon().get(&format!("/api/v1/articles?tag={odd}")).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn article_count_counts_what_the_public_sees() {
    let app = spawn_app().await;
    let oil = app.create_tag(json!({"name": "Oil"})).await;
    let gas = app.create_tag(json!({"name": "Gas"})).await;
    let coal = app.create_tag(json!({"name": "Coal"})).await;
    tagged(&app, "One", &[&oil, &gas]).await;
    tagged(&app, "Two", &[&oil]).await;
    let trashed = tagged(&app, "Trashed", &[&oil]).await;
    let res = app
        .delete(&format!("/api/v1/articles/{}", id(&trashed)))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // A draft, a story scheduled for later and an archived one are not counted.
    app.create_article(json!({"title": "Draft", "body": "B", "tag_ids": [gas["id"]]}))
        .await;
    let later = app
        .create_article(json!({"title": "Later", "body": "B", "tag_ids": [gas["id"]]}))
        .await;
    app.publish(&id(&later), Some("2999-01-01T00:00:00Z")).await;
    let archived = tagged(&app, "Archived", &[&coal]).await;
    let res = app
        .post_json(
            &format!("/api/v1/articles/{}/archive", id(&archived)),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let counts = |page: &Value| -> Vec<(String, i64)> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["slug"].as_str().unwrap().to_owned(),
                    t["article_count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let by_name = body(app.anon().get("/api/v1/tags").await).await;
    assert_eq!(
        counts(&by_name),
        [("coal".into(), 0), ("gas".into(), 1), ("oil".into(), 2)]
    );
    // The staff see the same counts: they are of public articles.
    let staff = body(app.get("/api/v1/tags").await).await;
    assert_eq!(counts(&staff), counts(&by_name));

    // Most used first, a page at a time with the cursor.
    let first = body(
        app.anon()
            .get("/api/v1/tags?sort=-article_count&limit=2")
            .await,
    )
    .await;
    assert_eq!(counts(&first), [("oil".into(), 2), ("gas".into(), 1)]);
    let cursor = first["meta"]["next_cursor"].as_str().unwrap();
    let second = body(
        app.anon()
            .get(&format!(
                "/api/v1/tags?sort=-article_count&limit=2&cursor={cursor}"
            ))
            .await,
    )
    .await;
    assert_eq!(counts(&second), [("coal".into(), 0)]);
    assert!(second["meta"]["next_cursor"].is_null());
    // A cursor of one order is refused by the other.
    let res = app
        .anon()
        .get(&format!("/api/v1/tags?sort=name&cursor={cursor}"))
        .await;
    assert_problem(res, 400, "invalid_query").await;

    let found = body(app.anon().get("/api/v1/tags?q=OI").await).await;
    assert_eq!(counts(&found), [("oil".into(), 2)]);
}

#[tokio::test]
async fn deleting_a_tag_takes_it_off_its_articles_with_a_new_version_each() {
    let app = spawn_app().await;
    let oil = app.create_tag(json!({"name": "Oil"})).await;
    let gas = app.create_tag(json!({"name": "Gas"})).await;
    let one = tagged(&app, "One", &[&oil, &gas]).await;
    let two = tagged(&app, "Two", &[&oil]).await;
    let untouched = tagged(&app, "Three", &[&gas]).await;

    let res = app.delete("/api/v1/tags/oil").await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let app = &app;
    let read = |a: &Value| {
        let path = format!("/api/v1/articles/{}", id(a));
        async move { app.get(&path).await }
    };
    let one_now = body(read(&one).await).await;
    assert_eq!(one_now["tag_ids"], json!([gas["id"]]));
    assert_eq!(one_now["version"], one["version"].as_i64().unwrap() + 1);
    let two_now = body(read(&two).await).await;
    assert_eq!(two_now["tag_ids"], json!([]));
    assert_eq!(two_now["version"], two["version"].as_i64().unwrap() + 1);
    let three_now = body(read(&untouched).await).await;
    assert_eq!(three_now["version"], untouched["version"]);

    // Each article's change is an event (with the public article as data), then the tag's.
    // On PostgreSQL an event shows once every older transaction on the server has ended
    // (other tests' too): read until the tag's deletion is there.
    let mut changes = Value::Null;
    for _ in 0..100 {
        changes = body(
            app.get("/api/v1/changes?types=article.updated,tag.deleted&limit=100")
                .await,
        )
        .await;
        let done = changes["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "tag.deleted");
        if done {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let events: Vec<(String, String)> = changes["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["resource"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(events.len(), 3, "{changes}");
    assert_eq!(events[2], ("tag.deleted".into(), id(&oil)));
    let updated: HashSet<String> = events[..2].iter().map(|(_, i)| i.clone()).collect();
    assert_eq!(updated, HashSet::from([id(&one), id(&two)]));
    let data = &changes["data"][0]["data"];
    assert!(data["tag_ids"].is_array(), "{data}");
    assert_eq!(changes["data"][2]["resource"]["slug"], "oil");

    // And a revision each.
    let revisions = body(
        app.get(&format!("/api/v1/articles/{}/revisions", id(&two)))
            .await,
    )
    .await;
    assert_eq!(
        revisions["data"][0]["version"],
        two["version"].as_i64().unwrap() + 1
    );
    // Searching the old tag's name no longer finds them.
    let found = body(app.anon().get("/api/v1/articles?q=oil").await).await;
    assert!(found["data"].as_array().unwrap().is_empty(), "{found}");
}

#[tokio::test]
async fn search_finds_articles_by_their_tag_names_even_after_a_rename() {
    let app = spawn_app().await;
    let tag = app.create_tag(json!({"name": "Semiconductors"})).await;
    tagged(&app, "New plants announced", &[&tag]).await;
    tagged(&app, "Unrelated story", &[]).await;
    let titles = |page: Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let found = titles(body(app.anon().get("/api/v1/articles?q=semiconductors").await).await);
    assert_eq!(found, ["New plants announced"]);
    let res = app
        .patch_json(
            &format!("/api/v1/tags/{}", id(&tag)),
            &json!({"name": "Microchips"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let found = titles(body(app.anon().get("/api/v1/articles?q=microchips").await).await);
    assert_eq!(found, ["New plants announced"]);
    let found = titles(body(app.anon().get("/api/v1/articles?q=semiconductors").await).await);
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test]
async fn include_tags_costs_the_same_queries_at_any_page_size() {
    let app = spawn_app().await;
    let mut tags = Vec::new();
    for i in 0..5 {
        tags.push(app.create_tag(json!({"name": format!("Tag {i}")})).await);
    }
    for i in 0..30 {
        let picked: Vec<&Value> = tags.iter().skip(i % 3).take(3).collect();
        tagged(&app, &format!("Story {i}"), &picked).await;
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
    // Signed in, so that neither answer comes from the response cache.
    let one = app.get("/api/v1/articles?include=tags&limit=1").await;
    let thirty = app.get("/api/v1/articles?include=tags&limit=30").await;
    assert_eq!(queries(&one), queries(&thirty));
    let page = body(thirty).await;
    for article in page["data"].as_array().unwrap() {
        let ids: Vec<&Value> = article["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["id"])
            .collect();
        let expected: Vec<&Value> = article["tag_ids"].as_array().unwrap().iter().collect();
        assert_eq!(ids, expected);
    }
}

#[tokio::test]
async fn a_renamed_tag_reaches_cached_public_reads() {
    let app = spawn_app().await;
    let tag = app.create_tag(json!({"name": "Oil"})).await;
    let article = tagged(&app, "Crude", &[&tag]).await;
    let path = format!(
        "/api/v1/articles/{}?include=tags",
        article["slug"].as_str().unwrap()
    );
    for round in 0..3 {
        let name = format!("Oil {round}");
        // Warm the cache, then rename.
        app.anon().get(&path).await;
        app.anon().get("/api/v1/tags").await;
        let res = app
            .patch_json(
                &format!("/api/v1/tags/{}", id(&tag)),
                &json!({"name": name}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let read = body(app.anon().get(&path).await).await;
        assert_eq!(read["tags"][0]["name"], name.as_str());
        let list = body(app.anon().get("/api/v1/tags").await).await;
        assert_eq!(list["data"][0]["name"], name.as_str());
    }
    // A new public article changes the cached count.
    tagged(&app, "Second", &[&tag]).await;
    let list = body(app.anon().get("/api/v1/tags").await).await;
    assert_eq!(list["data"][0]["article_count"], 2);
}

#[tokio::test]
async fn restoring_a_revision_brings_back_its_tags_less_deleted_ones() {
    let app = spawn_app().await;
    let oil = app.create_tag(json!({"name": "Oil"})).await;
    let gas = app.create_tag(json!({"name": "Gas"})).await;
    let article = app
        .create_article(json!({"title": "T", "body": "B", "tag_ids": [oil["id"], gas["id"]]}))
        .await;
    let path = format!("/api/v1/articles/{}", id(&article));
    let res = app.patch_json(&path, &json!({"tag_ids": []})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.delete("/api/v1/tags/gas").await.status(), 204);
    let res = app
        .post_json(&format!("{path}/revisions/1/restore"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let restored = body(res).await;
    assert_eq!(restored["tag_ids"], json!([oil["id"]]));
}

/// Tagging articles while the tag is deleted: whichever comes first, no article is left
/// naming a tag that is gone.
#[tokio::test]
async fn a_tag_deleted_while_articles_take_it_leaves_no_dangling_id() {
    let app = spawn_app().await;
    for _round in 0..3 {
        let tag = app.create_tag(json!({"name": "Fleeting"})).await;
        let mut articles = Vec::new();
        for i in 0..6 {
            articles.push(
                app.create_article(json!({"title": format!("Story {i}"), "body": "B"}))
                    .await,
            );
        }
        let change = json!({"tag_ids": [tag["id"]]});
        let app = &app;
        let patches = articles.iter().map(|a| {
            let (path, change) = (format!("/api/v1/articles/{}", id(a)), &change);
            async move { app.patch_json(&path, change).await }
        });
        let tag_path = format!("/api/v1/tags/{}", id(&tag));
        let delete = app.delete(&tag_path);
        let (results, deleted) = tokio::join!(futures_util::future::join_all(patches), delete);
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        for res in results {
            let status = res.status().as_u16();
            assert!(status == 200 || status == 422, "{status}");
        }
        for a in &articles {
            let read = body(app.get(&format!("/api/v1/articles/{}", id(a))).await).await;
            assert_eq!(read["tag_ids"], json!([]), "{read}");
        }
        let page = body(app.get("/api/v1/articles?status=all&tag=fleeting").await).await;
        assert!(page["data"].as_array().unwrap().is_empty());
    }
}
