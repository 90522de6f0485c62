//! In-process limits on failed logins, per account and per client address.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Keys kept before idle ones are swept out, so the tables cannot grow without bound.
const SWEEP_AT: usize = 10_000;

/// Failures inside a sliding window, per key.
struct Window {
    max: usize,
    period: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Window {
    fn new(max: usize, period: Duration) -> Self {
        Self {
            max,
            period,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until the key may try again, if it is over the limit now.
    fn blocked_for(&self, key: &str, now: Instant) -> Option<u64> {
        // A panic elsewhere while holding the lock leaves counters that are still valid.
        let mut map = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = map.get_mut(key)?;
        prune(entry, now, self.period);
        if entry.len() < self.max {
            return None;
        }
        let oldest = entry.front().copied()?;
        let wait = (oldest + self.period).saturating_duration_since(now);
        Some(wait.as_secs().max(1) + u64::from(wait.subsec_nanos() > 0))
    }

    fn record(&self, key: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= SWEEP_AT {
            map.retain(|_, v| {
                prune(v, now, self.period);
                !v.is_empty()
            });
        }
        let entry = map.entry(key.to_owned()).or_default();
        prune(entry, now, self.period);
        entry.push_back(now);
        while entry.len() > self.max {
            entry.pop_front();
        }
    }

    fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

fn prune(entry: &mut VecDeque<Instant>, now: Instant, period: Duration) {
    while entry
        .front()
        .is_some_and(|t| now.duration_since(*t) >= period)
    {
        entry.pop_front();
    }
}

/// The login limiter: a caller over either limit gets 429 until the window moves on.
pub struct LoginLimiter {
    accounts: Window,
    addresses: Window,
}

impl LoginLimiter {
    /// A limiter allowing so many failures per account and per address in `period`.
    pub fn new(per_account: usize, per_address: usize, period: Duration) -> Self {
        Self {
            accounts: Window::new(per_account, period),
            addresses: Window::new(per_address, period),
        }
    }

    /// `Some(seconds)` to wait when the account or the address is over its limit.
    pub fn check(&self, email: &str, address: Option<IpAddr>) -> Option<u64> {
        let now = Instant::now();
        let by_account = self.accounts.blocked_for(email, now);
        let by_address = address.and_then(|a| self.addresses.blocked_for(&a.to_string(), now));
        by_account.max(by_address)
    }

    /// Counts a failed attempt.
    pub fn record_failure(&self, email: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        self.accounts.record(email, now);
        if let Some(a) = address {
            self.addresses.record(&a.to_string(), now);
        }
    }

    /// Forgets an account's failures after it logs in.
    pub fn record_success(&self, email: &str) {
        self.accounts.clear(email);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_lifts_after_the_window() {
        let limiter = LoginLimiter::new(3, 5, Duration::from_millis(200));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limiter.check("a@x", Some(ip)), None);
            limiter.record_failure("a@x", Some(ip));
        }
        assert!(limiter.check("a@x", Some(ip)).is_some());
        assert_eq!(
            limiter.check("b@x", None),
            None,
            "other accounts are not blocked"
        );
        for _ in 0..2 {
            limiter.record_failure("b@x", Some(ip));
        }
        assert!(
            limiter.check("c@x", Some(ip)).is_some(),
            "the address is over its limit"
        );
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(limiter.check("a@x", Some(ip)), None);
    }

    #[test]
    fn success_clears_the_account() {
        let limiter = LoginLimiter::new(2, 100, Duration::from_secs(60));
        limiter.record_failure("a@x", None);
        limiter.record_failure("a@x", None);
        assert!(limiter.check("a@x", None).is_some());
        limiter.record_success("a@x");
        assert_eq!(limiter.check("a@x", None), None);
    }
}
