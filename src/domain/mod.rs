//! What every layer shares: the error type and its codes, the enumerated values stored as
//! text, who is calling, how resources are named and paged. Nothing here knows about HTTP or
//! a particular database.

pub mod caller;
pub mod change;
pub mod cursor;
pub mod error;
pub mod ids;
pub mod keys;
pub mod kinds;
pub mod lock;
pub mod media;
pub mod page;
pub mod patch;
pub mod time;

pub use error::{Code, Error, FieldError, Result};
pub use ids::{
    ArticleId, AuthorId, CategoryId, CorrectionId, Identifier, MediaId, NoteId, PreviewId, TagId,
    UserId,
};
pub use keys::{IdOrSlug, IfMatch, Lookup, stamp};
pub use kinds::{
    CorrectionKind, DeliveryStatus, EventType, IdempotencyState, Named, Role, Scope, Status,
    TimerKind,
};
pub use lock::EditLock;
pub use patch::Patch;

/// `n` and the noun in the number it takes: `1 article`, `2 articles`, `0 articles`.
pub fn counted(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A list of ids as a row keeps it (an article's tags): in order, comma-separated.
pub fn join_ids<I: AsRef<str>>(ids: &[I]) -> String {
    let texts: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    texts.join(",")
}

/// The ids of a [`join_ids`] column, in order.
pub fn split_ids<I: From<String>>(joined: &str) -> Vec<I> {
    joined
        .split(',')
        .filter(|id| !id.is_empty())
        .map(|id| I::from(id.to_owned()))
        .collect()
}

#[cfg(test)]
mod id_list_tests {
    use super::*;

    #[test]
    fn ids_round_trip_in_order() {
        let ids = vec!["b".to_owned(), "a".to_owned()];
        assert_eq!(split_ids::<String>(&join_ids(&ids)), ids);
        assert!(split_ids::<TagId>("").is_empty());
    }
}
