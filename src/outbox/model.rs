//! Event rows.

use crate::domain::EventType;
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
    pub resource_type: String,
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
    pub resource_type: String,
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

/// An article as events read it: what the public sees, and what its timers depend on.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::articles)]
pub struct ArticleRow {
    /// UUIDv7.
    pub id: String,
    /// URL name.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Dek.
    pub subtitle: Option<String>,
    /// Summary.
    pub excerpt: Option<String>,
    /// Markdown.
    pub body: String,
    /// Rendered, sanitized HTML.
    pub body_html: String,
    /// Where it is in its life.
    pub status: crate::domain::Status,
    /// Publication time.
    pub published_at: Option<NaiveDateTime>,
    /// `published_at`, or far in the future.
    pub published_sort: NaiveDateTime,
    /// Expiry.
    pub unpublish_at: Option<NaiveDateTime>,
    /// Byline.
    pub author_id: Option<String>,
    /// Section.
    pub category_id: Option<String>,
    /// Cover image.
    pub cover_image_url: Option<String>,
    /// Words.
    pub word_count: i32,
    /// Minutes to read.
    pub reading_time_minutes: i32,
    /// +1 on every change.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// In the trash since.
    pub trashed_at: Option<NaiveDateTime>,
    /// Tag ids, comma-separated.
    pub tag_ids: String,
    /// Cover from the media library.
    pub cover_media_id: Option<String>,
}

impl ArticleRow {
    /// Its public fields.
    pub fn public(&self) -> super::present::PublicArticle<'_> {
        super::present::PublicArticle {
            id: &self.id,
            slug: &self.slug,
            title: &self.title,
            subtitle: self.subtitle.as_deref(),
            excerpt: self.excerpt.as_deref(),
            body: &self.body,
            body_html: &self.body_html,
            status: self.status,
            published_at: self.published_at,
            unpublish_at: self.unpublish_at,
            author_id: self.author_id.as_deref(),
            category_id: self.category_id.as_deref(),
            cover_image_url: self.cover_image_url.as_deref(),
            cover_media_id: self.cover_media_id.as_deref(),
            tag_ids: &self.tag_ids,
            word_count: self.word_count,
            reading_time_minutes: self.reading_time_minutes,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

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

/// An author's public fields.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::authors)]
pub struct AuthorRow {
    /// UUIDv7.
    pub id: String,
    /// URL name.
    pub slug: String,
    /// The byline.
    pub name: String,
    /// Biography.
    pub bio: Option<String>,
    /// Portrait.
    pub avatar_url: Option<String>,
    /// Site.
    pub website: Option<String>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A category.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::categories)]
pub struct CategoryRow {
    /// UUIDv7.
    pub id: String,
    /// URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// What it covers.
    pub description: Option<String>,
    /// Enclosing category.
    pub parent_id: Option<String>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A tag's public fields.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::tags)]
pub struct TagRow {
    /// UUIDv7.
    pub id: String,
    /// URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// What the topic covers.
    pub description: Option<String>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// An uploaded image's fields.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::media)]
pub struct MediaRow {
    /// UUIDv7.
    pub id: String,
    /// Safe file name.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Pixels across.
    pub width: i32,
    /// Pixels down.
    pub height: i32,
    /// SHA-256 of the stored bytes.
    pub sha256: String,
    /// Alt text.
    pub alt: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// Credit.
    pub credit: Option<String>,
    /// Uploaded.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}
