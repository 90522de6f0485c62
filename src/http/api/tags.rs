//! HTTP handlers for `/api/v1/tags`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};

use crate::domain::Lookup;
use crate::domain::caller::{Caller, Staff};
use crate::domain::page::PageRequest;
use crate::http::ApiError;
use crate::http::cache;
use crate::http::caching::{self, cache_headers, stamp_tag, validators};
use crate::http::extract::{IfMatch, IfNoneMatch, Json, Key, MergePatch, Query};
use crate::http::pagination;
use crate::http::redirect::{Moved, moved};
use crate::http::state::AppState;
use crate::http::wire::tags::{CreateTag, TagList, TagListQuery, TagResponse, UpdateTag};
use crate::tags::model::{Tag, TagSort};
use crate::tags::repo::ListFilter;
use crate::tags::service;

/// List tags
///
/// By name, or most used first (`sort=-article_count`), a page at a time. Each tag carries
/// `article_count`: the articles the public can read now, whoever asks.
#[utoipa::path(
    tag = "tags",
    params(TagListQuery),
    responses(
        (status = 200, description = "A page of tags", body = TagList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "An unknown or invalid query parameter"),
    )
)]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Query(query): Query<TagListQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = ListFilter {
        q: query.name()?,
        updated_after: query.updated_after.map(|t| t.naive_utc()),
    };
    let sort = query.sort.unwrap_or(TagSort::Name);
    let page = PageRequest::new(query.limit, query.cursor, query.with_total)?;
    let listing = service::list(&state.ctx, filter, sort, page).await?;
    let page = listing.page.map(|(tag, count)| TagResponse {
        article_count: Some(count),
        ..TagResponse::from(tag)
    });
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    cache::allow_public_list(&mut builder, &caller, listing.changes_at);
    Ok(pagination::page(builder, &req, page))
}

/// Get a tag
///
/// By id or by slug. An old slug (the tag was renamed) answers `301` to the current one.
#[utoipa::path(
    tag = "tags",
    params(("id_or_slug" = String, Path, description = "The tag's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "oil"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag`s of the copies you hold (`*` for any); if one is current the answer is a 304 with no body. A value that is not a list of entity tags matches nothing.",
            example = "\"01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23.v3\"")),
    responses(
        (status = 200, description = "The tag", body = TagResponse,
            headers(("ETag" = String, description = "Strong entity tag; changes with every change of the tag"),
                ("Last-Modified" = String, description = "`updated_at` as an HTTP date"),
                ("Cache-Control" = String, description = "`public, max-age=…` for anonymous callers, else `private, no-store`"))),
        (status = 304, description = "`If-None-Match` matched: the copy you hold is current"),
        (status = 400, description = "The path segment is neither an id nor a slug"),
        (status = 301, description = "An old slug of the tag: `Location` is its URL now (query kept)", body = Moved,
            headers(("Location" = String, description = "The same URL under the current slug"))),
        (status = 404, description = "No tag has that id or slug"),
    )
)]
#[get("/tags/{id_or_slug}")]
pub async fn get_tag(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    cached: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    let tag = match service::get(&state.ctx, key).await? {
        Lookup::Found(tag) => tag,
        Lookup::Moved(slug) => {
            let mut builder = HttpResponse::MovedPermanently();
            cache_headers(&mut builder, &caller, state.cache_max_age);
            return Ok(moved(builder, &req, "/api/v1/tags", &slug));
        }
    };
    // A tag reads the same to everyone: one entity tag, whoever asks.
    let etag = stamp_tag(&tag.id, tag.updated_at, "");
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    if let Some(not_modified) = validators(&mut builder, &etag, tag.updated_at, &cached) {
        return Ok(not_modified);
    }
    cache::allow_public(&mut builder, &caller, vec![tag.id.clone()], None);
    Ok(builder.json(TagResponse::from(tag)))
}

/// A tag as written, with its entity tag and no caching.
fn written(mut builder: HttpResponseBuilder, tag: Tag) -> HttpResponse {
    caching::written(&mut builder, &stamp_tag(&tag.id, tag.updated_at, ""));
    builder.json(TagResponse::from(tag))
}

/// Create a tag
///
/// The slug is made from the name when absent. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "tags",
    request_body = CreateTag,
    security(("bearer" = [])),
    responses(
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage tags"),
        (status = 201, description = "Created", body = TagResponse,
            headers(("Location" = String, description = "The new tag's URL"))),
        (status = 400, description = "The body is not valid JSON"),
        (status = 409, description = "The given slug is taken (`slug_taken`)"),
        (status = 413, description = "The body is over the size limit"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "A field is missing, unknown or invalid"),
    )
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    Json(body): Json<CreateTag>,
) -> Result<HttpResponse, ApiError> {
    let tag = service::create(&state.ctx, &caller, body.check()?).await?;
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("/api/v1/tags/{}", tag.id)));
    Ok(written(builder, tag))
}

/// Update a tag
///
/// A JSON merge patch (`application/json` or `application/merge-patch+json`). Editors,
/// admins and `write` API tokens.
#[utoipa::path(
    tag = "tags",
    params(("id_or_slug" = String, Path, description = "The tag's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "oil"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read; the write happens only if it is still current",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    request_body(content = UpdateTag, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage tags"),
        (status = 200, description = "The updated tag", body = TagResponse,
            headers(("ETag" = String, description = "The new entity tag"))),
        (status = 400, description = "Bad JSON or path segment"),
        (status = 404, description = "No tag has that id or slug"),
        (status = 412, description = "`If-Match` does not match the current tag"),
        (status = 409, description = "The new slug is taken (`slug_taken`)"),
        (status = 413, description = "The body is over the size limit"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid"),
    )
)]
#[patch("/tags/{id_or_slug}")]
pub async fn update_tag(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    Key(key): Key,
    precondition: IfMatch,
    MergePatch(body): MergePatch<UpdateTag>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.check()?;
    let tag = service::update(&state.ctx, &caller, key, precondition, changes).await?;
    Ok(written(HttpResponse::Ok(), tag))
}

/// Delete a tag
///
/// Takes the tag off every article that carries it (each gets a new version, an
/// `article.updated` event and a revision), then deletes it. Editors, admins and `write` API
/// tokens.
#[utoipa::path(
    tag = "tags",
    params(("id_or_slug" = String, Path, description = "The tag's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "oil"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read; the write happens only if it is still current",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    security(("bearer" = [])),
    responses(
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage tags"),
        (status = 204, description = "Deleted"),
        (status = 400, description = "The path segment is neither an id nor a slug"),
        (status = 404, description = "No tag has that id or slug"),
        (status = 412, description = "`If-Match` does not match the current tag"),
    )
)]
#[delete("/tags/{id_or_slug}")]
pub async fn delete_tag(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    Key(key): Key,
    precondition: IfMatch,
) -> Result<HttpResponse, ApiError> {
    service::delete(&state.ctx, &caller, key, precondition).await?;
    Ok(HttpResponse::NoContent().finish())
}
