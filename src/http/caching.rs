//! What reads tell caches: `Cache-Control` and `Vary` by who asks, and the validators
//! (`ETag`, `Last-Modified`) that make `If-None-Match` answer 304.

use actix_web::http::header;
use actix_web::{HttpResponse, HttpResponseBuilder};
use chrono::NaiveDateTime;

use crate::domain::caller::Caller;
use crate::http::extract::IfNoneMatch;

/// `Cache-Control` and `Vary` for reads: public answers may be cached by anyone for the
/// configured time; answers to signed-in callers by no one.
pub fn cache_headers(builder: &mut HttpResponseBuilder, caller: &Caller, max_age: u32) {
    if caller.0.is_none() {
        builder.insert_header((header::CACHE_CONTROL, format!("public, max-age={max_age}")));
    } else {
        builder.insert_header((header::CACHE_CONTROL, "private, no-store"));
    }
    builder.insert_header((header::VARY, "Authorization, Accept-Encoding"));
}

/// The entity tag of a resource without a version number: its id and the microsecond of
/// its last change, with `variant` naming a representation other than the one writes
/// answer with.
pub fn stamp_tag(id: &str, updated_at: NaiveDateTime, variant: &str) -> String {
    let revision = crate::domain::stamp(updated_at);
    if variant.is_empty() {
        format!("\"{id}.{revision}\"")
    } else {
        format!("\"{id}.{revision}.{variant}\"")
    }
}

/// Sets `ETag` and `Last-Modified`; answers 304 (with both) when the client's copy is
/// current, else leaves the builder for the body.
pub fn validators(
    builder: &mut HttpResponseBuilder,
    tag: &str,
    updated_at: NaiveDateTime,
    cached: &IfNoneMatch,
) -> Option<HttpResponse> {
    let last_modified = header::HttpDate::from(std::time::SystemTime::from(updated_at.and_utc()));
    builder.insert_header((header::ETAG, tag.to_owned()));
    builder.insert_header((header::LAST_MODIFIED, last_modified));
    cached.holds(tag).then(|| {
        builder
            .status(actix_web::http::StatusCode::NOT_MODIFIED)
            .finish()
    })
}

/// Headers of a write's answer: the new tag, and no caching.
pub fn written(builder: &mut HttpResponseBuilder, tag: &str) {
    builder.insert_header((header::ETAG, tag.to_owned()));
    builder.insert_header((header::CACHE_CONTROL, "private, no-store"));
}

/// Whether the client's copy is current: by `If-None-Match` against `tag` when the request
/// has one, else by `If-Modified-Since` against `last_modified` (RFC 9110, 13.2.2).
pub fn client_is_current(
    req: &actix_web::HttpRequest,
    tag: Option<&str>,
    last_modified: Option<std::time::SystemTime>,
) -> bool {
    if let Some(held) = crate::http::extract::entity_tags(req, header::IF_NONE_MATCH) {
        let Some(tag) = tag else { return false };
        let bare = tag.trim_matches('"');
        return held
            .iter()
            .any(|t| t == "*" || t.trim_start_matches("W/") == bare);
    }
    let since = req
        .headers()
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<header::HttpDate>().ok())
        .map(std::time::SystemTime::from);
    match (since, last_modified) {
        (Some(since), Some(modified)) => {
            // HTTP dates have whole seconds.
            let modified = modified
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let since = since
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            modified <= since
        }
        _ => false,
    }
}
