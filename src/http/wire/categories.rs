//! Categories as clients send and receive them.

use crate::domain::caller::Caller;
use crate::http::slugged::Shown;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::categories::model;
use crate::categories::repo::{CreateInput, UpdateInput};
use crate::domain::{Code, Error, FieldError, IdOrSlug};
use crate::http::extract::Patch;
use crate::http::pagination::ListMeta;
use crate::http::wire::translations::{
    self, LanguageTag, LocalDescription, LocalDescriptionOrNull, SectionName, SectionNameOrNull,
};
use crate::validate::{self, Fields};
use std::collections::BTreeMap;

/// Longest category name, in characters.
pub const NAME_MAX: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 5_000;

/// A category: a section of the site, such as "Market". Categories nest.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = Category, example = json!({"id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b24", "slug": "market", "name": "Market", "description": "Stocks, bonds and commodities.", "parent_id": null, "created_at": "2019-02-08T09:00:00Z", "updated_at": "2019-02-08T09:00:00Z"}))]
pub struct CategoryResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid, example = "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23")]
    pub id: String,
    /// Unique URL name, made from the name when not given.
    #[schema(example = "market")]
    pub slug: String,
    /// Display name.
    #[schema(example = "Market")]
    pub name: String,
    /// What the section covers.
    #[schema(required = true, example = "Stocks, bonds and commodities.")]
    pub description: Option<String>,
    /// The enclosing category; `null` for a top-level one.
    #[schema(required = true, format = Uuid, example = json!(null))]
    pub parent_id: Option<String>,
    /// When it was created.
    #[schema(example = "2019-02-08T09:30:00Z")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[schema(example = "2019-02-08T09:30:00Z")]
    pub updated_at: DateTime<Utc>,
    /// Its name in other languages, by BCP 47 tag. With `locale`, and in a story's
    /// embed (the story's language), `name` is the one for that language: its own, else
    /// its language's (`pt` for `pt-BR`), else the default.
    #[schema(example = json!({"ru": "Рынок", "kk": "Нарық"}))]
    #[schema(value_type = BTreeMap<LanguageTag, String>)]
    pub names: BTreeMap<String, String>,
    /// Its description in other languages, by BCP 47 tag; `description` follows `locale`
    /// as `name` does.
    #[schema(value_type = BTreeMap<LanguageTag, String>)]
    pub descriptions: BTreeMap<String, String>,
}

impl CategoryResponse {
    /// As read in `locale`: its name and description there, else the default ones.
    pub fn localized(mut self, locale: &str) -> Self {
        let shown = (&mut self.name, &mut self.description);
        translations::localize(shown, &self.names, &self.descriptions, locale);
        self
    }
}

impl Shown for model::Category {
    const PATH: &'static str = "/api/v1/categories";
    type Body = CategoryResponse;

    /// A category reads the same to everyone.
    fn shown(self, _: &Caller) -> (CategoryResponse, &'static str) {
        (self.into(), "")
    }

    fn localized(body: CategoryResponse, locale: &str) -> CategoryResponse {
        body.localized(locale)
    }
}

impl From<model::Category> for CategoryResponse {
    fn from(c: model::Category) -> Self {
        Self {
            id: c.id.into(),
            slug: c.slug,
            name: c.name,
            description: c.description,
            parent_id: c.parent_id.map(Into::into),
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
            names: crate::locale::names(&c.names),
            descriptions: crate::locale::names(&c.descriptions),
        }
    }
}

/// A page of categories.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    /// The categories of this page, in slug order.
    pub data: Vec<CategoryResponse>,
    /// Paging information.
    pub meta: ListMeta,
}

/// The body of `POST /api/v1/categories`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Market", "description": "Stocks, bonds and commodities."}))]
pub struct CreateCategory {
    /// Display name: one line, not blank.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub name: String,
    /// URL name. Made from `name` when absent (transliterated to ASCII, with a numeric
    /// suffix if taken); a given slug that is taken is a 409.
    #[schema(
        max_length = 200,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "market"
    )]
    pub slug: Option<String>,
    /// What the section covers.
    #[schema(
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub description: Option<String>,
    /// The enclosing category, which must exist.
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
    /// Its name in other languages, by BCP 47 tag (at most 100; one line each).
    #[schema(example = json!({"ru": "Рынок", "kk": "Нарық"}))]
    #[schema(value_type = Option<BTreeMap<LanguageTag, SectionName>>)]
    pub names: Option<BTreeMap<String, String>>,
    /// Its description in other languages, by BCP 47 tag.
    #[schema(value_type = Option<BTreeMap<LanguageTag, LocalDescription>>)]
    pub descriptions: Option<BTreeMap<String, String>>,
}

/// The body of `PATCH /api/v1/categories/{id_or_slug}`: JSON merge patch. Absent fields stay
/// as they are; `null` clears `description` or `parent_id`. `name` and `slug` cannot be null.
/// Changing the name does not change the slug.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": null, "parent_id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23"}))]
pub struct UpdateCategory {
    /// New display name.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub name: Patch<String>,
    /// New slug; a taken one is a 409.
    #[serde(default)]
    #[schema(value_type = String, max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Patch<String>,
    /// New description, or `null` to clear it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 5000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub description: Patch<String>,
    /// New parent, or `null` for top level. A category cannot sit inside itself or its own
    /// descendants (422).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub parent_id: Patch<String>,
    /// Names in other languages, merged: a language with a name gets it, one with `null`
    /// loses it, others stay; `null` for the whole object removes them all.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<LanguageTag, SectionNameOrNull>>)]
    pub names: Patch<BTreeMap<String, Option<String>>>,
    /// Descriptions in other languages, merged as `names` is.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<LanguageTag, LocalDescriptionOrNull>>)]
    pub descriptions: Patch<BTreeMap<String, Option<String>>>,
}

/// Query parameters of `GET /api/v1/categories`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryListQuery {
    /// Only the direct children of this category (id or slug). A value that names no
    /// category gives an empty list.
    #[param(
        max_length = 200,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "market"
    )]
    pub parent: Option<String>,
    /// Changed at or after this time (inclusive): an RFC 3339 time, or a `YYYY-MM-DD` date
    /// read as midnight UTC.
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub updated_after: Option<DateTime<Utc>>,
    /// Names and descriptions in this language (BCP 47), where a category has them.
    #[param(
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}$",
        example = "ru"
    )]
    pub locale: Option<String>,
}

impl CategoryListQuery {
    /// `parent`, read as an id or a slug.
    pub fn parent(&self) -> Result<Option<IdOrSlug>, Error> {
        self.parent
            .as_deref()
            .map(IdOrSlug::parse)
            .transpose()
            .map_err(|_| {
                Error::invalid_query(vec![FieldError::new(
                    "parent",
                    Code::InvalidValue,
                    "parent must be a category id or slug",
                )])
            })
    }
}

impl CreateCategory {
    /// The new category, each field checked.
    pub fn check(self) -> Result<CreateInput, Error> {
        let mut v = Fields::new();
        let e = v.errors();
        let input = CreateInput {
            name: validate::single_line("name", &self.name, NAME_MAX, e).unwrap_or_default(),
            slug: self.slug.and_then(|s| validate::slug("slug", &s, e)),
            description: self
                .description
                .and_then(|d| validate::multi_line("description", &d, DESCRIPTION_MAX, e)),
            parent_id: self
                .parent_id
                .and_then(|p| validate::id("parent_id", &p, e)),
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

impl UpdateCategory {
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
            parent_id: v.clear(self.parent_id, |p, e| validate::id("parent_id", &p, e)),
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
