//! The write path's hook: every change reaches it once, inside the change's own transaction.

use std::sync::{Arc, Mutex};

use byline::db::AnyConnection;
use byline::domain::{Error, Result};
use byline::write::{Actor, Change, Hook, Record, Subject, Verb, Writes};
use diesel::RunQueryDsl;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app_with_writes};

/// What the hook saw of one write.
#[derive(Debug, Clone)]
struct Seen {
    actor: Actor,
    changes: Vec<Change>,
    /// For an article change: its title as the transaction sees it, before the commit.
    title: Option<String>,
}

/// A hook that keeps what it sees and, when told, refuses article updates.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<Seen>>,
    refuse_article_updates: Mutex<bool>,
}

#[derive(diesel::QueryableByName)]
struct TitleRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    title: String,
}

impl Hook for Recorder {
    fn record(&self, conn: &mut AnyConnection, record: &Record<'_>) -> Result<()> {
        let (actor, changes) = (record.actor, record.changes);
        let article = changes
            .iter()
            .find(|c| c.subject == Subject::Article && c.verb != Verb::Deleted);
        let title = match article {
            Some(change) => {
                // Ids are UUIDs the server made: safe to put in the statement.
                let rows: Vec<TitleRow> = diesel::sql_query(format!(
                    "SELECT title FROM articles WHERE id = '{}'",
                    change.id
                ))
                .load(conn)?;
                rows.into_iter().next().map(|r| r.title)
            }
            None => None,
        };
        self.seen.lock().unwrap().push(Seen {
            actor: actor.clone(),
            changes: changes.to_vec(),
            title,
        });
        let refuse = *self.refuse_article_updates.lock().unwrap();
        if refuse && changes.iter().any(|c| c.verb == Verb::Updated) {
            return Err(Error::internal("the test hook refused the write"));
        }
        Ok(())
    }
}

impl Recorder {
    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

fn one(seen: &[Seen], subject: Subject, id: &str, verb: Verb) -> Seen {
    assert_eq!(seen.len(), 1, "one write, seen once: {seen:?}");
    let write = seen[0].clone();
    let changes: Vec<(Subject, &str, Verb)> = write
        .changes
        .iter()
        .map(|c| (c.subject, c.id.as_str(), c.verb))
        .collect();
    assert_eq!(changes, vec![(subject, id, verb)]);
    write
}

#[tokio::test]
async fn every_write_reaches_the_hook_once_with_what_it_changed() {
    let recorder = Arc::new(Recorder::default());
    let app = spawn_app_with_writes(Writes::new(recorder.clone())).await;
    // Start-up made the first admin, and the harness signed in as them.
    let startup = recorder.take();
    assert_eq!(startup.len(), 2, "{startup:?}");
    assert_eq!(startup[0].actor, Actor::System);
    assert_eq!(startup[0].changes[0].subject, Subject::User);
    assert_eq!(startup[0].changes[0].verb, Verb::Created);
    let admin_id = byline::domain::UserId::from(startup[0].changes[0].id.clone());
    assert_eq!(startup[1].actor, Actor::User(admin_id.clone()));
    assert_eq!(startup[1].changes[0].subject, Subject::Session);

    let article = app
        .create_article(json!({"title": "Rates hold", "body": "Text."}))
        .await;
    let id = article["id"].as_str().unwrap();
    let created = one(&recorder.take(), Subject::Article, id, Verb::Created);
    assert_eq!(created.actor, Actor::User(admin_id.clone()));
    assert_eq!(created.title.as_deref(), Some("Rates hold"));

    let res = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &json!({"title": "Rates rise"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated = one(&recorder.take(), Subject::Article, id, Verb::Updated);
    assert_eq!(updated.changes[0].fields, vec!["title"]);
    assert_eq!(
        updated.title.as_deref(),
        Some("Rates rise"),
        "seen before the commit"
    );

    // A refused write records nothing.
    let res = app
        .request(reqwest::Method::PATCH, &format!("/api/v1/articles/{id}"))
        .header("If-Match", format!("\"{id}.v1\""))
        .json(&json!({"title": "Stale"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    let res = app
        .patch_json(&format!("/api/v1/articles/{id}"), &json!({"title": ""}))
        .await;
    assert_problem(res, 422, "validation_failed").await;
    assert!(recorder.take().is_empty());

    app.publish(id, None).await;
    one(&recorder.take(), Subject::Article, id, Verb::Published);

    let author = app.create_author(json!({"name": "Ada Reyes"})).await;
    let author_id = author["id"].as_str().unwrap();
    one(&recorder.take(), Subject::Author, author_id, Verb::Created);

    let (token, _) = app.api_token("write").await;
    one(
        &recorder.take(),
        Subject::ApiToken,
        token["id"].as_str().unwrap(),
        Verb::Created,
    );

    let res = app.delete(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(res.status(), 204);
    one(&recorder.take(), Subject::Article, id, Verb::Trashed);
}

#[tokio::test]
async fn a_write_whose_hook_fails_is_rolled_back() {
    let recorder = Arc::new(Recorder::default());
    let app = spawn_app_with_writes(Writes::new(recorder.clone())).await;
    let article = app
        .create_article(json!({"title": "Kept", "body": "Text."}))
        .await;
    let id = article["id"].as_str().unwrap();
    *recorder.refuse_article_updates.lock().unwrap() = true;
    recorder.take();

    let res = app
        .patch_json(&format!("/api/v1/articles/{id}"), &json!({"title": "Lost"}))
        .await;
    assert_problem(res, 500, "internal_error").await;
    let seen = recorder.take();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].title.as_deref(),
        Some("Lost"),
        "the hook saw the change"
    );

    let now = app.get(&format!("/api/v1/articles/{id}")).await;
    let now: serde_json::Value = now.json().await.unwrap();
    assert_eq!(now["title"], "Kept", "and the change did not outlive it");
    assert_eq!(now["version"], 1);
}
