//! Paging, the same for every list: `limit` (1 to 100, default 20), an opaque `cursor` and
//! `with_total`, and the page that comes back.

use super::{Code, Error, FieldError, Result};

/// Items per page when the request does not say.
pub const DEFAULT_LIMIT: u32 = 20;
/// The most items one page may hold.
pub const MAX_LIMIT: u32 = 100;

/// Checks `limit` against 1..=100 and applies the default.
pub fn limit(requested: Option<u32>) -> Result<u32> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(Error::invalid_query(vec![FieldError::new(
            "limit",
            Code::OutOfRange,
            format!("limit must be between 1 and {MAX_LIMIT}, not {n}"),
        )])),
    }
}

/// What a list request says about paging, as checked.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// Items per page.
    pub limit: u32,
    /// Where the previous page ended, as the list handed it out.
    pub cursor: Option<String>,
    /// Count the items across all pages too.
    pub with_total: bool,
}

/// One page of a list.
#[derive(Debug)]
pub struct Page<T> {
    /// At most `limit` items.
    pub items: Vec<T>,
    /// The page size used.
    pub limit: u32,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Items across all pages, when asked for.
    pub total: Option<i64>,
    /// Whether `total` is the exact count; a search counts only up to a bound, and past it
    /// `total` is the bound.
    pub total_exact: bool,
}

impl PageRequest {
    /// Checks the three paging parameters of a query.
    pub fn new(
        limit: Option<u32>,
        cursor: Option<String>,
        with_total: Option<bool>,
    ) -> Result<Self> {
        Ok(Self {
            limit: self::limit(limit)?,
            cursor,
            with_total: with_total.unwrap_or(false),
        })
    }

    /// The page of a list that cannot have items (a filter naming nothing).
    pub fn empty<T>(&self) -> Page<T> {
        Page {
            items: Vec::new(),
            limit: self.limit,
            next_cursor: None,
            total: self.with_total.then_some(0),
            total_exact: true,
        }
    }

    /// The page from rows fetched with one extra: keeps `limit` of them and, when the extra
    /// one was there, makes the next cursor from the last kept item.
    pub fn split<T>(
        &self,
        mut rows: Vec<T>,
        total: Option<i64>,
        cursor_of: impl Fn(&T) -> String,
    ) -> Page<T> {
        let limit = self.limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&cursor_of)
        } else {
            None
        };
        Page {
            items: rows,
            limit: self.limit,
            next_cursor,
            total,
            total_exact: true,
        }
    }
}

impl<T> Page<T> {
    /// The same page with each item turned into another.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            limit: self.limit,
            next_cursor: self.next_cursor,
            total: self.total,
            total_exact: self.total_exact,
        }
    }
}
