//! Tags as clients send and receive them.

use crate::domain::caller::Caller;
use crate::http::slugged::Shown;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::Error;
use crate::http::extract::Patch;
use crate::http::pagination::ListMeta;
use crate::http::wire::translations::{
    self, LanguageTag, LocalDescription, LocalDescriptionOrNull, TagName, TagNameOrNull,
};
use crate::tags::model;
use crate::tags::repo::{CreateInput, UpdateInput};
use crate::validate::{self, Fields};
use std::collections::BTreeMap;

/// Longest tag name, in characters.
pub const NAME_MAX: usize = 100;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 5_000;

pub use crate::tags::model::TagSort;

/// A tag: a topic that cuts across sections, such as "Oil".
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = Tag, example = json!({"id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b25", "slug": "oil", "name": "Oil", "description": "Crude, refining and OPEC.", "created_at": "2019-02-08T09:00:00Z", "updated_at": "2019-02-08T09:00:00Z"}))]
pub struct TagResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid, example = "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b25")]
    pub id: String,
    /// Unique URL name, made from the name when not given.
    #[schema(example = "oil")]
    pub slug: String,
    /// Display name.
    #[schema(example = "Oil")]
    pub name: String,
    /// What the topic covers.
    #[schema(required = true, example = "Crude, refining and OPEC.")]
    pub description: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// In lists only: how many articles the public can read now carry the tag. Drafts,
    /// scheduled stories not yet due, expired and trashed ones are not counted, whoever asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, example = 12)]
    pub article_count: Option<i64>,
    /// Its name in other languages, by BCP 47 tag. With `locale`, and in a story's
    /// embed (the story's language), `name` is the one for that language: its own, else
    /// its language's (`pt` for `pt-BR`), else the default.
    #[schema(example = json!({"ru": "Нефть"}))]
    #[schema(value_type = BTreeMap<LanguageTag, String>)]
    pub names: BTreeMap<String, String>,
    /// Its description in other languages, by BCP 47 tag; `description` follows `locale`
    /// as `name` does.
    #[schema(value_type = BTreeMap<LanguageTag, String>)]
    pub descriptions: BTreeMap<String, String>,
}

impl TagResponse {
    /// As read in `locale`: its name and description there, else the default ones.
    pub fn localized(mut self, locale: &str) -> Self {
        let shown = (&mut self.name, &mut self.description);
        translations::localize(shown, &self.names, &self.descriptions, locale);
        self
    }
}

impl Shown for model::Tag {
    const PATH: &'static str = "/api/v1/tags";
    type Body = TagResponse;

    /// A tag reads the same to everyone.
    fn shown(self, _: &Caller) -> (TagResponse, &'static str) {
        (self.into(), "")
    }

    fn localized(body: TagResponse, locale: &str) -> TagResponse {
        body.localized(locale)
    }
}

impl From<model::Tag> for TagResponse {
    fn from(t: model::Tag) -> Self {
        Self {
            id: t.id.into(),
            slug: t.slug,
            name: t.name,
            description: t.description,
            created_at: t.created_at.and_utc(),
            updated_at: t.updated_at.and_utc(),
            article_count: None,
            names: crate::locale::names(&t.names),
            descriptions: crate::locale::names(&t.descriptions),
        }
    }
}

/// A page of tags.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    /// The tags of this page, each with `article_count`.
    pub data: Vec<TagResponse>,
    /// Paging information.
    pub meta: ListMeta,
}

/// The body of `POST /api/v1/tags`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Oil", "description": "Crude, refining and OPEC."}))]
pub struct CreateTag {
    /// Display name: one line, not blank.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub name: String,
    /// URL name. Made from `name` when absent (transliterated to ASCII, with a numeric
    /// suffix if taken); a given slug that is taken is a 409.
    #[schema(
        max_length = 200,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "oil"
    )]
    pub slug: Option<String>,
    /// What the topic covers.
    #[schema(
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub description: Option<String>,
    /// Its name in other languages, by BCP 47 tag (at most 100; one line each).
    #[schema(example = json!({"ru": "Нефть"}))]
    #[schema(value_type = Option<BTreeMap<LanguageTag, TagName>>)]
    pub names: Option<BTreeMap<String, String>>,
    /// Its description in other languages, by BCP 47 tag.
    #[schema(value_type = Option<BTreeMap<LanguageTag, LocalDescription>>)]
    pub descriptions: Option<BTreeMap<String, String>>,
}

/// The body of `PATCH /api/v1/tags/{id_or_slug}`: JSON merge patch. Absent fields stay as
/// they are; `null` clears `description`. Changing the name does not change the slug; a new
/// slug keeps the old one answering with a redirect.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Crude oil"}))]
pub struct UpdateTag {
    /// New display name.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub name: Patch<String>,
    /// New slug; a taken one is a 409.
    #[serde(default)]
    #[schema(value_type = String, max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Patch<String>,
    /// New description, or `null` to clear it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 5000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub description: Patch<String>,
    /// Names in other languages, merged: a language with a name gets it, one with `null`
    /// loses it, others stay; `null` for the whole object removes them all.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<LanguageTag, TagNameOrNull>>)]
    pub names: Patch<BTreeMap<String, Option<String>>>,
    /// Descriptions in other languages, merged as `names` is.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<LanguageTag, LocalDescriptionOrNull>>)]
    pub descriptions: Patch<BTreeMap<String, Option<String>>>,
}

/// Query parameters of `GET /api/v1/tags`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagListQuery {
    /// Only tags whose name contains this text, ignoring case.
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    pub q: Option<String>,
    /// `name` (default) or `-article_count` (most public articles first).
    #[param(inline)]
    pub sort: Option<TagSort>,
    /// Changed at or after this time (inclusive): an RFC 3339 time, or a `YYYY-MM-DD` date
    /// read as midnight UTC.
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub updated_after: Option<DateTime<Utc>>,
    /// Names and descriptions in this language (BCP 47), where a tag has them.
    #[param(
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}$",
        example = "ru"
    )]
    pub locale: Option<String>,
}

impl TagListQuery {
    /// `q`: part of a name, not blank.
    pub fn name(&self) -> Result<Option<String>, Error> {
        validate::text_filter(self.q.as_deref(), NAME_MAX)
    }
}

impl CreateTag {
    /// The new tag, each field checked.
    pub fn check(self) -> Result<CreateInput, Error> {
        let mut v = Fields::new();
        let e = v.errors();
        let input = CreateInput {
            name: validate::single_line("name", &self.name, NAME_MAX, e).unwrap_or_default(),
            slug: self.slug.and_then(|s| validate::slug("slug", &s, e)),
            description: self
                .description
                .and_then(|d| validate::multi_line("description", &d, DESCRIPTION_MAX, e)),
            names: translations::names_given("names", self.names, (NAME_MAX, false), e),
            descriptions: translations::names_given(
                "descriptions",
                self.descriptions,
                (DESCRIPTION_MAX, true),
                e,
            ),
        };
        v.finish(input)
    }
}

impl UpdateTag {
    /// The changes, each field checked.
    pub fn check(self) -> Result<UpdateInput, Error> {
        let mut v = Fields::new();
        let input = UpdateInput {
            name: v.keep("name", self.name, |n, e| {
                validate::single_line("name", &n, NAME_MAX, e)
            }),
            slug: v.keep("slug", self.slug, |s, e| validate::slug("slug", &s, e)),
            description: v.clear(self.description, |d, e| {
                validate::multi_line("description", &d, DESCRIPTION_MAX, e)
            }),
            names: translations::names_patched(&mut v, "names", self.names, (NAME_MAX, false)),
            descriptions: translations::names_patched(
                &mut v,
                "descriptions",
                self.descriptions,
                (DESCRIPTION_MAX, true),
            ),
        };
        v.finish(input)
    }
}
