//! The range of times Byline stores.

/// Timestamps accepted anywhere: years 1 to 9999. Both databases store every one of them,
/// and SQLite's text form of them sorts in time order.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Whether a timestamp lies within [`YEARS`].
pub fn in_year_range(at: &chrono::NaiveDateTime) -> bool {
    use chrono::Datelike;
    YEARS.contains(&at.year())
}

/// A time as RFC 3339 in UTC, to the second.
pub fn rfc3339(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The current time as stored: UTC, to the microsecond (what PostgreSQL keeps).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

/// The clock services read the time from: the system's, or for tests the system's moved
/// ahead by an offset the test advances, so that a test lets time pass without sleeping
/// (schedules come due, tokens expire).
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<std::sync::Arc<std::sync::atomic::AtomicI64>>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Clock(None)
    }

    /// The system's clock, which [`Clock::advance`] moves ahead.
    pub fn adjustable() -> Self {
        Clock(Some(Default::default()))
    }

    /// Moves an adjustable clock ahead by `by`; the system's clock does not move.
    pub fn advance(&self, by: std::time::Duration) {
        if let Some(offset) = &self.0 {
            let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
            offset.fetch_add(micros, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// The current time as stored: UTC, to the microsecond.
    pub fn now(&self) -> chrono::NaiveDateTime {
        let now = now();
        match &self.0 {
            None => now,
            Some(offset) => {
                let micros = offset.load(std::sync::atomic::Ordering::SeqCst);
                now + chrono::Duration::microseconds(micros)
            }
        }
    }
}
