//! Authentication and authorization: who the caller is (from a JWT or an API token) and the
//! extractors that enforce the roles table on each route.

pub mod api;
pub mod jwt;
pub mod password;
pub mod ratelimit;
pub mod repo;
pub mod secrets;
pub mod service;
pub mod types;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::config::AuthSettings;
use crate::domain::Error;
use crate::http::ApiError;
use crate::state::AppState;
use crate::write::Actor;

pub use crate::domain::{Role, Scope};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A signed-in user.
    User {
        /// User id.
        id: String,
        /// Current role.
        role: Role,
        /// The linked author profile.
        author_id: Option<String>,
    },
    /// An integrator's API token.
    Token {
        /// Token id.
        id: String,
        /// What it may do.
        scope: Scope,
    },
}

/// Everything the server keeps for authentication.
pub struct AuthState {
    /// JWT keys and validation rules.
    pub keys: jwt::JwtKeys,
    /// Lifetimes and limits.
    pub settings: AuthSettings,
    /// Failed-login limits.
    pub limiter: ratelimit::LoginLimiter,
    /// Verified against for unknown emails, so both failures take the same time.
    pub dummy_hash: String,
    /// The thread that hashes and checks passwords.
    pub hasher: password::Hasher,
}

/// No valid credentials; `invalid_token` when one was presented and refused.
pub fn unauthorized(detail: &str, invalid_token: bool) -> Error {
    Error::unauthorized(detail, invalid_token)
}

/// Known, but not allowed.
pub fn forbidden(detail: &str) -> Error {
    Error::forbidden(detail)
}

/// The caller of a request: anonymous, a user or an API token. Credentials that are present
/// but not valid are a 401 even on public routes, so a client never mistakes a broken token
/// for public access.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Principal>);

impl Caller {
    /// The user's role, for user callers.
    pub fn role(&self) -> Option<Role> {
        match &self.0 {
            Some(Principal::User { role, .. }) => Some(*role),
            _ => None,
        }
    }

    /// Editors and admins, and write tokens: may manage content and taxonomy.
    pub fn is_staff_writer(&self) -> bool {
        match &self.0 {
            Some(Principal::User { role, .. }) => matches!(role, Role::Editor | Role::Admin),
            Some(Principal::Token { scope, .. }) => *scope == Scope::Write,
            None => false,
        }
    }

    /// Who a write by this caller is recorded as.
    pub fn actor(&self) -> Actor {
        match &self.0 {
            None => Actor::Anonymous,
            Some(Principal::User { id, .. }) => Actor::User(id.clone()),
            Some(Principal::Token { id, .. }) => Actor::Token(id.clone()),
        }
    }

    /// Refuses anonymous callers with 401 and the rest with 403 unless `allowed`.
    pub fn require(&self, allowed: bool, what: &str) -> Result<(), Error> {
        match (&self.0, allowed) {
            (_, true) => Ok(()),
            (None, false) => Err(unauthorized("this request needs a bearer token", false)),
            (Some(_), false) => Err(forbidden(&format!("your role may not {what}"))),
        }
    }
}

fn bearer_token(req: &HttpRequest) -> Result<Option<String>, Error> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| unauthorized("the Authorization header is not ASCII", true))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(unauthorized(
            "use the Bearer scheme: `Authorization: Bearer <token>`",
            true,
        ));
    }
    let token = token.trim();
    if token.is_empty() || token.len() > 4096 {
        return Err(unauthorized(
            "the bearer token is missing or malformed",
            true,
        ));
    }
    Ok(Some(token.to_owned()))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Some(token) = token? else {
                return Ok(Caller(None));
            };
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let invalid = || unauthorized("the bearer token is invalid, expired or revoked", true);
            if token.starts_with(secrets::API_TOKEN_PREFIX) {
                let hash = secrets::token_hash(&token);
                let now = crate::now();
                let found = state
                    .db(move |conn| repo::authenticate_api_token(conn, &hash, now))
                    .await?;
                let (principal, stale) = found.ok_or_else(invalid)?;
                if stale && let Principal::Token { id, .. } = &principal {
                    let (actor, id) = (Actor::Token(id.clone()), id.clone());
                    state
                        .write(actor, move |tx| service::touch_api_token(tx, &id, now))
                        .await?;
                }
                return Ok(Caller(Some(principal)));
            }
            let claims = state.auth.keys.verify(&token).ok_or_else(invalid)?;
            let user_id = claims.sub.clone();
            let user = state
                .db(move |conn| Ok(repo::auth_user(conn, &user_id)?))
                .await?;
            match user {
                Some(u) if u.token_version == claims.ver && u.role.as_str() == claims.role => {
                    Ok(Caller(Some(Principal::User {
                        id: u.id,
                        role: u.role,
                        author_id: u.author_id,
                    })))
                }
                _ => Err(invalid().into()),
            }
        })
    }
}

/// A caller that is an admin user.
#[derive(Debug, Clone)]
pub struct Admin {
    /// The admin's user id.
    pub id: String,
}

impl Admin {
    /// Who the admin's writes are recorded as.
    pub fn actor(&self) -> Actor {
        Actor::User(self.id.clone())
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            match caller.0 {
                Some(Principal::User {
                    id,
                    role: Role::Admin,
                    ..
                }) => Ok(Admin { id }),
                None => Err(unauthorized("this request needs a bearer token", false).into()),
                Some(_) => Err(forbidden("only admins may manage users and API tokens").into()),
            }
        })
    }
}

/// A caller that may manage content and taxonomy: an editor, an admin, or a write token.
#[derive(Debug, Clone)]
pub struct Staff(pub Caller);

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            let allowed = caller.is_staff_writer();
            caller.require(allowed, "change authors or categories")?;
            Ok(Staff(caller))
        })
    }
}

/// A caller that is a signed-in user (not an API token).
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user's id.
    pub id: String,
    /// The user's role.
    pub role: Role,
}

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            match caller.await?.0 {
                Some(Principal::User { id, role, .. }) => Ok(SignedIn { id, role }),
                None => Err(unauthorized("this request needs a bearer token", false).into()),
                Some(Principal::Token { .. }) => {
                    Err(forbidden("API tokens do not belong to a user; sign in as one").into())
                }
            }
        })
    }
}
