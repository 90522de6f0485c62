//! Login, refresh and logout bodies.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::service::Session;
use crate::http::wire::users::UserResponse;

/// The body of `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "admin@localhost", "password": "the password printed on first start"}))]
pub struct LoginRequest {
    /// The account's email (any case). No NUL characters.
    #[schema(min_length = 1, max_length = 254, pattern = "^[^\\u0000]*$")]
    pub email: String,
    /// The password. No NUL characters.
    #[schema(min_length = 1, max_length = 1024, format = Password, pattern = "^[^\\u0000]*$")]
    pub password: String,
}

/// A new access token and refresh token.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    /// A JWT for `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Single use: exchange it at `/api/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// The signed-in user.
    pub user: UserResponse,
}

impl From<Session> for TokenPair {
    fn from(session: Session) -> Self {
        Self {
            access_token: session.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: session.expires_in,
            refresh_token: session.refresh_token,
            user: UserResponse::from(session.user),
        }
    }
}

/// The body of `POST /api/v1/auth/refresh` and `/api/v1/auth/logout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "the refresh_token from sign-in"}))]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000]*$")]
    pub refresh_token: String,
}
