//! HTTP handlers for `/api/v1/auth/*` and `/api/v1/me`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::auth::service;
use crate::credentials::password;
use crate::domain::Code;
use crate::domain::caller::SignedIn;
use crate::http::ApiError;
use crate::http::client::client_ip;
use crate::http::extract::Json;
use crate::http::state::AppState;
use crate::http::wire::auth::{LoginRequest, RefreshRequest, TokenPair};
use crate::http::wire::users::UserResponse;
use crate::validate::EMAIL_MAX;

/// Log in
///
/// Exchanges an email and password for an access token and a refresh token. A wrong email
/// and a wrong password give the same 401, in about the same time. Failed attempts are
/// limited per account and per client address (429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "Wrong email or password (`invalid_credentials`)"),
        (status = 422, description = "A field is missing or unknown"),
        (status = 429, description = "Too many failed attempts (`rate_limited`)",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many password checks are waiting (`busy`)",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    Json(body): Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    check_lengths(&[
        ("email", &body.email, EMAIL_MAX),
        ("password", &body.password, password::MAX_LEN),
    ])?;
    let address = client_ip(&req);
    let session = service::login(&state.ctx, &state.auth, &body.email, address, body.password);
    Ok(no_store(HttpResponse::Ok()).json(TokenPair::from(session.await?)))
}

/// Refresh
///
/// Exchanges a refresh token for a new pair. Each refresh token works once, except that a
/// second use within a few seconds of the first (`BYLINE_REFRESH_REUSE_SECS`, two tabs
/// refreshing at once) gets a pair of its own; a use after that revokes every token
/// descended from the same login.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenPair),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token"),
        (status = 422, description = "A field is missing or unknown"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    check_lengths(&[("refresh_token", &body.refresh_token, REFRESH_TOKEN_MAX)])?;
    let session = service::refresh(&state.ctx, &state.auth, &body.refresh_token).await?;
    Ok(no_store(HttpResponse::Ok()).json(TokenPair::from(session)))
}

/// Log out
///
/// Revokes the refresh token and every token of the same login. Answers 204 whether or not
/// the token was known.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Signed out"),
        (status = 422, description = "A field is missing or unknown"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    check_lengths(&[("refresh_token", &body.refresh_token, REFRESH_TOKEN_MAX)])?;
    service::logout(&state.ctx, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who am I
///
/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's user", body = UserResponse),
        (status = 403, description = "An API token, which belongs to no user"),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: SignedIn) -> Result<HttpResponse, ApiError> {
    let user = crate::users::service::get(&state.ctx, caller.id).await?;
    Ok(no_store(HttpResponse::Ok()).json(UserResponse::from(user)))
}

/// The longest refresh token accepted; issued ones are 43 characters.
const REFRESH_TOKEN_MAX: usize = 200;

/// Refuses empty or over-long fields before any work (over-long passwords are never hashed,
/// so they cannot be used to burn CPU).
fn check_lengths(fields: &[(&str, &str, usize)]) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for (field, value, max) in fields {
        let len = value.chars().count();
        if len == 0 {
            errors.push(crate::http::FieldError::new(
                field,
                Code::Required,
                format!("{field} must not be empty"),
            ));
        } else if len > *max {
            errors.push(crate::http::FieldError::new(
                field,
                Code::TooLong,
                format!("{field} must be at most {max} characters"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

fn no_store(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}
