//! The events table, its marks and the timers of time-driven events.

use crate::domain::EventType;
use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::model::ArticleRow as Article;
use super::model::{EventRow, NewEvent, Position};
use super::present::Presenter;
use super::types;
use crate::db::schema::{articles, event_marks, event_timers, events};
use crate::db::{AnyConnection, MultiBackend, QueryResult};
use crate::domain::Result;
use crate::domain::TimerKind;
use crate::domain::change::{Change, Record, Subject, Timing};
use crate::history::model::ActorRef;

/// The mark of how far the fan-out to webhook deliveries went.
pub const WEBHOOKS: &str = "webhooks";
/// The mark of the last event the retention sweep deleted.
pub const HORIZON: &str = "horizon";

/// Writes the events of one write, inside its transaction, and keeps the timers of every
/// article it changed.
pub fn record(
    conn: &mut AnyConnection,
    record: &Record<'_>,
    actor: &ActorRef,
    presenter: &dyn Presenter,
) -> Result<()> {
    let wanted: Vec<(&Change, EventType)> = record
        .changes
        .iter()
        .filter_map(|c| types::of(c).map(|t| (c, t)))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let actor = json!({"type": actor.kind, "id": actor.id, "name": actor.name}).to_string();
    let mut articles_now: HashMap<&str, Option<Article>> = HashMap::new();
    let mut rows = Vec::with_capacity(wanted.len());
    for (change, kind) in wanted {
        let Some((slug, version, data)) = (match change.subject {
            Subject::Article => match handed_over(conn, record, change, presenter)? {
                Some(data) => Some(data),
                None => Some(article_data(
                    conn,
                    record,
                    change,
                    &mut articles_now,
                    presenter,
                )?),
            },
            _ => resource_data(conn, record, change, presenter)?,
        }) else {
            continue;
        };
        rows.push(NewEvent {
            id: uuid::Uuid::now_v7().to_string(),
            kind,
            occurred_at: change.timed.unwrap_or(record.at),
            resource_type: change.subject,
            resource_id: change.id.clone(),
            resource_slug: slug,
            version,
            actor: actor.clone(),
            data,
        });
    }
    crate::db::insert_rows!(conn, events::table, rows, 200)?;
    Ok(())
}

/// What an event says of an article the service handed over as the write leaves it, when
/// the write did not move it in time or this is the write's only change to it (its timers
/// then follow the snapshot): no need to read it back (the row is locked meanwhile).
/// `None` when the article must be read.
fn handed_over(
    conn: &mut AnyConnection,
    record: &Record<'_>,
    change: &Change,
    presenter: &dyn Presenter,
) -> Result<Option<EventData>> {
    let Some(s) = change.snapshot.as_ref() else {
        return Ok(None);
    };
    if moves_in_time(record, &change.id) {
        let alone = record
            .changes
            .iter()
            .filter(|c| c.subject == Subject::Article && c.id == change.id)
            .count()
            == 1;
        if !alone {
            return Ok(None);
        }
        keep_timers(conn, &change.id, s.timing, change, record.at)?;
    }
    let json = s
        .row
        .as_ref()
        .and_then(|row| presenter.article(conn, row.get(), record.at));
    Ok(Some((Some(s.slug.clone()), Some(s.version), json)))
}

/// What an event says of the article a change touched, read as the write leaves it: its
/// slug, its version, and its public JSON while the public can see it. The timers of an
/// article the write moved in time are kept here too.
fn article_data<'c>(
    conn: &mut AnyConnection,
    record: &Record<'_>,
    change: &'c Change,
    articles_now: &mut HashMap<&'c str, Option<Article>>,
    presenter: &dyn Presenter,
) -> Result<EventData> {
    if !articles_now.contains_key(change.id.as_str()) {
        let row = article(conn, &change.id)?;
        if let Some(article) = &row
            && moves_in_time(record, &change.id)
        {
            keep_timers(
                conn,
                &article.id,
                Timing::new(
                    article.status,
                    article.published_at,
                    article.unpublish_at,
                    article.trashed_at,
                ),
                change,
                record.at,
            )?;
        }
        articles_now.insert(&change.id, row);
    }
    let Some(a) = articles_now
        .get(change.id.as_str())
        .and_then(Option::as_ref)
    else {
        return Ok((change.slug.clone(), None, None));
    };
    let (slug, version) = (a.slug.clone(), a.version);
    let json = match a.is_public(record.at) {
        true => presenter
            .present(conn, Subject::Article, &change.id, record.at)?
            .and_then(|p| p.json),
        false => None,
    };
    Ok((Some(slug), Some(version), json))
}

/// What an event says of an author, category, tag or image: its slug and its public JSON,
/// read as the write leaves it; `None` for a subject that has no events.
fn resource_data(
    conn: &mut AnyConnection,
    record: &Record<'_>,
    change: &Change,
    presenter: &dyn Presenter,
) -> Result<Option<EventData>> {
    if !matches!(
        change.subject,
        Subject::Author
            | Subject::Category
            | Subject::Tag
            | Subject::Media
            | Subject::Preview
            | Subject::Note
            | Subject::Lock
    ) {
        return Ok(None);
    }
    let presented = presenter.present(conn, change.subject, &change.id, record.at)?;
    Ok(Some(match presented {
        Some(p) => (p.slug, None, p.json),
        None if matches!(
            change.subject,
            Subject::Media | Subject::Preview | Subject::Note | Subject::Lock
        ) =>
        {
            (None, None, None)
        }
        None => (change.slug.clone(), None, None),
    }))
}

/// An event's slug, version and data.
type EventData = (Option<String>, Option<i64>, Option<String>);

/// An article by id, in any state (trashed too).
pub fn article(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Article>> {
    articles::table
        .find(id)
        .select(Article::as_select())
        .first(conn)
        .optional()
}

/// Whether the write may have changed when the article goes public or comes down: anything
/// but edits of other fields (a PATCH of the excerpt leaves its timers as they are).
fn moves_in_time(record: &Record<'_>, id: &str) -> bool {
    const TIMING: &[&str] = &["published_at", "unpublish_at", "status"];
    record
        .changes
        .iter()
        .filter(|c| c.subject == Subject::Article && c.id == id)
        .any(|c| {
            c.verb != crate::domain::change::Verb::Updated
                || c.fields.is_empty()
                || c.fields.iter().any(|f| TIMING.contains(f))
        })
}

/// Sets the article's timers to what its state asks for: `publish` while it is scheduled
/// for a later moment, `expire` while it is (or will be) public with an expiry ahead.
fn keep_timers(
    conn: &mut AnyConnection,
    id: &str,
    timing: Timing,
    change: &Change,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let (publish, expire) = timing.due(now);
    let fresh = change.verb == crate::domain::change::Verb::Created;
    if !fresh {
        diesel::delete(event_timers::table.filter(event_timers::article_id.eq(id)))
            .execute(conn)?;
    }
    for (kind, due) in [(TimerKind::Publish, publish), (TimerKind::Expire, expire)] {
        if let Some(due_at) = due {
            diesel::insert_into(event_timers::table)
                .values((
                    event_timers::article_id.eq(id),
                    event_timers::kind.eq(kind),
                    event_timers::due_at.eq(due_at),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Xmin {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    xmin: i64,
}

/// Transactions at or past this id may still be running: their events are not shown yet.
/// On SQLite every committed event is final.
fn visible_below(conn: &mut AnyConnection) -> QueryResult<i64> {
    crate::db::per_backend(
        conn,
        |pg| {
            diesel::sql_query(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin",
            )
            .get_result::<Xmin>(pg)
            .map(|x| x.xmin)
        },
        |_| Ok(i64::MAX),
    )
}

fn after_position(
    after: Position,
) -> Box<dyn BoxableExpression<events::table, MultiBackend, SqlType = diesel::sql_types::Bool>> {
    Box::new(
        events::txid
            .gt(after.0)
            .or(events::txid.eq(after.0).and(events::seq.gt(after.1))),
    )
}

/// Up to `limit` events after `after` in feed order, of `kinds` (all when `None`), and the
/// position of the last event any reader can see now (at least `after`).
pub fn page(
    conn: &mut AnyConnection,
    after: Position,
    kinds: Option<&[EventType]>,
    limit: i64,
) -> QueryResult<(Vec<EventRow>, Position)> {
    let below = visible_below(conn)?;
    let mut query = events::table
        .filter(events::txid.lt(below))
        .filter(after_position(after))
        .select(EventRow::as_select())
        .order((events::txid, events::seq))
        .limit(limit)
        .into_boxed();
    if let Some(kinds) = kinds {
        query = query.filter(events::kind.eq_any(kinds.to_vec()));
    }
    let rows = query.load(conn)?;
    let head: Option<(i64, i64)> = events::table
        .filter(events::txid.lt(below))
        .select((events::txid, events::seq))
        .order((events::txid.desc(), events::seq.desc()))
        .first(conn)
        .optional()?;
    Ok((rows, head.map_or(after, |h| h.max(after))))
}

/// Events committed after the named mark (for `webhooks`: not yet fanned out to deliveries).
pub fn after_mark(conn: &mut AnyConnection, name: &str) -> QueryResult<i64> {
    let from = mark(conn, name)?;
    events::table
        .filter(after_position(from))
        .count()
        .get_result(conn)
}

/// A named mark.
pub fn mark(conn: &mut AnyConnection, name: &str) -> QueryResult<Position> {
    event_marks::table
        .find(name)
        .select((event_marks::txid, event_marks::seq))
        .first(conn)
}

/// Reads a mark and locks it until the transaction ends (PostgreSQL; SQLite's writers take
/// turns), so two processes do not both move it.
pub fn lock_mark(conn: &mut AnyConnection, name: &str) -> QueryResult<Position> {
    crate::db::per_backend(
        conn,
        |pg| {
            event_marks::table
                .find(name)
                .select((event_marks::txid, event_marks::seq))
                .for_update()
                .first(pg)
        },
        |lite| {
            event_marks::table
                .find(name)
                .select((event_marks::txid, event_marks::seq))
                .first(lite)
        },
    )
}

/// Moves a mark.
pub fn set_mark(conn: &mut AnyConnection, name: &str, to: Position) -> QueryResult<()> {
    diesel::update(event_marks::table.find(name))
        .set((event_marks::txid.eq(to.0), event_marks::seq.eq(to.1)))
        .execute(conn)?;
    Ok(())
}

/// Deletes events that happened before `cutoff` and moves the horizon past them; how many
/// went.
pub fn expire(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    let last: Option<(i64, i64)> = events::table
        .filter(events::occurred_at.lt(cutoff))
        .select((events::txid, events::seq))
        .order((events::txid.desc(), events::seq.desc()))
        .first(conn)
        .optional()?;
    let Some(last) = last else { return Ok(0) };
    let horizon = lock_mark(conn, HORIZON)?;
    let gone =
        diesel::delete(events::table.filter(events::occurred_at.lt(cutoff))).execute(conn)?;
    if last > horizon {
        set_mark(conn, HORIZON, last)?;
    }
    Ok(gone)
}

/// Whether a timer is due.
pub fn any_due(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        event_timers::table.filter(event_timers::due_at.le(now)),
    ))
    .get_result(conn)
}

/// The next moment a story is due to be published or to expire: until then, what the
/// public sees changes only by writes.
pub fn next_due(conn: &mut AnyConnection) -> QueryResult<Option<NaiveDateTime>> {
    event_timers::table
        .select(diesel::dsl::min(event_timers::due_at))
        .get_result(conn)
}

/// [`next_due`], read again only after content changed, and only while `cache` is on
/// (nothing else needs it): it bounds how long the response cache keeps a public list.
pub fn next_due_cached(
    conn: &mut AnyConnection,
    cache: &crate::cache::ResponseCache,
) -> QueryResult<Option<NaiveDateTime>> {
    if !cache.enabled() {
        return Ok(None);
    }
    if let Some(due) = cache.known_due() {
        return Ok(due);
    }
    let generation = cache.list_generation();
    let due = next_due(conn)?;
    cache.remember_due(generation, due);
    Ok(due)
}

/// A due timer.
pub type Timer = (String, TimerKind, NaiveDateTime);

/// Up to `limit` due timers, earliest first, locked until the transaction ends; on
/// PostgreSQL another process's scheduler skips them.
pub fn due(conn: &mut AnyConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<Timer>> {
    let query = || {
        event_timers::table
            .filter(event_timers::due_at.le(now))
            .select((
                event_timers::article_id,
                event_timers::kind,
                event_timers::due_at,
            ))
            .order((event_timers::due_at, event_timers::article_id))
            .limit(limit)
    };
    crate::db::per_backend(
        conn,
        |pg| query().for_update().skip_locked().load(pg),
        |lite| query().load(lite),
    )
}

/// Deletes a timer.
pub fn drop_timer(conn: &mut AnyConnection, article_id: &str, kind: TimerKind) -> QueryResult<()> {
    diesel::delete(
        event_timers::table
            .filter(event_timers::article_id.eq(article_id))
            .filter(event_timers::kind.eq(kind)),
    )
    .execute(conn)?;
    Ok(())
}
