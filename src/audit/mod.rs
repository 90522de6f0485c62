//! The audit log as admins read it, and the sweeps that keep history within its retention.

pub mod service;
