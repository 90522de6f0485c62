//! The auth extractors: who is calling, from the bearer credential, and the role checks that
//! routes require before their handler runs.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::auth::service;
use crate::domain::Error;
use crate::domain::caller::{Admin, Caller, SignedIn, Staff, unauthorized};
use crate::http::ApiError;
use crate::http::state::AppState;

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
            match service::authenticate(&state.ctx, &state.auth, token).await? {
                Some(principal) => Ok(Caller(Some(principal))),
                None => Err(
                    unauthorized("the bearer token is invalid, expired or revoked", true).into(),
                ),
            }
        })
    }
}

/// The role checks: a caller narrowed to an admin, a content manager or a signed-in user by
/// the rules in `crate::domain::caller`, before the handler runs.
macro_rules! narrowed {
    ($($ty:ty),*) => {$(
        impl FromRequest for $ty {
            type Error = ApiError;
            type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let caller = Caller::from_request(req, payload);
                Box::pin(async move { Ok(<$ty>::try_from(caller.await?)?) })
            }
        }
    )*};
}

narrowed!(Admin, Staff, SignedIn);

/// Who an idempotency key belongs to: `user:<id>` or `token:<id>` of a valid bearer
/// credential; `None` without one (the handler then answers 401 itself).
pub async fn key_owner(req: &HttpRequest, state: &AppState) -> Option<String> {
    let token = bearer_token(req).ok()??;
    match service::authenticate(&state.ctx, &state.auth, token).await {
        Ok(Some(crate::domain::caller::Principal::User { id, .. })) => Some(format!("user:{id}")),
        Ok(Some(crate::domain::caller::Principal::Token { id, .. })) => Some(format!("token:{id}")),
        _ => None,
    }
}
