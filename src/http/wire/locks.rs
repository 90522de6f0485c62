//! Edit locks as staff see them: on their own routes, in staff reads of a story, and in the
//! `423` that refuses a change while someone else holds one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::lock::{EditLock, LockUser};

/// A user a lock names.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = LockUser)]
pub struct LockUserResponse {
    /// The user's id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Their display name.
    pub name: String,
    /// Their email, to reach them.
    #[schema(format = Email)]
    pub email: String,
}

impl From<LockUser> for LockUserResponse {
    fn from(u: LockUser) -> Self {
        Self {
            id: u.id.to_string(),
            name: u.name,
            email: u.email,
        }
    }
}

/// An edit lock: who is editing the story, and until when. Renewing it moves `expires_at`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = Lock, example = json!({
    "article_id": "01936f4e-8d2a-7c3b-9f1e-2a4b6c8d0e1f",
    "user": {"id": "01936f4e-1111-7c3b-9f1e-2a4b6c8d0e1f", "name": "Aigerim Sadykova", "email": "aigerim@example.com"},
    "acquired_at": "2026-12-06T09:12:00Z",
    "expires_at": "2026-12-06T09:17:00Z",
    "taken_from": null
}))]
pub struct LockResponse {
    /// The story.
    #[schema(format = Uuid)]
    pub article_id: String,
    /// Who holds it.
    pub user: LockUserResponse,
    /// When they took it (renewals keep it).
    pub acquired_at: DateTime<Utc>,
    /// When it runs out unless renewed.
    pub expires_at: DateTime<Utc>,
    /// Whom an editor took it over from; `null` otherwise.
    #[schema(required = true)]
    pub taken_from: Option<LockUserResponse>,
}

impl From<EditLock> for LockResponse {
    fn from(lock: EditLock) -> Self {
        Self {
            article_id: lock.article_id.to_string(),
            user: lock.user.into(),
            acquired_at: lock.acquired_at.and_utc(),
            expires_at: lock.expires_at.and_utc(),
            taken_from: lock.taken_from.map(Into::into),
        }
    }
}

/// The query of `POST …/lock`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LockQuery {
    /// `true`: take the lock from whoever holds it (editors and admins). The holder's next
    /// write is a `423`, and an `article.lock_taken` event tells them.
    pub take_over: Option<bool>,
}
