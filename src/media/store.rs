//! Where media files are kept, behind one trait (`object_store::ObjectStore`) with two
//! implementations: a directory (the default, `<data dir>/media`) and an S3-compatible
//! bucket. Keys are made from hex digests and numbers only: a client's file name never
//! reaches a path.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::path::Path as Key;

use crate::config::MediaSettings;

/// The store, shared.
pub type Store = Arc<dyn ObjectStore>;

/// This process's scratch folder for uploads, `<media dir>/uploads/<id>/`, held by a lock
/// on `<id>.lock` for as long as the process lives; the folder of a process that died is
/// removed by the next one to start.
pub struct Scratch {
    /// The folder.
    pub dir: PathBuf,
    /// Locked while this process lives.
    _lock: std::fs::File,
}

impl Scratch {
    /// Removes what processes that are gone left in `uploads` (their scratch files, whose
    /// uploads died with them), then makes this process's own folder.
    fn make(uploads: &Path) -> std::io::Result<Self> {
        sweep(uploads);
        let id = uuid::Uuid::new_v4().simple().to_string();
        // Locked under a name no sweep reads, then renamed: the lock (on the file, not the
        // name) is held before any sweep can see it.
        let fresh = uploads.join(format!("{id}.new"));
        let lock = std::fs::File::create(&fresh)?;
        lock.lock()?;
        let lock_path = uploads.join(format!("{id}.lock"));
        std::fs::rename(&fresh, &lock_path)?;
        let dir = uploads.join(&id);
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir, _lock: lock })
    }
}

/// Removes the scratch files of processes that are gone: folders whose lock no process
/// holds (or that have none), and loose files.
fn sweep(uploads: &Path) {
    let Ok(entries) = std::fs::read_dir(uploads) else {
        return;
    };
    let mut removed = 0u64;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let lock = uploads.join(format!("{name}.lock"));
            let free = match std::fs::OpenOptions::new().write(true).open(&lock) {
                Ok(file) => file.try_lock().is_ok(),
                Err(_) => true,
            };
            if free {
                removed += dir_size(&path);
                let _ = std::fs::remove_dir_all(&path);
                let _ = std::fs::remove_file(&lock);
            }
        } else if name.ends_with(".lock") {
            let owner = uploads.join(name.trim_end_matches(".lock"));
            let free = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .is_ok_and(|file| file.try_lock().is_ok());
            if free && !owner.exists() {
                let _ = std::fs::remove_file(&path);
            }
        } else if !name.ends_with(".new") || older_than_a_minute(&entry) {
            removed += entry.metadata().map_or(0, |m| m.len());
            let _ = std::fs::remove_file(&path);
        }
    }
    if removed > 0 {
        tracing::info!(
            bytes = removed,
            "removed the scratch files of uploads that a stopped process left"
        );
    }
}

fn older_than_a_minute(entry: &std::fs::DirEntry) -> bool {
    entry
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|at| at.elapsed().ok())
        .is_some_and(|age| age > std::time::Duration::from_secs(60))
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    })
}

/// Where the directory store keeps its mark: a random id, which the database remembers
/// too, so that a process whose `BYLINE_MEDIA_DIR` is not the folder the other processes
/// on the database use finds out at start instead of answering 500s.
pub fn directory_mark(settings: &MediaSettings, data_dir: &Path) -> Option<PathBuf> {
    settings.s3.is_none().then(|| {
        settings
            .dir
            .clone()
            .unwrap_or_else(|| data_dir.join("media"))
            .join("store-id")
    })
}

/// Reads the directory store's mark, making one when there is none.
pub fn read_or_make_mark(path: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
        Ok(_) | Err(_) => {
            let id = uuid::Uuid::new_v4().simple().to_string();
            let fresh = path.with_extension(format!("{id}.new"));
            std::fs::write(&fresh, &id)?;
            // Two processes starting at once on one folder: the first link wins, and both
            // read what it wrote.
            match std::fs::hard_link(&fresh, path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    let _ = std::fs::remove_file(&fresh);
                    return Err(e);
                }
            }
            let _ = std::fs::remove_file(&fresh);
            Ok(std::fs::read_to_string(path)?.trim().to_owned())
        }
    }
}

/// Opens the store the settings name; the directory is made when missing. Also makes
/// this process's scratch folder for uploads.
pub fn open(settings: &MediaSettings, data_dir: &Path) -> anyhow::Result<(Store, Scratch)> {
    let dir = settings
        .dir
        .clone()
        .unwrap_or_else(|| data_dir.join("media"));
    let scratch = dir.join("uploads");
    std::fs::create_dir_all(&scratch).map_err(|e| {
        anyhow::anyhow!(
            "cannot make the media folder {} (BYLINE_MEDIA_DIR): {e}",
            dir.display()
        )
    })?;
    let store: Store = match &settings.s3 {
        None => Arc::new(
            object_store::local::LocalFileSystem::new_with_prefix(dir.join("files"))
                .or_else(|_| {
                    std::fs::create_dir_all(dir.join("files"))?;
                    object_store::local::LocalFileSystem::new_with_prefix(dir.join("files"))
                        .map_err(std::io::Error::other)
                })
                .map_err(|e| anyhow::anyhow!("cannot open the media folder: {e}"))?,
        ),
        Some(s3) => {
            let mut builder = object_store::aws::AmazonS3Builder::new()
                .with_bucket_name(&s3.bucket)
                .with_region(&s3.region);
            if let Some(endpoint) = &s3.endpoint {
                builder = builder
                    .with_endpoint(endpoint)
                    .with_allow_http(endpoint.starts_with("http://"))
                    .with_virtual_hosted_style_request(false);
            }
            if let (Some(id), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                builder = builder
                    .with_access_key_id(id)
                    .with_secret_access_key(secret.expose());
            }
            let bucket = builder
                .build()
                .map_err(|e| anyhow::anyhow!("BYLINE_MEDIA_S3_BUCKET: {e}"))?;
            match &s3.prefix {
                Some(prefix) => Arc::new(object_store::prefix::PrefixStore::new(
                    bucket,
                    prefix.as_str(),
                )),
                None => Arc::new(bucket),
            }
        }
    };
    let scratch = Scratch::make(&scratch).map_err(|e| {
        anyhow::anyhow!(
            "cannot make a scratch folder in {} (BYLINE_MEDIA_DIR): {e}",
            scratch.display()
        )
    })?;
    Ok((store, scratch))
}

/// The key of an original.
pub fn original(sha256: &str) -> Key {
    Key::from(format!("originals/{sha256}"))
}

/// The key of a rendition: `name` says what it is (width, crop, focal point, quality,
/// format).
pub fn rendition(sha256: &str, name: &str) -> Key {
    Key::from(format!("renditions/{sha256}/{name}"))
}

/// The folder of an original's renditions.
pub fn renditions_of(sha256: &str) -> Key {
    Key::from(format!("renditions/{sha256}"))
}
