//! Feeds (`/feeds/articles.{rss,atom,json}`) and sitemaps (`/sitemap.xml`, `/sitemaps/…`):
//! only public content, linked to the front-end, well-formed, conditional and cached.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, send, spawn_app, spawn_app_with};

pub(crate) const SITE: &str = "https://news.example.com";

pub(crate) fn site() -> byline::config::SiteSettings {
    byline::config::SiteSettings {
        url: SITE.to_owned(),
        name: "Example News".to_owned(),
        language: "en".to_owned(),
        article_url: "{site}/{category}/{yyyy}/{slug}".to_owned(),
        category_url: "{site}/section/{slug}".to_owned(),
        tag_url: "{site}/tag/{slug}".to_owned(),
        uncategorized: "news".to_owned(),
    }
}

async fn configured() -> TestApp {
    spawn_app_with(|s| {
        s.site = Some(site());
        s.metrics_token = Some(byline::config::Secret::new(METRICS_TOKEN));
    })
    .await
}

const METRICS_TOKEN: &str = "a metrics token of some length";

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn text(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let res = app.anon().get(path).await;
    let status = res.status();
    let media = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, media, res.text().await.unwrap())
}

/// Fails unless `xml` is well-formed.
fn well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0i64;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML: {e}\n{xml}"),
        }
    }
    assert_eq!(depth, 0, "unbalanced XML: {xml}");
}

/// A newsroom: the 2019 Market wire story with no byline, a bylined story in a child
/// section with a tag, and what the public must never see.
struct Newsroom {
    wire: Value,
    bylined: Value,
    hidden: Vec<Value>,
    author: Value,
    tag: Value,
}

async fn newsroom(app: &TestApp) -> Newsroom {
    let market = app.create_category(json!({"name": "Market"})).await;
    let energy = app
        .create_category(json!({"name": "Energy desk", "parent_id": market["id"]}))
        .await;
    let author = app.create_author(json!({"name": "María López"})).await;
    let tag = app.create_tag(json!({"name": "Oil"})).await;
    let wire = app
        .create_article(json!({
            "title": "Oil edges higher as supply cuts bite",
            "body": "LONDON, Feb 8 - Oil prices edged higher.",
            "excerpt": "Brent rose.",
            "category_id": market["id"],
        }))
        .await;
    let wire = app.publish(&id(&wire), Some("2019-02-08T09:30:00Z")).await;
    let bylined = app
        .create_article(json!({
            "title": "Refiners & \"traders\" <brace> for ]]> a squeeze",
            "body": "Margins *widen*.\n\n<script>alert(1)</script>\n\nEnd ]]> here.",
            "author_id": author["id"],
            "category_id": energy["id"],
            "tag_ids": [tag["id"]],
        }))
        .await;
    let bylined = app.publish(&id(&bylined), None).await;
    let mut hidden = Vec::new();
    hidden.push(
        app.create_article(json!({"title": "A draft", "body": "B", "tag_ids": [tag["id"]]}))
            .await,
    );
    let later = app
        .create_article(json!({"title": "Scheduled later", "body": "B"}))
        .await;
    hidden.push(app.publish(&id(&later), Some("2999-01-01T00:00:00Z")).await);
    let gone = app
        .create_article(json!({"title": "Trashed story", "body": "B"}))
        .await;
    app.publish(&id(&gone), None).await;
    assert_eq!(
        app.delete(&format!("/api/v1/articles/{}", id(&gone)))
            .await
            .status(),
        204
    );
    hidden.push(gone);
    let expired = app
        .create_article(json!({"title": "Expired story", "body": "B"}))
        .await;
    let res = app
        .post_json(
            &format!("/api/v1/articles/{}/publish", id(&expired)),
            &json!({"publish_at": "2020-01-01T00:00:00Z", "unpublish_at": "2020-02-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    hidden.push(expired);
    let archived = app
        .create_article(json!({"title": "Archived story", "body": "B"}))
        .await;
    app.publish(&id(&archived), None).await;
    let res = app
        .post_json(
            &format!("/api/v1/articles/{}/archive", id(&archived)),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    hidden.push(archived);
    Newsroom {
        wire,
        bylined,
        hidden,
        author,
        tag,
    }
}

fn wire_link(wire: &Value) -> String {
    format!("{SITE}/market/2019/{}", wire["slug"].as_str().unwrap())
}

#[tokio::test]
async fn without_a_site_url_feeds_and_sitemaps_are_not_configured() {
    let app = spawn_app().await;
    for path in [
        "/feeds/articles.rss",
        "/feeds/articles.atom",
        "/feeds/articles.json",
        "/sitemap.xml",
        "/sitemaps/articles-1.xml",
        "/sitemaps/news.xml",
        "/sitemaps/categories.xml",
        "/sitemaps/tags.xml",
    ] {
        let res = app.anon().get(path).await;
        assert_problem(res, 404, "not_configured").await;
    }
}

#[tokio::test]
async fn the_rss_feed_shows_public_stories_with_their_links_dates_and_bylines() {
    let app = configured().await;
    let room = newsroom(&app).await;
    let (status, media, body) = text(&app, "/feeds/articles.rss").await;
    assert_eq!(status, 200);
    assert_eq!(media, "application/rss+xml; charset=utf-8");
    well_formed(&body);
    let channel = rss::Channel::read_from(body.as_bytes()).expect("RSS parses");
    assert_eq!(channel.title, "Example News");
    assert_eq!(channel.link, SITE);
    assert_eq!(channel.items.len(), 2, "{body}");
    // Newest first: the bylined story, then the 2019 wire story.
    let (bylined, wire) = (&channel.items[0], &channel.items[1]);
    assert_eq!(
        bylined.title.as_deref(),
        room.bylined["title"].as_str(),
        "titles survive escaping"
    );
    let content = bylined.content.as_deref().unwrap();
    assert!(content.contains("<em>widen</em>"), "{content}");
    assert!(!content.contains("<script"), "{content}");
    assert!(content.contains("]]"), "{content}");
    let creators = &bylined.dublin_core_ext.as_ref().unwrap().creators;
    assert_eq!(
        creators,
        &vec![room.author["name"].as_str().unwrap().to_owned()]
    );
    let categories: Vec<&str> = bylined.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(categories, ["Energy desk", "Oil"]);
    assert_eq!(
        bylined.categories[1].domain.as_deref(),
        Some(format!("{SITE}/tag/oil").as_str())
    );

    assert_eq!(
        wire.title.as_deref(),
        Some("Oil edges higher as supply cuts bite")
    );
    assert_eq!(wire.link.as_deref(), Some(wire_link(&room.wire).as_str()));
    let guid = wire.guid.as_ref().unwrap();
    assert_eq!(guid.value, id(&room.wire));
    assert!(!guid.permalink);
    let published =
        chrono::DateTime::parse_from_rfc2822(wire.pub_date.as_deref().unwrap()).unwrap();
    assert_eq!(published.to_rfc3339(), "2019-02-08T09:30:00+00:00");
    // No byline: no creator and no empty author element.
    assert!(wire.dublin_core_ext.is_none());
    assert!(wire.author.is_none());
    assert_eq!(wire.categories[0].name, "Market");
    assert_eq!(wire.description.as_deref(), Some("Brent rose."));
    for hidden in &room.hidden {
        assert!(!body.contains(&id(hidden)), "{} leaked", hidden["title"]);
    }
}

#[tokio::test]
async fn the_atom_and_json_feeds_show_the_same_stories() {
    let app = configured().await;
    let room = newsroom(&app).await;
    let (status, media, body) = text(&app, "/feeds/articles.atom").await;
    assert_eq!(status, 200);
    assert_eq!(media, "application/atom+xml; charset=utf-8");
    well_formed(&body);
    let feed = atom_syndication::Feed::read_from(body.as_bytes()).expect("Atom parses");
    assert_eq!(feed.entries.len(), 2);
    // The feed names an author, so that an entry without a byline is still valid.
    assert_eq!(feed.authors[0].name, "Example News");
    let wire = &feed.entries[1];
    assert_eq!(wire.id, format!("urn:uuid:{}", id(&room.wire)));
    assert!(wire.authors.is_empty());
    assert_eq!(
        wire.published.unwrap().to_rfc3339(),
        "2019-02-08T09:30:00+00:00"
    );
    assert_eq!(wire.links[0].href, wire_link(&room.wire));
    assert_eq!(wire.categories[0].label.as_deref(), Some("Market"));
    let bylined = &feed.entries[0];
    assert_eq!(bylined.title.value, room.bylined["title"].as_str().unwrap());
    assert_eq!(bylined.authors[0].name, "María López");
    let html = bylined.content.as_ref().unwrap().value.as_deref().unwrap();
    assert!(html.contains("<em>widen</em>"), "{html}");
    assert!(!body.contains("<em>"), "HTML content is escaped in Atom");

    let (status, media, body) = text(&app, "/feeds/articles.json").await;
    assert_eq!(status, 200);
    assert_eq!(media, "application/feed+json; charset=utf-8");
    let feed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["home_page_url"], SITE);
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let wire = &items[1];
    assert_eq!(wire["id"], room.wire["id"]);
    assert_eq!(wire["url"], wire_link(&room.wire).as_str());
    assert_eq!(wire["date_published"], "2019-02-08T09:30:00Z");
    assert!(wire.get("authors").is_none(), "{wire}");
    assert_eq!(wire["tags"], json!(["Market"]));
    assert_eq!(items[0]["authors"], json!([{"name": "María López"}]));
    assert_eq!(items[0]["tags"], json!(["Energy desk", "Oil"]));
    let _ = &room.tag;
}

#[tokio::test]
async fn feeds_narrow_by_category_with_its_children_author_and_tag() {
    let app = configured().await;
    let room = newsroom(&app).await;
    let count = |body: &str| {
        serde_json::from_str::<Value>(body).unwrap()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    for (query, expected) in [
        ("?category=market", 2),
        ("?category=energy-desk", 1),
        ("?author=maria-lopez", 1),
        ("?tag=oil", 1),
        ("?tag=no-such-tag", 0),
    ] {
        let (status, _, body) = text(&app, &format!("/feeds/articles.json{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(count(&body), expected, "{query}: {body}");
    }
    let (_, _, body) = text(&app, "/feeds/articles.rss?author=maria-lopez").await;
    let channel = rss::Channel::read_from(body.as_bytes()).unwrap();
    assert_eq!(channel.title, "Example News (author maria-lopez)");
    assert_eq!(
        channel.items[0].guid.as_ref().unwrap().value,
        id(&room.bylined)
    );
    let long = format!("?tag={}", "a".repeat(4101));
    for bad in [
        "?colour=red",
        "?tag=Oil",
        "?category=a%00b",
        "?tag=",
        long.as_str(),
    ] {
        let res = app.anon().get(&format!("/feeds/articles.rss{bad}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn feeds_answer_conditional_requests_and_change_with_the_content() {
    let app = configured().await;
    let room = newsroom(&app).await;
    for path in [
        "/feeds/articles.rss",
        "/feeds/articles.atom",
        "/feeds/articles.json",
        "/sitemap.xml",
    ] {
        let res = app.anon().get(path).await;
        assert_eq!(res.status(), 200);
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        let modified = res.headers()["last-modified"].to_str().unwrap().to_owned();
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .starts_with("public, max-age=")
        );
        let again = send(
            app.client_request(Method::GET, path)
                .header("If-None-Match", &etag),
        )
        .await;
        assert_eq!(again.status(), 304, "{path}");
        let since = send(
            app.client_request(Method::GET, path)
                .header("If-Modified-Since", &modified),
        )
        .await;
        assert_eq!(since.status(), 304, "{path}");
        // If-None-Match wins over If-Modified-Since.
        let both = send(
            app.client_request(Method::GET, path)
                .header("If-None-Match", "\"other\"")
                .header("If-Modified-Since", &modified),
        )
        .await;
        assert_eq!(both.status(), 200, "{path}");
    }
    let (_, _, before) = text(&app, "/feeds/articles.rss").await;
    let etag_before = app.anon().get("/feeds/articles.rss").await.headers()["etag"].clone();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let res = app
        .patch_json(
            &format!("/api/v1/articles/{}", id(&room.wire)),
            &json!({"title": "Oil rises"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app.anon().get("/feeds/articles.rss").await;
    assert_ne!(res.headers()["etag"], etag_before);
    let after = res.text().await.unwrap();
    assert_ne!(after, before);
    assert!(after.contains("<title>Oil rises</title>"), "{after}");
}

#[tokio::test]
async fn a_cached_feed_is_never_stale() {
    let app = configured().await;
    let room = newsroom(&app).await;
    let scrape = || async {
        let res = send(
            app.client_request(Method::GET, "/metrics")
                .bearer_auth(METRICS_TOKEN),
        )
        .await;
        let text = res.text().await.unwrap();
        text.lines()
            .find(|l| l.starts_with("byline_cache_hits_total"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    for round in 0..5 {
        // Warm: read until a read is a hit (the cache fills off the request thread, and on
        // PostgreSQL a new process stores nothing for its first 1.5 s of listening).
        let mut body = String::new();
        let mut served = false;
        for _ in 0..200 {
            let hits = scrape().await;
            body = text(&app, "/feeds/articles.json").await.2;
            if scrape().await > hits {
                served = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(served, "round {round}: not served from the cache");
        if round > 0 {
            assert!(body.contains(&format!("Edition {}", round - 1)), "{body}");
        }
        let title = format!("Edition {round}");
        let res = app
            .patch_json(
                &format!("/api/v1/articles/{}", id(&room.bylined)),
                &json!({"title": title}),
            )
            .await;
        assert_eq!(res.status(), 200);
        let (_, _, body) = text(&app, "/feeds/articles.json").await;
        assert!(body.contains(&title), "round {round}: stale feed {body}");
    }
}

#[tokio::test]
async fn sitemaps_list_only_public_articles_and_link_the_front_end() {
    let app = configured().await;
    let room = newsroom(&app).await;
    let (status, media, index) = text(&app, "/sitemap.xml").await;
    assert_eq!(status, 200);
    assert_eq!(media, "application/xml; charset=utf-8");
    well_formed(&index);
    for part in [
        "/sitemaps/articles-1.xml",
        "/sitemaps/news.xml",
        "/sitemaps/categories.xml",
        "/sitemaps/tags.xml",
    ] {
        assert!(
            index.contains(&format!("<loc>{SITE}{part}</loc>")),
            "{index}"
        );
    }
    assert!(!index.contains("articles-2.xml"));

    let (status, _, page) = text(&app, "/sitemaps/articles-1.xml").await;
    assert_eq!(status, 200);
    well_formed(&page);
    assert_eq!(page.matches("<url>").count(), 2, "{page}");
    assert!(page.contains(&format!("<loc>{}</loc>", wire_link(&room.wire))));
    let bylined = format!(
        "{SITE}/energy-desk/{}/{}",
        chrono::Utc::now().format("%Y"),
        room.bylined["slug"].as_str().unwrap()
    );
    assert!(page.contains(&format!("<loc>{bylined}</loc>")), "{page}");
    assert!(page.contains("<lastmod>"));
    for hidden in &room.hidden {
        assert!(
            !page.contains(hidden["slug"].as_str().unwrap()),
            "{} leaked",
            hidden["title"]
        );
    }
    let res = app.anon().get("/sitemaps/articles-2.xml").await;
    assert_problem(res, 404, "not_found").await;
    for bad in [
        "articles-0.xml",
        "articles-x.xml",
        "articles--1.xml",
        "articles-01.xml",
    ] {
        let res = app.anon().get(&format!("/sitemaps/{bad}")).await;
        assert!(
            res.status() == 400 || res.status() == 404,
            "{bad}: {}",
            res.status()
        );
    }
    let res = app.anon().get("/sitemaps/articles-1.xml?x=1").await;
    assert_eq!(res.status(), 400);

    // Google News: only the last 48 hours.
    let (_, _, news) = text(&app, "/sitemaps/news.xml").await;
    well_formed(&news);
    assert!(news.contains(&format!("<loc>{bylined}</loc>")), "{news}");
    assert!(!news.contains(room.wire["slug"].as_str().unwrap()));
    assert!(news.contains("<news:name>Example News</news:name>"));
    assert!(news.contains("<news:language>en</news:language>"));
    assert!(
        news.contains("Refiners &amp; &quot;traders&quot; &lt;brace&gt;")
            || news.contains("Refiners &amp; \"traders\" &lt;brace&gt;"),
        "{news}"
    );

    let (_, _, categories) = text(&app, "/sitemaps/categories.xml").await;
    well_formed(&categories);
    assert!(categories.contains(&format!("<loc>{SITE}/section/market</loc>")));
    assert!(categories.contains(&format!("<loc>{SITE}/section/energy-desk</loc>")));
    let (_, _, tags) = text(&app, "/sitemaps/tags.xml").await;
    well_formed(&tags);
    assert!(
        tags.contains(&format!("<loc>{SITE}/tag/oil</loc>")),
        "{tags}"
    );
}

/// The sitemap index's `lastmod` for `part` (`tags.xml`), as a moment.
fn index_lastmod(index: &str, part: &str) -> chrono::DateTime<chrono::FixedOffset> {
    let loc = format!("<loc>{SITE}/sitemaps/{part}</loc>");
    let rest = &index[index
        .find(&loc)
        .unwrap_or_else(|| panic!("{part}: {index}"))
        + loc.len()..];
    let at = rest
        .strip_prefix("<lastmod>")
        .and_then(|r| r.split_once("</lastmod>"))
        .unwrap_or_else(|| panic!("{part} has no lastmod: {index}"))
        .0;
    chrono::DateTime::parse_from_rfc3339(at).unwrap()
}

/// The index dates the section and tag sitemaps by the newest change among public stories
/// with a section (with a tag): a draft's edit moves neither, a public story's moves the ones
/// it belongs to.
#[tokio::test]
async fn the_sitemap_index_dates_sections_and_tags_by_their_public_stories() {
    let app = configured().await;
    let room = newsroom(&app).await;
    let (_, _, index) = text(&app, "/sitemap.xml").await;
    let (sections, tags) = (
        index_lastmod(&index, "categories.xml"),
        index_lastmod(&index, "tags.xml"),
    );
    let edit = |article: &Value, title: &str| {
        let (path, body) = (
            format!("/api/v1/articles/{}", id(article)),
            json!({"title": title}),
        );
        let app = &app;
        async move {
            // `lastmod` counts whole seconds.
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            assert_eq!(app.patch_json(&path, &body).await.status(), 200);
            let (_, _, index) = text(app, "/sitemap.xml").await;
            (
                index_lastmod(&index, "categories.xml"),
                index_lastmod(&index, "tags.xml"),
            )
        }
    };
    // A tagged draft.
    assert_eq!(
        edit(&room.hidden[0], "Still a draft").await,
        (sections, tags)
    );
    // A public story with a section and no tag.
    let (later_sections, same_tags) = edit(&room.wire, "Oil edges higher still").await;
    assert!(
        later_sections > sections,
        "{later_sections} after {sections}"
    );
    assert_eq!(same_tags, tags);
    // A public story with both.
    let (latest_sections, later_tags) = edit(&room.bylined, "Refiners brace").await;
    assert!(latest_sections > later_sections);
    assert!(later_tags > tags, "{later_tags} after {tags}");
}

#[tokio::test]
async fn an_empty_site_has_a_valid_first_sitemap_page() {
    let app = configured().await;
    let (status, _, page) = text(&app, "/sitemaps/articles-1.xml").await;
    assert_eq!(status, 200);
    well_formed(&page);
    assert!(page.contains("<urlset"));
    assert!(!page.contains("<url>"));
    let (status, _, feed) = text(&app, "/feeds/articles.rss").await;
    assert_eq!(status, 200);
    assert!(
        rss::Channel::read_from(feed.as_bytes())
            .unwrap()
            .items
            .is_empty()
    );
}
