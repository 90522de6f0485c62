//! The stored form of an API token.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::api_tokens;
use crate::domain::Scope;

/// A stored API token (without its hash).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    /// UUIDv7.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// `read` or `write`.
    pub scope: Scope,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Expiry, if any.
    pub expires_at: Option<NaiveDateTime>,
    /// Last authenticated request (to the minute).
    pub last_used_at: Option<NaiveDateTime>,
}
