//! The closed sets of values stored as TEXT: an article's status, a user's role and an API
//! token's scope. Each reads and writes its snake_case name; a stored name outside the set is
//! an error (see `crate::db::types`), never a silent default.

/// A value with a fixed set of snake_case names.
pub trait Named: Sized + Copy + 'static {
    /// What the value names, for error messages.
    const WHAT: &'static str;
    /// Every value.
    const ALL: &'static [Self];
    /// Every name, in the same order.
    const NAMES: &'static [&'static str];
    /// The stored and wire name.
    fn as_str(self) -> &'static str;
    /// The value with this name.
    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == name)
    }
}

macro_rules! named {
    ($(#[$meta:meta])* $ty:ident, $what:literal { $($(#[doc = $doc:literal])* $variant:ident = $name:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[derive(diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $ty {
            $($(#[doc = $doc])* $variant,)*
        }

        impl $crate::domain::Named for $ty {
            const WHAT: &'static str = $what;
            const ALL: &'static [Self] = &[$($ty::$variant,)*];
            const NAMES: &'static [&'static str] = &[$($name,)*];
            fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }
        }

        impl $ty {
            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                $crate::domain::Named::as_str(self)
            }

            /// The value with this name.
            pub fn parse(name: &str) -> Option<Self> {
                <Self as $crate::domain::Named>::parse(name)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&name)
                    .ok_or_else(|| serde::de::Error::unknown_variant(&name, <Self as $crate::domain::Named>::NAMES))
            }
        }
    };
}

pub(crate) use named;

named! {
    /// Where an article is in its life.
    Status, "status" {
        /// Being written; never public.
        Draft = "draft",
        /// Handed in by its author for an editor to publish or return; never public.
        InReview = "in_review",
        /// Public from `published_at` on.
        Scheduled = "scheduled",
        /// Public.
        Published = "published",
        /// Withdrawn; not public.
        Archived = "archived",
    }
}

named! {
    /// What a public correction to a story is.
    CorrectionKind, "correction kind" {
        /// Something the story said was wrong, and is now put right.
        Correction = "correction",
        /// Something the story said could be misread, and is now made clear.
        Clarification = "clarification",
        /// Something happened after the story was published, and it now says so.
        Update = "update",
    }
}

named! {
    /// A staff member's role.
    Role, "role" {
        /// Writes their own articles.
        Author = "author",
        /// Edits and publishes everything.
        Editor = "editor",
        /// Also manages users and API tokens.
        Admin = "admin",
    }
}

named! {
    /// What an API token may do.
    Scope, "scope" {
        /// Read everything, unpublished content included (previews).
        Read = "read",
        /// Read and edit content.
        Write = "write",
    }
}

named! {
    /// Where a webhook delivery is.
    DeliveryStatus, "delivery status" {
        /// Waiting for its next attempt (or in one).
        Pending = "pending",
        /// The receiver took it.
        Succeeded = "succeeded",
        /// Given up on: the retries ran out, or the receiver said 410.
        Failed = "failed",
    }
}

named! {
    /// Where a request under an `Idempotency-Key` is.
    IdempotencyState, "idempotency state" {
        /// Being answered now.
        Running = "running",
        /// Answered; the answer is kept for a retry.
        Done = "done",
        /// Answered with a secret, which is never kept: a retry is refused.
        Sealed = "sealed",
    }
}

named! {
    /// What an article's timer does when it comes due.
    TimerKind, "timer kind" {
        /// A scheduled story becomes public.
        Publish = "publish",
        /// A story leaves the public routes at its `unpublish_at`.
        Expire = "expire",
    }
}

named! {
    /// The type of an event, as the feed and webhooks name it.
    EventType, "event type" {
        /// `article.created`.
        ArticleCreated = "article.created",
        /// `article.updated`.
        ArticleUpdated = "article.updated",
        /// `article.published`.
        ArticlePublished = "article.published",
        /// `article.unpublished`.
        ArticleUnpublished = "article.unpublished",
        /// `article.archived`.
        ArticleArchived = "article.archived",
        /// `article.trashed`.
        ArticleTrashed = "article.trashed",
        /// `article.untrashed`.
        ArticleUntrashed = "article.untrashed",
        /// `article.deleted`.
        ArticleDeleted = "article.deleted",
        /// `article.expired`.
        ArticleExpired = "article.expired",
        /// `article.submitted`.
        ArticleSubmitted = "article.submitted",
        /// `article.returned`.
        ArticleReturned = "article.returned",
        /// `article.lock_taken`.
        ArticleLockTaken = "article.lock_taken",
        /// `article.corrected`.
        ArticleCorrected = "article.corrected",
        /// `author.created`.
        AuthorCreated = "author.created",
        /// `author.updated`.
        AuthorUpdated = "author.updated",
        /// `author.deleted`.
        AuthorDeleted = "author.deleted",
        /// `category.created`.
        CategoryCreated = "category.created",
        /// `category.updated`.
        CategoryUpdated = "category.updated",
        /// `category.deleted`.
        CategoryDeleted = "category.deleted",
        /// `tag.created`.
        TagCreated = "tag.created",
        /// `tag.updated`.
        TagUpdated = "tag.updated",
        /// `tag.deleted`.
        TagDeleted = "tag.deleted",
        /// `media.created`.
        MediaCreated = "media.created",
        /// `media.updated`.
        MediaUpdated = "media.updated",
        /// `media.deleted`.
        MediaDeleted = "media.deleted",
        /// `preview.created`.
        PreviewCreated = "preview.created",
        /// `preview.revoked`.
        PreviewRevoked = "preview.revoked",
        /// `note.created`.
        NoteCreated = "note.created",
        /// `note.deleted`.
        NoteDeleted = "note.deleted",
        /// `webhook.ping`.
        WebhookPing = "webhook.ping",
    }
}

/// Whether an article is visible to the public at `now`: published (or scheduled for a
/// moment that has come) and not expired.
pub fn is_live(
    status: Status,
    published_sort: chrono::NaiveDateTime,
    unpublish_at: Option<chrono::NaiveDateTime>,
    now: chrono::NaiveDateTime,
) -> bool {
    matches!(status, Status::Published | Status::Scheduled)
        && published_sort <= now
        && unpublish_at.is_none_or(|t| t > now)
}
