//! Moving in from WordPress: `byline import-wordpress` reads the export every WordPress
//! site makes (WXR), turns its bodies into Markdown and stores authors, categories, tags
//! and posts, remembering each post's old permalink so that `GET /api/v1/resolve` can
//! answer where it lives now.

pub mod body;
pub mod media;
pub mod repo;
pub mod service;
mod terms;
pub mod urls;
pub mod wxr;
