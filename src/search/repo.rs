//! The rows typeahead reads: names of sections, tags and authors that hold a word, and
//! article titles by prefix (`articles::repo::titles_starting`).

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{authors, categories, tags};

/// A named resource: id, slug and name.
pub type Named = (String, String, String);

/// How many names of one kind are read to pick from; sections, tags and authors are
/// hundreds, not millions, and the pick is made in memory.
const READ: i64 = 200;

/// Sections, tags and authors whose name contains `word` (lower-case; any case in the
/// name), in name order.
pub fn names_containing(
    conn: &mut AnyConnection,
    word: &str,
) -> QueryResult<(Vec<Named>, Vec<Named>, Vec<Named>)> {
    let pattern = crate::db::contains_pattern(&crate::tags::model::name_key(word));
    let tags: Vec<Named> = tags::table
        .filter(tags::name_key.like(pattern).escape('\\'))
        .order((tags::name_key.asc(), tags::id.asc()))
        .select((tags::id, tags::slug, tags::name))
        .limit(READ)
        .load(conn)?;
    let pattern = crate::db::contains_pattern(&crate::authors::model::name_key(word));
    let authors: Vec<Named> = authors::table
        .filter(authors::name_key.like(pattern).escape('\\'))
        .order((authors::name_key.asc(), authors::id.asc()))
        .select((authors::id, authors::slug, authors::name))
        .limit(READ)
        .load(conn)?;
    // Sections have no folded name column: they are few, and all are read.
    let categories: Vec<Named> = categories::table
        .order((categories::name.asc(), categories::id.asc()))
        .select((categories::id, categories::slug, categories::name))
        .limit(READ * 10)
        .load(conn)?;
    Ok((categories, tags, authors))
}
