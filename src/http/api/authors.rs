//! HTTP handlers for `/api/v1/authors`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::auth::{Caller, Role, Staff};
use crate::authors::model::{self, Author, AuthorChangeset};
use crate::authors::repo::{self, After};
use crate::authors::service;
use crate::domain::Code;
use crate::http::extract::{IdOrSlug, Json, MergePatch, Patch, Query};
use crate::http::pagination::{self, ListMeta};
use crate::http::state::AppState;
use crate::http::wire::authors::{
    AuthorList, AuthorListQuery, AuthorResponse, AuthorSort, BIO_MAX, CreateAuthor,
    DeleteAuthorQuery, NAME_MAX, UpdateAuthor,
};
use crate::http::{ApiError, FieldError};
use crate::{slug, validate};

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
    let limit = pagination::limit(query.limit)?;
    let sort = query.sort.unwrap_or(AuthorSort::Name);
    let q = match query.q.as_deref().map(str::trim) {
        Some("") => {
            return Err(ApiError::invalid_query(vec![FieldError::new(
                "q",
                Code::InvalidValue,
                "q must not be empty",
            )]));
        }
        Some(q) if q.chars().count() > NAME_MAX => {
            return Err(ApiError::invalid_query(vec![FieldError::new(
                "q",
                Code::TooLong,
                format!("q must be at most {NAME_MAX} characters"),
            )]));
        }
        other => other.map(str::to_owned),
    };
    let after = match (&query.cursor, sort) {
        (None, _) => None,
        (Some(raw), AuthorSort::Name) => {
            let keys = pagination::decode_cursor(raw, "name", 2)?;
            let mut keys = keys.into_iter();
            match (keys.next(), keys.next()) {
                (Some(k), Some(id)) => Some(After::Name(k, id)),
                _ => return Err(pagination::invalid_cursor().into()),
            }
        }
        (Some(raw), AuthorSort::NewestFirst) => {
            let (at, id) = pagination::decode_created_cursor(raw, "-created")?;
            Some(After::Created(at, id))
        }
    };
    let with_total = query.with_total.unwrap_or(false);
    let (rows, total) = state
        .db(move |conn| {
            let rows = repo::list(conn, q.as_deref(), sort, after, limit)?;
            let total = if with_total {
                Some(repo::count(conn, q.as_deref())?)
            } else {
                None
            };
            Ok((rows, total))
        })
        .await?;
    let (rows, next_cursor) = pagination::split_page(rows, limit, |a: &Author| match sort {
        AuthorSort::Name => pagination::encode_cursor("name", &[&a.name_key, &a.id]),
        AuthorSort::NewestFirst => {
            pagination::encode_created_cursor("-created", a.created_at, &a.id)
        }
    });
    let staff = sees_private(&caller);
    let data: Vec<AuthorResponse> = rows
        .into_iter()
        .map(|a| AuthorResponse::new(a, staff))
        .collect();
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
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = IdOrSlug::parse(&path)?;
    let author = state.db(move |conn| repo::get(conn, &key)).await?;
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
    let mut errors = Vec::new();
    let name = validate::single_line("name", &body.name, NAME_MAX, &mut errors);
    let chosen = body
        .slug
        .as_deref()
        .map(|s| validate::slug("slug", s, &mut errors));
    let bio = body
        .bio
        .as_deref()
        .map(|b| validate::multi_line("bio", b, BIO_MAX, &mut errors));
    let avatar_url = body
        .avatar_url
        .as_deref()
        .map(|u| validate::url("avatar_url", u, &mut errors));
    let website = body
        .website
        .as_deref()
        .map(|u| validate::url("website", u, &mut errors));
    let email = body
        .email
        .as_deref()
        .map(|e| crate::validate::email("email", e, &mut errors));
    let (Some(name), true) = (name, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let chosen_slug = chosen.is_some();
    let slug = match chosen.flatten() {
        Some(s) => s,
        None => slug::from_title(&name, slug::MAX_LEN).unwrap_or_else(|| "author".to_owned()),
    };
    let now = crate::now();
    let row = Author {
        id: uuid::Uuid::now_v7().to_string(),
        slug,
        name_key: model::name_key(&name),
        name,
        bio: bio.flatten(),
        avatar_url: avatar_url.flatten(),
        website: website.flatten(),
        email: email.flatten(),
        created_at: now,
        updated_at: now,
    };
    let author = state
        .write(caller.actor(), move |tx| {
            service::create(tx, row, chosen_slug)
        })
        .await?;
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
    path: web::Path<String>,
    MergePatch(body): MergePatch<UpdateAuthor>,
) -> Result<HttpResponse, ApiError> {
    let key = IdOrSlug::parse(&path)?;
    let mut errors = Vec::new();
    let mut changes = AuthorChangeset::default();
    let required = |field: &str| {
        FieldError::new(
            field,
            Code::Required,
            format!("{field} cannot be null; leave it out to keep it"),
        )
    };
    match body.name {
        Patch::Absent => {}
        Patch::Null => errors.push(required("name")),
        Patch::Value(v) => changes.name = validate::single_line("name", &v, NAME_MAX, &mut errors),
    }
    match body.slug {
        Patch::Absent => {}
        Patch::Null => errors.push(required("slug")),
        Patch::Value(v) => changes.slug = validate::slug("slug", &v, &mut errors),
    }
    changes.bio = optional(body.bio, &mut errors, |v, e| {
        validate::multi_line("bio", v, BIO_MAX, e)
    });
    changes.avatar_url = optional(body.avatar_url, &mut errors, |v, e| {
        validate::url("avatar_url", v, e)
    });
    changes.website = optional(body.website, &mut errors, |v, e| {
        validate::url("website", v, e)
    });
    changes.email = optional(body.email, &mut errors, |v, e| {
        crate::validate::email("email", v, e)
    });
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let now = crate::now();
    let author = state
        .write(caller.actor(), move |tx| {
            service::update(tx, &key, changes, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AuthorResponse::new(author, sees_private(&caller))))
}

/// A merge-patch field that may be cleared: absent → leave, null → clear, value → check.
pub fn optional(
    patch: Patch<String>,
    errors: &mut Vec<FieldError>,
    check: impl FnOnce(&str, &mut Vec<FieldError>) -> Option<String>,
) -> Option<Option<String>> {
    match patch {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(v) => check(&v, errors).map(Some),
    }
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
    path: web::Path<String>,
    Query(query): Query<DeleteAuthorQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = IdOrSlug::parse(&path)?;
    let reassign_to = match query.reassign_to.as_deref() {
        None => None,
        Some(raw) => Some(crate::http::api::users::parse_id(raw).map_err(|_| {
            ApiError::invalid_query(vec![FieldError::new(
                "reassign_to",
                Code::InvalidFormat,
                "reassign_to must be an author id",
            )])
        })?),
    };
    let now = crate::now();
    state
        .write(caller.actor(), move |tx| {
            service::delete(tx, &key, reassign_to.as_deref(), now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
