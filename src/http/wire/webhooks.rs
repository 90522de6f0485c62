//! Webhooks and their deliveries as admins send and receive them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::Error;
use crate::http::extract::Patch;
use crate::http::pagination::ListMeta;
use crate::validate::{self, Fields};
use crate::webhooks::model::{Delivery, Webhook};
use crate::webhooks::service::{DESCRIPTION_MAX, Input};

/// A receiver of events.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = Webhook)]
pub struct WebhookResponse {
    /// Server-generated UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// Where deliveries are POSTed.
    #[schema(example = "https://hooks.example.com/byline")]
    pub url: String,
    /// The event types it receives: types, `<resource>.*` or `*`.
    #[schema(example = json!(["article.*", "category.deleted"]))]
    pub events: Vec<String>,
    /// Whether events are delivered. Turned off by the server when the receiver answers
    /// 410 Gone (see `disabled_reason`); turning it on again resumes pending deliveries.
    pub active: bool,
    /// What it is for.
    #[schema(required = true, example = "Rebuild the static site")]
    pub description: Option<String>,
    /// Why the server turned it off, if it did.
    #[schema(required = true, example = json!(null))]
    pub disabled_reason: Option<String>,
    /// The signing secret (`whsec_…`), present only in the answers to create and
    /// rotate-secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: Option<String>,
    /// After a rotation: until when the previous secret still signs (both signatures are
    /// sent meanwhile).
    #[schema(required = true, example = json!(null))]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl WebhookResponse {
    /// The wire form, with the secret when it is to be shown.
    pub fn new(w: Webhook, secret: Option<String>) -> Self {
        let now = crate::domain::time::now();
        Self {
            events: w.patterns(),
            id: w.id,
            url: w.url,
            active: w.active,
            description: w.description,
            disabled_reason: w.disabled_reason,
            secret,
            previous_secret_expires_at: w
                .previous_secret_until
                .filter(|t| *t > now)
                .map(|t| t.and_utc()),
            created_at: w.created_at.and_utc(),
            updated_at: w.updated_at.and_utc(),
        }
    }
}

/// A page of webhooks.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    /// In creation order.
    pub data: Vec<WebhookResponse>,
    /// Paging information.
    pub meta: ListMeta,
}

/// The body of `POST /api/v1/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.example.com/byline", "events": ["article.*"], "description": "Rebuild the static site"}))]
pub struct CreateWebhook {
    /// `https://` or `http://`, at most 2,000 characters. Its host must resolve to public
    /// addresses only (unless `BYLINE_WEBHOOK_ALLOW_PRIVATE=true`).
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "https://hooks.example.com/byline"
    )]
    pub url: String,
    /// 1 to 50 event types or patterns.
    #[schema(min_items = 1, max_items = 50, example = json!(["article.*"]))]
    pub events: Vec<String>,
    /// Whether to deliver; `true` when absent.
    pub active: Option<bool>,
    /// What it is for.
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

/// The body of `PATCH /api/v1/webhooks/{id}`: JSON merge patch. `null` clears
/// `description`; the other fields cannot be null.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": true, "events": ["article.published", "article.deleted"]}))]
pub struct UpdateWebhook {
    /// New URL, checked as at creation.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub url: Patch<String>,
    /// New event types or patterns.
    #[serde(default)]
    #[schema(value_type = Vec<String>, min_items = 1, max_items = 50)]
    pub events: Patch<Vec<String>>,
    /// On or off.
    #[serde(default)]
    #[schema(value_type = bool)]
    pub active: Patch<bool>,
    /// New description, or `null` to clear it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub description: Patch<String>,
}

impl CreateWebhook {
    /// The fields, each checked (the URL's address is checked by the service).
    pub fn check(self) -> Result<Input, Error> {
        let mut v = Fields::new();
        let e = v.errors();
        let description = self
            .description
            .and_then(|d| validate::multi_line("description", &d, DESCRIPTION_MAX, e));
        v.finish(Input {
            url: Some(self.url),
            events: Some(self.events),
            active: self.active,
            description: Some(description),
        })
    }
}

impl UpdateWebhook {
    /// The changes, each checked.
    pub fn check(self) -> Result<Input, Error> {
        let mut v = Fields::new();
        let input = Input {
            url: v.keep("url", self.url, |u, _| Some(u)),
            events: v.keep("events", self.events, |e, _| Some(e)),
            active: v.keep("active", self.active, |a, _| Some(a)),
            description: v.clear(self.description, |d, e| {
                validate::multi_line("description", &d, DESCRIPTION_MAX, e)
            }),
        };
        v.finish(input)
    }
}

/// One event sent (or to be sent) to one webhook, and how its last attempt went.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = WebhookDelivery)]
pub struct DeliveryResponse {
    /// UUIDv7.
    #[schema(format = Uuid)]
    pub id: String,
    /// The event's id: the `webhook-id` header, the same on every attempt.
    #[schema(format = Uuid)]
    pub event_id: String,
    /// The event's type (`webhook.ping` for a test).
    #[schema(example = "article.published")]
    pub event_type: String,
    /// `pending` (waiting for an attempt, or being sent), `succeeded` (a 2xx answer) or
    /// `failed` (the retry schedule ran out, or the receiver answered 410).
    #[schema(example = "succeeded")]
    pub status: String,
    /// Attempts made.
    #[schema(example = 1)]
    pub attempts: i32,
    /// When the next attempt is due; `null` unless pending.
    #[schema(required = true)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the last attempt started.
    #[schema(required = true)]
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's status code at the last attempt.
    #[schema(required = true, example = 200)]
    pub response_status: Option<i32>,
    /// How long the last attempt took, in milliseconds.
    #[schema(required = true, example = 42)]
    pub duration_ms: Option<i32>,
    /// The first KiB of the receiver's last answer.
    #[schema(required = true, example = "ok")]
    pub response_body: Option<String>,
    /// Why the last attempt got no answer (timeout, refused connection, address not
    /// allowed).
    #[schema(required = true, example = json!(null))]
    pub error: Option<String>,
    /// When the event was queued for this webhook.
    pub created_at: DateTime<Utc>,
}

impl From<Delivery> for DeliveryResponse {
    fn from(d: Delivery) -> Self {
        let pending = d.status == crate::domain::DeliveryStatus::Pending;
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            attempts: d.attempts,
            next_attempt_at: pending.then(|| d.next_attempt_at.and_utc()),
            status: d.status.as_str().to_owned(),
            last_attempt_at: d.last_attempt_at.map(|t| t.and_utc()),
            response_status: d.response_status,
            duration_ms: d.duration_ms,
            response_body: d.response_body,
            error: d.error,
            created_at: d.created_at.and_utc(),
        }
    }
}

/// A page of deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first.
    pub data: Vec<DeliveryResponse>,
    /// Paging information.
    pub meta: ListMeta,
}

/// Query parameters of a webhook's delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state.
    #[param(pattern = "^(pending|succeeded|failed)$", example = "failed")]
    pub status: Option<String>,
}
