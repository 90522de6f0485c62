//! Edit locks: who is editing a story, a 423 for everyone else's writes while it lasts, a
//! take-over by an editor that tells the holder, and exactly one winner when two lock at
//! once.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, changes_until, spawn_app};

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_lock_holds_off_everyone_else_until_released_taken_over_or_run_out() {
    let app = spawn_app().await;
    let (reporter, writer) = app.user_with_role("author").await;
    let (_, desk) = app.user_with_role("editor").await;
    let (chief, night) = app.user_with_role("editor").await;
    let res = app
        .with(&writer)
        .post_json("/api/v1/articles", &json!({"title": "Budget", "body": "b"}))
        .await;
    let story = body(res).await;
    let id = story["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/articles/{id}");
    let lock = format!("{path}/lock");

    // Nobody holds it: staff reads say so.
    let read = app.with(&desk).get(&path).await;
    let unlocked_tag = header(&read, "etag").unwrap();
    assert_eq!(body(read).await["lock"], Value::Null);

    // The author takes it, and renews it.
    let res = app.with(&writer).post_json(&lock, &json!(null)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        header(&res, "cache-control").as_deref(),
        Some("private, no-store")
    );
    let taken = body(res).await;
    assert_eq!(taken["user"]["id"], reporter["id"]);
    assert_eq!(taken["user"]["email"], reporter["email"]);
    assert_eq!(taken["taken_from"], Value::Null);
    assert_eq!(taken["article_id"], id.as_str());
    app.clock.advance(std::time::Duration::from_secs(60));
    let renewed = body(app.with(&writer).post_json(&lock, &json!(null)).await).await;
    assert_eq!(renewed["acquired_at"], taken["acquired_at"]);
    assert!(renewed["expires_at"].as_str() > taken["expires_at"].as_str());

    // Staff reads show it, and their entity tag moves with it; the version does not.
    let read = app.with(&desk).get(&path).await;
    assert_ne!(header(&read, "etag").unwrap(), unlocked_tag);
    let read = body(read).await;
    assert_eq!(read["lock"]["user"]["id"], reporter["id"]);
    assert_eq!(read["version"], 1);
    // And staff lists, story by story.
    let other = app
        .create_article(json!({"title": "Other", "body": "b"}))
        .await;
    let listed = body(app.with(&desk).get("/api/v1/articles?status=draft").await).await;
    let lock_of = |wanted: &str| {
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == wanted)
            .map(|a| a["lock"].clone())
            .unwrap()
    };
    assert_eq!(lock_of(&id)["user"]["id"], reporter["id"]);
    assert_eq!(lock_of(other["id"].as_str().unwrap()), Value::Null);

    // Anyone else's write is a 423 naming the holder, and changes nothing.
    let res = app
        .with(&desk)
        .patch_json(&path, &json!({"title": "Desk's title"}))
        .await;
    let retry: u64 = header(&res, "retry-after").unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry), "{retry}");
    let problem = assert_problem(res, 423, "locked").await;
    assert_eq!(problem["lock"]["user"]["id"], reporter["id"]);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(reporter["email"].as_str().unwrap()),
        "{problem}"
    );
    for action in ["publish", "archive"] {
        let res = app
            .with(&desk)
            .post_json(&format!("{path}/{action}"), &json!({}))
            .await;
        assert_problem(res, 423, "locked").await;
    }
    assert_problem(app.with(&desk).delete(&path).await, 423, "locked").await;
    let (_, write_token) = app.api_token("write").await;
    let res = app
        .with(&write_token)
        .patch_json(&path, &json!({"title": "Token's title"}))
        .await;
    assert_problem(res, 423, "locked").await;
    assert_problem(
        app.with(&desk).post_json(&lock, &json!(null)).await,
        423,
        "locked",
    )
    .await;
    // Notes and previews are not changes to the story.
    let res = app
        .with(&desk)
        .post_json(&format!("{path}/notes"), &json!({"text": "Waiting."}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // The holder writes, If-Match still holds for them.
    let res = app
        .with(&writer)
        .patch_json(&path, &json!({"title": "Budget passes"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .with(&writer)
        .request(reqwest::Method::PATCH, &path)
        .header("if-match", format!("\"{id}.v1\""))
        .header("content-type", "application/merge-patch+json")
        .json(&json!({"title": "Stale"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;

    // An editor takes it over: the author's next write is the 423, and an event tells them.
    let res = app
        .with(&night)
        .post_json(&format!("{lock}?take_over=true"), &json!(null))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let over = body(res).await;
    assert_eq!(over["user"]["id"], chief["id"]);
    assert_eq!(over["taken_from"]["id"], reporter["id"]);
    let res = app
        .with(&writer)
        .patch_json(&path, &json!({"title": "Mine again"}))
        .await;
    let problem = assert_problem(res, 423, "locked").await;
    assert_eq!(problem["lock"]["user"]["id"], chief["id"]);
    let events = changes_until(&app, "types=article.lock_taken", 1).await;
    let event = &events["data"][0];
    assert_eq!(event["data"]["taken_from"]["id"], reporter["id"]);
    assert_eq!(event["data"]["user"]["id"], chief["id"]);
    assert_eq!(event["data"]["article_id"], id.as_str());
    // The author cannot take it back, nor release another's lock.
    let res = app
        .with(&writer)
        .post_json(&format!("{lock}?take_over=true"), &json!(null))
        .await;
    assert_problem(res, 403, "forbidden").await;
    assert_problem(app.with(&writer).delete(&lock).await, 423, "locked").await;

    // Released: everyone writes again; releasing twice is harmless.
    assert_eq!(
        app.with(&night).delete(&lock).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.with(&night).delete(&lock).await.status(),
        StatusCode::NO_CONTENT
    );
    let res = app
        .with(&desk)
        .patch_json(&path, &json!({"subtitle": "Desk's dek"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // A lock nobody renews runs out.
    let res = app.with(&desk).post_json(&lock, &json!(null)).await;
    assert_eq!(res.status(), StatusCode::OK);
    app.clock.advance(std::time::Duration::from_secs(301));
    let res = app
        .with(&writer)
        .patch_json(&path, &json!({"subtitle": "After the lock"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        body(app.with(&desk).get(&path).await).await["lock"],
        Value::Null
    );

    // Each lock taken, taken over or released is in the audit log; renewals are not.
    let audit = body(
        app.get(&format!("/api/v1/audit?target_id={id}&limit=100"))
            .await,
    )
    .await;
    let actions: Vec<&str> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("lock."))
        .collect();
    let count = |name: &str| actions.iter().filter(|a| **a == name).count();
    assert_eq!(
        (
            count("lock.created"),
            count("lock.taken_over"),
            count("lock.deleted")
        ),
        (2, 1, 1),
        "{actions:?}"
    );

    // The public never sees a lock.
    app.publish(&id, None).await;
    let res = app.with(&desk).post_json(&lock, &json!(null)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let public = body(app.anon().get(&path).await).await;
    assert_eq!(public.get("lock"), None, "{public}");
    let listed = body(app.anon().get("/api/v1/articles").await).await;
    assert_eq!(listed["data"][0].get("lock"), None, "{listed}");
}

#[tokio::test]
async fn bad_lock_requests_change_nothing() {
    let app = spawn_app().await;
    let (_, writer) = app.user_with_role("author").await;
    let (_, desk) = app.user_with_role("editor").await;
    let theirs = app.create_article(json!({"title": "T", "body": "b"})).await;
    let path = format!("/api/v1/articles/{}", theirs["id"].as_str().unwrap());
    let lock = format!("{path}/lock");

    assert_problem(
        app.anon().post_json(&lock, &json!(null)).await,
        401,
        "unauthorized",
    )
    .await;
    let (_, read_token) = app.api_token("read").await;
    assert_problem(
        app.with(&read_token).post_json(&lock, &json!(null)).await,
        403,
        "forbidden",
    )
    .await;
    let (_, write_token) = app.api_token("write").await;
    let problem = assert_problem(
        app.with(&write_token).post_json(&lock, &json!(null)).await,
        403,
        "forbidden",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("token"));
    // An author and another's draft: they cannot see it.
    assert_problem(
        app.with(&writer).post_json(&lock, &json!(null)).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.with(&writer).delete(&lock).await, 404, "not_found").await;
    let missing = format!("/api/v1/articles/{}/lock", uuid::Uuid::now_v7());
    assert_problem(
        app.post_json(&missing, &json!(null)).await,
        404,
        "not_found",
    )
    .await;
    for bad in ["maybe", "1x", ""] {
        let res = app
            .with(&desk)
            .post_json(&format!("{lock}?take_over={bad}"), &json!(null))
            .await;
        assert_problem(res, 400, "invalid_query").await;
    }
    assert_eq!(
        body(app.with(&desk).get(&path).await).await["lock"],
        Value::Null
    );

    // Trashing a story releases its lock; in the trash it has none, and it comes back
    // without it.
    assert_eq!(
        app.with(&desk)
            .post_json(&lock, &json!(null))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.with(&desk).delete(&path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.with(&desk).post_json(&lock, &json!(null)).await,
        404,
        "not_found",
    )
    .await;
    let restore = format!("/api/v1/trash/{}/restore", theirs["id"].as_str().unwrap());
    assert_eq!(
        app.post_json(&restore, &json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(body(app.get(&path).await).await["lock"], Value::Null);
}

#[tokio::test]
async fn two_editors_locking_at_once_never_both_win() {
    let app = spawn_app().await;
    let (_, first) = app.user_with_role("editor").await;
    let (_, second) = app.user_with_role("editor").await;
    for round in 0..10 {
        let story = app
            .create_article(json!({"title": format!("Race {round}"), "body": "b"}))
            .await;
        let lock = format!("/api/v1/articles/{}/lock", story["id"].as_str().unwrap());
        let (a, b) = (app.with(&first), app.with(&second));
        let (x, y) = tokio::join!(
            a.post_json(&lock, &json!(null)),
            b.post_json(&lock, &json!(null))
        );
        let mut statuses = [x.status().as_u16(), y.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 423], "round {round}");
    }
}
