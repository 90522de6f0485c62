//! What integrators rely on: the reference page served whole by Byline, one entity tag per
//! version on every resource, actions by slug, optional action bodies, plain dates, counted
//! messages and one scale of search rank.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, send, spawn_app};

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// Every `src="…"` and `href="…"` of the page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            if let Some(end) = rest.find('"') {
                found.push(rest[..end].to_owned());
            }
        }
    }
    found
}

#[tokio::test]
async fn the_docs_page_loads_every_script_and_style_from_byline_itself() {
    let app = spawn_app().await;
    let res = app.anon().get("/docs").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-type").starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(!html.contains("://"), "the page names another host: {html}");
    let refs = references(&html);
    let scripts: Vec<&String> = refs.iter().filter(|r| r.ends_with(".js")).collect();
    let styles: Vec<&String> = refs.iter().filter(|r| r.ends_with(".css")).collect();
    assert!(!scripts.is_empty() && !styles.is_empty(), "{refs:?}");
    for asset in scripts.iter().chain(styles.iter()) {
        assert!(asset.starts_with('/'), "{asset} is not on this server");
        let res = app.anon().get(asset).await;
        assert_eq!(res.status(), StatusCode::OK, "{asset}");
        let kind = header(&res, "content-type");
        let want = if asset.ends_with(".js") {
            "javascript"
        } else {
            "text/css"
        };
        assert!(kind.contains(want), "{asset} is {kind}");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff");
        assert!(header(&res, "cache-control").starts_with("public"));
        let body = res.bytes().await.unwrap();
        assert!(body.len() > 10_000, "{asset} is only {} bytes", body.len());
    }
    // The bundle is Swagger UI, and the page points it at this server's document, which
    // declares the bearer sign-in the Authorize button offers.
    assert!(html.contains("SwaggerUIBundle") && html.contains("\"/openapi.json\""));
    let doc: Value = app.anon().get("/openapi.json").await.json().await.unwrap();
    let copy: Value = app
        .anon()
        .get("/docs/assets/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        copy, doc,
        "the assets' own copy of the document is the document"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["servers"][0]["url"], "/");
}

/// A read, a conditional read with the given tag, and the tag of the read.
async fn read(
    app: &crate::helpers::TestApp,
    token: Option<&str>,
    path: &str,
) -> (reqwest::Response, String) {
    let mut req = app.client_request(Method::GET, path);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = send(req).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let tag = header(&res, "etag");
    assert!(tag.starts_with('"'), "a strong tag: {tag}");
    (res, tag)
}

async fn not_modified(
    app: &crate::helpers::TestApp,
    token: Option<&str>,
    path: &str,
    tag: &str,
) -> bool {
    let mut req = app
        .client_request(Method::GET, path)
        .header("if-none-match", tag);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = send(req).await;
    match res.status() {
        StatusCode::NOT_MODIFIED => {
            assert_eq!(header(&res, "etag"), tag);
            true
        }
        StatusCode::OK => false,
        other => panic!("{path}: {other}"),
    }
}

#[tokio::test]
async fn a_write_answers_with_the_tag_a_following_read_sends_on_every_resource() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let author = app.create_author(json!({"name": "Tag Writer"})).await;
    let category = app.create_category(json!({"name": "Tags"})).await;
    let created = app
        .post_json(
            "/api/v1/articles",
            &json!({"title": "Tagged", "body": "x", "author_id": author["id"], "category_id": category["id"]}),
        )
        .await;
    let write_tag = header(&created, "etag");
    let article: Value = created.json().await.unwrap();
    let id = article["id"].as_str().unwrap();
    let slug = article["slug"].as_str().unwrap();

    // Articles: by id and by slug, the staff read sends the write's tag, and that tag is a 304.
    for path in [
        format!("/api/v1/articles/{id}"),
        format!("/api/v1/articles/{slug}"),
    ] {
        let (res, tag) = read(&app, Some(&admin), &path).await;
        assert_eq!(tag, write_tag, "{path}");
        assert_eq!(header(&res, "cache-control"), "private, no-store");
        assert!(not_modified(&app, Some(&admin), &path, &write_tag).await);
    }
    let published = app
        .post_json(&format!("/api/v1/articles/{slug}/publish"), &json!({}))
        .await;
    let published_tag = header(&published, "etag");
    assert_ne!(published_tag, write_tag);
    let path = format!("/api/v1/articles/{id}");
    assert!(
        !not_modified(&app, Some(&admin), &path, &write_tag).await,
        "an old version's tag"
    );
    assert!(not_modified(&app, Some(&admin), &path, &published_tag).await);
    // The public reads another representation (no `live`): its own tag, cacheable.
    let (public, public_tag) = read(&app, None, &path).await;
    assert_ne!(public_tag, published_tag);
    assert!(header(&public, "cache-control").starts_with("public, max-age="));
    assert_eq!(header(&public, "vary"), "Authorization, Accept-Encoding");
    assert!(not_modified(&app, None, &path, &public_tag).await);
    // An embedded byline is part of the representation: editing it changes the tag.
    let with_author = format!("{path}?include=author");
    let (_, embed_tag) = read(&app, None, &with_author).await;
    let res = app
        .patch_json(
            &format!("/api/v1/authors/{}", author["id"].as_str().unwrap()),
            &json!({"bio": "New bio"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        !not_modified(&app, None, &with_author, &embed_tag).await,
        "the byline changed"
    );

    // Authors and categories: the same rules, with tags that move on every change.
    for (collection, record, change) in [
        ("authors", author.clone(), json!({"bio": "Covers tags"})),
        (
            "categories",
            category.clone(),
            json!({"description": "Tagged things"}),
        ),
    ] {
        let id = record["id"].as_str().unwrap();
        let path = format!("/api/v1/{collection}/{id}");
        let (staff, tag) = read(&app, Some(&admin), &path).await;
        assert_eq!(
            header(&staff, "cache-control"),
            "private, no-store",
            "{path}"
        );
        assert!(staff.headers().contains_key("last-modified"), "{path}");
        assert!(
            not_modified(&app, Some(&admin), &path, &tag).await,
            "{path}"
        );
        let (public, public_tag) = read(&app, None, &path).await;
        assert!(
            header(&public, "cache-control").starts_with("public, max-age="),
            "{path}"
        );
        assert_eq!(header(&public, "vary"), "Authorization, Accept-Encoding");
        assert!(not_modified(&app, None, &path, &public_tag).await, "{path}");

        let res = send(
            app.request(Method::PATCH, &path)
                .header("if-match", &tag)
                .json(&change),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let new_tag = header(&res, "etag");
        assert_ne!(new_tag, tag, "{path}");
        let (_, read_tag) = read(&app, Some(&admin), &path).await;
        assert_eq!(read_tag, new_tag, "{path}: the write's tag is the read's");
        assert!(
            !not_modified(&app, Some(&admin), &path, &tag).await,
            "{path}"
        );

        // The old tag is a 412 and changes nothing, for PATCH and DELETE alike.
        let before: Value = app.get(&path).await.json().await.unwrap();
        let res = send(
            app.request(Method::PATCH, &path)
                .header("if-match", &tag)
                .json(&json!({"name": "Lost"})),
        )
        .await;
        assert_problem(res, 412, "precondition_failed").await;
        let res = send(app.request(Method::DELETE, &path).header("if-match", &tag)).await;
        assert_problem(res, 412, "precondition_failed").await;
        let after: Value = app.get(&path).await.json().await.unwrap();
        assert_eq!(after, before, "{path}");
    }
    // A category nothing refers to goes with its current tag.
    let lone = app.create_category(json!({"name": "Lone"})).await;
    let path = format!("/api/v1/categories/{}", lone["id"].as_str().unwrap());
    let (_, tag) = read(&app, Some(&admin), &path).await;
    let res = send(app.request(Method::DELETE, &path).header("if-match", &tag)).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // Private things are never stored by a shared cache.
    for private in [
        "/api/v1/users",
        "/api/v1/tokens",
        "/api/v1/webhooks",
        "/api/v1/audit",
        "/api/v1/me",
    ] {
        let res = app.get(private).await;
        assert_eq!(res.status(), StatusCode::OK, "{private}");
        let cache = header(&res, "cache-control");
        assert!(
            cache.contains("no-store") && !cache.contains("public"),
            "{private}: {cache}"
        );
    }

    // Lists of public things are cacheable for the public, private for staff.
    for list in ["/api/v1/articles", "/api/v1/authors", "/api/v1/categories"] {
        let res = app.anon().get(list).await;
        assert!(
            header(&res, "cache-control").starts_with("public, max-age="),
            "{list}"
        );
        let res = app.get(list).await;
        assert_eq!(header(&res, "cache-control"), "private, no-store", "{list}");
    }
}

#[tokio::test]
async fn concurrent_writes_with_one_if_match_let_exactly_one_through() {
    let app = spawn_app().await;
    let author = app.create_author(json!({"name": "Race Writer"})).await;
    let category = app.create_category(json!({"name": "Race"})).await;
    for (collection, record, field) in [
        ("authors", author, "bio"),
        ("categories", category, "description"),
    ] {
        let path = format!("/api/v1/{collection}/{}", record["id"].as_str().unwrap());
        let tag = header(&app.get(&path).await, "etag");
        let attempts = (0..8).map(|n| {
            let req = app
                .request(Method::PATCH, &path)
                .header("if-match", &tag)
                .json(&json!({field: format!("writer {n}")}));
            send(req)
        });
        let answers = futures_util::future::join_all(attempts).await;
        let ok = answers
            .iter()
            .filter(|r| r.status() == StatusCode::OK)
            .count();
        let stale = answers
            .iter()
            .filter(|r| r.status() == StatusCode::PRECONDITION_FAILED)
            .count();
        assert_eq!((ok, stale), (1, 7), "{path}");
    }
}

#[tokio::test]
async fn actions_take_a_slug_and_their_body_may_be_left_out() {
    let app = spawn_app().await;
    let article = app
        .create_article(json!({"title": "Slug Actions", "body": "x"}))
        .await;
    let slug = article["slug"].as_str().unwrap();
    // As generated clients send it: a JSON content type and no body at all.
    for (action, status) in [
        ("publish", "published"),
        ("unpublish", "draft"),
        ("archive", "archived"),
    ] {
        let req = app
            .request(Method::POST, &format!("/api/v1/articles/{slug}/{action}"))
            .header("content-type", "application/json");
        let res = send(req).await;
        assert_eq!(res.status(), StatusCode::OK, "{action}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], status, "{action}");
    }
    let res = app
        .post_json("/api/v1/articles/no-such-story/publish", &json!({}))
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn plain_dates_filter_lists_as_midnight_utc() {
    let app = spawn_app().await;
    for (title, at) in [
        ("Old Story", "2019-02-07T23:59:59Z"),
        ("New Story", "2019-02-08T00:00:00Z"),
    ] {
        let article = app
            .create_article(json!({"title": title, "body": "x"}))
            .await;
        app.publish(article["id"].as_str().unwrap(), Some(at)).await;
    }
    for (query, want) in [
        ("published_after=2019-02-08", vec!["New Story"]),
        ("published_before=2019-02-08", vec!["Old Story"]),
        ("updated_after=2019-02-08", vec!["New Story", "Old Story"]),
    ] {
        let res = app.anon().get(&format!("/api/v1/articles?{query}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{query}");
        let body: Value = res.json().await.unwrap();
        let titles: Vec<&str> = body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, want, "{query}");
    }
    let res = app
        .anon()
        .get("/api/v1/authors?updated_after=2019-02-08")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .anon()
        .get("/api/v1/articles?published_after=2019-02-30")
        .await;
    assert_problem(res, 400, "invalid_query").await;
}

#[tokio::test]
async fn messages_count_in_the_right_number() {
    let app = spawn_app().await;
    let author = app.create_author(json!({"name": "Counted"})).await;
    let parent = app.create_category(json!({"name": "Parent"})).await;
    app.create_category(json!({"name": "Child", "parent_id": parent["id"]}))
        .await;
    let section = app.create_category(json!({"name": "Section"})).await;
    app.create_article(json!({"title": "One", "body": "x", "author_id": author["id"], "category_id": section["id"]}))
        .await;
    let res = app
        .delete(&format!(
            "/api/v1/authors/{}",
            author["id"].as_str().unwrap()
        ))
        .await;
    let body = assert_problem(res, 409, "author_in_use").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("1 article carries this byline"),
        "{body}"
    );
    let res = app
        .delete(&format!(
            "/api/v1/categories/{}",
            section["id"].as_str().unwrap()
        ))
        .await;
    let body = assert_problem(res, 409, "category_in_use").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("1 article is filed under"),
        "{body}"
    );
    let res = app
        .delete(&format!(
            "/api/v1/categories/{}",
            parent["id"].as_str().unwrap()
        ))
        .await;
    let body = assert_problem(res, 409, "category_has_children").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("still has 1 child category;"),
        "{body}"
    );
}

#[tokio::test]
async fn search_rank_lies_between_zero_and_one_on_either_database() {
    let app = spawn_app().await;
    for (title, body) in [
        (
            "Copper climbs",
            "Copper copper copper climbs as mines close.",
        ),
        ("Markets wrap", "Stocks were flat; copper rose a little."),
    ] {
        let article = app
            .create_article(json!({"title": title, "body": body}))
            .await;
        app.publish(article["id"].as_str().unwrap(), None).await;
    }
    let body: Value = app
        .anon()
        .get("/api/v1/articles?q=copper")
        .await
        .json()
        .await
        .unwrap();
    let ranks: Vec<f64> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["search"]["rank"].as_f64().unwrap())
        .collect();
    assert_eq!(ranks.len(), 2, "{body}");
    assert!(ranks.iter().all(|r| (0.0..=1.0).contains(r)), "{ranks:?}");
    assert!(ranks[0] > ranks[1], "best first: {ranks:?}");
}
