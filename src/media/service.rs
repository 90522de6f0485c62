//! What may happen to media, and who may do it. Authors, editors, admins and `write` tokens
//! upload; authors change and delete only their own uploads. An upload is received into a
//! scratch file (never whole in memory), checked and stripped of metadata off the async
//! threads, put in the store under its SHA-256, and then recorded in one write; if the
//! write fails, a file no row uses is removed again.

use std::path::PathBuf;

use bytes::Bytes;
use object_store::ObjectStore;
use tokio::io::AsyncWriteExt;

use super::model::{Media, MediaChangeset};
use super::render::{Encoding, Spec};
use super::renderer::{Job, Renderer};
use super::repo;
use super::sniff::Kind;
use super::store::{self, Store};
use crate::domain::caller::{Caller, Principal, forbidden, unauthorized};
use crate::domain::cursor;
use crate::domain::media::{Crop, Focal, crop_height, crop_widths, region};
use crate::domain::page::{Page, PageRequest};
use crate::domain::{Code, Error, FieldError, IfMatch, Result, Role, Scope, UserId};
use crate::write::{Ctx, Subject, Verb};

pub use super::intake::{Ready, ingest, record_in};
use super::intake::{check, put_file, row_of};

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
    /// WebP and AVIF quality.
    quality: u8,
    /// AVIF encoder speed.
    avif_speed: u8,
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
    /// Where crops are centered; the center when not given.
    pub focal: Option<Focal>,
}

/// The rendition a request asks for, as checked.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    /// Pixels across.
    pub width: u32,
    /// The crop.
    pub crop: Crop,
    /// The focal point the URL names (the center without one).
    pub focal: Focal,
    /// The format.
    pub format: Format,
}

/// The format a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// This one.
    Exact(Encoding),
    /// The best the client takes, by its `Accept` header: AVIF, then WebP, then JPEG (PNG
    /// for originals that may have transparency).
    Auto {
        /// `image/avif` is accepted.
        avif: bool,
        /// `image/webp` is accepted.
        webp: bool,
    },
}

impl Format {
    /// The encoding for an original of `kind`.
    pub fn pick(self, kind: Kind) -> Encoding {
        match self {
            Format::Exact(e) => e,
            Format::Auto { avif: true, .. } => Encoding::Avif,
            Format::Auto { webp: true, .. } => Encoding::Webp,
            Format::Auto { .. } if kind == Kind::Jpeg => Encoding::Jpeg,
            Format::Auto { .. } => Encoding::Png,
        }
    }
}

/// A file to serve: its bytes and what they are.
pub struct Served {
    /// The row.
    pub media: Media,
    /// The bytes.
    pub bytes: Bytes,
    /// Their media type.
    pub content_type: &'static str,
    /// What they are, in the entity tag: `o` for the original, else the rendition's name.
    pub variant: String,
    /// Whether the format was picked by the request's `Accept` header.
    pub negotiated: bool,
}

pub(super) fn file_error(code: Code, message: impl Into<String>) -> Error {
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

impl Library {
    /// A library over `store`, receiving uploads in `scratch`.
    pub fn new(
        store: Store,
        scratch: store::Scratch,
        settings: &crate::config::MediaSettings,
    ) -> std::io::Result<Self> {
        Ok(Self {
            renderer: Renderer::new(store.clone(), settings.render_budget, settings.renders)?,
            store,
            scratch,
            misplaced: None,
            max_bytes: settings.max_bytes,
            quality: settings.quality,
            avif_speed: settings.avif_speed,
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

    /// An item as what shows it publicly needs it (a story's social crop): no caller
    /// check, since only public facts of it are shown.
    pub async fn shown(&self, ctx: &Ctx, id: crate::domain::MediaId) -> Result<Option<Media>> {
        ctx.read(move |conn| Ok(repo::find(conn, &id)?)).await
    }

    /// Items by id, as [`Library::shown`].
    pub async fn shown_many(
        &self,
        ctx: &Ctx,
        mut ids: Vec<crate::domain::MediaId>,
    ) -> Result<std::collections::HashMap<crate::domain::MediaId, Media>> {
        ids.sort_unstable();
        ids.dedup();
        ctx.read(move |conn| {
            let found = repo::by_ids(conn, &ids)?;
            Ok(found.into_iter().map(|m| (m.id.clone(), m)).collect())
        })
        .await
    }

    /// Changes alt text, caption, credit or the focal point.
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
            // A point given on one axis keeps the other; a moved point keeps the old one's
            // renditions valid.
            let moved = Focal::from_fractions(
                changes.focal_x.unwrap_or(current.focal_x),
                changes.focal_y.unwrap_or(current.focal_y),
            )
            .filter(|p| *p != current.focal());
            (changes.focal_x, changes.focal_y) = match moved {
                Some(p) => (Some(p.fx()), Some(p.fy())),
                None => (None, None),
            };
            changes.focal_points = moved.map(|_| current.focal_points_after_move());
            let same = same && moved.is_none();
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
            variant: "o".to_owned(),
            negotiated: false,
        })
    }

    /// A rendition, made on first request and kept.
    pub async fn rendition(
        &self,
        ctx: &Ctx,
        id: String,
        filename: String,
        wanted: Wanted,
    ) -> Result<Served> {
        let Wanted {
            width,
            crop,
            focal,
            format,
        } = wanted;
        if crop != Crop::Social && !super::WIDTHS.contains(&width) {
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
        let (w, h) = (
            u32::try_from(media.width).unwrap_or(0),
            u32::try_from(media.height).unwrap_or(0),
        );
        let widths = crop_widths(crop, w, h);
        if !widths.contains(&width) {
            return Err(Error::not_found(match crop {
                Crop::Original => format!(
                    "the image is {w} pixels wide; renditions are never wider than the original"
                ),
                Crop::Social => format!(
                    "this image's social card is {} pixels wide: renditions are never scaled up",
                    widths.first().copied().unwrap_or(0)
                ),
                _ => format!(
                    "the {} crop of this image is at most {} pixels wide: renditions are never \
                     scaled up",
                    crop.name(),
                    widths.last().copied().unwrap_or(0)
                ),
            }));
        }
        if !media.had_focal(focal) {
            return Err(Error::not_found(
                "the image has never had that focal point; its record lists its rendition URLs",
            ));
        }
        let kind = Kind::from_mime(&media.content_type)
            .ok_or_else(|| Error::internal("a stored media type Byline does not know"))?;
        let encoding = format.pick(kind);
        let spec = Spec {
            region: region(crop, w, h, focal),
            width,
            height: crop_height(crop, width, w, h),
            encoding,
            quality: self.quality,
            speed: self.avif_speed,
            try_lossless: matches!(kind, Kind::Png | Kind::Gif),
        };
        let name = self.name_of(&spec, crop, focal);
        let job = Job {
            original: store::original(&media.sha256),
            key: store::rendition(&media.sha256, &name),
            kind,
            spec,
        };
        let bytes = self.renderer.rendition(job).await?;
        Ok(Served {
            media,
            bytes,
            content_type: encoding.mime(),
            variant: name,
            negotiated: matches!(format, Format::Auto { .. }),
        })
    }

    /// A rendition's name in the store and in its entity tag: what changes its bytes
    /// (`640`, `640-16x9-f300-720-q80.webp`).
    fn name_of(&self, spec: &Spec, crop: Crop, focal: Focal) -> String {
        let mut name = spec.width.to_string();
        if crop != Crop::Original {
            name.push('-');
            name.push_str(crop.name());
            if focal != Focal::CENTER {
                name.push_str(&format!("-f{}-{}", focal.x, focal.y));
            }
        }
        if spec.encoding.lossy() {
            name.push_str(&format!("-q{}", self.quality));
        }
        if spec.encoding == Encoding::Avif {
            name.push_str(&format!("-s{}", self.avif_speed));
        }
        let extension = match spec.encoding {
            Encoding::Jpeg => "jpg",
            other => other.name(),
        };
        format!("{name}.{extension}")
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
