//! Queries of webhooks and their deliveries.

use crate::domain::DeliveryStatus;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

use super::model::{Delivery, NewDelivery, Webhook, WebhookChangeset};
use crate::db::schema::{webhook_deliveries as d, webhooks as w};
use crate::db::{AnyConnection, QueryResult};
use crate::domain::{Error, Result};

fn missing() -> Error {
    Error::not_found("no webhook has that id")
}

/// Stores a new webhook.
pub fn create(conn: &mut AnyConnection, row: &Webhook) -> QueryResult<()> {
    diesel::insert_into(w::table).values(row).execute(conn)?;
    Ok(())
}

/// A webhook by id.
pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Webhook> {
    w::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(missing)
}

/// A page of webhooks in creation order, after a `(created_at, id)` key; one more than
/// `limit`.
pub fn list(
    conn: &mut AnyConnection,
    after: Option<(NaiveDateTime, String)>,
    limit: u32,
) -> QueryResult<Vec<Webhook>> {
    let mut query = w::table
        .select(Webhook::as_select())
        .order((w::created_at, w::id))
        .limit(i64::from(limit) + 1)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            w::created_at
                .gt(at)
                .or(w::created_at.eq(at).and(w::id.gt(id))),
        );
    }
    query.load(conn)
}

/// How many webhooks there are.
pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    w::table.count().get_result(conn)
}

/// Every webhook that is on.
pub fn active(conn: &mut AnyConnection) -> QueryResult<Vec<Webhook>> {
    w::table
        .filter(w::active.eq(true))
        .select(Webhook::as_select())
        .load(conn)
}

/// The webhooks with these ids.
pub fn some(conn: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<Webhook>> {
    w::table
        .filter(w::id.eq_any(ids))
        .select(Webhook::as_select())
        .load(conn)
}

/// Applies changes; the webhook as it is now.
pub fn update(conn: &mut AnyConnection, id: &str, changes: &WebhookChangeset) -> Result<Webhook> {
    let n = diesel::update(w::table.find(id))
        .set(changes)
        .execute(conn)?;
    if n == 0 {
        return Err(missing());
    }
    get(conn, id)
}

/// Makes `secret` the signing secret; the one it replaces still signs until `until`.
pub fn rotate(
    conn: &mut AnyConnection,
    id: &str,
    secret: &str,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Webhook> {
    // The secret it replaces is read by the UPDATE itself, from the row as it is when the
    // row lock is held: two rotations at once each keep the other's secret, and none that
    // was handed out is lost.
    let n = diesel::update(w::table.find(id))
        .set((
            w::previous_secret.eq(w::secret.nullable()),
            w::secret.eq(secret),
            w::previous_secret_until.eq(Some(until)),
            w::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(missing());
    }
    get(conn, id)
}

/// Deletes a webhook and its deliveries.
pub fn delete(conn: &mut AnyConnection, id: &str) -> Result<()> {
    diesel::delete(d::table.filter(d::webhook_id.eq(id))).execute(conn)?;
    let n = diesel::delete(w::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(missing());
    }
    Ok(())
}

/// Turns a webhook off, saying why.
pub fn disable(
    conn: &mut AnyConnection,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(w::table.find(id))
        .set((
            w::active.eq(false),
            w::disabled_reason.eq(Some(reason)),
            w::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores new deliveries.
pub fn insert_deliveries(conn: &mut AnyConnection, rows: &[NewDelivery]) -> QueryResult<()> {
    crate::db::insert_rows!(conn, d::table, rows, 200).map(drop)
}

/// A page of a webhook's deliveries, newest first, before `before` (a `seq`); one more than
/// `limit`.
pub fn deliveries(
    conn: &mut AnyConnection,
    webhook_id: &str,
    state: Option<DeliveryStatus>,
    before: Option<i64>,
    limit: u32,
) -> QueryResult<Vec<Delivery>> {
    let mut query = d::table
        .filter(d::webhook_id.eq(webhook_id))
        .select(Delivery::as_select())
        .order(d::seq.desc())
        .limit(i64::from(limit) + 1)
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(d::status.eq(state));
    }
    if let Some(before) = before {
        query = query.filter(d::seq.lt(before));
    }
    query.load(conn)
}

/// How many deliveries a webhook has (of one status).
pub fn count_deliveries(
    conn: &mut AnyConnection,
    webhook_id: &str,
    state: Option<DeliveryStatus>,
) -> QueryResult<i64> {
    let mut query = d::table
        .filter(d::webhook_id.eq(webhook_id))
        .count()
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(d::status.eq(state));
    }
    query.get_result(conn)
}

/// One delivery of a webhook.
pub fn delivery(conn: &mut AnyConnection, webhook_id: &str, id: &str) -> Result<Delivery> {
    d::table
        .filter(d::webhook_id.eq(webhook_id))
        .filter(d::id.eq(id))
        .select(Delivery::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("this webhook has no delivery with that id"))
}

/// Makes a delivery due now again.
pub fn requeue(conn: &mut AnyConnection, seq: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(d::table.find(seq))
        .set((
            d::status.eq(DeliveryStatus::Pending),
            d::next_attempt_at.eq(now),
            d::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A delivery taken for an attempt.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claimed {
    /// Its row.
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    /// Its id.
    #[diesel(sql_type = Text)]
    pub id: String,
    /// Its webhook.
    #[diesel(sql_type = Text)]
    pub webhook_id: String,
    /// The `webhook-id` header.
    #[diesel(sql_type = Text)]
    pub event_id: String,
    /// The body.
    #[diesel(sql_type = Text)]
    pub payload: String,
    /// Attempts including this one.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

/// Takes up to `limit` due deliveries of one webhook for an attempt, leasing them until
/// `lease_until`: pending, due, not leased, and with no earlier pending delivery of the same
/// resource (so one resource's events go out in order, and a batch never holds two of
/// them). Callers on PostgreSQL hold a named lock, so two processes never take one delivery
/// twice.
pub fn claim(
    conn: &mut AnyConnection,
    webhook_id: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    // The earliest due first, by an index scan that stops at `limit`.
    const SQL: &str = "\
        UPDATE webhook_deliveries \
        SET lease_until = $1, attempts = attempts + 1, last_attempt_at = $2 \
        WHERE seq IN ( \
            SELECT c.seq FROM ( \
                SELECT seq, resource_key FROM webhook_deliveries \
                WHERE webhook_id = $3 AND status = 'pending' AND next_attempt_at <= $2 \
                    AND (lease_until IS NULL OR lease_until < $2) \
                ORDER BY next_attempt_at, seq LIMIT $4 \
            ) c \
            WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries e \
                WHERE e.webhook_id = $3 AND e.resource_key = c.resource_key \
                AND e.status = 'pending' AND e.seq < c.seq)) \
        RETURNING seq, id, webhook_id, event_id, payload, attempts";
    crate::db::per_backend(
        conn,
        |pg| {
            diesel::sql_query(SQL)
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(now)
                .bind::<Text, _>(webhook_id)
                .bind::<BigInt, _>(limit)
                .load(pg)
        },
        |lite| {
            diesel::sql_query(SQL.replace('$', "?"))
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(now)
                .bind::<Text, _>(webhook_id)
                .bind::<BigInt, _>(limit)
                .load(lite)
        },
    )
}

/// Whether any delivery is due (a cheap look before taking the writer's turn).
pub fn any_due(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        d::table
            .inner_join(w::table)
            .filter(w::active.eq(true))
            .filter(d::status.eq(DeliveryStatus::Pending))
            .filter(d::next_attempt_at.le(now))
            .filter(d::lease_until.is_null().or(d::lease_until.lt(now))),
    ))
    .get_result(conn)
}

/// What an attempt came to.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The status code, when the receiver answered.
    pub response_status: Option<i32>,
    /// How long it took.
    pub duration_ms: i32,
    /// The first KiB of the answer.
    pub response_body: Option<String>,
    /// Why there was no usable answer.
    pub error: Option<String>,
}

/// Records an attempt of a delivery still leased until `lease`: `state` and, for one still
/// pending, when to try next. Does nothing when the lease was lost (another process took
/// the delivery after it ran out).
pub fn finish(
    conn: &mut AnyConnection,
    seq: i64,
    lease: NaiveDateTime,
    state: DeliveryStatus,
    next_attempt_at: NaiveDateTime,
    attempt: &Attempt,
) -> QueryResult<bool> {
    let n = diesel::update(
        d::table
            .filter(d::seq.eq(seq))
            .filter(d::lease_until.eq(lease)),
    )
    .set((
        d::status.eq(state),
        d::next_attempt_at.eq(next_attempt_at),
        d::lease_until.eq(None::<NaiveDateTime>),
        d::response_status.eq(attempt.response_status),
        d::duration_ms.eq(Some(attempt.duration_ms)),
        d::response_body.eq(attempt.response_body.as_deref()),
        d::error.eq(attempt.error.as_deref()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes finished deliveries created before `cutoff`; how many went.
pub fn expire_deliveries(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        d::table
            .filter(d::status.ne(DeliveryStatus::Pending))
            .filter(d::created_at.lt(cutoff)),
    )
    .execute(conn)
}

/// How many deliveries are in each state (`pending`, `succeeded`, `failed`), for metrics.
pub fn deliveries_by_status(conn: &mut AnyConnection) -> QueryResult<Vec<(DeliveryStatus, i64)>> {
    d::table
        .group_by(d::status)
        .select((d::status, diesel::dsl::count_star()))
        .load(conn)
}
