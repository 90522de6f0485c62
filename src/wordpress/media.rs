//! The images of a WordPress export as media items: attachments, featured images and the
//! pictures in bodies, read from a local copy of `wp-content/uploads` (`--uploads DIR`) or
//! downloaded from the old site (`--download-media`, through the webhook address guard).
//! Each file is checked and stripped of metadata as an upload is and stored once per
//! content; a picture already in the library (the same bytes) is used again, so a second
//! import duplicates nothing.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use crate::domain::MediaId;
use crate::media::service::{self as media, Upload};
use crate::media::store::Store;

/// Where the files come from.
#[derive(Debug, Clone, Default)]
pub enum Source {
    /// Nowhere: image addresses are kept as they are.
    #[default]
    Keep,
    /// A local copy of `wp-content/uploads`.
    Uploads(PathBuf),
    /// The old site, over HTTP.
    Download {
        /// Whether private addresses may be reached (`BYLINE_WEBHOOK_ALLOW_PRIVATE`).
        allow_private: bool,
    },
}

/// What storing files needs: the store, a runtime for it, a scratch folder and the limits
/// of uploads.
pub struct Tools {
    /// The media store.
    pub store: Store,
    /// Runs the store's and the downloads' work.
    pub runtime: tokio::runtime::Runtime,
    /// Where files are received.
    pub scratch: PathBuf,
    /// `BYLINE_MEDIA_MAX_BYTES`.
    pub max_bytes: u64,
    /// `BYLINE_MEDIA_RENDER_MIB`, in bytes.
    pub render_budget: u64,
}

/// An attachment of the export: its file's address and what WordPress says of it.
#[derive(Debug, Clone, Default)]
pub struct Attachment {
    /// `wp:attachment_url`.
    pub url: String,
    /// Its title.
    pub title: String,
    /// `_wp_attachment_image_alt`.
    pub alt: String,
    /// Its excerpt: the caption.
    pub caption: String,
}

/// A media item made or found for an address.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Its id.
    pub id: MediaId,
    /// Its file name.
    pub filename: String,
}

impl Imported {
    /// Its address on this site.
    pub fn path(&self) -> String {
        crate::media::original_path(&self.id, &self.filename)
    }
}

/// The longest a download may take.
const DOWNLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The files of one import.
pub struct Library {
    source: Source,
    tools: Option<Tools>,
    client: Option<reqwest::Client>,
    /// Attachments by their address.
    attachments: HashMap<String, Attachment>,
    /// The hosts of the old site: only their pictures in bodies are imported.
    hosts: Vec<String>,
    /// What each address came to: `None` when it could not be imported (reported once).
    known: HashMap<String, Option<Imported>>,
    /// Files that could not be imported: (address, why), each once.
    pub failed: Vec<(String, String)>,
    /// Media items made.
    pub created: u64,
}

impl Library {
    /// A library for an import from `source` (`tools` is needed unless it is [`Source::Keep`]).
    pub fn new(
        source: Source,
        tools: Option<Tools>,
        attachments: impl IntoIterator<Item = Attachment>,
        hosts: Vec<String>,
    ) -> anyhow::Result<Self> {
        let client = match &source {
            Source::Download { allow_private } => Some(
                reqwest::Client::builder()
                    .redirect(crate::webhooks::guard::redirects(5, *allow_private))
                    .timeout(DOWNLOAD_TIMEOUT)
                    .connect_timeout(std::time::Duration::from_secs(10))
                    .no_proxy()
                    .user_agent(concat!("Byline-Import/", env!("CARGO_PKG_VERSION")))
                    .dns_resolver(std::sync::Arc::new(
                        crate::webhooks::guard::GuardedResolver {
                            allow_private: *allow_private,
                        },
                    ))
                    .build()?,
            ),
            _ => None,
        };
        if let Source::Uploads(dir) = &source
            && !dir.is_dir()
        {
            anyhow::bail!(
                "the uploads folder {} is not a folder; nothing was imported",
                dir.display()
            );
        }
        if !matches!(source, Source::Keep) && tools.is_none() {
            anyhow::bail!("importing media files needs the media store");
        }
        let attachments = attachments
            .into_iter()
            .filter(|a| !a.url.trim().is_empty())
            .map(|a| (a.url.trim().to_owned(), a))
            .collect();
        Ok(Self {
            source,
            tools,
            client,
            attachments,
            hosts,
            known: HashMap::new(),
            failed: Vec::new(),
            created: 0,
        })
    }

    /// Whether files are imported at all.
    pub fn active(&self) -> bool {
        !matches!(self.source, Source::Keep)
    }

    /// The attachment a picture's address shows: the address itself, or a size WordPress
    /// made of it (`photo-300x200.jpg` of `photo.jpg`).
    fn attachment_of(&self, url: &str) -> Option<&Attachment> {
        self.attachments
            .get(url)
            .or_else(|| self.attachments.get(&without_size(url)))
    }

    /// The media item for a picture in a body or a featured image, made when first met;
    /// `None` when files are not imported, the address is not the old site's, or the file
    /// could not be imported (reported). `dry_run` checks the file and stores nothing.
    pub fn item_for(
        &mut self,
        tx: &mut crate::write::Tx<'_>,
        url: &str,
        dry_run: bool,
        now: NaiveDateTime,
    ) -> Option<Imported> {
        if !self.active() {
            return None;
        }
        let url = url.trim();
        let (address, meta) = match self.attachment_of(url) {
            Some(a) => (a.url.clone(), a.clone()),
            None if self.ours(url) => (url.to_owned(), Attachment::default()),
            None => return None,
        };
        if let Some(known) = self.known.get(&address) {
            return known.clone();
        }
        let got = match self.import(tx, &address, &meta, dry_run, now) {
            Ok(got) => got,
            Err(why) => {
                self.failed.push((address.clone(), why));
                None
            }
        };
        self.known.insert(address, got.clone());
        got
    }

    /// Whether an address is a file of the old site's uploads.
    fn ours(&self, url: &str) -> bool {
        let Ok(parsed) = url::Url::parse(url) else {
            return false;
        };
        let host = parsed.host_str().unwrap_or("");
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) && uploads_path(&parsed).is_some()
    }

    fn import(
        &mut self,
        tx: &mut crate::write::Tx<'_>,
        address: &str,
        meta: &Attachment,
        dry_run: bool,
        now: NaiveDateTime,
    ) -> Result<Option<Imported>, String> {
        let Some(tools) = &self.tools else {
            return Ok(None);
        };
        let received = self.fetch(tools, address)?;
        let filename = url::Url::parse(address)
            .ok()
            .and_then(|u| u.path_segments()?.next_back().map(str::to_owned));
        let upload = Upload {
            filename,
            alt: non_empty(&meta.alt),
            caption: non_empty(&meta.caption).or_else(|| non_empty(&meta.title)),
            credit: None,
            focal: None,
        };
        let ready = media::ingest(received.0.clone(), tools.render_budget, upload, now)
            .map_err(|e| e.detail)?;
        // The same picture imported before (by this import or an earlier one) is used again.
        let same = crate::media::repo::first_with_file(tx.conn(), &ready.row.sha256)
            .map_err(|e| e.to_string())?;
        if let Some(found) = same {
            return Ok(Some(Imported {
                id: found.id,
                filename: found.filename,
            }));
        }
        self.created += 1;
        if dry_run {
            return Ok(None);
        }
        let row = tx
            .attempt(|tx| media::record_in(tx, &tools.store, &tools.runtime, &ready))
            .map_err(|e| e.detail)?;
        Ok(Some(Imported {
            id: row.id,
            filename: row.filename,
        }))
    }

    /// The file at `address`, copied into the scratch folder.
    fn fetch(&self, tools: &Tools, address: &str) -> Result<Received, String> {
        let target = tools
            .scratch
            .join(uuid::Uuid::new_v4().simple().to_string());
        let received = Received(target);
        let mut out = std::fs::File::create(&received.0).map_err(|e| e.to_string())?;
        let too_large = || {
            format!(
                "the file is larger than {} bytes (BYLINE_MEDIA_MAX_BYTES)",
                tools.max_bytes
            )
        };
        match &self.source {
            Source::Keep => return Err("media files are not imported".to_owned()),
            Source::Uploads(dir) => {
                let path = local_file(dir, address)?;
                let file = std::fs::File::open(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let copied = std::io::copy(&mut file.take(tools.max_bytes + 1), &mut out)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                if copied > tools.max_bytes {
                    return Err(too_large());
                }
            }
            Source::Download { allow_private } => {
                let client = self.client.as_ref().ok_or("no HTTP client")?;
                let target = crate::webhooks::guard::parse(address).map_err(|e| e.detail)?;
                tools.runtime.block_on(async {
                    crate::webhooks::guard::resolve(&target, *allow_private)
                        .await
                        .map_err(|e| {
                            let field = e.errors.first().map(|f| f.message.clone());
                            field.unwrap_or(e.detail)
                        })?;
                    let mut answer = client
                        .get(target.url.clone())
                        .send()
                        .await
                        .map_err(|e| format!("the download failed: {}", causes(&e)))?;
                    if !answer.status().is_success() {
                        return Err(format!("the old site answered {}", answer.status()));
                    }
                    let mut size = 0u64;
                    while let Some(piece) = answer
                        .chunk()
                        .await
                        .map_err(|e| format!("the download failed: {}", causes(&e)))?
                    {
                        size += piece.len() as u64;
                        if size > tools.max_bytes {
                            return Err(too_large());
                        }
                        out.write_all(&piece).map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })?;
            }
        }
        out.sync_all().map_err(|e| e.to_string())?;
        Ok(received)
    }
}

/// An error with its causes, which say what went wrong (`error sending request` does not).
fn causes(e: &dyn std::error::Error) -> String {
    let mut said = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        said.push_str(": ");
        said.push_str(&c.to_string());
        cause = c.source();
    }
    said
}

/// A received file, removed when dropped.
struct Received(PathBuf);

impl Drop for Received {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The path of an uploaded file below the uploads folder: what follows `/wp-content/uploads/`
/// (or `/uploads/`) in its address, decoded, with no empty, `.` or `..` part.
fn uploads_path(url: &url::Url) -> Option<Vec<String>> {
    let path = url.path();
    let rest = path
        .find("/wp-content/uploads/")
        .map(|i| &path[i + "/wp-content/uploads/".len()..])
        .or_else(|| {
            path.find("/uploads/")
                .map(|i| &path[i + "/uploads/".len()..])
        })?;
    let mut parts = Vec::new();
    for part in rest.split('/') {
        let decoded = percent_decode(part)?;
        if decoded.is_empty()
            || decoded == "."
            || decoded == ".."
            || decoded.contains(['/', '\\', '\0'])
        {
            return None;
        }
        parts.push(decoded);
    }
    Some(parts)
}

fn percent_decode(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = part.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The local copy of an uploaded file: below `dir`, never outside it.
fn local_file(dir: &Path, address: &str) -> Result<PathBuf, String> {
    let url = url::Url::parse(address).map_err(|e| format!("not an address: {e}"))?;
    let parts =
        uploads_path(&url).ok_or_else(|| "the address is not in wp-content/uploads".to_owned())?;
    let root = dir
        .canonicalize()
        .map_err(|e| format!("the uploads folder {}: {e}", dir.display()))?;
    let path = parts.iter().fold(root.clone(), |p, part| p.join(part));
    let real = path
        .canonicalize()
        .map_err(|_| format!("no file {} in the uploads folder", parts.join("/")))?;
    if !real.starts_with(&root) || !real.is_file() {
        return Err(format!(
            "{} is not a file inside the uploads folder",
            parts.join("/")
        ));
    }
    Ok(real)
}

/// `…/photo-300x200.jpg` → `…/photo.jpg`: the original of a size WordPress made.
fn without_size(url: &str) -> String {
    let (stem, ext) = match url.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => (stem, Some(ext)),
        _ => (url, None),
    };
    let Some((base, size)) = stem.rsplit_once('-') else {
        return url.to_owned();
    };
    let sized = size
        .split_once('x')
        .is_some_and(|(w, h)| is_number(w) && is_number(h));
    match (sized, ext) {
        (true, Some(ext)) => format!("{base}.{ext}"),
        (true, None) => base.to_owned(),
        (false, _) => url.to_owned(),
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_wordpress_made_lead_to_their_original() {
        let u = "https://ex.com/wp-content/uploads/2019/02/photo-300x200.jpg";
        assert_eq!(
            without_size(u),
            "https://ex.com/wp-content/uploads/2019/02/photo.jpg"
        );
        let plain = "https://ex.com/wp-content/uploads/2019/02/photo-final.jpg";
        assert_eq!(without_size(plain), plain);
    }

    #[test]
    fn an_address_never_reaches_outside_the_uploads_folder() {
        let parse = |s: &str| uploads_path(&url::Url::parse(s).unwrap());
        assert_eq!(
            parse("https://ex.com/wp-content/uploads/2019/02/a%20b.jpg"),
            Some(vec!["2019".into(), "02".into(), "a b.jpg".into()])
        );
        assert_eq!(parse("https://ex.com/wp-content/uploads/%2e%2e/x"), None);
        assert_eq!(parse("https://ex.com/wp-content/uploads/a%2Fb/x"), None);
        assert_eq!(parse("https://ex.com/wp-content/uploads//x"), None);
        assert_eq!(parse("https://ex.com/other/x.jpg"), None);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("inside.jpg"), b"x").unwrap();
        assert!(local_file(dir.path(), "https://ex.com/wp-content/uploads/inside.jpg").is_ok());
        assert!(
            local_file(
                dir.path(),
                "https://ex.com/wp-content/uploads/..%2F..%2Fetc/passwd"
            )
            .is_err()
        );
        assert!(local_file(dir.path(), "https://ex.com/wp-content/uploads/missing.jpg").is_err());
    }
}
