//! HTTP handlers for `/api/v1/authors`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::authors::model::{AuthorChangeset, AuthorSort, NewAuthor};
use crate::authors::service;
use crate::domain::Code;
use crate::domain::Role;
use crate::domain::caller::{Caller, Staff};
use crate::domain::page::PageRequest;
use crate::http::extract::{Id, Json, Key, MergePatch, Query};
use crate::http::pagination;
use crate::http::state::AppState;
use crate::http::wire::authors::{
    AuthorList, AuthorListQuery, AuthorResponse, BIO_MAX, CreateAuthor, DeleteAuthorQuery,
    NAME_MAX, UpdateAuthor,
};
use crate::http::{ApiError, FieldError};
use crate::validate::{self, Fields};

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
    let page = PageRequest::new(query.limit, query.cursor, query.with_total)?;
    let q = name_query(query.q.as_deref())?;
    let sort = query.sort.unwrap_or(AuthorSort::Name);
    let page = service::list(&state.ctx, q, sort, page).await?;
    let staff = sees_private(&caller);
    let page = page.map(|a| AuthorResponse::new(a, staff));
    Ok(pagination::page(HttpResponse::Ok(), &req, page))
}

/// `q`: part of a name, not blank.
fn name_query(q: Option<&str>) -> Result<Option<String>, ApiError> {
    match q.map(str::trim) {
        Some("") => Err(ApiError::invalid_query(vec![FieldError::new(
            "q",
            Code::InvalidValue,
            "q must not be empty",
        )])),
        Some(q) if q.chars().count() > NAME_MAX => {
            Err(ApiError::invalid_query(vec![FieldError::new(
                "q",
                Code::TooLong,
                format!("q must be at most {NAME_MAX} characters"),
            )]))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// Get an author
///
/// By id or by slug.
#[utoipa::path(
    tag = "authors",
    params(("id_or_slug" = String, Path, description = "The author's id or slug",
        max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "maria-lopez")),
    responses(
        (status = 200, description = "The author", body = AuthorResponse),
        (status = 400, description = "The path segment is neither an id nor a slug"),
        (status = 404, description = "No author has that id or slug"),
    )
)]
#[get("/authors/{id_or_slug}")]
pub async fn get_author(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
) -> Result<HttpResponse, ApiError> {
    let author = service::get(&state.ctx, key).await?;
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
    let mut v = Fields::new();
    let e = v.errors();
    let new = NewAuthor {
        name: validate::single_line("name", &body.name, NAME_MAX, e).unwrap_or_default(),
        slug: body.slug.and_then(|s| validate::slug("slug", &s, e)),
        bio: body
            .bio
            .and_then(|b| validate::multi_line("bio", &b, BIO_MAX, e)),
        avatar_url: body
            .avatar_url
            .and_then(|u| validate::url("avatar_url", &u, e)),
        website: body.website.and_then(|u| validate::url("website", &u, e)),
        email: body.email.and_then(|m| validate::email("email", &m, e)),
    };
    let author = service::create(&state.ctx, &caller, v.finish(new)?).await?;
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
    let mut v = Fields::new();
    let changes = AuthorChangeset {
        name: v.keep("name", body.name, |n, e| {
            validate::single_line("name", &n, NAME_MAX, e)
        }),
        slug: v.keep("slug", body.slug, |s, e| validate::slug("slug", &s, e)),
        bio: v.clear(body.bio, |b, e| validate::multi_line("bio", &b, BIO_MAX, e)),
        avatar_url: v.clear(body.avatar_url, |u, e| validate::url("avatar_url", &u, e)),
        website: v.clear(body.website, |u, e| validate::url("website", &u, e)),
        email: v.clear(body.email, |m, e| validate::email("email", &m, e)),
        ..AuthorChangeset::default()
    };
    let author = service::update(&state.ctx, &caller, key, v.finish(changes)?).await?;
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
    let reassign_to = match query.reassign_to.as_deref() {
        None => None,
        Some(raw) => Some(Id::parse(raw).map_err(|_| {
            ApiError::invalid_query(vec![FieldError::new(
                "reassign_to",
                Code::InvalidFormat,
                "reassign_to must be an author id",
            )])
        })?),
    };
    let reassign_to = reassign_to.map(|Id(id)| id);
    service::delete(&state.ctx, &caller, key, reassign_to).await?;
    Ok(HttpResponse::NoContent().finish())
}
