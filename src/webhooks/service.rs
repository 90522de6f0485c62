//! Managing webhooks (admins): register, change, rotate the secret, read the delivery log,
//! retry a delivery and send a test ping. Each change is one write ([`crate::write`]).

use super::guard;
use super::model::{Delivery, NewDelivery, Webhook, WebhookChangeset};
use super::repo;
use super::sign;
use crate::domain::DeliveryStatus;
use crate::domain::EventType;
use crate::domain::caller::Admin;
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{Code, Error, FieldError, Result};
use crate::outbox::types;
use crate::write::{Ctx, Subject, Verb};

/// How long a rotated-out secret still signs.
pub const OVERLAP_HOURS: i64 = 24;

/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 1000;

/// A webhook's fields as a client sets them.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// Where deliveries go.
    pub url: Option<String>,
    /// Event patterns.
    pub events: Option<Vec<String>>,
    /// On or off.
    pub active: Option<bool>,
    /// What it is for (`Some(None)` clears it).
    pub description: Option<Option<String>>,
}

/// Checks event patterns: 1 to 50 of them, each `*`, `<resource>.*` or a type.
pub fn check_patterns(patterns: &[String]) -> Result<String> {
    if patterns.is_empty() || patterns.len() > 50 {
        return Err(Error::invalid_field(
            "events",
            Code::OutOfRange,
            "events must list between 1 and 50 event types or patterns",
        ));
    }
    let errors: Vec<FieldError> = patterns
        .iter()
        .filter(|p| !types::is_pattern(p))
        .map(|p| {
            FieldError::new(
                "events",
                Code::InvalidValue,
                format!(
                    "`{}` is not an event type or pattern: use `*`, `article.*`, `author.*`, \
                     `category.*` or a type such as `article.published`",
                    p.chars().take(100).collect::<String>()
                ),
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let mut unique: Vec<&String> = Vec::new();
    for p in patterns {
        if !unique.contains(&p) {
            unique.push(p);
        }
    }
    Ok(serde_json::to_string(&unique).unwrap_or_else(|_| "[]".into()))
}

/// Registers a webhook; returns it and its secret, shown this once.
pub async fn create(
    ctx: &Ctx,
    admin: &Admin,
    url: String,
    events: Vec<String>,
    active: bool,
    description: Option<String>,
    allow_private: bool,
) -> Result<(Webhook, String)> {
    let events = check_patterns(&events)?;
    let target = guard::parse(&url)?;
    guard::resolve(&target, allow_private).await?;
    let secret = sign::new_secret().map_err(Error::internal)?;
    let now = ctx.now();
    let row = Webhook {
        id: uuid::Uuid::now_v7().to_string(),
        url: target.url.to_string(),
        events,
        active,
        description,
        secret: secret.clone(),
        previous_secret: None,
        previous_secret_until: None,
        disabled_reason: None,
        created_at: now,
        updated_at: now,
    };
    let row = ctx
        .write(admin.actor(), move |tx| {
            repo::create(tx.conn(), &row)?;
            tx.changed(Subject::Webhook, &row.id, Verb::Created);
            Ok(row)
        })
        .await?;
    Ok((row, secret))
}

/// A page of webhooks in creation order.
pub async fn list(ctx: &Ctx, _admin: &Admin, page: PageRequest) -> Result<Page<Webhook>> {
    ctx.page_by_creation(page, repo::list, repo::count, |w| (w.created_at, &w.id))
        .await
}

/// One webhook.
pub async fn get(ctx: &Ctx, _admin: &Admin, id: String) -> Result<Webhook> {
    ctx.read(move |conn| repo::get(conn, &id)).await
}

/// Changes a webhook. A new URL is checked as at creation; turning it on clears the reason
/// it was turned off.
pub async fn update(
    ctx: &Ctx,
    admin: &Admin,
    id: String,
    input: Input,
    allow_private: bool,
) -> Result<Webhook> {
    let mut changes = WebhookChangeset {
        updated_at: Some(ctx.now()),
        ..Default::default()
    };
    let mut fields = Vec::new();
    if let Some(events) = &input.events {
        changes.events = Some(check_patterns(events)?);
        fields.push("events");
    }
    if let Some(url) = &input.url {
        let target = guard::parse(url)?;
        guard::resolve(&target, allow_private).await?;
        changes.url = Some(target.url.to_string());
        fields.push("url");
    }
    if let Some(active) = input.active {
        changes.active = Some(active);
        if active {
            changes.disabled_reason = Some(None);
        }
        fields.push("active");
    }
    if let Some(description) = input.description {
        changes.description = Some(description);
        fields.push("description");
    }
    ctx.write(admin.actor(), move |tx| {
        let row = repo::update(tx.conn(), &id, &changes)?;
        tx.note(
            crate::write::Change::new(Subject::Webhook, &row.id, Verb::Updated).with_fields(fields),
        );
        Ok(row)
    })
    .await
}

/// Deletes a webhook and its delivery log; nothing more is sent.
pub async fn delete(ctx: &Ctx, admin: &Admin, id: String) -> Result<()> {
    ctx.write(admin.actor(), move |tx| {
        repo::delete(tx.conn(), &id)?;
        tx.changed(Subject::Webhook, &id, Verb::Deleted);
        Ok(())
    })
    .await
}

/// Makes a new signing secret; the old one keeps signing (beside it) for 24 hours.
pub async fn rotate(ctx: &Ctx, admin: &Admin, id: String) -> Result<(Webhook, String)> {
    let secret = sign::new_secret().map_err(Error::internal)?;
    let now = ctx.now();
    let until = now + chrono::Duration::hours(OVERLAP_HOURS);
    let new = secret.clone();
    let row = ctx
        .write(admin.actor(), move |tx| {
            let row = repo::rotate(tx.conn(), &id, &new, until, now)?;
            tx.note(
                crate::write::Change::new(Subject::Webhook, &row.id, Verb::Updated)
                    .with_fields(vec!["secret"]),
            );
            Ok(row)
        })
        .await?;
    Ok((row, secret))
}

/// A page of a webhook's deliveries, newest first.
pub async fn deliveries(
    ctx: &Ctx,
    _admin: &Admin,
    id: String,
    state: Option<DeliveryStatus>,
    page: PageRequest,
) -> Result<Page<Delivery>> {
    const ORDER: &str = "deliveries";
    let before = match page.cursor.as_deref() {
        Some(raw) => {
            let keys = cursor::decode_cursor(raw, ORDER, 1)?;
            Some(
                keys.first()
                    .and_then(|k| k.parse::<i64>().ok())
                    .ok_or_else(cursor::invalid_cursor)?,
            )
        }
        None => None,
    };
    ctx.read(move |conn| {
        repo::get(conn, &id)?;
        let rows = repo::deliveries(conn, &id, state, before, page.limit)?;
        let total = if page.with_total {
            Some(repo::count_deliveries(conn, &id, state)?)
        } else {
            None
        };
        Ok(page.split(rows, total, |d| {
            cursor::encode_cursor(ORDER, &[&d.seq.to_string()])
        }))
    })
    .await
}

/// Sends a delivery again as soon as the dispatcher comes by (also one that succeeded or
/// gave up). A delivery being sent right now is a 409.
pub async fn retry(
    ctx: &Ctx,
    admin: &Admin,
    webhook_id: String,
    delivery_id: String,
) -> Result<Delivery> {
    let now = ctx.now();
    ctx.write(admin.actor(), move |tx| {
        crate::db::lock_name(tx.conn(), super::deliver::CLAIM_LOCK)?;
        let delivery = repo::delivery(tx.conn(), &webhook_id, &delivery_id)?;
        if delivery.status == DeliveryStatus::Pending
            && delivery.lease_until.is_some_and(|t| t >= now)
        {
            return Err(Error::new(
                Code::DeliveryInFlight,
                "this delivery is being sent right now; look at it again in a few seconds",
            ));
        }
        repo::requeue(tx.conn(), delivery.seq, now)?;
        tx.note(
            crate::write::Change::new(Subject::Webhook, &webhook_id, Verb::Updated)
                .with_details(serde_json::json!({"retried_delivery": delivery.id})),
        );
        repo::delivery(tx.conn(), &webhook_id, &delivery_id)
    })
    .await
}

/// Queues a `webhook.ping` delivery to the webhook, whatever events it wants.
pub async fn ping(ctx: &Ctx, admin: &Admin, webhook_id: String) -> Result<Delivery> {
    let now = ctx.now();
    let actor = admin.id.clone();
    ctx.write(admin.actor(), move |tx| {
        repo::get(tx.conn(), &webhook_id)?;
        let event_id = uuid::Uuid::now_v7().to_string();
        let payload = serde_json::json!({
            "id": event_id,
            "type": EventType::WebhookPing,
            "occurred_at": now.and_utc(),
            "resource": {"type": "webhook", "id": webhook_id, "slug": null},
            "version": null,
            "actor": {"type": "user", "id": actor},
            "data": null,
        });
        let row = NewDelivery {
            id: uuid::Uuid::now_v7().to_string(),
            webhook_id: webhook_id.clone(),
            event_id,
            event_type: EventType::WebhookPing.as_str().to_owned(),
            resource_key: format!("webhook:{webhook_id}"),
            payload: payload.to_string(),
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        };
        let id = row.id.clone();
        repo::insert_deliveries(tx.conn(), &[row])?;
        tx.note(
            crate::write::Change::new(Subject::Webhook, &webhook_id, Verb::Updated)
                .with_details(serde_json::json!({"ping": id})),
        );
        repo::delivery(tx.conn(), &webhook_id, &id)
    })
    .await
}

/// How long to wait after failed attempt number `attempt` (from 1) before the next: the
/// schedule's wait, give or take a fifth (`jitter` in 0..1 picks where). `None`: give up.
pub fn next_wait(
    schedule: &[std::time::Duration],
    attempt: i32,
    jitter: f64,
) -> Option<chrono::Duration> {
    let index = usize::try_from(attempt).ok()?.checked_sub(1)?;
    let base = schedule.get(index)?;
    let scaled = base.as_secs_f64() * (0.8 + 0.4 * jitter.clamp(0.0, 1.0));
    chrono::Duration::from_std(std::time::Duration::from_secs_f64(scaled)).ok()
}

/// The backlog, for metrics: deliveries by state, and events not yet turned into
/// deliveries.
pub async fn backlog(ctx: &Ctx) -> Result<(Vec<(DeliveryStatus, i64)>, i64)> {
    ctx.read(|conn| {
        let deliveries = repo::deliveries_by_status(conn)?;
        let events = crate::outbox::repo::after_mark(conn, crate::outbox::repo::WEBHOOKS)?;
        Ok((deliveries, events))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_schedule_runs_out() {
        let schedule = [Duration::from_secs(5), Duration::from_secs(300)];
        let first = next_wait(&schedule, 1, 0.5).expect("a wait");
        assert_eq!(first.num_seconds(), 5);
        let low = next_wait(&schedule, 2, 0.0).expect("a wait");
        let high = next_wait(&schedule, 2, 1.0).expect("a wait");
        assert_eq!((low.num_seconds(), high.num_seconds()), (240, 360));
        assert!(next_wait(&schedule, 3, 0.5).is_none());
        assert!(next_wait(&schedule, 0, 0.5).is_none());
    }

    #[test]
    fn patterns_are_checked_and_kept_once() {
        let p = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_patterns(&p(&["article.*", "article.*", "*"])).expect("valid"),
            r#"["article.*","*"]"#
        );
        assert!(check_patterns(&p(&[])).is_err());
        assert!(check_patterns(&p(&["article.nope"])).is_err());
    }
}
