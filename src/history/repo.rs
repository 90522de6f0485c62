//! Writing and reading history: the revisions and audit entries a write leaves behind.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

use super::model::{
    ActorRef, ArticleSource, ArticleState, AuditRow, Revision, RevisionHead, RevisionRow,
};
use crate::db::AnyConnection;
use crate::db::schema::{api_tokens, article_revisions as r, articles, audit_log as l, users};
use crate::domain::caller::Actor;
use crate::domain::change::{ArticleSnapshot, AuditAction, Change, Record, Subject, Verb};
use crate::domain::{Error, Result};

/// zstd's default level: a 50 KB body compresses in well under a millisecond.
const BODY_LEVEL: i32 = 3;

/// Rows per multi-row insert (a bulk import records thousands of changes in one write).
const CHUNK: usize = 200;

/// Writes the records of one write, inside its transaction: a revision for every change to
/// an article, and an audit entry for every change.
pub fn record(conn: &mut AnyConnection, record: &Record<'_>) -> Result<ActorRef> {
    let actor = actor_ref(conn, record.actor, record.origin.caller_name.as_deref())?;
    let sources = read_back(conn, record)?;
    let (last, mut touched) = last_changes(record);
    let mut revisions = Vec::new();
    let mut entries = Vec::with_capacity(record.changes.len());
    for (i, change) in record.changes.iter().enumerate() {
        let source = match (&change.snapshot, sources.get(&change.id)) {
            _ if !keeps_revision(change) => None,
            (Some(snapshot), _) => Some(Source::Given(snapshot)),
            (None, Some(row)) => Some(Source::Read(row)),
            (None, None) => None,
        };
        if let Some(source) = &source
            && last.get(change.id.as_str()) == Some(&i)
        {
            let fields = touched.remove(change.id.as_str()).unwrap_or_default();
            revisions.push(revision_row(
                &change.id, source, change, fields, &actor, record.at,
            )?);
        }
        entries.push(audit_row(record, change, source.as_ref(), &actor));
    }
    if revisions.len() <= 1 && entries.len() == 1 {
        insert_together(conn, revisions.first(), &entries[0])?;
        return Ok(actor);
    }
    crate::db::insert_rows!(conn, r::table, revisions, CHUNK)?;
    crate::db::insert_rows!(conn, l::table, entries, CHUNK)?;
    Ok(actor)
}

/// The articles the write changed that the service did not hand over as they are now,
/// read back by id.
fn read_back(
    conn: &mut AnyConnection,
    record: &Record<'_>,
) -> Result<HashMap<String, ArticleSource>> {
    let article_ids: Vec<String> = record
        .changes
        .iter()
        .filter(|c| keeps_revision(c) && c.snapshot.is_none())
        .map(|c| c.id.clone())
        .collect();
    let mut sources = HashMap::new();
    for ids in article_ids.chunks(CHUNK) {
        let rows: Vec<ArticleSource> = articles::table
            .filter(articles::id.eq_any(ids))
            .select(ArticleSource::as_select())
            .load(conn)?;
        for row in rows {
            sources.insert(row.id.clone(), row);
        }
    }
    Ok(sources)
}

/// One revision per article per write: its state as committed, made by the write's last
/// change to it (the index of that change per article), with the fields every change of
/// the write touched (the seed creates and publishes in one write).
fn last_changes<'r>(
    record: &'r Record<'_>,
) -> (HashMap<&'r str, usize>, HashMap<&'r str, Vec<&'static str>>) {
    let mut last = HashMap::new();
    let mut touched: HashMap<&str, Vec<&'static str>> = HashMap::new();
    for (i, change) in record.changes.iter().enumerate() {
        if keeps_revision(change) {
            last.insert(change.id.as_str(), i);
            let fields = touched.entry(&change.id).or_default();
            for field in &change.fields {
                if !fields.contains(field) {
                    fields.push(field);
                }
            }
        }
    }
    (last, touched)
}

/// The audit entry of one change.
fn audit_row(
    record: &Record<'_>,
    change: &Change,
    source: Option<&Source<'_>>,
    actor: &ActorRef,
) -> AuditRow {
    let mut details = match &change.details {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    if !change.fields.is_empty() {
        details.insert("changed_fields".into(), json!(change.fields));
    }
    if let Some(source) = source {
        details.insert("version".into(), json!(source.version()));
    }
    AuditRow {
        id: uuid::Uuid::now_v7().to_string(),
        at: record.at,
        actor_type: actor.kind.clone(),
        actor_id: actor.id.clone(),
        actor_name: actor.name.clone(),
        action: AuditAction::of(change),
        target_type: change.subject,
        target_id: Some(change.id.clone()).filter(|id| !id.is_empty()),
        request_id: record.origin.request_id.clone(),
        client_ip: record.origin.client_ip.clone(),
        details: Value::Object(details).to_string(),
    }
}

/// Inserts one write's revision (if any) and audit entry in one statement on PostgreSQL: a
/// write holds its row lock until it commits, so a round trip saved here is time saved for
/// every writer waiting on the same article.
fn insert_together(
    conn: &mut AnyConnection,
    revision: Option<&RevisionRow>,
    entry: &AuditRow,
) -> Result<()> {
    use diesel::sql_types::{BigInt, Binary, Nullable, Text, Timestamp};
    const AUDIT: &str = "INSERT INTO audit_log (id, at, actor_type, actor_id, actor_name, \
        action, target_type, target_id, request_id, client_ip, details) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    const BOTH: &str = "WITH revision AS (INSERT INTO article_revisions (article_id, version, \
        created_at, actor_type, actor_id, actor_name, action, changed_fields, state, body) \
        VALUES ($12, $13, $14, $15, $16, $17, $18, $19, $20, $21)) ";
    let sql = match revision {
        Some(_) => format!("{BOTH}{AUDIT}"),
        None => AUDIT.to_owned(),
    };
    crate::db::per_backend(
        conn,
        |pg| {
            let query = diesel::sql_query(sql)
                .into_boxed()
                .bind::<Text, _>(&entry.id)
                .bind::<Timestamp, _>(entry.at)
                .bind::<Text, _>(&entry.actor_type)
                .bind::<Nullable<Text>, _>(&entry.actor_id)
                .bind::<Nullable<Text>, _>(&entry.actor_name)
                .bind::<Text, _>(&entry.action)
                .bind::<Text, _>(&entry.target_type)
                .bind::<Nullable<Text>, _>(&entry.target_id)
                .bind::<Nullable<Text>, _>(&entry.request_id)
                .bind::<Nullable<Text>, _>(&entry.client_ip)
                .bind::<Text, _>(&entry.details);
            let query = match revision {
                Some(r) => query
                    .bind::<Text, _>(&r.article_id)
                    .bind::<BigInt, _>(r.version)
                    .bind::<Timestamp, _>(r.created_at)
                    .bind::<Text, _>(&r.actor_type)
                    .bind::<Nullable<Text>, _>(&r.actor_id)
                    .bind::<Nullable<Text>, _>(&r.actor_name)
                    .bind::<Text, _>(&r.action)
                    .bind::<Text, _>(&r.changed_fields)
                    .bind::<Text, _>(&r.state)
                    .bind::<Binary, _>(&r.body),
                None => query,
            };
            query.execute(pg)
        },
        |lite| {
            if let Some(r) = revision {
                diesel::insert_into(r::table).values(r).execute(lite)?;
            }
            diesel::insert_into(l::table).values(entry).execute(lite)
        },
    )?;
    Ok(())
}

/// Every change to an article keeps a revision, except its deletion for good.
fn keeps_revision(change: &Change) -> bool {
    change.subject == Subject::Article && change.verb != Verb::Deleted && change.timed.is_none()
}

/// What a revision is made from: the snapshot the service handed over, or the row read.
enum Source<'a> {
    Given(&'a ArticleSnapshot),
    Read(&'a ArticleSource),
}

impl Source<'_> {
    fn version(&self) -> i64 {
        match self {
            Self::Given(s) => s.version,
            Self::Read(r) => r.version,
        }
    }
}

/// Who the actor is, with their name as it is now: the name the request's authentication
/// found, or else the one stored.
fn actor_ref(conn: &mut AnyConnection, actor: &Actor, known: Option<&str>) -> Result<ActorRef> {
    Ok(match actor {
        Actor::User(id) => ActorRef {
            kind: "user".into(),
            id: Some(id.to_string()),
            name: match known {
                Some(name) => Some(name.to_owned()),
                None => users::table
                    .find(id)
                    .select(users::display_name)
                    .first(conn)
                    .optional()?,
            },
        },
        Actor::Token(id) => ActorRef {
            kind: "token".into(),
            id: Some(id.to_string()),
            name: match known {
                Some(name) => Some(name.to_owned()),
                None => api_tokens::table
                    .find(id)
                    .select(api_tokens::name)
                    .first(conn)
                    .optional()?,
            },
        },
        Actor::Anonymous => ActorRef {
            kind: "anonymous".into(),
            id: None,
            name: None,
        },
        Actor::System => ActorRef {
            kind: "system".into(),
            id: None,
            name: None,
        },
    })
}

fn revision_row(
    id: &str,
    source: &Source<'_>,
    change: &Change,
    mut fields: Vec<&'static str>,
    actor: &ActorRef,
    at: NaiveDateTime,
) -> Result<RevisionRow> {
    let (state, body) = match source {
        Source::Given(s) => (s.state.clone(), s.body.as_str()),
        Source::Read(r) => (
            serde_json::to_string(&r.state()).map_err(Error::internal)?,
            r.body.as_str(),
        ),
    };
    if change.verb == Verb::Created && fields.is_empty() {
        let parsed: ArticleState = serde_json::from_str(&state).map_err(Error::internal)?;
        fields = set_fields(&parsed);
    }
    Ok(RevisionRow {
        article_id: id.to_owned(),
        version: source.version(),
        created_at: at,
        actor_type: actor.kind.clone(),
        actor_id: actor.id.clone(),
        actor_name: actor.name.clone(),
        action: change.verb,
        changed_fields: json!(fields).to_string(),
        state,
        body: compress(body)?,
    })
}

/// The fields a new article was given.
fn set_fields(source: &ArticleState) -> Vec<&'static str> {
    let mut fields = vec!["title", "slug", "body"];
    for (name, set) in [
        ("subtitle", source.subtitle.is_some()),
        ("excerpt", source.excerpt.is_some()),
        ("author_id", source.author_id.is_some()),
        ("category_id", source.category_id.is_some()),
        ("cover_image_url", source.cover_image_url.is_some()),
        ("unpublish_at", source.unpublish_at.is_some()),
    ] {
        if set {
            fields.push(name);
        }
    }
    fields
}

thread_local! {
    /// A compression context per thread, made once: making one per body cost more than
    /// compressing a short body.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

fn compress(body: &str) -> Result<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compressor = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(zstd::bulk::Compressor::new(BODY_LEVEL).map_err(Error::internal)?),
        };
        compressor
            .compress(body.as_bytes())
            .map_err(Error::internal)
    })
}

fn decompress(bytes: &[u8]) -> Result<String> {
    let raw = zstd::stream::decode_all(bytes).map_err(Error::internal)?;
    String::from_utf8(raw).map_err(Error::internal)
}

fn parse_head(head: RevisionHead, body: Option<String>) -> Result<Revision> {
    Ok(Revision {
        article_id: head.article_id,
        version: head.version,
        created_at: head.created_at,
        actor: ActorRef {
            kind: head.actor_type,
            id: head.actor_id,
            name: head.actor_name,
        },
        action: head.action,
        changed_fields: serde_json::from_str(&head.changed_fields).map_err(Error::internal)?,
        state: serde_json::from_str::<ArticleState>(&head.state).map_err(Error::internal)?,
        body,
    })
}

/// A page of an article's revisions, newest first, after `before` (a version), one more
/// than `limit`; with bodies when asked.
pub fn revisions(
    conn: &mut AnyConnection,
    article_id: &str,
    before: Option<i64>,
    limit: u32,
    bodies: bool,
) -> Result<Vec<Revision>> {
    let mut query = r::table
        .filter(r::article_id.eq(article_id))
        .select(RevisionHead::as_select())
        .order(r::version.desc())
        .limit(i64::from(limit) + 1)
        .into_boxed();
    if let Some(version) = before {
        query = query.filter(r::version.lt(version));
    }
    let heads: Vec<RevisionHead> = query.load(conn)?;
    let mut texts = std::collections::HashMap::new();
    if bodies && !heads.is_empty() {
        let versions: Vec<i64> = heads.iter().map(|h| h.version).collect();
        let rows: Vec<(i64, Vec<u8>)> = r::table
            .filter(r::article_id.eq(article_id))
            .filter(r::version.eq_any(versions))
            .select((r::version, r::body))
            .load(conn)?;
        for (version, bytes) in rows {
            texts.insert(version, decompress(&bytes)?);
        }
    }
    heads
        .into_iter()
        .map(|h| {
            let body = texts.remove(&h.version);
            parse_head(h, body)
        })
        .collect()
}

/// How many revisions an article has.
pub fn count_revisions(conn: &mut AnyConnection, article_id: &str) -> QueryResult<i64> {
    r::table
        .filter(r::article_id.eq(article_id))
        .count()
        .get_result(conn)
}

/// One revision, with its body.
pub fn revision(
    conn: &mut AnyConnection,
    article_id: &str,
    version: i64,
) -> Result<Option<Revision>> {
    let row: Option<RevisionRow> = r::table
        .filter(r::article_id.eq(article_id))
        .filter(r::version.eq(version))
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let body = decompress(&row.body)?;
    let head = RevisionHead {
        article_id: row.article_id,
        version: row.version,
        created_at: row.created_at,
        actor_type: row.actor_type,
        actor_id: row.actor_id,
        actor_name: row.actor_name,
        action: row.action,
        changed_fields: row.changed_fields,
        state: row.state,
    };
    parse_head(head, Some(body)).map(Some)
}

/// Whether an article has a revision with this version.
pub fn has_revision(conn: &mut AnyConnection, article_id: &str, version: i64) -> Result<bool> {
    let found: Option<i64> = r::table
        .filter(r::article_id.eq(article_id))
        .filter(r::version.eq(version))
        .select(r::version)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Bytes stored for an article's revisions: state, field list and compressed body.
pub fn revision_bytes(conn: &mut AnyConnection, article_id: &str) -> QueryResult<(i64, i64)> {
    let rows: Vec<(String, String, Vec<u8>)> = r::table
        .filter(r::article_id.eq(article_id))
        .select((r::state, r::changed_fields, r::body))
        .load(conn)?;
    let bytes = rows
        .iter()
        .map(|(s, f, b)| (s.len() + f.len() + b.len()) as i64)
        .sum();
    Ok((rows.len() as i64, bytes))
}

/// Deletes an article's revisions (its deletion for good).
pub fn forget_revisions(conn: &mut AnyConnection, article_id: &str) -> QueryResult<usize> {
    diesel::delete(r::table.filter(r::article_id.eq(article_id))).execute(conn)
}

/// Filters of the audit log.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// The actor's id.
    pub actor: Option<String>,
    /// The action, e.g. `article.published`.
    pub action: Option<String>,
    /// The target type.
    pub target_type: Option<String>,
    /// The target id.
    pub target_id: Option<String>,
    /// `at >=`.
    pub after: Option<NaiveDateTime>,
    /// `at <`.
    pub before: Option<NaiveDateTime>,
}

fn audit_query<'a>(filter: &AuditFilter) -> l::BoxedQuery<'a, crate::db::MultiBackend> {
    let mut query = l::table.into_boxed();
    if let Some(actor) = &filter.actor {
        query = query.filter(l::actor_id.eq(actor.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(l::action.eq(action.clone()));
    }
    if let Some(kind) = &filter.target_type {
        query = query.filter(l::target_type.eq(kind.clone()));
    }
    if let Some(id) = &filter.target_id {
        query = query.filter(l::target_id.eq(id.clone()));
    }
    if let Some(t) = filter.after {
        query = query.filter(l::at.ge(t));
    }
    if let Some(t) = filter.before {
        query = query.filter(l::at.lt(t));
    }
    query
}

/// A page of audit entries, newest first, after a `(at, id)` key; one more than `limit`.
pub fn audit(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: u32,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_query(filter).select(AuditRow::as_select());
    if let Some((at, id)) = after {
        query = query.filter(l::at.le(at).and(l::at.lt(at).or(l::id.lt(id))));
    }
    query
        .order((l::at.desc(), l::id.desc()))
        .limit(i64::from(limit) + 1)
        .load(conn)
}

/// How many audit entries match.
pub fn count_audit(conn: &mut AnyConnection, filter: &AuditFilter) -> QueryResult<i64> {
    audit_query(filter).count().get_result(conn)
}

/// Deletes audit entries older than `cutoff` (the retention sweep); how many went.
pub fn expire_audit(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(l::table.filter(l::at.lt(cutoff))).execute(conn)
}
