//! Wire types of `GET /api/v1/search/suggest`: typeahead.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::search::service::{Suggestion, SuggestionKind};

/// Query parameters of `GET /api/v1/search/suggest`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What the reader has typed so far: each word starts a word of what is suggested.
    #[param(required = true, min_length = 1, max_length = 100, example = "ast")]
    pub q: Option<String>,
}

/// One suggestion.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "article",
    "id": "0193f6b2-7c1e-7d2a-9f10-3a4b5c6d7e8f",
    "slug": "oil-edges-higher-as-supply-cuts-bite",
    "label": "Oil edges higher as supply cuts bite"
}))]
pub struct SuggestionResponse {
    /// What it leads to.
    #[serde(rename = "type")]
    #[schema(value_type = String, pattern = "^(article|tag|author|category)$")]
    pub kind: SuggestionKind,
    /// Its id.
    pub id: String,
    /// Its slug, for the front-end's URL.
    pub slug: String,
    /// What to show: the story's title, or the name.
    pub label: String,
}

/// Up to 10 suggestions: sections, tags and authors first, then stories, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionList {
    /// The suggestions, at most 10.
    #[schema(max_items = 10)]
    pub data: Vec<SuggestionResponse>,
}

impl From<Suggestion> for SuggestionResponse {
    fn from(s: Suggestion) -> Self {
        Self {
            kind: s.kind,
            id: s.id,
            slug: s.slug,
            label: s.label,
        }
    }
}

/// How a search hit matched.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SearchHit {
    /// How well the article's text matches, between 0 and 1 (higher is better), on both
    /// databases; compare it within one search only, not across searches or servers. The
    /// order of `sort=relevance` blends it with recency (`BYLINE_SEARCH_RECENCY`) and puts
    /// an exact title match first, so a later hit may have a higher `rank`.
    #[schema(example = 0.6079, minimum = 0.0, maximum = 1.0)]
    pub rank: f64,
    /// A fragment of the body around the match, HTML-escaped, with matches in `<mark>`.
    #[schema(example = "…producers kept <mark>oil</mark> output tight…")]
    pub highlight: String,
}
