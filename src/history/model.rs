//! Rows of `article_revisions` and `audit_log`, and the article state a revision keeps.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{article_revisions, articles, audit_log};
use crate::domain::change::{AuditAction, Subject, Verb};
use crate::domain::{AuthorId, CategoryId, MediaId, Status, TagId};

/// The editable fields and status of an article as one revision keeps them (without the
/// body, which is stored compressed beside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleState {
    /// Slug.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Dek.
    pub subtitle: Option<String>,
    /// Summary.
    pub excerpt: Option<String>,
    /// Status.
    pub status: Status,
    /// Publication time.
    pub published_at: Option<NaiveDateTime>,
    /// Expiry time.
    pub unpublish_at: Option<NaiveDateTime>,
    /// Byline.
    pub author_id: Option<AuthorId>,
    /// Section.
    pub category_id: Option<CategoryId>,
    /// Cover image.
    pub cover_image_url: Option<String>,
    /// Cover from the media library: `Some(None)` for none; `None` only in revisions made
    /// before the media library, which keep no cover.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "present")]
    pub cover_media_id: Option<Option<MediaId>>,
    /// Tags, in order; absent in revisions made before articles had tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_ids: Option<Vec<TagId>>,
}

/// A field that may be absent (`None`), or present and null (`Some(None)`).
mod present {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::domain::MediaId;

    pub fn serialize<S: Serializer>(
        value: &Option<Option<MediaId>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_ref().and_then(Option::as_ref).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<MediaId>>, D::Error> {
        Option::<MediaId>::deserialize(d).map(Some)
    }
}

/// The columns of an article a revision is made from.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct ArticleSource {
    /// Id.
    pub id: String,
    /// Version.
    pub version: i64,
    /// Slug.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Dek.
    pub subtitle: Option<String>,
    /// Summary.
    pub excerpt: Option<String>,
    /// Markdown.
    pub body: String,
    /// Status.
    pub status: Status,
    /// Publication time.
    pub published_at: Option<NaiveDateTime>,
    /// Expiry time.
    pub unpublish_at: Option<NaiveDateTime>,
    /// Byline.
    pub author_id: Option<AuthorId>,
    /// Section.
    pub category_id: Option<CategoryId>,
    /// Cover image.
    pub cover_image_url: Option<String>,
    /// Tag ids, comma-separated.
    pub tag_ids: String,
    /// Cover from the media library.
    pub cover_media_id: Option<MediaId>,
}

impl ArticleSource {
    /// The state a revision keeps of it.
    pub fn state(&self) -> ArticleState {
        ArticleState {
            slug: self.slug.clone(),
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            excerpt: self.excerpt.clone(),
            status: self.status,
            published_at: self.published_at,
            unpublish_at: self.unpublish_at,
            author_id: self.author_id.clone(),
            category_id: self.category_id.clone(),
            cover_image_url: self.cover_image_url.clone(),
            cover_media_id: Some(self.cover_media_id.clone()),
            tag_ids: Some(crate::domain::split_ids(&self.tag_ids)),
        }
    }
}

/// A stored revision, every column.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = article_revisions)]
pub struct RevisionRow {
    /// The article.
    pub article_id: String,
    /// The version this revision is.
    pub version: i64,
    /// When the change was written.
    pub created_at: NaiveDateTime,
    /// `user`, `token` or `system`.
    pub actor_type: String,
    /// The user's or token's id.
    pub actor_id: Option<String>,
    /// Their name when they wrote.
    pub actor_name: Option<String>,
    /// What happened (`created`, `updated`, `published`, …).
    pub action: Verb,
    /// JSON array of the fields the change touched.
    pub changed_fields: String,
    /// JSON of [`ArticleState`].
    pub state: String,
    /// zstd-compressed Markdown body.
    pub body: Vec<u8>,
}

/// A revision without its body, for lists.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_revisions)]
pub struct RevisionHead {
    /// The article.
    pub article_id: String,
    /// The version.
    pub version: i64,
    /// When.
    pub created_at: NaiveDateTime,
    /// Actor kind.
    pub actor_type: String,
    /// Actor id.
    pub actor_id: Option<String>,
    /// Actor name.
    pub actor_name: Option<String>,
    /// Action.
    pub action: Verb,
    /// JSON array.
    pub changed_fields: String,
    /// JSON state.
    pub state: String,
}

/// A revision as the services see it: parsed, with its body when it was loaded.
#[derive(Debug, Clone)]
pub struct Revision {
    /// The article.
    pub article_id: String,
    /// The version.
    pub version: i64,
    /// When.
    pub created_at: NaiveDateTime,
    /// Who.
    pub actor: ActorRef,
    /// What happened.
    pub action: Verb,
    /// Which fields it touched.
    pub changed_fields: Vec<String>,
    /// The article as of this version.
    pub state: ArticleState,
    /// The body, when asked for.
    pub body: Option<String>,
}

/// Who did something, as history keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorRef {
    /// `user`, `token`, `anonymous` or `system`.
    pub kind: String,
    /// The user's or token's id.
    pub id: Option<String>,
    /// Their name at the time.
    pub name: Option<String>,
}

/// An audit entry, every column.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    /// UUIDv7.
    pub id: String,
    /// When.
    pub at: NaiveDateTime,
    /// Actor kind.
    pub actor_type: String,
    /// Actor id.
    pub actor_id: Option<String>,
    /// Actor name.
    pub actor_name: Option<String>,
    /// `<target type>.<verb>`, e.g. `article.published`, `session.login_failed`.
    pub action: AuditAction,
    /// `article`, `user`, `session`, …
    pub target_type: Subject,
    /// The target's id.
    pub target_id: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_ip: Option<String>,
    /// JSON object.
    pub details: String,
}
