//! Hearing other processes' invalidations (PostgreSQL only): a thread keeps a listening
//! connection, applies what arrives within [`POLL`], and, whenever the connection is lost,
//! flushes the whole cache (it may have missed changes meanwhile) and connects again.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::{ResponseCache, receive};
use crate::db::DatabaseUrl;
use crate::db::listen::Listener;

/// How often arrived notifications are read.
pub const POLL: Duration = Duration::from_millis(50);
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
        let mut last_count = Instant::now() - COUNT;
        loop {
            std::thread::sleep(POLL);
            let Some(cache) = cache.upgrade() else {
                return;
            };
            let alive = match listener.take() {
                Ok(messages) => {
                    for message in &messages {
                        receive(&cache, message);
                    }
                    if last_count.elapsed() >= COUNT {
                        last_count = Instant::now();
                        match listener.others() {
                            // With nobody else listening, writes skip NOTIFY, which makes
                            // PostgreSQL serialize their commits.
                            Ok(others) => {
                                cache.set_peers(others > 0);
                                true
                            }
                            Err(_) => false,
                        }
                    } else {
                        true
                    }
                }
                Err(_) => false,
            };
            if !alive {
                tracing::warn!("cache invalidations: the listening connection was lost");
                cache.set_peers(true);
                cache.flush();
                break;
            }
        }
    }
}
