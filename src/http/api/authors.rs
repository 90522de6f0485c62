//! HTTP handlers for `/api/v1/authors`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};

use crate::authors::model::{Author, AuthorSort};
use crate::authors::service;
use crate::domain::Lookup;
use crate::domain::Role;
use crate::domain::caller::{Caller, Staff};
use crate::domain::page::PageRequest;
use crate::http::ApiError;
use crate::http::cache;
use crate::http::caching::{self, cache_headers, stamp_tag, validators};
use crate::http::extract::{IfMatch, IfNoneMatch, Json, Key, MergePatch, Query};
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
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    cache::allow_public_list(&mut builder, &caller, None);
    Ok(pagination::page(builder, &req, page))
}

/// Get an author
///
/// By id or by slug. An old slug (the author was renamed) answers `301` to the current one.
#[utoipa::path(
    tag = "authors",
    params(("id_or_slug" = String, Path, description = "The author's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "maria-lopez"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag`s of the copies you hold (`*` for any); if one is current the answer is a 304 with no body. A value that is not a list of entity tags matches nothing.",
            example = "\"01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23.v3\"")),
    responses(
        (status = 200, description = "The author", body = AuthorResponse,
            headers(("ETag" = String, description = "Strong entity tag; changes with every change of the author"),
                ("Last-Modified" = String, description = "`updated_at` as an HTTP date"),
                ("Cache-Control" = String, description = "`public, max-age=…` for anonymous callers, else `private, no-store`"))),
        (status = 304, description = "`If-None-Match` matched: the copy you hold is current"),
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
    cached: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    let author = match service::get(&state.ctx, key).await? {
        Lookup::Found(author) => author,
        Lookup::Moved(slug) => {
            let mut builder = HttpResponse::MovedPermanently();
            cache_headers(&mut builder, &caller, state.cache_max_age);
            return Ok(moved(builder, &req, "/api/v1/authors", &slug));
        }
    };
    let staff = sees_private(&caller);
    let tag = tag(&author, staff);
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    if let Some(not_modified) = validators(&mut builder, &tag, author.updated_at, &cached) {
        return Ok(not_modified);
    }
    cache::allow_public(&mut builder, &caller, vec![author.id.clone()], None);
    Ok(builder.json(AuthorResponse::new(author, staff)))
}

/// The author's entity tag as this caller reads it: with or without the private fields.
fn tag(author: &Author, staff: bool) -> String {
    stamp_tag(&author.id, author.updated_at, if staff { "" } else { "p" })
}

/// An author as written, as the same caller would read it, with its tag and no caching.
fn written(mut builder: HttpResponseBuilder, author: Author, caller: &Caller) -> HttpResponse {
    let staff = sees_private(caller);
    caching::written(&mut builder, &tag(&author, staff));
    builder.json(AuthorResponse::new(author, staff))
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
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("/api/v1/authors/{}", author.id)));
    Ok(written(builder, author, &caller))
}

/// Update an author
///
/// A JSON merge patch. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "authors",
    params(("id_or_slug" = String, Path, description = "The author's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "maria-lopez"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read; the write happens only if it is still current",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$")),
    request_body(content = UpdateAuthor, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated author", body = AuthorResponse,
            headers(("ETag" = String, description = "The new entity tag"))),
        (status = 400, description = "Bad JSON or path segment"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Authors may not manage bylines"),
        (status = 404, description = "No author has that id or slug"),
        (status = 412, description = "`If-Match` does not match the current author"),
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
    precondition: IfMatch,
    MergePatch(body): MergePatch<UpdateAuthor>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.check()?;
    let author = service::update(&state.ctx, &caller, key, precondition, changes).await?;
    Ok(written(HttpResponse::Ok(), author, &caller))
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
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read; the write happens only if it is still current",
            pattern = "^(\\*|(W/)?\"[^\"]*\"(\\s*,\\s*(W/)?\"[^\"]*\")*)$"),
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
    precondition: IfMatch,
    Query(query): Query<DeleteAuthorQuery>,
) -> Result<HttpResponse, ApiError> {
    let reassign_to = query.reassign_to()?;
    service::delete(&state.ctx, &caller, key, precondition, reassign_to).await?;
    Ok(HttpResponse::NoContent().finish())
}
