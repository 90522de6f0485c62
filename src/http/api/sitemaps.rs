//! Sitemaps (`/sitemap.xml`, `/sitemaps/…`) of the public stories and of the sections and
//! topics that hold them, written with `quick-xml`; the article sitemaps are streamed a
//! batch at a time.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, web};
use bytes::Bytes;
use chrono::NaiveDateTime;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::config::{ArticleLink, SiteSettings};
use crate::domain::caller::Caller;
use crate::domain::{Code, Error};
use crate::feeds::repo::UrlRow;
use crate::feeds::service::{self, Alternates, Cursor};
use crate::http::ApiError;
use crate::http::caching::cache_headers;
use crate::http::extract::Query;
use crate::http::state::AppState;
use crate::http::syndication::{finish, rfc3339, site, xml_safe};

const XML: &str = "application/xml; charset=utf-8";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

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

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for (key, value) in attributes {
            start.push_attribute((*key, xml_safe(value).as_ref()));
        }
        let _ = self.0.write_event(Event::Empty(start));
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

    /// `xhtml:link rel="alternate"` for each public story of the row's translation group
    /// (itself included) and `x-default` for the one in `BYLINE_DEFAULT_LOCALE`, when the
    /// group has a public story besides the row.
    fn alternates(&mut self, links: &Links<'_>, row: &UrlRow) {
        let Some(group) = row.group.as_ref() else {
            return;
        };
        let members = links.alternates.get(group).map_or(&[][..], Vec::as_slice);
        if members.len() < 2 {
            return;
        }
        for member in members {
            let href = links.of(member);
            let hreflang = member.locale.as_str();
            self.empty(
                "xhtml:link",
                &[
                    ("rel", "alternate"),
                    ("hreflang", hreflang),
                    ("href", &href),
                ],
            );
        }
        if let Some(default) = members.iter().find(|m| m.locale == links.default_locale) {
            let href = links.of(default);
            self.empty(
                "xhtml:link",
                &[
                    ("rel", "alternate"),
                    ("hreflang", "x-default"),
                    ("href", &href),
                ],
            );
        }
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
/// `lastmod`. A story with public translations lists each of them (itself included) as an
/// `xhtml:link rel="alternate" hreflang`, and the one in `BYLINE_DEFAULT_LOCALE` as
/// `x-default`. Streamed as it is read, a few thousand rows at a time: a full page never sits
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
    let locale: Arc<str> = Arc::from(state.ctx.writes.default_locale());
    let mut head = Xml::new().declaration();
    head.open(
        "urlset",
        &[("xmlns", SITEMAP_NS), ("xmlns:xhtml", XHTML_NS)],
    );
    let first = Bytes::from([head.into_bytes(), urls(&site, &slugs, &locale, &rows)].concat());
    let ctx = state.ctx.clone();
    enum Step {
        Next(Option<Cursor>),
        Done,
    }
    let rest = futures_util::stream::unfold(Step::Next(next), move |step| {
        let (ctx, site, slugs) = (ctx.clone(), site.clone(), slugs.clone());
        let locale = locale.clone();
        async move {
            match step {
                Step::Done => None,
                Step::Next(None) => Some((Ok(Bytes::from_static(b"</urlset>")), Step::Done)),
                Step::Next(Some(cursor)) => match service::article_batch(&ctx, cursor).await {
                    Ok(Some((rows, next))) => Some((
                        Ok(Bytes::from(urls(&site, &slugs, &locale, &rows))),
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

/// What the links of a sitemap's stories are made from.
struct Links<'a> {
    site: &'a SiteSettings,
    /// Category slugs by id.
    slugs: &'a HashMap<String, String>,
    /// The public stories of each translation group of the batch.
    alternates: &'a Alternates,
    /// `BYLINE_DEFAULT_LOCALE`, the language of `x-default`.
    default_locale: &'a str,
}

impl Links<'_> {
    /// A story's page on the site.
    fn of(&self, row: &UrlRow) -> String {
        self.site.article(ArticleLink {
            id: &row.id,
            slug: &row.slug,
            category: row
                .category_id
                .as_ref()
                .and_then(|id| self.slugs.get(id))
                .map(String::as_str),
            published_at: row.published_at,
        })
    }
}

/// The `<url>` lines of a batch of articles, with their translations.
fn urls(
    site: &SiteSettings,
    slugs: &HashMap<String, String>,
    default_locale: &str,
    (rows, alternates): &(Vec<UrlRow>, Alternates),
) -> Vec<u8> {
    let links = Links {
        site,
        slugs,
        alternates,
        default_locale,
    };
    let mut xml = Xml::new();
    for row in rows {
        xml.open("url", &[]);
        xml.text("loc", &links.of(row));
        xml.text("lastmod", &rfc3339(row.updated_at));
        xml.alternates(&links, row);
        xml.close("url");
    }
    xml.into_bytes()
}

/// The Google News sitemap
///
/// Public articles published in the last 48 hours (at most 1,000, newest first), with
/// `news:publication` (`BYLINE_SITE_NAME` and the story's own language), `news:publication_date`
/// and `news:title`, and the alternates of stories with public translations.
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
    let ((rows, alternates), changes_at) = service::news(&state.ctx).await?;
    let slugs = service::category_slugs(&state.ctx).await?;
    let links = Links {
        site: &site,
        slugs: &slugs,
        alternates: &alternates,
        default_locale: state.ctx.writes.default_locale(),
    };
    let mut xml = Xml::new().declaration();
    let namespaces = [
        ("xmlns", SITEMAP_NS),
        ("xmlns:news", NEWS_NS),
        ("xmlns:xhtml", XHTML_NS),
    ];
    xml.open("urlset", &namespaces);
    for row in &rows {
        xml.open("url", &[]);
        xml.text("loc", &links.of(row));
        xml.alternates(&links, row);
        xml.open("news:news", &[]);
        xml.open("news:publication", &[]);
        xml.text("news:name", &site.name);
        xml.text("news:language", &news_language(&row.locale));
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

/// A story's language as Google News names languages: ISO 639 codes, with `zh-cn` and
/// `zh-tw` for the two Chinese scripts.
fn news_language(locale: &str) -> String {
    let language = crate::locale::language(locale).to_ascii_lowercase();
    if language != "zh" {
        return language;
    }
    let traditional = ["Hant", "TW", "HK", "MO"]
        .iter()
        .any(|part| locale.split('-').any(|p| p == *part));
    if traditional { "zh-tw" } else { "zh-cn" }.to_owned()
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
