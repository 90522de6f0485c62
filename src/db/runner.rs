//! [`Database`]: the pool with a fair queue in front, and the one way the layers above run
//! database work off the async threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::{AnyConnection, Backend, Pool};
use crate::domain::{Error, Result};

tokio::task_local! {
    /// Database statements run for the request being served, when someone is counting.
    pub static QUERY_COUNT: Arc<AtomicU64>;
}

/// Shared by all workers; cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    /// One permit per pooled connection. Work queues here, first come first served, before it
    /// takes a blocking thread: the pool's own wait is not fair, and would leave a few
    /// requests waiting far longer than the rest under load.
    gate: Arc<tokio::sync::Semaphore>,
    /// How long work waits for a connection before it fails as unavailable.
    timeout: Duration,
    backend: Backend,
}

impl Database {
    /// Wraps a pool of `connections` connections to `backend`.
    pub fn new(pool: Pool, backend: Backend, connections: usize, timeout: Duration) -> Self {
        Self {
            pool,
            gate: Arc::new(tokio::sync::Semaphore::new(connections)),
            timeout,
            backend,
        }
    }

    /// Which engine the pool talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool itself, for start-up work that runs before the server.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Runs `f` with a pooled connection on the blocking thread pool, so a slow query never
    /// stalls the async workers. A pool that cannot hand out a connection in time is
    /// `database_unavailable`.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        let permit = tokio::time::timeout(self.timeout, self.gate.clone().acquire_owned())
            .await
            .ok()
            .and_then(std::result::Result::ok)
            .ok_or_else(|| Error::unavailable("no database connection became free in time"))?;
        let pool = self.pool.clone();
        let counter = QUERY_COUNT.try_with(Arc::clone).ok();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool.get()?;
            let before = super::queries_on_this_thread();
            let result = f(&mut conn);
            if let Some(counter) = counter {
                let ran = super::queries_on_this_thread().saturating_sub(before);
                counter.fetch_add(ran, Ordering::Relaxed);
            }
            result
        })
        .await
        .map_err(Error::internal)?
    }
}
