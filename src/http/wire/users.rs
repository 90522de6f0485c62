//! Users as admins send and receive them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Error;
use crate::domain::Role;
use crate::http::extract::Patch;
use crate::http::pagination::ListMeta;
use crate::users::model::{self, UserPatch};
use crate::users::service::NewAccount;
use crate::validate::{self, Fields};

pub use crate::users::model::{DISPLAY_NAME_MAX, EMAIL_MAX};

/// A staff account. The password hash never leaves the server.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = User)]
pub struct UserResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid, example = "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23")]
    pub id: String,
    /// Login email, stored in lowercase.
    #[schema(example = "editor@example.com")]
    pub email: String,
    /// Name shown to other staff.
    #[schema(example = "Dana Editor")]
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// The author profile (byline) this user writes as.
    #[schema(required = true, format = Uuid, example = json!(null))]
    pub author_id: Option<String>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account last changed.
    pub updated_at: DateTime<Utc>,
    /// The last successful login.
    #[schema(required = true)]
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<model::User> for UserResponse {
    fn from(u: model::User) -> Self {
        Self {
            id: u.id.into(),
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            author_id: u.author_id.map(Into::into),
            created_at: u.created_at.and_utc(),
            updated_at: u.updated_at.and_utc(),
            last_login_at: u.last_login_at.map(|t| t.and_utc()),
        }
    }
}

/// A page of users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    /// Users in creation order.
    pub data: Vec<UserResponse>,
    /// Paging information.
    pub meta: ListMeta,
}

/// The body of `POST /api/v1/users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "dana@example.com", "password": "a long passphrase", "display_name": "Dana", "role": "editor"}))]
pub struct CreateUser {
    /// Login email; unique regardless of case.
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = "^[^\\s@\\u0000-\\u001F\\u007F]+@[^\\s@\\u0000-\\u001F\\u007F]+$"
    )]
    pub email: String,
    /// 12 to 1024 characters, no NUL.
    #[schema(min_length = 12, max_length = 1024, format = Password, pattern = "^[^\\u0000]*$")]
    pub password: String,
    /// Name shown to other staff.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$"
    )]
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// The author profile this user writes as.
    #[schema(format = Uuid)]
    pub author_id: Option<String>,
}

/// The body of `PATCH /api/v1/users/{id}` (JSON merge patch). Admins may change every field;
/// users may change their own `email`, `password` and `display_name`, and get a 422 for
/// `role` or `author_id`. Changing your own email or password needs `current_password`; nobody can
/// change their own role. Changing the password or role ends every session of the user.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Dana Editor", "role": "admin"}))]
pub struct UpdateUser {
    /// New login email.
    #[serde(default)]
    #[schema(value_type = String, min_length = 3, max_length = 254, pattern = "^[^\\s@\\u0000-\\u001F\\u007F]+@[^\\s@\\u0000-\\u001F\\u007F]+$")]
    pub email: Patch<String>,
    /// New password, 12 to 1024 characters, no NUL.
    #[serde(default)]
    #[schema(value_type = String, min_length = 12, max_length = 1024, format = Password, pattern = "^[^\\u0000]*$")]
    pub password: Patch<String>,
    /// New display name.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$")]
    pub display_name: Patch<String>,
    /// New role (admins only).
    #[serde(default)]
    #[schema(value_type = Role)]
    pub role: Patch<Role>,
    /// Required with `email` or `password` when changing your own: the password in use now.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 1024, format = Password, pattern = "^[^\\u0000]*$")]
    pub current_password: Patch<String>,
    /// New author link, or `null` to clear it (admins only).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub author_id: Patch<String>,
}

impl From<UpdateUser> for UserPatch {
    fn from(body: UpdateUser) -> Self {
        Self {
            email: body.email,
            password: body.password,
            display_name: body.display_name,
            role: body.role,
            author_id: body.author_id.map(Into::into),
            current_password: body.current_password,
        }
    }
}

impl CreateUser {
    /// The new account, each field checked.
    pub fn check(self) -> Result<NewAccount, Error> {
        let mut v = Fields::new();
        let e = v.errors();
        let new = NewAccount {
            email: validate::email("email", &self.email, e).unwrap_or_default(),
            password: validate::check_password("password", &self.password, e).unwrap_or_default(),
            display_name: validate::single_line(
                "display_name",
                &self.display_name,
                DISPLAY_NAME_MAX,
                e,
            )
            .unwrap_or_default(),
            role: self.role,
            author_id: self
                .author_id
                .and_then(|a| validate::id("author_id", &a, e)),
        };
        v.finish(new)
    }
}
