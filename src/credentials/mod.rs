//! What signing in rests on: the JWT keys, random tokens and their hashes, argon2id password
//! hashing on a thread of its own, and the budgets of failed attempts.

pub mod jwt;
pub mod password;
pub mod ratelimit;
pub mod secrets;

use std::net::IpAddr;

use crate::config::AuthSettings;
use crate::domain::{Code, Error, Result};

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

fn rate_limited(wait_secs: u64) -> Error {
    Error::new(
        Code::RateLimited,
        format!(
            "too many failed logins; try again in {}",
            crate::domain::counted(
                wait_secs.try_into().unwrap_or(i64::MAX),
                "second",
                "seconds"
            )
        ),
    )
    .with_retry_after(wait_secs)
}

fn password_unavailable(e: password::Unavailable) -> Error {
    match e {
        password::Unavailable::Busy => {
            Error::busy("too many password checks are waiting; try again in a moment")
        }
        password::Unavailable::Failed => Error::internal("the password thread failed"),
    }
}

impl AuthState {
    /// Checks a password on the password thread, counted against the account's and the
    /// address's budgets of failures: a spent budget is `rate_limited`, a full queue `busy`.
    pub async fn verify_password(
        &self,
        account: &str,
        address: Option<IpAddr>,
        given: String,
        stored: String,
    ) -> Result<bool> {
        let limiter = &self.limiter;
        let attempt = limiter.attempt(account, address).map_err(rate_limited)?;
        match self
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

    /// Hashes a new password on the password thread: argon2id takes tens of milliseconds of
    /// CPU.
    pub async fn hash_password(&self, given: String) -> Result<String> {
        self.hasher
            .run(move || password::hash(&given))
            .await
            .map_err(password_unavailable)?
            .map_err(Error::internal)
    }
}
