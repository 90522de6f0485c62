//! In-process limits on password checks, per account and per client address.
//!
//! An attempt takes its place in both budgets before its password is checked, under one
//! lock, so a burst of concurrent guesses cannot get more checks than the budget allows:
//! the attempts past it are refused before any hashing. A successful check gives its place
//! back (the limits count failures).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Keys kept before idle ones are swept out, so the tables cannot grow without bound.
const SWEEP_AT: usize = 10_000;

/// Attempts inside a sliding window, per key.
struct Window {
    max: usize,
    period: Duration,
    attempts: HashMap<String, VecDeque<Instant>>,
}

impl Window {
    fn new(max: usize, period: Duration) -> Self {
        Self {
            max,
            period,
            attempts: HashMap::new(),
        }
    }

    /// Seconds until the key may try again, if its budget is spent now.
    fn blocked_for(&mut self, key: &str, now: Instant) -> Option<u64> {
        let entry = self.attempts.get_mut(key)?;
        prune(entry, now, self.period);
        if entry.len() < self.max {
            return None;
        }
        let oldest = entry.front().copied()?;
        let wait = (oldest + self.period).saturating_duration_since(now);
        Some(wait.as_secs().max(1) + u64::from(wait.subsec_nanos() > 0))
    }

    fn take(&mut self, key: &str, now: Instant) {
        if self.attempts.len() >= SWEEP_AT {
            let period = self.period;
            self.attempts.retain(|_, v| {
                prune(v, now, period);
                !v.is_empty()
            });
        }
        let entry = self.attempts.entry(key.to_owned()).or_default();
        prune(entry, now, self.period);
        entry.push_back(now);
    }

    fn give_back(&mut self, key: &str, at: Instant) {
        if let Some(entry) = self.attempts.get_mut(key)
            && let Some(i) = entry.iter().rposition(|t| *t == at)
        {
            entry.remove(i);
        }
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

struct Windows {
    accounts: Window,
    addresses: Window,
}

/// The password-check limiter: a caller over either budget gets 429 until the window moves
/// on.
pub struct LoginLimiter {
    windows: Mutex<Windows>,
}

/// A place taken in the budgets by one password check. Dropped as it is, the attempt stays
/// counted (a failure); [`LoginLimiter::succeeded`] or [`LoginLimiter::not_checked`] give
/// it back.
#[must_use = "an attempt is settled by succeeded, not_checked, or dropping it as a failure"]
#[derive(Debug)]
pub struct Attempt {
    account: String,
    address: Option<String>,
    at: Instant,
}

impl LoginLimiter {
    /// A limiter allowing so many failures per account and per address in `period`.
    pub fn new(per_account: usize, per_address: usize, period: Duration) -> Self {
        Self {
            windows: Mutex::new(Windows {
                accounts: Window::new(per_account, period),
                addresses: Window::new(per_address, period),
            }),
        }
    }

    fn windows(&self) -> std::sync::MutexGuard<'_, Windows> {
        // A panic elsewhere while holding the lock leaves counters that are still valid.
        self.windows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a place for one password check of `account` from `address`, or tells how many
    /// seconds to wait when either budget is spent.
    pub fn attempt(&self, account: &str, address: Option<IpAddr>) -> Result<Attempt, u64> {
        let now = Instant::now();
        let address = address.map(|a| a.to_string());
        let mut windows = self.windows();
        let by_account = windows.accounts.blocked_for(account, now);
        let by_address = address
            .as_deref()
            .and_then(|a| windows.addresses.blocked_for(a, now));
        if let Some(wait) = by_account.max(by_address) {
            return Err(wait);
        }
        windows.accounts.take(account, now);
        if let Some(a) = &address {
            windows.addresses.take(a, now);
        }
        Ok(Attempt {
            account: account.to_owned(),
            address,
            at: now,
        })
    }

    /// The password was right: the account's failures are forgotten and the address gets
    /// its place back.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut windows = self.windows();
        windows.accounts.attempts.remove(&attempt.account);
        if let Some(a) = &attempt.address {
            windows.addresses.give_back(a, attempt.at);
        }
    }

    /// The password was never checked (the server was too busy): both places go back.
    pub fn not_checked(&self, attempt: Attempt) {
        let mut windows = self.windows();
        windows.accounts.give_back(&attempt.account, attempt.at);
        if let Some(a) = &attempt.address {
            windows.addresses.give_back(a, attempt.at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_budget_and_lifts_after_the_window() {
        let limiter = LoginLimiter::new(3, 5, Duration::from_millis(200));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..3 {
            let _failed = limiter.attempt("a@x", Some(ip)).unwrap();
        }
        assert!(limiter.attempt("a@x", Some(ip)).is_err());
        let _ok = limiter
            .attempt("b@x", None)
            .expect("other accounts are not blocked");
        for _ in 0..2 {
            let _failed = limiter.attempt("b@x", Some(ip)).unwrap();
        }
        assert!(
            limiter.attempt("c@x", Some(ip)).is_err(),
            "the address is over its budget"
        );
        std::thread::sleep(Duration::from_millis(250));
        assert!(limiter.attempt("a@x", Some(ip)).is_ok());
    }

    #[test]
    fn success_clears_the_account_and_refunds_the_address() {
        let limiter = LoginLimiter::new(2, 2, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let _failed = limiter.attempt("a@x", None).unwrap();
        let ok = limiter.attempt("a@x", Some(ip)).unwrap();
        assert!(limiter.attempt("a@x", None).is_err());
        limiter.succeeded(ok);
        let unchecked = limiter.attempt("a@x", Some(ip)).unwrap();
        limiter.not_checked(unchecked);
        let _one = limiter.attempt("b@x", Some(ip)).unwrap();
        let _two = limiter.attempt("c@x", Some(ip)).unwrap();
        assert!(limiter.attempt("d@x", Some(ip)).is_err());
    }
}
