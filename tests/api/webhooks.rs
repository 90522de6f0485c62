//! Webhooks: management, signed deliveries, retries, the address guard, ordering and
//! durability across a killed process.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{
    Process, Received, Receiver, TestApp, assert_problem, execute_sql, field_errors,
    scratch_database, spawn_app, spawn_app_with,
};

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

/// A server whose webhooks may reach this machine, retrying every second.
async fn app() -> TestApp {
    spawn_app_with(|s| {
        s.events.allow_private = true;
        s.events.retry_schedule = vec![Duration::from_secs(1), Duration::from_secs(1)];
    })
    .await
}

async fn webhook(app: &TestApp, url: &str, events: Value) -> Value {
    let res = app
        .post_json("/api/v1/webhooks", &json!({"url": url, "events": events}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    body(res).await
}

/// Checks a Standard Webhooks signature the way a receiver would, from the secret alone.
fn verifies(secret: &str, got: &Received) -> usize {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let id = &got.headers["webhook-id"];
    let ts = &got.headers["webhook-timestamp"];
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&got.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    got.headers["webhook-signature"]
        .split(' ')
        .filter(|s| *s == expected)
        .count()
}

async fn deliveries(app: &TestApp, hook: &str) -> Vec<Value> {
    let page = body(
        app.get(&format!("/api/v1/webhooks/{hook}/deliveries?limit=100"))
            .await,
    )
    .await;
    page["data"].as_array().unwrap().clone()
}

async fn deliveries_until(
    app: &TestApp,
    hook: &str,
    secs: u64,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let list = deliveries(app, hook).await;
        if done(&list) {
            return list;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries never got there: {list:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn admins_manage_webhooks_and_see_the_secret_once() {
    let app = app().await;
    let created = webhook(
        &app,
        "http://127.0.0.1:9/hook",
        json!(["article.*", "article.*"]),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(
        created["events"],
        json!(["article.*"]),
        "patterns are kept once"
    );
    assert_eq!(created["active"], true);
    let got = body(app.get(&format!("/api/v1/webhooks/{id}")).await).await;
    assert!(got.get("secret").is_none());
    let list = body(app.get("/api/v1/webhooks?with_total=true").await).await;
    assert_eq!(list["meta"]["total"], 1);
    assert!(list["data"][0].get("secret").is_none());
    assert!(!list.to_string().contains(secret));

    let res = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            &json!({"events": ["*"], "description": "Static site", "active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let patched = body(res).await;
    assert_eq!(
        (patched["events"].clone(), patched["active"].clone()),
        (json!(["*"]), json!(false))
    );
    let res = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            &json!({"description": null}),
        )
        .await;
    assert_eq!(body(res).await["description"], Value::Null);

    // Bad input changes nothing.
    for (bad, field) in [
        (json!({"url": "ftp://example.com/", "events": ["*"]}), "url"),
        (
            json!({"url": "http://127.0.0.1:9/", "events": []}),
            "events",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "events": ["article.nope"]}),
            "events",
        ),
        (
            json!({"url": "http://user:pw@127.0.0.1:9/", "events": ["*"]}),
            "url",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "events": ["*"], "secret": "mine"}),
            "secret",
        ),
    ] {
        let res = app.post_json("/api/v1/webhooks", &bad).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].0, field, "{bad}");
    }
    let res = app
        .patch_json(&format!("/api/v1/webhooks/{id}"), &json!({"events": null}))
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let list = body(app.get("/api/v1/webhooks?with_total=true").await).await;
    assert_eq!(list["meta"]["total"], 1);

    // Admins only.
    let (_, editor) = app.user_with_role("editor").await;
    let (_, token) = app.api_token("write").await;
    for who in [&editor, &token] {
        assert_eq!(app.with(who).get("/api/v1/webhooks").await.status(), 403);
        let res = app
            .with(who)
            .post_json(
                "/api/v1/webhooks",
                &json!({"url": "http://127.0.0.1:9/", "events": ["*"]}),
            )
            .await;
        assert_problem(res, 403, "forbidden").await;
    }
    assert_eq!(
        app.anon()
            .get(&format!("/api/v1/webhooks/{id}"))
            .await
            .status(),
        401
    );

    assert_eq!(
        app.delete(&format!("/api/v1/webhooks/{id}")).await.status(),
        204
    );
    let res = app.get(&format!("/api/v1/webhooks/{id}")).await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let app = spawn_app().await;
    for url in [
        "http://localhost:8080/hook",
        "http://127.0.0.1/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://0.0.0.0/",
        "http://[::ffff:127.0.0.1]/",
    ] {
        let res = app
            .post_json("/api/v1/webhooks", &json!({"url": url, "events": ["*"]}))
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [("url".to_owned(), "address_not_allowed".to_owned())],
            "{url}"
        );
    }
    let res = app
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": "http://no-such-host.invalid/", "events": ["*"]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&problem)[0].1, "unresolvable");
    let list = body(app.get("/api/v1/webhooks?with_total=true").await).await;
    assert_eq!(list["meta"]["total"], 0);

    // A webhook that points at this machine anyway (stored before the rule, or by hand) is
    // refused again at delivery: nothing reaches the receiver.
    let receiver = Receiver::start().await;
    let sql = format!(
        "INSERT INTO webhooks (id, url, events, active, secret, created_at, updated_at) VALUES \
         ('01900000-0000-7000-8000-0000000000aa', '{}/hook', '[\"*\"]', TRUE, \
          'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        receiver.url
    );
    execute_sql(&app, &sql);
    app.create_category(json!({"name": "Desk"})).await;
    // `attempts` counts a claimed attempt at once; its outcome is written when it ends.
    let list = deliveries_until(&app, "01900000-0000-7000-8000-0000000000aa", 10, |d| {
        d.first()
            .is_some_and(|d| d["attempts"].as_i64() >= Some(1) && d["error"].is_string())
    })
    .await;
    assert!(
        list[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a public address")),
        "{list:#?}"
    );
    assert_eq!(list[0]["response_status"], Value::Null);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.received().is_empty());

    // With private addresses allowed, the same URL is taken.
    let open = spawn_app_with(|s| s.events.allow_private = true).await;
    webhook(&open, "http://localhost:9/hook", json!(["*"])).await;
}

#[tokio::test]
async fn deliveries_are_signed_events_of_the_types_asked_for() {
    let app = app().await;
    let receiver = Receiver::start().await;
    let hook = webhook(
        &app,
        &format!("{}/byline", receiver.url),
        json!(["article.*"]),
    )
    .await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    app.create_category(json!({"name": "Not asked for"})).await;
    let story = app
        .create_article(json!({"title": "Signed", "body": "B"}))
        .await;
    let id = story["id"].as_str().unwrap();
    app.publish(id, None).await;

    let got = receiver.wait_for(10, |r| r.len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got_now = receiver.received();
    assert_eq!(got_now.len(), 2, "only the article's events");
    let types: Vec<Value> = got.iter().map(|r| r.json()["type"].clone()).collect();
    assert_eq!(
        types,
        [json!("article.created"), json!("article.published")]
    );
    let feed = body(app.get("/api/v1/changes?types=article.*").await).await;
    for (r, event) in got.iter().zip(feed["data"].as_array().unwrap()) {
        assert_eq!(r.path, "/byline");
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.headers["webhook-id"], event["id"].as_str().unwrap());
        let ts: i64 = r.headers["webhook-timestamp"].parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
        assert_eq!(
            verifies(&secret, r),
            1,
            "the signature verifies with the secret"
        );
        assert_eq!(&r.json(), event, "the body is the feed's event");
    }
    assert_eq!(
        verifies("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &got[0]),
        0
    );

    let hook_id = hook["id"].as_str().unwrap();
    let log = deliveries_until(&app, hook_id, 5, |d| {
        d.iter().all(|d| d["status"] == "succeeded")
    })
    .await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["event_type"], "article.published", "newest first");
    assert_eq!(log[0]["response_status"], 204);
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["next_attempt_at"], Value::Null);

    // After a rotation both secrets sign for a while.
    let res = app
        .post_json(
            &format!("/api/v1/webhooks/{hook_id}/rotate-secret"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let rotated = body(res).await;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated["previous_secret_expires_at"].is_string());
    let res = app
        .post_json(&format!("/api/v1/webhooks/{hook_id}/ping"), &json!({}))
        .await;
    assert_eq!(res.status(), 202);
    let ping = body(res).await;
    assert_eq!(ping["event_type"], "webhook.ping");
    let got = receiver.wait_for(10, |r| r.len() >= 3).await;
    let last = &got[2];
    assert_eq!(last.json()["type"], "webhook.ping");
    assert_eq!(last.headers["webhook-signature"].split(' ').count(), 2);
    assert_eq!(verifies(&new_secret, last), 1);
    assert_eq!(verifies(&secret, last), 1);
}

#[tokio::test]
async fn failures_are_retried_then_given_up_and_can_be_retried_by_hand() {
    let app = app().await;
    let receiver = Receiver::start().await;
    receiver.answer(500);
    let hook = webhook(&app, &receiver.url, json!(["category.created"])).await;
    let hook_id = hook["id"].as_str().unwrap();
    app.create_category(json!({"name": "Desk"})).await;

    // The schedule of this server is 1 s, 1 s: three attempts, then it gives up.
    let log = deliveries_until(&app, hook_id, 15, |d| {
        d.first().is_some_and(|d| d["status"] == "failed")
    })
    .await;
    let delivery = &log[0];
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["response_status"], 500);
    assert_eq!(delivery["response_body"], "thanks");
    assert_eq!(receiver.received().len(), 3);
    let ids: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "every attempt carries the same webhook-id"
    );

    receiver.answer(200);
    let delivery_id = delivery["id"].as_str().unwrap();
    let res = app
        .post_json(
            &format!("/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 202);
    assert_eq!(body(res).await["status"], "pending");
    let log = deliveries_until(&app, hook_id, 10, |d| d[0]["status"] == "succeeded").await;
    assert_eq!(log[0]["attempts"], 4);
    let failed = body(
        app.get(&format!(
            "/api/v1/webhooks/{hook_id}/deliveries?status=failed"
        ))
        .await,
    )
    .await;
    assert_eq!(failed["data"], json!([]));
    let res = app
        .get(&format!(
            "/api/v1/webhooks/{hook_id}/deliveries?status=lost"
        ))
        .await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app
        .post_json(
            &format!(
                "/api/v1/webhooks/{hook_id}/deliveries/01900000-0000-7000-8000-000000000000/retry"
            ),
            &json!({}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn a_410_turns_the_webhook_off_and_redirects_are_not_followed() {
    let app = app().await;
    let gone = Receiver::start().await;
    gone.answer(410);
    let hook = webhook(&app, &gone.url, json!(["*"])).await;
    let hook_id = hook["id"].as_str().unwrap().to_owned();
    app.create_category(json!({"name": "One"})).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = body(app.get(&format!("/api/v1/webhooks/{hook_id}")).await).await;
        if got["active"] == false {
            assert!(got["disabled_reason"].as_str().unwrap().contains("410"));
            break;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.create_category(json!({"name": "Two"})).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        gone.received().len(),
        1,
        "nothing more is sent to a receiver that is gone"
    );
    // Turned on again, it hears what came after.
    gone.answer(204);
    let res = app
        .patch_json(
            &format!("/api/v1/webhooks/{hook_id}"),
            &json!({"active": true}),
        )
        .await;
    assert_eq!(body(res).await["disabled_reason"], Value::Null);
    app.create_category(json!({"name": "Three"})).await;
    let got = gone.wait_for(10, |r| r.len() >= 2).await;
    assert_eq!(got[1].json()["resource"]["slug"], "three");

    let moved = Receiver::start().await;
    moved.answer(307);
    let hook = webhook(&app, &moved.url, json!(["author.created"])).await;
    app.create_author(json!({"name": "Redirected"})).await;
    let log = deliveries_until(&app, hook["id"].as_str().unwrap(), 10, |d| {
        d.first()
            .is_some_and(|d| d["attempts"].as_i64() >= Some(1) && d["response_status"] == 307)
    })
    .await;
    assert_eq!(
        log[0]["status"], "pending",
        "a redirect is a failure to retry"
    );
    assert!(
        moved.received().iter().all(|r| r.path == "/"),
        "the redirect was not followed"
    );
}

#[tokio::test]
async fn one_resource_arrives_in_order_and_a_slow_receiver_is_bounded() {
    let app = app().await;
    let receiver = Receiver::start().await;
    receiver
        .delay_ms
        .store(150, std::sync::atomic::Ordering::SeqCst);
    webhook(&app, &receiver.url, json!(["article.*"])).await;
    let story = app
        .create_article(json!({"title": "Edited", "body": "B"}))
        .await;
    let id = story["id"].as_str().unwrap().to_owned();
    let mut others = Vec::new();
    for i in 0..8 {
        let res = app
            .patch_json(
                &format!("/api/v1/articles/{id}"),
                &json!({"title": format!("Edit {i}")}),
            )
            .await;
        assert_eq!(res.status(), 200);
        others.push(
            app.create_article(json!({"title": format!("Other {i}"), "body": "B"}))
                .await,
        );
    }
    // The API answers at once while the receiver is slow.
    let started = Instant::now();
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(1));
    let got = receiver.wait_for(30, |r| r.len() >= 17).await;
    let versions: Vec<i64> = got
        .iter()
        .map(Received::json)
        .filter(|e| e["resource"]["id"] == id.as_str())
        .map(|e| e["version"].as_i64().unwrap())
        .collect();
    assert_eq!(
        versions,
        (1..=9).collect::<Vec<_>>(),
        "one story's events in order"
    );
    let most = receiver
        .in_flight
        .1
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(most >= 2, "other stories go in parallel ({most})");
    assert!(most <= 4, "at most 4 at once to one webhook ({most})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_delivery() {
    let (url, _db) = scratch_database();
    let env = [
        ("BYLINE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("BYLINE_WEBHOOK_RETRY_SCHEDULE", "1s,1s,1s,1s,1s"),
    ];
    let mut first = Process::start(&url, &env).await;
    let token = first.admin_token().await;
    let receiver = Receiver::start().await;
    receiver
        .delay_ms
        .store(100, std::sync::atomic::Ordering::SeqCst);
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{}/api/v1/webhooks", first.address))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url, "events": ["category.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mut slugs = Vec::new();
    for i in 0..30 {
        let res = client
            .post(format!("{}/api/v1/categories", first.address))
            .bearer_auth(&token)
            .json(&json!({"name": format!("Desk {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        slugs.push(format!("desk-{i}"));
    }
    // Mid-backlog: some delivered, most not.
    receiver.wait_for(30, |r| r.len() >= 3).await;
    first.kill();
    let before = receiver.received().len();
    assert!(
        before < 30,
        "the backlog was not drained before the kill ({before})"
    );

    let _second = Process::start(&url, &env).await;
    let got = receiver
        .wait_for(150, |r| {
            let mut seen: Vec<&str> = r.iter().map(|x| x.headers["webhook-id"].as_str()).collect();
            seen.sort();
            seen.dedup();
            seen.len() >= 30
        })
        .await;
    eprintln!("received {before} before the kill, {} in all", got.len());
    let mut delivered: Vec<String> = got
        .iter()
        .map(|r| r.json()["resource"]["slug"].as_str().unwrap().to_owned())
        .collect();
    delivered.sort();
    delivered.dedup();
    slugs.sort();
    assert_eq!(delivered, slugs, "every event reached the receiver");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rotations_lose_no_secret() {
    let app = spawn_app_with(|s| {
        s.events.allow_private = true;
        s.workers = Some(2);
    })
    .await;
    let receiver = Receiver::start().await;
    let hook = webhook(&app, &receiver.url, json!(["category.created"])).await;
    let id = hook["id"].as_str().unwrap();
    let path = format!("/api/v1/webhooks/{id}/rotate-secret");
    let empty = json!({});
    let rotations = (0..12).map(|_| app.post_json(&path, &empty));
    let mut secrets = Vec::new();
    for res in futures_util::future::join_all(rotations).await {
        assert_eq!(res.status(), 200);
        secrets.push(body(res).await["secret"].as_str().unwrap().to_owned());
    }
    // The rotations took turns: the secret in force and the one before it are both among
    // those handed out, so the delivery's two signatures each verify with one of them.
    app.create_category(json!({"name": "Desk"})).await;
    let got = receiver.wait_for(10, |r| !r.is_empty()).await;
    assert_eq!(got[0].headers["webhook-signature"].split(' ').count(), 2);
    let verified: usize = secrets.iter().map(|s| verifies(s, &got[0])).sum();
    assert_eq!(verified, 2, "a secret handed out by a rotation was lost");
}
