//! API tokens as admins send and receive them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Scope;
use crate::http::pagination::ListMeta;
use crate::tokens::model::ApiTokenRow;

/// Longest token name, in characters.
pub const NAME_MAX: usize = 200;

/// An API token. The secret itself is shown only once, when it is created.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = ApiToken)]
pub struct ApiTokenResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// What the token is for.
    #[schema(example = "Front-end previews")]
    pub name: String,
    /// `read` sees unpublished content; `write` also edits it.
    pub scope: Scope,
    /// The secret (`byl_…`), present only in the answer to `POST /api/v1/tokens`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        nullable = false,
        example = "byl_q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c"
    )]
    pub token: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working; `null` for never.
    #[schema(required = true)]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used (to the minute).
    #[schema(required = true)]
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiTokenResponse {
    /// The wire form of a row.
    pub fn from_row(row: ApiTokenRow, token: Option<String>) -> Self {
        Self {
            id: row.id,
            name: row.name,
            scope: row.scope,
            token,
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.map(|t| t.and_utc()),
            last_used_at: row.last_used_at.map(|t| t.and_utc()),
        }
    }
}

/// A page of API tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenList {
    /// Tokens in creation order.
    pub data: Vec<ApiTokenResponse>,
    /// Paging information.
    pub meta: ListMeta,
}

/// The body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Front-end previews", "scope": "read", "expires_at": "2030-01-01T00:00:00Z"}))]
pub struct CreateApiToken {
    /// What the token is for.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub name: String,
    /// `read` or `write`.
    pub scope: Scope,
    /// When it stops working; must be in the future (and before the year 10000). Absent or
    /// `null` for never.
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub expires_at: Option<DateTime<Utc>>,
}
