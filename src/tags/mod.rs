//! Tags: topics that cut across sections ("Oil", "Elections"). An article carries up to
//! [`MAX_PER_ARTICLE`] of them, in order.

pub mod model;
pub mod repo;
pub mod service;

/// The most tags one article may carry.
pub const MAX_PER_ARTICLE: usize = 20;
