//! Search at archive scale: relevance blended with recency, exact titles first, bounded
//! candidates and totals, and typeahead (`GET /api/v1/search/suggest`).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, slugs, spawn_app, spawn_app_with};

/// Creates and publishes a story at `at` (an RFC 3339 time in the past), returning it.
async fn story_at(app: &TestApp, slug: &str, title: &str, body: &str, at: &str) -> Value {
    let a = app
        .create_article(json!({"title": title, "slug": slug, "body": body}))
        .await;
    app.publish(a["id"].as_str().unwrap(), Some(at)).await
}

/// The public answer to a list URL.
async fn page(app: &TestApp, url: &str) -> Value {
    let res = app.anon().get(url).await;
    assert_eq!(res.status(), StatusCode::OK, "{url}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn recency_weighs_against_text_by_the_setting() {
    // The older story holds the word in its title, the newer one only in its body: by
    // text alone the older ranks first; with age weighing heavily, the newer does.
    for (recency, first) in [(0, "older-title"), (1000, "newer-body")] {
        let app = spawn_app_with(|s| s.search.recency = recency).await;
        story_at(
            &app,
            "older-title",
            "Steppe railway opens",
            "The line runs north.",
            "2020-03-01T08:00:00Z",
        )
        .await;
        story_at(
            &app,
            "newer-body",
            "Transport notes",
            "A new steppe railway timetable starts in spring.",
            "2024-03-01T08:00:00Z",
        )
        .await;
        let p = page(&app, "/api/v1/articles?q=steppe%20railway").await;
        assert_eq!(slugs(&p)[0], first, "recency {recency}");
        // Whatever the order, each hit reports its text score.
        for item in p["data"].as_array().unwrap() {
            let rank = item["search"]["rank"].as_f64().unwrap();
            assert!(rank > 0.0 && rank < 1.0, "{item}");
        }
        let newest = page(
            &app,
            "/api/v1/articles?q=steppe%20railway&sort=-published_at",
        )
        .await;
        assert_eq!(slugs(&newest), ["newer-body", "older-title"]);
        assert!(newest["data"][0].get("search").is_none());
    }
}

#[tokio::test]
async fn an_exact_title_ranks_first_however_old_and_beyond_the_candidates() {
    let app = spawn_app_with(|s| s.search.candidates = 10).await;
    story_at(
        &app,
        "the-title",
        "JICA seminar in Astana",
        "Development agencies met in the capital.",
        "2012-05-04T10:00:00Z",
    )
    .await;
    // Twelve newer stories that say the words more often, all of them newer than the
    // exact title: the ten newest are the candidates, and the title is not among them.
    for i in 0..12 {
        story_at(
            &app,
            &format!("newer-{i:02}"),
            &format!("Astana seminar notes {i}"),
            "JICA seminar in Astana: JICA and Astana officials met; the JICA seminar in Astana \
             went on.",
            &format!("2024-01-{:02}T10:00:00Z", i + 1),
        )
        .await;
    }
    for q in [
        "JICA%20seminar%20in%20Astana",
        "jica%20SEMINAR%20in%20astana",
        "%22JICA%20seminar%22%20in%20Astana",
    ] {
        let p = page(&app, &format!("/api/v1/articles?q={q}&limit=5")).await;
        assert_eq!(slugs(&p)[0], "the-title", "{q}");
    }
    // The ten newest plus the exact title are ranked; paging goes through all eleven once.
    let q = "JICA%20seminar%20in%20Astana";
    let mut seen = Vec::new();
    let mut url = format!("/api/v1/articles?q={q}&limit=4");
    loop {
        let p = page(&app, &url).await;
        seen.extend(slugs(&p));
        match p["meta"]["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/articles?q={q}&limit=4&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 11, "{seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 11, "no hit twice: {seen:?}");
    assert!(!seen.contains(&"newer-00".to_owned()) && !seen.contains(&"newer-01".to_owned()));
    // Without an exact title, the ten newest matches are what relevance ranks.
    let other = page(&app, "/api/v1/articles?q=JICA%20Astana&limit=100").await;
    assert_eq!(slugs(&other).len(), 10);
    // Newest first pages through every match.
    let all = page(
        &app,
        "/api/v1/articles?q=JICA%20Astana&sort=-published_at&limit=100",
    )
    .await;
    assert_eq!(slugs(&all).len(), 13);
    assert_eq!(slugs(&all)[0], "newer-11");
}

#[tokio::test]
async fn a_search_total_is_exact_up_to_the_bound_and_says_so() {
    let app = spawn_app_with(|s| s.search.exact_total = 10).await;
    for i in 0..12 {
        story_at(
            &app,
            &format!("harvest-{i:02}"),
            &format!("Harvest report {i}"),
            if i < 3 {
                "Wheat and barley came in early."
            } else {
                "Wheat came in early."
            },
            "2023-08-01T06:00:00Z",
        )
        .await;
    }
    let many = page(&app, "/api/v1/articles?q=wheat&with_total=true").await;
    assert_eq!(many["meta"]["total"], 10);
    assert_eq!(many["meta"]["total_exact"], false);
    let few = page(&app, "/api/v1/articles?q=barley&with_total=true").await;
    assert_eq!(few["meta"]["total"], 3);
    assert_eq!(few["meta"]["total_exact"], true);
    let newest = page(
        &app,
        "/api/v1/articles?q=wheat&sort=-published_at&with_total=true",
    )
    .await;
    assert_eq!(newest["meta"]["total_exact"], false);
    // A list without a search counts everything.
    let list = page(&app, "/api/v1/articles?with_total=true").await;
    assert_eq!(list["meta"]["total"], 12);
    assert_eq!(list["meta"]["total_exact"], true);
    let plain = page(&app, "/api/v1/articles?q=wheat").await;
    assert!(plain["meta"].get("total").is_none());
    assert!(plain["meta"].get("total_exact").is_none());
}

#[tokio::test]
async fn relevance_obeys_visibility_for_every_caller() {
    let app = spawn_app().await;
    story_at(
        &app,
        "public-glacier",
        "Glacier survey",
        "The glacier shrank.",
        "2022-01-01T00:00:00Z",
    )
    .await;
    let draft = app
        .create_article(
            json!({"title": "Glacier draft", "slug": "draft-glacier", "body": "glacier"}),
        )
        .await;
    let later = app
        .create_article(
            json!({"title": "Glacier later", "slug": "later-glacier", "body": "glacier"}),
        )
        .await;
    app.publish(later["id"].as_str().unwrap(), Some("2099-01-01T00:00:00Z"))
        .await;
    let gone = story_at(
        &app,
        "trashed-glacier",
        "Glacier trashed",
        "glacier",
        "2022-01-02T00:00:00Z",
    )
    .await;
    let res = app
        .delete(&format!(
            "/api/v1/articles/{}",
            gone["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let public = page(&app, "/api/v1/articles?q=glacier&with_total=true").await;
    assert_eq!(slugs(&public), ["public-glacier"]);
    assert_eq!(public["meta"]["total"], 1);
    let res = app.get("/api/v1/articles?q=glacier&status=all").await;
    let staff: Value = res.json().await.unwrap();
    let mut staff = slugs(&staff);
    staff.sort();
    assert_eq!(staff, ["draft-glacier", "later-glacier", "public-glacier"]);
    assert!(draft["id"].is_string());
}

async fn suggest(app: &TestApp, q: &str) -> Vec<(String, String)> {
    let res = app
        .anon()
        .get(&format!("/api/v1/search/suggest?q={q}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{q}");
    let cache = res.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(cache.starts_with("public"), "{cache}");
    let body: Value = res.json().await.unwrap();
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            for field in ["id", "slug", "label"] {
                assert!(s[field].is_string(), "{s}");
            }
            (
                s["type"].as_str().unwrap().to_owned(),
                s["label"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn typeahead_offers_names_then_public_titles_by_prefix() {
    let app = spawn_app().await;
    app.create_category(json!({"name": "Asia"})).await;
    app.create_tag(json!({"name": "Astana Expo"})).await;
    app.create_author(json!({"name": "Aigerim Astanova"})).await;
    app.create_author(json!({"name": "Tomás Ruiz"})).await;
    story_at(
        &app,
        "astana-story",
        "Astana hosts the seminar",
        "Text.",
        "2021-02-08T09:00:00Z",
    )
    .await;
    story_at(
        &app,
        "ast-later",
        "Asteroid passes Earth",
        "Text.",
        "2022-02-08T09:00:00Z",
    )
    .await;
    app.create_article(json!({"title": "Astana draft", "body": "Text."}))
        .await;

    let got = suggest(&app, "ast").await;
    assert_eq!(
        got,
        [
            ("tag".to_owned(), "Astana Expo".to_owned()),
            ("author".to_owned(), "Aigerim Astanova".to_owned()),
            ("article".to_owned(), "Asteroid passes Earth".to_owned()),
            ("article".to_owned(), "Astana hosts the seminar".to_owned()),
        ]
    );
    assert_eq!(
        suggest(&app, "astana%20semi").await,
        [("article".to_owned(), "Astana hosts the seminar".to_owned())]
    );
    assert_eq!(
        suggest(&app, "tomas").await,
        [("author".to_owned(), "Tomás Ruiz".to_owned())],
        "accents folded"
    );
    assert_eq!(
        suggest(&app, "as").await[0],
        ("category".to_owned(), "Asia".to_owned())
    );
    // Staff get the public suggestions too: no drafts.
    let res = app.get("/api/v1/search/suggest?q=astana").await;
    let body: Value = res.json().await.unwrap();
    assert!(
        !body.to_string().contains("Astana draft"),
        "drafts are never suggested: {body}"
    );
    assert!(suggest(&app, "zzzz").await.is_empty());
}

#[tokio::test]
async fn typeahead_answers_at_most_ten_and_refuses_bad_prefixes() {
    let app = spawn_app().await;
    for i in 0..12 {
        story_at(
            &app,
            &format!("markets-{i}"),
            &format!("Markets today {i}"),
            "Text.",
            "2023-01-01T00:00:00Z",
        )
        .await;
    }
    assert_eq!(suggest(&app, "market").await.len(), 10);
    // A letter that folding turns into a quote (ʼ, U+02BC) is still just a letter.
    assert!(suggest(&app, "a%CA%BCb%20it%27s").await.is_empty());
    // Punctuation, or characters that are neither letters nor digits, suggest nothing.
    for q in ["%20%21%21", "%F4%8C%A4%B3%F3%90%87%BC"] {
        let res = app
            .anon()
            .get(&format!("/api/v1/search/suggest?q={q}"))
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{q}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["data"], json!([]), "{q}");
    }
    let long = "a".repeat(101);
    for q in ["", long.as_str()] {
        let res = app
            .anon()
            .get(&format!("/api/v1/search/suggest?q={q}"))
            .await;
        assert_problem(res, 400, "invalid_query").await;
    }
    let res = app.anon().get("/api/v1/search/suggest").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app.anon().get("/api/v1/search/suggest?q=a&limit=3").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "unknown parameter");
}

// Two threads: the in-process server keeps answering (and keeps its connections open)
// while the test waits for the seeding process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_known_story_and_exact_titles_rank_first_in_a_generated_archive() {
    let app = spawn_app().await;
    let data = tempfile::tempdir().unwrap();
    let queries = data.path().join("queries.txt");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_byline"));
    command
        .args(["seed", "--archive", "1500", "--queries-out"])
        .arg(&queries)
        .env("DATABASE_URL", &app.database_url)
        .env("BYLINE_DATA_DIR", data.path())
        .env("BYLINE_LOG", "warn");
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mix = std::fs::read_to_string(&queries).unwrap();
    assert_eq!(mix.lines().count(), 1000);
    let known = "jica-seminar-in-astana-weighs-two-decades-of-aid-to-kazakhstan";
    for q in [
        "JICA%20Astana",
        "%22official%20development%20assistance%22%20Kazakhstan",
    ] {
        let p = page(&app, &format!("/api/v1/articles?q={q}&limit=3")).await;
        assert_eq!(slugs(&p)[0], known, "{q}");
    }
    // Any archive story's title, typed exactly, finds that story first, however many
    // stories share its (Zipf-drawn, mostly common) words.
    let sample = page(&app, "/api/v1/articles?limit=5&fields=slug,title").await;
    for story in sample["data"].as_array().unwrap() {
        let title = story["title"].as_str().unwrap();
        let q: String = title.replace(' ', "%20");
        let p = page(&app, &format!("/api/v1/articles?q={q}&limit=1")).await;
        assert_eq!(p["data"][0]["slug"], story["slug"], "{title}");
    }
    assert_eq!(
        suggest(&app, "jica%20ast").await,
        [(
            "article".to_owned(),
            "JICA seminar in Astana weighs two decades of aid to Kazakhstan".to_owned()
        )]
    );
}

#[tokio::test]
async fn a_phrase_search_past_its_time_bound_is_a_503_and_frees_its_connection() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app_with(|s| s.search.timeout_ms = 300).await;
    let Some(mut conn) = app.postgres_connection() else {
        eprintln!("skipped: the time bound is PostgreSQL's statement_timeout");
        return;
    };
    story_at(
        &app,
        "grain-exports",
        "Grain exports rise",
        "Grain exports rose for the third month running.",
        "2024-03-01T06:00:00Z",
    )
    .await;
    // Another session holds the stories: every search waits on it past its bound.
    conn.batch_execute("BEGIN; LOCK TABLE articles IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    for url in [
        "/api/v1/articles?q=%22grain%20exports%22",
        "/api/v1/articles?q=%22grain%20exports%22&sort=-published_at",
        "/api/v1/articles?q=rose%20-%22third%20week%22",
    ] {
        let started = std::time::Instant::now();
        let res = app.anon().get(url).await;
        let body = assert_problem(res, 503, "search_timeout").await;
        assert!(
            body["detail"].as_str().unwrap().contains("date range"),
            "{body}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{url}"
        );
    }
    conn.batch_execute("ROLLBACK").unwrap();
    // The connections went back to the pool: the same searches answer, and none was cached.
    let found = page(&app, "/api/v1/articles?q=%22grain%20exports%22").await;
    assert_eq!(slugs(&found), ["grain-exports"]);
    let excluded = page(&app, "/api/v1/articles?q=rose%20-%22third%20week%22").await;
    assert_eq!(slugs(&excluded), ["grain-exports"]);
    let phrase = page(
        &app,
        "/api/v1/articles?q=%22grain%20exports%22&sort=-published_at",
    )
    .await;
    assert_eq!(slugs(&phrase), ["grain-exports"]);
    // A list without a search has no bound of its own.
    assert_eq!(
        slugs(&page(&app, "/api/v1/articles").await),
        ["grain-exports"]
    );
}
