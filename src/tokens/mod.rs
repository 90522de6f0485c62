//! API tokens for integrators: named, scoped, optionally expiring, stored only as hashes.

pub mod api;
pub mod repo;
pub mod service;
pub mod types;
