//! An edit lock as every layer sees it: whose it is, since and until when, and whom it was
//! taken from.

use chrono::NaiveDateTime;

use super::{ArticleId, UserId};

/// A user as a lock names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockUser {
    /// Their id.
    pub id: UserId,
    /// Their display name.
    pub name: String,
    /// Their email.
    pub email: String,
}

/// A soft claim by one user on a story while they edit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditLock {
    /// The story.
    pub article_id: ArticleId,
    /// Who holds it.
    pub user: LockUser,
    /// When they took it (a renewal keeps this).
    pub acquired_at: NaiveDateTime,
    /// When it runs out unless renewed.
    pub expires_at: NaiveDateTime,
    /// The user it was taken over from, when an editor took it over.
    pub taken_from: Option<LockUser>,
}
