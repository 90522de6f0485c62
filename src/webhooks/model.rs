//! Webhook and delivery rows.

use crate::domain::DeliveryStatus;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{webhook_deliveries, webhooks};

/// A webhook as stored. `secret` signs deliveries; `previous_secret` still does until
/// `previous_secret_until` after a rotation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    /// UUIDv7.
    pub id: String,
    /// Where deliveries go.
    pub url: String,
    /// JSON array of the event patterns it wants.
    pub events: String,
    /// Whether deliveries are made and sent.
    pub active: bool,
    /// What it is for.
    pub description: Option<String>,
    /// The signing secret (`whsec_…`).
    pub secret: String,
    /// The secret before the last rotation.
    pub previous_secret: Option<String>,
    /// Until when the previous secret still signs.
    pub previous_secret_until: Option<NaiveDateTime>,
    /// Why the server turned it off (a 410 from the receiver).
    pub disabled_reason: Option<String>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
}

impl Webhook {
    /// Its event patterns.
    pub fn patterns(&self) -> Vec<String> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }

    /// The secrets that sign a delivery sent at `now`.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(old), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && until > now
        {
            secrets.push(old);
        }
        secrets
    }
}

/// Changes to a webhook; `None` leaves a field alone.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChangeset {
    /// New URL.
    pub url: Option<String>,
    /// New patterns (JSON).
    pub events: Option<String>,
    /// On or off.
    pub active: Option<bool>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Cleared when it is turned on again.
    pub disabled_reason: Option<Option<String>>,
    /// Always set.
    pub updated_at: Option<NaiveDateTime>,
}

/// A delivery as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    /// Order of creation.
    pub seq: i64,
    /// UUIDv7.
    pub id: String,
    /// Its webhook.
    pub webhook_id: String,
    /// The event's id (the `webhook-id` header).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// `type:id` of the resource, for ordering.
    pub resource_key: String,
    /// The body sent.
    pub payload: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: NaiveDateTime,
    /// Set while an attempt is in flight.
    pub lease_until: Option<NaiveDateTime>,
    /// When the last attempt started.
    pub last_attempt_at: Option<NaiveDateTime>,
    /// The receiver's last status code.
    pub response_status: Option<i32>,
    /// How long the last attempt took.
    pub duration_ms: Option<i32>,
    /// The first KiB of the receiver's last answer.
    pub response_body: Option<String>,
    /// Why the last attempt failed, when it did not get an answer.
    pub error: Option<String>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
}

/// A new delivery.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery {
    /// UUIDv7.
    pub id: String,
    /// Its webhook.
    pub webhook_id: String,
    /// The event's id.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// `type:id`.
    pub resource_key: String,
    /// The body to send.
    pub payload: String,
    /// `pending`.
    pub status: DeliveryStatus,
    /// 0.
    pub attempts: i32,
    /// Now.
    pub next_attempt_at: NaiveDateTime,
    /// Now.
    pub created_at: NaiveDateTime,
}
