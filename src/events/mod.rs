//! Events: what changed, for everyone who needs to know without asking.
//!
//! Every change to a public-facing resource (articles, authors, categories) writes an event
//! in the change's own transaction (`crate::outbox`). Time makes events too: the scheduler
//! ([`service::schedule_forever`]) turns a scheduled story coming due and an expiry into
//! `article.published` and `article.expired`, once across every process on the database.
//! The changes feed reads them in commit order ([`service::changes`]); webhooks fan them
//! out to receivers (`crate::webhooks`).

pub mod service;
