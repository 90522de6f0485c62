//! HTTP handlers for `/api/v1/authors`.

use actix_web::{HttpResponse, delete, get, patch, post, web};

use crate::authors::model::AuthorSort;
use crate::authors::service;
use crate::domain::caller::Staff;
use crate::http::ApiError;
use crate::http::docs::{IdOrSlugPath, IfMatchHeader, IfNoneMatchHeader};
use crate::http::extract::{Json, Key, MergePatch, Query};
use crate::http::pagination::{PageQuery, Paging};
use crate::http::slugged::{self, Edit, Read};
use crate::http::state::AppState;
use crate::http::wire::authors::{
    AuthorList, AuthorListQuery, AuthorResponse, CreateAuthor, DeleteAuthorQuery, UpdateAuthor,
    sees_private,
};

/// List authors
///
/// By name (ignoring case and accents) or newest first, a page at a time. `q` matches part
/// of the name, also ignoring case and accents.
#[utoipa::path(
    tag = "authors",
    params(AuthorListQuery, PageQuery),
    responses((status = 200, description = "A page of authors", body = AuthorList))
)]
#[get("/authors")]
pub async fn list_authors(
    read: Read,
    Query(query): Query<AuthorListQuery>,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let (name, sort) = (query.name()?, query.sort.unwrap_or(AuthorSort::Name));
    let updated_after = query.updated_after.map(|t| t.naive_utc());
    let page = service::list(&read.state.ctx, name, updated_after, sort, page).await?;
    let staff = sees_private(&read.caller);
    Ok(read.page(page.map(|a| AuthorResponse::new(a, staff)), None))
}

/// Get an author
///
/// By id or by slug. An old slug (the author was renamed) answers `301` to the current one.
#[utoipa::path(
    tag = "authors",
    params(IdOrSlugPath, IfNoneMatchHeader),
    responses(
        (status = 200, description = "The author", body = AuthorResponse),
        (status = 404, description = "No author has that id or slug"),
    )
)]
#[get("/authors/{id_or_slug}")]
pub async fn get_author(read: Read, Key(key): Key) -> Result<HttpResponse, ApiError> {
    let found = service::get(&read.state.ctx, key).await?;
    Ok(read.found(found))
}

/// Create an author
///
/// The slug is made from the name when absent. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "authors",
    request_body = CreateAuthor,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = AuthorResponse),
        (status = 403, description = "Authors may not manage bylines"),
        (status = 409, description = "The given slug is taken (`slug_taken`)"),
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
    Ok(slugged::created(author, &caller))
}

/// Update an author
///
/// A JSON merge patch. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "authors",
    params(IdOrSlugPath, IfMatchHeader),
    request_body(content = UpdateAuthor, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated author", body = AuthorResponse),
        (status = 403, description = "Authors may not manage bylines"),
        (status = 404, description = "No author has that id or slug"),
        (status = 409, description = "The new slug is taken (`slug_taken`)"),
        (status = 422, description = "A field is invalid"),
    )
)]
#[patch("/authors/{id_or_slug}")]
pub async fn update_author(
    edit: Edit<Staff>,
    MergePatch(body): MergePatch<UpdateAuthor>,
) -> Result<HttpResponse, ApiError> {
    let (Staff(caller), ctx) = (&edit.caller, &edit.state.ctx);
    let changes = body.check()?;
    let author = service::update(ctx, caller, edit.key, edit.precondition, changes).await?;
    Ok(slugged::written(HttpResponse::Ok(), author, caller))
}

/// Delete an author
///
/// Refused with 409 (`author_in_use`) while articles carry the byline, unless
/// `reassign_to` names another author: the articles then move to them first, in the same
/// transaction. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "authors",
    params(IdOrSlugPath, IfMatchHeader, DeleteAuthorQuery),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Bad path segment, or `reassign_to` names no other author"),
        (status = 403, description = "Authors may not manage bylines"),
        (status = 404, description = "No author has that id or slug"),
        (status = 409, description = "Articles carry this byline (`author_in_use`)"),
    )
)]
#[delete("/authors/{id_or_slug}")]
pub async fn delete_author(
    edit: Edit<Staff>,
    Query(query): Query<DeleteAuthorQuery>,
) -> Result<HttpResponse, ApiError> {
    let (Staff(caller), ctx) = (&edit.caller, &edit.state.ctx);
    let reassign_to = query.reassign_to()?;
    service::delete(ctx, caller, edit.key, edit.precondition, reassign_to).await?;
    Ok(HttpResponse::NoContent().finish())
}
