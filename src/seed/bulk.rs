//! Writes generated articles in large batches.

use diesel::prelude::*;

use crate::articles::model::Article;
use crate::db::AnyConnection;

/// One batch of articles, in one transaction.
pub fn insert_articles(conn: &mut AnyConnection, rows: &[Article]) -> anyhow::Result<()> {
    use crate::db::schema::articles::dsl as a;
    crate::db::write_transaction(conn, |conn| -> anyhow::Result<()> {
        // Multi-row inserts are backend-specific in Diesel, hence the match.
        for part in rows.chunks(250) {
            let insert = diesel::insert_into(a::articles).values(part);
            match conn {
                AnyConnection::Pg(pg) => insert.execute(pg)?,
                AnyConnection::Sqlite(lite) => insert.execute(lite)?,
            };
        }
        Ok(())
    })
}
