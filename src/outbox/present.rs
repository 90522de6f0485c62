//! Resources as the public API shows them, for the `data` of events. The HTTP layer's
//! answers to a public `GET` have the same fields (a test compares the two).

use serde_json::{Value, json};

use super::model::{
    AuthorRow as Author, CategoryRow as Category, MediaRow as Media, TagRow as Tag,
};

/// The fields of an article the public sees, borrowed from whichever row holds them.
#[derive(Debug, Clone, Copy)]
pub struct PublicArticle<'a> {
    /// UUIDv7.
    pub id: &'a str,
    /// URL name.
    pub slug: &'a str,
    /// Headline.
    pub title: &'a str,
    /// Dek.
    pub subtitle: Option<&'a str>,
    /// Summary.
    pub excerpt: Option<&'a str>,
    /// Markdown.
    pub body: &'a str,
    /// Rendered HTML.
    pub body_html: &'a str,
    /// Status.
    pub status: crate::domain::Status,
    /// Publication time.
    pub published_at: Option<chrono::NaiveDateTime>,
    /// Expiry.
    pub unpublish_at: Option<chrono::NaiveDateTime>,
    /// Byline.
    pub author_id: Option<&'a str>,
    /// Section.
    pub category_id: Option<&'a str>,
    /// Cover image.
    pub cover_image_url: Option<&'a str>,
    /// Cover from the media library.
    pub cover_media_id: Option<&'a str>,
    /// Tag ids, comma-separated.
    pub tag_ids: &'a str,
    /// Words.
    pub word_count: i32,
    /// Minutes to read.
    pub reading_time_minutes: i32,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: chrono::NaiveDateTime,
    /// Last changed.
    pub updated_at: chrono::NaiveDateTime,
}

/// An article as a public `GET /api/v1/articles/{id}` answers it.
pub fn article(a: &PublicArticle<'_>) -> Value {
    json!({
        "id": a.id,
        "slug": a.slug,
        "title": a.title,
        "subtitle": a.subtitle,
        "excerpt": a.excerpt,
        "body": a.body,
        "body_html": a.body_html,
        "status": a.status,
        "published_at": a.published_at.map(|t| t.and_utc()),
        "unpublish_at": a.unpublish_at.map(|t| t.and_utc()),
        "author_id": a.author_id,
        "category_id": a.category_id,
        "cover_image_url": a.cover_image_url,
        "cover_media_id": a.cover_media_id,
        "tag_ids": crate::domain::split_ids(a.tag_ids),
        "word_count": a.word_count,
        "reading_time_minutes": a.reading_time_minutes,
        "version": a.version,
        "created_at": a.created_at.and_utc(),
        "updated_at": a.updated_at.and_utc(),
    })
}

/// An author as the public sees it (no email).
pub fn author(a: &Author) -> Value {
    json!({
        "id": a.id,
        "slug": a.slug,
        "name": a.name,
        "bio": a.bio,
        "avatar_url": a.avatar_url,
        "website": a.website,
        "created_at": a.created_at.and_utc(),
        "updated_at": a.updated_at.and_utc(),
    })
}

/// An uploaded image as the public sees it (embedded as an article's cover): who uploaded
/// it is left out.
pub fn media(m: &Media) -> Value {
    json!({
        "id": m.id,
        "filename": m.filename,
        "content_type": m.content_type,
        "size": m.size,
        "width": m.width,
        "height": m.height,
        "sha256": m.sha256,
        "alt": m.alt,
        "caption": m.caption,
        "credit": m.credit,
        "url": crate::domain::media::original_path(&m.id, &m.filename),
        "renditions": crate::domain::media::renditions(&m.id, m.width, &m.filename),
        "created_at": m.created_at.and_utc(),
        "updated_at": m.updated_at.and_utc(),
    })
}

/// A tag as the public sees it.
pub fn tag(t: &Tag) -> Value {
    json!({
        "id": t.id,
        "slug": t.slug,
        "name": t.name,
        "description": t.description,
        "created_at": t.created_at.and_utc(),
        "updated_at": t.updated_at.and_utc(),
    })
}

/// A category.
pub fn category(c: &Category) -> Value {
    json!({
        "id": c.id,
        "slug": c.slug,
        "name": c.name,
        "description": c.description,
        "parent_id": c.parent_id,
        "created_at": c.created_at.and_utc(),
        "updated_at": c.updated_at.and_utc(),
    })
}
