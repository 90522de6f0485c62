//! What may happen to media, and who may do it. Authors, editors, admins and `write` tokens
//! upload; authors change and delete only their own uploads. An upload is received into a
//! scratch file (never whole in memory), checked and stripped of metadata off the async
//! threads, put in the store under its SHA-256, and then recorded in one write; if the
//! write fails, a file no row uses is removed again.

use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::FutureExt;
use object_store::{ObjectStore, PutPayload, WriteMultipart};
use tokio::io::AsyncWriteExt;

use super::model::{Media, MediaChangeset};
use super::render::{self, Encoding, Flights, RenderError};
use super::repo;
use super::sniff::{self, Bad, Kind};
use super::store::{self, Store};
use crate::domain::caller::{Caller, Principal, forbidden, unauthorized};
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{Code, Error, FieldError, IfMatch, Result, Role, Scope};
use crate::write::{Ctx, Subject, Verb};

/// Renders that may run at once: each holds a decoded image (up to 200 MB at 50 MP).
const RENDERS_AT_ONCE: usize = 2;

/// The library: the store, the scratch folder for uploads, and the renders in flight.
pub struct Library {
    store: Store,
    scratch: PathBuf,
    max_bytes: u64,
    flights: Arc<Flights>,
    made: Arc<AtomicU64>,
    permits: Arc<tokio::sync::Semaphore>,
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
fn uploader(caller: &Caller) -> Result<Option<String>> {
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
fn check(received: PathBuf, size: u64) -> Result<Checked> {
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
    let (width, height) = image::ImageReader::with_format(BufReader::new(file), kind.format())
        .into_dimensions()
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
    pub fn new(store: Store, scratch: PathBuf, max_bytes: u64) -> Self {
        Self {
            store,
            scratch,
            max_bytes,
            flights: Arc::new(Flights::default()),
            made: Arc::new(AtomicU64::new(0)),
            permits: Arc::new(tokio::sync::Semaphore::new(RENDERS_AT_ONCE)),
        }
    }

    /// Renditions made since start.
    pub fn renditions_made(&self) -> u64 {
        self.made.load(Ordering::Relaxed)
    }

    /// A new scratch file for an upload, for a caller who may upload.
    pub async fn stage(&self, caller: &Caller) -> Result<Staged> {
        uploader(caller)?;
        let path = self.scratch.join(uuid::Uuid::new_v4().simple().to_string());
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
        let checked = tokio::task::spawn_blocking(move || check(path, size))
            .await
            .map_err(Error::internal)??;
        drop(staged);
        let key = store::original(&checked.sha256);
        let existed = self.store.head(&key).await.is_ok();
        if !existed {
            self.put_file(&key, &checked.clean.0).await?;
        }
        let now = crate::now();
        let row = Media {
            id: uuid::Uuid::now_v7().to_string(),
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
        };
        let written = row.clone();
        let result = ctx
            .write(caller.actor(), move |tx| {
                repo::insert(tx.conn(), &written)?;
                tx.changed(Subject::Media, &written.id, Verb::Created);
                Ok(written)
            })
            .await;
        if result.is_err() && !existed {
            self.forget_file(ctx, &checked.sha256).await;
        }
        result
    }

    /// Puts a file in the store a few MiB at a time.
    async fn put_file(&self, key: &object_store::path::Path, path: &std::path::Path) -> Result<()> {
        let upload = self
            .store
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

    /// Removes a file and its renditions when no row uses it any more.
    async fn forget_file(&self, ctx: &Ctx, sha256: &str) {
        let owned = sha256.to_owned();
        let used = ctx
            .read(move |conn| Ok(repo::users_of_file(conn, &owned)?))
            .await
            .unwrap_or(1);
        if used > 0 {
            return;
        }
        let _ = self.store.delete(&store::original(sha256)).await;
        let prefix = store::renditions_of(sha256);
        let listed = self.store.list_with_delimiter(Some(&prefix)).await;
        if let Ok(listed) = listed {
            for object in listed.objects {
                let _ = self.store.delete(&object.location).await;
            }
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
            changes.updated_at = Some(crate::now());
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
        let media = self.named(ctx, id, filename).await?;
        if i64::from(width) > i64::from(media.width) {
            return Err(Error::not_found(format!(
                "the image is {} pixels wide; renditions are never wider than the original",
                media.width
            )));
        }
        let kind = Kind::from_mime(&media.content_type)
            .ok_or_else(|| Error::internal("a stored media type Byline does not know"))?;
        let key = store::rendition(&media.sha256, width, encoding.extension());
        let bytes = match self.store.get(&key).await {
            Ok(found) => found.bytes().await.map_err(Error::internal)?,
            Err(_) => {
                let (store, permits, made) =
                    (self.store.clone(), self.permits.clone(), self.made.clone());
                let original = store::original(&media.sha256);
                let flight_key = key.to_string();
                self.flights
                    .once(&flight_key, move || {
                        async move {
                            // Another process, or a flight that just ended, may have made it.
                            if let Ok(found) = store.get(&key).await {
                                return found
                                    .bytes()
                                    .await
                                    .map_err(|e| RenderError::Failed(e.to_string()));
                            }
                            let source = store
                                .get(&original)
                                .await
                                .map_err(|e| RenderError::Failed(e.to_string()))?
                                .bytes()
                                .await
                                .map_err(|e| RenderError::Failed(e.to_string()))?;
                            let _permit = permits
                                .acquire_owned()
                                .await
                                .map_err(|e| RenderError::Failed(e.to_string()))?;
                            let made_now = tokio::task::spawn_blocking(move || {
                                render::render(&source, kind, width, encoding)
                            })
                            .await
                            .map_err(|e| RenderError::Failed(e.to_string()))??;
                            made.fetch_add(1, Ordering::Relaxed);
                            let bytes = Bytes::from(made_now);
                            store
                                .put(&key, PutPayload::from_bytes(bytes.clone()))
                                .await
                                .map_err(|e| RenderError::Failed(e.to_string()))?;
                            Ok(bytes)
                        }
                        .boxed()
                    })
                    .await
                    .map_err(|e| match e {
                        RenderError::Undecodable(why) => file_error(
                            Code::Damaged,
                            format!("the stored image does not decode: {why}"),
                        ),
                        RenderError::Failed(why) => Error::internal(why),
                    })?
            }
        };
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

fn not_found() -> Error {
    Error::not_found("no image has that id")
}
