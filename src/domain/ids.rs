//! The ids of the resources, one type each, so that a function taking an author's id cannot
//! be handed a category's. They are UUIDv7 strings on the wire and in both databases; the
//! type is what the compiler checks. Each reads as the `str` it is (`Deref`), so code that
//! only needs the text (a log line, an old slug's owner) takes `&str`; code that needs an id
//! of one kind names its type, and another kind's id does not compile there:
//!
//! ```compile_fail
//! fn byline_of(_: &byline::domain::AuthorId) {}
//! byline_of(&byline::domain::CategoryId::generate());
//! ```
//!
//! ```
//! fn byline_of(_: &byline::domain::AuthorId) {}
//! byline_of(&byline::domain::AuthorId::generate());
//! ```

use std::borrow::Borrow;
use std::fmt;

/// What every id type can do: be read as the string it is stored as.
pub trait Identifier:
    Clone + Eq + Ord + std::hash::Hash + fmt::Debug + AsRef<str> + Borrow<str> + Send + 'static
{
    /// Wraps a string already known to be this kind of id (read from a row, a checked path).
    fn from_string(id: String) -> Self;
    /// The id as text.
    fn as_str(&self) -> &str;
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[derive(diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new id: a UUIDv7, so ids sort by creation time.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

        }

        impl Identifier for $name {
            fn from_string(id: String) -> Self {
                Self(id)
            }

            fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

ids! {
    /// An article's id.
    ArticleId;
    /// An author's (a byline's) id.
    AuthorId;
    /// A category's id.
    CategoryId;
    /// A tag's id.
    TagId;
    /// A media item's id.
    MediaId;
    /// A staff user's id.
    UserId;
    /// A preview link's id.
    PreviewId;
    /// An internal note's id.
    NoteId;
    /// A correction's id.
    CorrectionId;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn an_id_reads_as_its_text_and_looks_up_by_it() {
        let id = ArticleId::generate();
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(id, *text.as_str());
        assert_eq!(
            serde_json::to_value(&id).ok(),
            Some(serde_json::json!(text))
        );
        let mut by_id = HashMap::new();
        by_id.insert(id.clone(), 1);
        assert_eq!(by_id.get(text.as_str()), Some(&1));
        assert!(ArticleId::generate() > id, "v7 ids sort by creation");
    }
}
