//! API tokens for integrators: named, scoped, optionally expiring, stored only as hashes.

pub mod model;
pub mod repo;
pub mod service;
