//! Full-text search: `q` on `GET /api/v1/articles`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app};

async fn publish_article(app: &TestApp, body: Value) -> Value {
    let a = app.create_article(body).await;
    app.publish(a["id"].as_str().unwrap(), None).await
}

async fn hits(app: &TestApp, q: &str, extra: &str) -> Vec<String> {
    let query: String = form_urlencoded_q(q);
    let res = app
        .anon()
        .get(&format!("/api/v1/articles?q={query}{extra}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{q}");
    let page: Value = res.json().await.unwrap();
    crate::helpers::slugs(&page)
}

fn form_urlencoded_q(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn words_phrases_exclusions_and_or() {
    let app = spawn_app().await;
    publish_article(&app, json!({"title": "Minister resigns", "slug": "minister", "body": "The minister left office on Friday."})).await;
    publish_article(&app, json!({"title": "Oil prices", "slug": "oil-supply", "body": "Producers kept supply cuts in place; gas was flat."})).await;
    publish_article(&app, json!({"title": "Oil report", "slug": "oil-cuts", "body": "Analysts saw cuts in supply next year."})).await;
    publish_article(
        &app,
        json!({"title": "Coffee", "slug": "cafe", "body": "A new café opened near the market."}),
    )
    .await;
    publish_article(&app, json!({"title": "Новости рынка", "slug": "novosti", "body": "Рынок вырос на новостях о нефти."})).await;

    assert_eq!(hits(&app, "ministers", "").await, ["minister"], "stemming");
    assert_eq!(
        hits(&app, "\"supply cuts\"", "").await,
        ["oil-supply"],
        "phrase"
    );
    let mut both = hits(&app, "supply cuts", "").await;
    both.sort();
    assert_eq!(both, ["oil-cuts", "oil-supply"], "all words, any order");
    assert_eq!(hits(&app, "oil -gas", "").await, ["oil-cuts"], "exclusion");
    let mut either = hits(&app, "minister OR coffee", "").await;
    either.sort();
    assert_eq!(either, ["cafe", "minister"], "OR");
    assert_eq!(hits(&app, "cafe", "").await, ["cafe"], "accents are folded");
    assert_eq!(hits(&app, "CAFÉ", "").await, ["cafe"], "and case");
    assert_eq!(hits(&app, "новости", "").await, ["novosti"], "Cyrillic");
    assert!(hits(&app, "nothinglikethis", "").await.is_empty());
}

/// A phrase is found only with its words side by side (through stop words and hyphens as
/// the text parser reads them), wherever in the story it stands, and after an edit as the
/// story now reads.
#[tokio::test]
async fn phrases_need_neighbours_and_follow_edits() {
    let app = spawn_app().await;
    let boj = publish_article(&app, json!({"title": "Rates", "slug": "boj", "body": "The Bank of Japan held rates. A well-known trader said so."})).await;
    publish_article(&app, json!({"title": "Japan", "slug": "apart", "body": "Japan: a bank trader, well known, held that rates stay."})).await;

    assert_eq!(
        hits(&app, "\"bank of japan\"", "").await,
        ["boj"],
        "over a stop word"
    );
    assert_eq!(
        hits(&app, "\"well-known trader\"", "").await,
        ["boj"],
        "a hyphenated word"
    );
    assert_eq!(
        hits(&app, "\"held rates\" japan", "").await,
        ["boj"],
        "phrase and word"
    );
    for (nothing, why) in [
        ("\"held rates\" -trader", "phrase and exclusion"),
        ("\"rates held\"", "order counts"),
    ] {
        assert!(hits(&app, nothing, "").await.is_empty(), "{why}");
    }
    let mut either = hits(&app, "\"rates held\" OR \"trader well\"", "").await;
    either.sort();
    assert_eq!(either, ["apart"], "phrases under OR");

    let id = boj["id"].as_str().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &json!({"body": "Rates held firm."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        hits(&app, "\"held rates\"", "").await.is_empty(),
        "gone with the edit"
    );
    let mut now = hits(&app, "\"rates held\"", "").await;
    now.sort();
    assert_eq!(now, ["boj"], "found as the story reads now");
}

#[tokio::test]
async fn title_hits_rank_above_body_hits_and_are_highlighted_safely() {
    let app = spawn_app().await;
    publish_article(&app, json!({"title": "Weather today", "slug": "body-hit", "body": "<script>alert(1)</script> Heavy rain is expected; the storm moves east."})).await;
    publish_article(
        &app,
        json!({"title": "Storm warning", "slug": "title-hit", "body": "Stay indoors."}),
    )
    .await;
    let page: Value = app
        .anon()
        .get("/api/v1/articles?q=storm")
        .await
        .json()
        .await
        .unwrap();
    let items = page["data"].as_array().unwrap();
    assert_eq!(items[0]["slug"], "title-hit");
    assert_eq!(items[1]["slug"], "body-hit");
    assert!(
        items[0]["search"]["rank"].as_f64().unwrap() > items[1]["search"]["rank"].as_f64().unwrap()
    );
    let highlight = items[1]["search"]["highlight"].as_str().unwrap();
    assert!(highlight.contains("<mark>storm</mark>"), "{highlight}");
    assert!(!highlight.contains("<script>"), "{highlight}");
    let without_marks = highlight.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !without_marks.contains('<'),
        "everything but the marks is escaped: {highlight}"
    );
    let plain: Value = app
        .anon()
        .get("/api/v1/articles?q=storm&sort=title")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(plain["data"][0]["slug"], "title-hit");
    assert!(plain["data"][0].get("search").is_none());
}

#[tokio::test]
async fn search_respects_visibility_and_filters() {
    let app = spawn_app().await;
    let market = app.create_category(json!({"name": "Market"})).await;
    let stocks = app
        .create_category(json!({"name": "Stocks", "parent_id": market["id"]}))
        .await;
    app.create_article(
        json!({"title": "Secret merger", "slug": "draft-merger", "body": "merger talks"}),
    )
    .await;
    publish_article(&app, json!({"title": "Merger done", "slug": "merger-stocks", "body": "merger", "category_id": stocks["id"]})).await;
    publish_article(
        &app,
        json!({"title": "Merger off", "slug": "merger-other", "body": "merger"}),
    )
    .await;
    let mut public = hits(&app, "merger", "").await;
    public.sort();
    assert_eq!(
        public,
        ["merger-other", "merger-stocks"],
        "drafts never leak through search"
    );
    assert_eq!(
        hits(&app, "merger", "&category=market").await,
        ["merger-stocks"]
    );
    assert!(
        hits(&app, "merger", "&published_before=2000-01-01T00:00:00Z")
            .await
            .is_empty()
    );
    let staff: Value = app
        .get("/api/v1/articles?q=merger&status=draft")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["data"][0]["slug"], "draft-merger");
    let total: Value = app
        .anon()
        .get("/api/v1/articles?q=merger&with_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(total["meta"]["total"], 2);
}

#[tokio::test]
async fn the_index_follows_updates_unpublishing_and_deletes() {
    let app = spawn_app().await;
    let a = publish_article(
        &app,
        json!({"title": "Harbour news", "slug": "harbour", "body": "The ferry is late."}),
    )
    .await;
    let path = format!("/api/v1/articles/{}", a["id"].as_str().unwrap());
    assert_eq!(hits(&app, "ferry", "").await, ["harbour"]);
    app.patch_json(&path, &json!({"body": "The tugboat is early."}))
        .await;
    assert!(hits(&app, "ferry", "").await.is_empty());
    assert_eq!(hits(&app, "tugboat", "").await, ["harbour"]);
    app.post_json(&format!("{path}/unpublish"), &json!({}))
        .await;
    assert!(hits(&app, "tugboat", "").await.is_empty());
    app.publish(a["id"].as_str().unwrap(), None).await;
    assert_eq!(hits(&app, "tugboat", "").await, ["harbour"]);
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert!(hits(&app, "tugboat", "").await.is_empty());
}

#[tokio::test]
async fn hostile_searches_give_results_or_a_clear_400() {
    let app = spawn_app().await;
    publish_article(&app, json!({"title": "Oil", "body": "oil and gas"})).await;
    let long = "oil ".repeat(2_500);
    for q in [
        "\"unbalanced",
        "oil\"",
        "NEAR(oil gas)",
        "title:oil",
        "oil*",
        "'; DROP TABLE articles; --",
        "oil AND",
        "(oil",
        "😀 oil",
        "oil OR",
        "a:b:c",
        "^oil",
        "\\",
        "%_%",
        &long[..999],
    ] {
        let res = app
            .anon()
            .get(&format!("/api/v1/articles?q={}", form_urlencoded_q(q)))
            .await;
        assert!(
            res.status() == StatusCode::OK || res.status() == StatusCode::BAD_REQUEST,
            "{q}: {}",
            res.status()
        );
    }
    for q in ["", "-oil", "OR", "!!!", &long[..]] {
        let res = app
            .anon()
            .get(&format!("/api/v1/articles?q={}", form_urlencoded_q(q)))
            .await;
        assert_problem(res, 400, "invalid_query").await;
    }
    assert_problem(
        app.anon().get("/api/v1/articles?sort=relevance").await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(hits(&app, "'; DROP TABLE articles; --", "").await.len(), 0);
    assert_eq!(
        hits(&app, "oil", "").await.len(),
        1,
        "the table is still there"
    );
}

#[tokio::test]
async fn relevance_pages_keep_their_order() {
    let app = spawn_app().await;
    for i in 0..7 {
        let body = "flood ".repeat(i + 1);
        publish_article(&app, json!({"title": format!("Report {i}"), "body": body})).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/articles?q=flood&limit=2".to_owned();
    loop {
        let page: Value = app.anon().get(&path).await.json().await.unwrap();
        for item in page["data"].as_array().unwrap() {
            seen.push((
                item["search"]["rank"].as_f64().unwrap(),
                item["slug"].as_str().unwrap().to_owned(),
            ));
        }
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/articles?q=flood&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "{seen:?}");
    let unique: std::collections::HashSet<_> = seen.iter().map(|(_, s)| s.clone()).collect();
    assert_eq!(unique.len(), 7);
}

#[tokio::test]
async fn the_search_language_is_a_setting_on_postgres() {
    if crate::helpers::postgres_url().is_none() {
        eprintln!("skipped: SQLite always stems English");
        return;
    }
    let app = crate::helpers::spawn_app_with(|s| s.search_language = "simple".to_owned()).await;
    publish_article(
        &app,
        json!({"title": "Minister resigns", "slug": "minister", "body": "The minister left."}),
    )
    .await;
    assert!(
        hits(&app, "ministers", "").await.is_empty(),
        "no stemming with simple"
    );
    assert_eq!(hits(&app, "minister", "").await, ["minister"]);
}

#[tokio::test]
async fn highlights_come_from_deep_in_long_bodies_in_whole_words() {
    let app = spawn_app().await;
    // Filler words of varying length, so that a window edge lands inside a word.
    let filler: String = (0..400)
        .map(|i| ["alpha", "be", "gamma", "delt", "epsilonic"][i % 5])
        .collect::<Vec<_>>()
        .join(" ");
    let body = format!(
        "{filler} The zeppelins drifted over the harbour. {filler} A study found more. {filler}"
    );
    publish_article(
        &app,
        json!({"title": "Long read", "slug": "long-read", "body": body}),
    )
    .await;
    for (q, marked) in [("zeppelin", "zeppelins"), ("studies", "study")] {
        let page: Value = app
            .anon()
            .get(&format!("/api/v1/articles?q={q}"))
            .await
            .json()
            .await
            .unwrap();
        let highlight = page["data"][0]["search"]["highlight"].as_str().unwrap();
        assert!(
            highlight.contains(&format!("<mark>{marked}</mark>")),
            "{q}: {highlight}"
        );
        let words = ["alpha", "be", "gamma", "delt", "epsilonic"];
        for word in highlight
            .replace("<mark>", "")
            .replace("</mark>", "")
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            assert!(
                words.contains(&word)
                    || [
                        "The",
                        "zeppelins",
                        "drifted",
                        "over",
                        "the",
                        "harbour",
                        "A",
                        "study",
                        "found",
                        "more"
                    ]
                    .contains(&word),
                "{q}: `{word}` is a cut word in {highlight}"
            );
        }
    }
}

#[tokio::test]
async fn postgres_keeps_the_search_vector_and_short_columns_in_the_row() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let app = spawn_app().await;
    let Some(mut conn) = app.postgres_connection() else {
        eprintln!("skipped: storage is a PostgreSQL matter");
        return;
    };
    // Ranking reads every hit's vector, and lists read the short columns: only the two
    // bodies may move out of the row.
    let movable: Vec<String> = diesel::sql_query(
        "SELECT attname::text AS name FROM pg_attribute \
         WHERE attrelid = 'articles'::regclass AND attnum > 0 AND NOT attisdropped \
         AND attstorage IN ('x', 'e') ORDER BY attname",
    )
    .load::<Column>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|c| c.name)
    .collect();
    assert_eq!(movable, ["body", "body_html"]);
}

#[tokio::test]
async fn highlights_cope_with_wide_characters_missing_spaces_and_matches_at_the_edges() {
    let app = spawn_app().await;
    let wide = "Größenänderung café naïve ".repeat(40);
    let bodies = [
        (
            // Words apart, but not one space to trim the window at.
            "no-spaces",
            format!("{}\nZeppelin\n{}", "ü".repeat(900), "é".repeat(900)),
        ),
        ("wide", format!("{wide}The ZEPPELIN landed. {wide}")),
        ("at-start", format!("Zeppelins first. {wide}")),
        ("at-end", format!("{wide}last came a zeppelin")),
    ];
    for (slug, body) in &bodies {
        publish_article(
            &app,
            json!({"title": format!("Story {slug}"), "slug": slug, "body": body}),
        )
        .await;
    }
    let res = app.anon().get("/api/v1/articles?q=zeppelin&limit=10").await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = res.json().await.unwrap();
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), bodies.len());
    for article in data {
        let highlight = article["search"]["highlight"].as_str().unwrap();
        assert!(
            highlight.to_lowercase().contains("<mark>zeppelin"),
            "{}: {highlight}",
            article["slug"]
        );
        assert!(!highlight.contains('\u{FFFD}'), "{highlight}");
    }
}
