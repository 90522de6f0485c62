//! `byline seed`: `--demo` loads a few hand-written authors, categories and articles, so a
//! new installation shows a working newsroom at once; `--synthetic N` loads many generated
//! ones for benchmarks.
//!
//! `demo` holds the hand-written newsroom, `generator` makes the synthetic articles, and
//! `bulk` writes them in batches.

mod bulk;
mod demo;
mod generator;

pub use demo::demo;
pub use generator::{Synthetic, synthetic};
