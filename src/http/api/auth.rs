//! HTTP handlers for `/api/v1/auth/*` and `/api/v1/me`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Duration;

use crate::auth::{SignedIn, password, repo, secrets, service, unauthorized};
use crate::domain::Code;
use crate::http::ApiError;
use crate::http::extract::Json;
use crate::http::state::AppState;
use crate::http::wire::auth::{LoginRequest, RefreshRequest, TokenPair};
use crate::http::wire::users::UserResponse;
use crate::users::model::User;
use crate::write::Actor;

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
        (status = 400, description = "The body is not valid JSON"),
        (status = 401, description = "Wrong email or password (`invalid_credentials`)"),
        (status = 415, description = "The body is not `application/json`"),
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
        ("email", &body.email, 254),
        ("password", &body.password, password::MAX_LEN),
    ])?;
    let email = body.email.trim().to_lowercase();
    let address = crate::http::client::client_ip(&req);
    let lookup = email.clone();
    let user = state
        .db(move |conn| Ok(crate::users::repo::find_by_email(conn, &lookup)?))
        .await?;
    let stored = user.as_ref().map_or_else(
        || state.auth.dummy_hash.clone(),
        |u| u.password_hash.clone(),
    );
    let matches = verify_within_budget(&state, &email, address, body.password, stored).await?;
    let user = match user {
        Some(user) if matches => user,
        _ => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                Code::InvalidCredentials,
                "the email or the password is wrong",
            )
            .with_header(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"byline\""),
            ));
        }
    };
    let pair = start_session(&state, user).await?;
    Ok(no_store(HttpResponse::Ok()).json(pair))
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
        (status = 400, description = "The body is not valid JSON"),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "A field is missing or unknown"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    check_lengths(&[("refresh_token", &body.refresh_token, REFRESH_TOKEN_MAX)])?;
    let hash = secrets::token_hash(&body.refresh_token);
    let new_token = secrets::random_token().map_err(ApiError::internal)?;
    let new_hash = secrets::token_hash(&new_token);
    let now = crate::now();
    let expires = now + ttl(state.auth.settings.refresh_ttl);
    let reuse = ttl(state.auth.settings.refresh_reuse_interval);
    let outcome = state
        .write(Actor::Anonymous, move |tx| {
            service::rotate(tx, &hash, &new_hash, now, expires, reuse)
        })
        .await?;
    let user = match outcome {
        repo::Rotation::Rotated(user) => user,
        repo::Rotation::Reused => {
            tracing::warn!("a used refresh token was presented again; its family is revoked");
            return Err(
                unauthorized("this refresh token was already used; sign in again", true).into(),
            );
        }
        repo::Rotation::Invalid => {
            return Err(
                unauthorized("the refresh token is unknown, expired or revoked", true).into(),
            );
        }
    };
    let pair = issue_pair(&state, user, new_token)?;
    Ok(no_store(HttpResponse::Ok()).json(pair))
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
        (status = 400, description = "The body is not valid JSON"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "A field is missing or unknown"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    check_lengths(&[("refresh_token", &body.refresh_token, REFRESH_TOKEN_MAX)])?;
    let hash = secrets::token_hash(&body.refresh_token);
    let now = crate::now();
    state
        .write(Actor::Anonymous, move |tx| {
            service::end_session(tx, &hash, now)
        })
        .await?;
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
        (status = 401, description = "No valid credentials"),
        (status = 403, description = "An API token, which belongs to no user"),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: SignedIn) -> Result<HttpResponse, ApiError> {
    let user = state
        .db(move |conn| crate::users::repo::get(conn, &caller.id))
        .await?;
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

/// Checks a password for `account` against `stored`, spending a place in the account's and
/// the address's budgets first: past either budget the answer is a 429 and nothing is hashed.
/// A right password gives its place back; a full password queue is a 503.
pub async fn verify_within_budget(
    state: &AppState,
    account: &str,
    address: Option<std::net::IpAddr>,
    given: String,
    stored: String,
) -> Result<bool, ApiError> {
    let limiter = &state.auth.limiter;
    let attempt = limiter.attempt(account, address).map_err(rate_limited)?;
    match state
        .auth
        .hasher
        .run(move || password::verify(&given, &stored))
        .await
    {
        Ok(true) => {
            limiter.succeeded(attempt);
            Ok(true)
        }
        // Dropped, the attempt stays counted as a failure.
        Ok(false) => Ok(false),
        Err(e) => {
            limiter.not_checked(attempt);
            Err(password_unavailable(e))
        }
    }
}

/// The answer when the password thread cannot take a job.
pub fn password_unavailable(e: password::Unavailable) -> ApiError {
    match e {
        password::Unavailable::Busy => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::Busy,
            "too many password checks are waiting; try again in a moment",
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from_static("1")),
        password::Unavailable::Failed => ApiError::internal("the password thread failed"),
    }
}

fn rate_limited(wait_secs: u64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        Code::RateLimited,
        format!("too many failed logins; try again in {wait_secs} seconds"),
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from(wait_secs))
}

fn ttl(d: std::time::Duration) -> Duration {
    Duration::seconds(i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 1000))
}

/// Opens a new refresh-token family for the user and issues the first pair.
async fn start_session(state: &web::Data<AppState>, user: User) -> Result<TokenPair, ApiError> {
    let token = secrets::random_token().map_err(ApiError::internal)?;
    let hash = secrets::token_hash(&token);
    let family = uuid::Uuid::now_v7().to_string();
    let now = crate::now();
    let expires = now + ttl(state.auth.settings.refresh_ttl);
    let user_id = user.id.clone();
    let user = state
        .write(Actor::User(user_id.clone()), move |tx| {
            let session = service::NewSession {
                user_id: &user_id,
                family: &family,
                hash: &hash,
                expires_at: expires,
            };
            service::start_session(tx, &session, now)
        })
        .await
        .map(|fresh| User {
            last_login_at: fresh.last_login_at,
            ..user
        })?;
    issue_pair(state, user, token)
}

fn issue_pair(state: &AppState, user: User, refresh_token: String) -> Result<TokenPair, ApiError> {
    let ttl = state.auth.settings.access_ttl.as_secs();
    let access_token = state
        .auth
        .keys
        .issue(&user.id, user.role.as_str(), user.token_version, ttl)
        .map_err(ApiError::internal)?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: ttl,
        refresh_token,
        user: UserResponse::from(user),
    })
}
