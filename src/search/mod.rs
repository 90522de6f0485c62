//! Typeahead: what a search box offers as a reader types (`GET /api/v1/search/suggest`).
//! The full-text search itself is a filter of the article list (`articles::search`).

pub mod repo;
pub mod service;
