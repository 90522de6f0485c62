//! Hearing other processes' invalidations (PostgreSQL only): a thread keeps a listening
//! connection, waits on its socket and applies each notification as it arrives, and,
//! whenever the connection is lost, flushes the whole cache (it may have missed changes
//! meanwhile) and connects again. Over TLS the connection is read every
//! [`crate::db::listen::POLL`] instead.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::{ResponseCache, receive};
use crate::db::DatabaseUrl;
use crate::db::listen::Listener;

/// How often the other listeners are counted (a round trip that also finds a dead
/// connection).
const COUNT: Duration = Duration::from_millis(500);
/// How long a process that has just begun to listen stores nothing: longer than the others
/// take to count it, so that none of their writes goes unheard by an entry it stores.
const GRACE: Duration = Duration::from_millis(1500);
/// How long to wait before connecting again.
const RETRY: Duration = Duration::from_secs(1);

/// Starts the listening thread; it ends when the cache is dropped. Nothing on SQLite or
/// with the cache off.
pub fn spawn(url: DatabaseUrl, cache: &Arc<ResponseCache>) -> std::io::Result<()> {
    if !cache.enabled() || url.sqlite_path().is_some() {
        return Ok(());
    }
    let cache = Arc::downgrade(cache);
    std::thread::Builder::new()
        .name("byline-cache-listen".to_owned())
        .spawn(move || run(&url, &cache))
        .map(|_| ())
}

fn run(url: &DatabaseUrl, cache: &Weak<ResponseCache>) {
    let mut first = true;
    loop {
        let mut listener = match Listener::connect(url) {
            Ok(Some(listener)) => listener,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!("cache invalidations: cannot listen ({error}); retrying");
                std::thread::sleep(RETRY);
                if cache.strong_count() == 0 {
                    return;
                }
                continue;
            }
        };
        // Changes made while no connection listened were not heard: start afresh.
        match cache.upgrade() {
            Some(cache) => {
                if !first {
                    cache.flush();
                }
                cache.hold_fills(GRACE);
            }
            None => return,
        }
        first = false;
        if !listener.waits_on_socket() {
            tracing::info!(
                "cache invalidations: the database URL asks for TLS, so the listening \
                 connection is read every {} ms",
                crate::db::listen::POLL.as_millis()
            );
        }
        let mut next_count = Instant::now();
        loop {
            let Some(cache) = cache.upgrade() else {
                return;
            };
            let mut alive = true;
            let now = Instant::now();
            if now >= next_count {
                next_count = now + COUNT;
                match listener.others() {
                    // With nobody else listening, writes skip NOTIFY, which makes
                    // PostgreSQL serialize their commits.
                    Ok(others) => cache.set_peers(others > 0),
                    Err(_) => alive = false,
                }
            }
            if alive {
                // Wakes as soon as a notification arrives, or to count again.
                match listener.wait(next_count.saturating_duration_since(Instant::now())) {
                    Ok(messages) => {
                        for message in &messages {
                            receive(&cache, message);
                        }
                    }
                    Err(_) => alive = false,
                }
            }
            if !alive {
                tracing::warn!("cache invalidations: the listening connection was lost");
                cache.set_peers(true);
                cache.flush();
                break;
            }
        }
    }
}
