//! The outbox: the events table that every change writes in its own transaction
//! ([`repo::record`], called by the write path), the names of events, the public views their
//! `data` carries, and the timers of time-driven events. A store: it reads the content
//! tables itself rather than importing the content modules, which write through the write
//! path that calls it.

pub mod model;
pub mod present;
pub mod repo;
pub mod types;
