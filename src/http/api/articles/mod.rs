//! HTTP handlers for `/api/v1/articles`: each reads the request, asks
//! [`crate::articles::service`], and shapes the answer (`fields`, `include`, cache headers,
//! entity tags).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};

use crate::articles::model::Article;
use crate::articles::service::{self, Action, Listing};
use crate::domain::Lookup;
use crate::domain::Role;
use crate::domain::caller::Caller;
use crate::http::ApiError;
use crate::http::cache;
use crate::http::caching::{self, cache_headers, validators};
use crate::http::docs::{IdOrSlugPath, IfMatchHeader, IfNoneMatchHeader};
use crate::http::extract::{IfMatch, IfNoneMatch, Json, Key, MergePatch, OptionalJson, Query};
use crate::http::pagination::{self, PageQuery, Paging};
use crate::http::redirect::{Moved, moved};
use crate::http::state::AppState;
use crate::http::wire::articles::{
    ArticleGetQuery, ArticleList, ArticleListQuery, ArticleResponse, CreateArticle, EmptyBody,
    PublishArticle, UpdateArticle,
};
use crate::http::wire::media::SocialImage;
use crate::http::wire::notes::{ReturnArticle, SubmitArticle};

pub mod corrections;
pub mod locks;
pub mod notes;
pub mod previews;
mod query;
mod shape;
pub mod translations;

use query::list_request;
use shape::{Shape, list_item};

/// Editors and admins see authors' private fields.
pub(super) fn sees_private(caller: &Caller) -> bool {
    matches!(caller.role(), Some(Role::Editor | Role::Admin))
}

/// List articles
///
/// Newest first by default. Without `status` the list holds what the public may see:
/// published articles, and scheduled ones whose time has come.
#[utoipa::path(
    tag = "articles",
    params(ArticleListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of articles", body = ArticleList,
            headers(("Cache-Control" = String, description = "`public, max-age=…` for anonymous callers, else `private, no-store`"))),
        (status = 401, description = "A `status` other than `published` without credentials, or invalid credentials"),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Query(query): Query<ArticleListQuery>,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let (request, shape) = list_request(query, page, &caller, state.search)?;
    let Listing {
        page,
        mut bodies,
        related,
        changes_at,
        mut depends,
    } = service::list(&state.ctx, &caller, request).await?;
    let staff = sees_private(&caller);
    let live = caller.0.is_some().then(|| state.ctx.now());
    depends.extend(page.items.iter().map(|(a, _)| a.id.to_string()));
    for (a, _) in &page.items {
        depends.extend(shape.translation_resources(a.translation_group.as_deref(), &related));
    }
    let page = page.map(|item| list_item(item, &mut bodies, &related, &shape, staff, live));
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    cache::allow_public_stories(&mut builder, &caller, changes_at, depends);
    Ok(pagination::page(builder, &req, page))
}

pub(super) fn etag(article: &Article, variant: &str) -> String {
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
    params(IdOrSlugPath,
        IfNoneMatchHeader,
        ArticleGetQuery),
    responses(
        (status = 200, description = "The article (with `fields`, only the fields named: an `ArticleFields`)", body = ArticleResponse,
            headers(("Content-Language" = String, description = "The story's `locale`"))),
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
    let mut variant = shape.variant(caller.0.is_none(), &article, &related);
    // A lock is no part of the version: staff copies differ by it all the same.
    if let Some(lock) = related.locks.get(&article.id) {
        let sep = if variant.is_empty() { "" } else { "-" };
        let mark = lock.expires_at.and_utc().timestamp_micros();
        variant = format!("{variant}{sep}l{mark}");
    }
    let tag = etag(&article, &variant);
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    builder.insert_header((header::CONTENT_LANGUAGE, article.locale.clone()));
    if let Some(not_modified) = validators(&mut builder, &tag, article.updated_at, &cached) {
        return Ok(not_modified);
    }
    // The public sees it only while it is live: the answer holds until it expires.
    let mut resources = shape.resources(&article);
    let group = article.translation_group.as_deref();
    resources.extend(shape.translation_resources(group, &related));
    cache::allow_public(&mut builder, &caller, resources, article.unpublish_at);
    let live = caller
        .0
        .is_some()
        .then(|| service::is_live(&article.clone().into(), state.ctx.now()));
    let assignee = live.map(|_| article.assignee_id.clone().map(Into::into));
    let lock = live.map(|_| related.locks.get(&article.id).cloned().map(Into::into));
    let mut response = ArticleResponse::from(article);
    response.live = live;
    response.assignee_id = assignee;
    response.lock = lock;
    Ok(builder.json(shape.article(response, &related, staff)))
}

/// The article as written, with its `ETag` and `Location`.
pub async fn written(
    state: &AppState,
    mut builder: HttpResponseBuilder,
    article: Article,
) -> Result<HttpResponse, ApiError> {
    caching::written(&mut builder, &etag(&article, ""));
    builder.insert_header((header::CONTENT_LANGUAGE, article.locale.clone()));
    let live = service::is_live(&article.clone().into(), crate::domain::time::now());
    let assignee = article.assignee_id.clone().map(Into::into);
    let cover = match article.cover_media_id.clone() {
        Some(id) => state.media.shown(&state.ctx, id).await?,
        None => None,
    };
    let mut response = ArticleResponse::from(article);
    response.live = Some(live);
    response.assignee_id = Some(assignee);
    response.social_image = cover.as_ref().and_then(SocialImage::of);
    Ok(builder.json(response))
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
            headers(("ETag" = String, description = "Strong entity tag of the new article"))),
        (status = 403, description = "A read-only API token"),
        (status = 409, description = "The given slug is taken (`slug_taken`)"),
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
    written(&state, builder, article).await
}

/// Update an article
///
/// By id or slug. A JSON merge patch. Honors `If-Match`: a stale version answers 412 with the current
/// `version` and changes nothing. Authors may change only their own drafts.
#[utoipa::path(
    tag = "articles",
    params(IdOrSlugPath,
        IfMatchHeader),
    request_body(content = UpdateArticle, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated article", body = ArticleResponse),
        (status = 403, description = "Not allowed to change this article"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 423, description = "Another user holds the story's edit lock (`locked`); the problem's `lock` names them, `Retry-After` says when it runs out"),
        (status = 409, description = "The new slug is taken (`slug_taken`)"),
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
    written(&state, HttpResponse::Ok(), article).await
}

/// Delete an article
///
/// Honors `If-Match`. Authors may delete only their own drafts.
#[utoipa::path(
    tag = "articles",
    params(IdOrSlugPath,
        IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not allowed to delete this article"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 423, description = "Another user holds the story's edit lock (`locked`); the problem's `lock` names them, `Retry-After` says when it runs out"),
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
    written(&state, HttpResponse::Ok(), article).await
}

/// Publish an article
///
/// Publishes now, or at `publish_at`: a future time schedules it (public from that moment,
/// with no job needed), a past one back-dates it. From `draft`, `in_review`, `scheduled` or
/// `archived`; anything else is a 409 `invalid_transition`. Editors, admins and `write` API
/// tokens. Honors `If-Match`. The body may be empty.
#[utoipa::path(
    tag = "articles",
    params(IdOrSlugPath,
        IfMatchHeader),
    request_body(content = Option<PublishArticle>, description = "Optional; may be empty"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, now published or scheduled", body = ArticleResponse),
        (status = 403, description = "Authors and read tokens may not publish"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 423, description = "Another user holds the story's edit lock (`locked`); the problem's `lock` names them, `Retry-After` says when it runs out"),
        (status = 409, description = "Already published (`invalid_transition`)"),
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
    params(IdOrSlugPath,
        IfMatchHeader),
    request_body(content = Option<EmptyBody>, description = "Optional; empty or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, now a draft", body = ArticleResponse),
        (status = 403, description = "Authors and read tokens may not unpublish"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 423, description = "Another user holds the story's edit lock (`locked`); the problem's `lock` names them, `Retry-After` says when it runs out"),
        (status = 409, description = "Not published or scheduled (`invalid_transition`)"),
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

/// Submit an article for review
///
/// From `draft` to `in_review`: the story's author (authors: their own drafts), or editors,
/// admins and `write` tokens for them. An optional `note` joins the story's notes. While in
/// review the author may not change it; an editor publishes, schedules or returns it.
/// Honors `If-Match`. The body may be empty.
#[utoipa::path(
    tag = "articles",
    params(IdOrSlugPath,
        IfMatchHeader),
    request_body(content = Option<SubmitArticle>, description = "Optional; may be empty"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, now in review", body = ArticleResponse),
        (status = 403, description = "A read token, or an author and another's article"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 423, description = "Another user holds the story's edit lock (`locked`); the problem's `lock` names them, `Retry-After` says when it runs out"),
        (status = 409, description = "Not a draft (`invalid_transition`)"),
        (status = 422, description = "An unknown field, or a `note` that is empty, too long or holds control characters"),
    )
)]
#[post("/articles/{id_or_slug}/submit")]
pub async fn submit_article(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    precondition: IfMatch,
    OptionalJson(body): OptionalJson<SubmitArticle>,
) -> Result<HttpResponse, ApiError> {
    let note = body.check()?;
    let article =
        service::review(&state.ctx, &caller, key, precondition, Action::Submit, note).await?;
    written(&state, HttpResponse::Ok(), article).await
}

/// Return an article to its author
///
/// From `in_review` back to `draft`, with a `note` saying why, which joins the story's
/// notes. Editors, admins and `write` tokens. Honors `If-Match`.
#[utoipa::path(
    tag = "articles",
    params(IdOrSlugPath,
        IfMatchHeader),
    request_body = ReturnArticle,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, a draft again", body = ArticleResponse),
        (status = 403, description = "Authors and read tokens may not return"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 423, description = "Another user holds the story's edit lock (`locked`); the problem's `lock` names them, `Retry-After` says when it runs out"),
        (status = 409, description = "Not in review (`invalid_transition`)"),
        (status = 422, description = "`note` missing, empty, too long or holding control characters; or an unknown field"),
    )
)]
#[post("/articles/{id_or_slug}/return")]
pub async fn return_article(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    precondition: IfMatch,
    Json(body): Json<ReturnArticle>,
) -> Result<HttpResponse, ApiError> {
    let note = body.check()?;
    let action = Action::Return;
    let article =
        service::review(&state.ctx, &caller, key, precondition, action, Some(note)).await?;
    written(&state, HttpResponse::Ok(), article).await
}

/// Archive an article
///
/// Hidden from the public, from `draft`, `in_review`, `scheduled` or `published`. Editors,
/// admins and `write` API tokens. Honors `If-Match`. The body may be empty or `{}`.
#[utoipa::path(
    tag = "articles",
    params(IdOrSlugPath,
        IfMatchHeader),
    request_body(content = Option<EmptyBody>, description = "Optional; empty or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, now archived", body = ArticleResponse),
        (status = 403, description = "Authors and read tokens may not archive"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 423, description = "Another user holds the story's edit lock (`locked`); the problem's `lock` names them, `Retry-After` says when it runs out"),
        (status = 409, description = "Already archived (`invalid_transition`)"),
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
