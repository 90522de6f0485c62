//! Revisions, the trash and the audit log as clients see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::domain::Status;
use crate::history::model::{ActorRef, AuditRow, Revision};
use crate::http::pagination::ListMeta;
use crate::http::wire::articles::ArticleResponse;

/// Who did something.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActorResponse {
    /// `user`, `token`, `anonymous` (signing in) or `system` (start-up, the command line,
    /// background sweeps).
    #[serde(rename = "type")]
    #[schema(example = "user")]
    pub kind: String,
    /// The user's or API token's id.
    #[schema(required = true, format = Uuid)]
    pub id: Option<String>,
    /// Their display name (or the token's name) when they acted.
    #[schema(required = true, example = "Dana Editor")]
    pub name: Option<String>,
}

impl From<ActorRef> for ActorResponse {
    fn from(a: ActorRef) -> Self {
        Self {
            kind: a.kind,
            id: a.id,
            name: a.name,
        }
    }
}

/// An article's editable fields and status as of one revision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionArticle {
    /// Slug.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Dek.
    #[schema(required = true)]
    pub subtitle: Option<String>,
    /// Summary.
    #[schema(required = true)]
    pub excerpt: Option<String>,
    /// Markdown; in lists only with `fields=body`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub body: Option<String>,
    /// Status.
    pub status: Status,
    /// Publication time.
    #[schema(required = true)]
    pub published_at: Option<DateTime<Utc>>,
    /// Expiry.
    #[schema(required = true)]
    pub unpublish_at: Option<DateTime<Utc>>,
    /// Byline.
    #[schema(required = true, format = Uuid)]
    pub author_id: Option<String>,
    /// Section.
    #[schema(required = true, format = Uuid)]
    pub category_id: Option<String>,
    /// Cover image.
    #[schema(required = true)]
    pub cover_image_url: Option<String>,
    /// Cover from the media library (`null` for none, and in revisions made before the
    /// media library).
    #[schema(required = true, format = Uuid)]
    pub cover_media_id: Option<String>,
    /// Tags, in order (empty in revisions made before tags).
    pub tag_ids: Vec<String>,
}

/// One version of an article: who made it, how, and the article as it was then.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"version": 3, "created_at": "2026-11-29T09:30:00Z",
    "actor": {"type": "user", "id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23", "name": "Dana Editor"},
    "action": "updated", "changed_fields": ["title"],
    "article": {"slug": "stocks-slip-as-oil-climbs", "title": "Stocks slip as oil climbs",
        "subtitle": null, "excerpt": null, "status": "draft", "published_at": null,
        "unpublish_at": null, "author_id": null, "category_id": null, "cover_image_url": null,
        "cover_media_id": null, "tag_ids": []}}))]
pub struct RevisionResponse {
    /// The article's `version` this revision is.
    #[schema(example = 3)]
    pub version: i64,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Who wrote it.
    pub actor: ActorResponse,
    /// `created`, `updated`, `published`, `scheduled`, `unpublished`, `archived`, `trashed`,
    /// `untrashed` or `restored`.
    #[schema(example = "updated")]
    pub action: String,
    /// The fields this change touched.
    pub changed_fields: Vec<String>,
    /// The article as of this version.
    pub article: RevisionArticle,
}

impl From<Revision> for RevisionResponse {
    fn from(r: Revision) -> Self {
        let s = r.state;
        Self {
            version: r.version,
            created_at: r.created_at.and_utc(),
            actor: r.actor.into(),
            action: r.action.to_string(),
            changed_fields: r.changed_fields,
            article: RevisionArticle {
                slug: s.slug,
                title: s.title,
                subtitle: s.subtitle,
                excerpt: s.excerpt,
                body: r.body,
                status: s.status,
                published_at: s.published_at.map(|t| t.and_utc()),
                unpublish_at: s.unpublish_at.map(|t| t.and_utc()),
                author_id: s.author_id.map(Into::into),
                category_id: s.category_id.map(Into::into),
                cover_image_url: s.cover_image_url,
                cover_media_id: s.cover_media_id.flatten().map(Into::into),
                tag_ids: s
                    .tag_ids
                    .unwrap_or_default()
                    .into_iter()
                    .map(Into::into)
                    .collect(),
            },
        }
    }
}

/// A page of revisions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    /// The revisions of this page.
    pub data: Vec<RevisionResponse>,
    /// Paging information.
    pub meta: ListMeta,
}

/// Query parameters of `GET /api/v1/articles/{id_or_slug}/revisions`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevisionListQuery {
    /// `body` adds each revision's body (left out of lists otherwise).
    #[param(pattern = "^body$", example = "body")]
    pub fields: Option<String>,
}

/// An article in the trash, as it was when it went there.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrashedArticle {
    /// The article (without its body).
    #[serde(flatten)]
    pub article: ArticleResponse,
    /// When it went to the trash.
    pub trashed_at: DateTime<Utc>,
    /// The user who put it there; `null` for an API token.
    #[schema(required = true, format = Uuid)]
    pub trashed_by: Option<String>,
}

/// A page of the trash.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrashList {
    /// Trashed articles, most recently trashed first.
    pub data: Vec<TrashedArticle>,
    /// Paging information.
    pub meta: ListMeta,
}

/// What an audit entry is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditTarget {
    /// `article`, `author`, `category`, `user`, `api_token` or `session`.
    #[serde(rename = "type")]
    #[schema(example = "article")]
    pub kind: String,
    /// Its id; `null` for a refused sign-in.
    #[schema(required = true)]
    pub id: Option<String>,
}

/// One entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b99", "at": "2026-11-29T09:30:00Z",
    "actor": {"type": "user", "id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23", "name": "Dana Editor"},
    "action": "article.published", "target": {"type": "article", "id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b24"},
    "request_id": "6f1c2a9e0b6d4c1f8e7a5b3c2d1e0f9a", "client_ip": "203.0.113.7",
    "details": {"changed_fields": ["status", "published_at"], "version": 4}}))]
pub struct AuditEntry {
    /// UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: ActorResponse,
    /// `<target type>.<what happened>`: `article.created`, `article.updated`,
    /// `article.published`, `article.scheduled`, `article.unpublished`, `article.archived`,
    /// `article.trashed`, `article.untrashed`, `article.restored`, `article.purged`,
    /// `author.created` … `user.deleted`, `api_token.created`, `api_token.deleted`,
    /// `session.login`, `session.login_failed`, `session.refresh_reused`, `session.logout`.
    #[schema(example = "article.published")]
    pub action: String,
    /// What it was about.
    pub target: AuditTarget,
    /// The request that made it (as in `X-Request-Id`).
    #[schema(required = true)]
    pub request_id: Option<String>,
    /// The client's address.
    #[schema(required = true)]
    pub client_ip: Option<String>,
    /// More about it: `changed_fields`, `version`, the `email` a refused sign-in gave. Never
    /// a password or a token.
    #[schema(value_type = Object)]
    pub details: Value,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            id: r.id,
            at: r.at.and_utc(),
            actor: ActorResponse {
                kind: r.actor_type,
                id: r.actor_id,
                name: r.actor_name,
            },
            action: r.action.to_string(),
            target: AuditTarget {
                kind: r.target_type.to_string(),
                id: r.target_id,
            },
            request_id: r.request_id,
            client_ip: r.client_ip,
            details: serde_json::from_str(&r.details).unwrap_or(Value::Null),
        }
    }
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    /// Entries, newest first.
    pub data: Vec<AuditEntry>,
    /// Paging information.
    pub meta: ListMeta,
}

/// Query parameters of `GET /api/v1/audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries by this user or API token (id).
    #[param(format = Uuid, pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub actor: Option<String>,
    /// Only this action, e.g. `article.published` or `session.login_failed`.
    #[param(
        max_length = 100,
        pattern = "^[a-z_]+\\.[a-z_]+$",
        example = "article.published"
    )]
    pub action: Option<String>,
    /// Only entries about this kind of thing.
    #[param(
        max_length = 100,
        pattern = "^(article|author|category|user|api_token|session|webhook)$",
        example = "article"
    )]
    pub target_type: Option<String>,
    /// Only entries about this id.
    #[param(format = Uuid, pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub target_id: Option<String>,
    /// At or after this time (inclusive): RFC 3339 or `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub after: Option<DateTime<Utc>>,
    /// Before this time (exclusive).
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub before: Option<DateTime<Utc>>,
}
