//! HTTP handlers for `/api/v1/categories`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::auth::{Caller, Staff};
use crate::categories::repo::{self, CreateInput, ListFilter, UpdateInput};
use crate::categories::service;
use crate::domain::Code;
use crate::http::extract::{IdOrSlug, Json, MergePatch, Patch, Query};
use crate::http::pagination::{self, ListMeta};
use crate::http::state::AppState;
use crate::http::wire::categories::{
    CategoryList, CategoryListQuery, CategoryResponse, CreateCategory, DESCRIPTION_MAX, NAME_MAX,
    UpdateCategory,
};
use crate::http::{ApiError, FieldError};
use crate::validate;

/// The cursor order tag of the category list.
const ORDER: &str = "slug";

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
    _caller: Caller,
    Query(query): Query<CategoryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let parent = query
        .parent
        .as_deref()
        .map(IdOrSlug::parse)
        .transpose()
        .map_err(|_| {
            ApiError::invalid_query(vec![FieldError::new(
                "parent",
                Code::InvalidValue,
                "parent must be a category id or slug",
            )])
        })?;
    let after = match &query.cursor {
        Some(raw) => pagination::decode_cursor(raw, ORDER, 1)?.into_iter().next(),
        None => None,
    };
    let with_total = query.with_total.unwrap_or(false);
    let (rows, total) = state
        .db(move |conn| {
            let parent_id = match &parent {
                None => None,
                Some(key) => match repo::find(conn, key)? {
                    Some(p) => Some(p.id),
                    // No such parent: nothing can be its child.
                    None => return Ok((Vec::new(), with_total.then_some(0))),
                },
            };
            let filter = ListFilter { parent_id };
            let rows = repo::list(conn, &filter, after.as_deref(), limit)?;
            let total = if with_total {
                Some(repo::count(conn, &filter)?)
            } else {
                None
            };
            Ok((rows, total))
        })
        .await?;
    let (rows, next_cursor) = pagination::split_page(rows, limit, |c| {
        pagination::encode_cursor(ORDER, &[&c.slug])
    });
    let data: Vec<CategoryResponse> = rows.into_iter().map(Into::into).collect();
    Ok(pagination::respond(
        &req,
        data,
        ListMeta {
            limit,
            next_cursor,
            total,
        },
    ))
}

/// Get a category
///
/// By id or by slug.
#[utoipa::path(
    tag = "categories",
    params(("id_or_slug" = String, Path, description = "The category's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "market")),
    responses(
        (status = 200, description = "The category", body = CategoryResponse),
        (status = 400, description = "The path segment is neither an id nor a slug"),
        (status = 404, description = "No category has that id or slug"),
    )
)]
#[get("/categories/{id_or_slug}")]
pub async fn get_category(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = IdOrSlug::parse(&path)?;
    let category = state.db(move |conn| repo::get(conn, &key)).await?;
    Ok(HttpResponse::Ok().json(CategoryResponse::from(category)))
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
    let input = validate_create(body)?;
    let now = crate::now();
    let category = state
        .write(caller.actor(), move |tx| service::create(tx, input, now))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/categories/{}", category.id),
        ))
        .json(CategoryResponse::from(category)))
}

/// Update a category
///
/// A JSON merge patch (`application/json` or `application/merge-patch+json`). Editors,
/// admins and `write` API tokens.
#[utoipa::path(
    tag = "categories",
    params(("id_or_slug" = String, Path, description = "The category's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "market")),
    request_body(content = UpdateCategory, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage categories"),
        (status = 200, description = "The updated category", body = CategoryResponse),
        (status = 400, description = "Bad JSON or path segment"),
        (status = 404, description = "No category has that id or slug"),
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
    path: web::Path<String>,
    MergePatch(body): MergePatch<UpdateCategory>,
) -> Result<HttpResponse, ApiError> {
    let key = IdOrSlug::parse(&path)?;
    let input = validate_update(body)?;
    let now = crate::now();
    let category = state
        .write(caller.actor(), move |tx| {
            service::update(tx, &key, input, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CategoryResponse::from(category)))
}

/// Delete a category
///
/// Refused with 409 while child categories or articles refer to it. Editors, admins and `write` API
/// tokens.
#[utoipa::path(
    tag = "categories",
    params(("id_or_slug" = String, Path, description = "The category's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "market")),
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
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = IdOrSlug::parse(&path)?;
    state
        .write(caller.actor(), move |tx| service::delete(tx, &key))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn validate_create(body: CreateCategory) -> Result<CreateInput, ApiError> {
    let mut errors = Vec::new();
    let name = validate::single_line("name", &body.name, NAME_MAX, &mut errors);
    let slug = body
        .slug
        .as_deref()
        .map(|s| validate::slug("slug", s, &mut errors));
    let description = body
        .description
        .as_deref()
        .map(|d| validate::multi_line("description", d, DESCRIPTION_MAX, &mut errors));
    let parent_id = body
        .parent_id
        .as_deref()
        .map(|p| validate::id("parent_id", p, &mut errors));
    match name {
        Some(name) if errors.is_empty() => Ok(CreateInput {
            name,
            slug: slug.flatten(),
            description: description.flatten(),
            parent_id: parent_id.flatten(),
        }),
        _ => Err(ApiError::validation(errors)),
    }
}

fn validate_update(body: UpdateCategory) -> Result<UpdateInput, ApiError> {
    let mut errors = Vec::new();
    let mut input = UpdateInput::default();
    let cannot_be_null = |field: &str| {
        FieldError::new(
            field,
            Code::Required,
            format!("{field} cannot be null; leave it out to keep it"),
        )
    };
    match body.name {
        Patch::Absent => {}
        Patch::Null => errors.push(cannot_be_null("name")),
        Patch::Value(v) => input.name = validate::single_line("name", &v, NAME_MAX, &mut errors),
    }
    match body.slug {
        Patch::Absent => {}
        Patch::Null => errors.push(cannot_be_null("slug")),
        Patch::Value(v) => input.slug = validate::slug("slug", &v, &mut errors),
    }
    match body.description {
        Patch::Absent => {}
        Patch::Null => input.description = Some(None),
        Patch::Value(v) => {
            input.description =
                validate::multi_line("description", &v, DESCRIPTION_MAX, &mut errors).map(Some);
        }
    }
    match body.parent_id {
        Patch::Absent => {}
        Patch::Null => input.parent_id = Some(None),
        Patch::Value(v) => input.parent_id = validate::id("parent_id", &v, &mut errors).map(Some),
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(ApiError::validation(errors))
    }
}
