//! Compression of cache entries on a thread of its own: the cost grows with the body, so it
//! never runs on a request worker. Each entry is packed once (zstd), which keeps it at about
//! a third of its size; gzip and brotli are made only for an entry read again by a client
//! that takes them. A full queue refuses work (the entry then stays as it is, and a later
//! read asks again) rather than making readers wait.

use std::io::Write;
use std::sync::mpsc;

use bytes::Bytes;
use tokio::sync::oneshot;

enum Job {
    Pack(Bytes, oneshot::Sender<Bytes>),
    Both(super::Body, oneshot::Sender<(Bytes, Bytes)>),
}

/// The zstd level entries are packed at: level 3 keeps a JSON body at a third of its size or
/// less, at hundreds of megabytes a second.
const PACK_LEVEL: i32 = 3;

/// Bodies up to this size are unpacked on the request worker (tens of microseconds at
/// most); larger ones on the blocking pool.
pub const UNPACK_INLINE: usize = 256 * 1024;

/// Jobs that may wait for the compression thread.
const QUEUE: usize = 64;

/// A handle to the compression thread; cheap to clone.
#[derive(Clone, Debug)]
pub struct Compressor {
    jobs: mpsc::SyncSender<Job>,
}

impl Compressor {
    /// Starts the thread.
    pub fn start() -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("byline-compress".to_owned())
            .spawn(move || {
                let mut packer = zstd::bulk::Compressor::new(PACK_LEVEL).ok();
                let mut out = Vec::new();
                for job in queue {
                    match job {
                        Job::Pack(body, reply) => {
                            if let Some(zstd) =
                                packer.as_mut().and_then(|p| pack(p, &body, &mut out))
                            {
                                let _ = reply.send(zstd);
                            }
                        }
                        Job::Both(body, reply) => {
                            let Some(body) = body.plain() else { continue };
                            if let (Some(gz), Some(br)) = (gzip(&body), brotli(&body)) {
                                let _ = reply.send((gz, br));
                            }
                        }
                    }
                }
            })?;
        Ok(Self { jobs })
    }

    /// The gzip and brotli forms of `body`, or `None` when the thread is too busy.
    pub async fn both(&self, body: super::Body) -> Option<(Bytes, Bytes)> {
        let (reply, answer) = oneshot::channel();
        self.jobs.try_send(Job::Both(body, reply)).ok()?;
        answer.await.ok()
    }

    /// Asks for `body` packed; `None` at once when the thread is too busy, else the
    /// receiver of the packed body (closed if it could not be packed).
    pub fn pack(&self, body: Bytes) -> Option<oneshot::Receiver<Bytes>> {
        let (reply, answer) = oneshot::channel();
        self.jobs.try_send(Job::Pack(body, reply)).ok()?;
        Some(answer)
    }
}

/// `body` packed with zstd into `out` (reused between bodies), and copied out at its size;
/// `None` when packing would not save a tenth.
fn pack(
    packer: &mut zstd::bulk::Compressor<'static>,
    body: &[u8],
    out: &mut Vec<u8>,
) -> Option<Bytes> {
    out.clear();
    out.reserve(zstd::compress_bound(body.len()));
    packer.compress_to_buffer(body, out).ok()?;
    (out.len() < body.len() - body.len() / 10).then(|| Bytes::copy_from_slice(out))
}

thread_local! {
    /// A decompression context per thread, made once (making one costs more than
    /// unpacking a short body).
    static UNPACKER: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// The body a packed entry holds, `len` bytes long.
pub fn unpack(zstd: &[u8], len: usize) -> Option<Bytes> {
    UNPACKER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let unpacker = match slot.as_mut() {
            Some(u) => u,
            None => slot.insert(zstd::bulk::Decompressor::new().ok()?),
        };
        let body = unpacker.decompress(zstd, len).ok()?;
        (body.len() == len).then(|| Bytes::from(body))
    })
}

/// gzip at level 6, the usual balance of size and speed.
pub fn gzip(body: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(exact)
}

/// brotli at quality 5: most of the size gain of higher levels at a fraction of the time.
pub fn brotli(body: &[u8]) -> Option<Bytes> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        writer.write_all(body).ok()?;
        writer.flush().ok()?;
    }
    Some(exact(out))
}

/// The bytes in an allocation of their own size: an entry lives long in the cache, and the
/// room a growing buffer kept at its end would be held with it, unweighed.
fn exact(mut bytes: Vec<u8>) -> Bytes {
    bytes.shrink_to_fit();
    Bytes::from(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_packed_body_unpacks_to_itself_and_a_short_one_stays_plain() {
        let body = "{\"title\": \"Stocks slip as oil climbs\"}".repeat(50);
        let mut packer = zstd::bulk::Compressor::new(PACK_LEVEL).unwrap();
        let mut out = Vec::new();
        let packed = pack(&mut packer, body.as_bytes(), &mut out).unwrap();
        assert!(packed.len() < body.len() / 5);
        assert_eq!(unpack(&packed, body.len()).unwrap(), body.as_bytes());
        assert!(unpack(&packed, body.len() - 1).is_none(), "a wrong length");
        assert!(unpack(b"not zstd", 8).is_none());
        assert!(pack(&mut packer, b"{}", &mut out).is_none());
    }

    #[test]
    fn both_forms_decode_to_the_body() {
        let body = "{\"title\": \"Stocks slip as oil climbs\"}".repeat(50);
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gzip(body.as_bytes()).unwrap()[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, body);
        let mut back = String::new();
        brotli::Decompressor::new(&brotli(body.as_bytes()).unwrap()[..], 4096)
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, body);
    }
}
