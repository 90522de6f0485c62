//! History: revisions with restore, the trash, old slugs that redirect, expiry, and the audit
//! log, each as a client sees it.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, assert_problem, field_errors, send, spawn_app,
    spawn_app_with,
};

/// How many articles the public list holds.
async fn public_total(app: &TestApp) -> i64 {
    let list = body(app.anon().get("/api/v1/articles?with_total=true").await).await;
    list["meta"]["total"].as_i64().unwrap()
}

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

fn etag_of(res: &reqwest::Response) -> String {
    res.headers()["etag"].to_str().unwrap().to_owned()
}

/// Every page of a list, following `next_cursor`.
async fn walk(app: &TestApp, first: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = first.to_owned();
    loop {
        let res = app.get(&path).await;
        assert_eq!(res.status(), 200, "{path}");
        let page = body(res).await;
        items.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["meta"]["next_cursor"].as_str() {
            Some(cursor) => {
                let sep = if first.contains('?') { '&' } else { '?' };
                path = format!("{first}{sep}cursor={cursor}");
            }
            None => return items,
        }
    }
}

/// The audit entries with this action about this target.
async fn audit_of(app: &TestApp, action: &str, target_id: &str) -> Vec<Value> {
    let page = body(
        app.get(&format!(
            "/api/v1/audit?action={action}&target_id={target_id}&limit=100"
        ))
        .await,
    )
    .await;
    page["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn every_change_keeps_a_revision_and_restore_makes_a_new_version() {
    let app = spawn_app().await;
    let article = app
        .create_article(json!({"title": "Rates hold", "body": "First draft.", "excerpt": "One."}))
        .await;
    let id = article["id"].as_str().unwrap();
    let path = format!("/api/v1/articles/{id}");
    assert_eq!(
        app.patch_json(&path, &json!({"title": "Rates rise"}))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.patch_json(&path, &json!({"body": "Second draft.", "excerpt": null}))
            .await
            .status(),
        200
    );
    // A patch that changes nothing is no new version and no revision.
    assert_eq!(
        body(app.patch_json(&path, &json!({"title": "Rates rise"})).await).await["version"],
        3
    );
    app.publish(id, None).await;
    let res = app
        .post_json(&format!("{path}/unpublish"), &json!({}))
        .await;
    assert_eq!(res.status(), 200);

    let list = body(app.get(&format!("{path}/revisions?with_total=true")).await).await;
    assert_eq!(list["meta"]["total"], 5);
    let items = list["data"].as_array().unwrap();
    let versions: Vec<i64> = items
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [5, 4, 3, 2, 1]);
    let actions: Vec<&str> = items
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["unpublished", "published", "updated", "updated", "created"]
    );
    assert_eq!(items[2]["changed_fields"], json!(["excerpt", "body"]));
    assert_eq!(items[3]["changed_fields"], json!(["title"]));
    assert_eq!(
        items[1]["changed_fields"],
        json!(["status", "published_at"])
    );
    assert_eq!(items[4]["actor"]["type"], "user");
    let me = body(app.get("/api/v1/me").await).await;
    assert_eq!(items[4]["actor"]["id"], me["id"]);
    assert_eq!(items[4]["actor"]["name"], me["display_name"]);
    assert_eq!(items[3]["article"]["title"], "Rates rise");
    assert_eq!(items[1]["article"]["status"], "published");
    assert!(
        items.iter().all(|r| r["article"].get("body").is_none()),
        "lists leave bodies out"
    );
    let with_bodies = body(app.get(&format!("{path}/revisions?fields=body")).await).await;
    assert_eq!(with_bodies["data"][4]["article"]["body"], "First draft.");
    assert_eq!(with_bodies["data"][0]["article"]["body"], "Second draft.");
    assert_problem(
        app.get(&format!("{path}/revisions?fields=title")).await,
        400,
        "invalid_query",
    )
    .await;

    // Paging by cursor sees every revision once.
    let paged = walk(&app, &format!("{path}/revisions?limit=2")).await;
    let versions: Vec<i64> = paged
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [5, 4, 3, 2, 1]);

    let one = body(app.get(&format!("{path}/revisions/1")).await).await;
    assert_eq!(one["article"]["title"], "Rates hold");
    assert_eq!(one["article"]["body"], "First draft.");
    assert_eq!(one["article"]["excerpt"], "One.");
    assert_problem(
        app.get(&format!("{path}/revisions/9")).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("{path}/revisions/0")).await,
        400,
        "invalid_path",
    )
    .await;
    assert_problem(
        app.get(&format!("{path}/revisions/x")).await,
        400,
        "invalid_path",
    )
    .await;

    // Restore honors If-Match; a stale tag changes nothing.
    let stale = app
        .request(Method::POST, &format!("{path}/revisions/1/restore"))
        .header("If-Match", format!("\"{id}.v2\""))
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;
    let current = app.get(&path).await;
    let tag = etag_of(&current);
    assert_eq!(body(current).await["version"], 5);
    let restored = send(
        app.request(Method::POST, &format!("{path}/revisions/1/restore"))
            .header("If-Match", tag),
    )
    .await;
    assert_eq!(restored.status(), 200);
    let restored_tag = etag_of(&restored);
    let restored = body(restored).await;
    assert_eq!(restored["version"], 6);
    assert_eq!(restored["title"], "Rates hold");
    assert_eq!(restored["body"], "First draft.");
    assert_eq!(restored["excerpt"], "One.");
    assert_eq!(restored["status"], "draft", "the status is not restored");
    assert_eq!(restored_tag, format!("\"{id}.v6\""));
    let newest = body(app.get(&format!("{path}/revisions?limit=1")).await).await;
    assert_eq!(newest["data"][0]["action"], "restored");
    assert_eq!(newest["data"][0]["version"], 6);
}

#[tokio::test]
async fn revisions_are_read_by_those_who_may_read_drafts_and_restored_by_those_who_may_edit() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let (_, reader) = app.api_token("read").await;
    let res = app
        .with(&author)
        .post_json(
            "/api/v1/articles",
            &json!({"title": "Mine", "body": "Draft."}),
        )
        .await;
    let id = body(res).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/articles/{id}");
    assert_eq!(
        app.with(&author)
            .patch_json(&path, &json!({"title": "Mine, again"}))
            .await
            .status(),
        200
    );
    let revisions = format!("{path}/revisions");
    assert_problem(app.anon().get(&revisions).await, 401, "unauthorized").await;
    // Even with a query it would refuse, no credentials is a 401 first.
    let res = app.anon().get(&format!("{revisions}?cursor=bogus")).await;
    assert_problem(res, 401, "unauthorized").await;
    // Another author's draft does not exist for them: its history is a 404 like the draft.
    assert_problem(app.with(&other).get(&revisions).await, 404, "not_found").await;
    assert_eq!(app.with(&reader).get(&revisions).await.status(), 200);
    assert_eq!(app.with(&author).get(&revisions).await.status(), 200);

    // Authors restore their own drafts; read tokens and other authors may not.
    let restore = format!("{path}/revisions/1/restore");
    assert_problem(
        app.with(&reader).post_json(&restore, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.with(&other).post_json(&restore, &json!({})).await,
        404,
        "not_found",
    )
    .await;
    let res = app.with(&author).post_json(&restore, &json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["title"], "Mine");
    // Once published, the author may no longer restore it.
    app.publish(&id, None).await;
    assert_problem(
        app.with(&author).post_json(&restore, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn restoring_a_revision_whose_author_or_category_is_gone_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    let author = app.create_author(json!({"name": "Gone Soon"})).await;
    let keeper = app.create_author(json!({"name": "Stays"})).await;
    let section = app.create_category(json!({"name": "Old Desk"})).await;
    let article = app
        .create_article(json!({"title": "Moved", "body": "Text.",
            "author_id": author["id"], "category_id": section["id"]}))
        .await;
    let id = article["id"].as_str().unwrap();
    let path = format!("/api/v1/articles/{id}");
    let res = app
        .patch_json(
            &path,
            &json!({"author_id": keeper["id"], "category_id": null}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let gone = |p: &str| format!("{p}/{}", author["id"].as_str().unwrap());
    assert_eq!(app.delete(&gone("/api/v1/authors")).await.status(), 204);
    let desk = format!("/api/v1/categories/{}", section["id"].as_str().unwrap());
    assert_eq!(app.delete(&desk).await.status(), 204);

    let problem = assert_problem(
        app.post_json(&format!("{path}/revisions/1/restore"), &json!({}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    let fields = field_errors(&problem);
    assert!(
        fields.contains(&("author_id".into(), "not_found".into())),
        "{problem}"
    );
    assert!(
        fields.contains(&("category_id".into(), "not_found".into())),
        "{problem}"
    );
    let now = body(app.get(&path).await).await;
    assert_eq!(now["version"], 2);
    assert_eq!(now["author_id"], keeper["id"]);
    let count = body(app.get(&format!("{path}/revisions?with_total=true")).await).await;
    assert_eq!(
        count["meta"]["total"], 2,
        "no revision for a refused restore"
    );
}

#[tokio::test]
async fn concurrent_patches_each_make_one_revision_and_none_is_lost() {
    let app = spawn_app().await;
    let article = app
        .create_article(json!({"title": "Busy", "body": "Text."}))
        .await;
    let id = article["id"].as_str().unwrap();
    let path = format!("/api/v1/articles/{id}");
    let patches: Vec<Value> = (0..12)
        .map(|i| json!({"title": format!("Take {i}")}))
        .collect();
    let answers = join_all(patches.iter().map(|p| app.patch_json(&path, p))).await;
    let mut versions = HashSet::new();
    for res in answers {
        assert_eq!(res.status(), 200);
        versions.insert(body(res).await["version"].as_i64().unwrap());
    }
    assert_eq!(versions.len(), 12, "each PATCH got its own version");
    let revisions = walk(&app, &format!("{path}/revisions?limit=5")).await;
    let stored: Vec<i64> = revisions
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(stored, (1..=13).rev().collect::<Vec<_>>());
    let titles: HashSet<&str> = revisions[..12]
        .iter()
        .map(|r| r["article"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 12, "every title was kept in some revision");
}

#[tokio::test]
async fn a_trashed_article_is_invisible_everywhere_until_restored_as_it_was() {
    let app = spawn_app().await;
    let (_, editor) = app.user_with_role("editor").await;
    let author = app.create_author(json!({"name": "Wire Desk"})).await;
    let desk = app.create_category(json!({"name": "Markets"})).await;
    let article = app
        .create_article(
            json!({"title": "Zinc rallies", "body": "Zinc prices rallied.",
            "slug": "zinc-rallies", "author_id": author["id"], "category_id": desk["id"],
            "unpublish_at": "2999-01-01T00:00:00Z"}),
        )
        .await;
    let id = article["id"].as_str().unwrap().to_owned();
    let published = app.publish(&id, None).await;
    let path = format!("/api/v1/articles/{id}");

    let visible = |list: &Value| {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str())
    };
    let lists = [
        "/api/v1/articles".to_owned(),
        "/api/v1/articles?q=zinc".to_owned(),
        "/api/v1/articles?category=markets".to_owned(),
        "/api/v1/articles?author=wire-desk&include=author,category".to_owned(),
        "/api/v1/articles?sort=title".to_owned(),
    ];
    for list in &lists {
        assert!(visible(&body(app.anon().get(list).await).await), "{list}");
    }

    assert_eq!(public_total(&app).await, 1);

    let res = send(app.with(&editor).request(Method::DELETE, &path)).await;
    assert_eq!(res.status(), 204);

    for view in [app.anon(), app.with(&editor)] {
        assert_problem(view.get(&path).await, 404, "not_found").await;
        assert_problem(
            view.get("/api/v1/articles/zinc-rallies").await,
            404,
            "not_found",
        )
        .await;
        for list in &lists {
            assert!(!visible(&body(view.get(list).await).await), "{list}");
        }
    }
    for list in [
        "/api/v1/articles?status=all",
        "/api/v1/articles?status=published&q=zinc",
    ] {
        assert!(!visible(&body(app.get(list).await).await), "{list}");
    }
    assert_eq!(public_total(&app).await, 0);
    let all: Value = body(app.get("/api/v1/articles?status=all&with_total=true").await).await;
    assert_eq!(all["meta"]["total"], 0);
    // Writes and history do not reach it either.
    assert_problem(
        app.patch_json(&path, &json!({"title": "X"})).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post_json(&format!("{path}/archive"), &json!({})).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("{path}/revisions")).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.delete(&path).await, 404, "not_found").await;
    // Its slug stays taken, and neither the author nor the category can go.
    assert_problem(
        app.post_json(
            "/api/v1/articles",
            &json!({"title": "Other", "body": "B", "slug": "zinc-rallies"}),
        )
        .await,
        409,
        "slug_taken",
    )
    .await;

    let trash = body(app.with(&editor).get("/api/v1/trash?with_total=true").await).await;
    assert_eq!(trash["meta"]["total"], 1);
    assert_eq!(trash["data"][0]["id"], id.as_str());
    assert!(trash["data"][0]["trashed_at"].is_string());
    assert_eq!(trash["data"][0]["status"], "published");
    assert!(trash["data"][0]["trashed_by"].is_string());
    assert_problem(app.anon().get("/api/v1/trash").await, 401, "unauthorized").await;

    let res = app
        .with(&editor)
        .post_json(&format!("/api/v1/trash/{id}/restore"), &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let back = body(res).await;
    for field in [
        "slug",
        "status",
        "published_at",
        "unpublish_at",
        "author_id",
        "category_id",
    ] {
        assert_eq!(back[field], published[field], "{field}");
    }
    assert_eq!(back["version"], published["version"].as_i64().unwrap() + 2);
    for list in &lists {
        assert!(visible(&body(app.anon().get(list).await).await), "{list}");
    }
    let trash = body(app.get("/api/v1/trash").await).await;
    assert!(trash["data"].as_array().unwrap().is_empty());
    let actions: Vec<String> =
        body(app.get(&format!("{path}/revisions?limit=2")).await).await["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(actions, ["untrashed", "trashed"]);
    assert_problem(
        app.post_json(&format!("/api/v1/trash/{id}/restore"), &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn admins_purge_the_trash_for_good_with_revisions_and_old_slugs() {
    let app = spawn_app().await;
    let (_, editor) = app.user_with_role("editor").await;
    let article = app
        .create_article(json!({"title": "Doomed", "body": "Text.", "slug": "doomed"}))
        .await;
    let id = article["id"].as_str().unwrap();
    let path = format!("/api/v1/articles/{id}");
    let res = app.patch_json(&path, &json!({"slug": "doomed-2"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.delete(&path).await.status(), 204);
    let purge = format!("/api/v1/trash/{id}");
    assert_problem(app.with(&editor).delete(&purge).await, 403, "forbidden").await;
    assert_eq!(app.delete(&purge).await.status(), 204);
    assert_problem(app.delete(&purge).await, 404, "not_found").await;
    assert_problem(
        app.get(&format!("{path}/revisions")).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.get("/api/v1/articles/doomed").await, 404, "not_found").await;
    // Both slugs are free again.
    for slug in ["doomed", "doomed-2"] {
        let res = app
            .post_json(
                "/api/v1/articles",
                &json!({"title": "Reborn", "body": "B", "slug": slug}),
            )
            .await;
        assert_eq!(res.status(), 201, "{slug}");
    }
    let purged = audit_of(&app, "article.purged", id).await;
    assert_eq!(purged.len(), 1);
}

#[tokio::test]
async fn authors_see_and_restore_only_their_own_trash() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let res = app
        .with(&author)
        .post_json("/api/v1/articles", &json!({"title": "Mine", "body": "B"}))
        .await;
    let id = body(res).await["id"].as_str().unwrap().to_owned();
    app.create_article(json!({"title": "Staff", "body": "B"}))
        .await;
    let res = app
        .with(&author)
        .delete(&format!("/api/v1/articles/{id}"))
        .await;
    assert_eq!(res.status(), 204);
    let staff = app
        .create_article(json!({"title": "Staff two", "body": "B"}))
        .await;
    let res = app
        .delete(&format!(
            "/api/v1/articles/{}",
            staff["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), 204);

    let mine = body(app.with(&author).get("/api/v1/trash").await).await;
    let ids: Vec<&str> = mine["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let theirs = body(app.with(&other).get("/api/v1/trash").await).await;
    assert!(theirs["data"].as_array().unwrap().is_empty());
    assert_eq!(
        body(app.get("/api/v1/trash").await).await["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let restore = format!("/api/v1/trash/{id}/restore");
    assert_problem(
        app.with(&other).post_json(&restore, &json!({})).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        app.with(&author)
            .post_json(&restore, &json!({}))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn the_trash_empties_itself_after_its_retention() {
    let app = spawn_app_with(|s| {
        s.retention.trash = Duration::ZERO;
        s.retention.every = Duration::from_millis(300);
    })
    .await;
    let article = app
        .create_article(json!({"title": "Short lived", "body": "B"}))
        .await;
    let id = article["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/articles/{id}")).await.status(),
        204
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let purged = audit_of(&app, "article.purged", id).await;
        if purged.len() == 1 {
            assert_eq!(purged[0]["actor"]["type"], "system");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never purged");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_problem(
        app.post_json(&format!("/api/v1/trash/{id}/restore"), &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn old_slugs_redirect_to_the_current_one_and_stay_reserved() {
    let app = spawn_app().await;
    let article = app
        .create_article(json!({"title": "First name", "body": "B", "slug": "first-name"}))
        .await;
    let id = article["id"].as_str().unwrap();
    let path = format!("/api/v1/articles/{id}");
    app.publish(id, None).await;
    for slug in ["second-name", "third-name"] {
        let res = app.patch_json(&path, &json!({"slug": slug})).await;
        assert_eq!(res.status(), 200);
    }
    // Chains collapse: each old slug answers the current one in one hop, query kept.
    for old in ["first-name", "second-name"] {
        let res = app
            .anon()
            .get(&format!("/api/v1/articles/{old}?include=author"))
            .await;
        assert_eq!(res.status(), 301, "{old}");
        let location = "/api/v1/articles/third-name?include=author";
        assert_eq!(res.headers()["location"], location);
        let moved = body(res).await;
        assert_eq!(moved, json!({"slug": "third-name", "location": location}));
    }
    let head = send(
        app.anon()
            .request(Method::HEAD, "/api/v1/articles/first-name"),
    )
    .await;
    assert_eq!(head.status(), 301);
    assert_eq!(head.headers()["location"], "/api/v1/articles/third-name");

    // Historic slugs are reserved: a chosen one is a 409, a generated one skips it.
    assert_problem(
        app.post_json(
            "/api/v1/articles",
            &json!({"title": "Else", "body": "B", "slug": "first-name"}),
        )
        .await,
        409,
        "slug_taken",
    )
    .await;
    let other = app
        .create_article(json!({"title": "First name", "body": "B"}))
        .await;
    assert_eq!(other["slug"], "first-name-2");
    assert_problem(
        app.patch_json(
            &format!("/api/v1/articles/{}", other["id"].as_str().unwrap()),
            &json!({"slug": "second-name"}),
        )
        .await,
        409,
        "slug_taken",
    )
    .await;
    // The owner may take an old slug back; the slug it leaves then redirects.
    let res = app.patch_json(&path, &json!({"slug": "first-name"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.anon().get("/api/v1/articles/first-name").await.status(),
        200
    );
    let res = app.anon().get("/api/v1/articles/third-name").await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/api/v1/articles/first-name");
}

#[tokio::test]
async fn an_old_slug_of_an_article_the_caller_may_not_see_is_a_404() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let article = app
        .create_article(json!({"title": "Secret", "body": "B", "slug": "secret-plan"}))
        .await;
    let id = article["id"].as_str().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &json!({"slug": "secret-plan-2"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let old = "/api/v1/articles/secret-plan";
    let problem = assert_problem(app.anon().get(old).await, 404, "not_found").await;
    assert!(!problem.to_string().contains("secret-plan-2"));
    assert_problem(app.with(&author).get(old).await, 404, "not_found").await;
    assert_eq!(app.get(old).await.status(), 301, "editors see drafts");
    // Trashed: the old slug is a 404 even to the admin.
    assert_eq!(
        app.delete(&format!("/api/v1/articles/{id}")).await.status(),
        204
    );
    assert_problem(app.get(old).await, 404, "not_found").await;
}

#[tokio::test]
async fn authors_and_categories_keep_their_old_slugs_too() {
    let app = spawn_app().await;
    let author = app
        .create_author(json!({"name": "Kim Lee", "slug": "kim-lee"}))
        .await;
    let res = app
        .patch_json(
            &format!("/api/v1/authors/{}", author["id"].as_str().unwrap()),
            &json!({"slug": "kim-lee-nyc"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app.anon().get("/api/v1/authors/kim-lee").await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/api/v1/authors/kim-lee-nyc");
    assert_eq!(body(res).await["slug"], "kim-lee-nyc");
    let generated = app.create_author(json!({"name": "Kim Lee"})).await;
    assert_eq!(generated["slug"], "kim-lee-2");

    let desk = app
        .create_category(json!({"name": "Metro", "slug": "metro"}))
        .await;
    let res = app
        .patch_json(
            &format!("/api/v1/categories/{}", desk["id"].as_str().unwrap()),
            &json!({"slug": "city"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app.anon().get("/api/v1/categories/metro?limit=5").await;
    assert_eq!(res.status(), 400, "undeclared parameters stay a 400");
    let res = app.anon().get("/api/v1/categories/metro").await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/api/v1/categories/city");
    assert_problem(
        app.post_json(
            "/api/v1/categories",
            &json!({"name": "Other", "slug": "metro"}),
        )
        .await,
        409,
        "slug_taken",
    )
    .await;
    // Deleting the owner frees its old slugs.
    let res = app
        .delete(&format!(
            "/api/v1/categories/{}",
            desk["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get("/api/v1/categories/metro").await, 404, "not_found").await;
    app.create_category(json!({"name": "Metro", "slug": "metro"}))
        .await;
}

#[tokio::test]
async fn expiry_takes_a_story_off_the_public_routes_with_no_job() {
    let app = spawn_app().await;
    let desk = app.create_category(json!({"name": "Deals"})).await;
    let article = app
        .create_article(
            json!({"title": "Flash sale ends", "body": "Bargain prices.",
            "category_id": desk["id"]}),
        )
        .await;
    let id = article["id"].as_str().unwrap();
    let path = format!("/api/v1/articles/{id}");

    // The expiry must come after the publication.
    let problem = assert_problem(
        app.post_json(
            &format!("{path}/publish"),
            &json!({"publish_at": "2026-01-02T00:00:00Z", "unpublish_at": "2026-01-01T00:00:00Z"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        [("unpublish_at".to_owned(), "invalid_value".to_owned())]
    );
    assert_problem(
        app.post_json(&format!("{path}/publish"), &json!({"unpublish_at": "soon"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        body(app.get(&path).await).await["version"],
        1,
        "nothing changed"
    );

    let until = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let res = app
        .post_json(&format!("{path}/publish"), &json!({"unpublish_at": until}))
        .await;
    assert_eq!(res.status(), 200);
    let published = body(res).await;
    assert_eq!(published["live"], true);
    assert!(published["unpublish_at"].is_string());

    let lists = [
        "/api/v1/articles",
        "/api/v1/articles?q=bargain",
        "/api/v1/articles?category=deals",
    ];
    let listed = |list: Value| {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id)
    };
    assert_eq!(app.anon().get(&path).await.status(), 200);
    assert!(
        body(app.anon().get(&path).await)
            .await
            .get("live")
            .is_none()
    );
    for list in lists {
        assert!(listed(body(app.anon().get(list).await).await), "{list}");
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_problem(app.anon().get(&path).await, 404, "not_found").await;
    for list in lists {
        assert!(!listed(body(app.anon().get(list).await).await), "{list}");
    }
    let count = body(app.anon().get("/api/v1/articles?with_total=true").await).await;
    assert_eq!(count["meta"]["total"], 0);
    // Staff still see it: published, not live.
    let staff = body(app.get(&path).await).await;
    assert_eq!(staff["status"], "published");
    assert_eq!(staff["live"], false);
    let staff_list = body(app.get("/api/v1/articles?status=published").await).await;
    assert_eq!(staff_list["data"][0]["live"], false);

    // An expiry before the publication is refused on PATCH too; null clears it.
    let problem = assert_problem(
        app.patch_json(&path, &json!({"unpublish_at": "2000-01-01T00:00:00Z"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(field_errors(&problem)[0].0, "unpublish_at");
    let res = app.patch_json(&path, &json!({"unpublish_at": null})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["live"], true);
    assert_eq!(app.anon().get(&path).await.status(), 200);
}

#[tokio::test]
async fn an_expired_story_never_shows_and_a_scheduled_one_obeys_both_times() {
    let app = spawn_app().await;
    let past = app
        .create_article(json!({"title": "Old news", "body": "B",
            "unpublish_at": "2020-01-02T00:00:00Z"}))
        .await;
    let id = past["id"].as_str().unwrap();
    let res = app
        .post_json(
            &format!("/api/v1/articles/{id}/publish"),
            &json!({"publish_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["live"], false);
    assert_problem(
        app.anon().get(&format!("/api/v1/articles/{id}")).await,
        404,
        "not_found",
    )
    .await;
    // Scheduled ahead, with an expiry further ahead: hidden now, staff see it not live.
    let later = app
        .create_article(json!({"title": "Tomorrow", "body": "B"}))
        .await;
    let later_id = later["id"].as_str().unwrap();
    let res = app
        .post_json(
            &format!("/api/v1/articles/{later_id}/publish"),
            &json!({"publish_at": "2999-01-01T00:00:00Z", "unpublish_at": "2999-01-02T00:00:00Z"}),
        )
        .await;
    let scheduled = body(res).await;
    assert_eq!(scheduled["status"], "scheduled");
    assert_eq!(scheduled["live"], false);
    let list = body(app.anon().get("/api/v1/articles?with_total=true").await).await;
    assert_eq!(list["meta"]["total"], 0);
}

#[tokio::test]
async fn the_audit_log_records_writes_and_sign_ins_for_admins_only() {
    let app = spawn_app().await;
    let wrong_password = "not the password at all";
    let res = app
        .anon()
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": ADMIN_EMAIL, "password": wrong_password}),
        )
        .await;
    assert_eq!(res.status(), 401);
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let refresh = pair["refresh_token"].as_str().unwrap();
    let res = app
        .anon()
        .post_json("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
        .await;
    assert_eq!(res.status(), 200);
    let second = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let res = app
        .anon()
        .post_json(
            "/api/v1/auth/logout",
            &json!({"refresh_token": second["refresh_token"]}),
        )
        .await;
    assert_eq!(res.status(), 204);

    let res = app
        .post_json(
            "/api/v1/articles",
            &json!({"title": "Audited", "body": "B"}),
        )
        .await;
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let article = body(res).await;
    let id = article["id"].as_str().unwrap();

    let created = audit_of(&app, "article.created", id).await;
    assert_eq!(created.len(), 1);
    let entry = &created[0];
    assert_eq!(entry["actor"]["type"], "user");
    assert!(entry["actor"]["id"].is_string());
    assert_eq!(entry["target"], json!({"type": "article", "id": id}));
    assert_eq!(entry["request_id"], request_id.as_str());
    assert_eq!(entry["client_ip"], "127.0.0.1");
    assert_eq!(entry["details"]["version"], 1);

    let log = body(app.get("/api/v1/audit?limit=100").await).await;
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "session.login_failed",
        "session.login",
        "session.logout",
        "user.created",
        "article.created",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let failed = body(app.get("/api/v1/audit?action=session.login_failed").await).await;
    assert_eq!(failed["data"][0]["details"]["email"], ADMIN_EMAIL);
    assert_eq!(failed["data"][0]["actor"]["type"], "anonymous");
    assert!(!log.to_string().contains(wrong_password));
    assert!(!log.to_string().contains(refresh));

    // Newest first, filtered, paged by cursor.
    let times: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    let all = walk(&app, "/api/v1/audit?limit=2").await;
    assert_eq!(all.len(), log["data"].as_array().unwrap().len());
    let ids: HashSet<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len());
    let by_target = body(
        app.get(&format!("/api/v1/audit?target_type=article&target_id={id}"))
            .await,
    )
    .await;
    assert_eq!(by_target["data"].as_array().unwrap().len(), 1);
    let actor = entry["actor"]["id"].as_str().unwrap();
    let by_actor = body(
        app.get(&format!("/api/v1/audit?actor={actor}&with_total=true"))
            .await,
    )
    .await;
    assert!(by_actor["meta"]["total"].as_i64().unwrap() >= 2);
    let none = body(app.get("/api/v1/audit?before=2000-01-01").await).await;
    assert!(none["data"].as_array().unwrap().is_empty());
    let future = body(app.get("/api/v1/audit?after=2999-01-01").await).await;
    assert!(future["data"].as_array().unwrap().is_empty());
    assert_problem(app.get("/api/v1/audit?bogus=1").await, 400, "invalid_query").await;
    for bad in [
        "actor=someone",
        "target_id=ABC",
        "target_type=widget",
        "action=published",
        "action=Article.Published",
    ] {
        let res = app.get(&format!("/api/v1/audit?{bad}")).await;
        assert_problem(res, 400, "invalid_query").await;
    }
    assert_problem(
        app.get("/api/v1/audit?after=yesterday").await,
        400,
        "invalid_query",
    )
    .await;

    // Admins only: not editors, not API tokens, not the public.
    let (_, editor) = app.user_with_role("editor").await;
    let (_, writer) = app.api_token("write").await;
    assert_problem(
        app.with(&editor).get("/api/v1/audit").await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.with(&writer).get("/api/v1/audit").await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(app.anon().get("/api/v1/audit").await, 401, "unauthorized").await;
    // A token's writes carry its name, as a user's carry theirs.
    let res = app
        .with(&writer)
        .post_json(
            "/api/v1/articles",
            &json!({"title": "By a token", "body": "B"}),
        )
        .await;
    let by_token = body(res).await;
    let token_article = by_token["id"].as_str().unwrap();
    let entries = audit_of(&app, "article.created", token_article).await;
    assert_eq!(entries[0]["actor"]["type"], "token");
    assert_eq!(entries[0]["actor"]["name"], "write token");
    let revision = body(
        app.get(&format!("/api/v1/articles/{token_article}/revisions/1"))
            .await,
    )
    .await;
    assert_eq!(revision["actor"]["name"], "write token");
    assert_eq!(revision["article"]["title"], "By a token");
    // And nothing changes it.
    for method in [Method::POST, Method::PATCH, Method::DELETE, Method::PUT] {
        let res = send(app.request(method.clone(), "/api/v1/audit")).await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    let entry_path = format!("/api/v1/audit/{}", entry["id"].as_str().unwrap());
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let res = send(app.request(method.clone(), &entry_path)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method}");
    }
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_is_audited() {
    let app = spawn_app_with(|s| s.auth.refresh_reuse_interval = Duration::ZERO).await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let refresh = json!({"refresh_token": pair["refresh_token"]});
    let res = app.anon().post_json("/api/v1/auth/refresh", &refresh).await;
    assert_eq!(res.status(), 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = app.anon().post_json("/api/v1/auth/refresh", &refresh).await;
    assert_eq!(res.status(), 401);
    let log = body(app.get("/api/v1/audit?action=session.refresh_reused").await).await;
    let entries = log["data"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["target"]["type"], "session");
    assert!(entries[0]["details"]["user_id"].is_string());
}

/// How to make each write route answer 2xx, and the audit action it must leave. A route in
/// the OpenAPI document that writes and is missing here fails the test below.
struct Recipe {
    method: &'static str,
    path: &'static str,
    action: &'static str,
}

const RECIPES: &[Recipe] = &[
    Recipe {
        method: "post",
        path: "/api/v1/auth/login",
        action: "session.login",
    },
    Recipe {
        method: "post",
        path: "/api/v1/auth/refresh",
        action: "session.refresh_reused",
    },
    Recipe {
        method: "post",
        path: "/api/v1/auth/logout",
        action: "session.logout",
    },
    Recipe {
        method: "post",
        path: "/api/v1/users",
        action: "user.created",
    },
    Recipe {
        method: "patch",
        path: "/api/v1/users/{id}",
        action: "user.updated",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/users/{id}",
        action: "user.deleted",
    },
    Recipe {
        method: "post",
        path: "/api/v1/tokens",
        action: "api_token.created",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/tokens/{id}",
        action: "api_token.deleted",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles",
        action: "article.created",
    },
    Recipe {
        method: "patch",
        path: "/api/v1/articles/{id_or_slug}",
        action: "article.updated",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/articles/{id_or_slug}",
        action: "article.trashed",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/publish",
        action: "article.published",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/unpublish",
        action: "article.unpublished",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/archive",
        action: "article.archived",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/previews",
        action: "preview.created",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/articles/{id_or_slug}/previews/{id}",
        action: "preview.revoked",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/notes",
        action: "note.created",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/translations",
        action: "article.created",
    },
    Recipe {
        method: "put",
        path: "/api/v1/articles/{id_or_slug}/translations/{id}",
        action: "article.updated",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/articles/{id_or_slug}/translations/{id}",
        action: "article.updated",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/submit",
        action: "article.submitted",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/return",
        action: "article.returned",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/articles/{id_or_slug}/notes/{id}",
        action: "note.deleted",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/lock",
        action: "lock.created",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/articles/{id_or_slug}/lock",
        action: "lock.deleted",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/corrections",
        action: "article.corrected",
    },
    Recipe {
        method: "post",
        path: "/api/v1/articles/{id_or_slug}/revisions/{version}/restore",
        action: "article.restored",
    },
    Recipe {
        method: "post",
        path: "/api/v1/trash/{id}/restore",
        action: "article.untrashed",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/trash/{id}",
        action: "article.purged",
    },
    Recipe {
        method: "post",
        path: "/api/v1/authors",
        action: "author.created",
    },
    Recipe {
        method: "patch",
        path: "/api/v1/authors/{id_or_slug}",
        action: "author.updated",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/authors/{id_or_slug}",
        action: "author.deleted",
    },
    Recipe {
        method: "post",
        path: "/api/v1/categories",
        action: "category.created",
    },
    Recipe {
        method: "patch",
        path: "/api/v1/categories/{id_or_slug}",
        action: "category.updated",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/categories/{id_or_slug}",
        action: "category.deleted",
    },
    Recipe {
        method: "post",
        path: "/api/v1/tags",
        action: "tag.created",
    },
    Recipe {
        method: "post",
        path: "/api/v1/media",
        action: "media.created",
    },
    Recipe {
        method: "patch",
        path: "/api/v1/media/{id}",
        action: "media.updated",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/media/{id}",
        action: "media.deleted",
    },
    Recipe {
        method: "patch",
        path: "/api/v1/tags/{id_or_slug}",
        action: "tag.updated",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/tags/{id_or_slug}",
        action: "tag.deleted",
    },
    Recipe {
        method: "post",
        path: "/api/v1/webhooks",
        action: "webhook.created",
    },
    Recipe {
        method: "patch",
        path: "/api/v1/webhooks/{id}",
        action: "webhook.updated",
    },
    Recipe {
        method: "delete",
        path: "/api/v1/webhooks/{id}",
        action: "webhook.deleted",
    },
    Recipe {
        method: "post",
        path: "/api/v1/webhooks/{id}/rotate-secret",
        action: "webhook.updated",
    },
    Recipe {
        method: "post",
        path: "/api/v1/webhooks/{id}/ping",
        action: "webhook.updated",
    },
    Recipe {
        method: "post",
        path: "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
        action: "webhook.updated",
    },
];

/// Makes the route answer 2xx once; returns the id of what it changed (as the audit
/// entry's target).
async fn perform(app: &TestApp, recipe: &Recipe) -> String {
    let id_of = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let ok = |res: reqwest::Response| async move {
        assert!(res.status().is_success(), "{}", res.status());
        res
    };
    let article = || app.create_article(json!({"title": "Story", "body": "B"}));
    let webhook = || async {
        let body = json!({"url": "http://127.0.0.1:9/hook", "events": ["*"]});
        let res = app.post_json("/api/v1/webhooks", &body).await;
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()
    };
    match (recipe.method, recipe.path) {
        ("post", "/api/v1/auth/login") => {
            app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
            String::new()
        }
        ("post", "/api/v1/auth/refresh") => {
            let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
            let refresh = json!({"refresh_token": pair["refresh_token"]});
            ok(app.anon().post_json("/api/v1/auth/refresh", &refresh).await).await;
            tokio::time::sleep(Duration::from_millis(1100)).await;
            let res = app.anon().post_json("/api/v1/auth/refresh", &refresh).await;
            assert_eq!(res.status(), 401);
            String::new()
        }
        ("post", "/api/v1/auth/logout") => {
            let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
            let refresh = json!({"refresh_token": pair["refresh_token"]});
            ok(app.anon().post_json("/api/v1/auth/logout", &refresh).await).await;
            String::new()
        }
        ("post", "/api/v1/users") => id_of(&app.user_with_role("editor").await.0),
        ("patch", "/api/v1/users/{id}") => {
            let user = id_of(&app.user_with_role("editor").await.0);
            let res = app
                .patch_json(
                    &format!("/api/v1/users/{user}"),
                    &json!({"display_name": "Renamed"}),
                )
                .await;
            ok(res).await;
            user
        }
        ("delete", "/api/v1/users/{id}") => {
            let user = id_of(&app.user_with_role("editor").await.0);
            ok(app.delete(&format!("/api/v1/users/{user}")).await).await;
            user
        }
        ("post", "/api/v1/tokens") => id_of(&app.api_token("read").await.0),
        ("delete", "/api/v1/tokens/{id}") => {
            let token = id_of(&app.api_token("read").await.0);
            ok(app.delete(&format!("/api/v1/tokens/{token}")).await).await;
            token
        }
        ("post", "/api/v1/articles") => id_of(&article().await),
        ("patch", "/api/v1/articles/{id_or_slug}") => {
            let id = id_of(&article().await);
            let res = app
                .patch_json(&format!("/api/v1/articles/{id}"), &json!({"title": "New"}))
                .await;
            ok(res).await;
            id
        }
        ("delete", "/api/v1/articles/{id_or_slug}") => {
            let id = id_of(&article().await);
            ok(app.delete(&format!("/api/v1/articles/{id}")).await).await;
            id
        }
        ("post", "/api/v1/articles/{id_or_slug}/publish") => {
            let id = id_of(&article().await);
            app.publish(&id, None).await;
            id
        }
        ("post", "/api/v1/articles/{id_or_slug}/unpublish") => {
            let id = id_of(&article().await);
            app.publish(&id, None).await;
            let res = app
                .post_json(&format!("/api/v1/articles/{id}/unpublish"), &json!({}))
                .await;
            ok(res).await;
            id
        }
        ("post", "/api/v1/articles/{id_or_slug}/archive") => {
            let id = id_of(&article().await);
            let res = app
                .post_json(&format!("/api/v1/articles/{id}/archive"), &json!({}))
                .await;
            ok(res).await;
            id
        }
        ("post", "/api/v1/articles/{id_or_slug}/submit") => {
            let id = id_of(&article().await);
            let res = app
                .post_json(&format!("/api/v1/articles/{id}/submit"), &json!({}))
                .await;
            ok(res).await;
            id
        }
        ("post", "/api/v1/articles/{id_or_slug}/return") => {
            let id = id_of(&article().await);
            let path = format!("/api/v1/articles/{id}");
            ok(app.post_json(&format!("{path}/submit"), &json!({})).await).await;
            let res = app
                .post_json(&format!("{path}/return"), &json!({"note": "Again."}))
                .await;
            ok(res).await;
            id
        }
        ("post", "/api/v1/articles/{id_or_slug}/notes") => {
            let id = id_of(&article().await);
            let res = app
                .post_json(
                    &format!("/api/v1/articles/{id}/notes"),
                    &json!({"text": "N"}),
                )
                .await;
            id_of(&ok(res).await.json::<Value>().await.unwrap())
        }
        ("post", "/api/v1/articles/{id_or_slug}/translations") => {
            let id = id_of(&article().await);
            let res = app
                .post_json(
                    &format!("/api/v1/articles/{id}/translations"),
                    &json!({"locale": "ru"}),
                )
                .await;
            id_of(&ok(res).await.json::<Value>().await.unwrap())
        }
        ("put", "/api/v1/articles/{id_or_slug}/translations/{id}") => {
            let id = id_of(&article().await);
            let other = id_of(
                &app.create_article(json!({"title": "Перевод", "body": "b", "locale": "ru"}))
                    .await,
            );
            let path = format!("/api/v1/articles/{id}/translations/{other}");
            ok(send(app.request(Method::PUT, &path)).await).await;
            other
        }
        ("delete", "/api/v1/articles/{id_or_slug}/translations/{id}") => {
            let id = id_of(&article().await);
            let res = app
                .post_json(
                    &format!("/api/v1/articles/{id}/translations"),
                    &json!({"locale": "kk"}),
                )
                .await;
            let other = id_of(&ok(res).await.json::<Value>().await.unwrap());
            ok(app
                .delete(&format!("/api/v1/articles/{id}/translations/{other}"))
                .await)
            .await;
            other
        }
        ("delete", "/api/v1/articles/{id_or_slug}/notes/{id}") => {
            let id = id_of(&article().await);
            let res = app
                .post_json(
                    &format!("/api/v1/articles/{id}/notes"),
                    &json!({"text": "N"}),
                )
                .await;
            let note = id_of(&ok(res).await.json::<Value>().await.unwrap());
            ok(app
                .delete(&format!("/api/v1/articles/{id}/notes/{note}"))
                .await)
            .await;
            note
        }
        ("post", "/api/v1/articles/{id_or_slug}/previews") => {
            let id = id_of(&article().await);
            let res = app
                .post_json(&format!("/api/v1/articles/{id}/previews"), &json!({}))
                .await;
            id_of(&ok(res).await.json::<Value>().await.unwrap())
        }
        ("delete", "/api/v1/articles/{id_or_slug}/previews/{id}") => {
            let id = id_of(&article().await);
            let res = app
                .post_json(&format!("/api/v1/articles/{id}/previews"), &json!({}))
                .await;
            let link = id_of(&ok(res).await.json::<Value>().await.unwrap());
            ok(app
                .delete(&format!("/api/v1/articles/{id}/previews/{link}"))
                .await)
            .await;
            link
        }
        ("post", "/api/v1/articles/{id_or_slug}/lock") => {
            let id = id_of(&article().await);
            let res = app
                .post_json(&format!("/api/v1/articles/{id}/lock"), &json!(null))
                .await;
            ok(res).await;
            id
        }
        ("delete", "/api/v1/articles/{id_or_slug}/lock") => {
            let id = id_of(&article().await);
            let lock = format!("/api/v1/articles/{id}/lock");
            ok(app.post_json(&lock, &json!(null)).await).await;
            ok(app.delete(&lock).await).await;
            id
        }
        ("post", "/api/v1/articles/{id_or_slug}/corrections") => {
            let id = id_of(&article().await);
            app.publish(&id, None).await;
            let res = app
                .post_json(
                    &format!("/api/v1/articles/{id}/corrections"),
                    &json!({"kind": "update", "text": "More."}),
                )
                .await;
            ok(res).await;
            id
        }
        ("post", "/api/v1/articles/{id_or_slug}/revisions/{version}/restore") => {
            let id = id_of(&article().await);
            let res = app
                .post_json(
                    &format!("/api/v1/articles/{id}/revisions/1/restore"),
                    &json!({}),
                )
                .await;
            ok(res).await;
            id
        }
        ("post", "/api/v1/trash/{id}/restore") => {
            let id = id_of(&article().await);
            ok(app.delete(&format!("/api/v1/articles/{id}")).await).await;
            let res = app
                .post_json(&format!("/api/v1/trash/{id}/restore"), &json!({}))
                .await;
            ok(res).await;
            id
        }
        ("delete", "/api/v1/trash/{id}") => {
            let id = id_of(&article().await);
            ok(app.delete(&format!("/api/v1/articles/{id}")).await).await;
            ok(app.delete(&format!("/api/v1/trash/{id}")).await).await;
            id
        }
        ("post", "/api/v1/authors") => id_of(&app.create_author(json!({"name": "Someone"})).await),
        ("patch", "/api/v1/authors/{id_or_slug}") => {
            let id = id_of(&app.create_author(json!({"name": "Someone"})).await);
            let res = app
                .patch_json(&format!("/api/v1/authors/{id}"), &json!({"bio": "Hi."}))
                .await;
            ok(res).await;
            id
        }
        ("delete", "/api/v1/authors/{id_or_slug}") => {
            let id = id_of(&app.create_author(json!({"name": "Someone"})).await);
            ok(app.delete(&format!("/api/v1/authors/{id}")).await).await;
            id
        }
        ("post", "/api/v1/categories") => {
            id_of(&app.create_category(json!({"name": "Desk"})).await)
        }
        ("patch", "/api/v1/categories/{id_or_slug}") => {
            let id = id_of(&app.create_category(json!({"name": "Desk"})).await);
            let res = app
                .patch_json(
                    &format!("/api/v1/categories/{id}"),
                    &json!({"description": "D"}),
                )
                .await;
            ok(res).await;
            id
        }
        ("delete", "/api/v1/categories/{id_or_slug}") => {
            let id = id_of(&app.create_category(json!({"name": "Desk"})).await);
            ok(app.delete(&format!("/api/v1/categories/{id}")).await).await;
            id
        }
        ("post", "/api/v1/media") => id_of(&app.upload_png().await),
        ("patch", "/api/v1/media/{id}") => {
            let id = id_of(&app.upload_png().await);
            let res = app
                .patch_json(&format!("/api/v1/media/{id}"), &json!({"alt": "A"}))
                .await;
            ok(res).await;
            id
        }
        ("delete", "/api/v1/media/{id}") => {
            let id = id_of(&app.upload_png().await);
            ok(app.delete(&format!("/api/v1/media/{id}")).await).await;
            id
        }
        ("post", "/api/v1/tags") => id_of(&app.create_tag(json!({"name": "Oil"})).await),
        ("patch", "/api/v1/tags/{id_or_slug}") => {
            let id = id_of(&app.create_tag(json!({"name": "Gas"})).await);
            let res = app
                .patch_json(&format!("/api/v1/tags/{id}"), &json!({"description": "D"}))
                .await;
            ok(res).await;
            id
        }
        ("delete", "/api/v1/tags/{id_or_slug}") => {
            let id = id_of(&app.create_tag(json!({"name": "Coal"})).await);
            ok(app.delete(&format!("/api/v1/tags/{id}")).await).await;
            id
        }
        ("post", "/api/v1/webhooks") => id_of(&webhook().await),
        ("patch", "/api/v1/webhooks/{id}") => {
            let id = id_of(&webhook().await);
            let res = app
                .patch_json(&format!("/api/v1/webhooks/{id}"), &json!({"active": false}))
                .await;
            ok(res).await;
            id
        }
        ("delete", "/api/v1/webhooks/{id}") => {
            let id = id_of(&webhook().await);
            ok(app.delete(&format!("/api/v1/webhooks/{id}")).await).await;
            id
        }
        ("post", "/api/v1/webhooks/{id}/rotate-secret") => {
            let id = id_of(&webhook().await);
            let res = app
                .post_json(&format!("/api/v1/webhooks/{id}/rotate-secret"), &json!({}))
                .await;
            ok(res).await;
            id
        }
        ("post", "/api/v1/webhooks/{id}/ping") => {
            let id = id_of(&webhook().await);
            ok(app
                .post_json(&format!("/api/v1/webhooks/{id}/ping"), &json!({}))
                .await)
            .await;
            id
        }
        ("post", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry") => {
            // Off, so that nothing is being sent when the retry comes.
            let id = id_of(&webhook().await);
            let res = app
                .patch_json(&format!("/api/v1/webhooks/{id}"), &json!({"active": false}))
                .await;
            ok(res).await;
            let res = app
                .post_json(&format!("/api/v1/webhooks/{id}/ping"), &json!({}))
                .await;
            let delivery = id_of(&ok(res).await.json::<Value>().await.unwrap());
            let path = format!("/api/v1/webhooks/{id}/deliveries/{delivery}/retry");
            ok(app.post_json(&path, &json!({})).await).await;
            id
        }
        other => panic!("no way to perform {other:?}"),
    }
}

#[tokio::test]
async fn every_write_route_leaves_an_audit_entry() {
    let app = spawn_app_with(|s| {
        s.auth.refresh_reuse_interval = Duration::ZERO;
        s.events.allow_private = true;
    })
    .await;
    let document = body(app.anon().get("/openapi.json").await).await;
    let mut writes = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in ["post", "patch", "put", "delete"] {
            if item.get(method).is_some() {
                writes.push((method, path.clone()));
            }
        }
    }
    let missing: Vec<_> = writes
        .iter()
        .filter(|(m, p)| !RECIPES.iter().any(|r| r.method == *m && r.path == p))
        .collect();
    assert!(
        missing.is_empty(),
        "write routes without a recipe: {missing:?}"
    );
    assert_eq!(
        writes.len(),
        RECIPES.len(),
        "a recipe for a route that is gone"
    );

    for recipe in RECIPES {
        let target = perform(&app, recipe).await;
        let query = if target.is_empty() {
            format!("/api/v1/audit?action={}", recipe.action)
        } else {
            format!("/api/v1/audit?action={}&target_id={target}", recipe.action)
        };
        let log = body(app.get(&query).await).await;
        assert!(
            !log["data"].as_array().unwrap().is_empty(),
            "{} {} left no `{}` entry",
            recipe.method,
            recipe.path,
            recipe.action
        );
    }
}
