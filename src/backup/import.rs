//! `byline import`: a site file into an empty database, in one transaction, so that a
//! refused, damaged, cut-short or killed import leaves the database as empty as it was.

use std::io::{BufRead, BufReader, Read};

use anyhow::Context;
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::progress::Progress;
use super::rows;
use super::{FORMAT, FORMAT_VERSION, Manifest, Member, PAGE, Tools, hex};
use crate::db::schema;
use crate::db::{AnyConnection, insert_rows};
use crate::domain::{Named, Role, Scope, Status, TimerKind};
use crate::media::store::{Store, original};

/// How to import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Read and check everything, then roll back: nothing is written.
    pub dry_run: bool,
}

/// The longest line a member may have (a row with a very long story is far shorter).
const MAX_LINE: u64 = 64 << 20;

/// The largest media file taken.
const MAX_FILE: u64 = 1 << 30;

/// The largest manifest read.
const MAX_MANIFEST: u64 = 1 << 20;

/// Rows per insert statement: under SQLite's limit of bound values for the widest table.
const CHUNK: usize = 500;

/// Reads a site file from `input` into the database (which must hold no content); the
/// file's manifest.
pub fn import(
    conn: &mut AnyConnection,
    tools: &mut Tools,
    input: &mut dyn Read,
    options: ImportOptions,
) -> anyhow::Result<Manifest> {
    let decoder = zstd::Decoder::new(input).context("cannot read the site file")?;
    let mut archive = tar::Archive::new(decoder);
    let mut entries = archive
        .entries()
        .context("not a site file: it is not a zstd-compressed tar stream")?;
    let manifest = read_manifest(entries.next())?;
    let outcome = crate::db::write_transaction(conn, |conn| -> anyhow::Result<()> {
        refuse_unless_empty(conn)?;
        let mut load = Load {
            manifest: &manifest,
            next: 0,
            files: 0,
            parents: Vec::new(),
            progress: &mut tools.progress,
        };
        for entry in entries {
            let entry = entry.map_err(damaged)?;
            let name = entry
                .path()
                .map_err(damaged)?
                .to_string_lossy()
                .into_owned();
            match name.strip_prefix("media/") {
                Some(hash) => load.file(hash, entry, (&tools.store, &tools.runtime), options)?,
                None => load.member(conn, &name, entry)?,
            }
        }
        load.finish(conn)?;
        crate::db::search::write_cjk_words(conn)?;
        if options.dry_run {
            return Err(DryRun.into());
        }
        Ok(())
    });
    match outcome {
        Ok(()) => {
            crate::db::refresh_statistics(conn)?;
            Ok(manifest)
        }
        Err(e) if e.is::<DryRun>() => Ok(manifest),
        Err(e) => Err(e),
    }
}

/// The end of a dry run: everything was read and checked; the transaction rolls back.
#[derive(Debug, thiserror::Error)]
#[error("dry run")]
struct DryRun;

fn damaged(e: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("the site file is damaged or cut short ({e}); nothing was imported")
}

fn read_manifest<R: Read>(
    first: Option<std::io::Result<tar::Entry<'_, R>>>,
) -> anyhow::Result<Manifest> {
    let entry = first
        .ok_or_else(|| anyhow::anyhow!("not a site file: it is empty"))?
        .map_err(|e| anyhow::anyhow!("not a site file, or one damaged or cut short ({e})"))?;
    let name = entry.path()?.to_string_lossy().into_owned();
    anyhow::ensure!(
        name == "manifest.json",
        "not a site file: its first member is {name}, not manifest.json"
    );
    let mut text = Vec::new();
    entry
        .take(MAX_MANIFEST)
        .read_to_end(&mut text)
        .map_err(damaged)?;
    let head: serde_json::Value =
        serde_json::from_slice(&text).context("not a site file: manifest.json is not JSON")?;
    anyhow::ensure!(
        head["format"] == FORMAT,
        "not a site file: manifest.json does not say \"format\": \"{FORMAT}\""
    );
    let version = head["format_version"].as_u64().unwrap_or(0);
    anyhow::ensure!(
        version <= u64::from(FORMAT_VERSION),
        "this site file has format version {version}, newer than this Byline reads \
         ({FORMAT_VERSION}): import it with a newer Byline"
    );
    let manifest: Manifest =
        serde_json::from_value(head).context("not a site file: manifest.json is incomplete")?;
    for (member, kind) in manifest.members.iter().zip(super::KINDS) {
        anyhow::ensure!(
            member.kind == kind && member.name == super::member_name(kind),
            "the manifest lists {} where {kind} belongs",
            member.name
        );
    }
    anyhow::ensure!(
        manifest.members.len() == super::KINDS.len(),
        "the manifest lists {} members, not {}",
        manifest.members.len(),
        super::KINDS.len()
    );
    Ok(manifest)
}

/// Refuses a database with content; on PostgreSQL, locks the tables first so that two
/// imports, or an import and a first start, cannot both find it empty.
fn refuse_unless_empty(conn: &mut AnyConnection) -> anyhow::Result<()> {
    crate::db::on_postgres(conn, |pg| {
        diesel::sql_query(
            "LOCK TABLE users, api_tokens, authors, categories, tags, media, articles, \
             audit_log, webhooks IN EXCLUSIVE MODE",
        )
        .execute(pg)
        .map(drop)
    })?;
    let counts: [(&str, i64); 9] = [
        ("users", schema::users::table.count().get_result(conn)?),
        (
            "API tokens",
            schema::api_tokens::table.count().get_result(conn)?,
        ),
        ("authors", schema::authors::table.count().get_result(conn)?),
        (
            "categories",
            schema::categories::table.count().get_result(conn)?,
        ),
        ("tags", schema::tags::table.count().get_result(conn)?),
        (
            "media items",
            schema::media::table.count().get_result(conn)?,
        ),
        (
            "articles",
            schema::articles::table.count().get_result(conn)?,
        ),
        (
            "audit entries",
            schema::audit_log::table.count().get_result(conn)?,
        ),
        (
            "webhooks",
            schema::webhooks::table.count().get_result(conn)?,
        ),
    ];
    let held: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
    anyhow::ensure!(
        held.is_empty(),
        "the database is not empty (it holds {}); nothing was imported. Import into a new \
         database, before the first `byline serve` on it (which makes the first admin)",
        held.join(", ")
    );
    Ok(())
}

/// An import under way.
struct Load<'a> {
    manifest: &'a Manifest,
    /// The index of the member expected next.
    next: usize,
    /// Media files taken.
    files: u64,
    /// Categories and their parents, set once every category is in.
    parents: Vec<(String, String)>,
    progress: &'a mut Progress,
}

impl Load<'_> {
    fn member(
        &mut self,
        conn: &mut AnyConnection,
        name: &str,
        entry: impl Read,
    ) -> anyhow::Result<()> {
        let member = self
            .manifest
            .members
            .get(self.next)
            .filter(|m| m.name == name);
        let Some(member) = member else {
            anyhow::bail!("the site file holds {name} where the manifest does not list it");
        };
        self.next += 1;
        self.progress.start(&member.kind, member.rows);
        let mut reader = BufReader::with_capacity(1 << 16, Hashing::new(entry));
        let rows = self.rows(conn, member, &mut reader)?;
        let read = reader.into_inner();
        anyhow::ensure!(
            read.bytes == member.bytes
                && rows == member.rows
                && hex(&read.hasher.finalize()) == member.sha256,
            "{name} does not match the checksum in the manifest: the site file is damaged; \
             nothing was imported"
        );
        self.progress.finish();
        Ok(())
    }

    /// Inserts a member's rows; how many there were.
    fn rows(
        &mut self,
        conn: &mut AnyConnection,
        member: &Member,
        reader: &mut impl BufRead,
    ) -> anyhow::Result<u64> {
        use schema as s;
        let name = member.name.as_str();
        if member.kind == "articles" {
            // Every category is in: their parents can be linked.
            self.link_parents(conn)?;
        }
        let progress = &mut *self.progress;
        let parents = &mut self.parents;
        // A member whose rows go in as they are, each passing `check` first when given.
        macro_rules! plain {
            ($row:ty, $table:expr) => {
                plain!($row, $table, |_: &$row| anyhow::Ok(()))
            };
            ($row:ty, $table:expr, $check:expr) => {
                stream(conn, reader, name, progress, |c, rows: &[$row]| {
                    rows.iter().try_for_each($check)?;
                    Ok(insert_rows!(c, $table, rows, CHUNK)?)
                })?
            };
        }
        let n = match member.kind.as_str() {
            "users" => plain!(rows::User, s::users::table, |u: &rows::User| {
                known::<Role>(&u.role, name)
            }),
            "api_tokens" => plain!(
                rows::ApiToken,
                s::api_tokens::table,
                |t: &rows::ApiToken| { known::<Scope>(&t.scope, name) }
            ),
            "authors" => plain!(rows::Author, s::authors::table),
            "categories" => stream(
                conn,
                reader,
                name,
                progress,
                |c, rows: &[rows::Category]| {
                    // Parents are linked once all are in: a child may come before its parent.
                    let rows: Vec<rows::Category> = rows
                        .iter()
                        .cloned()
                        .map(|mut row| {
                            if let Some(parent) = row.parent_id.take() {
                                parents.push((row.id.clone(), parent));
                            }
                            row
                        })
                        .collect();
                    Ok(insert_rows!(c, s::categories::table, &rows, CHUNK)?)
                },
            )?,
            "tags" => plain!(rows::Tag, s::tags::table),
            "media" => plain!(rows::Media, s::media::table),
            "articles" => stream(conn, reader, name, progress, |c, rows| {
                articles(c, rows, name)
            })?,
            "article_tags" => plain!(rows::ArticleTag, s::article_tags::table),
            "article_revisions" => plain!(rows::Revision, s::article_revisions::table),
            "old_slugs" => plain!(rows::OldSlug, s::old_slugs::table),
            "imported_urls" => plain!(rows::ImportedUrl, s::imported_urls::table),
            "audit_log" => plain!(rows::AuditEntry, s::audit_log::table),
            "webhooks" => stream(conn, reader, name, progress, |c, rows: &[rows::Webhook]| {
                let rows = rows
                    .iter()
                    .cloned()
                    .map(without_secret)
                    .collect::<anyhow::Result<Vec<_>>>()?;
                Ok(insert_rows!(c, s::webhooks::table, &rows, CHUNK)?)
            })?,
            other => anyhow::bail!("the manifest names an unknown kind {other}"),
        };
        Ok(n)
    }

    /// Sets the parents of the categories read so far.
    fn link_parents(&mut self, conn: &mut AnyConnection) -> anyhow::Result<()> {
        use schema::categories as c;
        for (child, parent) in std::mem::take(&mut self.parents) {
            diesel::update(c::table.filter(c::id.eq(&child)))
                .set(c::parent_id.eq(&parent))
                .execute(conn)
                .with_context(|| format!("category {child}: its parent {parent} is missing"))?;
        }
        Ok(())
    }

    fn file(
        &mut self,
        hash: &str,
        entry: impl Read,
        (store, runtime): (&Store, &tokio::runtime::Runtime),
        options: ImportOptions,
    ) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.next == self.manifest.members.len(),
            "the site file holds the media file {hash} before all its rows"
        );
        let Some(files) = &self.manifest.media_files else {
            anyhow::bail!("the site file holds media files the manifest does not list");
        };
        anyhow::ensure!(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "the site file holds an unexpected member media/{hash}"
        );
        if self.files == 0 {
            self.progress.start("media files", files.count);
        }
        let mut bytes = Vec::new();
        entry
            .take(MAX_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(damaged)?;
        anyhow::ensure!(
            bytes.len() as u64 <= MAX_FILE,
            "media file {hash} is over 1 GiB"
        );
        anyhow::ensure!(
            hex(&Sha256::digest(&bytes)) == hash,
            "media file {hash} does not match its checksum: the site file is damaged; nothing \
             was imported"
        );
        if !options.dry_run {
            runtime
                .block_on(store.put(&original(hash), bytes.into()))
                .with_context(|| format!("cannot store the media file {hash}"))?;
        }
        self.files += 1;
        self.progress.add(1);
        Ok(())
    }

    /// Checks that nothing is missing, then rebuilds what the rows imply.
    fn finish(&mut self, conn: &mut AnyConnection) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.next == self.manifest.members.len(),
            "the site file is cut short: it ends before {}; nothing was imported",
            self.manifest.members[self.next.min(self.manifest.members.len() - 1)].name
        );
        if let Some(files) = &self.manifest.media_files {
            anyhow::ensure!(
                self.files == files.count,
                "the site file is cut short: it holds {} of its {} media files; nothing was \
                 imported",
                self.files,
                files.count
            );
            self.progress.finish();
        }
        timers(conn, crate::domain::time::now())?;
        Ok(())
    }
}

/// Reads a member's lines as rows, `PAGE` at a time; how many there were.
/// Inserts a page of stories; the corrections page's rows follow from their own copies.
fn articles(conn: &mut AnyConnection, rows: &[rows::Article], name: &str) -> anyhow::Result<usize> {
    rows.iter()
        .try_for_each(|a| known::<Status>(&a.status, name))?;
    let n = insert_rows!(conn, schema::articles::table, rows, CHUNK)?;
    for a in rows.iter().filter(|a| a.corrections != "[]") {
        let id = crate::domain::ArticleId::from(a.id.clone());
        crate::articles::corrections::restore(conn, &id, &a.corrections)?;
    }
    Ok(n)
}

fn stream<R: DeserializeOwned>(
    conn: &mut AnyConnection,
    reader: &mut impl BufRead,
    name: &str,
    progress: &mut Progress,
    mut insert: impl FnMut(&mut AnyConnection, &[R]) -> anyhow::Result<usize>,
) -> anyhow::Result<u64> {
    let page = usize::try_from(PAGE).unwrap_or(500);
    let mut batch = Vec::with_capacity(page);
    let (mut line, mut number) = (Vec::new(), 0u64);
    loop {
        line.clear();
        let n = (&mut *reader)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .map_err(damaged)?;
        if n == 0 {
            break;
        }
        number += 1;
        anyhow::ensure!(
            line.last() == Some(&b'\n'),
            "{name}, line {number}: the line does not end (damaged, or over 64 MiB)"
        );
        let row: R = serde_json::from_slice(&line)
            .with_context(|| format!("{name}, line {number}: not a row of this kind"))?;
        batch.push(row);
        if batch.len() == page {
            insert(conn, &batch).with_context(|| format!("{name}, near line {number}"))?;
            progress.add(batch.len() as u64);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        insert(conn, &batch).with_context(|| format!("{name}, near line {number}"))?;
        progress.add(batch.len() as u64);
    }
    Ok(number)
}

/// Refuses a value outside its closed set.
fn known<T: Named>(value: &str, member: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        T::parse(value).is_some(),
        "{member}: {value:?} is not a {}",
        T::WHAT
    );
    Ok(())
}

/// A webhook exported without its secret gets a new one and waits, switched off, until an
/// admin rotates the secret and hands it to the receiver.
fn without_secret(mut hook: rows::Webhook) -> anyhow::Result<rows::Webhook> {
    if hook.secret.is_empty() {
        hook.secret = crate::webhooks::sign::new_secret().map_err(|e| anyhow::anyhow!("{e}"))?;
        hook.previous_secret = None;
        hook.previous_secret_until = None;
        if hook.active {
            hook.active = false;
            hook.disabled_reason = Some(
                "imported without its signing secret: rotate the secret, give it to the \
                 receiver, then switch the webhook on"
                    .to_owned(),
            );
        }
    }
    Ok(hook)
}

/// The timers of stories still due to publish or expire, as their writes would have set them.
fn timers(conn: &mut AnyConnection, now: chrono::NaiveDateTime) -> QueryResult<()> {
    use diesel::sql_types::Text;
    use schema::{articles as a, event_timers as t};
    let due = a::table.filter(a::trashed_at.is_null());
    let publish = due
        .filter(a::status.eq(Status::Scheduled.as_str()))
        .filter(a::published_at.gt(now))
        .select((
            a::id,
            TimerKind::Publish.as_str().into_sql::<Text>(),
            a::published_at.assume_not_null(),
        ));
    let listed = [Status::Published.as_str(), Status::Scheduled.as_str()];
    let expire = due
        .filter(a::status.eq_any(listed))
        .filter(a::unpublish_at.gt(now))
        .select((
            a::id,
            TimerKind::Expire.as_str().into_sql::<Text>(),
            a::unpublish_at.assume_not_null(),
        ));
    let columns = (t::article_id, t::kind, t::due_at);
    diesel::insert_into(t::table)
        .values(publish)
        .into_columns(columns)
        .execute(conn)?;
    diesel::insert_into(t::table)
        .values(expire)
        .into_columns(columns)
        .execute(conn)?;
    Ok(())
}

/// A reader that counts and hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}
