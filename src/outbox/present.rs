//! What an event says of its resource: its public JSON, exactly as a public `GET` answers
//! it. The outbox does not write that JSON itself: the layer that owns the public shape of
//! each resource (the HTTP layer's wire types) installs a [`Presenter`] at start-up
//! ([`install`]; the server and the command line both do), and the outbox asks it. So a
//! webhook payload is the `GET` body by construction.

use std::any::Any;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDateTime;

use crate::db::AnyConnection;
use crate::domain::Result;
use crate::domain::change::Subject;

/// A resource as an event shows it.
#[derive(Debug, Default)]
pub struct Presented {
    /// Its slug, if it has one.
    pub slug: Option<String>,
    /// Its version, if it has one.
    pub version: Option<i64>,
    /// Its public JSON, while the public may see it.
    pub json: Option<String>,
}

/// Makes resources' public JSON for events.
pub trait Presenter: Send + Sync {
    /// The resource as the write leaves it, read on the write's connection; `None` when it
    /// no longer exists.
    fn present(
        &self,
        conn: &mut AnyConnection,
        subject: Subject,
        id: &str,
        at: NaiveDateTime,
    ) -> Result<Option<Presented>>;

    /// The public JSON of an article the write already holds (handed over as its row), or
    /// `None` while the public may not see it at `at`.
    fn article(&self, conn: &mut AnyConnection, row: &dyn Any, at: NaiveDateTime)
    -> Option<String>;
}

/// The presenter of a write path that makes no event data (maintenance outside the server).
pub struct NoData;

impl Presenter for NoData {
    fn present(
        &self,
        _: &mut AnyConnection,
        _: Subject,
        _: &str,
        _: NaiveDateTime,
    ) -> Result<Option<Presented>> {
        Ok(None)
    }

    fn article(&self, _: &mut AnyConnection, _: &dyn Any, _: NaiveDateTime) -> Option<String> {
        None
    }
}

static INSTALLED: OnceLock<Arc<dyn Presenter>> = OnceLock::new();

/// Installs the presenter of this process's events; the first one installed stays.
pub fn install(presenter: Arc<dyn Presenter>) {
    let _ = INSTALLED.set(presenter);
}

/// The installed presenter, or one that makes no data.
pub fn installed() -> Arc<dyn Presenter> {
    INSTALLED.get().cloned().unwrap_or_else(|| Arc::new(NoData))
}
