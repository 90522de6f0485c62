//! Staff accounts: the admin-only users API and the queries behind login.

pub mod bootstrap;
pub mod model;
pub mod repo;
pub mod service;
