//! Idempotency keys: a client that retries a `POST` with the same `Idempotency-Key` gets the
//! first answer again instead of a second story. The HTTP layer reads the key and the
//! request (`crate::http::middleware::idempotency`); this module keeps the answers.

use std::time::Duration;

pub mod repo;
pub mod service;

/// How long an answer is kept.
pub const KEEP: Duration = Duration::from_secs(24 * 3600);

/// How long a request may run before its key is taken to be abandoned (the process died
/// before it answered) and a retry may run it again.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(120);
