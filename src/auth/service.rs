//! Signing in and out, and who a bearer credential belongs to. Passwords are checked on their
//! own thread against per-account and per-address budgets; every change (a new session, a
//! rotated refresh token, a revoked family, an API token's `last_used_at`) is a write
//! through [`crate::write`].

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

use super::repo::{self, Rotation};
use crate::credentials::AuthState;
use crate::credentials::secrets;
use crate::domain::caller::Actor;
use crate::domain::caller::{Principal, unauthorized};
use crate::domain::{Code, Error, Result};
use crate::users::model::User;
use crate::write::{Change, Ctx, Subject, Tx, Verb};

/// What a new session stores.
pub struct NewSession<'a> {
    /// The user signing in.
    pub user_id: &'a str,
    /// The refresh-token family the session starts.
    pub family: &'a str,
    /// The hash of its first refresh token.
    pub hash: &'a str,
    /// When that token expires.
    pub expires_at: NaiveDateTime,
}

/// Starts a session: its first refresh token and the user's login time are stored together or
/// not at all. Returns the user as now stored.
pub fn start_session(
    tx: &mut Tx<'_>,
    session: &NewSession<'_>,
    now: NaiveDateTime,
) -> Result<User> {
    let conn = tx.conn();
    repo::insert_refresh(
        conn,
        session.user_id,
        session.family,
        session.hash,
        now,
        session.expires_at,
    )?;
    crate::users::repo::touch_login(conn, session.user_id, now)?;
    let user = crate::users::repo::get(conn, session.user_id)?;
    tx.changed(Subject::Session, session.family, Verb::Created);
    Ok(user)
}

/// Exchanges a refresh token for the next one of its family.
pub fn rotate(
    tx: &mut Tx<'_>,
    hash: &str,
    new_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    reuse_interval: Duration,
) -> Result<Rotation> {
    let outcome = repo::rotate(tx.conn(), hash, new_hash, now, expires_at, reuse_interval)?;
    if let Rotation::Reused { family, user_id } = &outcome {
        tx.note(
            Change::new(Subject::Session, family, Verb::Revoked)
                .with_details(serde_json::json!({ "user_id": user_id })),
        );
    }
    Ok(outcome)
}

/// Ends the session a refresh token belongs to; an unknown token changes nothing.
pub fn end_session(tx: &mut Tx<'_>, hash: &str, now: NaiveDateTime) -> Result<()> {
    if let Some(family) = repo::revoke_by_token(tx.conn(), hash, now)? {
        tx.changed(Subject::Session, &family, Verb::Deleted);
    }
    Ok(())
}

/// Moves an API token's `last_used_at` on.
pub fn touch_api_token(tx: &mut Tx<'_>, id: &str, now: NaiveDateTime) -> Result<()> {
    repo::touch_api_token(tx.conn(), id, now)?;
    Ok(())
}

/// A signed-in session as the client receives it.
#[derive(Debug)]
pub struct Session {
    /// The JWT for API calls.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The refresh token (shown once; stored as a hash).
    pub refresh_token: String,
    /// The user, as stored now.
    pub user: User,
}

fn ttl(d: std::time::Duration) -> Duration {
    Duration::seconds(i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 1000))
}

/// Signs in: the same `invalid_credentials` for an unknown email and a wrong password, in
/// about the same time (an unknown email is checked against a dummy hash).
pub async fn login(
    ctx: &Ctx,
    auth: &AuthState,
    email: &str,
    address: Option<IpAddr>,
    given: String,
) -> Result<Session> {
    let email = email.trim().to_lowercase();
    let lookup = email.clone();
    let user = ctx
        .read(move |conn| Ok(crate::users::repo::find_by_email(conn, &lookup)?))
        .await?;
    let stored = user
        .as_ref()
        .map_or_else(|| auth.dummy_hash.clone(), |u| u.password_hash.clone());
    let matches = auth.verify_password(&email, address, given, stored).await?;
    match user {
        Some(user) if matches => start(ctx, auth, user).await,
        user => {
            let details = serde_json::json!({
                "email": email,
                "user_id": user.map(|u| u.id),
            });
            ctx.write(Actor::Anonymous, move |tx| {
                tx.note(Change::new(Subject::Session, "", Verb::Refused).with_details(details));
                Ok(())
            })
            .await?;
            Err(Error::new(
                Code::InvalidCredentials,
                "the email or the password is wrong",
            ))
        }
    }
}

/// Opens a new refresh-token family for the user and issues its first pair.
async fn start(ctx: &Ctx, auth: &AuthState, user: User) -> Result<Session> {
    let token = secrets::random_token().map_err(Error::internal)?;
    let hash = secrets::token_hash(&token);
    let family = uuid::Uuid::now_v7().to_string();
    let now = ctx.now();
    let expires_at = now + ttl(auth.settings.refresh_ttl);
    let user_id = user.id.clone();
    let user = ctx
        .write(Actor::User(user_id.clone()), move |tx| {
            let session = NewSession {
                user_id: &user_id,
                family: &family,
                hash: &hash,
                expires_at,
            };
            start_session(tx, &session, now)
        })
        .await?;
    issue(auth, user, token)
}

fn issue(auth: &AuthState, user: User, refresh_token: String) -> Result<Session> {
    let expires_in = auth.settings.access_ttl.as_secs();
    let access_token = auth
        .keys
        .issue(&user.id, user.role, user.token_version, expires_in)
        .map_err(Error::internal)?;
    Ok(Session {
        access_token,
        expires_in,
        refresh_token,
        user,
    })
}

/// Exchanges a refresh token for a new pair. A token used again after the reuse interval
/// revokes its whole family.
pub async fn refresh(ctx: &Ctx, auth: &AuthState, refresh_token: &str) -> Result<Session> {
    let hash = secrets::token_hash(refresh_token);
    let new_token = secrets::random_token().map_err(Error::internal)?;
    let new_hash = secrets::token_hash(&new_token);
    let now = ctx.now();
    let expires = now + ttl(auth.settings.refresh_ttl);
    let reuse = ttl(auth.settings.refresh_reuse_interval);
    let outcome = ctx
        .write(Actor::Anonymous, move |tx| {
            rotate(tx, &hash, &new_hash, now, expires, reuse)
        })
        .await?;
    match outcome {
        Rotation::Rotated(user) => issue(auth, user, new_token),
        Rotation::Reused { .. } => {
            tracing::warn!("a used refresh token was presented again; its family is revoked");
            Err(unauthorized(
                "this refresh token was already used; sign in again",
                true,
            ))
        }
        Rotation::Invalid => Err(unauthorized(
            "the refresh token is unknown, expired or revoked",
            true,
        )),
    }
}

/// Signs out: revokes the refresh token's family. Unknown tokens change nothing.
pub async fn logout(ctx: &Ctx, refresh_token: &str) -> Result<()> {
    let hash = secrets::token_hash(refresh_token);
    let now = ctx.now();
    ctx.write(Actor::Anonymous, move |tx| end_session(tx, &hash, now))
        .await
}

/// The caller behind a bearer credential: an API token (`byl_…`, its `last_used_at` moved
/// on at most once a minute) or a signed-in user's JWT, still matching the user's role and
/// credential version. `None` for a credential that is not (or no longer) valid.
pub async fn authenticate(ctx: &Ctx, auth: &AuthState, token: String) -> Result<Option<Principal>> {
    let now = ctx.now();
    if token.starts_with(secrets::API_TOKEN_PREFIX) {
        let hash = secrets::token_hash(&token);
        let found = ctx
            .read(move |conn| repo::authenticate_api_token(conn, &hash, now))
            .await?;
        let Some(repo::TokenCaller {
            principal,
            name,
            stale,
        }) = found
        else {
            return Ok(None);
        };
        crate::write::name_caller(name);
        if stale && let Principal::Token { id, .. } = &principal {
            let (actor, id) = (Actor::Token(id.clone()), id.clone());
            ctx.write(actor, move |tx| touch_api_token(tx, &id, now))
                .await?;
        }
        return Ok(Some(principal));
    }
    let Some(claims) = auth.keys.verify(&token) else {
        return Ok(None);
    };
    let user_id = claims.sub.clone();
    let user = ctx
        .read(move |conn| Ok(repo::auth_user(conn, &user_id)?))
        .await?;
    Ok(match user {
        Some(u) if u.token_version == claims.ver && u.role == claims.role => {
            crate::write::name_caller(u.display_name);
            Some(Principal::User {
                id: u.id,
                role: u.role,
                author_id: u.author_id,
            })
        }
        _ => None,
    })
}
