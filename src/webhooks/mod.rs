//! Webhooks: receivers that hear about events as they happen.
//!
//! Admins register a URL and the event types it wants (`service`). A dispatcher beside the
//! server (`deliver`) fans each committed event out to a durable delivery row per matching
//! webhook, then sends deliveries signed the Standard Webhooks way (`sign`), retrying failures
//! on a schedule for more than a day. Every address is checked before it is used (`guard`).

pub mod deliver;
pub mod guard;
pub mod model;
pub mod repo;
pub mod service;
pub mod sign;
