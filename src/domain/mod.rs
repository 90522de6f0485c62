//! What every layer shares: the error type and its codes, the enumerated values stored as
//! text, who is calling, how resources are named and paged. Nothing here knows about HTTP or
//! a particular database.

pub mod caller;
pub mod change;
pub mod cursor;
pub mod error;
pub mod keys;
pub mod kinds;
pub mod page;
pub mod patch;
pub mod time;

pub use error::{Code, Error, FieldError, Result};
pub use keys::{IdOrSlug, IfMatch, Lookup, stamp};
pub use kinds::{Named, Role, Scope, Status};
pub use patch::Patch;

/// `n` and the noun in the number it takes: `1 article`, `2 articles`, `0 articles`.
pub fn counted(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
