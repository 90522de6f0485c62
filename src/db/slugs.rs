//! Inserting a row that needs a unique slug, shared by categories, authors and articles.

use diesel::{Connection, QueryResult};

use super::{AnyConnection, lock_name};
use crate::domain::{Code, Error};

/// How often an insert is retried when a concurrent one took the generated slug first. With
/// the stem's lock taken, that happens only when a rename races the insert.
const ATTEMPTS: usize = 10;

/// Runs `insert` with a slug, inside the caller's write transaction. A `chosen` slug that is taken answers
/// `conflict()`; a generated one takes `base` or the next free `stem-N` (see
/// [`crate::slug::first_free`]). `taken` lists the slugs in use that are `base` or start with
/// the given stem followed by `-`.
pub fn insert_with_slug<T>(
    conn: &mut AnyConnection,
    base: &str,
    chosen: bool,
    taken: impl Fn(&mut AnyConnection, &str, &str) -> QueryResult<Vec<String>>,
    mut insert: impl FnMut(&mut AnyConnection, String) -> Result<T, Error>,
    conflict: impl Fn() -> Error,
) -> Result<T, Error> {
    let stem = crate::slug::stem(base);
    for _attempt in 0..ATTEMPTS {
        let result = attempt(conn, |conn| {
            if !chosen {
                // Concurrent inserts of one title take turns from here to commit, so each
                // sees the slugs the others took.
                lock_name(conn, &format!("slug:{stem}"))?;
            }
            let in_use = taken(conn, base, &stem)?;
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
            Err(e) if e.code == Code::Conflict && !chosen => continue,
            Err(e) if e.code == Code::Conflict => return Err(conflict()),
            other => return other,
        }
    }
    Err(Error::new(
        Code::SlugTaken,
        "no free slug was found; give one explicitly",
    ))
}

/// One try of an insert inside a write. On PostgreSQL a savepoint, so that a unique violation
/// leaves the write usable for the next try; SQLite runs one writer at a time, so no other
/// insert can take the slug between the read and the write, and the try needs no savepoint.
fn attempt<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, Error>,
) -> Result<T, Error> {
    match conn {
        AnyConnection::Pg(_) => conn.transaction(f),
        AnyConnection::Sqlite(_) => f(conn),
    }
}
