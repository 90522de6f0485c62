//! What every handler shares: the pool and a way to run database work off the async threads.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use crate::auth::AuthState;

use crate::db::{AnyConnection, Backend, Pool};
use crate::http::ApiError;

/// Shared by all workers.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub pool: Pool,
    /// One permit per pooled connection. Requests queue here, first come first served, before
    /// they take a blocking thread: the pool's own wait is not fair, and would leave a few
    /// requests waiting far longer than the rest under load.
    pub db_gate: Arc<tokio::sync::Semaphore>,
    /// How long a request waits for a connection before it answers 503.
    pub db_timeout: Duration,
    /// Which engine the pool talks to.
    pub backend: Backend,
    /// Token keys, lifetimes and login limits.
    pub auth: Arc<AuthState>,
    /// `max-age` of public article responses, in seconds.
    pub cache_max_age: u32,
}

impl AppState {
    /// Runs `f` with a pooled connection on the blocking thread pool, so a slow query never
    /// stalls the HTTP workers. A pool that cannot hand out a connection in time is a 503.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let permit = tokio::time::timeout(self.db_timeout, self.db_gate.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| ApiError::unavailable("no database connection became free in time"))?;
        let pool = self.pool.clone();
        let counter = crate::http::middleware::QUERY_COUNT
            .try_with(Arc::clone)
            .ok();
        web::block(move || {
            let _permit = permit;
            let mut conn = pool.get()?;
            let before = crate::db::queries_on_this_thread();
            let result = f(&mut conn);
            if let Some(counter) = counter {
                let ran = crate::db::queries_on_this_thread().saturating_sub(before);
                counter.fetch_add(ran, std::sync::atomic::Ordering::Relaxed);
            }
            result
        })
        .await?
    }
}
