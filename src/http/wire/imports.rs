//! Wire types of `GET /api/v1/resolve`: where imported content lives now.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wordpress::urls::Resolved;

/// Query parameters of `GET /api/v1/resolve`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResolveQuery {
    /// The path (and query) of a URL of the old site, or the whole URL.
    #[param(
        required = true,
        min_length = 1,
        max_length = 2048,
        pattern = "^[^\\u0000]*$",
        example = "/2019/02/08/some-story/"
    )]
    pub path: Option<String>,
}

/// Where the content that lived at an old URL is now.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "article",
    "id": "0193f6b2-7c1e-7d2a-9f10-3a4b5c6d7e8f",
    "slug": "oil-edges-higher-as-supply-cuts-bite"
}))]
pub struct ResolvedResponse {
    /// What it is: `article`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its slug now.
    pub slug: String,
}

impl From<Resolved> for ResolvedResponse {
    fn from(r: Resolved) -> Self {
        Self {
            kind: r.kind,
            id: r.id,
            slug: r.slug,
        }
    }
}
