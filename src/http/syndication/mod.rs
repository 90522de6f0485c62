//! Feeds and sitemaps as documents: one model of a feed ([`Channel`] of [`Entry`]s, built once
//! from the query's answer) that three small writers turn into RSS 2.0 ([`rss`]), Atom 1.0
//! ([`atom`]) and JSON Feed 1.1 ([`json`]); and what every feed and sitemap answer shares
//! (the site's settings, XML-safe text, validators and public caching in [`finish`]).

pub mod atom;
pub mod json;
pub mod rss;

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;

use crate::config::{ArticleLink, SiteSettings};
use crate::domain::caller::Caller;
use crate::domain::{Code, Error};
use crate::feeds::service::{Feed, FeedItem};
use crate::http::ApiError;
use crate::http::cache;
use crate::http::caching::{cache_headers, client_is_current};
use crate::http::state::AppState;

/// The site's settings, or the 404 that says they are missing.
pub fn site(state: &AppState) -> Result<Arc<SiteSettings>, ApiError> {
    state.site.clone().ok_or_else(|| {
        Error::new(
            Code::NotConfigured,
            "feeds and sitemaps need BYLINE_SITE_URL, the address of the site that shows the articles",
        )
        .into()
    })
}

/// A section or topic an entry is filed under.
pub struct Term {
    /// Its slug (the Atom `term`, the front-end page's URL).
    pub slug: String,
    /// Its name, as readers see it.
    pub name: String,
}

/// One story as every feed format writes it.
pub struct Entry {
    /// The article's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Where the front-end shows it.
    pub url: String,
    /// The excerpt, or else the subtitle: plain text.
    pub summary: Option<String>,
    /// The sanitized HTML body.
    pub body_html: String,
    /// When it was published.
    pub published: Option<NaiveDateTime>,
    /// When it last changed.
    pub updated: NaiveDateTime,
    /// The byline, if the story has one.
    pub author: Option<String>,
    /// Its section.
    pub category: Option<Term>,
    /// Its topics.
    pub tags: Vec<Term>,
}

/// A feed as every format writes it.
pub struct Channel {
    /// The site's name, with what narrows the feed.
    pub title: String,
    /// The feed's own URL.
    pub self_url: String,
    /// The newest change among its entries (the epoch when there are none).
    pub updated: NaiveDateTime,
    /// Its entries, newest first.
    pub entries: Vec<Entry>,
}

impl Channel {
    /// The model of a feed read from the store.
    pub fn new(site: &SiteSettings, feed: &Feed, title: String, self_url: String) -> Self {
        let updated = feed
            .items
            .iter()
            .map(|i| i.article.updated_at)
            .max()
            .unwrap_or_default();
        let entries = feed.items.iter().map(|item| entry(site, item)).collect();
        Channel {
            title,
            self_url,
            updated,
            entries,
        }
    }
}

fn entry(site: &SiteSettings, item: &FeedItem) -> Entry {
    let a = &item.article;
    // Sections and tags are named in the story's language where they have a name in it.
    let term = |slug: &str, name: &str, names: &str| Term {
        slug: slug.to_owned(),
        name: crate::locale::pick(&crate::locale::names(names), &a.locale)
            .unwrap_or(name)
            .to_owned(),
    };
    Entry {
        id: a.id.to_string(),
        title: a.title.clone(),
        url: site.article(ArticleLink {
            id: &a.id,
            slug: &a.slug,
            category: item.category.as_ref().map(|c| c.slug.as_str()),
            published_at: a.published_at,
        }),
        summary: a.excerpt.clone().or_else(|| a.subtitle.clone()),
        body_html: with_corrections(&item.body_html, &a.corrections),
        published: a.published_at,
        updated: a.updated_at,
        author: item.author.as_ref().map(|author| author.name.clone()),
        category: item
            .category
            .as_ref()
            .map(|c| term(&c.slug, &c.name, &c.names)),
        tags: item
            .tags
            .iter()
            .map(|t| term(&t.slug, &t.name, &t.names))
            .collect(),
    }
}

/// A story's HTML with its corrections after it, oldest first, each with its kind and date,
/// in an `<aside class="corrections">` a reader can style or hide.
fn with_corrections(body_html: &str, stored: &str) -> String {
    use crate::articles::search::escape_html;
    let corrections = crate::articles::corrections::entries(stored);
    if corrections.is_empty() {
        return body_html.to_owned();
    }
    let mut html = String::with_capacity(body_html.len() + 256 * corrections.len());
    html.push_str(body_html);
    html.push_str("<aside class=\"corrections\">");
    for c in corrections {
        let kind = match c.kind {
            crate::domain::CorrectionKind::Correction => "Correction",
            crate::domain::CorrectionKind::Clarification => "Clarification",
            crate::domain::CorrectionKind::Update => "Update",
        };
        let text = escape_html(&c.text).replace('\n', "<br>");
        html.push_str(&format!(
            "<p><strong>{kind}</strong> (<time datetime=\"{}\">{}</time>): {text}</p>",
            rfc3339(c.created_at),
            c.created_at.format("%-d %B %Y"),
        ));
    }
    html.push_str("</aside>");
    html
}

/// Drops what XML 1.0 cannot carry (control characters but tab and line breaks, U+FFFE and
/// U+FFFF), so that text stored before the write checks refused it cannot break a feed
/// or a sitemap for every reader.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    fn allowed(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    }
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// A written XML document with [`xml_safe`] applied to all of it (markup never holds such
/// characters, so only text changes).
pub fn xml_safe_bytes(body: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(body) {
        Ok(text) => match xml_safe(&text) {
            Cow::Borrowed(_) => text.into_bytes(),
            Cow::Owned(clean) => clean.into_bytes(),
        },
        Err(e) => e.into_bytes(),
    }
}

/// A time as RFC 3339 in UTC, to the second.
pub fn rfc3339(at: NaiveDateTime) -> String {
    crate::domain::time::rfc3339(at)
}

/// A finished feed or sitemap: validators from its bytes, `If-None-Match` and
/// `If-Modified-Since`, public caching, and a place in the response cache.
pub fn finish(
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
