//! Authors: the bylines articles carry. An article may have none (wire stories).

pub mod model;
pub mod repo;
pub mod service;
