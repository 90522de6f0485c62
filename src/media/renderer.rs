//! Making renditions: once per rendition however many ask at once (a flight per key), at
//! most a few at a time, each holding the memory its decode will take (counted from the
//! image's header) out of the render budget, on the render threads; the result is kept in
//! the store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::FutureExt;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use tokio::sync::Semaphore;

use super::render::{self, Flights, RenderError, Spec};
use super::sniff::Kind;
use super::store::Store;
use crate::domain::{Code, Error, FieldError};

/// What renders share.
#[derive(Clone)]
pub struct Renderer {
    store: Store,
    flights: Arc<Flights>,
    made: Arc<AtomicU64>,
    permits: Arc<Semaphore>,
    /// The render memory budget, one permit per MiB.
    memory: Arc<Semaphore>,
    /// That budget in bytes.
    budget: u64,
    /// The threads renders run on.
    threads: Arc<render::RenderThreads>,
}

/// One rendition to make.
#[derive(Clone)]
pub struct Job {
    /// Where the original is.
    pub original: Path,
    /// Where the rendition goes.
    pub key: Path,
    /// The original's kind.
    pub kind: Kind,
    /// What to make.
    pub spec: Spec,
}

impl Renderer {
    /// Renders into `store`, `at_once` at a time, within `budget` bytes of decoded images
    /// at once.
    pub fn new(store: Store, budget: u64, at_once: usize) -> std::io::Result<Self> {
        let mib = usize::try_from(budget >> 20).unwrap_or(usize::MAX).max(1);
        Ok(Self {
            store,
            flights: Arc::new(Flights::default()),
            made: Arc::new(AtomicU64::new(0)),
            permits: Arc::new(Semaphore::new(at_once.max(1))),
            memory: Arc::new(Semaphore::new(mib.min(Semaphore::MAX_PERMITS))),
            budget,
            threads: Arc::new(render::RenderThreads::start(at_once.max(1))?),
        })
    }

    /// The render budget in bytes.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    /// Renditions made since start.
    pub fn made(&self) -> u64 {
        self.made.load(Ordering::Relaxed)
    }

    /// The rendition's bytes: from the store, or made now (once, whoever else asks).
    pub async fn rendition(&self, job: Job) -> Result<Bytes, Error> {
        if let Ok(found) = self.store.get(&job.key).await {
            return found.bytes().await.map_err(Error::internal);
        }
        let renderer = self.clone();
        let flight_key = job.key.to_string();
        self.flights
            .once(&flight_key, move || {
                async move { renderer.make(job).await }.boxed()
            })
            .await
            .map_err(render_error)
    }

    async fn make(&self, job: Job) -> Result<Bytes, RenderError> {
        let failed = |e: &dyn std::fmt::Display| RenderError::Failed(e.to_string());
        // Another process, or a flight that just ended, may have made it.
        if let Ok(found) = self.store.get(&job.key).await {
            return found.bytes().await.map_err(|e| failed(&e));
        }
        let source = self
            .store
            .get(&job.original)
            .await
            .map_err(|e| failed(&e))?
            .bytes()
            .await
            .map_err(|e| failed(&e))?;
        // Held in memory permits (MiB) by what the header says the decode will take, so
        // that renders together stay in budget.
        let (w, h, color) = render::header(&source, job.kind)?;
        let cost = render::cost(w, h, color, source.len() as u64, job.spec.encoding);
        if cost > self.budget {
            return Err(RenderError::TooLarge(cost));
        }
        let mib = u32::try_from(cost.div_ceil(1 << 20)).unwrap_or(u32::MAX);
        let _memory = self
            .memory
            .clone()
            .acquire_many_owned(mib.max(1))
            .await
            .map_err(|e| failed(&e))?;
        let _permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| failed(&e))?;
        let (kind, spec, budget) = (job.kind, job.spec, self.budget);
        let made_now = self
            .threads
            .run(move || render::render(&source, kind, spec, budget))
            .await??;
        self.made.fetch_add(1, Ordering::Relaxed);
        let bytes = Bytes::from(made_now);
        self.store
            .put(&job.key, PutPayload::from_bytes(bytes.clone()))
            .await
            .map_err(|e| failed(&e))?;
        Ok(bytes)
    }
}

/// What a failed render tells the client.
fn render_error(e: RenderError) -> Error {
    match e {
        RenderError::Undecodable(why) => file_error(
            Code::Damaged,
            format!("the stored image does not decode: {why}"),
        ),
        RenderError::TooLarge(cost) => file_error(
            Code::TooLargeToRender,
            format!(
                "this rendition needs {} MiB of memory to make, more than renders may hold \
                 (BYLINE_MEDIA_RENDER_MIB); ask for another format",
                cost.div_ceil(1 << 20)
            ),
        ),
        RenderError::Failed(why) => Error::internal(why),
    }
}

/// A 422 about the file.
fn file_error(code: Code, message: impl Into<String>) -> Error {
    Error::validation(vec![FieldError::new("file", code, message)])
}
