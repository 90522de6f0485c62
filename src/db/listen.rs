//! PostgreSQL notifications between Byline processes on one database: a write sends one in
//! its transaction (delivered at commit, dropped on rollback), and every process keeps a
//! connection that listens. The channel is named after the schema, so that servers on
//! different schemas of one database (the tests') do not hear each other.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{AnyConnection, Backend, DatabaseUrl, QueryResult};

/// The channel of this connection's schema.
const CHANNEL: &str = "'byline_cache_' || left(md5(current_schema()), 16)";

/// Sends `payload` to the listeners of this schema when the current transaction commits.
/// Nothing on SQLite, where one process owns the database.
pub fn notify(conn: &mut AnyConnection, payload: &str) -> QueryResult<()> {
    super::on_postgres(conn, |pg| {
        diesel::sql_query(format!("SELECT pg_notify({CHANNEL}, $1)"))
            .bind::<Text, _>(payload)
            .execute(pg)
            .map(|_| ())
    })
}

#[derive(QueryableByName)]
struct Channel {
    #[diesel(sql_type = Text)]
    name: String,
}

/// A connection that listens; it is no pooled connection, since it stays open.
pub struct Listener {
    conn: PgConnection,
}

impl Listener {
    /// Connects and starts listening; `None` for SQLite.
    pub fn connect(url: &DatabaseUrl) -> Result<Option<Self>, String> {
        if url.backend() != Backend::Postgres {
            return Ok(None);
        }
        let mut conn = PgConnection::establish(url.target()).map_err(|e| e.to_string())?;
        let channel: Channel = diesel::sql_query(format!("SELECT {CHANNEL} AS name"))
            .get_result(&mut conn)
            .map_err(|e| e.to_string())?;
        // Named after its channel, so an operator (or a test) can tell it apart.
        diesel::sql_query(format!("SET application_name = '{}'", channel.name))
            .execute(&mut conn)
            .map_err(|e| e.to_string())?;
        diesel::sql_query(format!("LISTEN \"{}\"", channel.name))
            .execute(&mut conn)
            .map_err(|e| e.to_string())?;
        Ok(Some(Self { conn }))
    }

    /// The payloads received since the last call; an error when the connection is gone.
    pub fn take(&mut self) -> QueryResult<Vec<String>> {
        self.conn
            .notifications_iter()
            .map(|n| n.map(|n| n.payload))
            .collect()
    }

    /// How many other connections listen on this channel (other processes' listeners,
    /// which name themselves after it); also a round trip that finds a dead connection.
    pub fn others(&mut self) -> QueryResult<i64> {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE application_name = {CHANNEL} AND pid <> pg_backend_pid()"
        ))
        .get_result(&mut self.conn)?;
        Ok(count.n)
    }
}
