//! HTTP handlers for `/api/v1/articles`: each reads the request, asks
//! [`crate::articles::service`], and shapes the answer (`fields`, `include`, cache headers,
//! entity tags).

use std::collections::{HashMap, HashSet};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use serde::Serialize;
use serde_json::Value;

use crate::articles::model::{Article, ArticleSort, ArticleSummary};
use crate::articles::search::{self, Search};
use crate::articles::service::{self, Action, Embed, Hit, ListRequest, Listing, Related};
use crate::domain::Role;
use crate::domain::caller::Caller;
use crate::domain::page::PageRequest;
use crate::domain::{Code, IdOrSlug, Lookup, Named, Status};
use crate::http::cache;
use crate::http::caching::{self, cache_headers, validators};
use crate::http::extract::{IfMatch, IfNoneMatch, Json, Key, MergePatch, OptionalJson, Query};
use crate::http::pagination;
use crate::http::redirect::{Moved, moved};
use crate::http::state::AppState;
use crate::http::wire::articles::{
    ArticleGetQuery, ArticleList, ArticleListQuery, ArticleResponse, CreateArticle, EmptyBody,
    FIELDS, PublishArticle, SearchHit, UpdateArticle,
};
use crate::http::wire::authors::AuthorResponse;
use crate::http::wire::categories::CategoryResponse;
use crate::http::wire::media::MediaResponse;
use crate::http::wire::tags::TagResponse;
use crate::http::{ApiError, FieldError};

/// Editors and admins see authors' private fields.
fn sees_private(caller: &Caller) -> bool {
    matches!(caller.role(), Some(Role::Editor | Role::Admin))
}

/// `include` and `fields`, checked against what the contract lists.
struct Shape {
    author: bool,
    category: bool,
    tags: bool,
    cover: bool,
    fields: Option<HashSet<String>>,
}

impl Shape {
    fn parse(include: Option<&str>, fields: Option<&str>) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        for (name, value, max) in [("include", include, 100), ("fields", fields, 500)] {
            if value.is_some_and(|v| v.len() > max) {
                return Err(ApiError::invalid_query(vec![FieldError::new(
                    name,
                    Code::TooLong,
                    format!("{name} must be at most {max} characters"),
                )]));
            }
        }
        let (mut author, mut category, mut tags, mut cover) = (false, false, false, false);
        let items = include
            .map(|i| i.split(',').collect::<Vec<_>>())
            .unwrap_or_default();
        for item in items {
            match item {
                "author" => author = true,
                "category" => category = true,
                "tags" => tags = true,
                "cover" => cover = true,
                other => errors.push(FieldError::new(
                    "include",
                    Code::InvalidValue,
                    format!("`{other}` cannot be included; use author, category, tags or cover"),
                )),
            }
        }
        let fields = match fields {
            None => None,
            Some(list) => {
                let mut set = HashSet::new();
                for field in list.split(',') {
                    if FIELDS.contains(&field) {
                        set.insert(field.to_owned());
                    } else {
                        errors.push(FieldError::new(
                            "fields",
                            Code::InvalidValue,
                            format!("`{field}` is not an article field"),
                        ));
                    }
                }
                Some(set)
            }
        };
        if errors.is_empty() {
            Ok(Self {
                author,
                category,
                tags,
                cover,
                fields,
            })
        } else {
            Err(ApiError::invalid_query(errors))
        }
    }

    fn embed(&self) -> Embed {
        Embed {
            author: self.author,
            category: self.category,
            tags: self.tags,
            cover: self.cover,
        }
    }

    /// The wire form of an article, with what `include` asked for, cut to `fields`.
    fn article(&self, mut article: ArticleResponse, related: &Related, staff: bool) -> Shaped {
        if self.author {
            article.author = Some(
                article
                    .author_id
                    .as_ref()
                    .and_then(|id| related.authors.get(id))
                    .map(|a| AuthorResponse::new(a.clone(), staff)),
            );
        }
        if self.category {
            article.category = Some(
                article
                    .category_id
                    .as_ref()
                    .and_then(|id| related.categories.get(id))
                    .map(|c| CategoryResponse::from(c.clone())),
            );
        }
        if self.cover {
            article.cover = Some(
                article
                    .cover_media_id
                    .as_ref()
                    .and_then(|id| related.media.get(id))
                    .map(|m| MediaResponse::new(m.clone(), staff)),
            );
        }
        if self.tags {
            article.tags = Some(
                article
                    .tag_ids
                    .iter()
                    .filter_map(|id| related.tags.get(id))
                    .map(|t| TagResponse::from(t.clone()))
                    .collect(),
            );
        }
        self.apply(article)
    }

    fn wants_body(&self) -> bool {
        self.fields
            .as_ref()
            .is_some_and(|f| f.contains("body") || f.contains("body_html"))
    }

    /// Keeps the asked-for fields (and `id` and embeds) of an article. Without `fields` the
    /// article is serialized straight from its struct, with no intermediate JSON tree.
    fn apply(&self, article: ArticleResponse) -> Shaped {
        let Some(fields) = &self.fields else {
            return Shaped::Whole(Box::new(article));
        };
        let mut value = serde_json::to_value(&article).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.retain(|k, _| {
                matches!(
                    k.as_str(),
                    "id" | "author" | "category" | "tags" | "cover" | "search"
                ) || fields.contains(k)
            });
        }
        Shaped::Some(value)
    }

    /// A short tag of the representation, for the `ETag`: empty for what a write answers
    /// (and a signed-in reader without `include` or `fields` gets); `p` for the public;
    /// the embedded objects' own revisions, so that an edited byline changes the tag.
    fn variant(&self, public: bool, article: &Article, related: &Related) -> String {
        let mut v = String::new();
        if public {
            v.push('p');
        }
        let stamp = |at: Option<chrono::NaiveDateTime>| {
            at.map_or_else(
                || "0".to_owned(),
                |at| at.and_utc().timestamp_micros().to_string(),
            )
        };
        if self.author {
            let at = article
                .author_id
                .as_ref()
                .and_then(|id| related.authors.get(id))
                .map(|a| a.updated_at);
            v.push('a');
            v.push_str(&stamp(at));
        }
        if self.category {
            let at = article
                .category_id
                .as_ref()
                .and_then(|id| related.categories.get(id))
                .map(|c| c.updated_at);
            v.push('c');
            v.push_str(&stamp(at));
        }
        if self.cover {
            let at = article
                .cover_media_id
                .as_ref()
                .and_then(|id| related.media.get(id))
                .map(|m| m.updated_at);
            v.push('m');
            v.push_str(&stamp(at));
        }
        if self.tags {
            // The newest change among the embedded tags: a renamed tag changes the tag.
            let at = crate::domain::split_ids(&article.tag_ids)
                .iter()
                .filter_map(|id| related.tags.get(id))
                .map(|t| t.updated_at)
                .max();
            v.push('t');
            v.push_str(&stamp(at));
        }
        if let Some(fields) = &self.fields {
            let mut names: Vec<&str> = fields.iter().map(String::as_str).collect();
            names.sort_unstable();
            v.push('f');
            v.push_str(
                &names
                    .iter()
                    .map(|n| FIELDS.iter().position(|f| f == n).unwrap_or(0).to_string())
                    .collect::<Vec<_>>()
                    .join("-"),
            );
        }
        v
    }
}

/// An article as `fields` shaped it.
#[derive(Serialize)]
#[serde(untagged)]
enum Shaped {
    Whole(Box<ArticleResponse>),
    Some(Value),
}

fn parse_statuses(raw: &str) -> Result<Vec<Status>, ApiError> {
    if raw.len() > 100 {
        return Err(ApiError::invalid_query(vec![FieldError::new(
            "status",
            Code::TooLong,
            "status must be at most 100 characters",
        )]));
    }
    if raw == "all" {
        return Ok(Status::ALL.to_vec());
    }
    let mut statuses = Vec::new();
    for status in raw.split(',') {
        let Some(status) = Status::parse(status) else {
            return Err(ApiError::invalid_query(vec![FieldError::new(
                "status",
                Code::InvalidValue,
                format!(
                    "`{status}` is not a status; use draft, scheduled, published, archived or all"
                ),
            )]));
        };
        statuses.push(status);
    }
    if statuses.is_empty() {
        return Err(ApiError::invalid_query(vec![FieldError::new(
            "status",
            Code::InvalidValue,
            "status must name at least one status",
        )]));
    }
    Ok(statuses)
}

/// `tag`: up to 20 slugs, comma-separated.
fn tag_slugs(raw: &str) -> Result<Vec<String>, ApiError> {
    let invalid = |message: String| {
        ApiError::invalid_query(vec![FieldError::new("tag", Code::InvalidValue, message)])
    };
    if raw.len() > 4100 {
        return Err(invalid("tag must be at most 4100 characters".into()));
    }
    let slugs: Vec<&str> = raw.split(',').collect();
    let max = crate::tags::MAX_PER_ARTICLE;
    if slugs.len() > max {
        return Err(invalid(format!("tag takes at most {max} slugs")));
    }
    // Anything slug-shaped is taken (a slug no tag has matches nothing).
    slugs
        .into_iter()
        .map(|s| {
            if crate::slug::is_shaped(s) {
                Ok(s.to_owned())
            } else {
                Err(invalid(format!("`{s}` is not a tag slug")))
            }
        })
        .collect()
}

fn key_param(name: &str, raw: Option<&str>) -> Result<Option<IdOrSlug>, ApiError> {
    raw.map(IdOrSlug::parse).transpose().map_err(|_| {
        ApiError::invalid_query(vec![FieldError::new(
            name,
            Code::InvalidValue,
            format!("{name} must be an id or a slug"),
        )])
    })
}

/// The list request a query string makes, and the shape of its items.
fn list_request(
    query: ArticleListQuery,
    caller: &Caller,
) -> Result<(ListRequest, Shape), ApiError> {
    let page = PageRequest::new(query.limit, query.cursor, query.with_total)?;
    let search = query.q.as_deref().map(Search::parse).transpose()?;
    let sort = match (query.sort, &search) {
        (Some(ArticleSort::Relevance), None) => {
            return Err(ApiError::invalid_query(vec![FieldError::new(
                "sort",
                Code::InvalidValue,
                "sort=relevance needs a search (q)",
            )]));
        }
        (Some(sort), _) => sort,
        (None, Some(_)) => ArticleSort::Relevance,
        (None, None) => ArticleSort::NewestFirst,
    };
    let shape = Shape::parse(query.include.as_deref(), query.fields.as_deref())?;
    let mut statuses = query.status.as_deref().map(parse_statuses).transpose()?;
    // `status=published` asks for what the public sees anyway: no credentials needed.
    if caller.0.is_none() && statuses.as_deref() == Some(&[Status::Published][..]) {
        statuses = None;
    }
    let request = ListRequest {
        statuses,
        author: key_param("author", query.author.as_deref())?,
        category: key_param("category", query.category.as_deref())?,
        tags: query.tag.as_deref().map(tag_slugs).transpose()?,
        published_after: query.published_after.map(|t| t.naive_utc()),
        published_before: query.published_before.map(|t| t.naive_utc()),
        updated_after: query.updated_after.map(|t| t.naive_utc()),
        search,
        sort,
        page,
        bodies: shape.wants_body(),
        embed: shape.embed(),
    };
    Ok((request, shape))
}

/// One item of a list, as `fields` and `include` shape it.
fn list_item(
    (row, hit): (ArticleSummary, Option<Hit>),
    bodies: &mut HashMap<String, (String, String)>,
    related: &Related,
    shape: &Shape,
    staff: bool,
    live: Option<chrono::NaiveDateTime>,
) -> Shaped {
    let is_live = live.map(|now| service::is_live(&row, now));
    let mut article = ArticleResponse::from(row);
    article.live = is_live;
    article.search = hit.map(|(rank, highlight)| SearchHit {
        rank,
        highlight: search::highlight_html(&highlight.unwrap_or_default()),
    });
    if let Some((body, html)) = bodies.remove(&article.id) {
        article.body = Some(body);
        article.body_html = Some(html);
    }
    shape.article(article, related, staff)
}

/// List articles
///
/// Newest first by default. Without `status` the list holds what the public may see:
/// published articles, and scheduled ones whose time has come.
#[utoipa::path(
    tag = "articles",
    params(ArticleListQuery),
    responses(
        (status = 200, description = "A page of articles", body = ArticleList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"),
                ("Cache-Control" = String, description = "`public, max-age=…` for anonymous callers, else `private, no-store`"))),
        (status = 400, description = "An unknown or invalid query parameter"),
        (status = 401, description = "A `status` other than `published` without credentials, or invalid credentials"),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Query(query): Query<ArticleListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (request, shape) = list_request(query, &caller)?;
    let Listing {
        page,
        mut bodies,
        related,
        changes_at,
    } = service::list(&state.ctx, &caller, request).await?;
    let staff = sees_private(&caller);
    let live = caller.0.is_some().then(crate::domain::time::now);
    let page = page.map(|item| list_item(item, &mut bodies, &related, &shape, staff, live));
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    cache::allow_public_list(&mut builder, &caller, changes_at);
    Ok(pagination::page(builder, &req, page))
}

fn etag(article: &Article, variant: &str) -> String {
    if variant.is_empty() {
        format!("\"{}.v{}\"", article.id, article.version)
    } else {
        format!("\"{}.v{}.{variant}\"", article.id, article.version)
    }
}

/// Get an article
///
/// By id or slug. Drafts, archived articles and scheduled ones before their time answer
/// 404 to the public. Sends a strong `ETag` (it changes with `version`) and `Last-Modified`;
/// a matching `If-None-Match` answers 304.
#[utoipa::path(
    tag = "articles",
    params(("id_or_slug" = String, Path, description = "The article's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "stocks-slip-as-oil-climbs"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag`s of the copies you hold (`*` for any); if one is current the answer is a 304 with no body. A value that is not a list of entity tags matches nothing.",
            example = "\"01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23.v3\""),
        ArticleGetQuery),
    responses(
        (status = 200, description = "The article (with `fields`, only the fields named: an `ArticleFields`)", body = ArticleResponse,
            headers(("ETag" = String, description = "Strong entity tag; changes with `version`"),
                ("Last-Modified" = String, description = "`updated_at` as an HTTP date"),
                ("Cache-Control" = String, description = "`public, max-age=…` for anonymous callers, else `private, no-store`"))),
        (status = 304, description = "`If-None-Match` matched: the cached copy is current"),
        (status = 400, description = "Bad path segment or query parameter"),
        (status = 301, description = "An old slug of an article the caller may see: `Location` is its URL now (query kept). Callers who may not see the article get the 404 instead.", body = Moved,
            headers(("Location" = String, description = "The same URL under the current slug"))),
        (status = 404, description = "No article the caller may see has that id or slug"),
    )
)]
#[get("/articles/{id_or_slug}")]
pub async fn get_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    cached: IfNoneMatch,
    Query(query): Query<ArticleGetQuery>,
) -> Result<HttpResponse, ApiError> {
    let shape = Shape::parse(query.include.as_deref(), query.fields.as_deref())?;
    let (article, related) = match service::get(&state.ctx, &caller, key, shape.embed()).await? {
        Lookup::Found(found) => found,
        Lookup::Moved(slug) => {
            let mut builder = HttpResponse::MovedPermanently();
            cache_headers(&mut builder, &caller, state.cache_max_age);
            return Ok(moved(builder, &req, "/api/v1/articles", &slug));
        }
    };
    let staff = sees_private(&caller);
    let tag = etag(
        &article,
        &shape.variant(caller.0.is_none(), &article, &related),
    );
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    if let Some(not_modified) = validators(&mut builder, &tag, article.updated_at, &cached) {
        return Ok(not_modified);
    }
    // The public sees it only while it is live: the answer holds until it expires.
    let mut resources = vec![article.id.clone()];
    if shape.author {
        resources.extend(article.author_id.clone());
    }
    if shape.category {
        resources.extend(article.category_id.clone());
    }
    if shape.tags {
        resources.extend(crate::domain::split_ids(&article.tag_ids));
    }
    if shape.cover {
        resources.extend(article.cover_media_id.clone());
    }
    cache::allow_public(&mut builder, &caller, resources, article.unpublish_at);
    let live = caller
        .0
        .is_some()
        .then(|| service::is_live(&article.clone().into(), crate::domain::time::now()));
    let mut response = ArticleResponse::from(article);
    response.live = live;
    Ok(builder.json(shape.article(response, &related, staff)))
}

/// The article as written, with its `ETag` and `Location`.
pub fn written(mut builder: HttpResponseBuilder, article: Article) -> HttpResponse {
    caching::written(&mut builder, &etag(&article, ""));
    let live = service::is_live(&article.clone().into(), crate::domain::time::now());
    let mut response = ArticleResponse::from(article);
    response.live = Some(live);
    builder.json(response)
}

/// Create an article
///
/// Always a draft. Authors, editors, admins and `write` API tokens; an author's article
/// carries their linked author profile, and they may not name another.
#[utoipa::path(
    tag = "articles",
    request_body = CreateArticle,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ArticleResponse,
            headers(("Location" = String, description = "The new article's URL"),
                ("ETag" = String, description = "Strong entity tag of the new article"))),
        (status = 400, description = "The body is not valid JSON"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "A read-only API token"),
        (status = 409, description = "The given slug is taken (`slug_taken`)"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "A field is missing, unknown (`status`, `created_by`, …) or invalid, or names no author or category. A body too complex to render is a 422 `body_too_complex` whose field error names the rule: `too_deep` (blockquotes, lists and HTML elements nested more than 48 levels), `renders_too_large` (more than 4 MiB of HTML), `too_slow` (not rendered within 1.5 s) or `unrenderable`."),
        (status = 503, description = "Every render thread is busy (`busy`); retry after `Retry-After` seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    caller: Caller,
    Json(body): Json<CreateArticle>,
) -> Result<HttpResponse, ApiError> {
    let article = service::create(&state.ctx, &caller, body.check()?).await?;
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("/api/v1/articles/{}", article.id)));
    Ok(written(builder, article))
}

/// Update an article
///
/// By id or slug. A JSON merge patch. Honors `If-Match`: a stale version answers 412 with the current
/// `version` and changes nothing. Authors may change only their own drafts.
#[utoipa::path(
    tag = "articles",
    params(("id_or_slug" = String, Path, description = "The article's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read; the write happens only if it is still current",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    request_body(content = UpdateArticle, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated article", body = ArticleResponse,
            headers(("ETag" = String, description = "The new entity tag"))),
        (status = 400, description = "Bad JSON or id"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Not allowed to change this article"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 409, description = "The new slug is taken (`slug_taken`)"),
        (status = 412, description = "`If-Match` does not match the current version"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid, not allowed, or names no author or category. A body too complex to render is a 422 `body_too_complex` whose field error names the rule: `too_deep` (blockquotes, lists and HTML elements nested more than 48 levels), `renders_too_large` (more than 4 MiB of HTML), `too_slow` (not rendered within 1.5 s) or `unrenderable`."),
        (status = 503, description = "Every render thread is busy (`busy`); retry after `Retry-After` seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[patch("/articles/{id_or_slug}")]
pub async fn update_article(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    precondition: IfMatch,
    MergePatch(body): MergePatch<UpdateArticle>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.check()?;
    let article = service::update(&state.ctx, &caller, key, precondition, changes).await?;
    Ok(written(HttpResponse::Ok(), article))
}

/// Delete an article
///
/// Honors `If-Match`. Authors may delete only their own drafts.
#[utoipa::path(
    tag = "articles",
    params(("id_or_slug" = String, Path, description = "The article's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The path segment is neither an id nor a slug"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Not allowed to delete this article"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 412, description = "`If-Match` does not match the current version"),
    )
)]
#[delete("/articles/{id_or_slug}")]
pub async fn delete_article(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    precondition: IfMatch,
) -> Result<HttpResponse, ApiError> {
    service::delete(&state.ctx, &caller, key, precondition).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn act(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    precondition: IfMatch,
    action: Action,
) -> Result<HttpResponse, ApiError> {
    let article = service::transition(&state.ctx, &caller, key, precondition, action).await?;
    Ok(written(HttpResponse::Ok(), article))
}

/// Publish an article
///
/// Publishes now, or at `publish_at`: a future time schedules it (public from that moment,
/// with no job needed), a past one back-dates it. From `draft`, `scheduled` or `archived`;
/// anything else is a 409 `invalid_transition`. Editors, admins and `write` API tokens.
/// Honors `If-Match`. The body may be empty.
#[utoipa::path(
    tag = "articles",
    params(("id_or_slug" = String, Path, description = "The article's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "stocks-slip-as-oil-climbs"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    request_body(content = Option<PublishArticle>, description = "Optional; may be empty"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, now published or scheduled", body = ArticleResponse),
        (status = 400, description = "Bad JSON or id"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors and read tokens may not publish"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 409, description = "Already published (`invalid_transition`)"),
        (status = 412, description = "`If-Match` does not match the current version"),
        (status = 422, description = "An unknown or invalid field"),
    )
)]
#[post("/articles/{id_or_slug}/publish")]
pub async fn publish_article(
    state: web::Data<AppState>,
    caller: Caller,
    key: Key,
    precondition: IfMatch,
    OptionalJson(body): OptionalJson<PublishArticle>,
) -> Result<HttpResponse, ApiError> {
    use chrono::SubsecRound;
    let at = body.publish_at.map(|t| t.naive_utc().trunc_subsecs(6));
    let until = body.expiry()?;
    act(state, caller, key, precondition, Action::Publish(at, until)).await
}

/// Unpublish an article
///
/// Back to `draft`, from `published` or `scheduled`. Editors, admins and `write` API tokens.
/// Honors `If-Match`. The body may be empty or `{}`.
#[utoipa::path(
    tag = "articles",
    params(("id_or_slug" = String, Path, description = "The article's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "stocks-slip-as-oil-climbs"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    request_body(content = Option<EmptyBody>, description = "Optional; empty or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, now a draft", body = ArticleResponse),
        (status = 400, description = "Bad JSON or id"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors and read tokens may not unpublish"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 409, description = "Not published or scheduled (`invalid_transition`)"),
        (status = 412, description = "`If-Match` does not match the current version"),
        (status = 422, description = "An unknown field"),
    )
)]
#[post("/articles/{id_or_slug}/unpublish")]
pub async fn unpublish_article(
    state: web::Data<AppState>,
    caller: Caller,
    key: Key,
    precondition: IfMatch,
    OptionalJson(_body): OptionalJson<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    act(state, caller, key, precondition, Action::Unpublish).await
}

/// Archive an article
///
/// Hidden from the public, from `draft`, `scheduled` or `published`. Editors, admins and
/// `write` API tokens. Honors `If-Match`. The body may be empty or `{}`.
#[utoipa::path(
    tag = "articles",
    params(("id_or_slug" = String, Path, description = "The article's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "stocks-slip-as-oil-climbs"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    request_body(content = Option<EmptyBody>, description = "Optional; empty or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, now archived", body = ArticleResponse),
        (status = 400, description = "Bad JSON or id"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors and read tokens may not archive"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 409, description = "Already archived (`invalid_transition`)"),
        (status = 412, description = "`If-Match` does not match the current version"),
        (status = 422, description = "An unknown field"),
    )
)]
#[post("/articles/{id_or_slug}/archive")]
pub async fn archive_article(
    state: web::Data<AppState>,
    caller: Caller,
    key: Key,
    precondition: IfMatch,
    OptionalJson(_body): OptionalJson<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    act(state, caller, key, precondition, Action::Archive).await
}
