//! Feeds (`/feeds/articles.rss`, `.atom`, `.json`) and sitemaps (`/sitemap.xml`,
//! `/sitemaps/…`): public content, linked to where the front-end shows it
//! (`BYLINE_SITE_URL`, `BYLINE_ARTICLE_URL`). Feeds are written with the `rss` and
//! `atom_syndication` crates and serde; sitemaps with `quick-xml`, streamed a batch at a time.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, web};
use bytes::Bytes;
use chrono::NaiveDateTime;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::config::{ArticleLink, SiteSettings};
use crate::domain::caller::Caller;
use crate::domain::{Code, Error, IdOrSlug};
use crate::feeds::repo::UrlRow;
use crate::feeds::service::{self, Cursor, Feed, FeedFilter, FeedItem};
use crate::http::ApiError;
use crate::http::cache;
use crate::http::caching::{cache_headers, client_is_current};
use crate::http::extract::Query;
use crate::http::state::AppState;

const RSS: &str = "application/rss+xml; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";
const JSON_FEED: &str = "application/feed+json; charset=utf-8";
const XML: &str = "application/xml; charset=utf-8";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// The site's settings, or the 404 that says they are missing.
fn site(state: &AppState) -> Result<Arc<SiteSettings>, ApiError> {
    state.site.clone().ok_or_else(|| {
        Error::new(
            Code::NotConfigured,
            "feeds and sitemaps need BYLINE_SITE_URL, the address of the site that shows the articles",
        )
        .into()
    })
}

/// Query parameters of the feeds.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Only this category and the categories inside it (id or slug).
    #[param(
        max_length = 200,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "market"
    )]
    pub category: Option<String>,
    /// Only this author's articles (id or slug).
    #[param(max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub author: Option<String>,
    /// Only articles carrying this tag (slug); a comma-separated list of up to 20 matches any.
    #[param(
        max_length = 4100,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*(,[a-z0-9]+(-[a-z0-9]+)*){0,19}$",
        example = "oil"
    )]
    pub tag: Option<String>,
}

impl FeedQuery {
    fn filter(&self) -> Result<FeedFilter, ApiError> {
        let key = |name: &str, raw: &Option<String>| {
            raw.as_deref()
                .map(IdOrSlug::parse)
                .transpose()
                .map_err(|_| {
                    ApiError::invalid_query(vec![crate::http::FieldError::new(
                        name,
                        Code::InvalidValue,
                        format!("{name} must be an id or a slug"),
                    )])
                })
        };
        let tags = match &self.tag {
            None => None,
            Some(raw) => {
                let slugs: Vec<&str> = raw.split(',').collect();
                let valid = raw.len() <= 4100
                    && slugs.len() <= crate::tags::MAX_PER_ARTICLE
                    && slugs.iter().all(|s| crate::slug::is_shaped(s));
                if !valid {
                    return Err(ApiError::invalid_query(vec![crate::http::FieldError::new(
                        "tag",
                        Code::InvalidValue,
                        "tag must be up to 20 tag slugs, comma-separated",
                    )]));
                }
                Some(slugs.into_iter().map(str::to_owned).collect())
            }
        };
        Ok(FeedFilter {
            category: key("category", &self.category)?,
            author: key("author", &self.author)?,
            tags,
        })
    }

    /// A title suffix naming what narrows the feed.
    fn describe(&self) -> Option<String> {
        let parts: Vec<String> = [
            self.category.as_ref().map(|c| format!("category {c}")),
            self.author.as_ref().map(|a| format!("author {a}")),
            self.tag.as_ref().map(|t| format!("tag {t}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The feed's own URL, for its `self` link: its route under `BYLINE_SITE_URL`, with the
/// narrowing written again from the parsed query (not the request's own spelling of either). Nothing comes from the request's `Host`,
/// `X-Forwarded-*` or `Forwarded` headers: the answer is cached and served to everyone.
fn self_url(site: &SiteSettings, path: &str, query: &FeedQuery) -> String {
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("category", &query.category),
        ("author", &query.author),
        ("tag", &query.tag),
    ] {
        if let Some(value) = value {
            pairs.append_pair(name, value);
        }
    }
    let pairs = pairs.finish();
    if pairs.is_empty() {
        site.own(path)
    } else {
        site.own(&format!("{path}?{pairs}"))
    }
}

/// Drops what XML 1.0 cannot carry (control characters but tab and line breaks, U+FFFE and
/// U+FFFF), so that text stored before the write checks refused it cannot break a feed
/// or a sitemap for every reader.
fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    fn allowed(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    }
    if text.chars().all(allowed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// A written XML document with [`xml_safe`] applied to all of it (markup never holds such
/// characters, so only text changes).
fn xml_safe_bytes(body: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(body) {
        Ok(text) => match xml_safe(&text) {
            std::borrow::Cow::Borrowed(_) => text.into_bytes(),
            std::borrow::Cow::Owned(clean) => clean.into_bytes(),
        },
        Err(e) => e.into_bytes(),
    }
}

fn link(site: &SiteSettings, item: &FeedItem) -> String {
    site.article(ArticleLink {
        id: &item.article.id,
        slug: &item.article.slug,
        category: item.category.as_ref().map(|c| c.slug.as_str()),
        published_at: item.article.published_at,
    })
}

fn rfc3339(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// When the feed last changed: its newest change, or (empty) the epoch.
fn last_change(feed: &Feed) -> NaiveDateTime {
    feed.items
        .iter()
        .map(|i| i.article.updated_at)
        .max()
        .unwrap_or_default()
}

/// A finished feed or sitemap: validators from its bytes, `If-None-Match` and
/// `If-Modified-Since`, public caching, and a place in the response cache.
fn finish(
    req: &HttpRequest,
    state: &AppState,
    media_type: &'static str,
    body: Vec<u8>,
    last_modified: Option<NaiveDateTime>,
    changes_at: Option<NaiveDateTime>,
) -> HttpResponse {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(&body);
    let tag = format!(
        "\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let modified = last_modified.map(|at| std::time::SystemTime::from(at.and_utc()));
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &Caller(None), state.cache_max_age);
    builder.insert_header((header::ETAG, tag.clone()));
    if let Some(modified) = modified {
        builder.insert_header((header::LAST_MODIFIED, header::HttpDate::from(modified)));
    }
    if client_is_current(req, Some(&tag), modified) {
        return builder
            .status(actix_web::http::StatusCode::NOT_MODIFIED)
            .finish();
    }
    cache::allow_public_list(&mut builder, &Caller(None), changes_at);
    builder.content_type(media_type).body(body)
}

/// RSS 2.0 of the newest articles
///
/// The 50 newest public articles, newest first: title, link (the front-end's URL, from
/// `BYLINE_ARTICLE_URL`), `guid` (the article's id, not a link), `pubDate`, the byline as
/// `dc:creator` (left out for a story without one), the category and tags as `category`, the
/// excerpt as `description` and the sanitized HTML body as `content:encoded` (CDATA).
/// Honors `If-None-Match` and `If-Modified-Since`.
#[utoipa::path(
    tag = "feeds",
    params(FeedQuery),
    responses(
        (status = 200, description = "The feed", content_type = "application/rss+xml", body = String,
            headers(("ETag" = String, description = "Strong entity tag of this answer"),
                ("Last-Modified" = String, description = "The newest change among its articles"))),
        (status = 304, description = "The copy you hold is current"),
        (status = 400, description = "An unknown or invalid query parameter"),
        (status = 404, description = "`not_configured`: BYLINE_SITE_URL is not set"),
    )
)]
#[get("/feeds/articles.rss")]
pub async fn rss_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    Query(query): Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let site = site(&state)?;
    let feed = service::newest(&state.ctx, query.filter()?).await?;
    let mut channel = rss::Channel {
        title: feed_title(&site, &query),
        link: site.url.clone(),
        description: format!("The newest stories of {}", site.name),
        language: Some(site.language.clone()),
        last_build_date: Some(last_change(&feed).and_utc().to_rfc2822()),
        generator: Some("Byline".to_owned()),
        ..rss::Channel::default()
    };
    channel.atom_ext = Some(rss::extension::atom::AtomExtension {
        links: vec![atom_syndication::Link {
            href: self_url(&site, "/feeds/articles.rss", &query),
            rel: "self".to_owned(),
            mime_type: Some("application/rss+xml".to_owned()),
            ..atom_syndication::Link::default()
        }],
    });
    channel.items = feed
        .items
        .iter()
        .map(|item| rss_item(&site, item))
        .collect();
    let body = channel
        .write_to(Vec::new())
        .map_err(|e| ApiError::from(Error::internal(e)))?;
    let body = xml_safe_bytes(body);
    Ok(finish(
        &req,
        &state,
        RSS,
        body,
        Some(last_change(&feed)),
        feed.changes_at,
    ))
}

fn feed_title(site: &SiteSettings, query: &FeedQuery) -> String {
    match query.describe() {
        Some(narrowed) => format!("{} ({narrowed})", site.name),
        None => site.name.clone(),
    }
}

fn rss_item(site: &SiteSettings, item: &FeedItem) -> rss::Item {
    let a = &item.article;
    let mut categories = Vec::new();
    if let Some(category) = &item.category {
        categories.push(rss::Category {
            name: category.name.clone(),
            domain: Some(site.category(&category.slug)),
        });
    }
    for tag in &item.tags {
        categories.push(rss::Category {
            name: tag.name.clone(),
            domain: Some(site.tag(&tag.slug)),
        });
    }
    rss::Item {
        title: Some(a.title.clone()),
        link: Some(link(site, item)),
        // RSS readers render `description` as HTML; the excerpt is plain text.
        description: a
            .excerpt
            .as_deref()
            .or(a.subtitle.as_deref())
            .map(crate::articles::search::escape_html),
        categories,
        guid: Some(rss::Guid {
            value: a.id.clone(),
            permalink: false,
        }),
        pub_date: a.published_at.map(|at| at.and_utc().to_rfc2822()),
        content: Some(item.body_html.clone()),
        dublin_core_ext: item.author.as_ref().map(|author| {
            rss::extension::dublincore::DublinCoreExtension {
                creators: vec![author.name.clone()],
                ..Default::default()
            }
        }),
        ..rss::Item::default()
    }
}

/// Atom 1.0 of the newest articles
///
/// The same 50 articles as the RSS feed. Each entry has `id` `urn:uuid:<id>`, `published`,
/// `updated`, an `alternate` link to the front-end, the byline as `author` (the feed's own
/// `author`, the site, stands in for stories without one), the category and tags as
/// `category`, the excerpt as `summary` and the sanitized HTML body as `content`.
#[utoipa::path(
    tag = "feeds",
    params(FeedQuery),
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml", body = String,
            headers(("ETag" = String, description = "Strong entity tag of this answer"),
                ("Last-Modified" = String, description = "The newest change among its articles"))),
        (status = 304, description = "The copy you hold is current"),
        (status = 400, description = "An unknown or invalid query parameter"),
        (status = 404, description = "`not_configured`: BYLINE_SITE_URL is not set"),
    )
)]
#[get("/feeds/articles.atom")]
pub async fn atom_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    Query(query): Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    use atom_syndication as atom;
    let site = site(&state)?;
    let feed = service::newest(&state.ctx, query.filter()?).await?;
    let updated = last_change(&feed).and_utc().fixed_offset();
    let me = self_url(&site, "/feeds/articles.atom", &query);
    let entries = feed
        .items
        .iter()
        .map(|item| {
            let a = &item.article;
            let mut categories = Vec::new();
            if let Some(c) = &item.category {
                categories.push(atom::Category {
                    term: c.slug.clone(),
                    scheme: Some(site.category("")),
                    label: Some(c.name.clone()),
                });
            }
            for t in &item.tags {
                categories.push(atom::Category {
                    term: t.slug.clone(),
                    scheme: Some(site.tag("")),
                    label: Some(t.name.clone()),
                });
            }
            atom::Entry {
                id: format!("urn:uuid:{}", a.id),
                title: atom::Text::plain(a.title.clone()),
                updated: a.updated_at.and_utc().fixed_offset(),
                published: a.published_at.map(|at| at.and_utc().fixed_offset()),
                authors: item
                    .author
                    .iter()
                    .map(|author| atom::Person {
                        name: author.name.clone(),
                        ..atom::Person::default()
                    })
                    .collect(),
                links: vec![atom::Link {
                    href: link(&site, item),
                    rel: "alternate".to_owned(),
                    mime_type: Some("text/html".to_owned()),
                    ..atom::Link::default()
                }],
                categories,
                summary: a
                    .excerpt
                    .clone()
                    .or_else(|| a.subtitle.clone())
                    .map(atom::Text::plain),
                content: Some(atom::Content {
                    value: Some(item.body_html.clone()),
                    content_type: Some("html".to_owned()),
                    ..atom::Content::default()
                }),
                ..atom::Entry::default()
            }
        })
        .collect();
    let document = atom::Feed {
        id: me.clone(),
        title: atom::Text::plain(feed_title(&site, &query)),
        updated,
        authors: vec![atom::Person {
            name: site.name.clone(),
            uri: Some(site.url.clone()),
            ..atom::Person::default()
        }],
        links: vec![
            atom::Link {
                href: me,
                rel: "self".to_owned(),
                mime_type: Some("application/atom+xml".to_owned()),
                ..atom::Link::default()
            },
            atom::Link {
                href: site.url.clone(),
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..atom::Link::default()
            },
        ],
        generator: Some(atom::Generator {
            value: "Byline".to_owned(),
            ..atom::Generator::default()
        }),
        lang: Some(site.language.clone()),
        entries,
        ..atom::Feed::default()
    };
    let body = document
        .write_to(Vec::new())
        .map_err(|e| ApiError::from(Error::internal(e)))?;
    let body = xml_safe_bytes(body);
    Ok(finish(
        &req,
        &state,
        ATOM,
        body,
        Some(last_change(&feed)),
        feed.changes_at,
    ))
}

/// A JSON Feed 1.1 document.
#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: String,
    home_page_url: &'a str,
    feed_url: String,
    language: &'a str,
    items: Vec<JsonFeedItem>,
}

/// One item of a JSON Feed.
#[derive(Serialize)]
struct JsonFeedItem {
    id: String,
    url: String,
    title: String,
    content_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonFeedAuthor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

#[derive(Serialize)]
struct JsonFeedAuthor {
    name: String,
}

/// JSON Feed 1.1 of the newest articles
///
/// The same 50 articles as the RSS feed, as JSON Feed 1.1: `id` (the article's id), `url`,
/// `title`, `content_html` (sanitized), `summary`, `date_published`, `date_modified`,
/// `authors` (left out for a story without a byline) and `tags` (the category's name, then
/// the tags' names).
#[utoipa::path(
    tag = "feeds",
    params(FeedQuery),
    responses(
        (status = 200, description = "The feed", content_type = "application/feed+json", body = Object,
            headers(("ETag" = String, description = "Strong entity tag of this answer"),
                ("Last-Modified" = String, description = "The newest change among its articles"))),
        (status = 304, description = "The copy you hold is current"),
        (status = 400, description = "An unknown or invalid query parameter"),
        (status = 404, description = "`not_configured`: BYLINE_SITE_URL is not set"),
    )
)]
#[get("/feeds/articles.json")]
pub async fn json_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    Query(query): Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let site = site(&state)?;
    let feed = service::newest(&state.ctx, query.filter()?).await?;
    let items = feed
        .items
        .iter()
        .map(|item| {
            let a = &item.article;
            JsonFeedItem {
                id: a.id.clone(),
                url: link(&site, item),
                title: a.title.clone(),
                content_html: item.body_html.clone(),
                summary: a.excerpt.clone().or_else(|| a.subtitle.clone()),
                date_published: a.published_at.map(rfc3339),
                date_modified: rfc3339(a.updated_at),
                authors: item
                    .author
                    .iter()
                    .map(|author| JsonFeedAuthor {
                        name: author.name.clone(),
                    })
                    .collect(),
                tags: item
                    .category
                    .iter()
                    .map(|c| c.name.clone())
                    .chain(item.tags.iter().map(|t| t.name.clone()))
                    .collect(),
            }
        })
        .collect();
    let document = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: feed_title(&site, &query),
        home_page_url: &site.url,
        feed_url: self_url(&site, "/feeds/articles.json", &query),
        language: &site.language,
        items,
    };
    let body = serde_json::to_vec(&document).map_err(|e| ApiError::from(Error::internal(e)))?;
    Ok(finish(
        &req,
        &state,
        JSON_FEED,
        body,
        Some(last_change(&feed)),
        feed.changes_at,
    ))
}

/// Writes XML into a buffer; writing to memory cannot fail.
struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn new() -> Self {
        Self(Writer::new(Vec::with_capacity(64 * 1024)))
    }

    fn declaration(mut self) -> Self {
        let _ = self
            .0
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        self
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for (key, value) in attributes {
            start.push_attribute((*key, xml_safe(value).as_ref()));
        }
        let _ = self.0.write_event(Event::Start(start));
    }

    fn close(&mut self, name: &str) {
        let _ = self.0.write_event(Event::End(BytesEnd::new(name)));
    }

    /// `<name>text</name>`, the text escaped.
    fn text(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        let _ = self
            .0
            .write_event(Event::Text(BytesText::new(&xml_safe(text))));
        self.close(name);
    }

    fn url(&mut self, loc: &str, lastmod: Option<NaiveDateTime>) {
        self.open("url", &[]);
        self.text("loc", loc);
        if let Some(at) = lastmod {
            self.text("lastmod", &rfc3339(at));
        }
        self.close("url");
    }

    fn into_bytes(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

/// The sitemap index
///
/// Lists the article sitemaps (`/sitemaps/articles-1.xml` …, 50,000 URLs each), the Google
/// News sitemap and the category and tag sitemaps, each with `lastmod`. The URLs are under
/// `BYLINE_SITE_URL`: route `/sitemap.xml`, `/sitemaps/` and `/feeds/` of the site to Byline.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemaps.org sitemap index", content_type = "application/xml", body = String),
        (status = 304, description = "The copy you hold is current"),
        (status = 404, description = "`not_configured`: BYLINE_SITE_URL is not set"),
    )
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(
    req: HttpRequest,
    state: web::Data<AppState>,
    _query: Query<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    let site = site(&state)?;
    let index = service::index(&state.ctx).await?;
    let mut xml = Xml::new().declaration();
    xml.open("sitemapindex", &[("xmlns", SITEMAP_NS)]);
    let entry = |xml: &mut Xml, path: &str, lastmod: Option<NaiveDateTime>| {
        xml.open("sitemap", &[]);
        xml.text("loc", &site.own(path));
        if let Some(at) = lastmod {
            xml.text("lastmod", &rfc3339(at));
        }
        xml.close("sitemap");
    };
    for (i, lastmod) in index.article_pages.iter().enumerate() {
        entry(
            &mut xml,
            &format!("/sitemaps/articles-{}.xml", i + 1),
            *lastmod,
        );
    }
    entry(&mut xml, "/sitemaps/news.xml", index.news);
    entry(&mut xml, "/sitemaps/categories.xml", index.categories);
    entry(&mut xml, "/sitemaps/tags.xml", index.tags);
    xml.close("sitemapindex");
    let newest = [index.news, index.categories, index.tags]
        .into_iter()
        .chain(index.article_pages.iter().copied())
        .flatten()
        .max();
    Ok(finish(
        &req,
        &state,
        XML,
        xml.into_bytes(),
        newest,
        index.changes_at,
    ))
}

/// A route that takes no query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

/// An article sitemap
///
/// Page `n` (from 1) of the public articles in id order, up to 50,000 URLs, each with
/// `lastmod`. Streamed as it is read, a few thousand rows at a time: a full page never sits
/// in memory. Drafts, scheduled stories not yet due, archived, expired and trashed articles
/// are never listed. Page 1 always exists; a page past the last is a 404.
#[utoipa::path(
    tag = "feeds",
    params(("n" = u32, Path, minimum = 1, maximum = 2147483647, description = "The page, from 1")),
    responses(
        (status = 200, description = "A sitemaps.org URL set", content_type = "application/xml", body = String),
        (status = 400, description = "`n` is not a page number"),
        (status = 404, description = "No such page, or `not_configured`"),
    )
)]
#[get("/sitemaps/articles-{n}.xml")]
pub async fn article_sitemap(
    state: web::Data<AppState>,
    path: web::Path<String>,
    _query: Query<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    let site = site(&state)?;
    let page = path
        .parse::<u32>()
        .ok()
        .filter(|n| *n >= 1 && !path.starts_with('0') && path.chars().all(|c| c.is_ascii_digit()))
        .map(i64::from)
        .ok_or_else(|| {
            ApiError::invalid_query(vec![crate::http::FieldError::new(
                "n",
                Code::InvalidValue,
                "the page must be a number from 1",
            )])
        })?;
    let cursor = Cursor {
        page: page - 1,
        after: None,
        left: crate::feeds::SITEMAP_URLS,
    };
    // The first batch is read before answering, so that a missing page is a clean 404.
    let Some((rows, next)) = service::article_batch(&state.ctx, cursor).await? else {
        return Err(Error::not_found("there is no sitemap page with that number").into());
    };
    let slugs = Arc::new(service::category_slugs(&state.ctx).await?);
    let mut head = Xml::new().declaration();
    head.open("urlset", &[("xmlns", SITEMAP_NS)]);
    let first = Bytes::from([head.into_bytes(), urls(&site, &slugs, &rows)].concat());
    let ctx = state.ctx.clone();
    enum Step {
        Next(Option<Cursor>),
        Done,
    }
    let rest = futures_util::stream::unfold(Step::Next(next), move |step| {
        let (ctx, site, slugs) = (ctx.clone(), site.clone(), slugs.clone());
        async move {
            match step {
                Step::Done => None,
                Step::Next(None) => Some((Ok(Bytes::from_static(b"</urlset>")), Step::Done)),
                Step::Next(Some(cursor)) => match service::article_batch(&ctx, cursor).await {
                    Ok(Some((rows, next))) => Some((
                        Ok(Bytes::from(urls(&site, &slugs, &rows))),
                        Step::Next(next),
                    )),
                    Ok(None) => Some((Ok(Bytes::from_static(b"</urlset>")), Step::Done)),
                    Err(e) => {
                        tracing::error!(error = %e, "a sitemap stopped halfway");
                        Some((
                            Err(actix_web::error::ErrorServiceUnavailable(
                                "the sitemap could not be read to its end",
                            )),
                            Step::Done,
                        ))
                    }
                },
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(first) });
    let mut builder = HttpResponse::Ok();
    public(&mut builder, &state);
    Ok(builder
        .content_type(XML)
        .streaming(futures_util::StreamExt::chain(body, rest)))
}

fn public(builder: &mut HttpResponseBuilder, state: &AppState) {
    cache_headers(builder, &Caller(None), state.cache_max_age);
}

/// The `<url>` lines of a batch of articles.
fn urls(site: &SiteSettings, slugs: &HashMap<String, String>, rows: &[UrlRow]) -> Vec<u8> {
    let mut xml = Xml::new();
    for row in rows {
        let loc = site.article(ArticleLink {
            id: &row.id,
            slug: &row.slug,
            category: row
                .category_id
                .as_ref()
                .and_then(|id| slugs.get(id))
                .map(String::as_str),
            published_at: row.published_at,
        });
        xml.url(&loc, Some(row.updated_at));
    }
    xml.into_bytes()
}

/// The Google News sitemap
///
/// Public articles published in the last 48 hours (at most 1,000, newest first), with
/// `news:publication` (`BYLINE_SITE_NAME`, `BYLINE_SITE_LANGUAGE`), `news:publication_date`
/// and `news:title`.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemaps.org URL set with Google News entries", content_type = "application/xml", body = String),
        (status = 304, description = "The copy you hold is current"),
        (status = 404, description = "`not_configured`: BYLINE_SITE_URL is not set"),
    )
)]
#[get("/sitemaps/news.xml")]
pub async fn news_sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
    _query: Query<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    let site = site(&state)?;
    let (rows, changes_at) = service::news(&state.ctx).await?;
    let slugs = service::category_slugs(&state.ctx).await?;
    let mut xml = Xml::new().declaration();
    xml.open("urlset", &[("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)]);
    for row in &rows {
        let loc = site.article(ArticleLink {
            id: &row.id,
            slug: &row.slug,
            category: row
                .category_id
                .as_ref()
                .and_then(|id| slugs.get(id))
                .map(String::as_str),
            published_at: row.published_at,
        });
        xml.open("url", &[]);
        xml.text("loc", &loc);
        xml.open("news:news", &[]);
        xml.open("news:publication", &[]);
        xml.text("news:name", &site.name);
        xml.text("news:language", &site.language);
        xml.close("news:publication");
        if let Some(at) = row.published_at {
            xml.text("news:publication_date", &rfc3339(at));
        }
        xml.text("news:title", &row.title);
        xml.close("news:news");
        xml.close("url");
    }
    xml.close("urlset");
    let newest = rows.iter().map(|r| r.updated_at).max();
    Ok(finish(
        &req,
        &state,
        XML,
        xml.into_bytes(),
        newest,
        changes_at,
    ))
}

/// The category sitemap
///
/// The front-end pages (`BYLINE_CATEGORY_URL`) of the categories that hold public
/// articles, each with the newest change among them as `lastmod`.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemaps.org URL set", content_type = "application/xml", body = String),
        (status = 304, description = "The copy you hold is current"),
        (status = 404, description = "`not_configured`: BYLINE_SITE_URL is not set"),
    )
)]
#[get("/sitemaps/categories.xml")]
pub async fn category_sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
    _query: Query<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    pages_sitemap(&req, &state, false).await
}

/// The tag sitemap
///
/// The front-end pages (`BYLINE_TAG_URL`) of the tags that public articles carry, each with
/// the newest change among them as `lastmod`.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemaps.org URL set", content_type = "application/xml", body = String),
        (status = 304, description = "The copy you hold is current"),
        (status = 404, description = "`not_configured`: BYLINE_SITE_URL is not set"),
    )
)]
#[get("/sitemaps/tags.xml")]
pub async fn tag_sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
    _query: Query<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    pages_sitemap(&req, &state, true).await
}

async fn pages_sitemap(
    req: &HttpRequest,
    state: &AppState,
    tags: bool,
) -> Result<HttpResponse, ApiError> {
    let site = site(state)?;
    let (pages, changes_at) = service::pages(&state.ctx, tags).await?;
    let mut xml = Xml::new().declaration();
    xml.open("urlset", &[("xmlns", SITEMAP_NS)]);
    for (slug, lastmod) in &pages {
        let loc = if tags {
            site.tag(slug)
        } else {
            site.category(slug)
        };
        xml.url(&loc, *lastmod);
    }
    xml.close("urlset");
    let newest = pages.iter().filter_map(|(_, at)| *at).max();
    Ok(finish(
        req,
        state,
        XML,
        xml.into_bytes(),
        newest,
        changes_at,
    ))
}
