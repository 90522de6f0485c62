//! Rows of the `articles` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::articles;

use super::render::Rendered;
use crate::domain::Status;

/// `published_sort` of an article never published: after every real date.
pub fn unpublished_sort() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MAX)
}

/// A stored article, every column.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = articles)]
pub struct Article {
    /// UUIDv7.
    pub id: String,
    /// Unique URL name.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Lowercase title, for sorting.
    pub title_key: String,
    /// Dek.
    pub subtitle: Option<String>,
    /// Summary for lists.
    pub excerpt: Option<String>,
    /// Markdown.
    pub body: String,
    /// Sanitized HTML of `body`.
    pub body_html: String,
    /// Where the article is in its life.
    pub status: Status,
    /// Publication time.
    pub published_at: Option<NaiveDateTime>,
    /// `published_at`, or far future when unset.
    pub published_sort: NaiveDateTime,
    /// Byline.
    pub author_id: Option<String>,
    /// Section.
    pub category_id: Option<String>,
    /// Cover image.
    pub cover_image_url: Option<String>,
    /// Words in the body.
    pub word_count: i32,
    /// Minutes to read.
    pub reading_time_minutes: i32,
    /// +1 on every change.
    pub version: i64,
    /// The user who created it.
    pub created_by: Option<String>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// What a new article is made of, as given and checked; everything else follows from it.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Headline.
    pub title: String,
    /// Markdown.
    pub body: String,
    /// A chosen slug; made from the title when absent.
    pub slug: Option<String>,
    /// Dek.
    pub subtitle: Option<String>,
    /// Summary for lists.
    pub excerpt: Option<String>,
    /// Byline.
    pub author_id: Option<String>,
    /// Section.
    pub category_id: Option<String>,
    /// Cover image.
    pub cover_image_url: Option<String>,
}

impl Article {
    /// A new draft with its rendered body: the one place an article row is made.
    pub fn new_draft(
        draft: Draft,
        rendered: Rendered,
        created_by: Option<String>,
        now: NaiveDateTime,
    ) -> Self {
        let slug = draft.slug.unwrap_or_else(|| {
            crate::slug::from_title(&draft.title, crate::slug::MAX_LEN)
                .unwrap_or_else(|| "article".to_owned())
        });
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            slug,
            title_key: title_key(&draft.title),
            title: draft.title,
            subtitle: draft.subtitle,
            excerpt: draft.excerpt,
            body: draft.body,
            body_html: rendered.html,
            status: Status::Draft,
            published_at: None,
            published_sort: unpublished_sort(),
            author_id: draft.author_id,
            category_id: draft.category_id,
            cover_image_url: draft.cover_image_url,
            word_count: i32::try_from(rendered.words).unwrap_or(i32::MAX),
            reading_time_minutes: i32::try_from(rendered.reading_time).unwrap_or(i32::MAX),
            version: 1,
            created_by,
            created_at: now,
            updated_at: now,
        }
    }
}

/// An article without its body, for lists.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct ArticleSummary {
    /// UUIDv7.
    pub id: String,
    /// Unique URL name.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Lowercase title, for sorting.
    pub title_key: String,
    /// Dek.
    pub subtitle: Option<String>,
    /// Summary for lists.
    pub excerpt: Option<String>,
    /// Status.
    pub status: Status,
    /// Publication time.
    pub published_at: Option<NaiveDateTime>,
    /// Sort key.
    pub published_sort: NaiveDateTime,
    /// Byline.
    pub author_id: Option<String>,
    /// Section.
    pub category_id: Option<String>,
    /// Cover image.
    pub cover_image_url: Option<String>,
    /// Words.
    pub word_count: i32,
    /// Minutes.
    pub reading_time_minutes: i32,
    /// Version.
    pub version: i64,
    /// Creator.
    pub created_by: Option<String>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Updated.
    pub updated_at: NaiveDateTime,
}

impl From<Article> for ArticleSummary {
    fn from(a: Article) -> Self {
        Self {
            id: a.id,
            slug: a.slug,
            title: a.title,
            title_key: a.title_key,
            subtitle: a.subtitle,
            excerpt: a.excerpt,
            status: a.status,
            published_at: a.published_at,
            published_sort: a.published_sort,
            author_id: a.author_id,
            category_id: a.category_id,
            cover_image_url: a.cover_image_url,
            word_count: a.word_count,
            reading_time_minutes: a.reading_time_minutes,
            version: a.version,
            created_by: a.created_by,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// Columns an update may change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = articles)]
pub struct ArticleChangeset {
    /// Slug.
    pub slug: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Follows `title`.
    pub title_key: Option<String>,
    /// Subtitle.
    pub subtitle: Option<Option<String>>,
    /// Excerpt.
    pub excerpt: Option<Option<String>>,
    /// Body.
    pub body: Option<String>,
    /// Follows `body`.
    pub body_html: Option<String>,
    /// Status (actions only).
    pub status: Option<Status>,
    /// Publication time (actions only).
    pub published_at: Option<Option<NaiveDateTime>>,
    /// Follows `published_at`.
    pub published_sort: Option<NaiveDateTime>,
    /// Byline.
    pub author_id: Option<Option<String>>,
    /// Section.
    pub category_id: Option<Option<String>>,
    /// Cover image.
    pub cover_image_url: Option<Option<String>>,
    /// Follows `body`.
    pub word_count: Option<i32>,
    /// Follows `body`.
    pub reading_time_minutes: Option<i32>,
    /// +1.
    pub version: Option<i64>,
    /// Now.
    pub updated_at: Option<NaiveDateTime>,
}

/// The sort key of a title.
pub fn title_key(title: &str) -> String {
    title.to_lowercase()
}

crate::domain::kinds::named! {
    /// How the article list is ordered.
    ArticleSort, "sort" {
        /// Newest first (the default).
        NewestFirst = "-published_at",
        /// Oldest first.
        OldestFirst = "published_at",
        /// Most recently changed first.
        RecentlyUpdated = "-updated_at",
        /// By title, A to Z.
        Title = "title",
        /// Best match first (the default with `q`; needs `q`).
        Relevance = "relevance",
    }
}

impl ArticleSort {
    /// The cursor tag of the order.
    pub fn tag(self) -> &'static str {
        self.as_str()
    }
}
