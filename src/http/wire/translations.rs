//! Languages and translations as clients send and read them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::articles::translations::Member;
use crate::domain::Code;
use crate::http::extract::Patch;
use crate::http::wire::articles::UpdateArticle;
use crate::http::{ApiError, FieldError};
use crate::locale::{Names, NamesChange};
use crate::validate::{self, Fields};

/// One translation of a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"locale": "ru", "id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b29", "slug": "jica-seminar-in-astana-ru", "title": "Семинар JICA в Астане"}))]
pub struct TranslationRef {
    /// Its language (BCP 47).
    #[schema(example = "ru")]
    pub locale: String,
    /// Its id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Its URL name.
    pub slug: String,
    /// Its headline.
    pub title: String,
}

impl From<Member> for TranslationRef {
    fn from(m: Member) -> Self {
        Self {
            locale: m.locale,
            id: m.id.into(),
            slug: m.slug,
            title: m.title,
        }
    }
}

/// A story's translations.
#[derive(Debug, Serialize, ToSchema)]
pub struct TranslationList {
    /// Its translations the caller may read, by language; the story itself is left out.
    pub data: Vec<TranslationRef>,
}

/// The body of `POST /api/v1/articles/{id_or_slug}/translations`: the language, and
/// whatever the translation has of its own. Every other field is copied from the story
/// (title, subtitle, excerpt and body to translate; section, tags, byline and cover);
/// `null` leaves an optional one out. Without a title or slug, the slug is the story's with
/// the language after it (`-ru`), numbered when taken.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"locale": "ru", "title": "Семинар JICA в Астане", "body": "Японское агентство..."}))]
pub struct CreateTranslation {
    /// The translation's language (BCP 47): one the group has no story in.
    #[schema(
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}$",
        example = "ru"
    )]
    pub locale: String,
    /// Headline.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 300, pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub title: Patch<String>,
    /// The story in Markdown.
    #[serde(default)]
    #[schema(value_type = String, max_length = 500000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub body: Patch<String>,
    /// URL name; a taken one is a 409.
    #[serde(default)]
    #[schema(value_type = String, max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Patch<String>,
    /// Dek, or `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 300, pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub subtitle: Patch<String>,
    /// Summary, or `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub excerpt: Patch<String>,
    /// Byline, or `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub author_id: Patch<String>,
    /// Section, or `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub category_id: Patch<String>,
    /// Cover image URL, or `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?$")]
    pub cover_image_url: Patch<String>,
    /// Cover from the media library, or `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub cover_media_id: Patch<String>,
    /// Tags, in order (at most 20); `[]` or `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>, max_items = 20)]
    pub tag_ids: Patch<Vec<String>>,
    /// The staff user it is assigned to, or `null` for nobody.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub assignee_id: Patch<String>,
}

impl CreateTranslation {
    /// The language and the changes, each field checked.
    pub fn check(self) -> Result<(String, crate::articles::model::ArticleChangeset), ApiError> {
        let c = self;
        let patch = UpdateArticle {
            title: c.title,
            body: c.body,
            slug: c.slug,
            subtitle: c.subtitle,
            excerpt: c.excerpt,
            author_id: c.author_id,
            category_id: c.category_id,
            cover_image_url: c.cover_image_url,
            cover_media_id: c.cover_media_id,
            tag_ids: c.tag_ids,
            assignee_id: c.assignee_id,
            locale: Patch::Value(c.locale),
            ..UpdateArticle::default()
        };
        let mut changes = patch.check()?;
        let locale = changes.locale.take().unwrap_or_default();
        Ok((locale, changes))
    }
}

/// A `locale` filter: up to 20 comma-separated BCP 47 tags, each in its usual case.
pub fn locale_filter(raw: &str) -> Result<Vec<String>, ApiError> {
    let refuse = |message: String| {
        ApiError::invalid_query(vec![FieldError::new("locale", Code::InvalidValue, message)])
    };
    let tags: Vec<&str> = raw.split(',').collect();
    if tags.len() > crate::locale::LIST_MAX {
        return Err(refuse(format!(
            "locale names at most {} languages",
            crate::locale::LIST_MAX
        )));
    }
    let mut out = Vec::with_capacity(tags.len());
    for tag in tags {
        let Some(tag) = crate::locale::normalize(tag) else {
            return Err(refuse(format!(
                "`{tag}` is not a BCP 47 language tag, such as en, ru or pt-BR"
            )));
        };
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

/// Names (or descriptions, with `multi`) per language as a create body gives them, checked:
/// each keyed by a BCP 47 tag, each value at most `max` characters.
pub fn names_given(
    field: &str,
    given: Option<BTreeMap<String, String>>,
    (max, multi): (usize, bool),
    errors: &mut Vec<FieldError>,
) -> Names {
    let Some(given) = given else {
        return Names::new();
    };
    let given = given.into_iter().map(|(k, v)| (k, Some(v))).collect();
    validate::names(
        field,
        given,
        |f, v: &String, e| text(f, v, (max, multi), e),
        errors,
    )
    .map(|m| m.into_iter().filter_map(|(k, v)| Some((k, v?))).collect())
    .unwrap_or_default()
}

/// Names per language as a merge patch changes them: `null` for the whole object removes
/// them all, `null` for one language removes it.
pub fn names_patched(
    fields: &mut Fields,
    field: &str,
    patch: Patch<BTreeMap<String, Option<String>>>,
    (max, multi): (usize, bool),
) -> Option<NamesChange> {
    let checked = fields.clear(patch, |map, errors| {
        validate::names(
            field,
            map,
            |f, v: &String, e| text(f, v, (max, multi), e),
            errors,
        )
    });
    checked.map(|change| match change {
        None => NamesChange::Clear,
        Some(merge) => NamesChange::Merge(merge),
    })
}

fn text(
    field: &str,
    value: &str,
    (max, multi): (usize, bool),
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    if multi {
        validate::multi_line(field, value, max, errors)
    } else {
        validate::single_line(field, value, max, errors)
    }
}

/// The name and description a section or tag shows in `locale`: its own there, else the
/// default ones.
pub fn localize(
    (name, description): (&mut String, &mut Option<String>),
    names: &BTreeMap<String, String>,
    descriptions: &BTreeMap<String, String>,
    locale: &str,
) {
    if let Some(own) = crate::locale::pick(names, locale) {
        own.clone_into(name);
    }
    if let Some(own) = crate::locale::pick(descriptions, locale) {
        *description = Some(own.to_owned());
    }
}

/// `locale` of a read of sections or tags: the language to name them in.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LocaleQuery {
    /// Names and descriptions in this language (BCP 47), where the resource has them; the
    /// default ones otherwise.
    #[param(
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}$",
        example = "ru"
    )]
    pub locale: Option<String>,
}

/// A single `locale`, checked and in its usual case.
pub fn one_locale(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    crate::locale::normalize(raw).map(Some).ok_or_else(|| {
        ApiError::invalid_query(vec![FieldError::new(
            "locale",
            Code::InvalidValue,
            format!("`{raw}` is not a BCP 47 language tag, such as en, ru or pt-BR"),
        )])
    })
}

/// String schemas for the keys and values of names per language, declared by hand: a
/// newtype's field takes no length or pattern in the derive.
macro_rules! text_schema {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $pattern:expr) => {
        text_schema!($(#[$doc])* $name, $min, $max, $pattern, [Type::String]);
    };
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $pattern:expr, [$($ty:expr),*]) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                #[allow(unused_imports)]
                use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([$($ty),*]))
                    .min_length($min)
                    .max_length(Some($max))
                    .pattern(Some($pattern))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

text_schema!(
    /// A BCP 47 language tag, as the keys of names and descriptions per language (either
    /// case, `-` or `_`; answered in its usual case).
    LanguageTag,
    None,
    35,
    "^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?([-_]([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})){0,2}$"
);

text_schema!(
    /// A section's name in one language: one line, not blank.
    SectionName,
    Some(1),
    200,
    "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
);

text_schema!(
    /// A tag's name in one language: one line, not blank.
    TagName,
    Some(1),
    100,
    "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
);

text_schema!(
    /// A description in one language.
    LocalDescription,
    None,
    5000,
    "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
);

text_schema!(
    /// A section's name in one language, or `null` to remove it (in a merge patch).
    SectionNameOrNull,
    Some(1),
    200,
    "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$",
    [Type::String, Type::Null]
);

text_schema!(
    /// A tag's name in one language, or `null` to remove it (in a merge patch).
    TagNameOrNull,
    Some(1),
    100,
    "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$",
    [Type::String, Type::Null]
);

text_schema!(
    /// A description in one language, or `null` to remove it (in a merge patch).
    LocalDescriptionOrNull,
    None,
    5000,
    "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$",
    [Type::String, Type::Null]
);
