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
/// How often a quiet connection is checked with a round trip.
const PING: Duration = Duration::from_secs(5);
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
            Some(cache) if !first => cache.flush(),
            Some(_) => {}
            None => return,
        }
        first = false;
        let mut last_ping = Instant::now();
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
                    if last_ping.elapsed() >= PING {
                        last_ping = Instant::now();
                        listener.ping().is_ok()
                    } else {
                        true
                    }
                }
                Err(_) => false,
            };
            if !alive {
                tracing::warn!("cache invalidations: the listening connection was lost");
                cache.flush();
                break;
            }
        }
    }
}
