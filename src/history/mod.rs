//! What the write path keeps beside each change: article revisions and the audit log. The
//! rows are written by [`repo::record`] inside the change's own transaction, so neither a
//! change without its record nor a record without its change can ever be committed.

pub mod model;
pub mod repo;
