//! HTTP handlers for `/api/v1/users` (admins; users may read and change parts of themselves).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::domain::caller::{Admin, SignedIn};
use crate::http::ApiError;
use crate::http::client::client_ip;
use crate::http::docs::IdPath;
use crate::http::extract::{Id, Json, MergePatch};
use crate::http::pagination::{self, PageQuery, Paging};
use crate::http::state::AppState;
use crate::http::wire::users::{CreateUser, UpdateUser, UserList, UserResponse};
use crate::users::model::UserPatch;
use crate::users::service;

/// List users
///
/// In creation order. Admins only.
#[utoipa::path(
    tag = "users",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = UserList),
        (status = 403, description = "Not an admin"),
    )
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state.ctx, page).await?;
    Ok(pagination::page(
        HttpResponse::Ok(),
        &req,
        page.map(UserResponse::from),
    ))
}

/// Get a user
///
/// Admins may read any user; other users only themselves.
#[utoipa::path(
    tag = "users",
    params(IdPath),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserResponse),
        (status = 403, description = "Another user's record, and not an admin"),
        (status = 404, description = "No user has that id"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: SignedIn,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    let user = service::get_for(&state.ctx, &caller, id.into()).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Create a user
///
/// Admins only. The password is hashed with argon2id and never returned.
#[utoipa::path(
    tag = "users",
    request_body = CreateUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UserResponse),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "The email is taken (`email_taken`)"),
        (status = 422, description = "A field is missing, unknown or invalid"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    admin: Admin,
    Json(body): Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let new = body.check()?;
    let user = service::create(&state.ctx, &state.auth, admin.actor(), new).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", user.id)))
        .json(UserResponse::from(user)))
}

/// Update a user
///
/// A JSON merge patch. Admins may change any user and any field; other users may change
/// their own `email`, `password` and `display_name` only (`role` or `author_id` is a 422).
/// Changing your own email or password needs `current_password` (checked within the same
/// per-account and per-address budgets as logins: 429 past them), and nobody changes their own role,
/// so an account cannot be taken over or locked out with a stolen access token alone.
/// A new password or role ends every session of the user.
#[utoipa::path(
    tag = "users",
    params(IdPath),
    request_body(content = UpdateUser, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated user", body = UserResponse),
        (status = 403, description = "Another user's record, and not an admin"),
        (status = 404, description = "No user has that id"),
        (status = 409, description = "The email is taken, or this would remove the last admin"),
        (status = 422, description = "A field is invalid or may not be set by the caller"),
        (status = 429, description = "Too many wrong `current_password`s (`rate_limited`)",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many password checks are waiting (`busy`)",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: SignedIn,
    Id(id): Id,
    MergePatch(body): MergePatch<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let address = client_ip(&req);
    let patch = UserPatch::from(body);
    let user = service::update(&state.ctx, &state.auth, &caller, address, id.into(), patch).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Delete a user
///
/// Admins only. Ends the user's sessions. Admins cannot delete themselves, and the last
/// admin cannot be deleted (409).
#[utoipa::path(
    tag = "users",
    params(IdPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No user has that id"),
        (status = 409, description = "Yourself (`cannot_delete_self`) or the only admin (`last_admin`)"),
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    admin: Admin,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    service::delete(&state.ctx, &admin.id, id.into()).await?;
    Ok(HttpResponse::NoContent().finish())
}
