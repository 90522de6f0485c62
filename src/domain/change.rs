//! What a write changed, as the write path hands it to its records: the subject, its id, what
//! happened to it, and where the request came from.

use serde_json::Value;

use super::caller::Actor;

/// What kind of thing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// An article.
    Article,
    /// An author profile.
    Author,
    /// A category.
    Category,
    /// A tag.
    Tag,
    /// An uploaded image.
    Media,
    /// A user account.
    User,
    /// An API token.
    ApiToken,
    /// A sign-in session (a refresh token family).
    Session,
    /// A webhook.
    Webhook,
}

impl Subject {
    /// The name audit entries give it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Author => "author",
            Self::Category => "category",
            Self::Tag => "tag",
            Self::Media => "media",
            Self::User => "user",
            Self::ApiToken => "api_token",
            Self::Session => "session",
            Self::Webhook => "webhook",
        }
    }
}

/// What happened to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Made (for a session: signed in).
    Created,
    /// Its fields changed.
    Updated,
    /// Removed for good (for a session: signed out).
    Deleted,
    /// Made public now (or back-dated).
    Published,
    /// Set to become public at a later time.
    Scheduled,
    /// Taken back to draft.
    Unpublished,
    /// Withdrawn.
    Archived,
    /// Moved to the trash.
    Trashed,
    /// Taken out of the trash.
    Untrashed,
    /// An earlier revision's content made current again.
    Restored,
    /// A sign-in was refused.
    Refused,
    /// A used refresh token came back, and its family was revoked.
    Revoked,
    /// Left the public routes at its `unpublish_at` (time-driven).
    Expired,
}

impl Verb {
    /// The past-tense word audit entries and revisions use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
            Self::Published => "published",
            Self::Scheduled => "scheduled",
            Self::Unpublished => "unpublished",
            Self::Archived => "archived",
            Self::Trashed => "trashed",
            Self::Untrashed => "untrashed",
            Self::Restored => "restored",
            Self::Refused => "refused",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }
}

/// One change a write made.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What kind of thing.
    pub subject: Subject,
    /// Its id.
    pub id: String,
    /// What happened.
    pub verb: Verb,
    /// The fields it changed, when the change is an edit.
    pub fields: Vec<&'static str>,
    /// What else the audit entry should say (never a secret); `Null` for nothing.
    pub details: Value,
    /// For an article: its state as the write leaves it, when the service has it at hand
    /// (the history then need not read it again).
    pub snapshot: Option<ArticleSnapshot>,
    /// The slug of a resource this change deleted (its row is gone when events are made).
    pub slug: Option<String>,
    /// For a change that time made rather than a request (a scheduled story coming due, an
    /// expiry): the moment it happened. Such a change keeps no revision: the stored article
    /// did not change.
    pub timed: Option<chrono::NaiveDateTime>,
}

/// A value handed through the write path to a layer that knows its type (the article row a
/// service hands to the presenter of events), unseen by the layers in between.
#[derive(Clone)]
pub struct Held(std::sync::Arc<dyn std::any::Any + Send + Sync>);

impl Held {
    /// Holds `value`.
    pub fn new<T: std::any::Any + Send + Sync>(value: T) -> Self {
        Held(std::sync::Arc::new(value))
    }

    /// The value, for the layer that knows its type to downcast.
    pub fn get(&self) -> &dyn std::any::Any {
        &*self.0
    }
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Held(…)")
    }
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// An article as a write leaves it, for its revision.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleSnapshot {
    /// Its version.
    pub version: i64,
    /// Its slug.
    pub slug: String,
    /// The row itself, for the event's `data` (made by the layer that owns its public shape).
    pub row: Option<Held>,
    /// The JSON of its editable fields and status.
    pub state: String,
    /// Its Markdown body.
    pub body: String,
}

impl Change {
    /// A change with no field list and no details.
    pub fn new(subject: Subject, id: &str, verb: Verb) -> Self {
        Self {
            subject,
            id: id.to_owned(),
            verb,
            fields: Vec::new(),
            details: Value::Null,
            snapshot: None,
            slug: None,
            timed: None,
        }
    }

    /// With the slug of what it deleted.
    pub fn with_slug(mut self, slug: &str) -> Self {
        self.slug = Some(slug.to_owned());
        self
    }

    /// Made by time at `at`, not by a request.
    pub fn timed(mut self, at: chrono::NaiveDateTime) -> Self {
        self.timed = Some(at);
        self
    }

    /// With the article's state as the write leaves it.
    pub fn with_snapshot(mut self, snapshot: ArticleSnapshot) -> Self {
        self.snapshot = Some(snapshot);
        self
    }

    /// With the fields it changed.
    pub fn with_fields(mut self, fields: Vec<&'static str>) -> Self {
        self.fields = fields;
        self
    }

    /// With details for the audit entry.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// Where a write came from, when it came over HTTP.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The request id, as logged and answered.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_ip: Option<String>,
    /// The name of the request's caller (user display name or API token name), once known.
    pub caller_name: Option<String>,
}

/// Everything the records of one write are made from.
#[derive(Debug)]
pub struct Record<'a> {
    /// Who wrote.
    pub actor: &'a Actor,
    /// Where the request came from.
    pub origin: &'a Origin,
    /// What changed, in order.
    pub changes: &'a [Change],
    /// When the write ran.
    pub at: chrono::NaiveDateTime,
}
