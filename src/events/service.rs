//! The changes feed, the scheduler of time-driven events, and the events' retention.

use std::time::Duration;

use chrono::NaiveDateTime;

use crate::domain::TimerKind;
use crate::domain::caller::{Caller, Principal};
use crate::domain::change::{Change, Subject, Verb};
use crate::domain::cursor;
use crate::domain::{Code, Error, FieldError, Result, Role, Status};
use crate::outbox::model::{EventRow, Position};
use crate::outbox::repo;
use crate::outbox::types;
use crate::write::{Actor, Ctx};

const ORDER: &str = "changes";

/// A page of the feed: its events, and where to read on from.
#[derive(Debug)]
pub struct Changes {
    /// Oldest first.
    pub events: Vec<EventRow>,
    /// Always set: the position after the last event given, or of the last event there is.
    pub next_cursor: String,
}

/// Who may read the feed: editors, admins and API tokens.
pub fn may_read(caller: &Caller) -> Result<()> {
    let allowed = match &caller.0 {
        Some(Principal::User { role, .. }) => matches!(role, Role::Editor | Role::Admin),
        Some(Principal::Token { .. }) => true,
        None => false,
    };
    caller.require(allowed, "read the changes feed")
}

/// Reads `types` (`article.*,author.updated`); `None` for every type.
pub fn parse_types(raw: Option<&str>) -> Result<Option<Vec<String>>> {
    let Some(raw) = raw else { return Ok(None) };
    let patterns: Vec<String> = raw.split(',').map(|p| p.trim().to_owned()).collect();
    if let Some(bad) = patterns.iter().find(|p| !types::is_pattern(p)) {
        return Err(Error::invalid_query(vec![FieldError::new(
            "types",
            Code::InvalidValue,
            format!(
                "`{}` is not an event type or pattern: use `*`, `article.*`, `author.*`, \
                 `category.*` or a type such as `article.published`",
                bad.chars().take(100).collect::<String>()
            ),
        )]));
    }
    Ok(Some(patterns))
}

fn decode(raw: &str) -> Result<Position> {
    let keys = cursor::decode_cursor(raw, ORDER, 2)?;
    match keys.as_slice() {
        [txid, seq] => match (txid.parse(), seq.parse()) {
            (Ok(t), Ok(s)) => Ok((t, s)),
            _ => Err(cursor::invalid_cursor()),
        },
        _ => Err(cursor::invalid_cursor()),
    }
}

fn encode(at: Position) -> String {
    cursor::encode_cursor(ORDER, &[&at.0.to_string(), &at.1.to_string()])
}

/// Events after `after` (from the oldest kept when `None`), in commit order, of the types
/// `patterns` select. A cursor from before the retention horizon is a 410.
pub async fn changes(
    ctx: &Ctx,
    caller: &Caller,
    after: Option<String>,
    patterns: Option<Vec<String>>,
    limit: u32,
) -> Result<Changes> {
    may_read(caller)?;
    let after = after.as_deref().map(decode).transpose()?;
    ctx.read(move |conn| {
        if let Some(after) = after {
            let horizon = repo::mark(conn, repo::HORIZON)?;
            if after < horizon {
                return Err(Error::new(
                    Code::CursorExpired,
                    "this cursor points before events the retention has deleted; \
                     read the resources again and start the feed without a cursor",
                ));
            }
        }
        let from = after.unwrap_or((0, 0));
        let kinds = patterns.as_deref().map(types::expand);
        let (events, head) = repo::page(conn, from, kinds.as_deref(), i64::from(limit))?;
        let next = match events.last() {
            Some(last) if events.len() == limit as usize => last.position(),
            _ => head,
        };
        Ok(Changes {
            events,
            next_cursor: encode(next),
        })
    })
    .await
}

/// How many timers one scheduler write takes.
const BATCH: i64 = 100;

/// Turns the timers due by now into events: `article.published` for a scheduled story that
/// came due, `article.expired` for one past its `unpublish_at`, each dated when it happened,
/// earliest first. Timers are taken under row locks and deleted in the same write, so two
/// processes never emit one twice. Returns how many events were made.
pub async fn tick(ctx: &Ctx) -> Result<usize> {
    let mut made = 0;
    loop {
        let now = ctx.now();
        let due = ctx.read(move |conn| Ok(repo::any_due(conn, now)?)).await?;
        if !due {
            return Ok(made);
        }
        let (count, more) = ctx
            .write(Actor::System, move |tx| {
                let timers = repo::due(tx.conn(), now, BATCH)?;
                let mut count = 0;
                for (article_id, kind, due_at) in &timers {
                    repo::drop_timer(tx.conn(), article_id, *kind)?;
                    let Some(a) = repo::article(tx.conn(), article_id)? else {
                        continue;
                    };
                    let listed = a.trashed_at.is_none()
                        && matches!(a.status, Status::Published | Status::Scheduled);
                    let verb = match kind {
                        TimerKind::Publish
                            if listed
                                && a.status == Status::Scheduled
                                && a.published_at == Some(*due_at) =>
                        {
                            Verb::Published
                        }
                        TimerKind::Expire
                            if listed
                                && a.unpublish_at == Some(*due_at)
                                && a.published_sort <= *due_at =>
                        {
                            Verb::Expired
                        }
                        _ => continue,
                    };
                    tx.note(Change::new(Subject::Article, article_id, verb).timed(*due_at));
                    count += 1;
                }
                Ok((count, timers.len() as i64 == BATCH))
            })
            .await?;
        made += count;
        if !more {
            return Ok(made);
        }
    }
}

/// Runs the scheduler every `every` until the process ends.
pub async fn schedule_forever(ctx: Ctx, every: Duration) {
    loop {
        match tick(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(events = n, "scheduler made time-driven events"),
            Err(error) => {
                tracing::warn!(code = %error.code, "scheduler failed: {}", error.detail)
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// Deletes events that happened before `cutoff`; how many went. A cursor from before them
/// is expired from then on.
pub async fn sweep(ctx: &Ctx, cutoff: NaiveDateTime) -> Result<usize> {
    ctx.write(Actor::System, move |tx| {
        crate::db::lock_name(tx.conn(), "events.sweep")?;
        Ok(repo::expire(tx.conn(), cutoff)?)
    })
    .await
}
