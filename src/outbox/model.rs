//! Event rows.

use crate::domain::EventType;
use crate::domain::change::Subject;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::events;

/// Where an event sits in the feed: its transaction, then its insertion order. On SQLite,
/// whose writers take turns, `txid` is always 0.
pub type Position = (i64, i64);

/// An event as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    /// Insertion order.
    pub seq: i64,
    /// The writing transaction (PostgreSQL).
    pub txid: i64,
    /// UUIDv7.
    pub id: String,
    /// `article.published`, …
    pub kind: EventType,
    /// When it happened.
    pub occurred_at: NaiveDateTime,
    /// `article`, `author`, `category`.
    pub resource_type: Subject,
    /// The resource's id.
    pub resource_id: String,
    /// The resource's slug.
    pub resource_slug: Option<String>,
    /// The resource's version (articles).
    pub version: Option<i64>,
    /// JSON: `{"type","id","name"}`.
    pub actor: String,
    /// JSON: the resource as the public sees it; `None` when it is gone or not public.
    pub data: Option<String>,
}

impl EventRow {
    /// Its place in the feed.
    pub fn position(&self) -> Position {
        (self.txid, self.seq)
    }

    /// The event as receivers and the feed show it.
    pub fn to_json(&self) -> serde_json::Value {
        let parse = |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
        serde_json::json!({
            "id": self.id,
            "type": self.kind,
            "occurred_at": self.occurred_at.and_utc(),
            "resource": {
                "type": self.resource_type,
                "id": self.resource_id,
                "slug": self.resource_slug,
            },
            "version": self.version,
            "actor": parse(&self.actor),
            "data": self.data.as_deref().map_or(serde_json::Value::Null, parse),
        })
    }
}

/// A new event.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events)]
pub struct NewEvent {
    /// UUIDv7.
    pub id: String,
    /// The type.
    pub kind: EventType,
    /// When it happened.
    pub occurred_at: NaiveDateTime,
    /// The resource's type.
    pub resource_type: Subject,
    /// The resource's id.
    pub resource_id: String,
    /// The resource's slug.
    pub resource_slug: Option<String>,
    /// The resource's version.
    pub version: Option<i64>,
    /// JSON of the actor.
    pub actor: String,
    /// JSON of the public resource.
    pub data: Option<String>,
}

/// An article as events read it: its slug and version, and what its timers and its being
/// public depend on.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::articles)]
pub struct ArticleRow {
    /// UUIDv7.
    pub id: String,
    /// URL name.
    pub slug: String,
    /// Where it is in its life.
    pub status: crate::domain::Status,
    /// Publication time.
    pub published_at: Option<NaiveDateTime>,
    /// `published_at`, or far in the future.
    pub published_sort: NaiveDateTime,
    /// Expiry.
    pub unpublish_at: Option<NaiveDateTime>,
    /// +1 on every change.
    pub version: i64,
    /// In the trash since.
    pub trashed_at: Option<NaiveDateTime>,
}

impl ArticleRow {
    /// Whether the public sees it at `now`.
    pub fn is_public(&self, now: NaiveDateTime) -> bool {
        self.trashed_at.is_none()
            && crate::domain::kinds::is_live(
                self.status,
                self.published_sort,
                self.unpublish_at,
                now,
            )
    }
}
