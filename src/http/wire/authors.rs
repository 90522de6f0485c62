//! Authors as clients send and receive them.

use crate::domain::Role;
use crate::domain::caller::Caller;
use crate::http::slugged::Shown;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::authors::model;
use crate::authors::model::{AuthorChangeset, NewAuthor};
use crate::domain::keys::canonical_id;
use crate::domain::{Code, Error, FieldError};
use crate::http::extract::Patch;
use crate::http::pagination::ListMeta;
use crate::validate::{self, Fields};

/// Longest name, in characters.
pub const NAME_MAX: usize = 200;
/// Longest bio, in characters.
pub const BIO_MAX: usize = 5_000;

/// An author: the byline of articles. `email` is shown to editors and admins only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = Author, example = json!({"id": "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b25", "slug": "maria-lopez", "name": "María López", "bio": "Markets correspondent.", "avatar_url": null, "website": null, "created_at": "2019-02-08T09:00:00Z", "updated_at": "2019-02-08T09:00:00Z"}))]
pub struct AuthorResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid, example = "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23")]
    pub id: String,
    /// Unique URL name, made from the name when not given.
    #[schema(example = "maria-lopez")]
    pub slug: String,
    /// The byline as printed.
    #[schema(example = "María López")]
    pub name: String,
    /// Short biography.
    #[schema(required = true)]
    pub bio: Option<String>,
    /// Portrait URL.
    #[schema(required = true, example = "https://example.com/maria.jpg")]
    pub avatar_url: Option<String>,
    /// Personal or professional site.
    #[schema(required = true, example = "https://example.com")]
    pub website: Option<String>,
    /// Contact email; present only for editors and admins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Editors and admins see private fields such as `email`.
pub fn sees_private(caller: &Caller) -> bool {
    matches!(caller.role(), Some(Role::Editor | Role::Admin))
}

impl Shown for model::Author {
    const PATH: &'static str = "/api/v1/authors";
    type Body = AuthorResponse;

    /// Staff read the private fields; everyone else reads the public view, under its own
    /// entity tag.
    fn shown(self, caller: &Caller) -> (AuthorResponse, &'static str) {
        let staff = sees_private(caller);
        (
            AuthorResponse::new(self, staff),
            if staff { "" } else { "p" },
        )
    }
}

impl AuthorResponse {
    /// The wire form, with `email` only for staff.
    pub fn new(a: model::Author, staff: bool) -> Self {
        Self {
            id: a.id.into(),
            slug: a.slug,
            name: a.name,
            bio: a.bio,
            avatar_url: a.avatar_url,
            website: a.website,
            email: if staff { a.email } else { None },
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
        }
    }
}

/// A page of authors.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorList {
    /// The authors of this page.
    pub data: Vec<AuthorResponse>,
    /// Paging information.
    pub meta: ListMeta,
}

/// The body of `POST /api/v1/authors`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "María López", "bio": "Markets correspondent.", "email": "maria@example.com"}))]
pub struct CreateAuthor {
    /// The byline as printed: one line, not blank.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub name: String,
    /// URL name; made from `name` when absent. A given slug that is taken is a 409.
    #[schema(max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// Short biography.
    #[schema(
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub bio: Option<String>,
    /// Portrait URL (http or https).
    #[schema(
        max_length = 2000,
        pattern = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?$"
    )]
    pub avatar_url: Option<String>,
    /// Personal or professional site (http or https).
    #[schema(
        max_length = 2000,
        pattern = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?$"
    )]
    pub website: Option<String>,
    /// Contact email, shown to staff only.
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = "^[^\\s@\\u0000-\\u001F\\u007F]+@[^\\s@\\u0000-\\u001F\\u007F]+$"
    )]
    pub email: Option<String>,
}

/// The body of `PATCH /api/v1/authors/{id_or_slug}` (JSON merge patch): absent fields stay,
/// `null` clears the optional ones. Renaming keeps the slug.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bio": "Energy and markets correspondent.", "website": null}))]
pub struct UpdateAuthor {
    /// New byline.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub name: Patch<String>,
    /// New slug; a taken one is a 409.
    #[serde(default)]
    #[schema(value_type = String, max_length = 200, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Patch<String>,
    /// New bio, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 5000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub bio: Patch<String>,
    /// New portrait URL, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?$")]
    pub avatar_url: Patch<String>,
    /// New website, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?$")]
    pub website: Patch<String>,
    /// New email, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 3, max_length = 254, pattern = "^[^\\s@\\u0000-\\u001F\\u007F]+@[^\\s@\\u0000-\\u001F\\u007F]+$")]
    pub email: Patch<String>,
}

pub use crate::authors::model::AuthorSort;

/// Query parameters of `GET /api/v1/authors`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorListQuery {
    /// Only authors whose name contains this text, ignoring case and accents.
    #[param(min_length = 1, max_length = 200, pattern = "^[^\\u0000]*$")]
    pub q: Option<String>,
    /// `name` (default) or `-created_at`.
    #[param(inline)]
    pub sort: Option<AuthorSort>,
    /// Changed at or after this time (inclusive): an RFC 3339 time, or a `YYYY-MM-DD` date
    /// read as midnight UTC.
    #[serde(default, deserialize_with = "crate::validate::optional_timestamp")]
    pub updated_after: Option<DateTime<Utc>>,
}

/// Query parameters of `DELETE /api/v1/authors/{id_or_slug}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteAuthorQuery {
    /// Move this author's articles to another author (by id) first, in the same transaction.
    #[param(format = Uuid, pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub reassign_to: Option<String>,
}

impl AuthorListQuery {
    /// `q`: part of a name, not blank.
    pub fn name(&self) -> Result<Option<String>, Error> {
        validate::text_filter(self.q.as_deref(), NAME_MAX)
    }
}

impl DeleteAuthorQuery {
    /// `reassign_to`: the id of the author to move the articles to.
    pub fn reassign_to(&self) -> Result<Option<crate::domain::AuthorId>, Error> {
        let Some(raw) = self.reassign_to.as_deref() else {
            return Ok(None);
        };
        canonical_id(raw).map(|id| Some(id.into())).ok_or_else(|| {
            Error::invalid_query(vec![FieldError::new(
                "reassign_to",
                Code::InvalidFormat,
                "reassign_to must be an author id",
            )])
        })
    }
}

impl CreateAuthor {
    /// The new author, each field checked.
    pub fn check(self) -> Result<NewAuthor, Error> {
        let mut v = Fields::new();
        let e = v.errors();
        let new = NewAuthor {
            name: validate::single_line("name", &self.name, NAME_MAX, e).unwrap_or_default(),
            slug: self.slug.and_then(|s| validate::slug("slug", &s, e)),
            bio: self
                .bio
                .and_then(|b| validate::multi_line("bio", &b, BIO_MAX, e)),
            avatar_url: self
                .avatar_url
                .and_then(|u| validate::url("avatar_url", &u, e)),
            website: self.website.and_then(|u| validate::url("website", &u, e)),
            email: self.email.and_then(|m| validate::email("email", &m, e)),
        };
        v.finish(new)
    }
}

impl UpdateAuthor {
    /// The changes, each field checked.
    pub fn check(self) -> Result<AuthorChangeset, Error> {
        let mut v = Fields::new();
        let changes = AuthorChangeset {
            name: v.keep("name", self.name, |n, e| {
                validate::single_line("name", &n, NAME_MAX, e)
            }),
            slug: v.keep("slug", self.slug, |s, e| validate::slug("slug", &s, e)),
            bio: v.clear(self.bio, |b, e| validate::multi_line("bio", &b, BIO_MAX, e)),
            avatar_url: v.clear(self.avatar_url, |u, e| validate::url("avatar_url", &u, e)),
            website: v.clear(self.website, |u, e| validate::url("website", &u, e)),
            email: v.clear(self.email, |m, e| validate::email("email", &m, e)),
            ..AuthorChangeset::default()
        };
        v.finish(changes)
    }
}
