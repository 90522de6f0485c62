//! Rows of the `users` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::{AuthorId, UserId};

use crate::db::schema::users;

use crate::domain::{Patch, Role};

/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 200;
pub use crate::validate::EMAIL_MAX;

/// A stored user. The password hash stays inside the server: wire types never carry it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    /// UUIDv7.
    pub id: UserId,
    /// Trimmed, lowercased, unique.
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Name shown in the admin interface.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// Linked author profile.
    pub author_id: Option<AuthorId>,
    /// Raised when the password or role changes.
    pub token_version: i64,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
    /// Last successful login (UTC).
    pub last_login_at: Option<NaiveDateTime>,
}

impl User {
    /// A new account's row, never signed in: the one place one is made.
    pub fn new(
        email: String,
        password_hash: String,
        display_name: String,
        role: Role,
        author_id: Option<AuthorId>,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id: UserId::generate(),
            email,
            password_hash,
            display_name,
            role,
            author_id,
            token_version: 0,
            created_at: now,
            updated_at: now,
            last_login_at: None,
        }
    }
}

/// Columns an update may change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChangeset {
    /// New email.
    pub email: Option<String>,
    /// New password hash.
    pub password_hash: Option<String>,
    /// New display name.
    pub display_name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New author link; `Some(None)` clears it.
    pub author_id: Option<Option<AuthorId>>,
    /// Raised with a password or role change.
    pub token_version: Option<i64>,
    /// Set on every change.
    pub updated_at: Option<NaiveDateTime>,
}

/// A merge patch of an account, as sent: the service checks each field and who may set it.
#[derive(Debug, Default)]
pub struct UserPatch {
    /// New email.
    pub email: Patch<String>,
    /// New password.
    pub password: Patch<String>,
    /// New display name.
    pub display_name: Patch<String>,
    /// New role (admins, not for themselves).
    pub role: Patch<Role>,
    /// New author link (admins).
    pub author_id: Patch<AuthorId>,
    /// The password in use, to change one's own email or password.
    pub current_password: Patch<String>,
}
