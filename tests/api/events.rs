//! The changes feed, time-driven events, `updated_after` and idempotency keys.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Process, TestApp, assert_problem, scratch_database, send, spawn_app, spawn_app_with,
};

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

/// Every event from the start of the feed, read page by page with `query` added; and the
/// last cursor.
async fn read_feed_with(app: &TestApp, token: Option<&str>, query: &str) -> (Vec<Value>, String) {
    let mut events = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/changes?limit=3{query}");
        if let Some(a) = &after {
            path.push_str(&format!("&after={a}"));
        }
        let res = match token {
            Some(t) => app.with(t).get(&path).await,
            None => app.get(&path).await,
        };
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let page = body(res).await;
        let data = page["data"].as_array().unwrap().clone();
        let next = page["meta"]["next_cursor"].as_str().unwrap().to_owned();
        let n = data.len();
        events.extend(data);
        if n < 3 {
            return (events, next);
        }
        after = Some(next);
    }
}

async fn read_feed(app: &TestApp) -> Vec<Value> {
    read_feed_with(app, None, "").await.0
}

/// Reads the feed until `done` holds (an event shows once every older transaction on the
/// database server has ended, so it may take a moment while other tests write).
async fn feed_until(app: &TestApp, secs: u64, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let events = read_feed(app).await;
        if done(&events) {
            return events;
        }
        assert!(
            Instant::now() < deadline,
            "the feed never got there: {:#?}",
            events.iter().map(|e| e["type"].clone()).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn of<'a>(events: &'a [Value], id: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["resource"]["id"] == id)
        .collect()
}

fn types(events: &[&Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_change_lands_in_the_feed_once_in_order_with_tombstones() {
    let app = spawn_app().await;
    let category = app.create_category(json!({"name": "Market"})).await;
    let author = app
        .create_author(json!({"name": "Ana Wire", "email": "ana@example.com"}))
        .await;
    let draft = app
        .create_article(json!({"title": "Oil climbs", "body": "Crude rose.", "category_id": category["id"], "author_id": author["id"]}))
        .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let published = app.publish(&id, None).await;
    let public_view = body(app.anon().get(&format!("/api/v1/articles/{id}")).await).await;
    let res = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &json!({"slug": "oil-climbs-again"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let patched_view = body(app.anon().get(&format!("/api/v1/articles/{id}")).await).await;
    assert_eq!(
        app.delete(&format!("/api/v1/articles/{id}")).await.status(),
        204
    );
    assert_eq!(
        app.delete(&format!("/api/v1/trash/{id}")).await.status(),
        204
    );
    let cat_id = category["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/categories/{cat_id}"))
            .await
            .status(),
        204
    );

    let events = feed_until(&app, 10, |e| {
        e.iter().any(|e| e["type"] == "category.deleted")
    })
    .await;
    let story = of(&events, &id);
    assert_eq!(
        types(&story),
        [
            "article.created",
            "article.published",
            "article.updated",
            "article.trashed",
            "article.deleted"
        ]
    );
    // A draft is not public: no data. A published story's data is the public answer.
    assert_eq!(story[0]["data"], Value::Null);
    assert_eq!(story[0]["version"], 1);
    assert_eq!(
        story[1]["data"], public_view,
        "the event carries what the public reads"
    );
    assert_eq!(story[1]["version"], published["version"]);
    assert_eq!(story[1]["actor"]["type"], "user");
    assert_eq!(story[1]["actor"]["name"], "Administrator");
    assert_eq!(story[2]["resource"]["slug"], "oil-climbs-again");
    assert_eq!(
        story[2]["data"], patched_view,
        "an edit's event carries the edited story"
    );
    assert_eq!(story[2]["version"], patched_view["version"]);
    // Tombstones: no data, but the slug a front-end must purge.
    assert_eq!(story[3]["data"], Value::Null);
    assert_eq!(story[4]["data"], Value::Null);
    assert_eq!(story[4]["resource"]["slug"], "oil-climbs-again");
    let cat = of(&events, cat_id);
    assert_eq!(types(&cat), ["category.created", "category.deleted"]);
    assert_eq!(cat[1]["resource"]["slug"], "market");
    assert_eq!(cat[0]["data"]["name"], "Market");
    // The public view of an author has no email.
    let writer = of(&events, author["id"].as_str().unwrap());
    assert_eq!(types(&writer), ["author.created"]);
    assert_eq!(writer[0]["data"]["name"], "Ana Wire");
    assert!(writer[0]["data"].get("email").is_none());
    // Every event once, with an id, in an order that never goes back.
    let mut ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
    // Users, tokens and sessions are not in the feed.
    assert!(events.iter().all(|e| {
        let t = e["resource"]["type"].as_str().unwrap();
        ["article", "author", "category"].contains(&t)
    }));

    // Filters.
    let (only, _) = read_feed_with(&app, None, "&types=category.*,author.created").await;
    assert_eq!(
        types(&only.iter().collect::<Vec<_>>()),
        ["category.created", "author.created", "category.deleted"]
    );
    let (published_only, cursor) = read_feed_with(&app, None, "&types=article.published").await;
    assert_eq!(published_only.len(), 1);
    // A poll with the last cursor finds nothing new, and hands back a cursor again.
    let res = app.get(&format!("/api/v1/changes?after={cursor}")).await;
    let page = body(res).await;
    assert_eq!(page["data"], json!([]));
    assert!(page["meta"]["next_cursor"].is_string());
    // New events after that cursor come next, the filtered ones skipped.
    app.create_category(json!({"name": "Sport"})).await;
    let later = app
        .create_article(json!({"title": "Later", "body": "B"}))
        .await;
    app.publish(later["id"].as_str().unwrap(), None).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page = body(
            app.get(&format!(
                "/api/v1/changes?types=article.published&after={cursor}"
            ))
            .await,
        )
        .await;
        if let Some(first) = page["data"].as_array().unwrap().first() {
            assert_eq!(first["resource"]["id"], later["id"]);
            break;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_feed_is_for_staff_and_tokens_and_checks_its_query() {
    let app = spawn_app().await;
    let res = app.anon().get("/api/v1/changes").await;
    assert_problem(res, 401, "unauthorized").await;
    // Without credentials a bad query is still a 401.
    let res = app.anon().get("/api/v1/changes?types=nope").await;
    assert_problem(res, 401, "unauthorized").await;
    let (_, author) = app.user_with_role("author").await;
    assert_problem(
        app.with(&author).get("/api/v1/changes").await,
        403,
        "forbidden",
    )
    .await;
    let (_, editor) = app.user_with_role("editor").await;
    assert_eq!(app.with(&editor).get("/api/v1/changes").await.status(), 200);
    let (_, token) = app.api_token("read").await;
    assert_eq!(app.with(&token).get("/api/v1/changes").await.status(), 200);

    for bad in [
        "types=article.nope",
        "types=*,",
        "types=articles.*",
        "limit=0",
        "limit=101",
        "after=garbage",
        "cursor=x",
    ] {
        let res = app.get(&format!("/api/v1/changes?{bad}")).await;
        assert_eq!(res.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn a_cursor_from_before_the_retention_is_gone() {
    let app = spawn_app().await;
    app.create_category(json!({"name": "Old"})).await;
    let events = feed_until(&app, 10, |e| !e.is_empty()).await;
    assert!(!events.is_empty());
    let (_, cursor_at_start) = read_feed_with(&app, None, "&types=author.*").await;
    // A cursor from the very start of the feed, before anything was swept.
    let first_page = body(app.get("/api/v1/changes?limit=1").await).await;
    let early = first_page["meta"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_category(json!({"name": "New"})).await;
    // The sweep runs with a cutoff in the future: every event so far goes.
    let ctx = app_ctx(&app);
    let gone = byline::events::service::sweep(&ctx, byline::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    assert!(gone >= 2);
    let res = app.get(&format!("/api/v1/changes?after={early}")).await;
    assert_problem(res, 410, "cursor_expired").await;
    let res = app
        .get(&format!("/api/v1/changes?after={cursor_at_start}"))
        .await;
    assert_problem(res, 410, "cursor_expired").await;
    // Starting over works.
    let res = app.get("/api/v1/changes").await;
    assert_eq!(res.status(), 200);
}

/// A context on the test server's database, for the maintenance a client cannot trigger.
fn app_ctx(app: &TestApp) -> byline::write::Ctx {
    let url = byline::db::DatabaseUrl::parse(&app.database_url).unwrap();
    let options = byline::db::PoolOptions {
        max_size: Some(2),
        timeout: Duration::from_secs(5),
        search_language: "english".into(),
        default_locale: "en".into(),
    };
    let pool = byline::db::connect(&url, &options).unwrap();
    byline::write::Ctx {
        database: byline::db::Database::new(pool, url.backend(), 2, Duration::from_secs(5)),
        writes: byline::write::Writes::default(),
    }
}

#[tokio::test]
async fn a_transaction_that_commits_late_is_not_skipped() {
    let app = spawn_app().await;
    let Some(mut held) = app.postgres_connection() else {
        eprintln!("skipped: the commit-order test needs PostgreSQL");
        return;
    };
    use diesel::{Connection, RunQueryDsl};
    app.create_category(json!({"name": "Before"})).await;
    let before = feed_until(&app, 10, |e| e.len() == 1).await;
    let (_, cursor) = read_feed_with(&app, None, "").await;
    assert_eq!(before.len(), 1);

    // A writer that started first and commits last: its event is inserted (and numbered)
    // before the API's, but is not committed until after a poll has read the API's.
    diesel::sql_query("BEGIN").execute(&mut held).unwrap();
    diesel::sql_query(
        "INSERT INTO events (id, type, occurred_at, resource_type, resource_id, resource_slug, actor) \
         VALUES ('01900000-0000-7000-8000-000000000001', 'category.updated', now(), 'category', 'held', 'held', '{}')",
    )
    .execute(&mut held)
    .unwrap();
    app.create_category(json!({"name": "After"})).await;
    // The poller reads while the first writer is still open: it may not move past it.
    let page = body(app.get(&format!("/api/v1/changes?after={cursor}")).await).await;
    assert_eq!(
        page["data"],
        json!([]),
        "an event may not show before an older one commits"
    );
    let cursor2 = page["meta"]["next_cursor"].as_str().unwrap().to_owned();
    diesel::sql_query("COMMIT").execute(&mut held).unwrap();
    drop(held.transaction::<_, diesel::result::Error, _>(|_| Ok(())));

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page = body(app.get(&format!("/api/v1/changes?after={cursor2}")).await).await;
        let data = page["data"].as_array().unwrap();
        if data.len() == 2 {
            assert_eq!(
                data[0]["resource"]["id"], "held",
                "the late commit comes first"
            );
            assert_eq!(data[1]["type"], "category.created");
            break;
        }
        assert!(data.len() < 2);
        assert!(
            Instant::now() < deadline,
            "the poller missed an event: {data:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn in_secs(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[tokio::test]
async fn a_scheduled_story_goes_live_and_expires_with_events_once() {
    let app = spawn_app().await;
    let story = app
        .create_article(json!({"title": "Embargoed", "body": "B"}))
        .await;
    let id = story["id"].as_str().unwrap();
    let at = in_secs(2);
    let until = in_secs(4);
    let res = app
        .post_json(
            &format!("/api/v1/articles/{id}/publish"),
            &json!({"publish_at": at, "unpublish_at": until}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let scheduled = body(res).await;
    let started = Instant::now();

    let events = feed_until(&app, 12, |e| {
        e.iter().any(|e| e["type"] == "article.expired")
    })
    .await;
    let story = of(&events, id);
    assert_eq!(
        types(&story),
        [
            "article.created",
            "article.updated",
            "article.published",
            "article.expired"
        ]
    );
    let published = story[2];
    assert_eq!(published["occurred_at"], scheduled["published_at"]);
    assert_eq!(published["actor"]["type"], "system");
    assert_eq!(
        published["data"]["id"], id,
        "due and public: the data is the story"
    );
    let expired = story[3];
    assert_eq!(expired["occurred_at"], scheduled["unpublish_at"]);
    assert_eq!(expired["data"], Value::Null);
    assert!(started.elapsed() < Duration::from_secs(10));
    // Once: a while later there is still one of each.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let again = read_feed(&app).await;
    assert_eq!(types(&of(&again, id)).len(), 4);
    // Unscheduling before it is due leaves no event behind.
    let other = app
        .create_article(json!({"title": "Pulled", "body": "B"}))
        .await;
    let other_id = other["id"].as_str().unwrap();
    app.publish(other_id, Some(&in_secs(2))).await;
    let res = app
        .post_json(
            &format!("/api/v1/articles/{other_id}/unpublish"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let events = read_feed(&app).await;
    assert_eq!(
        types(&of(&events, other_id)),
        ["article.created", "article.updated", "article.unpublished"]
    );
}

#[tokio::test]
async fn two_nodes_announce_each_due_story_once() {
    let app = spawn_app().await;
    if app.postgres_connection().is_none() {
        eprintln!("skipped: two nodes on one database need PostgreSQL");
        return;
    }
    let second = app.second_node(|_| {}).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let a = app
            .create_article(json!({"title": format!("Due {i}"), "body": "B"}))
            .await;
        let id = a["id"].as_str().unwrap().to_owned();
        let node = if i % 2 == 0 { &app } else { &second };
        node.publish(&id, Some(&in_secs(2))).await;
        ids.push(id);
    }
    feed_until(&app, 15, |e| {
        e.iter()
            .filter(|e| e["type"] == "article.published")
            .count()
            >= 12
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let events = read_feed(&second)
        .await
        .into_iter()
        .chain(std::iter::empty())
        .collect::<Vec<_>>();
    assert!(events.len() >= 36);
    for id in &ids {
        let published = of(&events, id)
            .into_iter()
            .filter(|e| e["type"] == "article.published")
            .count();
        assert_eq!(published, 1, "{id} was announced {published} times");
    }
}

#[tokio::test]
async fn what_came_due_while_no_server_ran_is_announced_in_time_order() {
    let (url, _db) = scratch_database();
    let mut first = Process::start(&url, &[]).await;
    let token = first.admin_token().await;
    let client = reqwest::Client::new();
    let mut due = Vec::new();
    // Created in one order, due in another.
    for (title, secs) in [("Third", 5), ("First", 3), ("Second", 4)] {
        let res = client
            .post(format!("{}/api/v1/articles", first.address))
            .bearer_auth(&token)
            .json(&json!({"title": title, "body": "B"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let id = body(res).await["id"].as_str().unwrap().to_owned();
        let res = client
            .post(format!("{}/api/v1/articles/{id}/publish", first.address))
            .bearer_auth(&token)
            .json(&json!({"publish_at": in_secs(secs)}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        due.push((secs, id));
    }
    first.kill();
    tokio::time::sleep(Duration::from_secs(6)).await;

    let second = Process::start(&url, &[]).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let published = loop {
        let res = client
            .get(format!(
                "{}/api/v1/changes?types=article.published",
                second.address
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let page = body(res).await;
        let data = page["data"].as_array().unwrap().clone();
        if data.len() == 3 {
            break data;
        }
        assert!(Instant::now() < deadline, "caught up {} of 3", data.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    due.sort();
    let order: Vec<&str> = published
        .iter()
        .map(|e| e["resource"]["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = due.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(order, expected, "events in the order the stories came due");
    let times: Vec<&str> = published
        .iter()
        .map(|e| e["occurred_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
}

#[tokio::test]
async fn updated_after_narrows_every_content_list() {
    let app = spawn_app().await;
    let old_article = app
        .create_article(json!({"title": "Old story", "body": "B"}))
        .await;
    app.publish(old_article["id"].as_str().unwrap(), None).await;
    app.create_author(json!({"name": "Old Author"})).await;
    app.create_category(json!({"name": "Old Desk"})).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mark = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let new_article = app
        .create_article(json!({"title": "New story", "body": "B"}))
        .await;
    app.publish(new_article["id"].as_str().unwrap(), None).await;
    app.create_author(json!({"name": "New Author"})).await;
    app.create_category(json!({"name": "New Desk"})).await;
    let mark = mark.replace('+', "%2B");

    for (path, field, expect) in [
        ("/api/v1/articles", "title", "New story"),
        ("/api/v1/authors", "name", "New Author"),
        ("/api/v1/categories", "name", "New Desk"),
    ] {
        let page = body(
            app.get(&format!("{path}?updated_after={mark}&with_total=true"))
                .await,
        )
        .await;
        let names: Vec<&str> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[field].as_str().unwrap())
            .collect();
        assert_eq!(names, [expect], "{path}");
        assert_eq!(page["meta"]["total"], 1, "{path}");
        // A plain date is midnight UTC: today's changes are all in.
        let today = chrono::Utc::now().format("%Y-%m-%d");
        let page = body(
            app.anon()
                .get(&format!("{path}?updated_after={today}"))
                .await,
        )
        .await;
        assert_eq!(page["data"].as_array().unwrap().len(), 2, "{path}");
        let res = app.get(&format!("{path}?updated_after=yesterday")).await;
        assert_problem(res, 400, "invalid_query").await;
    }
    // The staff list of every status narrows too.
    let page = body(
        app.get(&format!("/api/v1/articles?status=all&updated_after={mark}"))
            .await,
    )
    .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
}

mod idempotency {
    use super::*;
    use reqwest::Method;

    fn keyed(app: &TestApp, method: Method, path: &str, key: &str) -> reqwest::RequestBuilder {
        app.request(method, path).header("idempotency-key", key)
    }

    #[tokio::test]
    async fn a_retried_create_is_answered_again_and_creates_once() {
        let app = spawn_app().await;
        let draft = json!({"title": "Once only", "body": "B"});
        let first = send(keyed(&app, Method::POST, "/api/v1/articles", "key-1").json(&draft)).await;
        assert_eq!(first.status(), 201);
        assert!(first.headers().get("idempotent-replayed").is_none());
        let location = first.headers()["location"].clone();
        let etag = first.headers()["etag"].clone();
        let original = body(first).await;

        let again = send(keyed(&app, Method::POST, "/api/v1/articles", "key-1").json(&draft)).await;
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(again.headers()["location"], location);
        assert_eq!(again.headers()["etag"], etag);
        assert_eq!(body(again).await, original);
        let list = body(app.get("/api/v1/articles?status=all&with_total=true").await).await;
        assert_eq!(list["meta"]["total"], 1);

        // The same key on another body, path or method is refused and changes nothing.
        let other = json!({"title": "Something else", "body": "B"});
        let res = send(keyed(&app, Method::POST, "/api/v1/articles", "key-1").json(&other)).await;
        assert_problem(res, 422, "idempotency_key_reused").await;
        let res = send(keyed(&app, Method::POST, "/api/v1/categories", "key-1").json(&draft)).await;
        assert_problem(res, 422, "idempotency_key_reused").await;
        let list = body(app.get("/api/v1/articles?status=all&with_total=true").await).await;
        assert_eq!(list["meta"]["total"], 1);

        // Keys belong to their caller: another one's key-1 is a new request.
        let (_, editor) = app.user_with_role("editor").await;
        let res = send(
            app.with(&editor)
                .request(Method::POST, "/api/v1/articles")
                .header("idempotency-key", "key-1")
                .json(&draft),
        )
        .await;
        assert_eq!(res.status(), 201);
        assert!(res.headers().get("idempotent-replayed").is_none());

        // An action: the replay does not publish twice.
        let id = original["id"].as_str().unwrap();
        let path = format!("/api/v1/articles/{id}/publish");
        let first = send(keyed(&app, Method::POST, &path, "pub-1")).await;
        assert_eq!(first.status(), 200);
        let first = body(first).await;
        let again = send(keyed(&app, Method::POST, &path, "pub-1")).await;
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(body(again).await, first);
        let now = body(app.get(&format!("/api/v1/articles/{id}")).await).await;
        assert_eq!(now["version"], first["version"]);
        // A refusal is an answer too, and is replayed.
        let res = send(keyed(&app, Method::POST, &path, "pub-2")).await;
        assert_problem(res, 409, "invalid_transition").await;
        let res = send(keyed(&app, Method::POST, &path, "pub-2")).await;
        assert_eq!(res.headers()["idempotent-replayed"], "true");
        assert_problem(res, 409, "invalid_transition").await;
    }

    #[tokio::test]
    async fn keys_are_checked_and_sign_in_takes_none() {
        let app = spawn_app().await;
        let draft = json!({"title": "T", "body": "B"});
        for bad in ["".to_owned(), "x".repeat(256), "tab\there".to_owned()] {
            let res = send(keyed(&app, Method::POST, "/api/v1/articles", &bad).json(&draft)).await;
            assert_problem(res, 400, "bad_request").await;
        }
        let res = send(
            app.anon()
                .request(Method::POST, "/api/v1/auth/login")
                .header("idempotency-key", "k")
                .json(&json!({"email": "a@example.com", "password": "x"})),
        )
        .await;
        assert_problem(res, 400, "bad_request").await;
        // Without credentials the route's own 401 comes first.
        let res = send(
            app.anon()
                .request(Method::POST, "/api/v1/articles")
                .header("idempotency-key", "k")
                .json(&draft),
        )
        .await;
        assert_problem(res, 401, "unauthorized").await;
        let list = body(app.get("/api/v1/articles?status=all&with_total=true").await).await;
        assert_eq!(list["meta"]["total"], 0);
        // 255 printable characters are a key.
        let long = "k".repeat(255);
        let res = send(keyed(&app, Method::POST, "/api/v1/articles", &long).json(&draft)).await;
        assert_eq!(res.status(), 201);
    }

    #[tokio::test]
    async fn concurrent_duplicates_create_once() {
        let app = spawn_app_with(|s| s.workers = Some(2)).await;
        let draft = json!({"title": "Raced", "body": "B"});
        let requests = (0..6)
            .map(|_| send(keyed(&app, Method::POST, "/api/v1/articles", "race").json(&draft)));
        let answers = futures_util::future::join_all(requests).await;
        let mut created = 0;
        for res in answers {
            match res.status().as_u16() {
                201 => {
                    if res.headers().get("idempotent-replayed").is_none() {
                        created += 1;
                    }
                }
                409 => {
                    assert_problem(res, 409, "idempotency_key_in_flight").await;
                }
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(created, 1);
        let list = body(app.get("/api/v1/articles?status=all&with_total=true").await).await;
        assert_eq!(list["meta"]["total"], 1);
    }

    /// Makes every article create take a second, so a duplicate can arrive meanwhile.
    struct SlowCreates;

    impl byline::write::Hook for SlowCreates {
        fn record(
            &self,
            _: &mut byline::db::AnyConnection,
            record: &byline::write::Record<'_>,
        ) -> byline::domain::Result<()> {
            if record.changes.iter().any(|c| {
                c.verb == byline::write::Verb::Created
                    && c.subject == byline::write::Subject::Article
            }) {
                std::thread::sleep(Duration::from_millis(1500));
            }
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_still_running_holds_its_key() {
        let app = crate::helpers::spawn_app_with_writes(byline::write::Writes::new(
            std::sync::Arc::new(SlowCreates),
        ))
        .await;
        let draft = json!({"title": "Slow", "body": "B"});
        let first = send(keyed(&app, Method::POST, "/api/v1/articles", "slow").json(&draft));
        let second = async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            send(keyed(&app, Method::POST, "/api/v1/articles", "slow").json(&draft)).await
        };
        let (first, second) = tokio::join!(first, second);
        assert_eq!(first.status(), 201);
        assert!(second.headers().contains_key("retry-after"));
        assert_problem(second, 409, "idempotency_key_in_flight").await;
        // Once it has answered, a retry gets that answer.
        let third = send(keyed(&app, Method::POST, "/api/v1/articles", "slow").json(&draft)).await;
        assert_eq!(third.status(), 201);
        assert_eq!(third.headers()["idempotent-replayed"], "true");
        let list = body(app.get("/api/v1/articles?status=all&with_total=true").await).await;
        assert_eq!(list["meta"]["total"], 1);
    }

    /// Fails the first article create with a 500, then lets them through.
    struct FailOnce(std::sync::atomic::AtomicBool);

    impl byline::write::Hook for FailOnce {
        fn record(
            &self,
            _: &mut byline::db::AnyConnection,
            record: &byline::write::Record<'_>,
        ) -> byline::domain::Result<()> {
            let create = record.changes.iter().any(|c| {
                c.verb == byline::write::Verb::Created
                    && c.subject == byline::write::Subject::Article
            });
            if create && !self.0.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return Err(byline::domain::Error::internal(
                    "a failure the test asked for",
                ));
            }
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_server_error_is_not_kept() {
        let app = crate::helpers::spawn_app_with_writes(byline::write::Writes::new(
            std::sync::Arc::new(FailOnce(Default::default())),
        ))
        .await;
        let draft = json!({"title": "Flaky", "body": "B"});
        let res = send(keyed(&app, Method::POST, "/api/v1/articles", "k5").json(&draft)).await;
        assert_problem(res, 500, "internal_error").await;
        let res = send(keyed(&app, Method::POST, "/api/v1/articles", "k5").json(&draft)).await;
        assert_eq!(res.status(), 201, "the retry ran again");
        assert!(res.headers().get("idempotent-replayed").is_none());
        let list = body(app.get("/api/v1/articles?status=all&with_total=true").await).await;
        assert_eq!(list["meta"]["total"], 1);
    }
}
