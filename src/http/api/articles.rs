//! HTTP handlers for `/api/v1/articles`.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use serde::Serialize;
use serde_json::Value;

use crate::articles::model::ArticleSummary;
use crate::articles::model::{self, Article, ArticleChangeset, unpublished_sort};
use crate::articles::render;
use crate::articles::repo::{self, Access, Action, After, ListFilter, Writer};
use crate::articles::search::{self, Search};
use crate::articles::service;
use crate::auth::{Caller, Principal, Role, Scope, forbidden, unauthorized};
use crate::domain::{Code, Error};
use crate::http::extract::{
    IdOrSlug, IfMatch, Json, MergePatch, OptionalJson, Patch, Query, entity_tags,
};
use crate::http::pagination::{self, ListMeta};
use crate::http::state::AppState;
use crate::http::wire::articles::{
    ArticleGetQuery, ArticleList, ArticleListQuery, ArticleResponse, ArticleSort, ArticleView,
    BODY_MAX, CreateArticle, EXCERPT_MAX, EmptyBody, FIELDS, PublishArticle, TITLE_MAX,
    UpdateArticle,
};
use crate::http::wire::authors::AuthorResponse;
use crate::http::wire::categories::CategoryResponse;
use crate::http::{ApiError, FieldError};
use crate::{slug, validate};

/// A search hit's rank and raw highlight.
type Hit = (f64, Option<String>);

/// What the caller may read.
fn access(caller: &Caller) -> Access {
    match &caller.0 {
        None => Access::Public,
        Some(Principal::User {
            id,
            role: Role::Author,
            ..
        }) => Access::Own(id.clone()),
        Some(_) => Access::All,
    }
}

/// Editors and admins see authors' private fields.
fn sees_private(caller: &Caller) -> bool {
    matches!(caller.role(), Some(Role::Editor | Role::Admin))
}

/// Who is writing, or why they may not; with the author profile an author writes as.
fn writer(caller: &Caller) -> Result<(Writer, Option<Option<String>>), Error> {
    match &caller.0 {
        None => Err(unauthorized("this request needs a bearer token", false)),
        Some(Principal::Token {
            scope: Scope::Read, ..
        }) => Err(forbidden("read API tokens may not change content")),
        Some(Principal::Token { .. }) => Ok((Writer::Staff, None)),
        Some(Principal::User {
            role: Role::Author,
            id,
            author_id,
        }) => Ok((
            Writer::Author {
                user_id: id.clone(),
            },
            Some(author_id.clone()),
        )),
        Some(Principal::User { .. }) => Ok((Writer::Staff, None)),
    }
}

/// `include` and `fields`, checked against what the contract lists.
struct Shape {
    author: bool,
    category: bool,
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
        let (mut author, mut category) = (false, false);
        let items = include
            .map(|i| i.split(',').collect::<Vec<_>>())
            .unwrap_or_default();
        for item in items {
            match item {
                "author" => author = true,
                "category" => category = true,
                other => errors.push(FieldError::new(
                    "include",
                    Code::InvalidValue,
                    format!("`{other}` cannot be included; use author and/or category"),
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
                fields,
            })
        } else {
            Err(ApiError::invalid_query(errors))
        }
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
                matches!(k.as_str(), "id" | "author" | "category" | "search") || fields.contains(k)
            });
        }
        Shaped::Some(value)
    }

    /// A short tag of the representation, for the `ETag`.
    fn variant(&self, staff: bool) -> String {
        let mut v = String::new();
        if self.author {
            v.push('a');
        }
        if self.category {
            v.push('c');
        }
        if staff {
            v.push('s');
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

/// The related objects of a page, loaded with one query per relation.
#[derive(Default)]
struct Embeds {
    authors: HashMap<String, AuthorResponse>,
    categories: HashMap<String, CategoryResponse>,
}

fn load_embeds(
    conn: &mut crate::db::AnyConnection,
    author_ids: Vec<String>,
    category_ids: Vec<String>,
    staff: bool,
) -> Result<Embeds, Error> {
    let mut embeds = Embeds::default();
    for author in crate::authors::repo::by_ids(conn, &author_ids)? {
        embeds
            .authors
            .insert(author.id.clone(), AuthorResponse::new(author, staff));
    }
    for category in crate::categories::repo::by_ids(conn, &category_ids)? {
        embeds
            .categories
            .insert(category.id.clone(), CategoryResponse::from(category));
    }
    Ok(embeds)
}

fn embed(article: &mut ArticleResponse, shape: &Shape, embeds: &Embeds) {
    if shape.author {
        article.author = Some(
            article
                .author_id
                .as_ref()
                .and_then(|id| embeds.authors.get(id).cloned()),
        );
    }
    if shape.category {
        article.category = Some(
            article
                .category_id
                .as_ref()
                .and_then(|id| embeds.categories.get(id).cloned()),
        );
    }
}

fn unique(ids: impl Iterator<Item = Option<String>>) -> Vec<String> {
    let mut seen: Vec<String> = ids.flatten().collect();
    seen.sort_unstable();
    seen.dedup();
    seen
}

/// `Cache-Control` and `Vary` for reads: public answers may be cached by anyone for the
/// configured time; answers to signed-in callers by no one.
fn cache_headers(builder: &mut HttpResponseBuilder, caller: &Caller, max_age: u32) {
    if caller.0.is_none() {
        builder.insert_header((header::CACHE_CONTROL, format!("public, max-age={max_age}")));
    } else {
        builder.insert_header((header::CACHE_CONTROL, "private, no-store"));
    }
    builder.insert_header((header::VARY, "Authorization, Accept-Encoding"));
}

fn parse_statuses(raw: &str) -> Result<Vec<String>, ApiError> {
    const ALL: [&str; 4] = ["draft", "scheduled", "published", "archived"];
    if raw.len() > 100 {
        return Err(ApiError::invalid_query(vec![FieldError::new(
            "status",
            Code::TooLong,
            "status must be at most 100 characters",
        )]));
    }
    if raw == "all" {
        return Ok(ALL.iter().map(|s| (*s).to_owned()).collect());
    }
    let mut statuses = Vec::new();
    for status in raw.split(',') {
        if !ALL.contains(&status) {
            return Err(ApiError::invalid_query(vec![FieldError::new(
                "status",
                Code::InvalidValue,
                format!(
                    "`{status}` is not a status; use draft, scheduled, published, archived or all"
                ),
            )]));
        }
        statuses.push(status.to_owned());
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

fn key_param(name: &str, raw: Option<&str>) -> Result<Option<IdOrSlug>, ApiError> {
    raw.map(IdOrSlug::parse).transpose().map_err(|_| {
        ApiError::invalid_query(vec![FieldError::new(
            name,
            Code::InvalidValue,
            format!("{name} must be an id or a slug"),
        )])
    })
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
    let limit = pagination::limit(query.limit)?;
    let search = match query.q.as_deref() {
        Some(q) => Some(Search::parse(q)?),
        None => None,
    };
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
    if caller.0.is_none() && statuses.as_deref() == Some(&["published".to_owned()][..]) {
        statuses = None;
    }
    if statuses.is_some() && caller.0.is_none() {
        return Err(unauthorized("listing by status needs a bearer token", false).into());
    }
    let author_key = key_param("author", query.author.as_deref())?;
    let category_key = key_param("category", query.category.as_deref())?;
    let after = match &query.cursor {
        Some(raw) => {
            let mut keys = pagination::decode_cursor(raw, sort.tag(), 2)?.into_iter();
            match (keys.next(), keys.next()) {
                (Some(key), Some(id)) => {
                    if sort == ArticleSort::Relevance
                        && !key.parse::<f64>().is_ok_and(f64::is_finite)
                    {
                        return Err(pagination::invalid_cursor().into());
                    }
                    Some(After { key, id })
                }
                _ => return Err(pagination::invalid_cursor().into()),
            }
        }
        None => None,
    };
    let with_total = query.with_total.unwrap_or(false);
    let access = access(&caller);
    let staff = sees_private(&caller);
    let now = crate::now();
    let wants_body = shape.wants_body();
    let (want_author, want_category) = (shape.author, shape.category);
    let mut filter = ListFilter {
        statuses,
        published_after: query.published_after.map(|t| t.naive_utc()),
        published_before: query.published_before.map(|t| t.naive_utc()),
        ..ListFilter::default()
    };
    let (rows, total, bodies, embeds) = state
        .db(move |conn| {
            let empty = || {
                Ok((
                    Vec::new(),
                    with_total.then_some(0),
                    Vec::new(),
                    Embeds::default(),
                ))
            };
            if let Some(key) = &author_key {
                match crate::authors::repo::find(conn, key)? {
                    Some(author) => filter.author_id = Some(author.id),
                    None => return empty(),
                }
            }
            if let Some(key) = &category_key {
                match crate::categories::repo::find(conn, key)? {
                    Some(root) => {
                        filter.category_ids =
                            Some(crate::categories::repo::with_descendants(conn, &root.id)?)
                    }
                    None => return empty(),
                }
            }
            filter.search = search.as_ref().map(|s| s.sql(conn.backend()));
            let rows: Vec<(ArticleSummary, Option<Hit>)> = if sort == ArticleSort::Relevance {
                let after = after.map(|a| (a.key.parse::<f64>().unwrap_or(f64::MAX), a.id));
                let hits = repo::search(conn, &filter, &access, after, limit, now)?;
                let ids: Vec<String> = hits
                    .iter()
                    .take(limit as usize)
                    .map(|(a, _)| a.id.clone())
                    .collect();
                let mut marks: HashMap<String, Option<String>> = match &filter.search {
                    Some(search) => repo::highlights(conn, search, &ids)?.into_iter().collect(),
                    None => HashMap::new(),
                };
                hits.into_iter()
                    .map(|(row, rank)| {
                        let highlight = marks.remove(&row.id).flatten();
                        (row, Some((rank, highlight)))
                    })
                    .collect()
            } else {
                repo::list(conn, &filter, &access, sort, after, limit, now)?
                    .into_iter()
                    .map(|row| (row, None))
                    .collect()
            };
            let total = if with_total {
                Some(repo::count(conn, &filter, &access, now)?)
            } else {
                None
            };
            let page: Vec<&ArticleSummary> = rows
                .iter()
                .take(limit as usize)
                .map(|(row, _)| row)
                .collect();
            let bodies = if wants_body {
                repo::bodies(conn, &page.iter().map(|a| a.id.clone()).collect::<Vec<_>>())?
            } else {
                Vec::new()
            };
            let author_ids = if want_author {
                unique(page.iter().map(|a| a.author_id.clone()))
            } else {
                Vec::new()
            };
            let category_ids = if want_category {
                unique(page.iter().map(|a| a.category_id.clone()))
            } else {
                Vec::new()
            };
            let embeds = load_embeds(conn, author_ids, category_ids, staff)?;
            Ok((rows, total, bodies, embeds))
        })
        .await?;
    let (rows, next_cursor) = pagination::split_page(rows, limit, |(a, hit)| {
        let key = match hit {
            Some((rank, _)) => rank.to_string(),
            None => repo::cursor_key(a, sort),
        };
        pagination::encode_cursor(sort.tag(), &[&key, &a.id])
    });
    let mut bodies: HashMap<String, (String, String)> = bodies
        .into_iter()
        .map(|(id, body, html)| (id, (body, html)))
        .collect();
    let data: Vec<Shaped> = rows
        .into_iter()
        .map(|(row, hit)| {
            let mut article = ArticleResponse::from(row);
            article.search = hit.map(|(rank, highlight)| crate::http::wire::articles::SearchHit {
                rank,
                highlight: search::highlight_html(&highlight.unwrap_or_default()),
            });
            if let Some((body, html)) = bodies.remove(&article.id) {
                article.body = Some(body);
                article.body_html = Some(html);
            }
            embed(&mut article, &shape, &embeds);
            shape.apply(article)
        })
        .collect();
    let mut res = pagination::respond(
        &req,
        data,
        ListMeta {
            limit,
            next_cursor,
            total,
        },
    );
    let cache = if caller.0.is_none() {
        format!("public, max-age={}", state.cache_max_age)
    } else {
        "private, no-store".to_owned()
    };
    if let Ok(value) = HeaderValue::from_str(&cache) {
        res.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    res.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Authorization, Accept-Encoding"),
    );
    Ok(res)
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
        ArticleGetQuery),
    responses(
        (status = 200, description = "The article", body = ArticleView,
            headers(("ETag" = String, description = "Strong entity tag; changes with `version`"),
                ("Last-Modified" = String, description = "`updated_at` as an HTTP date"),
                ("Cache-Control" = String, description = "`public, max-age=…` for anonymous callers, else `private, no-store`"))),
        (status = 304, description = "`If-None-Match` matched: the cached copy is current"),
        (status = 400, description = "Bad path segment or query parameter"),
        (status = 404, description = "No article the caller may see has that id or slug"),
    )
)]
#[get("/articles/{id_or_slug}")]
pub async fn get_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    Query(query): Query<ArticleGetQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = IdOrSlug::parse(&path)?;
    let shape = Shape::parse(query.include.as_deref(), query.fields.as_deref())?;
    let access = access(&caller);
    let staff = sees_private(&caller);
    let now = crate::now();
    let (want_author, want_category) = (shape.author, shape.category);
    let (article, embeds) = state
        .db(move |conn| {
            let article = repo::find(conn, &key, &access, now)?
                .ok_or_else(|| Error::not_found("no article has that id or slug"))?;
            let authors = if want_author {
                article.author_id.iter().cloned().collect()
            } else {
                Vec::new()
            };
            let categories = if want_category {
                article.category_id.iter().cloned().collect()
            } else {
                Vec::new()
            };
            let embeds = load_embeds(conn, authors, categories, staff)?;
            Ok((article, embeds))
        })
        .await?;
    let tag = etag(&article, &shape.variant(staff));
    let last_modified =
        header::HttpDate::from(std::time::SystemTime::from(article.updated_at.and_utc()));
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    builder.insert_header((header::ETAG, tag.clone()));
    builder.insert_header((header::LAST_MODIFIED, last_modified));
    if let Some(tags) = entity_tags(&req, header::IF_NONE_MATCH) {
        let bare = tag.trim_matches('"');
        if tags
            .iter()
            .any(|t| t == "*" || t.trim_start_matches("W/") == bare)
        {
            builder.status(StatusCode::NOT_MODIFIED);
            return Ok(builder.finish());
        }
    }
    let mut response = ArticleResponse::from(article);
    embed(&mut response, &shape, &embeds);
    Ok(builder.json(shape.apply(response)))
}

/// The article as written, with its `ETag` and `Location`.
fn written(mut builder: HttpResponseBuilder, article: Article) -> HttpResponse {
    builder.insert_header((header::ETAG, etag(&article, "")));
    builder.insert_header((header::CACHE_CONTROL, "private, no-store"));
    builder.json(ArticleResponse::from(article))
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
    let (_, linked) = writer(&caller)?;
    let mut errors = Vec::new();
    let title = validate::single_line("title", &body.title, TITLE_MAX, &mut errors);
    let text = validate::multi_line("body", &body.body, BODY_MAX, &mut errors);
    let chosen = body
        .slug
        .as_deref()
        .map(|s| validate::slug("slug", s, &mut errors));
    let subtitle = body
        .subtitle
        .as_deref()
        .map(|s| optional_line("subtitle", s, &mut errors));
    let excerpt = body
        .excerpt
        .as_deref()
        .map(|e| validate::multi_line("excerpt", e, EXCERPT_MAX, &mut errors));
    let author_id = body
        .author_id
        .as_deref()
        .map(|a| validate::id("author_id", a, &mut errors));
    let category_id = body
        .category_id
        .as_deref()
        .map(|c| validate::id("category_id", c, &mut errors));
    let cover = body
        .cover_image_url
        .as_deref()
        .map(|u| validate::url("cover_image_url", u, &mut errors));
    let mut author_id = author_id.flatten();
    if let Some(own) = &linked {
        match (&author_id, own) {
            (Some(given), own) if Some(given) != own.as_ref() => errors.push(FieldError::new(
                "author_id",
                Code::NotAllowed,
                "authors may set only their own author profile",
            )),
            _ => author_id = own.clone(),
        }
    }
    let (Some(title), Some(text), true) = (title, text, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let chosen_slug = chosen.is_some();
    let slug = match chosen.flatten() {
        Some(s) => s,
        None => slug::from_title(&title, slug::MAX_LEN).unwrap_or_else(|| "article".to_owned()),
    };
    let rendered = render_body(text.clone()).await?;
    let now = crate::now();
    let created_by = match &caller.0 {
        Some(Principal::User { id, .. }) => Some(id.clone()),
        _ => None,
    };
    let row = Article {
        id: uuid::Uuid::now_v7().to_string(),
        slug,
        title_key: model::title_key(&title),
        title,
        subtitle: subtitle.flatten(),
        excerpt: excerpt.flatten(),
        body_html: rendered.html,
        body: text,
        status: crate::domain::Status::Draft,
        published_at: None,
        published_sort: unpublished_sort(),
        author_id,
        category_id: category_id.flatten(),
        cover_image_url: cover.flatten(),
        word_count: i32::try_from(rendered.words).unwrap_or(i32::MAX),
        reading_time_minutes: i32::try_from(rendered.reading_time).unwrap_or(i32::MAX),
        version: 1,
        created_by,
        created_at: now,
        updated_at: now,
    };
    let article = state
        .write(caller.actor(), move |tx| {
            service::create(tx, row, chosen_slug)
        })
        .await?;
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("/api/v1/articles/{}", article.id)));
    Ok(written(builder, article))
}

/// Renders a body on the render pool; a body whose shape or cost is out of bounds is a 422
/// naming the rule it broke, and a full pool a 503.
async fn render_body(text: String) -> Result<render::Rendered, Error> {
    use render::RenderError;
    let (rule, message) = match render::off_thread(text).await {
        Ok(rendered) => return Ok(rendered),
        Err(RenderError::Busy) => {
            return Err(Error::busy(
                "every render thread is busy; try again in a moment",
            ));
        }
        Err(RenderError::TooDeep) => (
            Code::TooDeep,
            format!(
                "body nests blockquotes, lists and HTML elements more than {} levels deep",
                render::MAX_DEPTH
            ),
        ),
        Err(RenderError::TooLarge) => (
            Code::RendersTooLarge,
            format!(
                "body renders to more than {} MiB of HTML",
                render::MAX_HTML_BYTES / (1024 * 1024)
            ),
        ),
        Err(RenderError::Failed) => (
            Code::Unrenderable,
            "body could not be rendered; simplify its structure".to_owned(),
        ),
        Err(RenderError::TooSlow) => (
            Code::TooSlow,
            format!(
                "body did not render within {} ms; simplify its structure",
                render::DEADLINE.as_millis()
            ),
        ),
    };
    Err(
        Error::new(Code::BodyTooComplex, "the body is too complex to render")
            .with_errors(vec![FieldError::new("body", rule, message)]),
    )
}

fn optional_line(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if value.trim().is_empty()
        && !value
            .chars()
            .any(|c| (c as u32) <= 0x1F || c as u32 == 0x7F)
    {
        return Some(value.trim().to_owned()).filter(|v| !v.is_empty());
    }
    validate::single_line(field, value, TITLE_MAX, errors)
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
        (status = 404, description = "No article the caller may see has that id"),
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
    path: web::Path<String>,
    precondition: IfMatch,
    MergePatch(body): MergePatch<UpdateArticle>,
) -> Result<HttpResponse, ApiError> {
    let id = IdOrSlug::parse(&path)?;
    let (writer, linked) = writer(&caller)?;
    let mut errors = Vec::new();
    let mut changes = ArticleChangeset::default();
    let required = |field: &str| {
        FieldError::new(
            field,
            Code::Required,
            format!("{field} cannot be null; leave it out to keep it"),
        )
    };
    match body.title {
        Patch::Absent => {}
        Patch::Null => errors.push(required("title")),
        Patch::Value(v) => {
            changes.title = validate::single_line("title", &v, TITLE_MAX, &mut errors);
            changes.title_key = changes.title.as_deref().map(model::title_key);
        }
    }
    match body.body {
        Patch::Absent => {}
        Patch::Null => errors.push(required("body")),
        Patch::Value(v) => changes.body = validate::multi_line("body", &v, BODY_MAX, &mut errors),
    }
    match body.slug {
        Patch::Absent => {}
        Patch::Null => errors.push(required("slug")),
        Patch::Value(v) => changes.slug = validate::slug("slug", &v, &mut errors),
    }
    changes.subtitle = match body.subtitle {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(v)
            if v.trim().is_empty() && optional_line("subtitle", &v, &mut errors).is_none() =>
        {
            Some(None)
        }
        Patch::Value(v) => optional_line("subtitle", &v, &mut errors).map(Some),
    };
    changes.excerpt = crate::http::api::authors::optional(body.excerpt, &mut errors, |v, e| {
        validate::multi_line("excerpt", v, EXCERPT_MAX, e)
    });
    changes.author_id = crate::http::api::authors::optional(body.author_id, &mut errors, |v, e| {
        validate::id("author_id", v, e)
    });
    changes.category_id =
        crate::http::api::authors::optional(body.category_id, &mut errors, |v, e| {
            validate::id("category_id", v, e)
        });
    changes.cover_image_url =
        crate::http::api::authors::optional(body.cover_image_url, &mut errors, |v, e| {
            validate::url("cover_image_url", v, e)
        });
    if let (Some(own), Some(new)) = (&linked, &changes.author_id)
        && new != own
    {
        errors.push(FieldError::new(
            "author_id",
            Code::NotAllowed,
            "authors may set only their own author profile",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if let Some(text) = &changes.body {
        let rendered = render_body(text.clone()).await?;
        changes.body_html = Some(rendered.html);
        changes.word_count = Some(i32::try_from(rendered.words).unwrap_or(i32::MAX));
        changes.reading_time_minutes =
            Some(i32::try_from(rendered.reading_time).unwrap_or(i32::MAX));
    }
    let now = crate::now();
    let article = state
        .write(caller.actor(), move |tx| {
            service::update(tx, &id, &writer, &precondition, changes, now)
        })
        .await?;
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
        (status = 404, description = "No article the caller may see has that id"),
        (status = 412, description = "`If-Match` does not match the current version"),
    )
)]
#[delete("/articles/{id_or_slug}")]
pub async fn delete_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    precondition: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = IdOrSlug::parse(&path)?;
    let (writer, _) = writer(&caller)?;
    let now = crate::now();
    state
        .write(caller.actor(), move |tx| {
            service::delete(tx, &id, &writer, &precondition, now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn act(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    precondition: IfMatch,
    action: Action,
) -> Result<HttpResponse, ApiError> {
    let id = IdOrSlug::Id(crate::http::api::users::parse_id(&path)?);
    let (writer, _) = writer(&caller)?;
    let now = crate::now();
    let article = state
        .write(caller.actor(), move |tx| {
            service::transition(tx, &id, &writer, &precondition, action, now)
        })
        .await?;
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
    params(("id" = String, Path, description = "The article's id", format = Uuid, pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    request_body(content = Option<PublishArticle>, description = "Optional; may be empty"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, now published or scheduled", body = ArticleResponse),
        (status = 400, description = "Bad JSON or id"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors and read tokens may not publish"),
        (status = 404, description = "No article the caller may see has that id"),
        (status = 409, description = "Already published (`invalid_transition`)"),
        (status = 412, description = "`If-Match` does not match the current version"),
        (status = 422, description = "An unknown or invalid field"),
    )
)]
#[post("/articles/{id}/publish")]
pub async fn publish_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    precondition: IfMatch,
    OptionalJson(body): OptionalJson<PublishArticle>,
) -> Result<HttpResponse, ApiError> {
    use chrono::SubsecRound;
    let at = body.publish_at.map(|t| t.naive_utc().trunc_subsecs(6));
    act(state, caller, path, precondition, Action::Publish(at)).await
}

/// Unpublish an article
///
/// Back to `draft`, from `published` or `scheduled`. Editors, admins and `write` API tokens.
/// Honors `If-Match`. The body may be empty or `{}`.
#[utoipa::path(
    tag = "articles",
    params(("id" = String, Path, description = "The article's id", format = Uuid, pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    request_body(content = Option<EmptyBody>, description = "Optional; empty or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, now a draft", body = ArticleResponse),
        (status = 400, description = "Bad JSON or id"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors and read tokens may not unpublish"),
        (status = 404, description = "No article the caller may see has that id"),
        (status = 409, description = "Not published or scheduled (`invalid_transition`)"),
        (status = 412, description = "`If-Match` does not match the current version"),
        (status = 422, description = "An unknown field"),
    )
)]
#[post("/articles/{id}/unpublish")]
pub async fn unpublish_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    precondition: IfMatch,
    OptionalJson(_body): OptionalJson<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    act(state, caller, path, precondition, Action::Unpublish).await
}

/// Archive an article
///
/// Hidden from the public, from `draft`, `scheduled` or `published`. Editors, admins and
/// `write` API tokens. Honors `If-Match`. The body may be empty or `{}`.
#[utoipa::path(
    tag = "articles",
    params(("id" = String, Path, description = "The article's id", format = Uuid, pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    request_body(content = Option<EmptyBody>, description = "Optional; empty or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, now archived", body = ArticleResponse),
        (status = 400, description = "Bad JSON or id"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors and read tokens may not archive"),
        (status = 404, description = "No article the caller may see has that id"),
        (status = 409, description = "Already archived (`invalid_transition`)"),
        (status = 412, description = "`If-Match` does not match the current version"),
        (status = 422, description = "An unknown field"),
    )
)]
#[post("/articles/{id}/archive")]
pub async fn archive_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    precondition: IfMatch,
    OptionalJson(_body): OptionalJson<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    act(state, caller, path, precondition, Action::Archive).await
}
