//! Rows of the `articles` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::articles;

use super::render::Rendered;
use crate::domain::{ArticleId, AuthorId, CategoryId, MediaId, Status, TagId, UserId};

/// `published_sort` of an article never published: after every real date.
pub fn unpublished_sort() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MAX)
}

/// A stored article, every column.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = articles)]
// `None` is written as NULL (no column has another default), so the insert is the same
// statement every time and is prepared once per connection.
#[diesel(treat_none_as_default_value = false)]
pub struct Article {
    /// UUIDv7.
    pub id: ArticleId,
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
    pub author_id: Option<AuthorId>,
    /// Section.
    pub category_id: Option<CategoryId>,
    /// Cover image.
    pub cover_image_url: Option<String>,
    /// Words in the body.
    pub word_count: i32,
    /// Minutes to read.
    pub reading_time_minutes: i32,
    /// +1 on every change.
    pub version: i64,
    /// The user who created it.
    pub created_by: Option<UserId>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
    /// When it leaves the public routes; `None`: never.
    pub unpublish_at: Option<NaiveDateTime>,
    /// When it went to the trash; `None` outside it.
    pub trashed_at: Option<NaiveDateTime>,
    /// Who put it there (user id).
    pub trashed_by: Option<UserId>,
    /// Its tags' ids in order, comma-separated ([`crate::domain::split_ids`]).
    pub tag_ids: String,
    /// Its tags' names, for search.
    pub tag_names: String,
    /// Its cover from the media library.
    pub cover_media_id: Option<MediaId>,
    /// The staff user it is assigned to.
    pub assignee_id: Option<UserId>,
    /// Its public corrections, oldest first, as a JSON array ([`crate::articles::corrections`]).
    pub corrections: String,
    /// Its language, a BCP 47 tag in its usual case ([`crate::locale`]).
    pub locale: String,
    /// The stories that translate each other share this (the id of the story the group
    /// began with); `None` for a story with no translations.
    pub translation_group: Option<String>,
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
    pub author_id: Option<AuthorId>,
    /// Section.
    pub category_id: Option<CategoryId>,
    /// Cover image.
    pub cover_image_url: Option<String>,
    /// When it leaves the public routes.
    pub unpublish_at: Option<NaiveDateTime>,
    /// Its tags, in order (checked to exist when stored).
    pub tag_ids: Vec<TagId>,
    /// Its cover from the media library.
    pub cover_media_id: Option<MediaId>,
    /// The staff user it is assigned to (checked to exist when stored).
    pub assignee_id: Option<UserId>,
    /// Its language; the service fills in `BYLINE_DEFAULT_LOCALE` when none was given.
    pub locale: Option<String>,
    /// The translation group it joins (the service checks the language is free there).
    pub translation_group: Option<String>,
}

impl Article {
    /// What its timers follow.
    pub fn timing(&self) -> crate::domain::change::Timing {
        let (status, published_at) = (self.status, self.published_at);
        crate::domain::change::Timing::new(status, published_at, self.unpublish_at, self.trashed_at)
    }

    /// A new draft with its rendered body: the one place an article row is made.
    pub fn new_draft(
        draft: Draft,
        rendered: Rendered,
        created_by: Option<UserId>,
        now: NaiveDateTime,
    ) -> Self {
        let slug = crate::slug::chosen_or_made(draft.slug, &draft.title, "article");
        Self {
            id: ArticleId::generate(),
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
            unpublish_at: draft.unpublish_at,
            trashed_at: None,
            trashed_by: None,
            tag_ids: crate::domain::join_ids(&draft.tag_ids),
            // Written with the tags' names when stored.
            tag_names: String::new(),
            cover_media_id: draft.cover_media_id,
            assignee_id: draft.assignee_id,
            corrections: "[]".to_owned(),
            locale: draft
                .locale
                .unwrap_or_else(|| crate::locale::FALLBACK.to_owned()),
            translation_group: draft.translation_group,
        }
    }

    /// The article as a publish at `when` leaves it: published, or scheduled when `when`
    /// is after `now`. For a story stored public from the start (an import), in one
    /// version instead of a draft and its publish.
    pub fn published(mut self, when: NaiveDateTime, now: NaiveDateTime) -> Self {
        self.status = if when > now {
            Status::Scheduled
        } else {
            Status::Published
        };
        self.published_at = Some(when);
        self.published_sort = when;
        self
    }
}

/// An article without its body, for lists.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct ArticleSummary {
    /// UUIDv7.
    pub id: ArticleId,
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
    pub author_id: Option<AuthorId>,
    /// Section.
    pub category_id: Option<CategoryId>,
    /// Cover image.
    pub cover_image_url: Option<String>,
    /// Words.
    pub word_count: i32,
    /// Minutes.
    pub reading_time_minutes: i32,
    /// Version.
    pub version: i64,
    /// Creator.
    pub created_by: Option<UserId>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Updated.
    pub updated_at: NaiveDateTime,
    /// Expiry.
    pub unpublish_at: Option<NaiveDateTime>,
    /// Tag ids, comma-separated.
    pub tag_ids: String,
    /// Cover from the media library.
    pub cover_media_id: Option<MediaId>,
    /// The staff user it is assigned to.
    pub assignee_id: Option<UserId>,
    /// Public corrections, a JSON array.
    pub corrections: String,
    /// Language.
    pub locale: String,
    /// Translation group.
    pub translation_group: Option<String>,
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
            unpublish_at: a.unpublish_at,
            tag_ids: a.tag_ids,
            cover_media_id: a.cover_media_id,
            assignee_id: a.assignee_id,
            corrections: a.corrections,
            locale: a.locale,
            translation_group: a.translation_group,
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
    pub author_id: Option<Option<AuthorId>>,
    /// Section.
    pub category_id: Option<Option<CategoryId>>,
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
    /// Expiry.
    pub unpublish_at: Option<Option<NaiveDateTime>>,
    /// Trash (its own service calls only).
    pub trashed_at: Option<Option<NaiveDateTime>>,
    /// Who trashed it.
    pub trashed_by: Option<Option<UserId>>,
    /// Tag ids, comma-separated (the whole list).
    pub tag_ids: Option<String>,
    /// Follows `tag_ids`.
    pub tag_names: Option<String>,
    /// Cover from the media library.
    pub cover_media_id: Option<Option<MediaId>>,
    /// The staff user it is assigned to.
    pub assignee_id: Option<Option<UserId>>,
    /// Public corrections (appended by their own service call only).
    pub corrections: Option<String>,
    /// Language.
    pub locale: Option<String>,
    /// Translation group (its own service calls only).
    pub translation_group: Option<Option<String>>,
}

impl ArticleChangeset {
    /// The names of the editable fields this changeset sets to something other than what
    /// `current` holds, in the contract's order.
    pub fn differs_from(&self, current: &Article) -> Vec<&'static str> {
        let mut out = Vec::new();
        // Each field that the changeset sets to another value than `current` holds.
        macro_rules! check {
            ($($field:ident),*) => {$(
                if self.$field.as_ref().is_some_and(|v| *v != current.$field) {
                    out.push(stringify!($field));
                }
            )*};
        }
        check!(
            slug,
            title,
            subtitle,
            excerpt,
            body,
            status,
            published_at,
            unpublish_at
        );
        check!(
            author_id,
            category_id,
            cover_image_url,
            cover_media_id,
            tag_ids,
            locale
        );
        check!(assignee_id);
        out
    }
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
