//! Feeds of the newest stories (`/feeds/articles.rss`, `.atom`, `.json`): one query and one
//! model of the feed ([`crate::http::syndication::Channel`]), written by one of three
//! writers. Linked to where the front-end shows each story (`BYLINE_SITE_URL`,
//! `BYLINE_ARTICLE_URL`).

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::config::SiteSettings;
use crate::domain::{Code, IdOrSlug};
use crate::feeds::service::{self, FeedFilter};
use crate::http::ApiError;
use crate::http::extract::Query;
use crate::http::state::AppState;
use crate::http::syndication::{self, Channel, atom, json, rss, site, xml_safe_bytes};

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
    /// Only stories in these languages (up to 20 comma-separated BCP 47 tags). With one,
    /// the feed's language is it; otherwise `BYLINE_SITE_LANGUAGE`.
    #[param(
        max_length = 1000,
        pattern = "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}(,[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}){0,19}$",
        example = "ru"
    )]
    pub locale: Option<String>,
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
            locales: self
                .locale
                .as_deref()
                .map(crate::http::wire::translations::locale_filter)
                .transpose()?,
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
        ("locale", &query.locale),
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

/// The three formats of a feed.
#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

/// Reads the feed the query asks for and answers it in `format`.
async fn serve(
    req: &HttpRequest,
    state: &AppState,
    query: &FeedQuery,
    path: &str,
    format: Format,
) -> Result<HttpResponse, ApiError> {
    let mut site = site(state)?;
    let filter = query.filter()?;
    if let Some([locale]) = filter.locales.as_deref() {
        let mut own = (*site).clone();
        own.language = locale.clone();
        site = std::sync::Arc::new(own);
    }
    let feed = service::newest(&state.ctx, filter).await?;
    let title = match query.describe() {
        Some(narrowed) => format!("{} ({narrowed})", site.name),
        None => site.name.clone(),
    };
    let channel = Channel::new(&site, &feed, title, self_url(&site, path, query));
    let (media_type, body) = match format {
        Format::Rss => (
            rss::MEDIA_TYPE,
            xml_safe_bytes(rss::write(&site, &channel)?),
        ),
        Format::Atom => (
            atom::MEDIA_TYPE,
            xml_safe_bytes(atom::write(&site, &channel)?),
        ),
        Format::Json => (json::MEDIA_TYPE, json::write(&site, &channel)?),
    };
    let updated = Some(channel.updated);
    Ok(syndication::finish(
        req,
        state,
        media_type,
        body,
        updated,
        feed.changes_at,
    ))
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
        (status = 404, description = "`not_configured`: BYLINE_SITE_URL is not set"),
    )
)]
#[get("/feeds/articles.rss")]
pub async fn rss_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    Query(query): Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    serve(&req, &state, &query, "/feeds/articles.rss", Format::Rss).await
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
        (status = 404, description = "`not_configured`: BYLINE_SITE_URL is not set"),
    )
)]
#[get("/feeds/articles.atom")]
pub async fn atom_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    Query(query): Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    serve(&req, &state, &query, "/feeds/articles.atom", Format::Atom).await
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
        (status = 404, description = "`not_configured`: BYLINE_SITE_URL is not set"),
    )
)]
#[get("/feeds/articles.json")]
pub async fn json_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    Query(query): Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    serve(&req, &state, &query, "/feeds/articles.json", Format::Json).await
}
