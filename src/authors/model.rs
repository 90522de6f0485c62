//! Rows of the `authors` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::AuthorId;

use crate::db::schema::authors;

/// A stored author.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = authors)]
pub struct Author {
    /// UUIDv7.
    pub id: AuthorId,
    /// Unique URL name.
    pub slug: String,
    /// Byline as printed.
    pub name: String,
    /// `name` transliterated to lowercase ASCII, for sorting and search.
    pub name_key: String,
    /// Short biography.
    pub bio: Option<String>,
    /// Portrait URL.
    pub avatar_url: Option<String>,
    /// Personal or professional site.
    pub website: Option<String>,
    /// Contact email; staff only.
    pub email: Option<String>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// What a new author is made of, as given and checked.
#[derive(Debug, Clone, Default)]
pub struct NewAuthor {
    /// Display name.
    pub name: String,
    /// A chosen slug; made from the name when absent.
    pub slug: Option<String>,
    /// Short biography.
    pub bio: Option<String>,
    /// Portrait.
    pub avatar_url: Option<String>,
    /// Personal site.
    pub website: Option<String>,
    /// Contact address (private).
    pub email: Option<String>,
}

impl Author {
    /// A new author row: the one place one is made.
    pub fn new(new: NewAuthor, now: NaiveDateTime) -> Self {
        let slug = crate::slug::chosen_or_made(new.slug, &new.name, "author");
        Self {
            id: AuthorId::generate(),
            slug,
            name_key: name_key(&new.name),
            name: new.name,
            bio: new.bio,
            avatar_url: new.avatar_url,
            website: new.website,
            email: new.email,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Columns an update may change; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = authors)]
pub struct AuthorChangeset {
    /// New slug.
    pub slug: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// Follows `name`.
    pub name_key: Option<String>,
    /// New bio; `Some(None)` clears it.
    pub bio: Option<Option<String>>,
    /// New avatar URL.
    pub avatar_url: Option<Option<String>>,
    /// New website.
    pub website: Option<Option<String>>,
    /// New email.
    pub email: Option<Option<String>>,
    /// Set on every change.
    pub updated_at: Option<NaiveDateTime>,
}

/// The sort and search key of a name: transliterated, lowercased, spaces folded.
pub fn name_key(name: &str) -> String {
    let ascii = any_ascii::any_ascii(name).to_lowercase();
    ascii.split_whitespace().collect::<Vec<_>>().join(" ")
}

crate::domain::kinds::named! {
    /// How the author list is ordered.
    AuthorSort, "sort" {
        /// By name, A to Z, ignoring case and accents (the default).
        Name = "name",
        /// Newest first.
        NewestFirst = "-created_at",
    }
}
