//! The range of times Byline stores.

/// Timestamps accepted anywhere: years 1 to 9999. Both databases store every one of them,
/// and SQLite's text form of them sorts in time order.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Whether a timestamp lies within [`YEARS`].
pub fn in_year_range(at: &chrono::NaiveDateTime) -> bool {
    use chrono::Datelike;
    YEARS.contains(&at.year())
}

/// The current time as stored: UTC, to the microsecond (what PostgreSQL keeps).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
