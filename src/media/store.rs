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

/// Opens the store the settings name; the directory is made when missing.
pub fn open(settings: &MediaSettings, data_dir: &Path) -> anyhow::Result<(Store, PathBuf)> {
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
    Ok((store, scratch))
}

/// The key of an original.
pub fn original(sha256: &str) -> Key {
    Key::from(format!("originals/{sha256}"))
}

/// The key of a rendition.
pub fn rendition(sha256: &str, width: u32, extension: &str) -> Key {
    Key::from(format!("renditions/{sha256}/{width}.{extension}"))
}

/// The folder of an original's renditions.
pub fn renditions_of(sha256: &str) -> Key {
    Key::from(format!("renditions/{sha256}"))
}
