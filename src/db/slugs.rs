//! Inserting a row that needs a unique slug, shared by categories, authors and articles.

use diesel::QueryResult;

use super::{AnyConnection, write_transaction};
use crate::http::ApiError;

/// How often an insert is retried when a concurrent one took the generated slug first.
const ATTEMPTS: usize = 5;

/// Runs `insert` with a slug in a write transaction. A `chosen` slug that is taken answers
/// `conflict()`; a generated one takes `base` or the next free `base-N`. `taken` lists the
/// slugs in use that are `base` or start with `base-`.
pub fn insert_with_slug<T>(
    conn: &mut AnyConnection,
    base: &str,
    chosen: bool,
    taken: impl Fn(&mut AnyConnection, &str) -> QueryResult<Vec<String>>,
    mut insert: impl FnMut(&mut AnyConnection, String) -> Result<T, ApiError>,
    conflict: impl Fn() -> ApiError,
) -> Result<T, ApiError> {
    for _attempt in 0..ATTEMPTS {
        let result = write_transaction(conn, |conn| {
            let in_use = taken(conn, base)?;
            let slug = if chosen {
                if in_use.iter().any(|s| s == base) {
                    return Err(conflict());
                }
                base.to_owned()
            } else {
                crate::slug::first_free(base, &in_use)
            };
            insert(conn, slug)
        });
        match result {
            // A unique violation: someone inserted the same slug between our read and write.
            Err(e) if e.code() == "conflict" && !chosen => continue,
            Err(e) if e.code() == "conflict" => return Err(conflict()),
            other => return other,
        }
    }
    Err(ApiError::conflict(
        "slug_taken",
        "could not find a free slug; give one explicitly",
    ))
}
