//! `byline export`: one consistent snapshot of the site, written as a site file.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::progress::Progress;
use super::rows::{self, ArticleTag, Revision};
use super::{FORMAT, FORMAT_VERSION, Files, Manifest, Member, PAGE, Tools, hex, member_name};
use crate::db::AnyConnection;
use crate::db::schema;
use crate::media::store::original;

/// What to leave in or out.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    /// Webhook signing secrets (else written as empty strings).
    pub include_secrets: bool,
    /// The media files themselves.
    pub media_files: bool,
}

/// Writes the site to `out`; the manifest it wrote.
pub fn export(
    conn: &mut AnyConnection,
    tools: &mut Tools,
    out: &mut dyn Write,
    options: ExportOptions,
) -> anyhow::Result<Manifest> {
    let Tools {
        store,
        runtime,
        progress,
    } = tools;
    let scratch = tempfile::tempdir().context("cannot make a scratch folder")?;
    let created_at = crate::domain::time::now();
    let engine = conn.backend().name().to_owned();
    let (members, hashes) = conn.transaction::<_, anyhow::Error, _>(|conn| {
        crate::db::on_postgres(conn, |pg| {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(pg)
                .map(drop)
        })?;
        snapshot(conn, scratch.path(), options, progress)
    })?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        byline_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: created_at.and_utc().to_rfc3339(),
        source_engine: engine,
        secrets: options.include_secrets,
        members: members.iter().map(|(m, _)| m.clone()).collect(),
        media_files: hashes.as_ref().map(|(_, count)| Files { count: *count }),
    };
    let mtime = u64::try_from(created_at.and_utc().timestamp()).unwrap_or(0);
    let encoder = zstd::Encoder::new(out, 3)?;
    let mut tar = tar::Builder::new(encoder);
    let manifest_json = serde_json::to_vec_pretty(&manifest)?;
    append(
        &mut tar,
        "manifest.json",
        mtime,
        manifest_json.len() as u64,
        &manifest_json[..],
    )?;
    for (member, path) in &members {
        append(
            &mut tar,
            &member.name,
            mtime,
            member.bytes,
            File::open(path)?,
        )?;
    }
    if let Some((path, count)) = hashes {
        progress.start("media files", count);
        for hash in BufReader::new(File::open(path)?).lines() {
            let hash = hash?;
            let bytes = runtime
                .block_on(async { store.get(&original(&hash)).await?.bytes().await })
                .with_context(|| format!("cannot read the media file {hash}"))?;
            anyhow::ensure!(
                hex(&Sha256::digest(&bytes)) == hash,
                "the media file {hash} in the store does not match its checksum"
            );
            append(
                &mut tar,
                &format!("media/{hash}"),
                mtime,
                bytes.len() as u64,
                &bytes[..],
            )?;
            progress.add(1);
        }
        progress.finish();
    }
    tar.into_inner()?.finish()?.flush()?;
    Ok(manifest)
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    mtime: u64,
    size: u64,
    data: impl std::io::Read,
) -> anyhow::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    Ok(tar.append_data(&mut header, name, data)?)
}

/// A member being written to a scratch file, with its checksum and counts.
struct Spool {
    kind: &'static str,
    path: PathBuf,
    out: BufWriter<File>,
    hasher: Sha256,
    rows: u64,
    bytes: u64,
}

impl Spool {
    fn new(dir: &std::path::Path, kind: &'static str) -> anyhow::Result<Self> {
        let path = dir.join(member_name(kind));
        Ok(Self {
            kind,
            out: BufWriter::new(File::create(&path)?),
            path,
            hasher: Sha256::new(),
            rows: 0,
            bytes: 0,
        })
    }

    fn push(&mut self, row: &impl Serialize) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(row)?;
        line.push(b'\n');
        self.hasher.update(&line);
        self.out.write_all(&line)?;
        self.rows += 1;
        self.bytes += line.len() as u64;
        Ok(())
    }

    fn finish(self) -> anyhow::Result<(Member, PathBuf)> {
        self.out
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        let member = Member {
            name: member_name(self.kind),
            kind: self.kind.to_owned(),
            rows: self.rows,
            bytes: self.bytes,
            sha256: hex(&self.hasher.finalize()),
        };
        Ok((member, self.path))
    }
}

/// A member of a table keyed by two text columns, paged by both: old slugs by kind and
/// slug, old URLs by source and guid (all `COLLATE "C"` on PostgreSQL, byte order as on
/// SQLite).
macro_rules! by_text_pair {
    ($conn:expr, $dir:expr, $progress:expr, $table:ident, $row:ty, $first:ident, $second:ident) => {{
        use schema::$table as t;
        let kind = stringify!($table);
        $progress.start(kind, 0);
        let mut spool = Spool::new($dir, kind)?;
        let (mut first, mut second) = (String::new(), String::new());
        loop {
            let page: Vec<$row> = t::table
                .filter(
                    t::$first
                        .gt(&first)
                        .or(t::$first.eq(&first).and(t::$second.gt(&second))),
                )
                .order((t::$first, t::$second))
                .limit(PAGE)
                .select(<$row>::as_select())
                .load($conn)?;
            let Some(last) = page.last() else { break };
            (first, second) = (last.$first.clone(), last.$second.clone());
            for row in &page {
                spool.push(row)?;
            }
            $progress.add(page.len() as u64);
        }
        $progress.finish();
        spool.finish()?
    }};
}

/// The members and, when media files go in, the file listing their hashes and its count.
type Snapshot = (Vec<(Member, PathBuf)>, Option<(PathBuf, u64)>);

/// Reads every member inside the snapshot's transaction.
fn snapshot(
    conn: &mut AnyConnection,
    dir: &std::path::Path,
    options: ExportOptions,
    progress: &mut Progress,
) -> anyhow::Result<Snapshot> {
    // Ids are UUIDs, which every collation orders as their bytes: the primary keys' own
    // order (and index) gives both engines one order. Slugs are not; see `old_slugs`.
    let mut members = Vec::new();
    macro_rules! by_id {
        ($table:ident, $row:ty, $kind:literal, $each_page:expr) => {{
            let total: i64 = schema::$table::table.count().get_result(conn)?;
            progress.start($kind, u64::try_from(total).unwrap_or(0));
            let mut spool = Spool::new(dir, $kind)?;
            let mut after = String::new();
            loop {
                let page: Vec<$row> = schema::$table::table
                    .filter(schema::$table::id.gt(&after))
                    .order(schema::$table::id)
                    .limit(PAGE)
                    .select(<$row>::as_select())
                    .load(conn)?;
                let Some(last) = page.last() else { break };
                after = last.id.clone();
                let each_page: &mut dyn FnMut(&mut AnyConnection, &[$row]) -> anyhow::Result<()> =
                    &mut $each_page;
                each_page(conn, &page)?;
                for row in &page {
                    spool.push(row)?;
                }
                progress.add(page.len() as u64);
            }
            progress.finish();
            members.push(spool.finish()?);
        }};
    }
    by_id!(users, rows::User, "users", |_, _| Ok(()));
    by_id!(api_tokens, rows::ApiToken, "api_tokens", |_, _| Ok(()));
    by_id!(authors, rows::Author, "authors", |_, _| Ok(()));
    by_id!(categories, rows::Category, "categories", |_, _| Ok(()));
    by_id!(tags, rows::Tag, "tags", |_, _| Ok(()));
    by_id!(media, rows::Media, "media", |_, _| Ok(()));
    let mut tags = Spool::new(dir, "article_tags")?;
    by_id!(articles, rows::Article, "articles", |conn, page| {
        // The page's tags go to their own member as the page is read, in the same order.
        let ids: Vec<&str> = page.iter().map(|a| a.id.as_str()).collect();
        for tag in article_tags(conn, &ids)? {
            tags.push(&tag)?;
        }
        Ok(())
    });
    members.push(tags.finish()?);
    members.push(article_revisions(conn, dir, progress)?);
    members.push(by_text_pair!(
        conn,
        dir,
        progress,
        old_slugs,
        rows::OldSlug,
        kind,
        slug
    ));
    members.push(by_text_pair!(
        conn,
        dir,
        progress,
        imported_urls,
        rows::ImportedUrl,
        source,
        guid
    ));
    by_id!(audit_log, rows::AuditEntry, "audit_log", |_, _| Ok(()));
    members.push(webhooks(conn, dir, options.include_secrets, progress)?);
    let hashes = if options.media_files {
        Some(media_hashes(conn, dir)?)
    } else {
        None
    };
    Ok((members, hashes))
}

/// The webhooks, with their secrets only when `secrets` says so (few rows: one read).
fn webhooks(
    conn: &mut AnyConnection,
    dir: &std::path::Path,
    secrets: bool,
    progress: &mut Progress,
) -> anyhow::Result<(Member, PathBuf)> {
    let mut webhooks = Spool::new(dir, "webhooks")?;
    progress.start("webhooks", 0);
    let all: Vec<rows::Webhook> = schema::webhooks::table
        .order(schema::webhooks::id)
        .select(rows::Webhook::as_select())
        .load(conn)?;
    for mut hook in all {
        if !secrets {
            hook.secret = String::new();
            hook.previous_secret = None;
            hook.previous_secret_until = None;
        }
        webhooks.push(&hook)?;
        progress.add(1);
    }
    progress.finish();
    webhooks.finish()
}

fn article_tags(conn: &mut AnyConnection, ids: &[&str]) -> QueryResult<Vec<ArticleTag>> {
    use schema::article_tags as t;
    t::table
        .filter(t::article_id.eq_any(ids))
        .order((t::article_id, t::position, t::tag_id))
        .select(ArticleTag::as_select())
        .load(conn)
}

/// Every version of every story, keyed by story and version: a story may have thousands.
fn article_revisions(
    conn: &mut AnyConnection,
    dir: &std::path::Path,
    progress: &mut Progress,
) -> anyhow::Result<(Member, PathBuf)> {
    use schema::article_revisions as r;
    let total: i64 = r::table.count().get_result(conn)?;
    progress.start("article_revisions", u64::try_from(total).unwrap_or(0));
    let mut spool = Spool::new(dir, "article_revisions")?;
    let (mut article, mut version) = (String::new(), 0i64);
    loop {
        let page: Vec<Revision> = r::table
            .filter(
                r::article_id
                    .gt(&article)
                    .or(r::article_id.eq(&article).and(r::version.gt(version))),
            )
            .order((r::article_id, r::version))
            .limit(PAGE)
            .select(Revision::as_select())
            .load(conn)?;
        let Some(last) = page.last() else { break };
        (article, version) = (last.article_id.clone(), last.version);
        for row in &page {
            spool.push(row)?;
        }
        progress.add(page.len() as u64);
    }
    progress.finish();
    spool.finish()
}

/// The distinct hashes of the media files, one per line in a scratch file, and their count.
fn media_hashes(conn: &mut AnyConnection, dir: &std::path::Path) -> anyhow::Result<(PathBuf, u64)> {
    use schema::media as m;
    let path = dir.join("media-files");
    let mut out = BufWriter::new(File::create(&path)?);
    let (mut after, mut count) = (String::new(), 0u64);
    loop {
        // Lowercase hex of one length: every collation orders it as its bytes.
        let page: Vec<String> = m::table
            .select(m::sha256)
            .distinct()
            .filter(m::sha256.gt(&after))
            .order(m::sha256)
            .limit(PAGE)
            .load(conn)?;
        let Some(last) = page.last() else { break };
        after = last.clone();
        for hash in &page {
            writeln!(out, "{hash}")?;
        }
        count += page.len() as u64;
    }
    out.flush()?;
    Ok((path, count))
}
