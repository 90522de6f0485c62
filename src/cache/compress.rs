//! Compression of cache entries, once per fill, on a thread of its own: the cost grows with
//! the body, so it never runs on a request worker. A full queue refuses work (the answer is
//! then simply not cached) rather than making readers wait.

use std::io::Write;
use std::sync::mpsc;

use bytes::Bytes;
use tokio::sync::oneshot;

type Job = (Bytes, oneshot::Sender<(Bytes, Bytes)>);

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
                for (body, reply) in queue {
                    if let (Some(gz), Some(br)) = (gzip(&body), brotli(&body)) {
                        let _ = reply.send((gz, br));
                    }
                }
            })?;
        Ok(Self { jobs })
    }

    /// The gzip and brotli forms of `body`, or `None` when the thread is too busy.
    pub async fn both(&self, body: Bytes) -> Option<(Bytes, Bytes)> {
        let (reply, answer) = oneshot::channel();
        self.jobs.try_send((body, reply)).ok()?;
        answer.await.ok()
    }
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
