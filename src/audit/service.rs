//! Reading the audit log (admins only), and the retention sweeps: trashed articles and
//! audit entries older than their settings are deleted for good.

use std::time::Duration;

use chrono::NaiveDateTime;

use crate::domain::Result;
use crate::domain::caller::Admin;
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::history::model::AuditRow;
use crate::history::repo::{self, AuditFilter};
use crate::write::{Actor, Ctx};

/// A page of the audit log, newest first.
pub async fn list(
    ctx: &Ctx,
    _admin: &Admin,
    filter: AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditRow>> {
    const ORDER: &str = "audit";
    let after = match page.cursor.as_deref() {
        Some(raw) => Some(cursor::decode_created_cursor(raw, ORDER)?),
        None => None,
    };
    ctx.read(move |conn| {
        let rows = repo::audit(conn, &filter, after, page.limit)?;
        let total = if page.with_total {
            Some(repo::count_audit(conn, &filter)?)
        } else {
            None
        };
        Ok(page.split(rows, total, |r| {
            cursor::encode_created_cursor(ORDER, r.at, &r.id)
        }))
    })
    .await
}

pub use crate::config::Retention;

fn cutoff(now: NaiveDateTime, age: Duration) -> NaiveDateTime {
    chrono::Duration::from_std(age)
        .ok()
        .and_then(|age| now.checked_sub_signed(age))
        .unwrap_or(NaiveDateTime::MIN)
}

/// Runs one sweep: purges the trash and the audit log of what is past its retention, and
/// events, finished webhook deliveries and idempotency keys past theirs, and preview links
/// and edit locks that have run out.
/// Returns how many articles and entries went.
pub async fn sweep(ctx: &Ctx, retention: Retention, events: Duration) -> Result<(usize, usize)> {
    let now = ctx.now();
    let events_before = cutoff(now, events);
    crate::events::service::sweep(ctx, events_before).await?;
    let keys_before = cutoff(now, crate::idempotency::KEEP);
    ctx.write(Actor::System, move |tx| {
        crate::webhooks::repo::expire_deliveries(tx.conn(), events_before)?;
        crate::idempotency::repo::expire(tx.conn(), keys_before)?;
        crate::articles::previews::sweep(tx.conn(), now)?;
        crate::articles::locks::sweep(tx.conn(), now)?;
        Ok(())
    })
    .await?;
    let articles =
        crate::articles::service::purge_trashed_before(ctx, cutoff(now, retention.trash)).await?;
    let before = cutoff(now, retention.audit);
    let entries = ctx
        .write(Actor::System, move |tx| {
            Ok(repo::expire_audit(tx.conn(), before)?)
        })
        .await?;
    Ok((articles, entries))
}

/// Sweeps now and then every `retention.every`, until the process ends. A failed sweep is
/// logged and tried again next time.
pub async fn sweep_forever(ctx: Ctx, retention: Retention, events: Duration) {
    loop {
        match sweep(&ctx, retention, events).await {
            Ok((0, 0)) => {}
            Ok((articles, entries)) => tracing::info!(
                articles,
                entries,
                "history sweep deleted trashed articles and audit entries past retention"
            ),
            Err(error) => {
                tracing::warn!(code = %error.code, "history sweep failed: {}", error.detail)
            }
        }
        tokio::time::sleep(retention.every).await;
    }
}
