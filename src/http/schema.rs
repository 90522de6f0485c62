//! The OpenAPI schemas of the domain's own types, which know nothing of the document: the
//! error codes, the field error, and the enumerated values.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Object, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::articles::model::ArticleSort;
use crate::authors::model::AuthorSort;
use crate::domain::{Code, FieldError, Named, Role, Scope, Status};
use crate::tags::model::TagSort;

fn text_enum(description: &str, names: impl IntoIterator<Item = &'static str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(names))
        .build()
}

/// `Problem.code`: every code, so that clients can switch on it.
pub fn problem_code() -> Object {
    text_enum(
        "A stable snake_case error code, such as `not_found` or `slug_taken`.",
        Code::ALL.iter().map(|c| c.as_str()),
    )
}

impl PartialSchema for FieldError {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("One invalid field of a request body or query."))
            .property(
                "field",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("The field's name, or a dotted path into the body.")),
            )
            .required("field")
            .property(
                "code",
                text_enum(
                    "A stable snake_case code: `required`, `too_long`, `invalid_format`, `unknown_field`, …",
                    Code::ALL.iter().map(|c| c.as_str()),
                ),
            )
            .required("code")
            .property(
                "message",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("What is wrong, for a person to read.")),
            )
            .required("message")
            .into()
    }
}

impl ToSchema for FieldError {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FieldError")
    }
}

macro_rules! named_schema {
    ($ty:ty, $name:literal, $description:literal) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                text_enum($description, <$ty as Named>::NAMES.iter().copied()).into()
            }
        }

        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

named_schema!(Status, "ArticleStatus", "Where an article is in its life.");
named_schema!(Role, "Role", "A staff member's role.");
named_schema!(Scope, "Scope", "What an API token may do.");
named_schema!(
    ArticleSort,
    "ArticleSort",
    "How the article list is ordered."
);
named_schema!(AuthorSort, "AuthorSort", "How the author list is ordered.");
named_schema!(TagSort, "TagSort", "How the tag list is ordered.");
