//! The response cache never answers stale: every kind of change, against every kind of cached
//! public read (one story, its embeds, lists by each filter, search, orders, pages, feeds,
//! sitemaps, the lists of authors, categories and tags), compared with a fresh answer
//! (`Cache-Control: no-cache` skips the lookup). And a change the public cannot see leaves
//! every cached answer in place.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, send, spawn_app_with};

use crate::cache::METRICS_TOKEN;

async fn spawn() -> TestApp {
    let app = spawn_app_with(|s| {
        s.site = Some(crate::feeds::site());
        s.metrics_token = Some(byline::config::Secret::new(METRICS_TOKEN));
    })
    .await;
    if app.postgres_connection().is_some() {
        // A process stores nothing for its first moments of listening.
        tokio::time::sleep(Duration::from_millis(1700)).await;
    }
    app
}

async fn metric(app: &TestApp, series: &str) -> f64 {
    crate::cache::metric(&crate::cache::scrape(app).await, series)
}

async fn answer(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    (status, res.text().await.unwrap())
}

/// Reads every path from `reader` as the public would (from the cache when it holds it),
/// then fresh from `writer` (the process that wrote), and fails on any difference that lasts
/// longer than `within` (zero: the first read must be right). The fresh read stores its
/// answer in the writer's cache, for the next round.
async fn no_stale_answer(
    writer: &TestApp,
    reader: &TestApp,
    reads: &[String],
    after: &str,
    within: Duration,
) {
    for path in reads {
        let started = std::time::Instant::now();
        loop {
            let cached = answer(reader.anon().get(path).await).await;
            let fresh = answer(
                send(
                    writer
                        .client_request(Method::GET, path)
                        .header("cache-control", "no-cache"),
                )
                .await,
            )
            .await;
            if cached == fresh {
                break;
            }
            if started.elapsed() >= within {
                assert_eq!(cached.0, fresh.0, "{path} after {after}");
                assert_eq!(cached.1, fresh.1, "{path} after {after}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

fn slug(value: &Value) -> String {
    value["slug"].as_str().unwrap().to_owned()
}

/// Sends a write as the admin and fails unless it succeeds.
async fn write(app: &TestApp, method: Method, path: &str, body: Value) {
    let res = send(app.request(method, path).json(&body)).await;
    assert!(res.status().is_success(), "{path}: {}", res.status());
}

#[tokio::test]
async fn every_kind_of_change_leaves_no_cached_read_stale() {
    let app = spawn().await;
    every_kind_of_change(&app, &app, Duration::ZERO).await;
}

/// The same on a second process reading the database the first writes: each change shows
/// there within the bound `bench/lag` measures (well under a second).
#[tokio::test]
async fn every_kind_of_change_reaches_another_process_within_a_second() {
    let app = spawn().await;
    if app.postgres_connection().is_none() {
        eprintln!(
            "skipped: needs BYLINE_TEST_DATABASE_URL (processes tell each other through PostgreSQL)"
        );
        return;
    }
    let reader = app
        .second_node(|s| {
            s.site = Some(crate::feeds::site());
            s.metrics_token = Some(byline::config::Secret::new(METRICS_TOKEN));
        })
        .await;
    tokio::time::sleep(Duration::from_millis(1700)).await;
    every_kind_of_change(&app, &reader, Duration::from_secs(1)).await;
}

/// Every kind of change, written through `app`, against every kind of cached read on
/// `reader`.
async fn every_kind_of_change(app: &TestApp, reader: &TestApp, within: Duration) {
    let world = app
        .create_category(json!({"name": "World", "slug": "world"}))
        .await;
    let asia = app
        .create_category(json!({"name": "Asia", "slug": "asia", "parent_id": id(&world)}))
        .await;
    let market = app
        .create_category(json!({"name": "Market", "slug": "market"}))
        .await;
    let ann = app.create_author(json!({"name": "Ann Reporter"})).await;
    let bo = app.create_author(json!({"name": "Bo Writer"})).await;
    let oil = app.create_tag(json!({"name": "Oil"})).await;
    let gold = app.create_tag(json!({"name": "Gold"})).await;
    let story = |title: &str, category: &Value, author: &Value, tags: Vec<String>| {
        json!({"title": title, "body": format!("{title} body about grain"),
            "category_id": id(category), "author_id": id(author), "tag_ids": tags})
    };
    let one = app
        .create_article(story("Astana exchange opens", &asia, &ann, vec![id(&oil)]))
        .await;
    let two = app
        .create_article(story("Gold holds steady", &market, &bo, vec![id(&gold)]))
        .await;
    let three = app
        .create_article(story("Summit ends", &world, &ann, vec![]))
        .await;
    for s in [&three, &two, &one] {
        app.publish(&id(s), None).await;
    }
    let draft = app
        .create_article(story("Draft on grain", &market, &ann, vec![id(&oil)]))
        .await;

    let mut reads: Vec<String> = [
        "/api/v1/articles",
        "/api/v1/articles?include=author,category,tags,cover",
        "/api/v1/articles?fields=id,title,body",
        "/api/v1/articles?category=world",
        "/api/v1/articles?category=asia",
        "/api/v1/articles?category=market&with_total=true",
        "/api/v1/articles?tag=oil",
        "/api/v1/articles?tag=gold,oil",
        "/api/v1/articles?q=grain",
        "/api/v1/articles?q=steady",
        "/api/v1/articles?sort=title",
        "/api/v1/articles?sort=-updated_at",
        "/api/v1/articles?sort=published_at&limit=1",
        "/api/v1/articles?limit=1&with_total=true",
        "/api/v1/articles?published_after=2000-01-01T00:00:00Z",
        "/api/v1/articles?updated_after=2000-01-01T00:00:00Z",
        "/api/v1/authors",
        "/api/v1/categories",
        "/api/v1/tags",
        "/api/v1/tags?sort=-article_count",
        "/feeds/articles.rss",
        "/feeds/articles.atom",
        "/feeds/articles.json",
        "/feeds/articles.rss?category=asia",
        "/feeds/articles.json?tag=oil",
        "/sitemap.xml",
        "/sitemaps/articles-1.xml",
        "/sitemaps/news.xml",
        "/sitemaps/categories.xml",
        "/sitemaps/tags.xml",
        "/api/v1/articles?locale=ru",
        "/api/v1/articles?locale=kk,en&include=translations",
        "/api/v1/categories?locale=ru",
        "/feeds/articles.rss?locale=kk",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for author in [&ann, &bo] {
        reads.push(format!("/api/v1/articles?author={}", slug(author)));
        reads.push(format!("/api/v1/authors/{}", slug(author)));
        reads.push(format!("/feeds/articles.atom?author={}", slug(author)));
    }
    for category in [&world, &asia, &market] {
        reads.push(format!("/api/v1/categories/{}", slug(category)));
    }
    for tag in [&oil, &gold] {
        reads.push(format!("/api/v1/tags/{}", slug(tag)));
    }
    for s in [&one, &two, &three, &draft] {
        reads.push(format!("/api/v1/articles/{}", slug(s)));
        reads.push(format!(
            "/api/v1/articles/{}?include=author,category,tags",
            slug(s)
        ));
        reads.push(format!("/api/v1/articles/{}", id(s)));
        reads.push(format!("/api/v1/articles/{}?include=translations", id(s)));
    }
    reads.push("/api/v1/articles/astana-birzhasy?include=translations,category".to_owned());
    reads.push(format!("/api/v1/categories/{}?locale=ru", slug(&market)));
    no_stale_answer(app, reader, &reads, "the start", within).await;
    let hits_before = metric(reader, "byline_cache_hits_total").await;

    let article = |s: &Value| format!("/api/v1/articles/{}", id(s));
    let later = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let earlier = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    let steps: Vec<(&str, Method, String, Value)> = vec![
        (
            "a new draft",
            Method::POST,
            "/api/v1/articles".into(),
            json!({"title": "Another draft", "body": "grain", "category_id": id(&asia)}),
        ),
        (
            "a draft edited",
            Method::PATCH,
            article(&draft),
            json!({"title": "Draft on grain, again"}),
        ),
        (
            "a draft scheduled",
            Method::POST,
            format!("{}/publish", article(&draft)),
            json!({"publish_at": later}),
        ),
        (
            "a scheduled story edited",
            Method::PATCH,
            article(&draft),
            json!({"body": "grain and oil"}),
        ),
        (
            "a title edited in place",
            Method::PATCH,
            article(&one),
            json!({"title": "Astana exchange opens early"}),
        ),
        (
            "a body edited in place",
            Method::PATCH,
            article(&two),
            json!({"body": "Gold holds, grain falls"}),
        ),
        (
            "a correction published",
            Method::POST,
            format!("{}/corrections", article(&two)),
            json!({"kind": "correction", "text": "Gold fell slightly."}),
        ),
        (
            "a story moved to another category",
            Method::PATCH,
            article(&one),
            json!({"category_id": id(&market)}),
        ),
        (
            "a story's tags changed",
            Method::PATCH,
            article(&two),
            json!({"tag_ids": [id(&oil)]}),
        ),
        (
            "a story's author changed",
            Method::PATCH,
            article(&three),
            json!({"author_id": id(&bo)}),
        ),
        (
            "a byline removed",
            Method::PATCH,
            article(&three),
            json!({"author_id": null}),
        ),
        (
            "a story taken back to draft",
            Method::POST,
            format!("{}/unpublish", article(&two)),
            json!({}),
        ),
        (
            "a story published back-dated",
            Method::POST,
            format!("{}/publish", article(&two)),
            json!({"publish_at": earlier}),
        ),
        (
            "an expiry set",
            Method::PATCH,
            article(&two),
            json!({"unpublish_at": later}),
        ),
        (
            "a slug changed",
            Method::PATCH,
            article(&three),
            json!({"slug": "summit-ends-late"}),
        ),
        (
            "a story unpublished",
            Method::POST,
            format!("{}/unpublish", article(&one)),
            json!({}),
        ),
        (
            "the draft published",
            Method::POST,
            format!("{}/publish", article(&draft)),
            json!({}),
        ),
        (
            "a story archived",
            Method::POST,
            format!("{}/archive", article(&three)),
            json!({}),
        ),
        (
            "a story republished",
            Method::POST,
            format!("{}/publish", article(&one)),
            json!({}),
        ),
        (
            "a revision restored",
            Method::POST,
            format!("{}/revisions/2/restore", article(&one)),
            json!({}),
        ),
        (
            "an author renamed",
            Method::PATCH,
            format!("/api/v1/authors/{}", id(&ann)),
            json!({"name": "Ann R. Reporter", "bio": "Covers markets"}),
        ),
        (
            "a category renamed",
            Method::PATCH,
            format!("/api/v1/categories/{}", id(&market)),
            json!({"name": "Markets"}),
        ),
        (
            "a category moved",
            Method::PATCH,
            format!("/api/v1/categories/{}", id(&market)),
            json!({"parent_id": id(&world)}),
        ),
        (
            "a tag renamed",
            Method::PATCH,
            format!("/api/v1/tags/{}", id(&oil)),
            json!({"name": "Crude"}),
        ),
        (
            "a new tag",
            Method::POST,
            "/api/v1/tags".into(),
            json!({"name": "Grain"}),
        ),
        (
            "a new category",
            Method::POST,
            "/api/v1/categories".into(),
            json!({"name": "Steppe", "parent_id": id(&asia)}),
        ),
        (
            "a new author",
            Method::POST,
            "/api/v1/authors".into(),
            json!({"name": "Cy Stringer"}),
        ),
        (
            "a story moved to another language",
            Method::PATCH,
            article(&three),
            json!({"locale": "ru"}),
        ),
        (
            "a draft translation",
            Method::POST,
            format!("{}/translations", article(&one)),
            json!({"locale": "kk", "title": "Астана биржасы ашылды", "slug": "astana-birzhasy"}),
        ),
        (
            "a translation published",
            Method::POST,
            "/api/v1/articles/astana-birzhasy/publish".into(),
            json!({}),
        ),
        (
            "a published translation renamed",
            Method::PATCH,
            "/api/v1/articles/astana-birzhasy".into(),
            json!({"title": "Астана биржасы жұмысын бастады"}),
        ),
        (
            "a story linked as a translation",
            Method::PUT,
            format!("{}/translations/{}", article(&one), id(&three)),
            json!({}),
        ),
        (
            "a section named in another language",
            Method::PATCH,
            format!("/api/v1/categories/{}", id(&market)),
            json!({"names": {"ru": "Рынки", "kk": "Нарық"}}),
        ),
        (
            "a story unlinked from its translations",
            Method::DELETE,
            format!("{}/translations/{}", article(&one), id(&three)),
            json!({}),
        ),
    ];
    for (what, method, path, body) in steps {
        write(app, method, &path, body).await;
        no_stale_answer(app, reader, &reads, what, within).await;
    }
    // Trash and back, then a tag deleted from every story, then an author deleted.
    let res = app.delete(&article(&two)).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    no_stale_answer(app, reader, &reads, "a story trashed", within).await;
    write(
        app,
        Method::POST,
        &format!("/api/v1/trash/{}/restore", id(&two)),
        json!({}),
    )
    .await;
    no_stale_answer(
        app,
        reader,
        &reads,
        "a story restored from the trash",
        within,
    )
    .await;
    let res = app.delete(&format!("/api/v1/tags/{}", id(&oil))).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    no_stale_answer(app, reader, &reads, "a tag deleted", within).await;
    let res = app
        .delete(&format!(
            "/api/v1/authors/{}?reassign_to={}",
            id(&bo),
            id(&ann)
        ))
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    no_stale_answer(app, reader, &reads, "an author deleted", within).await;

    // The suite read from the cache: a stale entry would have shown.
    let hits = metric(reader, "byline_cache_hits_total").await - hits_before;
    assert!(
        hits > reads.len() as f64,
        "only {hits} answers came from the cache"
    );
}

#[tokio::test]
async fn a_change_the_public_cannot_see_leaves_every_cached_answer_in_place() {
    let app = spawn().await;
    let published = app
        .create_article(json!({"title": "On the front page", "body": "x"}))
        .await;
    app.publish(&id(&published), None).await;
    let draft = app
        .create_article(json!({"title": "Not yet", "body": "x"}))
        .await;
    let reads: Vec<String> = [
        "/api/v1/articles",
        "/api/v1/articles?include=author,category",
        "/api/v1/tags",
        "/feeds/articles.rss",
        "/sitemap.xml",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([format!("/api/v1/articles/{}", slug(&published))])
    .collect();
    no_stale_answer(&app, &app, &reads, "the start", Duration::ZERO).await;
    let later = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let scheduled = app
        .create_article(json!({"title": "Later", "body": "x"}))
        .await;
    app.publish(&id(&scheduled), Some(&later)).await;
    no_stale_answer(&app, &app, &reads, "a story scheduled", Duration::ZERO).await;
    let misses = metric(&app, "byline_cache_misses_total").await;
    // An edit lock taken and released, and a note, on the public story.
    let public = format!("/api/v1/articles/{}", id(&published));
    let res = app.post_json(&format!("{public}/lock"), &json!(null)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post_json(
            &format!("{public}/notes"),
            &json!({"text": "Check the headline."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app.delete(&format!("{public}/lock")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for n in 0..10 {
        let body = json!({"body": format!("autosave {n}")});
        let res = app
            .patch_json(&format!("/api/v1/articles/{}", id(&draft)), &body)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = app
            .patch_json(&format!("/api/v1/articles/{}", id(&scheduled)), &body)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        for path in &reads {
            assert_eq!(app.anon().get(path).await.status(), StatusCode::OK);
        }
    }
    assert_eq!(
        metric(&app, "byline_cache_misses_total").await,
        misses,
        "a lock, a note, or a draft or a scheduled story edited made a public answer miss"
    );
}
