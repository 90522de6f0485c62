//! Writes generated articles in large batches.

use crate::articles::model::Article;
use crate::db::AnyConnection;

/// One batch of articles, in one write through the write path.
pub fn insert_articles(conn: &mut AnyConnection, rows: &[Article]) -> anyhow::Result<()> {
    super::system_write(conn, |tx| crate::articles::service::import(tx, rows))
}
