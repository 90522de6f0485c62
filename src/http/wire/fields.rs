//! What `fields` may leave of an article: the names it takes and the schema of the result.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Status as ArticleStatus;
use crate::http::wire::authors::AuthorResponse;
use crate::http::wire::categories::CategoryResponse;
use crate::http::wire::corrections::CorrectionResponse;
use crate::http::wire::locks::LockResponse;
use crate::http::wire::media::{MediaResponse, SocialImage};
use crate::http::wire::search::SearchHit;
use crate::http::wire::tags::TagResponse;
use crate::http::wire::translations::TranslationRef;

/// What `fields` leaves of an article: only the fields it names, and `id` always; `author`
/// and `category` with `include`, `search` with `q`. Not the answer of any operation by
/// itself: a client that sends `fields` reads an `Article` or `ArticleSummary` answer as
/// this.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ArticleFields)]
pub struct ArticleFields {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// Unique URL name.
    #[schema(nullable = false)]
    pub slug: Option<String>,
    /// Headline.
    #[schema(nullable = false)]
    pub title: Option<String>,
    /// Dek under the headline.
    pub subtitle: Option<String>,
    /// Summary for lists.
    pub excerpt: Option<String>,
    /// The story in Markdown.
    #[schema(nullable = false)]
    pub body: Option<String>,
    /// `body` rendered and sanitized.
    #[schema(nullable = false)]
    pub body_html: Option<String>,
    /// Where the article is in its life.
    #[schema(nullable = false)]
    pub status: Option<ArticleStatus>,
    /// When it was (or will be) published.
    pub published_at: Option<DateTime<Utc>>,
    /// When it leaves the public routes.
    pub unpublish_at: Option<DateTime<Utc>>,
    /// Whether the public sees it now (authenticated callers only).
    #[schema(nullable = false)]
    pub live: Option<bool>,
    /// The staff user it is assigned to (authenticated callers only).
    #[schema(format = Uuid)]
    pub assignee_id: Option<String>,
    /// Who is editing it (authenticated callers only).
    pub lock: Option<LockResponse>,
    /// The byline.
    #[schema(format = Uuid)]
    pub author_id: Option<String>,
    /// The section.
    #[schema(format = Uuid)]
    pub category_id: Option<String>,
    /// Cover image URL.
    pub cover_image_url: Option<String>,
    /// The cover from the media library.
    #[schema(format = Uuid)]
    pub cover_media_id: Option<String>,
    /// The cover's social crop, for `og:image`.
    pub social_image: Option<SocialImage>,
    /// The tags' ids, in order.
    #[schema(nullable = false)]
    pub tag_ids: Option<Vec<String>>,
    /// Words in the body.
    #[schema(nullable = false)]
    pub word_count: Option<i32>,
    /// Minutes to read.
    #[schema(nullable = false)]
    pub reading_time_minutes: Option<i32>,
    /// Public corrections, oldest first.
    #[schema(nullable = false)]
    pub corrections: Option<Vec<CorrectionResponse>>,
    /// +1 on every change.
    #[schema(nullable = false)]
    pub version: Option<i64>,
    /// When it was created.
    #[schema(nullable = false)]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[schema(nullable = false)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Its language (BCP 47).
    #[schema(nullable = false, example = "en")]
    pub locale: Option<String>,
    /// The group of stories that translate each other (`null`: none).
    #[schema(format = Uuid)]
    pub translation_group: Option<String>,
    /// The author, with `include=author` (`null` when the article has none).
    pub author: Option<AuthorResponse>,
    /// The category, with `include=category`.
    pub category: Option<CategoryResponse>,
    /// The tags, with `include=tags`.
    #[schema(nullable = false)]
    pub tags: Option<Vec<TagResponse>>,
    /// The cover image, with `include=cover`.
    pub cover: Option<MediaResponse>,
    /// Its translations the caller may read, with `include=translations`.
    #[schema(nullable = false)]
    pub translations: Option<Vec<TranslationRef>>,
    /// How a search hit matched (with `q`, in relevance order).
    #[schema(nullable = false)]
    pub search: Option<SearchHit>,
}

/// Every field `fields` may name.
pub const FIELDS: &[&str] = &[
    "id",
    "slug",
    "title",
    "subtitle",
    "excerpt",
    "body",
    "body_html",
    "status",
    "published_at",
    "unpublish_at",
    "live",
    "assignee_id",
    "lock",
    "author_id",
    "category_id",
    "cover_image_url",
    "cover_media_id",
    "social_image",
    "tag_ids",
    "word_count",
    "reading_time_minutes",
    "corrections",
    "version",
    "created_at",
    "updated_at",
    "locale",
    "translation_group",
];
