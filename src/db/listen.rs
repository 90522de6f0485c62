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

/// How often the fallback listener (a connection over TLS, which the socket listener does
/// not speak) reads arrived notifications.
pub const POLL: std::time::Duration = std::time::Duration::from_millis(10);

/// A connection that listens; it is no pooled connection, since it stays open. It waits on
/// its socket, so a notification is read as soon as it arrives; where the URL asks for TLS
/// it is a libpq connection read every [`POLL`] instead.
pub enum Listener {
    /// A `tokio-postgres` connection, driven on a runtime of its own thread.
    Socket(Box<Socket>),
    /// A libpq connection, polled.
    Polled(PgConnection),
}

/// The parts of the socket listener.
pub struct Socket {
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    arrived: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl Listener {
    /// Connects and starts listening; `None` for SQLite.
    pub fn connect(url: &DatabaseUrl) -> Result<Option<Self>, String> {
        if url.backend() != Backend::Postgres {
            return Ok(None);
        }
        let config: Option<tokio_postgres::Config> = url.target().parse().ok();
        match config {
            Some(config) if config.get_ssl_mode() != tokio_postgres::config::SslMode::Require => {
                Socket::connect(&config).map(|s| Some(Self::Socket(Box::new(s))))
            }
            _ => Self::connect_polled(url).map(Some),
        }
    }

    fn connect_polled(url: &DatabaseUrl) -> Result<Self, String> {
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
        Ok(Self::Polled(conn))
    }

    /// Whether this listener waits on its socket (else it polls every [`POLL`]).
    pub fn waits_on_socket(&self) -> bool {
        matches!(self, Self::Socket(_))
    }

    /// The payloads that arrive within `max` (returning as soon as one does), or an error
    /// when the connection is gone.
    pub fn wait(&mut self, max: std::time::Duration) -> Result<Vec<String>, String> {
        match self {
            Self::Socket(socket) => socket.wait(max),
            Self::Polled(conn) => {
                std::thread::sleep(max.min(POLL));
                conn.notifications_iter()
                    .map(|n| n.map(|n| n.payload).map_err(|e| e.to_string()))
                    .collect()
            }
        }
    }

    /// How many other connections listen on this channel (other processes' listeners,
    /// which name themselves after it); also a round trip that finds a dead connection.
    pub fn others(&mut self) -> Result<i64, String> {
        let sql = format!(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE application_name = {CHANNEL} AND pid <> pg_backend_pid()"
        );
        match self {
            Self::Socket(socket) => {
                let Socket {
                    runtime, client, ..
                } = socket.as_mut();
                // The timer is made inside the runtime, which it needs.
                runtime
                    .block_on(async {
                        tokio::time::timeout(
                            std::time::Duration::from_secs(10),
                            client.query_one(&sql, &[]),
                        )
                        .await
                    })
                    .map_err(|_| "counting the listeners took too long".to_owned())?
                    .and_then(|row| row.try_get::<_, i64>(0))
                    .map_err(|e| e.to_string())
            }
            Self::Polled(conn) => {
                #[derive(QueryableByName)]
                struct Count {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    n: i64,
                }
                let count: Count = diesel::sql_query(sql)
                    .get_result(conn)
                    .map_err(|e| e.to_string())?;
                Ok(count.n)
            }
        }
    }
}

impl Socket {
    fn connect(config: &tokio_postgres::Config) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        // The URL carries `connect_timeout` (see `DatabaseUrl::parse`).
        let (client, arrived) = runtime.block_on(async {
            let (client, mut connection) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            let (send, arrived) = tokio::sync::mpsc::unbounded_channel();
            // Drives the connection: notifications go to the channel; when the connection
            // ends, so does the sender, which the waiting side reads as a loss.
            tokio::spawn(async move {
                let mut messages =
                    futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                while let Some(Ok(message)) = futures_util::StreamExt::next(&mut messages).await {
                    if let tokio_postgres::AsyncMessage::Notification(n) = message
                        && send.send(n.payload().to_owned()).is_err()
                    {
                        return;
                    }
                }
            });
            let row = client
                .query_one(&format!("SELECT {CHANNEL}"), &[])
                .await
                .map_err(|e| e.to_string())?;
            let channel: String = row.try_get(0).map_err(|e| e.to_string())?;
            client
                .batch_execute(&format!(
                    "SET application_name = '{channel}'; LISTEN \"{channel}\""
                ))
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((client, arrived))
        })?;
        Ok(Self {
            runtime,
            client,
            arrived,
        })
    }

    fn wait(&mut self, max: std::time::Duration) -> Result<Vec<String>, String> {
        let Self {
            runtime, arrived, ..
        } = self;
        let first = runtime.block_on(async { tokio::time::timeout(max, arrived.recv()).await });
        let mut payloads = match first {
            Err(_) => return Ok(Vec::new()),
            Ok(None) => return Err("the listening connection ended".to_owned()),
            Ok(Some(payload)) => vec![payload],
        };
        while let Ok(more) = arrived.try_recv() {
            payloads.push(more);
        }
        Ok(payloads)
    }
}
