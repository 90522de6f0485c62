//! HTTP handlers for `/api/v1/users` (admins; users may read and change parts of themselves).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::auth::{Admin, SignedIn, forbidden, password};
use crate::domain::{Code, Error};
use crate::http::api::auth::{password_unavailable, verify_within_budget};
use crate::http::client::client_ip;
use crate::http::extract::{Json, MergePatch, Patch, Query};
use crate::http::pagination::{self, PageQuery};
use crate::http::state::AppState;
use crate::http::wire::users::{CreateUser, DISPLAY_NAME_MAX, UpdateUser, UserList, UserResponse};
use crate::http::{ApiError, FieldError};
use crate::users::model::{NewUser, UserChangeset};
use crate::users::repo;
use crate::users::service;
use crate::validate;
use crate::write::Actor;

/// List users
///
/// In creation order. Admins only.
#[utoipa::path(
    tag = "users",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = UserList,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "An unknown or invalid query parameter"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Not an admin"),
    )
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    pagination::creation_order_page(
        &req,
        &state,
        query,
        repo::list,
        repo::count,
        |u| (u.created_at, &u.id),
        UserResponse::from,
    )
    .await
}

/// Get a user
///
/// Admins may read any user; other users only themselves.
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path, description = "The user's id", format = Uuid, pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserResponse),
        (status = 400, description = "The id is not a UUID"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Another user's record, and not an admin"),
        (status = 404, description = "No user has that id"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    allow_self_or_admin(&caller, &id)?;
    let user = state.db(move |conn| repo::get(conn, &id)).await?;
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
        (status = 201, description = "Created", body = UserResponse,
            headers(("Location" = String, description = "The new user's URL"))),
        (status = 400, description = "The body is not valid JSON"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "The email is taken (`email_taken`)"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "A field is missing, unknown or invalid"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    admin: Admin,
    Json(body): Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let email = validate::email("email", &body.email, &mut errors);
    let password = validate::check_password("password", &body.password, &mut errors);
    let display_name = validate::single_line(
        "display_name",
        &body.display_name,
        DISPLAY_NAME_MAX,
        &mut errors,
    );
    let author_id = body
        .author_id
        .as_deref()
        .map(|a| validate::id("author_id", a, &mut errors));
    let (Some(email), Some(password), Some(display_name), true) =
        (email, password, display_name, errors.is_empty())
    else {
        return Err(ApiError::validation(errors));
    };
    let password_hash = hash_off_thread(&state, password).await?;
    let now = crate::now();
    let row = NewUser {
        id: uuid::Uuid::now_v7().to_string(),
        email,
        password_hash,
        display_name,
        role: body.role,
        author_id: author_id.flatten(),
        token_version: 0,
        created_at: now,
        updated_at: now,
    };
    let user = state
        .write(admin.actor(), move |tx| service::create(tx, row))
        .await?;
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
    params(("id" = String, Path, description = "The user's id", format = Uuid, pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
    request_body(content = UpdateUser, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated user", body = UserResponse),
        (status = 400, description = "Bad JSON or id"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Another user's record, and not an admin"),
        (status = 404, description = "No user has that id"),
        (status = 409, description = "The email is taken, or this would remove the last admin"),
        (status = 415, description = "The body is not JSON"),
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
    path: web::Path<String>,
    MergePatch(body): MergePatch<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    allow_self_or_admin(&caller, &id)?;
    let is_admin = caller.role == crate::auth::Role::Admin;
    let is_self = caller.id == id;
    let mut errors = Vec::new();
    let mut changes = UserChangeset::default();
    let cannot_be_null = |field: &str| {
        FieldError::new(
            field,
            Code::Required,
            format!("{field} cannot be null; leave it out to keep it"),
        )
    };
    let mut new_password = None;
    match body.email {
        Patch::Absent => {}
        Patch::Null => errors.push(cannot_be_null("email")),
        Patch::Value(v) => changes.email = validate::email("email", &v, &mut errors),
    }
    match body.password {
        Patch::Absent => {}
        Patch::Null => errors.push(cannot_be_null("password")),
        Patch::Value(v) => new_password = validate::check_password("password", &v, &mut errors),
    }
    match body.display_name {
        Patch::Absent => {}
        Patch::Null => errors.push(cannot_be_null("display_name")),
        Patch::Value(v) => {
            changes.display_name =
                validate::single_line("display_name", &v, DISPLAY_NAME_MAX, &mut errors);
        }
    }
    let not_yours = |field: &str| {
        FieldError::new(
            field,
            Code::NotAllowed,
            format!("only admins may set {field}"),
        )
    };
    match body.role {
        Patch::Absent => {}
        _ if !is_admin => errors.push(not_yours("role")),
        _ if is_self => errors.push(FieldError::new(
            "role",
            Code::NotAllowed,
            "nobody may change their own role; ask another admin",
        )),
        Patch::Null => errors.push(cannot_be_null("role")),
        Patch::Value(role) => changes.role = Some(role),
    }
    match body.author_id {
        Patch::Absent => {}
        _ if !is_admin => errors.push(not_yours("author_id")),
        Patch::Null => changes.author_id = Some(None),
        Patch::Value(v) => {
            changes.author_id = validate::id("author_id", &v, &mut errors).map(Some);
        }
    }
    let current_password = match body.current_password {
        Patch::Value(v) => Some(v),
        _ => None,
    };
    // A stolen access token must not be enough to take the account over: the credentials
    // that let one sign in again need the password in use.
    let needs_password = is_self && (new_password.is_some() || changes.email.is_some());
    if needs_password && current_password.is_none() {
        errors.push(FieldError::new(
            "current_password",
            Code::Required,
            "changing your own email or password needs current_password",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if let (true, Some(given)) = (needs_password, current_password) {
        let user_id = id.clone();
        let current = state.db(move |conn| repo::get(conn, &user_id)).await?;
        let plausible = given.chars().count() <= password::MAX_LEN;
        let matches = plausible
            && verify_within_budget(
                &state,
                &current.email,
                client_ip(&req),
                given,
                current.password_hash,
            )
            .await?;
        if !matches {
            return Err(ApiError::invalid_field(
                "current_password",
                Code::Mismatch,
                "current_password is not the password in use",
            ));
        }
    }
    if let Some(password) = new_password {
        changes.password_hash = Some(hash_off_thread(&state, password).await?);
    }
    let now = crate::now();
    let user = state
        .write(Actor::User(caller.id.clone()), move |tx| {
            service::update(tx, &id, changes, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Delete a user
///
/// Admins only. Ends the user's sessions. Admins cannot delete themselves, and the last
/// admin cannot be deleted (409).
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path, description = "The user's id", format = Uuid, pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a UUID"),
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No user has that id"),
        (status = 409, description = "Yourself (`cannot_delete_self`) or the only admin (`last_admin`)"),
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    if id == admin.id {
        return Err(Error::new(
            Code::CannotDeleteSelf,
            "admins cannot delete their own account; ask another admin",
        )
        .into());
    }
    state
        .write(admin.actor(), move |tx| service::delete(tx, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn allow_self_or_admin(caller: &SignedIn, id: &str) -> Result<(), ApiError> {
    if caller.role == crate::auth::Role::Admin || caller.id == id {
        Ok(())
    } else {
        Err(forbidden("only admins may read or change other users").into())
    }
}

/// Reads a `{id}` path segment: a lowercase UUID.
pub fn parse_id(raw: &str) -> Result<String, ApiError> {
    match uuid::Uuid::try_parse(raw) {
        Ok(id) if raw.len() == 36 && !raw.bytes().any(|b| b.is_ascii_uppercase()) => {
            Ok(id.hyphenated().to_string())
        }
        _ => Err(ApiError::bad_request(
            Code::InvalidPath,
            format!("`{raw}` is not an id"),
        )),
    }
}

/// Hashes on the password thread: argon2id takes tens of milliseconds of CPU.
pub async fn hash_off_thread(state: &AppState, password: String) -> Result<String, ApiError> {
    state
        .auth
        .hasher
        .run(move || password::hash(&password))
        .await
        .map_err(password_unavailable)?
        .map_err(ApiError::internal)
}
