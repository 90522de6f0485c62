//! Authors: the bylines articles carry. An article may have none (wire stories).

pub mod api;
pub mod model;
pub mod repo;
pub mod service;
pub mod types;
