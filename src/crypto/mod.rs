//! Secrets and passwords: random tokens and their hashes, and argon2id password hashing on a
//! thread of its own.

pub mod password;
pub mod secrets;
