//! What a write changed, as the write path hands it to its records: the subject, its id, what
//! happened to it, and where the request came from.

use serde_json::Value;

use super::Named;
use super::caller::Actor;
use super::kinds::named;

named! {
    /// What kind of thing changed (an event's `resource.type`, the first half of an audit
    /// action).
    Subject, "subject" {
        /// An article.
        Article = "article",
        /// An author profile.
        Author = "author",
        /// A category.
        Category = "category",
        /// A tag.
        Tag = "tag",
        /// An uploaded image.
        Media = "media",
        /// A user account.
        User = "user",
        /// An API token.
        ApiToken = "api_token",
        /// A sign-in session (a refresh token family).
        Session = "session",
        /// A webhook.
        Webhook = "webhook",
        /// A preview link to a story.
        Preview = "preview",
        /// A staff note on a story.
        Note = "note",
        /// An edit lock on a story (its id is the story's).
        Lock = "lock",
    }
}

named! {
    /// What happened to it: the past-tense word audit entries and revisions use.
    Verb, "verb" {
        /// Made (for a session: signed in).
        Created = "created",
        /// Its fields changed.
        Updated = "updated",
        /// Removed for good (for a session: signed out).
        Deleted = "deleted",
        /// Made public now (or back-dated).
        Published = "published",
        /// Set to become public at a later time.
        Scheduled = "scheduled",
        /// Taken back to draft.
        Unpublished = "unpublished",
        /// Withdrawn.
        Archived = "archived",
        /// Moved to the trash.
        Trashed = "trashed",
        /// Taken out of the trash.
        Untrashed = "untrashed",
        /// An earlier revision's content made current again.
        Restored = "restored",
        /// A sign-in was refused.
        Refused = "refused",
        /// Withdrawn before its time (a preview link); for a session: a used refresh token
        /// came back, and its family was revoked.
        Revoked = "revoked",
        /// Left the public routes at its `unpublish_at` (time-driven).
        Expired = "expired",
        /// Handed in for review.
        Submitted = "submitted",
        /// Sent back from review to its author.
        Returned = "returned",
        /// An edit lock was taken from the user who held it.
        TakenOver = "taken_over",
        /// A public correction was added.
        Corrected = "corrected",
    }
}

/// What an audit entry says happened: `article.published`, `session.login_failed`. A subject
/// and a verb, named by [`AuditAction::as_str`]; a few read better under their own word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct AuditAction {
    /// What changed.
    pub subject: Subject,
    /// What happened to it.
    pub verb: Verb,
}

/// Every action with its name, made once.
static ACTIONS: std::sync::LazyLock<Vec<(AuditAction, String)>> = std::sync::LazyLock::new(|| {
    let mut all = Vec::with_capacity(Subject::ALL.len() * Verb::ALL.len());
    for &subject in Subject::ALL {
        for &verb in Verb::ALL {
            let action = AuditAction { subject, verb };
            all.push((action, action.compose()));
        }
    }
    all
});

impl AuditAction {
    /// The action of a change.
    pub fn of(change: &Change) -> Self {
        Self {
            subject: change.subject,
            verb: change.verb,
        }
    }

    fn compose(self) -> String {
        let verb = match (self.subject, self.verb) {
            (Subject::Session, Verb::Created) => "login",
            (Subject::Session, Verb::Deleted) => "logout",
            (Subject::Session, Verb::Refused) => "login_failed",
            (Subject::Session, Verb::Revoked) => "refresh_reused",
            (Subject::Article, Verb::Deleted) => "purged",
            (_, verb) => verb.as_str(),
        };
        format!("{}.{verb}", self.subject.as_str())
    }

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        ACTIONS
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("", |(_, name)| name.as_str())
    }

    /// The action with this name.
    pub fn parse(name: &str) -> Option<Self> {
        ACTIONS.iter().find(|(_, n)| n == name).map(|(a, _)| *a)
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    /// The row itself, for the event's `data` (made by the layer that owns its public shape,
    /// which shows it only while the public may see it).
    pub row: Option<Held>,
    /// What its timers follow.
    pub timing: Timing,
    /// The JSON of its editable fields and status.
    pub state: String,
    /// Its Markdown body.
    pub body: String,
    /// What the public could see of it before the write and can see after: what the
    /// response cache must forget.
    pub reach: Reach,
}

/// What decides when an article goes public or comes down by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Where it is in its life.
    pub status: super::Status,
    /// When it is (or was) published.
    pub published_at: Option<chrono::NaiveDateTime>,
    /// When it expires.
    pub unpublish_at: Option<chrono::NaiveDateTime>,
    /// Whether it is in the trash.
    pub trashed: bool,
}

impl Timing {
    /// From an article's columns.
    pub fn new(
        status: super::Status,
        published_at: Option<chrono::NaiveDateTime>,
        unpublish_at: Option<chrono::NaiveDateTime>,
        trashed_at: Option<chrono::NaiveDateTime>,
    ) -> Self {
        Self {
            status,
            published_at,
            unpublish_at,
            trashed: trashed_at.is_some(),
        }
    }

    /// The moments its timers are due at `now`: when it goes public (while it is scheduled
    /// for later) and when it expires (while it is or will be public, with an expiry
    /// ahead).
    pub fn due(
        &self,
        now: chrono::NaiveDateTime,
    ) -> (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) {
        use super::Status;
        let listed = !self.trashed && matches!(self.status, Status::Published | Status::Scheduled);
        let publish = self
            .published_at
            .filter(|t| listed && self.status == Status::Scheduled && *t > now);
        let expire = self.unpublish_at.filter(|t| listed && *t > now);
        (publish, expire)
    }
}

/// Where a story stands among the public lists: the keys they are filtered and ordered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Its place in date order.
    pub published_sort: chrono::NaiveDateTime,
    /// Its author.
    pub author_id: Option<super::ids::AuthorId>,
    /// Its category.
    pub category_id: Option<super::ids::CategoryId>,
    /// Its tags.
    pub tag_ids: Vec<super::ids::TagId>,
    /// Its language.
    pub locale: String,
    /// Its translation group.
    pub group: Option<String>,
}

/// What a change of one story means to the public.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Where the public saw it before the change (`None`: it could not).
    pub before: Option<Placement>,
    /// Where the public sees it after.
    pub after: Option<Placement>,
    /// A moment the story now changes by itself (comes due or expires), when the change set
    /// a new one.
    pub due: Option<chrono::NaiveDateTime>,
}

impl Reach {
    /// Whether the public could see the story before or after: if not, nothing it reads
    /// changed.
    pub fn is_public(&self) -> bool {
        self.before.is_some() || self.after.is_some()
    }

    /// Whether the story joined, left or moved within a list (as opposed to changing in
    /// place).
    pub fn moved(&self) -> bool {
        self.before != self.after
    }
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

#[cfg(test)]
mod action_tests {
    use super::*;

    #[test]
    fn every_audit_action_has_its_own_name_and_reads_back() {
        let mut seen = std::collections::HashSet::new();
        for &subject in Subject::ALL {
            for &verb in Verb::ALL {
                let action = AuditAction { subject, verb };
                assert!(seen.insert(action.as_str()), "{action} named twice");
                assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            }
        }
        let failed = AuditAction {
            subject: Subject::Session,
            verb: Verb::Refused,
        };
        assert_eq!(failed.as_str(), "session.login_failed");
        assert_eq!(
            AuditAction::parse("article.purged").map(|a| a.verb),
            Some(Verb::Deleted)
        );
        assert_eq!(AuditAction::parse("article.deleted"), None);
        assert_eq!(AuditAction::parse("session.created"), None);
    }
}
