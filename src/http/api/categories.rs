//! HTTP handlers for `/api/v1/categories`.

use actix_web::{HttpResponse, delete, get, patch, post, web};

use crate::categories::service;
use crate::domain::caller::Staff;
use crate::http::ApiError;
use crate::http::docs::{IdOrSlugPath, IfMatchHeader, IfNoneMatchHeader};
use crate::http::extract::{Json, Key, MergePatch, Query};
use crate::http::pagination::{PageQuery, Paging};
use crate::http::slugged::{self, Edit, Read};
use crate::http::state::AppState;
use crate::http::wire::categories::{
    CategoryList, CategoryListQuery, CategoryResponse, CreateCategory, UpdateCategory,
};
use crate::http::wire::translations::{LocaleQuery, one_locale};

/// List categories
///
/// Categories in slug order, a page at a time. Follow `meta.next_cursor` (or the `Link`
/// header) for the next page.
#[utoipa::path(
    tag = "categories",
    params(CategoryListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of categories", body = CategoryList),
    )
)]
#[get("/categories")]
pub async fn list_categories(
    read: Read,
    Query(query): Query<CategoryListQuery>,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let updated_after = query.updated_after.map(|t| t.naive_utc());
    let locale = one_locale(query.locale.as_deref())?;
    let page = service::list(&read.state.ctx, query.parent()?, updated_after, page).await?;
    let page = page.map(|c| {
        let body = CategoryResponse::from(c);
        match &locale {
            Some(locale) => body.localized(locale),
            None => body,
        }
    });
    Ok(read.page(page, None))
}

/// Get a category
///
/// By id or by slug. An old slug (the category was renamed) answers `301` to the current one.
#[utoipa::path(
    tag = "categories",
    params(IdOrSlugPath, IfNoneMatchHeader, LocaleQuery),
    responses(
        (status = 200, description = "The category", body = CategoryResponse),
        (status = 404, description = "No category has that id or slug"),
    )
)]
#[get("/categories/{id_or_slug}")]
pub async fn get_category(
    read: Read,
    Key(key): Key,
    Query(query): Query<LocaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let locale = one_locale(query.locale.as_deref())?;
    let found = service::get(&read.state.ctx, key).await?;
    Ok(read.found_in(found, locale.as_deref()))
}

/// Create a category
///
/// The slug is made from the name when absent. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "categories",
    request_body = CreateCategory,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CategoryResponse),
        (status = 403, description = "Authors may not manage categories"),
        (status = 409, description = "The given slug is taken (`slug_taken`)"),
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
    Ok(slugged::created(category, &caller))
}

/// Update a category
///
/// A JSON merge patch (`application/json` or `application/merge-patch+json`). Editors,
/// admins and `write` API tokens.
#[utoipa::path(
    tag = "categories",
    params(IdOrSlugPath, IfMatchHeader),
    request_body(content = UpdateCategory, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated category", body = CategoryResponse),
        (status = 403, description = "Authors may not manage categories"),
        (status = 404, description = "No category has that id or slug"),
        (status = 409, description = "The new slug is taken (`slug_taken`)"),
        (status = 422, description = "A field is invalid, the parent does not exist, or the move would make a cycle"),
    )
)]
#[patch("/categories/{id_or_slug}")]
pub async fn update_category(
    edit: Edit<Staff>,
    MergePatch(body): MergePatch<UpdateCategory>,
) -> Result<HttpResponse, ApiError> {
    let (Staff(caller), ctx) = (&edit.caller, &edit.state.ctx);
    let changes = body.check()?;
    let category = service::update(ctx, caller, edit.key, edit.precondition, changes).await?;
    Ok(slugged::written(HttpResponse::Ok(), category, caller))
}

/// Delete a category
///
/// Refused with 409 while child categories or articles refer to it. Editors, admins and `write` API
/// tokens.
#[utoipa::path(
    tag = "categories",
    params(IdOrSlugPath, IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Authors may not manage categories"),
        (status = 404, description = "No category has that id or slug"),
        (status = 409, description = "Child categories (`category_has_children`) or articles (`category_in_use`) still refer to it"),
    )
)]
#[delete("/categories/{id_or_slug}")]
pub async fn delete_category(edit: Edit<Staff>) -> Result<HttpResponse, ApiError> {
    let (Staff(caller), ctx) = (&edit.caller, &edit.state.ctx);
    service::delete(ctx, caller, edit.key, edit.precondition).await?;
    Ok(HttpResponse::NoContent().finish())
}
