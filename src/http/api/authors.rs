//! HTTP handlers for `/api/v1/authors`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::authors::model::AuthorSort;
use crate::authors::service;
use crate::domain::Lookup;
use crate::domain::Role;
use crate::domain::caller::{Caller, Staff};
use crate::domain::page::PageRequest;
use crate::http::ApiError;
use crate::http::extract::{Json, Key, MergePatch, Query};
use crate::http::pagination;
use crate::http::redirect::{Moved, moved};
use crate::http::state::AppState;
use crate::http::wire::authors::{
    AuthorList, AuthorListQuery, AuthorResponse, CreateAuthor, DeleteAuthorQuery, UpdateAuthor,
};

/// Editors and admins see private fields such as `email`.
fn sees_private(caller: &Caller) -> bool {
    matches!(caller.role(), Some(Role::Editor | Role::Admin))
}

/// List authors
///
/// By name (ignoring case and accents) or newest first, a page at a time. `q` matches part
/// of the name, also ignoring case and accents.
#[utoipa::path(
    tag = "authors",
    params(AuthorListQuery),
    responses(
        (status = 200, description = "A page of authors", body = AuthorList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "An unknown or invalid query parameter"),
    )
)]
#[get("/authors")]
pub async fn list_authors(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Query(query): Query<AuthorListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (name, sort) = (query.name(), query.sort.unwrap_or(AuthorSort::Name));
    let page = PageRequest::new(query.limit, query.cursor, query.with_total)?;
    let updated_after = query.updated_after.map(|t| t.naive_utc());
    let page = service::list(&state.ctx, name?, updated_after, sort, page).await?;
    let staff = sees_private(&caller);
    let page = page.map(|a| AuthorResponse::new(a, staff));
    Ok(pagination::page(HttpResponse::Ok(), &req, page))
}

/// Get an author
///
/// By id or by slug. An old slug (the author was renamed) answers `301` to the current one.
#[utoipa::path(
    tag = "authors",
    params(("id_or_slug" = String, Path, description = "The author's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "maria-lopez")),
    responses(
        (status = 200, description = "The author", body = AuthorResponse),
        (status = 400, description = "The path segment is neither an id nor a slug"),
        (status = 301, description = "An old slug of the author: `Location` is its URL now (query kept)", body = Moved,
            headers(("Location" = String, description = "The same URL under the current slug"))),
        (status = 404, description = "No author has that id or slug"),
    )
)]
#[get("/authors/{id_or_slug}")]
pub async fn get_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
) -> Result<HttpResponse, ApiError> {
    let author = match service::get(&state.ctx, key).await? {
        Lookup::Found(author) => author,
        Lookup::Moved(slug) => {
            return Ok(moved(
                HttpResponse::MovedPermanently(),
                &req,
                "/api/v1/authors",
                &slug,
            ));
        }
    };
    Ok(HttpResponse::Ok().json(AuthorResponse::new(author, sees_private(&caller))))
}

/// Create an author
///
/// The slug is made from the name when absent. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "authors",
    request_body = CreateAuthor,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = AuthorResponse,
            headers(("Location" = String, description = "The new author's URL"))),
        (status = 400, description = "The body is not valid JSON"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage bylines"),
        (status = 409, description = "The given slug is taken (`slug_taken`)"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "A field is missing, unknown or invalid"),
    )
)]
#[post("/authors")]
pub async fn create_author(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    Json(body): Json<CreateAuthor>,
) -> Result<HttpResponse, ApiError> {
    let author = service::create(&state.ctx, &caller, body.check()?).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/authors/{}", author.id)))
        .json(AuthorResponse::new(author, sees_private(&caller))))
}

/// Update an author
///
/// A JSON merge patch. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "authors",
    params(("id_or_slug" = String, Path, description = "The author's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "maria-lopez")),
    request_body(content = UpdateAuthor, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated author", body = AuthorResponse),
        (status = 400, description = "Bad JSON or path segment"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage bylines"),
        (status = 404, description = "No author has that id or slug"),
        (status = 409, description = "The new slug is taken (`slug_taken`)"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid"),
    )
)]
#[patch("/authors/{id_or_slug}")]
pub async fn update_author(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    Key(key): Key,
    MergePatch(body): MergePatch<UpdateAuthor>,
) -> Result<HttpResponse, ApiError> {
    let author = service::update(&state.ctx, &caller, key, body.check()?).await?;
    Ok(HttpResponse::Ok().json(AuthorResponse::new(author, sees_private(&caller))))
}

/// Delete an author
///
/// Refused with 409 (`author_in_use`) while articles carry the byline, unless
/// `reassign_to` names another author: the articles then move to them first, in the same
/// transaction. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "authors",
    params(("id_or_slug" = String, Path, description = "The author's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "maria-lopez"),
        DeleteAuthorQuery),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Bad path segment, or `reassign_to` names no other author"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage bylines"),
        (status = 404, description = "No author has that id or slug"),
        (status = 409, description = "Articles carry this byline (`author_in_use`)"),
    )
)]
#[delete("/authors/{id_or_slug}")]
pub async fn delete_author(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    Key(key): Key,
    Query(query): Query<DeleteAuthorQuery>,
) -> Result<HttpResponse, ApiError> {
    let reassign_to = query.reassign_to()?;
    service::delete(&state.ctx, &caller, key, reassign_to).await?;
    Ok(HttpResponse::NoContent().finish())
}
