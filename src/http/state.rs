//! What every handler shares: the database and the authentication state.

use std::sync::Arc;

use crate::credentials::AuthState;
use crate::db::Backend;
use crate::write::Ctx;

/// Shared by all workers.
#[derive(Clone)]
pub struct AppState {
    /// The database and the write path, for the services.
    pub ctx: Ctx,
    /// Which engine the pool talks to.
    pub backend: Backend,
    /// Token keys, lifetimes and login limits.
    pub auth: Arc<AuthState>,
    /// `max-age` of public article responses, in seconds.
    pub cache_max_age: u32,
    /// Whether webhooks may point at private addresses.
    pub webhook_allow_private: bool,
    /// Where the front-end shows content (feeds and sitemaps); `None` when not configured.
    pub site: Option<Arc<crate::config::SiteSettings>>,
    /// The front-end's preview page, with `{token}`; `None`: links point at the API.
    pub preview_url: Option<String>,
    /// How long an edit lock lasts unless renewed, in seconds.
    pub lock_secs: i64,
    /// The media library and its store.
    pub media: Arc<crate::media::service::Library>,
    /// How searches rank and count.
    pub search: crate::articles::search::Tuning,
}
