//! Taking a file in: telling its kind from its bytes, refusing what cannot be rendered
//! within the budget, copying it without metadata, hashing it and putting it in the store;
//! also for files that arrive outside a request (a command's import).

use std::io::{BufReader, Read};
use std::path::PathBuf;

use object_store::WriteMultipart;

use super::model::Media;
use super::render;
use super::repo;
use super::service::{Upload, file_error};
use super::sniff::{self, Bad, Kind};
use super::store::{self, Store};
use crate::domain::media::Focal;
use crate::domain::{Code, Error, Result, UserId};
use crate::write::{Subject, Verb};

/// What checking a received file found.
pub(super) struct Checked {
    pub(super) kind: Kind,
    pub(super) width: u32,
    pub(super) height: u32,
    /// The copy without metadata, removed when this is dropped.
    pub(super) clean: Scratch,
    pub(super) sha256: String,
    pub(super) size: u64,
}

/// Removes a file when dropped.
pub(super) struct Scratch(pub(super) PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Tells the kind, reads the size from the header, and writes a copy without metadata.
/// Blocking.
pub(super) fn check(received: PathBuf, size: u64, render_budget: u64) -> Result<Checked> {
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

/// Puts a file in the store a few MiB at a time.
pub(super) async fn put_file(
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
pub(super) fn row_of(
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
        focal_x: upload.focal.unwrap_or(Focal::CENTER).fx(),
        focal_y: upload.focal.unwrap_or(Focal::CENTER).fy(),
        focal_points: String::new(),
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
