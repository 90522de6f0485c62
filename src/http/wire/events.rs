//! Events and the changes feed as clients see them. A webhook delivery's body is the same
//! `Event` object.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::http::wire::history::ActorResponse;
use crate::outbox::model::EventRow;

/// What an event is about.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventResource {
    /// `article`, `author` or `category`.
    #[serde(rename = "type")]
    #[schema(example = "article")]
    pub kind: String,
    /// Its id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Its slug at the time (for a deletion: the slug it had).
    #[schema(required = true, example = "stocks-slip-as-oil-climbs")]
    pub slug: Option<String>,
}

/// Something that changed. `id` is unique and stable: receivers de-duplicate on it (it is
/// also the `webhook-id` header of deliveries).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Event)]
pub struct EventResponse {
    /// UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// What happened: `article.created`, `article.updated`, `article.published`,
    /// `article.unpublished`, `article.archived`, `article.trashed`, `article.untrashed`,
    /// `article.deleted`, `article.expired`, `author.created|updated|deleted`,
    /// `category.created|updated|deleted`. Scheduling a story is `article.updated`; the
    /// scheduler sends its `article.published` when it comes due.
    #[serde(rename = "type")]
    #[schema(example = "article.published")]
    pub kind: String,
    /// When it happened (for a time-driven event: the moment it came due).
    pub occurred_at: DateTime<Utc>,
    /// What it is about.
    pub resource: EventResource,
    /// The article's version after the change; `null` for authors, categories and deletions.
    #[schema(required = true, example = 4)]
    pub version: Option<i64>,
    /// Who made the change (`system` for time-driven events).
    pub actor: ActorResponse,
    /// The resource as the public API shows it (an article without `live`, an author
    /// without `email`); `null` when it was deleted or the public may not see it (a draft,
    /// a trashed, archived, expired or not yet due story).
    #[schema(required = true, value_type = Option<Object>)]
    pub data: Option<Value>,
}

impl From<EventRow> for EventResponse {
    fn from(e: EventRow) -> Self {
        let actor: Value = serde_json::from_str(&e.actor).unwrap_or(Value::Null);
        let text = |k: &str| actor.get(k).and_then(Value::as_str).map(str::to_owned);
        Self {
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            occurred_at: e.occurred_at.and_utc(),
            resource: EventResource {
                kind: e.resource_type.to_string(),
                id: e.resource_id,
                slug: e.resource_slug,
            },
            version: e.version,
            actor: ActorResponse {
                kind: text("type").unwrap_or_else(|| "system".into()),
                id: text("id"),
                name: text("name"),
            },
            data: e.data.as_deref().and_then(|d| serde_json::from_str(d).ok()),
        }
    }
}

/// `meta` of the changes feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangesMeta {
    /// The page size used.
    #[schema(example = 100, minimum = 1, maximum = 100)]
    pub limit: u32,
    /// Always set: pass it as `after` to read on. When the page is short, there is nothing
    /// newer yet; poll again later with the same value.
    #[schema(example = "WyJjaGFuZ2VzIiwiNzQxIiwiMTIwIl0")]
    pub next_cursor: String,
}

/// A page of the changes feed, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeList {
    /// Events in commit order.
    pub data: Vec<EventResponse>,
    /// Where to read on from.
    pub meta: ChangesMeta,
}

/// Query parameters of `GET /api/v1/changes`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// `meta.next_cursor` of the previous page; without it the feed starts at the oldest
    /// event kept (`BYLINE_EVENTS_DAYS`).
    #[param(max_length = 1000)]
    pub after: Option<String>,
    /// Comma-separated event types or patterns: `article.*`, `author.updated`, `*`.
    #[param(max_length = 2000, example = "article.*,author.updated")]
    pub types: Option<String>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
}
