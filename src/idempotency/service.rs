//! What a request with an `Idempotency-Key` may do: run, replay the stored answer, or be
//! refused.

use super::repo::{self, Answer, KeyRow};
use super::{ABANDONED_AFTER, KEEP};
use crate::domain::IdempotencyState;
use crate::domain::{Code, Error, Result};
use crate::write::{Actor, Ctx};

/// The verdict on a request with a key.
#[derive(Debug)]
pub enum Begin {
    /// First time (or the earlier one was abandoned): run it, then [`finish`].
    Run,
    /// Answered before: send this again.
    Replay(Answer),
}

fn to_std(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Claims `key` for `caller`'s request with this `fingerprint`: a 422 when the key was used
/// for a different request, a 409 while the first is still running.
pub async fn begin(ctx: &Ctx, caller: String, key: String, fingerprint: String) -> Result<Begin> {
    let now = ctx.now();
    let locked_until = now + to_std(ABANDONED_AFTER);
    let stale_before = now - to_std(KEEP);
    ctx.write(Actor::System, move |tx| {
        let conn = tx.conn();
        let row: Option<KeyRow> = repo::get(conn, &caller, &key)?;
        let row = match row {
            Some(r) if r.created_at < stale_before => {
                repo::forget(conn, &caller, &key)?;
                None
            }
            other => other,
        };
        let Some(row) = row else {
            if repo::claim(conn, &caller, &key, &fingerprint, now, locked_until)? {
                return Ok(Begin::Run);
            }
            return Err(in_flight());
        };
        if row.fingerprint != fingerprint {
            return Err(Error::new(
                Code::IdempotencyKeyReused,
                "this Idempotency-Key was used for a different request (method, path or body) \
                 in the last 24 hours; use a new key for a new request",
            ));
        }
        if row.state == IdempotencyState::Sealed {
            let done = match &row.location {
                Some(location) => format!("the first request succeeded ({location})"),
                None => "the first request succeeded".to_owned(),
            };
            return Err(Error::new(
                Code::IdempotencyKeyUnreplayable,
                format!(
                    "{done}, and its answer carried a secret, which is never kept for a replay; \
                     it cannot be sent again (list the resource to find it, or make a new one)"
                ),
            ));
        }
        if row.state == IdempotencyState::Running {
            if row.locked_until > now {
                return Err(in_flight());
            }
            repo::relock(conn, &caller, &key, locked_until)?;
            return Ok(Begin::Run);
        }
        Ok(Begin::Replay(Answer {
            status: row.status.unwrap_or(200),
            location: row.location,
            etag: row.etag,
            content_type: row.content_type,
            body: row.body.unwrap_or_default(),
        }))
    })
    .await
}

fn in_flight() -> Error {
    Error::new(
        Code::IdempotencyKeyInFlight,
        "a request with this Idempotency-Key is still running; retry when it has answered",
    )
    .with_retry_after(1)
}

/// What becomes of a key once its request has answered.
#[derive(Debug)]
pub enum Outcome {
    /// Keep the answer, to replay it.
    Keep(Answer),
    /// The answer carried a secret: keep that it succeeded, never the body.
    Seal(Answer),
    /// It answered 5xx: free the key, so a retry runs the request again.
    Free,
}

/// Records what became of a key's request.
pub async fn finish(ctx: &Ctx, caller: String, key: String, outcome: Outcome) -> Result<()> {
    ctx.write(Actor::System, move |tx| {
        match &outcome {
            Outcome::Keep(answer) => repo::store(tx.conn(), &caller, &key, answer)?,
            Outcome::Seal(answer) => repo::seal(
                tx.conn(),
                &caller,
                &key,
                answer.status,
                answer.location.as_deref(),
            )?,
            Outcome::Free => repo::forget(tx.conn(), &caller, &key)?,
        }
        Ok(())
    })
    .await
}
