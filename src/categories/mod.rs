//! Categories: the sections of the site ("Market", "World"), nested through `parent_id`.

pub mod model;
pub mod repo;
pub mod service;
