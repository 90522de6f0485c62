//! Signing in and out: sessions (refresh-token families), and who a bearer credential
//! belongs to. The keys, limits and password thread are in `crate::credentials`; the caller
//! types in `crate::domain::caller`; the extractors in `crate::http::auth`.

pub mod repo;
pub mod service;

pub use crate::credentials::{password, secrets};
