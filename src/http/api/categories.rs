//! HTTP handlers for `/api/v1/categories`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};

use crate::categories::model::Category;
use crate::categories::service;
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
use crate::http::wire::categories::{
    CategoryList, CategoryListQuery, CategoryResponse, CreateCategory, UpdateCategory,
};

/// List categories
///
/// Categories in slug order, a page at a time. Follow `meta.next_cursor` (or the `Link`
/// header) for the next page.
#[utoipa::path(
    tag = "categories",
    params(CategoryListQuery),
    responses(
        (status = 200, description = "A page of categories", body = CategoryList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "An unknown or invalid query parameter"),
    )
)]
#[get("/categories")]
pub async fn list_categories(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Query(query): Query<CategoryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let parent = query.parent();
    let page = PageRequest::new(query.limit, query.cursor, query.with_total)?;
    let updated_after = query.updated_after.map(|t| t.naive_utc());
    let page = service::list(&state.ctx, parent?, updated_after, page).await?;
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    cache::allow_public_list(&mut builder, &caller, None);
    Ok(pagination::page(
        builder,
        &req,
        page.map(CategoryResponse::from),
    ))
}

/// Get a category
///
/// By id or by slug. An old slug (the category was renamed) answers `301` to the current one.
#[utoipa::path(
    tag = "categories",
    params(("id_or_slug" = String, Path, description = "The category's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "market"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag`s of the copies you hold (`*` for any); if one is current the answer is a 304 with no body. A value that is not a list of entity tags matches nothing.",
            example = "\"01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23.v3\"")),
    responses(
        (status = 200, description = "The category", body = CategoryResponse,
            headers(("ETag" = String, description = "Strong entity tag; changes with every change of the category"),
                ("Last-Modified" = String, description = "`updated_at` as an HTTP date"),
                ("Cache-Control" = String, description = "`public, max-age=…` for anonymous callers, else `private, no-store`"))),
        (status = 304, description = "`If-None-Match` matched: the copy you hold is current"),
        (status = 400, description = "The path segment is neither an id nor a slug"),
        (status = 301, description = "An old slug of the category: `Location` is its URL now (query kept)", body = Moved,
            headers(("Location" = String, description = "The same URL under the current slug"))),
        (status = 404, description = "No category has that id or slug"),
    )
)]
#[get("/categories/{id_or_slug}")]
pub async fn get_category(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    cached: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    let category = match service::get(&state.ctx, key).await? {
        Lookup::Found(category) => category,
        Lookup::Moved(slug) => {
            let mut builder = HttpResponse::MovedPermanently();
            cache_headers(&mut builder, &caller, state.cache_max_age);
            return Ok(moved(builder, &req, "/api/v1/categories", &slug));
        }
    };
    // A category reads the same to everyone: one tag, whoever asks.
    let tag = stamp_tag(&category.id, category.updated_at, "");
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    if let Some(not_modified) = validators(&mut builder, &tag, category.updated_at, &cached) {
        return Ok(not_modified);
    }
    cache::allow_public(&mut builder, &caller, vec![category.id.clone()], None);
    Ok(builder.json(CategoryResponse::from(category)))
}

/// A category as written, with its tag and no caching.
fn written(mut builder: HttpResponseBuilder, category: Category) -> HttpResponse {
    caching::written(
        &mut builder,
        &stamp_tag(&category.id, category.updated_at, ""),
    );
    builder.json(CategoryResponse::from(category))
}

/// Create a category
///
/// The slug is made from the name when absent. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "categories",
    request_body = CreateCategory,
    security(("bearer" = [])),
    responses(
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage categories"),
        (status = 201, description = "Created", body = CategoryResponse,
            headers(("Location" = String, description = "The new category's URL"))),
        (status = 400, description = "The body is not valid JSON"),
        (status = 409, description = "The given slug is taken (`slug_taken`)"),
        (status = 413, description = "The body is over the size limit"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "A field is missing, unknown or invalid, or `parent_id` names no category"),
    )
)]
#[post("/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    Json(body): Json<CreateCategory>,
) -> Result<HttpResponse, ApiError> {
    let category = service::create(&state.ctx, &caller, body.check()?).await?;
    let mut builder = HttpResponse::Created();
    builder.insert_header((
        header::LOCATION,
        format!("/api/v1/categories/{}", category.id),
    ));
    Ok(written(builder, category))
}

/// Update a category
///
/// A JSON merge patch (`application/json` or `application/merge-patch+json`). Editors,
/// admins and `write` API tokens.
#[utoipa::path(
    tag = "categories",
    params(("id_or_slug" = String, Path, description = "The category's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "market"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read; the write happens only if it is still current",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    request_body(content = UpdateCategory, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage categories"),
        (status = 200, description = "The updated category", body = CategoryResponse,
            headers(("ETag" = String, description = "The new entity tag"))),
        (status = 400, description = "Bad JSON or path segment"),
        (status = 404, description = "No category has that id or slug"),
        (status = 412, description = "`If-Match` does not match the current category"),
        (status = 409, description = "The new slug is taken (`slug_taken`)"),
        (status = 413, description = "The body is over the size limit"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid, the parent does not exist, or the move would make a cycle"),
    )
)]
#[patch("/categories/{id_or_slug}")]
pub async fn update_category(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    Key(key): Key,
    precondition: IfMatch,
    MergePatch(body): MergePatch<UpdateCategory>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.check()?;
    let category = service::update(&state.ctx, &caller, key, precondition, changes).await?;
    Ok(written(HttpResponse::Ok(), category))
}

/// Delete a category
///
/// Refused with 409 while child categories or articles refer to it. Editors, admins and `write` API
/// tokens.
#[utoipa::path(
    tag = "categories",
    params(("id_or_slug" = String, Path, description = "The category's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "market"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read; the write happens only if it is still current",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    security(("bearer" = [])),
    responses(
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage categories"),
        (status = 204, description = "Deleted"),
        (status = 400, description = "The path segment is neither an id nor a slug"),
        (status = 404, description = "No category has that id or slug"),
        (status = 409, description = "Child categories (`category_has_children`) or articles (`category_in_use`) still refer to it"),
    )
)]
#[delete("/categories/{id_or_slug}")]
pub async fn delete_category(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    Key(key): Key,
    precondition: IfMatch,
) -> Result<HttpResponse, ApiError> {
    service::delete(&state.ctx, &caller, key, precondition).await?;
    Ok(HttpResponse::NoContent().finish())
}
