//! Opaque keyset cursors: what a list hands out as `next_cursor` and reads back. A cursor is
//! tied to the order it was made for, and every key in it is checked before it reaches a query.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Code, Error, FieldError};

/// The longest cursor accepted; the ones issued are far shorter.
pub const MAX_CURSOR_LEN: usize = 1000;

/// Encodes the sort key of the last item of a page. The `order` tag ties a cursor to the sort
/// order it was made for, so a cursor from one order is refused by another.
pub fn encode_cursor(order: &str, keys: &[&str]) -> String {
    let mut parts = Vec::with_capacity(keys.len() + 1);
    parts.push(order);
    parts.extend_from_slice(keys);
    let json = serde_json::to_vec(&parts).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// The 400 for a cursor this endpoint did not issue.
pub fn invalid_cursor() -> Error {
    Error::invalid_query(vec![FieldError::new(
        "cursor",
        Code::InvalidCursor,
        "cursor is not one this endpoint issued for this sort order; start again without it",
    )])
}

/// Decodes a cursor made by [`encode_cursor`] for the same order and number of keys.
pub fn decode_cursor(raw: &str, order: &str, key_count: usize) -> Result<Vec<String>, Error> {
    let invalid = invalid_cursor;
    if raw.len() > MAX_CURSOR_LEN {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(raw.as_bytes())
        .map_err(|_| invalid())?;
    let mut parts: Vec<String> = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    // A key is text a client could have edited: one with a NUL would reach the database.
    if parts.len() != key_count + 1 || parts[0] != order || parts.iter().any(|p| p.contains('\0')) {
        return Err(invalid());
    }
    parts.remove(0);
    Ok(parts)
}

/// A cursor over `(created_at, id)`, the key of lists in creation order.
pub fn encode_created_cursor(order: &str, at: chrono::NaiveDateTime, id: &str) -> String {
    let at = at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    encode_cursor(order, &[&at, id])
}

/// Reads a cursor made by [`encode_created_cursor`].
pub fn decode_created_cursor(
    raw: &str,
    order: &str,
) -> Result<(chrono::NaiveDateTime, String), Error> {
    let keys = decode_cursor(raw, order, 2)?;
    match keys.as_slice() {
        [at, id] => cursor_time(at).map(|at| (at, id.clone())),
        _ => Err(invalid_cursor()),
    }
}

/// Reads a time key of a cursor: the form [`encode_created_cursor`] writes, within the years
/// the databases store.
pub fn cursor_time(key: &str) -> Result<chrono::NaiveDateTime, Error> {
    chrono::NaiveDateTime::parse_from_str(key, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .filter(super::time::in_year_range)
        .ok_or_else(invalid_cursor)
}
