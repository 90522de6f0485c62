//! Keyset pagination: the `limit` rule, opaque cursors, the list envelope and its `Link` header.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiError;
pub use crate::domain::cursor::{
    cursor_time, decode_created_cursor, decode_cursor, encode_created_cursor, encode_cursor,
    invalid_cursor,
};

pub use crate::domain::page::{DEFAULT_LIMIT, MAX_LIMIT, Page, PageRequest};

/// Checks `limit` against 1..=100 and applies the default.
pub fn limit(requested: Option<u32>) -> Result<u32, ApiError> {
    Ok(crate::domain::page::limit(requested)?)
}

/// Splits a page fetched with one extra row: keeps `limit` items and, when the extra row
/// was there, returns the cursor made from the last kept item.
pub fn split_page<T>(
    rows: Vec<T>,
    limit: u32,
    cursor_of: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let page = PageRequest {
        limit,
        cursor: None,
        with_total: false,
    }
    .split(rows, None, cursor_of);
    (page.items, page.next_cursor)
}

/// Query parameters of lists that only page: no filters, creation order.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `meta.next_cursor` of the previous page.
    #[param(max_length = 1000)]
    pub cursor: Option<String>,
    /// Adds `meta.total`.
    #[param(default = false)]
    pub with_total: Option<bool>,
}

/// The key of lists in creation order.
pub type CreatedKey = (chrono::NaiveDateTime, String);

/// A query for one page after a key.
pub type ListFn<R> =
    fn(&mut crate::db::AnyConnection, Option<CreatedKey>, u32) -> crate::db::QueryResult<Vec<R>>;

/// Answers a page of a list in creation order, keyed by `(created_at, id)`: checks the
/// paging parameters, runs `list` (and `count` when asked) on the blocking pool, and shapes
/// the envelope and `Link` header.
pub async fn creation_order_page<R, W>(
    req: &HttpRequest,
    state: &crate::http::state::AppState,
    query: PageQuery,
    list: ListFn<R>,
    count: fn(&mut crate::db::AnyConnection) -> crate::db::QueryResult<i64>,
    key: fn(&R) -> (chrono::NaiveDateTime, &str),
    wire: fn(R) -> W,
) -> Result<HttpResponse, ApiError>
where
    R: Send + 'static,
    W: Serialize,
{
    const ORDER: &str = "created";
    let limit = limit(query.limit)?;
    let after = match &query.cursor {
        Some(raw) => Some(decode_created_cursor(raw, ORDER)?),
        None => None,
    };
    let with_total = query.with_total.unwrap_or(false);
    let (rows, total) = state
        .db(move |conn| {
            let rows = list(conn, after, limit)?;
            let total = if with_total { Some(count(conn)?) } else { None };
            Ok((rows, total))
        })
        .await?;
    let (rows, next_cursor) = split_page(rows, limit, |r| {
        let (at, id) = key(r);
        encode_created_cursor(ORDER, at, id)
    });
    let data: Vec<W> = rows.into_iter().map(wire).collect();
    Ok(respond(
        req,
        data,
        ListMeta {
            limit,
            next_cursor,
            total,
        },
    ))
}

/// The `meta` object of every list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListMeta {
    /// The page size used.
    #[schema(example = 20, minimum = 1, maximum = 100)]
    pub limit: u32,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(required = true, example = "WyJzbHVnIiwibWFya2V0Il0")]
    pub next_cursor: Option<String>,
    /// Items matching the filters across all pages; only when `with_total=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = 42)]
    pub total: Option<i64>,
}

/// Answers a page of a list with `response` (a 200 with any headers of the caller's): the
/// envelope, and a `Link: <…>; rel="next"` header when there is a next page. The link repeats
/// the request's own query with the cursor replaced.
pub fn page<T: Serialize>(
    mut response: HttpResponseBuilder,
    req: &HttpRequest,
    page: Page<T>,
) -> HttpResponse {
    #[derive(Serialize)]
    struct Envelope<T> {
        data: Vec<T>,
        meta: ListMeta,
    }
    if let Some(cursor) = &page.next_cursor {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
            if k != "cursor" {
                query.append_pair(&k, &v);
            }
        }
        query.append_pair("cursor", cursor);
        let link = format!("<{}?{}>; rel=\"next\"", req.path(), query.finish());
        response.insert_header((header::LINK, link));
    }
    response.json(Envelope {
        data: page.items,
        meta: ListMeta {
            limit: page.limit,
            next_cursor: page.next_cursor,
            total: page.total,
        },
    })
}

/// Answers a list page: see [`page`].
pub fn respond<T: Serialize>(req: &HttpRequest, data: Vec<T>, meta: ListMeta) -> HttpResponse {
    let page = Page {
        items: data,
        limit: meta.limit,
        next_cursor: meta.next_cursor,
        total: meta.total,
    };
    self::page(HttpResponse::Ok(), req, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_are_tied_to_their_order() {
        let c = encode_cursor("slug", &["world-news"]);
        assert_eq!(decode_cursor(&c, "slug", 1).unwrap(), vec!["world-news"]);
        assert!(decode_cursor(&c, "name", 1).is_err());
        assert!(decode_cursor(&c, "slug", 2).is_err());
        assert!(decode_cursor("not a cursor!", "slug", 1).is_err());
        assert!(decode_cursor("", "slug", 1).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(limit(None).unwrap(), 20);
        assert_eq!(limit(Some(100)).unwrap(), 100);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
    }
}
