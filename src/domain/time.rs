//! The range of times Byline stores.

/// Timestamps accepted anywhere: years 1 to 9999. Both databases store every one of them,
/// and SQLite's text form of them sorts in time order.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Whether a timestamp lies within [`YEARS`].
pub fn in_year_range(at: &chrono::NaiveDateTime) -> bool {
    use chrono::Datelike;
    YEARS.contains(&at.year())
}
