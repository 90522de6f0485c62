//! What may happen to media, and who may do it. Authors, editors, admins and `write` tokens
//! upload; authors change and delete only their own uploads. An upload is received into a
//! scratch file (never whole in memory), checked and stripped of metadata off the async
//! threads, put in the store under its SHA-256, and then recorded in one write; if the
//! write fails, a file no row uses is removed again.

use std::io::{BufReader, Read};
use std::path::PathBuf;

use bytes::Bytes;
use object_store::{ObjectStore, WriteMultipart};
use tokio::io::AsyncWriteExt;

use super::model::{Media, MediaChangeset};
use super::render::{self, Encoding};
use super::renderer::{Job, Renderer};
use super::repo;
use super::sniff::{self, Bad, Kind};
use super::store::{self, Store};
use crate::domain::caller::{Caller, Principal, forbidden, unauthorized};
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{Code, Error, FieldError, IfMatch, Result, Role, Scope, UserId};
use crate::write::{Ctx, Subject, Verb};

/// The library: the store, the scratch folder for uploads, and the renders in flight.
pub struct Library {
    store: Store,
    scratch: store::Scratch,
    /// Why files cannot be served (the media folder is not the one the database's other
    /// processes use), if so.
    misplaced: Option<String>,
    max_bytes: u64,
    /// Makes renditions.
    renderer: Renderer,
}

/// A file being received, in the scratch folder; removed when dropped.
pub struct Staged {
    path: PathBuf,
    file: Option<tokio::fs::File>,
    size: u64,
    max: u64,
}

impl Staged {
    /// Appends a piece; past the size limit, a 413 (and the file is removed on drop).
    pub async fn write(&mut self, piece: &[u8]) -> Result<()> {
        self.size += piece.len() as u64;
        if self.size > self.max {
            return Err(Error::new(
                Code::BodyTooLarge,
                format!(
                    "the file is larger than {} bytes (BYLINE_MEDIA_MAX_BYTES)",
                    self.max
                ),
            ));
        }
        match self.file.as_mut() {
            Some(f) => f.write_all(piece).await.map_err(Error::internal),
            None => Err(Error::internal("the upload's file is closed")),
        }
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What an upload says about its file, as checked.
#[derive(Debug, Default, Clone)]
pub struct Upload {
    /// The name the client gave.
    pub filename: Option<String>,
    /// Alt text.
    pub alt: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// Credit.
    pub credit: Option<String>,
}

/// A file to serve: its bytes and what they are.
pub struct Served {
    /// The row.
    pub media: Media,
    /// The bytes.
    pub bytes: Bytes,
    /// Their media type.
    pub content_type: &'static str,
    /// The width, for a rendition.
    pub width: Option<u32>,
    /// Their encoding's name in the entity tag.
    pub variant: &'static str,
}

fn file_error(code: Code, message: impl Into<String>) -> Error {
    Error::validation(vec![FieldError::new("file", code, message)])
}

/// Who may upload: authors and up, and `write` tokens.
fn uploader(caller: &Caller) -> Result<Option<UserId>> {
    match &caller.0 {
        None => Err(unauthorized("this request needs a bearer token", false)),
        Some(Principal::Token {
            scope: Scope::Read, ..
        }) => Err(forbidden("read API tokens may not upload")),
        Some(Principal::Token { .. }) => Ok(None),
        Some(Principal::User { id, .. }) => Ok(Some(id.clone())),
    }
}

/// Whether the caller may change or delete this item: staff and write tokens any, authors
/// their own.
fn may_change(caller: &Caller, media: &Media) -> Result<()> {
    match &caller.0 {
        None => Err(unauthorized("this request needs a bearer token", false)),
        Some(Principal::Token {
            scope: Scope::Read, ..
        }) => Err(forbidden("read API tokens may not change media")),
        Some(Principal::User {
            role: Role::Author,
            id,
            ..
        }) if media.created_by.as_deref() != Some(id.as_str()) => Err(forbidden(
            "authors may change and delete only their own uploads",
        )),
        Some(_) => Ok(()),
    }
}

/// Who may change media at all, before anything is looked up: signed in, and not with a
/// `read` token.
fn changer(caller: &Caller) -> Result<()> {
    match &caller.0 {
        None => Err(unauthorized("this request needs a bearer token", false)),
        Some(Principal::Token {
            scope: Scope::Read, ..
        }) => Err(forbidden("read API tokens may not change media")),
        Some(_) => Ok(()),
    }
}

/// Anyone signed in may browse the library.
fn reader(caller: &Caller) -> Result<()> {
    if caller.0.is_none() {
        return Err(unauthorized("this request needs a bearer token", false));
    }
    Ok(())
}

/// What checking a received file found.
struct Checked {
    kind: Kind,
    width: u32,
    height: u32,
    /// The copy without metadata, removed when this is dropped.
    clean: Scratch,
    sha256: String,
    size: u64,
}

/// Removes a file when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Tells the kind, reads the size from the header, and writes a copy without metadata.
/// Blocking.
fn check(received: PathBuf, size: u64, render_budget: u64) -> Result<Checked> {
    if size == 0 {
        return Err(file_error(Code::Empty, "the file is empty"));
    }
    let mut head = [0u8; 16];
    let read = std::fs::File::open(&received)
        .and_then(|mut f| f.read(&mut head))
        .map_err(Error::internal)?;
    let Some(kind) = sniff::sniff(&head[..read]) else {
        return Err(Error::new(
            Code::UnsupportedMediaType,
            "the file is not a JPEG, PNG, WebP or GIF image (told by its bytes, whatever its name)",
        ));
    };
    let file = std::fs::File::open(&received).map_err(Error::internal)?;
    let (width, height, color) =
        image::ImageReader::with_format(BufReader::new(file), kind.format())
            .into_decoder()
            .map(|d| {
                use image::ImageDecoder;
                let (w, h) = d.dimensions();
                (w, h, d.color_type())
            })
            .map_err(|e| {
                file_error(
                    Code::Damaged,
                    format!("the image header cannot be read: {e}"),
                )
            })?;
    if width == 0 || height == 0 {
        return Err(file_error(Code::Damaged, "the image has no pixels"));
    }
    if u64::from(width) * u64::from(height) > super::MAX_PIXELS {
        return Err(file_error(
            Code::TooManyPixels,
            format!(
                "the image is {width} × {height} pixels; at most {} megapixels are accepted",
                super::MAX_PIXELS / 1_000_000
            ),
        ));
    }
    let needed = render::cheapest(width, height, color, size);
    if needed > render_budget {
        return Err(file_error(
            Code::TooLargeToRender,
            format!(
                "renditions of this {width} × {height} image ({color:?}) would need {} MiB of \
                 memory to make, more than the {} MiB renders may hold (BYLINE_MEDIA_RENDER_MIB)",
                needed.div_ceil(1 << 20),
                render_budget >> 20
            ),
        ));
    }
    let clean = received.with_extension("clean");
    let mut input = BufReader::new(std::fs::File::open(&received).map_err(Error::internal)?);
    let mut output =
        std::io::BufWriter::new(std::fs::File::create(&clean).map_err(Error::internal)?);
    let guard = Scratch(clean);
    sniff::clean(kind, &mut input, &mut output).map_err(|e| match e {
        Bad::Io(io) => Error::internal(io),
        bad => file_error(Code::Damaged, bad.to_string()),
    })?;
    std::io::Write::flush(&mut output).map_err(Error::internal)?;
    drop(output);
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    let mut file = std::fs::File::open(&guard.0).map_err(Error::internal)?;
    let size = std::io::copy(&mut file, &mut hasher).map_err(Error::internal)?;
    let digest = sha2::Digest::finalize(hasher);
    let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Checked {
        kind,
        width,
        height,
        clean: guard,
        sha256,
        size,
    })
}

impl Library {
    /// A library over `store`, receiving uploads in `scratch`.
    pub fn new(
        store: Store,
        scratch: store::Scratch,
        max_bytes: u64,
        render_budget: u64,
    ) -> std::io::Result<Self> {
        Ok(Self {
            renderer: Renderer::new(store.clone(), render_budget)?,
            store,
            scratch,
            misplaced: None,
            max_bytes,
        })
    }

    /// Checks the directory store's mark against the one the database keeps (the first
    /// process to start sets it). A mismatch leaves every media route answering 503
    /// `media_store_unavailable`, and is logged.
    pub fn check_mark(
        &mut self,
        conn: &mut crate::db::AnyConnection,
        writes: &crate::write::Writes,
        mark: Option<String>,
    ) -> Result<()> {
        let Some(mine) = mark else {
            return Ok(());
        };
        let known = writes.run(conn, &crate::write::Actor::System, |tx| {
            let now = tx.now();
            Ok(repo::claim_store_mark(tx.conn(), &mine, now)?)
        })?;
        if known != mine {
            let why = format!(
                "this process's media folder (BYLINE_MEDIA_DIR, marked {mine}) is not the one \
                 the other processes on this database use (marked {known}): every process must \
                 share one folder, or use an S3 bucket (BYLINE_MEDIA_S3_BUCKET)"
            );
            tracing::error!("media is unavailable: {why}");
            self.misplaced = Some(why);
        }
        Ok(())
    }

    /// A 503 while the media folder is not the shared one.
    fn usable(&self) -> Result<()> {
        match &self.misplaced {
            None => Ok(()),
            Some(_) => Err(Error::new(
                Code::MediaStoreUnavailable,
                "media files are unavailable on this server: its media folder is not the one \
                 the other servers on this database use (the server log says more)",
            )),
        }
    }

    /// The largest file an upload may carry (`BYLINE_MEDIA_MAX_BYTES`).
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Renditions made since start.
    pub fn renditions_made(&self) -> u64 {
        self.renderer.made()
    }

    /// A new scratch file for an upload, for a caller who may upload.
    pub async fn stage(&self, caller: &Caller) -> Result<Staged> {
        uploader(caller)?;
        self.usable()?;
        let path = self
            .scratch
            .dir
            .join(uuid::Uuid::new_v4().simple().to_string());
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(Error::internal)?;
        Ok(Staged {
            path,
            file: Some(file),
            size: 0,
            max: self.max_bytes,
        })
    }

    /// Checks a received file, stores it and records it.
    pub async fn create(
        &self,
        ctx: &Ctx,
        caller: &Caller,
        mut staged: Staged,
        upload: Upload,
    ) -> Result<Media> {
        let created_by = uploader(caller)?;
        if let Some(mut file) = staged.file.take() {
            file.flush().await.map_err(Error::internal)?;
        }
        let (path, size) = (staged.path.clone(), staged.size);
        let budget = self.renderer.budget();
        let checked = tokio::task::spawn_blocking(move || check(path, size, budget))
            .await
            .map_err(Error::internal)??;
        drop(staged);
        let key = store::original(&checked.sha256);
        let existed = self.store.head(&key).await.is_ok();
        if !existed {
            put_file(&self.store, &key, &checked.clean.0).await?;
        }
        let row = row_of(&checked, upload, created_by, ctx.now());
        let written = row.clone();
        let (store, clean) = (self.store.clone(), checked.clean.0.clone());
        let runtime = tokio::runtime::Handle::current();
        let result = ctx
            .write(caller.actor(), move |tx| {
                // Under the file's lock, a delete of the last other row that used these
                // bytes has either removed the file already (put it again) or will see
                // this row and keep it.
                repo::lock_file(tx.conn(), &written.sha256)?;
                if runtime.block_on(store.head(&key)).is_err() {
                    runtime.block_on(put_file(&store, &key, &clean))?;
                }
                repo::insert(tx.conn(), &written)?;
                tx.changed(Subject::Media, &written.id, Verb::Created);
                Ok(written)
            })
            .await;
        if result.is_err() {
            self.forget_file(ctx, &checked.sha256).await;
        }
        result
    }

    /// Removes a file and its renditions when no row uses it any more. The count and the
    /// removal run under the file's lock, in a write of their own, so that an upload of the
    /// same bytes cannot add its row between them.
    async fn forget_file(&self, ctx: &Ctx, sha256: &str) {
        let (owned, store) = (sha256.to_owned(), self.store.clone());
        let runtime = tokio::runtime::Handle::current();
        let forgotten = ctx
            .write(crate::write::Actor::System, move |tx| {
                repo::lock_file(tx.conn(), &owned)?;
                if repo::users_of_file(tx.conn(), &owned)? > 0 {
                    return Ok(());
                }
                runtime.block_on(async {
                    let _ = store.delete(&store::original(&owned)).await;
                    let prefix = store::renditions_of(&owned);
                    if let Ok(listed) = store.list_with_delimiter(Some(&prefix)).await {
                        for object in listed.objects {
                            let _ = store.delete(&object.location).await;
                        }
                    }
                });
                Ok(())
            })
            .await;
        if let Err(error) = forgotten {
            tracing::warn!(code = %error.code, "a media file was not removed: {}", error.detail);
        }
    }

    /// A page of the library, newest first.
    pub async fn list(
        &self,
        ctx: &Ctx,
        caller: &Caller,
        q: Option<String>,
        page: PageRequest,
    ) -> Result<Page<Media>> {
        reader(caller)?;
        let after = match page.cursor.as_deref() {
            Some(raw) => cursor::decode_cursor(raw, "media", 1)?.into_iter().next(),
            None => None,
        };
        ctx.read(move |conn| {
            let rows = repo::list(conn, q.as_deref(), after.as_deref(), page.limit)?;
            Ok(page.split(rows, None, |m| cursor::encode_cursor("media", &[&m.id])))
        })
        .await
    }

    /// One item of the library.
    pub async fn get(&self, ctx: &Ctx, caller: &Caller, id: String) -> Result<Media> {
        reader(caller)?;
        ctx.read(move |conn| repo::find(conn, &id)?.ok_or_else(not_found))
            .await
    }

    /// Changes alt text, caption or credit.
    pub async fn update(
        &self,
        ctx: &Ctx,
        caller: &Caller,
        id: String,
        precondition: IfMatch,
        mut changes: MediaChangeset,
    ) -> Result<Media> {
        changer(caller)?;
        let caller = caller.clone();
        let now = ctx.now();
        ctx.write(caller.actor(), move |tx| {
            repo::lock(tx.conn(), &id)?;
            let current = repo::find(tx.conn(), &id)?.ok_or_else(not_found)?;
            may_change(&caller, &current)?;
            if !matches!(precondition, IfMatch::Absent) {
                precondition.check_stamp(&current.id, current.updated_at, "image")?;
            }
            let same = changes.alt.as_ref().is_none_or(|v| *v == current.alt)
                && changes
                    .caption
                    .as_ref()
                    .is_none_or(|v| *v == current.caption)
                && changes.credit.as_ref().is_none_or(|v| *v == current.credit);
            if same {
                return Ok(current);
            }
            changes.updated_at = Some(now);
            let media = repo::update(tx.conn(), &id, &changes)?;
            tx.changed(Subject::Media, &media.id, Verb::Updated);
            Ok(media)
        })
        .await
    }

    /// Deletes an item no article uses as its cover; its file goes when no other item
    /// uses it.
    pub async fn delete(
        &self,
        ctx: &Ctx,
        caller: &Caller,
        id: String,
        precondition: IfMatch,
    ) -> Result<()> {
        changer(caller)?;
        self.usable()?;
        let who = caller.clone();
        let media = ctx
            .write(caller.actor(), move |tx| {
                repo::lock(tx.conn(), &id)?;
                let current = repo::find(tx.conn(), &id)?.ok_or_else(not_found)?;
                may_change(&who, &current)?;
                if !matches!(precondition, IfMatch::Absent) {
                    precondition.check_stamp(&current.id, current.updated_at, "image")?;
                }
                let covers = repo::covers(tx.conn(), &id)?;
                if !covers.is_empty() {
                    return Err(Error::new(
                        Code::MediaInUse,
                        format!(
                            "the image is the cover of {}: {}; choose another cover first",
                            crate::domain::counted(
                                i64::try_from(covers.len()).unwrap_or(i64::MAX),
                                "article",
                                "articles"
                            ),
                            covers.join(", ")
                        ),
                    ));
                }
                repo::delete(tx.conn(), &id)?;
                tx.changed(Subject::Media, &id, Verb::Deleted);
                Ok(current)
            })
            .await?;
        self.forget_file(ctx, &media.sha256).await;
        Ok(())
    }

    /// The original file, by id; the name in the path must be the item's.
    pub async fn original(&self, ctx: &Ctx, id: String, filename: String) -> Result<Served> {
        self.usable()?;
        let media = self.named(ctx, id, filename).await?;
        let bytes = self.fetch(&store::original(&media.sha256)).await?;
        let content_type = Kind::from_mime(&media.content_type)
            .map(Kind::mime)
            .ok_or_else(|| Error::internal("a stored media type Byline does not know"))?;
        Ok(Served {
            media,
            bytes,
            content_type,
            width: None,
            variant: "o",
        })
    }

    /// A rendition, made on first request and kept.
    pub async fn rendition(
        &self,
        ctx: &Ctx,
        id: String,
        width: u32,
        filename: String,
        encoding: Encoding,
    ) -> Result<Served> {
        if !super::WIDTHS.contains(&width) {
            return Err(Error::not_found(format!(
                "renditions come {} pixels wide",
                super::WIDTHS
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        self.usable()?;
        let media = self.named(ctx, id, filename).await?;
        if i64::from(width) > i64::from(media.width) {
            return Err(Error::not_found(format!(
                "the image is {} pixels wide; renditions are never wider than the original",
                media.width
            )));
        }
        let kind = Kind::from_mime(&media.content_type)
            .ok_or_else(|| Error::internal("a stored media type Byline does not know"))?;
        let job = Job {
            original: store::original(&media.sha256),
            key: store::rendition(&media.sha256, width, encoding.extension()),
            kind,
            width,
            encoding,
        };
        let bytes = self.renderer.rendition(job).await?;
        Ok(Served {
            media,
            bytes,
            content_type: encoding.mime(),
            width: Some(width),
            variant: encoding.extension(),
        })
    }

    async fn named(&self, ctx: &Ctx, id: String, filename: String) -> Result<Media> {
        let media = ctx
            .read(move |conn| repo::find(conn, &id)?.ok_or_else(not_found))
            .await?;
        if media.filename != filename {
            return Err(not_found());
        }
        Ok(media)
    }

    async fn fetch(&self, key: &object_store::path::Path) -> Result<Bytes> {
        let found = self
            .store
            .get(key)
            .await
            .map_err(|e| Error::internal(format!("the media store has no file: {e}")))?;
        found.bytes().await.map_err(Error::internal)
    }
}

/// Puts a file in the store a few MiB at a time.
async fn put_file(
    store: &Store,
    key: &object_store::path::Path,
    path: &std::path::Path,
) -> Result<()> {
    let upload = store
        .put_multipart(key)
        .await
        .map_err(|e| Error::internal(format!("the media store refused the file: {e}")))?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, 5 * 1024 * 1024);
    let mut file = tokio::fs::File::open(path).await.map_err(Error::internal)?;
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = tokio::io::AsyncReadExt::read(&mut file, &mut buf)
            .await
            .map_err(Error::internal)?;
        if n == 0 {
            break;
        }
        writer
            .wait_for_capacity(2)
            .await
            .map_err(|e| Error::internal(format!("the media store failed: {e}")))?;
        writer.write(&buf[..n]);
    }
    writer
        .finish()
        .await
        .map_err(|e| Error::internal(format!("the media store failed: {e}")))?;
    Ok(())
}

fn not_found() -> Error {
    Error::not_found("no image has that id")
}

/// A file checked and stored outside a request (a command's import), waiting for its row.
pub struct Ready {
    /// The row to record.
    pub row: Media,
    clean: Scratch,
}

/// Checks a file received outside a request as an upload is checked (kind, pixels, render
/// budget, metadata stripped) and returns the row to record with [`record_in`], which
/// stores the file. Blocking. `received` is left in place; the clean copy is made beside
/// it and removed with the result.
pub fn ingest(
    received: PathBuf,
    render_budget: u64,
    upload: Upload,
    now: chrono::NaiveDateTime,
) -> Result<Ready> {
    let size = std::fs::metadata(&received).map_err(Error::internal)?.len();
    let checked = check(received, size, render_budget)?;
    Ok(Ready {
        row: row_of(&checked, upload, None, now),
        clean: checked.clean,
    })
}

/// The row of a checked file.
fn row_of(
    checked: &Checked,
    upload: Upload,
    created_by: Option<UserId>,
    now: chrono::NaiveDateTime,
) -> Media {
    Media {
        id: crate::domain::MediaId::generate(),
        filename: super::safe_filename(upload.filename.as_deref(), checked.kind),
        content_type: checked.kind.mime().to_owned(),
        size: i64::try_from(checked.size).unwrap_or(i64::MAX),
        width: i32::try_from(checked.width).unwrap_or(i32::MAX),
        height: i32::try_from(checked.height).unwrap_or(i32::MAX),
        sha256: checked.sha256.clone(),
        alt: upload.alt,
        caption: upload.caption,
        credit: upload.credit,
        created_by,
        created_at: now,
        updated_at: now,
    }
}

/// Stores a file made ready by [`ingest`] and records it in the write `tx`, under the
/// file's lock as an upload does (so a delete of the last other row using these bytes
/// cannot remove the file in between). Blocking: runs the store's work on `runtime`.
pub fn record_in(
    tx: &mut crate::write::Tx<'_>,
    store: &Store,
    runtime: &tokio::runtime::Runtime,
    ready: &Ready,
) -> Result<Media> {
    let key = store::original(&ready.row.sha256);
    repo::lock_file(tx.conn(), &ready.row.sha256)?;
    if runtime.block_on(store.head(&key)).is_err() {
        runtime.block_on(put_file(store, &key, &ready.clean.0))?;
    }
    repo::insert(tx.conn(), &ready.row)?;
    tx.changed(Subject::Media, &ready.row.id, Verb::Created);
    Ok(ready.row.clone())
}
