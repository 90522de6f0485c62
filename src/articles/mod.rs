//! Articles: the stories. Written as Markdown, rendered and sanitized on write, published
//! through explicit actions, and read by the public only once visible.

pub mod corrections;
pub mod locks;
pub mod model;
pub mod notes;
pub mod previews;
pub mod render;
pub mod repo;
pub mod search;
pub mod service;
pub mod translations;
