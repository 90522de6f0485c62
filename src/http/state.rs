//! What every handler shares: the database and the authentication state.

use std::sync::Arc;

use crate::auth::AuthState;
use crate::db::{AnyConnection, Backend};
use crate::domain;
use crate::http::ApiError;
use crate::write::{Actor, Ctx, Tx};

/// Shared by all workers.
#[derive(Clone)]
pub struct AppState {
    /// The database and the write path, for the services.
    pub ctx: Ctx,
    /// Which engine the pool talks to.
    pub backend: Backend,
    /// Token keys, lifetimes and login limits.
    pub auth: Arc<AuthState>,
    /// `max-age` of public article responses, in seconds.
    pub cache_max_age: u32,
}

impl AppState {
    /// Runs `f` with a pooled connection off the async threads; see [`Database::run`].
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> domain::Result<T> + Send + 'static,
    {
        Ok(self.ctx.read(f).await?)
    }

    /// Runs `work` as one write by `actor` through the write path, off the async threads; see
    /// [`Writes::run`].
    pub async fn write<T, F>(&self, actor: Actor, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> domain::Result<T> + Send + 'static,
    {
        Ok(self.ctx.write(actor, work).await?)
    }
}
