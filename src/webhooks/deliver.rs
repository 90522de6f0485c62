//! The dispatcher: fans committed events out to deliveries and sends them.
//!
//! Fan-out reads the events feed from the `webhooks` mark, under that mark's row lock, and
//! writes one delivery per event per matching active webhook in the same transaction that
//! moves the mark: each event is fanned out once, across processes. Sending takes due
//! deliveries under a lease (a process that dies mid-send leaves a lease that runs out, and
//! the delivery is sent again), at most [`PER_WEBHOOK`] at a time per webhook and the
//! configured number in all, each with a 10-second limit and no redirects followed.

use crate::domain::DeliveryStatus;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::guard;
use super::model::{NewDelivery, Webhook};
use super::repo::{self, Attempt, Claimed};
use super::service::next_wait;
use super::sign;
use crate::config::EventSettings;
use crate::domain::Result;
use crate::outbox::{repo as events, types};
use crate::write::{Actor, Change, Ctx, Subject, Verb};

/// The named lock claims take on PostgreSQL.
pub const CLAIM_LOCK: &str = "webhooks.claim";
/// Deliveries in flight per webhook, per process.
pub const PER_WEBHOOK: usize = 4;
/// How long one batch of a webhook's deliveries should keep it busy.
const BATCH_BUDGET: Duration = Duration::from_secs(20);
/// A receiver's time to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long an attempt holds its delivery before another process may take it.
const LEASE: Duration = Duration::from_secs(30);
/// How often an idle dispatcher looks for work.
const POLL: Duration = Duration::from_millis(100);
/// How often a busy one does.
const BUSY_POLL: Duration = Duration::from_millis(20);
/// Events fanned out per write.
const FAN_OUT_BATCH: i64 = 500;
/// How much of an answer the delivery log keeps.
const KEEP_BYTES: usize = 1024;

/// What an attempt came to, waiting to be written.
struct Finished {
    seq: i64,
    lease: NaiveDateTime,
    state: DeliveryStatus,
    next: NaiveDateTime,
    attempt: Attempt,
    /// The webhook to turn off (the receiver answered 410).
    disable: Option<String>,
}

/// Attempts written in one transaction, at most.
const FINISH_BATCH: usize = 200;

/// Fans out and sends; one per process.
pub struct Dispatcher {
    ctx: Ctx,
    settings: EventSettings,
    client: reqwest::Client,
    gate: Arc<tokio::sync::Semaphore>,
    results: tokio::sync::mpsc::UnboundedSender<Finished>,
    finished: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<Finished>>>,
    lanes: std::sync::Mutex<HashMap<String, Lane>>,
}

/// One webhook's traffic in this process.
struct Lane {
    /// Deliveries taken and not yet sent.
    outstanding: usize,
    /// How long its receiver takes to answer (moving average, milliseconds).
    pace_ms: f64,
    /// At most [`PER_WEBHOOK`] requests at once.
    gate: Arc<tokio::sync::Semaphore>,
}

impl Default for Lane {
    fn default() -> Self {
        Self {
            outstanding: 0,
            pace_ms: TIMEOUT.as_secs_f64() * 1000.0,
            gate: Arc::new(tokio::sync::Semaphore::new(PER_WEBHOOK)),
        }
    }
}

/// How many deliveries to take for a receiver that answers in `pace_ms`, and how long to
/// hold them: enough to keep [`PER_WEBHOOK`] requests busy for [`BATCH_BUDGET`], and a
/// lease twice that, plus a margin.
fn batch_for(pace_ms: f64) -> (i64, chrono::Duration) {
    let rounds = (BATCH_BUDGET.as_secs_f64() * 1000.0 / pace_ms.max(1.0)).floor();
    let size = (rounds * PER_WEBHOOK as f64).clamp(PER_WEBHOOK as f64, 200.0) as i64;
    let busy_ms = (size as f64 / PER_WEBHOOK as f64).ceil() * pace_ms.max(1.0);
    let hold = LEASE + std::time::Duration::from_millis((2.0 * busy_ms) as u64);
    (
        size,
        chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::MAX),
    )
}

impl Dispatcher {
    /// A dispatcher for the database behind `ctx`.
    pub fn new(ctx: Ctx, settings: EventSettings) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .no_proxy()
            .user_agent(concat!("Byline-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(guard::GuardedResolver {
                allow_private: settings.allow_private,
            }))
            .build()?;
        let (results, finished) = tokio::sync::mpsc::unbounded_channel();
        Ok(Self {
            lanes: std::sync::Mutex::default(),
            ctx,
            gate: Arc::new(tokio::sync::Semaphore::new(settings.concurrency)),
            settings,
            client,
            results,
            finished: std::sync::Mutex::new(Some(finished)),
        })
    }

    /// Writes attempts' outcomes as they come, many to a transaction.
    async fn record_forever(
        ctx: Ctx,
        mut finished: tokio::sync::mpsc::UnboundedReceiver<Finished>,
    ) {
        while let Some(first) = finished.recv().await {
            let mut batch = vec![first];
            while batch.len() < FINISH_BATCH {
                match finished.try_recv() {
                    Ok(more) => batch.push(more),
                    Err(_) => break,
                }
            }
            let result = ctx
                .write(Actor::System, move |tx| {
                    let now = tx.now();
                    for f in &batch {
                        let kept =
                            repo::finish(tx.conn(), f.seq, f.lease, f.state, f.next, &f.attempt)?;
                        if let (true, Some(webhook_id)) = (kept, &f.disable) {
                            repo::disable(
                                tx.conn(),
                                webhook_id,
                                "the receiver answered 410 Gone",
                                now,
                            )?;
                            tx.note(
                                Change::new(Subject::Webhook, webhook_id, Verb::Updated)
                                    .with_fields(vec!["active"])
                                    .with_details(serde_json::json!({"disabled_by": "410 Gone"})),
                            );
                        }
                    }
                    Ok(())
                })
                .await;
            if let Err(error) = result {
                // The leases run out and the deliveries are sent again.
                tracing::warn!(code = %error.code, "recording webhook deliveries failed: {}", error.detail);
            }
        }
    }

    /// Fans out and sends until the process ends.
    pub async fn run_forever(self: Arc<Self>) {
        let finished = self.finished.lock().ok().and_then(|mut f| f.take());
        let recorder = finished.map(|f| tokio::spawn(Self::record_forever(self.ctx.clone(), f)));
        let _stop_recorder = AbortOnDrop(recorder);
        loop {
            let fanned = match self.fan_out().await {
                Ok(n) => n,
                Err(error) => {
                    tracing::warn!(code = %error.code, "webhook fan-out failed: {}", error.detail);
                    0
                }
            };
            let mut sent = 0;
            match self.claim().await {
                Ok(claimed) => {
                    for (delivery, webhook, lease) in claimed {
                        sent += 1;
                        let this = self.clone();
                        tokio::spawn(async move { this.attempt(delivery, webhook, lease).await });
                    }
                }
                Err(error) => {
                    tracing::warn!(code = %error.code, "taking webhook deliveries failed: {}", error.detail)
                }
            }
            // A full batch: there is more at once. Otherwise wait a little, so that events
            // arriving one by one under load go out in batches rather than a write each.
            if fanned as i64 >= FAN_OUT_BATCH {
                continue;
            }
            let pause = if fanned == 0 && sent == 0 {
                POLL
            } else {
                BUSY_POLL
            };
            tokio::time::sleep(pause).await;
        }
    }

    /// Turns the events after the `webhooks` mark into deliveries; how many events.
    pub async fn fan_out(&self) -> Result<usize> {
        let waiting = self
            .ctx
            .read(|conn| {
                let mark = events::mark(conn, events::WEBHOOKS)?;
                Ok(!events::page(conn, mark, None, 1)?.0.is_empty())
            })
            .await?;
        if !waiting {
            return Ok(0);
        }
        let now = self.ctx.now();
        self.ctx
            .write(Actor::System, move |tx| {
                let from = events::lock_mark(tx.conn(), events::WEBHOOKS)?;
                let (batch, _) = events::page(tx.conn(), from, None, FAN_OUT_BATCH)?;
                let Some(last) = batch.last().map(|e| e.position()) else {
                    return Ok(0);
                };
                let hooks: Vec<(Webhook, Vec<String>)> = repo::active(tx.conn())?
                    .into_iter()
                    .map(|w| {
                        let patterns = w.patterns();
                        (w, patterns)
                    })
                    .collect();
                let mut rows = Vec::new();
                for event in &batch {
                    let mut payload = None;
                    for (hook, patterns) in &hooks {
                        if !types::matches(patterns, event.kind.as_str()) {
                            continue;
                        }
                        let body = payload.get_or_insert_with(|| event.to_json().to_string());
                        rows.push(NewDelivery {
                            id: uuid::Uuid::now_v7().to_string(),
                            webhook_id: hook.id.clone(),
                            event_id: event.id.clone(),
                            event_type: event.kind.as_str().to_owned(),
                            resource_key: format!("{}:{}", event.resource_type, event.resource_id),
                            payload: body.clone(),
                            status: DeliveryStatus::Pending,
                            attempts: 0,
                            next_attempt_at: now,
                            created_at: now,
                        });
                    }
                }
                repo::insert_deliveries(tx.conn(), &rows)?;
                events::set_mark(tx.conn(), events::WEBHOOKS, last)?;
                Ok(batch.len())
            })
            .await
    }

    /// Takes a batch of due deliveries for each active webhook that has none in flight in
    /// this process, each with its webhook and lease. A batch is as large as the receiver's
    /// pace allows within [`BATCH_BUDGET`] at [`PER_WEBHOOK`] at a time (4 to 200), and its
    /// lease outlasts it.
    async fn claim(&self) -> Result<Vec<(Claimed, Webhook, NaiveDateTime)>> {
        let now = self.ctx.now();
        let due = self
            .ctx
            .read(move |conn| Ok(repo::any_due(conn, now)?))
            .await?;
        if !due {
            return Ok(Vec::new());
        }
        let busy: Vec<String> = self
            .lanes
            .lock()
            .map(|lanes| {
                lanes
                    .iter()
                    .filter(|(_, lane)| lane.outstanding > 0)
                    .map(|(id, _)| id.clone())
                    .collect()
            })
            .unwrap_or_default();
        let paces: HashMap<String, f64> = self
            .lanes
            .lock()
            .map(|lanes| {
                lanes
                    .iter()
                    .map(|(id, l)| (id.clone(), l.pace_ms))
                    .collect()
            })
            .unwrap_or_default();
        let claimed = self
            .ctx
            .write(Actor::System, move |tx| {
                crate::db::lock_name(tx.conn(), CLAIM_LOCK)?;
                let mut out = Vec::new();
                for hook in repo::active(tx.conn())? {
                    if busy.contains(&hook.id) {
                        continue;
                    }
                    let pace = paces
                        .get(&hook.id)
                        .copied()
                        .unwrap_or(TIMEOUT.as_secs_f64() * 1000.0);
                    let (size, hold) = batch_for(pace);
                    let lease = now + hold;
                    for c in repo::claim(tx.conn(), &hook.id, now, lease, size)? {
                        out.push((c, hook.clone(), lease));
                    }
                }
                Ok(out)
            })
            .await?;
        if let Ok(mut lanes) = self.lanes.lock() {
            for (c, _, _) in &claimed {
                lanes.entry(c.webhook_id.clone()).or_default().outstanding += 1;
            }
        }
        Ok(claimed)
    }

    /// Sends one delivery and records how it went.
    async fn attempt(&self, delivery: Claimed, webhook: Webhook, lease: NaiveDateTime) {
        let lane_gate = self
            .lanes
            .lock()
            .ok()
            .map(|mut lanes| lanes.entry(webhook.id.clone()).or_default().gate.clone());
        let Some(lane_gate) = lane_gate else { return };
        let (Ok(_lane), Ok(_all)) = (
            lane_gate.acquire_owned().await,
            self.gate.clone().acquire_owned().await,
        ) else {
            return;
        };
        let started = Instant::now();
        let outcome = self.send(&delivery, &webhook).await;
        let took = started.elapsed();
        if let Ok(mut lanes) = self.lanes.lock() {
            let lane = lanes.entry(webhook.id.clone()).or_default();
            lane.outstanding = lane.outstanding.saturating_sub(1);
            lane.pace_ms = 0.8 * lane.pace_ms + 0.2 * took.as_secs_f64().max(0.001) * 1000.0;
        }
        let attempt = Attempt {
            duration_ms: i32::try_from(took.as_millis()).unwrap_or(i32::MAX),
            ..outcome
        };
        let now = self.ctx.now();
        let gone = attempt.response_status == Some(410);
        let (state, next) = match attempt.response_status {
            Some(code) if (200..300).contains(&code) => (DeliveryStatus::Succeeded, now),
            _ if gone => (DeliveryStatus::Failed, now),
            _ => match next_wait(&self.settings.retry_schedule, delivery.attempts, jitter()) {
                Some(wait) => (DeliveryStatus::Pending, now + wait),
                None => (DeliveryStatus::Failed, now),
            },
        };
        let _ = self.results.send(Finished {
            seq: delivery.seq,
            lease,
            state,
            next,
            attempt,
            disable: gone.then(|| webhook.id.clone()),
        });
    }

    /// One HTTP attempt: the address checked again, the body signed with every secret in
    /// force, the first KiB of the answer kept.
    async fn send(&self, delivery: &Claimed, webhook: &Webhook) -> Attempt {
        let failed = |error: String| Attempt {
            response_status: None,
            duration_ms: 0,
            response_body: None,
            error: Some(error),
        };
        let target = match guard::parse(&webhook.url) {
            Ok(t) => t,
            Err(e) => return failed(e.errors.first().map_or(e.detail, |f| f.message.clone())),
        };
        if let Err(e) = guard::resolve(&target, self.settings.allow_private).await {
            return failed(e.errors.first().map_or(e.detail, |f| f.message.clone()));
        }
        let timestamp = chrono::Utc::now().timestamp();
        let body = delivery.payload.as_bytes();
        let signature = sign::header(
            &webhook.signing_secrets(self.ctx.now()),
            &delivery.event_id,
            timestamp,
            body,
        );
        let request = self
            .client
            .post(target.url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.payload.clone());
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) => return failed(describe(&e)),
        };
        let code = i32::from(response.status().as_u16());
        let mut kept = Vec::new();
        while kept.len() < KEEP_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        kept.truncate(KEEP_BYTES);
        let mut text = String::from_utf8_lossy(&kept).into_owned();
        if kept.len() == KEEP_BYTES && text.ends_with('\u{fffd}') {
            text.pop();
        }
        Attempt {
            response_status: Some(code),
            duration_ms: 0,
            response_body: Some(text),
            error: None,
        }
    }
}

/// Stops a spawned task when dropped.
struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// Why a request got no answer, without the URL (it may carry a token in its query).
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "the receiver did not answer within 10 seconds"
    } else if e.is_connect() {
        "could not connect to the receiver"
    } else {
        "the request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {cause}")
    }
}

/// A number in 0..1 for the retry jitter.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX),
        Err(_) => 0.5,
    }
}
