//! HTTP handlers for `/api/v1/tokens` (admins only).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};

use crate::domain::caller::Admin;
use crate::http::ApiError;
use crate::http::docs::IdPath;
use crate::http::extract::{Id, Json};
use crate::http::pagination::{self, PageQuery, Paging};
use crate::http::state::AppState;
use crate::http::wire::tokens::{ApiTokenList, ApiTokenResponse, CreateApiToken, NAME_MAX};
use crate::tokens::service;
use crate::validate::{self, Fields};

/// Create an API token
///
/// The secret (`byl_…`) is in this answer only; the server keeps a hash. Send it as
/// `Authorization: Bearer byl_…`.
#[utoipa::path(
    tag = "tokens",
    request_body = CreateApiToken,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `token` holds the secret", body = ApiTokenResponse),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "`idempotency_key_unreplayable`: a retry under the `Idempotency-Key` of a request that succeeded; its secret is never kept"),
        (status = 422, description = "A field is missing, unknown or invalid, or `expires_at` is not in the future"),
    )
)]
#[post("/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    admin: Admin,
    Json(body): Json<CreateApiToken>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Fields::new();
    let name = validate::single_line("name", &body.name, NAME_MAX, v.errors());
    let name = v.finish(name.unwrap_or_default())?;
    let expires_at = body.expires_at.map(|t| t.naive_utc());
    let (row, secret) =
        service::create(&state.ctx, &admin.id, name, body.scope, expires_at).await?;
    Ok(
        crate::http::idempotency::carries_secret(&mut HttpResponse::Created())
            .insert_header((header::LOCATION, format!("/api/v1/tokens/{}", row.id)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(ApiTokenResponse::from_row(row, Some(secret))),
    )
}

/// List API tokens
///
/// In creation order, without their secrets. Admins only.
#[utoipa::path(
    tag = "tokens",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of tokens", body = ApiTokenList),
        (status = 403, description = "Not an admin"),
    )
)]
#[get("/tokens")]
pub async fn list_tokens(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state.ctx, page).await?;
    let page = page.map(|t| ApiTokenResponse::from_row(t, None));
    Ok(pagination::page(HttpResponse::Ok(), &req, page))
}

/// Get an API token
///
/// Without its secret. Admins only.
#[utoipa::path(
    tag = "tokens",
    params(IdPath),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token", body = ApiTokenResponse),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No token has that id"),
    )
)]
#[get("/tokens/{id}")]
pub async fn get_token(
    state: web::Data<AppState>,
    _admin: Admin,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    let row = service::get(&state.ctx, id).await?;
    Ok(HttpResponse::Ok().json(ApiTokenResponse::from_row(row, None)))
}

/// Revoke an API token
///
/// It stops working at once. Admins only.
#[utoipa::path(
    tag = "tokens",
    params(IdPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No token has that id"),
    )
)]
#[delete("/tokens/{id}")]
pub async fn delete_token(
    state: web::Data<AppState>,
    admin: Admin,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    service::delete(&state.ctx, &admin.id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
