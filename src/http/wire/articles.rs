//! Articles as clients send and receive them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::articles::model::{Article, ArticleSummary};
use crate::articles::model::{ArticleChangeset, Draft};
use crate::domain::{Error, TagId};
use crate::http::FieldError;
use crate::http::extract::Patch;
use crate::http::pagination::ListMeta;
use crate::http::wire::authors::AuthorResponse;
use crate::http::wire::categories::CategoryResponse;
use crate::http::wire::corrections::CorrectionResponse;
pub use crate::http::wire::fields::{ArticleFields, FIELDS};
use crate::http::wire::locks::LockResponse;
use crate::http::wire::media::{MediaResponse, SocialImage};
pub use crate::http::wire::search::SearchHit;
use crate::http::wire::tags::TagResponse;
pub use crate::http::wire::translations::TranslationRef;
use crate::validate::{self, Fields};

/// Longest title or subtitle, in characters.
pub const TITLE_MAX: usize = 300;
/// Longest excerpt, in characters.
pub const EXCERPT_MAX: usize = 2_000;
/// Longest body, in characters.
pub const BODY_MAX: usize = 500_000;

pub use crate::domain::Status as ArticleStatus;

/// An article. A single article carries every field; list items leave out `body` and
/// `body_html` unless `fields` names them. `author` and `category` are present only when
/// `include` asks for them (`null` when the article has none).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = Article, example = json!({"id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23", "slug": "stocks-slip-as-oil-climbs", "title": "Stocks slip as oil climbs", "subtitle": null, "excerpt": "Energy led the losses.", "body": "Shares fell on **Friday**.", "body_html": "<p>Shares fell on <strong>Friday</strong>.</p>", "status": "published", "published_at": "2019-02-08T09:30:00Z", "unpublish_at": null, "live": true, "author_id": null, "category_id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b24", "cover_image_url": null, "word_count": 4, "reading_time_minutes": 1, "version": 3, "created_at": "2019-02-08T09:00:00Z", "updated_at": "2019-02-08T09:30:00Z"}))]
pub struct ArticleResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid, example = "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23")]
    pub id: String,
    /// Unique URL name, made from the title when not given.
    #[schema(example = "stocks-slip-as-oil-climbs")]
    pub slug: String,
    /// Headline.
    #[schema(example = "Stocks slip as oil climbs")]
    pub title: String,
    /// Dek under the headline.
    #[schema(required = true)]
    pub subtitle: Option<String>,
    /// Summary for lists and previews.
    #[schema(required = true)]
    pub excerpt: Option<String>,
    /// Its language: a BCP 47 tag in its usual case (`en`, `ru`, `pt-BR`). Single reads
    /// send it as `Content-Language` too.
    #[schema(example = "en", max_length = 35)]
    pub locale: String,
    /// The stories that translate each other share this id (`null`: it has no
    /// translations); see `include=translations`.
    #[schema(required = true, format = Uuid)]
    pub translation_group: Option<String>,
    /// The story in Markdown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub body: Option<String>,
    /// `body` rendered to HTML and sanitized by the server; read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub body_html: Option<String>,
    /// Read-only: changed through the actions (publish, unpublish, archive, submit, return).
    pub status: ArticleStatus,
    /// When it was (or will be) published; `null` until then.
    #[schema(required = true, example = "2019-02-08T09:30:00Z")]
    pub published_at: Option<DateTime<Utc>>,
    /// When it leaves the public routes (expiry); `null` for never. From that moment it is
    /// hidden from the public with no job needed; its status stays `published`.
    #[schema(required = true, example = "2019-03-08T09:30:00Z")]
    pub unpublish_at: Option<DateTime<Utc>>,
    /// Whether the public sees it right now (published or due, and not expired). Present on
    /// reads by authenticated callers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = true)]
    pub live: Option<bool>,
    /// The staff user it is assigned to (`null`: nobody). Present on reads by authenticated
    /// callers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub assignee_id: Option<Option<String>>,
    /// Who is editing it (`null`: nobody). Present on reads by authenticated callers only,
    /// one story or a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<LockResponse>)]
    pub lock: Option<Option<LockResponse>>,
    /// The byline; `null` for a story without a named author.
    #[schema(required = true, format = Uuid)]
    pub author_id: Option<String>,
    /// The section.
    #[schema(required = true, format = Uuid)]
    pub category_id: Option<String>,
    /// Cover image URL (an external image).
    #[schema(required = true)]
    pub cover_image_url: Option<String>,
    /// The cover from the media library.
    #[schema(required = true, format = Uuid)]
    pub cover_media_id: Option<String>,
    /// For `og:image`: the cover's social crop (1200 × 630, JPEG) around its focal point;
    /// `null` without a cover from the media library.
    #[schema(required = true)]
    pub social_image: Option<SocialImage>,
    /// The article's tags, in the order the editor gave (at most 20).
    #[schema(example = json!(["01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b25"]), max_items = 20)]
    pub tag_ids: Vec<String>,
    /// Words in the body.
    #[schema(example = 640)]
    pub word_count: i32,
    /// Minutes to read at 200 words a minute.
    #[schema(example = 4)]
    pub reading_time_minutes: i32,
    /// Public corrections, clarifications and updates, oldest first (`[]` for none); see
    /// `GET /api/v1/corrections`.
    pub corrections: Vec<CorrectionResponse>,
    /// Goes up by one on every change; the `ETag` follows it.
    #[schema(example = 3)]
    pub version: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The author, with `include=author`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AuthorResponse>)]
    pub author: Option<Option<AuthorResponse>>,
    /// The category, with `include=category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<CategoryResponse>)]
    pub category: Option<Option<CategoryResponse>>,
    /// The tags, in `tag_ids` order, with `include=tags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub tags: Option<Vec<TagResponse>>,
    /// The cover image with its rendition URLs, with `include=cover` (`null` when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<MediaResponse>)]
    pub cover: Option<Option<MediaResponse>>,
    /// Its translations the caller may read (the public: published ones), with
    /// `include=translations`, ordered by language; `[]` for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub translations: Option<Vec<TranslationRef>>,
    /// How well a search hit matched, in relevance order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub search: Option<SearchHit>,
}

impl From<ArticleSummary> for ArticleResponse {
    fn from(a: ArticleSummary) -> Self {
        Self {
            id: a.id.into(),
            slug: a.slug,
            title: a.title,
            subtitle: a.subtitle,
            excerpt: a.excerpt,
            locale: a.locale,
            translation_group: a.translation_group,
            body: None,
            body_html: None,
            status: a.status,
            published_at: a.published_at.map(|t| t.and_utc()),
            unpublish_at: a.unpublish_at.map(|t| t.and_utc()),
            live: None,
            assignee_id: None,
            lock: None,
            author_id: a.author_id.map(Into::into),
            category_id: a.category_id.map(Into::into),
            cover_image_url: a.cover_image_url,
            cover_media_id: a.cover_media_id.map(Into::into),
            social_image: None,
            tag_ids: crate::domain::split_ids(&a.tag_ids),
            word_count: a.word_count,
            reading_time_minutes: a.reading_time_minutes,
            corrections: super::corrections::of_story(&a.corrections),
            version: a.version,
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
            author: None,
            category: None,
            tags: None,
            cover: None,
            translations: None,
            search: None,
        }
    }
}

impl From<Article> for ArticleResponse {
    fn from(mut a: Article) -> Self {
        let body = std::mem::take(&mut a.body);
        let body_html = std::mem::take(&mut a.body_html);
        let mut response = Self::from(ArticleSummary::from(a));
        response.body = Some(body);
        response.body_html = Some(body_html);
        response
    }
}

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    /// The articles of this page (`ArticleSummary`; with `fields`, `ArticleFields`).
    pub data: Vec<ArticleFields>,
    /// Paging information.
    pub meta: ListMeta,
}

/// The body of `POST /api/v1/articles`. New articles are always drafts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Stocks slip as oil climbs", "body": "Shares fell on Friday...", "excerpt": "Energy led the losses."}))]
pub struct CreateArticle {
    /// Headline: one line, not blank.
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub title: String,
    /// The story in Markdown.
    #[schema(
        max_length = 500000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub body: String,
    /// URL name; made from the title when absent (transliterated, numbered if taken). A given
    /// slug that is taken is a 409.
    #[schema(max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// Dek under the headline.
    #[schema(
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub subtitle: Option<String>,
    /// Summary for lists.
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub excerpt: Option<String>,
    /// The byline, which must exist. Authors may set only their own linked profile (the
    /// default for them).
    #[schema(format = Uuid)]
    pub author_id: Option<String>,
    /// The section, which must exist.
    #[schema(format = Uuid)]
    pub category_id: Option<String>,
    /// Cover image URL (http or https).
    #[schema(
        max_length = 2000,
        pattern = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?$"
    )]
    pub cover_image_url: Option<String>,
    /// When the story should leave the public routes once published (expiry); must be later
    /// than `published_at`. Years 0001 to 9999.
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub unpublish_at: Option<DateTime<Utc>>,
    /// A cover from the media library, which must exist.
    #[schema(format = Uuid)]
    pub cover_media_id: Option<String>,
    /// Tags, in order: at most 20 ids of existing tags, each once.
    #[schema(max_items = 20, value_type = Option<Vec<String>>)]
    pub tag_ids: Option<Vec<String>>,
    /// The staff user the story is assigned to, who must exist. Authors may name only
    /// themselves.
    #[schema(format = Uuid)]
    pub assignee_id: Option<String>,
    /// Its language, a BCP 47 tag (`en`, `ru`, `pt-BR`; either case, `-` or `_`), answered
    /// in its usual case. Default `BYLINE_DEFAULT_LOCALE`.
    #[schema(
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}$",
        example = "en"
    )]
    pub locale: Option<String>,
}

/// The body of `PATCH /api/v1/articles/{id}` (JSON merge patch): absent fields stay, `null`
/// clears the optional ones. `status` and `published_at` change only through actions.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Stocks slip as oil climbs again", "subtitle": null}))]
pub struct UpdateArticle {
    /// New headline.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 300, pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub title: Patch<String>,
    /// New body (Markdown).
    #[serde(default)]
    #[schema(value_type = String, max_length = 500000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub body: Patch<String>,
    /// New slug; a taken one is a 409.
    #[serde(default)]
    #[schema(value_type = String, max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Patch<String>,
    /// New subtitle, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 300, pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub subtitle: Patch<String>,
    /// New excerpt, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub excerpt: Patch<String>,
    /// New byline, or `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub author_id: Patch<String>,
    /// New section, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub category_id: Patch<String>,
    /// New cover image URL, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?$")]
    pub cover_image_url: Patch<String>,
    /// New expiry, or `null` for none; must be later than `published_at`.
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub unpublish_at: Patch<String>,
    /// New cover from the media library, or `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub cover_media_id: Patch<String>,
    /// The whole list of tags, in order (at most 20 ids of existing tags, each once); `[]`
    /// or `null` removes them all.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>, max_items = 20)]
    pub tag_ids: Patch<Vec<String>>,
    /// The staff user to assign it to, or `null` for nobody. Editors, admins and write
    /// tokens assign anyone; an author may take an unassigned story of their own, or give
    /// it up.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub assignee_id: Patch<String>,
    /// Its language (BCP 47). In a translation group, a language another story of the group
    /// has is a 409 `translation_exists`.
    #[serde(default)]
    #[schema(value_type = String, max_length = 35, pattern = "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}$")]
    pub locale: Patch<String>,
}

/// The body of `POST /api/v1/articles/{id}/publish` (may be empty).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"publish_at": "2026-12-01T06:00:00Z"}))]
pub struct PublishArticle {
    /// Publish at this time instead of now: a future time schedules the article (public from
    /// then on, with no job needed); a past one back-dates it. Years 0001 to 9999.
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub publish_at: Option<DateTime<Utc>>,
    /// Take the story off the public routes at this time (expiry), or `null` to clear an
    /// expiry; absent keeps the one it has. Must be later than the publication time.
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub unpublish_at: Patch<String>,
}

impl PublishArticle {
    /// The expiry the body asks for: `None` keeps it, `Some(None)` clears it.
    pub fn expiry(&self) -> Result<Option<Option<chrono::NaiveDateTime>>, Error> {
        let mut v = Fields::new();
        let until = v.clear(self.unpublish_at.clone(), |t, e| {
            validate::timestamp("unpublish_at", &t, e)
        });
        v.finish(until)
    }
}

/// The body of `unpublish` and `archive` (may be empty or `{}`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({}))]
pub struct EmptyBody {}

pub use crate::articles::model::ArticleSort;

/// Query parameters of `GET /api/v1/articles`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleListQuery {
    /// Comma-separated statuses (`draft`, `in_review`, `scheduled`, `published`, `archived`)
    /// or `all`.
    /// Without it the list holds what the public may see; so does `status=published` for a
    /// caller without credentials. Any other status needs credentials (401 without); authors
    /// see only their own unpublished articles.
    #[param(
        max_length = 100,
        pattern = "^(all|(draft|in_review|scheduled|published|archived)(,(draft|in_review|scheduled|published|archived))*)$",
        example = "draft,scheduled"
    )]
    pub status: Option<String>,
    /// Full-text search over title, subtitle, excerpt and body. Words must all match;
    /// `"exact phrase"`, `-excluded` and `OR` work as in search boxes
    /// (`oil "supply cuts" -gas`, `brent OR wti`). English stemming (`ministers` finds
    /// `minister`); case and accents are ignored. With `q` the default order is `relevance`
    /// and each item carries `search` with its rank and a highlighted fragment of the body.
    /// Relevance blends the text score with recency (`BYLINE_SEARCH_RECENCY`), puts a story
    /// whose title is exactly the query first, and ranks the newest 1,000 matches
    /// (`BYLINE_SEARCH_CANDIDATES`) plus exact titles; `sort=-published_at` pages through
    /// every match, newest first. With `with_total`, a search counts up to 10,000 matches
    /// (`BYLINE_SEARCH_EXACT_TOTAL`): past that, `meta.total` is that bound and
    /// `meta.total_exact` is `false`.
    #[param(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000]*$",
        example = "oil \"supply cuts\" -gas"
    )]
    pub q: Option<String>,
    /// Only this author's articles (id or slug). A value naming no author gives an empty list.
    #[param(max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub author: Option<String>,
    /// Only this category and the categories inside it (id or slug).
    #[param(max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub category: Option<String>,
    /// Only articles carrying this tag (slug); a comma-separated list of up to 20 slugs
    /// matches articles carrying any of them. Slugs naming no tag match nothing.
    #[param(
        max_length = 4100,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*(,[a-z0-9]+(-[a-z0-9]+)*){0,19}$",
        example = "oil,opec"
    )]
    pub tag: Option<String>,
    /// Only stories assigned to `me` (the signed-in user), to `none`, or to the user with
    /// this id. Staff only (401 without credentials).
    #[param(
        max_length = 36,
        pattern = "^(me|none|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
    )]
    pub assignee: Option<String>,
    /// Only stories in these languages: up to 20 comma-separated BCP 47 tags (`ru,kk`), in
    /// either case. A search with it matches by those languages' stemming.
    #[param(
        max_length = 1000,
        pattern = "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}(,[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}){0,19}$",
        example = "ru,kk"
    )]
    pub locale: Option<String>,
    /// Published at or after this time (inclusive): an RFC 3339 time, or a `YYYY-MM-DD` date
    /// read as midnight UTC; years 0001 to 9999.
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub published_after: Option<DateTime<Utc>>,
    /// Published before this time (exclusive); the same forms as `published_after`.
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub published_before: Option<DateTime<Utc>>,
    /// Changed at or after this time (inclusive; the same forms as `published_after`): for
    /// a sync that catches up, with `sort=-updated_at` or with the changes feed.
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub updated_after: Option<DateTime<Utc>>,
    /// `-published_at` (default), `published_at`, `-updated_at`, `title`, or `relevance`
    /// (the default when `q` is given; only with `q`): best match first, see `q`.
    #[param(inline)]
    pub sort: Option<ArticleSort>,
    /// Related objects to embed, comma-separated: `author`, `category`, `tags`, `cover`,
    /// `translations`.
    #[param(
        max_length = 100,
        pattern = "^(author|category|tags|cover|translations)(,(author|category|tags|cover|translations))*$",
        example = "author,category"
    )]
    pub include: Option<String>,
    /// The article fields to return, comma-separated (`id` is always there). Naming `body` or
    /// `body_html` adds them to list items. The items then hold only those fields: read them
    /// as `ArticleFields`, not `ArticleSummary`.
    #[param(
        max_length = 500,
        pattern = "^[a-z_,]+$",
        example = "title,slug,excerpt,published_at"
    )]
    pub fields: Option<String>,
}

/// Query parameters of `GET /api/v1/articles/{id_or_slug}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleGetQuery {
    /// Related objects to embed, comma-separated: `author`, `category`, `tags`, `cover`,
    /// `translations`.
    #[param(
        max_length = 100,
        pattern = "^(author|category|tags|cover|translations)(,(author|category|tags|cover|translations))*$",
        example = "author,category"
    )]
    pub include: Option<String>,
    /// The fields to return, comma-separated (`id` is always there). The answer then holds
    /// only those fields: read it as `ArticleFields`, not `Article`.
    #[param(
        max_length = 500,
        pattern = "^(id|slug|title|subtitle|excerpt|body|body_html|status|published_at|unpublish_at|live|assignee_id|lock|author_id|category_id|cover_image_url|cover_media_id|social_image|tag_ids|word_count|reading_time_minutes|corrections|version|created_at|updated_at|locale|translation_group)(,(id|slug|title|subtitle|excerpt|body|body_html|status|published_at|unpublish_at|live|assignee_id|lock|author_id|category_id|cover_image_url|cover_media_id|social_image|tag_ids|word_count|reading_time_minutes|corrections|version|created_at|updated_at|locale|translation_group))*$"
    )]
    pub fields: Option<String>,
}

impl CreateArticle {
    /// The new article, each field checked.
    pub fn check(self) -> Result<Draft, Error> {
        let mut v = Fields::new();
        let e = v.errors();
        let title = validate::single_line("title", &self.title, TITLE_MAX, e);
        let text = validate::multi_line("body", &self.body, BODY_MAX, e);
        let draft = Draft {
            title: title.unwrap_or_default(),
            body: text.unwrap_or_default(),
            slug: self.slug.and_then(|s| validate::slug("slug", &s, e)),
            subtitle: self.subtitle.and_then(|s| optional_line("subtitle", &s, e)),
            excerpt: self
                .excerpt
                .and_then(|x| validate::multi_line("excerpt", &x, EXCERPT_MAX, e)),
            author_id: self
                .author_id
                .and_then(|a| validate::id("author_id", &a, e)),
            category_id: self
                .category_id
                .and_then(|c| validate::id("category_id", &c, e)),
            cover_image_url: self
                .cover_image_url
                .and_then(|u| validate::url("cover_image_url", &u, e)),
            unpublish_at: self.unpublish_at.map(|t| {
                use chrono::SubsecRound;
                t.naive_utc().trunc_subsecs(6)
            }),
            tag_ids: self
                .tag_ids
                .and_then(|ids| tag_list(ids, e))
                .unwrap_or_default(),
            cover_media_id: self
                .cover_media_id
                .and_then(|c| validate::id("cover_media_id", &c, e)),
            assignee_id: self
                .assignee_id
                .and_then(|u| validate::id("assignee_id", &u, e)),
            locale: self.locale.and_then(|l| validate::locale("locale", &l, e)),
            translation_group: None,
        };
        v.finish(draft)
    }
}

impl UpdateArticle {
    /// The changes, each field checked.
    pub fn check(self) -> Result<ArticleChangeset, Error> {
        let mut v = Fields::new();
        let changes = ArticleChangeset {
            title: v.keep("title", self.title, |t, e| {
                validate::single_line("title", &t, TITLE_MAX, e)
            }),
            body: v.keep("body", self.body, |b, e| {
                validate::multi_line("body", &b, BODY_MAX, e)
            }),
            slug: v.keep("slug", self.slug, |s, e| validate::slug("slug", &s, e)),
            // White space alone clears the subtitle, as `null` does.
            subtitle: v
                .clear(self.subtitle, |s, e| {
                    let before = e.len();
                    let line = optional_line("subtitle", &s, e);
                    (e.len() == before).then_some(line)
                })
                .map(Option::flatten),
            excerpt: v.clear(self.excerpt, |x, e| {
                validate::multi_line("excerpt", &x, EXCERPT_MAX, e)
            }),
            author_id: v.clear(self.author_id, |a, e| validate::id("author_id", &a, e)),
            category_id: v.clear(self.category_id, |c, e| validate::id("category_id", &c, e)),
            cover_image_url: v.clear(self.cover_image_url, |u, e| {
                validate::url("cover_image_url", &u, e)
            }),
            unpublish_at: v.clear(self.unpublish_at, |t, e| {
                validate::timestamp("unpublish_at", &t, e)
            }),
            cover_media_id: v.clear(self.cover_media_id, |c, e| {
                validate::id("cover_media_id", &c, e)
            }),
            // `null` clears the list, as `[]` does.
            tag_ids: v
                .clear(self.tag_ids, tag_list)
                .map(|ids| crate::domain::join_ids(&ids.unwrap_or_default())),
            assignee_id: v.clear(self.assignee_id, |u, e| validate::id("assignee_id", &u, e)),
            locale: v.keep("locale", self.locale, |l, e| {
                validate::locale("locale", &l, e)
            }),
            ..ArticleChangeset::default()
        };
        v.finish(changes)
    }
}

/// An optional one-line field: white space alone means none.
fn optional_line(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if value.trim().is_empty()
        && !value
            .chars()
            .any(|c| (c as u32) <= 0x1F || c as u32 == 0x7F)
    {
        return Some(value.trim().to_owned()).filter(|v| !v.is_empty());
    }
    validate::single_line(field, value, TITLE_MAX, errors)
}

/// Checks a list of tag ids: at most [`crate::tags::MAX_PER_ARTICLE`], each a UUID, none
/// twice. Whether they exist is the service's to check.
fn tag_list(ids: Vec<String>, errors: &mut Vec<FieldError>) -> Option<Vec<TagId>> {
    let max = crate::tags::MAX_PER_ARTICLE;
    if ids.len() > max {
        errors.push(FieldError::new(
            "tag_ids",
            crate::domain::Code::TooLong,
            format!("an article carries at most {max} tags"),
        ));
        return None;
    }
    let before = errors.len();
    let mut out: Vec<TagId> = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(id) = validate::id("tag_ids", &id, errors) {
            if out.contains(&id) {
                errors.push(FieldError::new(
                    "tag_ids",
                    crate::domain::Code::InvalidValue,
                    format!("tag_ids names {id} twice"),
                ));
            }
            out.push(id);
        }
    }
    (errors.len() == before).then_some(out)
}
