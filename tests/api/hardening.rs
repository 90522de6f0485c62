//! Attacks a hostile client could make: inputs whose cost grows faster than their size,
//! bursts that race a check, and values at or past the edges of what the databases store.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, assert_problem, field_errors, send, spawn_app,
    spawn_app_with,
};

/// The longest body an article may have, in characters.
const BODY_MAX: usize = 500_000;

/// How many articles the admin can see, drafts included.
async fn article_total(app: &TestApp) -> u64 {
    let list: Value = app
        .get("/api/v1/articles?status=all&with_total=true&limit=1")
        .await
        .json()
        .await
        .unwrap();
    list["meta"]["total"].as_u64().unwrap()
}

/// Polls `/healthz` until `stop` is set and returns the slowest answer.
fn watch_health(app: &TestApp, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Duration> {
    let client = app.client.clone();
    let url = format!("{}/healthz", app.address);
    tokio::spawn(async move {
        let mut worst = Duration::ZERO;
        while !stop.load(Ordering::SeqCst) {
            let started = Instant::now();
            let res = client
                .get(&url)
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            assert_eq!(res.unwrap().status(), StatusCode::OK);
            worst = worst.max(started.elapsed());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        worst
    })
}

#[tokio::test]
async fn pathological_bodies_are_refused_at_once_while_the_server_keeps_answering() {
    let app = spawn_app().await;
    let shapes = [
        ("nested quotes", format!("{}x", ">".repeat(BODY_MAX - 1))),
        ("nested divs", "<div>".repeat(BODY_MAX / 5)),
        ("nested lists", "<ul><li>".repeat(BODY_MAX / 8)),
        ("nested ordered lists", "1. ".repeat(BODY_MAX / 3)),
        ("quoted lists", "> - ".repeat(BODY_MAX / 4)),
        ("nested bold", "<b>".repeat(BODY_MAX / 3)),
        (
            "deep then wide",
            format!("{}x\n\n", ">".repeat(46)).repeat(BODY_MAX / 49),
        ),
    ];
    let kept = app
        .create_article(json!({"title": "Kept", "body": "Plain text."}))
        .await;
    let kept_path = format!("/api/v1/articles/{}", kept["id"].as_str().unwrap());
    for (name, body) in shapes {
        assert!(body.chars().count() <= BODY_MAX, "{name}");
        let stop = Arc::new(AtomicBool::new(false));
        let health = watch_health(&app, stop.clone());
        let started = Instant::now();
        let created = app
            .post_json("/api/v1/articles", &json!({"title": name, "body": body}))
            .await;
        let took = started.elapsed();
        let patched = app.patch_json(&kept_path, &json!({"body": body})).await;
        stop.store(true, Ordering::SeqCst);
        let worst = health.await.unwrap();
        for res in [created, patched] {
            let problem = assert_problem(res, 422, "body_too_complex").await;
            let errors = field_errors(&problem);
            assert_eq!(errors.len(), 1, "{name}: {problem}");
            assert_eq!(errors[0].0, "body", "{name}");
            assert!(
                ["too_deep", "renders_too_large", "too_slow"].contains(&errors[0].1.as_str()),
                "{name}: {problem}"
            );
        }
        assert!(took < Duration::from_secs(3), "{name} took {took:?}");
        assert!(
            worst < Duration::from_secs(1),
            "{name}: /healthz took {worst:?}"
        );
    }
    assert_eq!(article_total(&app).await, 1, "nothing was stored");
    let unchanged: Value = app.get(&kept_path).await.json().await.unwrap();
    assert_eq!(unchanged["version"], 1);
    assert_eq!(unchanged["body"], "Plain text.");

    // A long body of ordinary text, and ordinary nesting, still render.
    let long = "Markets rose on Tuesday. ".repeat(BODY_MAX / 25);
    let article = app
        .create_article(json!({"title": "Long", "body": long}))
        .await;
    assert_eq!(article["word_count"], 4 * (BODY_MAX / 25));
    let nested = "> quoted\n>\n> - a list\n>   - inside <b><i>it</i></b>\n";
    let article = app
        .create_article(json!({"title": "Nested", "body": nested}))
        .await;
    assert!(
        article["body_html"]
            .as_str()
            .unwrap()
            .contains("<b><i>it</i></b>"),
        "{article}"
    );
}

#[tokio::test]
async fn a_burst_of_guesses_gets_no_more_checks_than_the_account_budget() {
    let app = spawn_app().await;
    let wrong = json!({"email": ADMIN_EMAIL, "password": "wrong password!"});
    let anon = app.anon();
    let answers = join_all((0..40).map(|_| anon.post_json("/api/v1/auth/login", &wrong))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        30,
        "{statuses:?}"
    );
    for res in answers.iter().filter(|r| r.status() == 429) {
        assert!(res.headers().contains_key("retry-after"));
    }
    // The right password is refused too until the window moves on: the budget is spent.
    let right = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    assert_problem(
        anon.post_json("/api/v1/auth/login", &right).await,
        429,
        "rate_limited",
    )
    .await;
}

#[tokio::test]
async fn a_flood_from_one_address_is_bounded_by_its_budget_and_the_queue() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_address = 30).await;
    let anon = app.anon();
    let bodies: Vec<Value> = (0..120)
        .map(|i| json!({"email": format!("guess{i}@example.com"), "password": "wrong password!"}))
        .collect();
    let answers = join_all(
        bodies
            .iter()
            .map(|body| anon.post_json("/api/v1/auth/login", body)),
    )
    .await;
    let count = |status: u16| answers.iter().filter(|r| r.status() == status).count();
    assert_eq!(
        count(401) + count(429) + count(503),
        answers.len(),
        "only refusals"
    );
    assert!(count(401) <= 30, "{} password checks", count(401));
    for res in answers.iter().filter(|r| r.status() != 401) {
        assert!(res.headers().contains_key("retry-after"));
    }
    // Attempts the full queue turned away were never checked and cost no budget: the
    // address gets exactly its 30 checks, then 429.
    let mut checked = count(401);
    for i in 0.. {
        assert!(i < 200, "never limited");
        let body = json!({"email": format!("late{i}@example.com"), "password": "wrong password!"});
        match anon
            .post_json("/api/v1/auth/login", &body)
            .await
            .status()
            .as_u16()
        {
            401 => checked += 1,
            429 => break,
            503 => tokio::time::sleep(Duration::from_millis(50)).await,
            other => panic!("{other}"),
        }
    }
    assert_eq!(checked, 30);
}

#[tokio::test]
async fn current_password_checks_share_the_login_budget() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_account = 3).await;
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    let own = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    let guess = json!({"password": "a new admin password", "current_password": "a wrong guess"});
    for _ in 0..3 {
        let problem =
            assert_problem(app.patch_json(&own, &guess).await, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [("current_password".to_owned(), "mismatch".to_owned())]
        );
    }
    let res = app.patch_json(&own, &guess).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "rate_limited").await;
    let right = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    assert_problem(
        app.anon().post_json("/api/v1/auth/login", &right).await,
        429,
        "rate_limited",
    )
    .await;
}

#[tokio::test]
async fn changing_ones_own_email_needs_the_current_password() {
    let app = spawn_app().await;
    let (editor, token) = app.user_with_role("editor").await;
    let own = format!("/api/v1/users/{}", editor["id"].as_str().unwrap());
    let me = app.with(&token);
    let problem = assert_problem(
        me.patch_json(&own, &json!({"email": "thief@example.com"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        field_errors(&problem),
        [("current_password".to_owned(), "required".to_owned())]
    );
    let wrong = json!({"email": "thief@example.com", "current_password": "not the password"});
    assert_problem(me.patch_json(&own, &wrong).await, 422, "validation_failed").await;
    let unchanged: Value = app.get(&own).await.json().await.unwrap();
    assert_eq!(unchanged["email"], editor["email"]);

    let right =
        json!({"email": "new-editor@example.com", "current_password": "a long enough password"});
    let res = me.patch_json(&own, &right).await;
    assert_eq!(res.status(), StatusCode::OK);
    app.login("new-editor@example.com", "a long enough password")
        .await;
    // An admin changing someone else's email needs no password.
    let res = app
        .patch_json(&own, &json!({"email": "by-admin@example.com"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = spawn_app().await;
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    let a_path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    let (b, _) = app.user_with_role("admin").await;
    let b_path = format!("/api/v1/users/{}", b["id"].as_str().unwrap());
    let b_email = b["email"].as_str().unwrap().to_owned();
    let demote = json!({"role": "editor"});
    let token_of = |pair: Value| pair["access_token"].as_str().unwrap().to_owned();
    for round in 0..12 {
        let a_token = token_of(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await);
        let b_token = token_of(app.login(&b_email, "a long enough password").await);
        let (as_a, as_b) = (app.with(&a_token), app.with(&b_token));
        let (by_a, by_b) = tokio::join!(
            as_a.patch_json(&b_path, &demote),
            as_b.patch_json(&a_path, &demote),
        );
        let statuses = [by_a.status().as_u16(), by_b.status().as_u16()];
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "round {round}: {statuses:?}"
        );
        // The other was refused for being the last admin, or was no longer an admin by the
        // time its own request was authenticated.
        for res in [by_a, by_b] {
            match res.status().as_u16() {
                200 | 401 => {}
                409 => {
                    assert_problem(res, 409, "last_admin").await;
                }
                other => panic!("round {round}: {other}"),
            }
        }
        // Whoever is still an admin counts the admins and makes the other one again.
        let a_token = token_of(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await);
        let b_token = token_of(app.login(&b_email, "a long enough password").await);
        let a_is_admin = app.with(&a_token).get("/api/v1/users").await.status() == StatusCode::OK;
        let (token, demoted) = if a_is_admin {
            (a_token, &b_path)
        } else {
            (b_token, &a_path)
        };
        let users: Value = app
            .with(&token)
            .get("/api/v1/users?limit=100")
            .await
            .json()
            .await
            .unwrap();
        let admins = users["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["role"] == "admin")
            .count();
        assert_eq!(admins, 1, "round {round}");
        let res = app
            .with(&token)
            .patch_json(demoted, &json!({"role": "admin"}))
            .await;
        assert_eq!(res.status(), StatusCode::OK, "round {round}");
    }
}

#[tokio::test]
async fn two_moves_that_would_close_a_loop_cannot_both_pass() {
    let app = spawn_app().await;
    for round in 0..15 {
        let a = app
            .create_category(json!({"name": format!("Loop A {round}")}))
            .await;
        let b = app
            .create_category(json!({"name": format!("Loop B {round}")}))
            .await;
        let a_path = format!("/api/v1/categories/{}", a["id"].as_str().unwrap());
        let b_path = format!("/api/v1/categories/{}", b["id"].as_str().unwrap());
        let (under_b, under_a) = (json!({"parent_id": b["id"]}), json!({"parent_id": a["id"]}));
        let (first, second) = tokio::join!(
            app.patch_json(&a_path, &under_b),
            app.patch_json(&b_path, &under_a),
        );
        let mut statuses = [first.status().as_u16(), second.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 422], "round {round}");
        for res in [first, second] {
            if res.status() == 422 {
                let problem = assert_problem(res, 422, "validation_failed").await;
                assert_eq!(
                    field_errors(&problem),
                    [("parent_id".to_owned(), "cycle".to_owned())]
                );
            }
        }
        // The tree is still a tree: the child goes first, then its parent.
        let a_now: Value = app.get(&a_path).await.json().await.unwrap();
        let (child, parent) = if a_now["parent_id"].is_null() {
            (&b_path, &a_path)
        } else {
            (&a_path, &b_path)
        };
        assert_eq!(app.delete(child).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.delete(parent).await.status(), StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn a_user_is_never_left_linked_to_a_deleted_author() {
    let app = spawn_app().await;
    let (user, _) = app.user_with_role("author").await;
    let user_path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    for round in 0..15 {
        let author = app
            .create_author(json!({"name": format!("Short-lived {round}")}))
            .await;
        let author_path = format!("/api/v1/authors/{}", author["id"].as_str().unwrap());
        let link = json!({"author_id": author["id"]});
        let (linked, deleted) =
            tokio::join!(app.patch_json(&user_path, &link), app.delete(&author_path),);
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT, "round {round}");
        assert!(
            [200, 422].contains(&linked.status().as_u16()),
            "round {round}: {}",
            linked.status()
        );
        let now: Value = app.get(&user_path).await.json().await.unwrap();
        assert!(now["author_id"].is_null(), "round {round}: {now}");
        let res = app
            .patch_json(&user_path, &json!({"author_id": null}))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}

/// A cursor as the server would make it, with keys of the test's choosing.
fn cursor(parts: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(parts).unwrap())
}

#[tokio::test]
async fn nul_bytes_and_impossible_dates_are_refused_not_500() {
    let app = spawn_app().await;
    let id = uuid::Uuid::now_v7().to_string();
    for path in [
        "/api/v1/articles?q=a%00b".to_owned(),
        "/api/v1/authors?q=a%00".to_owned(),
        "/api/v1/articles?sort=title&cursor=".to_owned() + &cursor(&["title", "a\0b", &id]),
        "/api/v1/articles?cursor=".to_owned()
            + &cursor(&["-published_at", "-9999-01-01T00:00:00.000000", &id]),
        "/api/v1/articles?q=oil&cursor=".to_owned() + &cursor(&["relevance", "NaN", &id]),
        "/api/v1/authors?sort=-created_at&cursor=".to_owned()
            + &cursor(&["-created", "+10000-01-01T00:00:00.000000", &id]),
        "/api/v1/authors?cursor=".to_owned() + &cursor(&["name", "a\0", &id]),
        "/api/v1/articles?published_after=-4714-11-24T00:00:00Z".to_owned(),
        "/api/v1/articles?published_after=%2B200000-01-01T00:00:00Z".to_owned(),
        "/api/v1/articles?published_before=0000-12-31T00:00:00Z".to_owned(),
        "/api/v1/articles?a%00=1".to_owned(),
    ] {
        for who in [app.anon(), app.with(&app.admin_token)] {
            assert_problem(who.get(&path).await, 400, "invalid_query").await;
        }
    }
    let res = app
        .anon()
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "admin\u{0}@example.com", "password": "wrong password!"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("email".to_owned(), "invalid_characters".to_owned())]
    );
    let res = app
        .post_json("/api/v1/authors", &json!({"name": "Nul\u{0}Name"}))
        .await;
    assert_problem(res, 422, "validation_failed").await;

    let article = app
        .create_article(json!({"title": "Far future", "body": "Text."}))
        .await;
    let publish = format!(
        "/api/v1/articles/{}/publish",
        article["id"].as_str().unwrap()
    );
    for at in [
        "-5000-01-01T00:00:00Z",
        "+10000-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00",
    ] {
        let problem = assert_problem(
            app.post_json(&publish, &json!({"publish_at": at})).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(field_errors(&problem)[0].0, "publish_at", "{at}");
    }
    let res = app
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "forever", "scope": "read", "expires_at": "+20000-01-01T00:00:00Z"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;

    // The latest time accepted is a schedule like any other, on both databases: the public
    // does not see it, and a plain date filter still works.
    let scheduled = app
        .publish(
            article["id"].as_str().unwrap(),
            Some("9999-12-30T00:00:00Z"),
        )
        .await;
    assert_eq!(scheduled["status"], "scheduled");
    let path = format!("/api/v1/articles/{}", article["slug"].as_str().unwrap());
    assert_problem(app.anon().get(&path).await, 404, "not_found").await;
    let public: Value = app
        .anon()
        .get("/api/v1/articles?published_after=2000-01-01")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["data"].as_array().unwrap().len(), 0, "{public}");
    let staff: Value = app
        .get("/api/v1/articles?status=scheduled&published_after=9999-01-01")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["data"].as_array().unwrap().len(), 1, "{staff}");
}

#[tokio::test]
async fn generated_slugs_always_find_a_free_one() {
    // Thirty inserts of one title take turns; under a loaded test run they may queue for a
    // connection longer than the default wait.
    let app = spawn_app_with(|s| s.db_timeout = Duration::from_secs(30)).await;
    let title = "a".repeat(200);
    let mut slugs = Vec::new();
    for _ in 0..3 {
        let article = app
            .create_article(json!({"title": title, "body": "x"}))
            .await;
        slugs.push(article["slug"].as_str().unwrap().to_owned());
    }
    let same = json!({"title": "Breaking: rates cut", "body": "x"});
    let answers = join_all((0..30).map(|_| app.post_json("/api/v1/articles", &same))).await;
    for res in answers {
        let status = res.status();
        let article: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{article}");
        slugs.push(article["slug"].as_str().unwrap().to_owned());
    }
    let author = json!({"name": "Same Name"});
    let authors = join_all((0..10).map(|_| app.post_json("/api/v1/authors", &author))).await;
    for res in authors {
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let mut unique = slugs.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), slugs.len(), "{slugs:?}");
    for slug in &slugs {
        assert!(slug.len() <= 200, "{slug}");
    }
}

#[tokio::test]
async fn a_slug_conflict_does_not_say_what_holds_the_slug() {
    let app = spawn_app().await;
    let (_, first_author) = app.user_with_role("author").await;
    let (_, second_author) = app.user_with_role("author").await;
    let res = app
        .with(&first_author)
        .post_json(
            "/api/v1/articles",
            &json!({"title": "Quiet merger", "body": "Draft.", "slug": "quiet-merger"}),
        )
        .await;
    let draft: Value = res.json().await.unwrap();
    let res = app
        .with(&second_author)
        .post_json(
            "/api/v1/articles",
            &json!({"title": "Mine", "body": "x", "slug": "quiet-merger"}),
        )
        .await;
    let problem = assert_problem(res, 409, "slug_taken").await;
    let text = problem.to_string().to_lowercase();
    for hint in [
        "article",
        "draft",
        draft["id"].as_str().unwrap(),
        "quiet merger",
    ] {
        assert!(!text.contains(hint), "`{hint}` in {problem}");
    }
}

#[tokio::test]
async fn undeclared_query_parameters_are_refused_on_writes_too() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/articles?dry_run=true",
            &json!({"title": "Not written", "body": "x"}),
        )
        .await;
    let problem = assert_problem(res, 400, "invalid_query").await;
    assert_eq!(
        field_errors(&problem),
        [("dry_run".to_owned(), "unknown_parameter".to_owned())]
    );
    assert_eq!(article_total(&app).await, 0);
    let article = app
        .create_article(json!({"title": "Kept", "body": "x"}))
        .await;
    let path = format!("/api/v1/articles/{}", article["id"].as_str().unwrap());
    for (method, query) in [
        (Method::PATCH, "?force=1"),
        (Method::DELETE, "?force=1"),
        (Method::GET, "?include=author&typo=1"),
        (Method::POST, "/publish?at=now"),
    ] {
        let req = app
            .request(method.clone(), &format!("{path}{query}"))
            .json(&json!({"title": "Changed"}));
        assert_problem(send(req).await, 400, "invalid_query").await;
    }
    let unchanged: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(unchanged["version"], 1);
    assert_eq!(unchanged["status"], "draft");
    assert_problem(
        app.anon().get("/healthz?verbose=1").await,
        400,
        "invalid_query",
    )
    .await;
    // Declared parameters still work where they belong.
    let res = app
        .delete(&format!(
            "/api/v1/authors/{}?reassign_to={}",
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7()
        ))
        .await;
    assert_ne!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn status_published_is_the_public_list_without_credentials() {
    let app = spawn_app().await;
    let live = app
        .create_article(json!({"title": "Live", "body": "x"}))
        .await;
    app.publish(live["id"].as_str().unwrap(), None).await;
    app.create_article(json!({"title": "Draft", "body": "x"}))
        .await;
    let list: Value = app
        .anon()
        .get("/api/v1/articles?status=published")
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["id"])
        .collect();
    assert_eq!(ids, [&live["id"]]);
    let res = app.anon().get("/api/v1/articles?status=draft").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_client_address_comes_from_a_trusted_proxy_only() {
    let login = |app: &TestApp, forwarded: &str| {
        let req = app
            .anon()
            .request(Method::POST, "/api/v1/auth/login")
            .header("x-forwarded-for", forwarded.to_owned())
            .json(&json!({"email": format!("someone-{forwarded}@example.com"), "password": "wrong password!"}));
        send(req)
    };
    // No proxy trusted: the header changes nothing, so each guess spends the same budget.
    let app = spawn_app_with(|s| s.auth.max_failures_per_address = 3).await;
    for n in 0..3 {
        let res = login(&app, &format!("198.51.100.{n}")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_problem(login(&app, "198.51.100.9").await, 429, "rate_limited").await;

    // Behind a trusted proxy, each client has a budget of its own.
    let app = spawn_app_with(|s| {
        s.auth.max_failures_per_address = 3;
        s.trusted_proxies = vec![byline::config::Cidr::parse("127.0.0.1/32").unwrap()];
    })
    .await;
    for _ in 0..3 {
        let res = login(&app, "203.0.113.5, 198.51.100.1").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // The right-most address is the one the proxy saw; what the client put left of it is not.
    assert_problem(
        login(&app, "203.0.113.77, 198.51.100.1").await,
        429,
        "rate_limited",
    )
    .await;
    let res = login(&app, "198.51.100.2").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_highlight_marks_only_what_matched() {
    let app = spawn_app().await;
    let body = "Private-use \u{E000}marks\u{E001} stay text. Oil prices rose.";
    let article = app
        .create_article(json!({"title": "Marks", "body": body}))
        .await;
    app.publish(article["id"].as_str().unwrap(), None).await;
    let list: Value = app
        .anon()
        .get("/api/v1/articles?q=oil")
        .await
        .json()
        .await
        .unwrap();
    let highlight = list["data"][0]["search"]["highlight"].as_str().unwrap();
    assert_eq!(highlight.matches("<mark>").count(), 1, "{highlight}");
    assert!(highlight.contains("<mark>Oil</mark>"), "{highlight}");
    assert!(highlight.contains("\u{E000}marks\u{E001}"), "{highlight}");
}

#[cfg(unix)]
#[tokio::test]
async fn files_with_secrets_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("byline-data");
    let settings = |data: &std::path::Path| {
        let mut s = byline::config::Settings::defaults().unwrap();
        s.database_url =
            byline::db::DatabaseUrl::parse(&format!("sqlite://{}/byline.db", data.display()))
                .unwrap();
        s.data_dir = data.to_owned();
        s.bind = "127.0.0.1:0".parse().unwrap();
        s.workers = Some(1);
        s.bootstrap_admin = Some((
            ADMIN_EMAIL.to_owned(),
            byline::config::Secret::new(ADMIN_PASSWORD),
        ));
        s
    };
    let app = byline::Application::build(settings(&data)).unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let res = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(mode(&data), 0o700);
    for file in ["byline.db", "byline.db-wal", "byline.db-shm", "jwt-secret"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }

    // A secret file others may read is refused, and so is one that is blank.
    let other = root.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let secret = other.join("jwt-secret");
    std::fs::write(&secret, "s".repeat(48)).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = byline::Application::build(settings(&other))
        .err()
        .expect("a readable secret is refused")
        .to_string();
    assert!(error.contains("chmod 600"), "{error}");
    std::fs::write(&secret, " ".repeat(48)).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let error = byline::Application::build(settings(&other))
        .err()
        .expect("a blank secret is refused")
        .to_string();
    assert!(error.contains("jwt-secret"), "{error}");
}

#[tokio::test]
async fn name_filters_refuse_blank_and_over_long_text_alike() {
    let app = spawn_app().await;
    for (list, max) in [("authors", 200), ("tags", 100), ("media", 200)] {
        let long = "a".repeat(max + 1);
        for (q, code) in [("%20%20", "invalid_value"), (long.as_str(), "too_long")] {
            let res = app.get(&format!("/api/v1/{list}?q={q}")).await;
            let problem = assert_problem(res, 400, "invalid_query").await;
            assert_eq!(
                field_errors(&problem),
                [("q".to_owned(), code.to_owned())],
                "{list}?q={q}"
            );
        }
        let fits = "a".repeat(max);
        let res = app.get(&format!("/api/v1/{list}?q={fits}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{list}");
    }
}
