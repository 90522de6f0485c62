//! Lists on the wire: the paging parameters, the `{data, meta}` envelope and its `Link` header.
//! The rules (limits, cursors, splitting a page) are in `crate::domain::page` and
//! `crate::domain::cursor`.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::domain::page::{Page, PageRequest};
use crate::http::ApiError;
use crate::http::extract::parse_query;

/// The paging parameters every list takes beside its own filters. Documented with
/// `params(PageQuery)`; read with the [`Paging`] extractor.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
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

/// The page a list request asks for, read from its query string. The list's filters are read
/// by their own `Query` extractor from the same string; a parameter neither declares is
/// refused before either runs (`middleware::known_query`).
#[derive(Debug)]
pub struct Paging(pub PageRequest);

impl FromRequest for Paging {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let paging = parse_query::<PageQuery>(req.query_string()).and_then(|query| {
            let page = PageRequest::new(query.limit, query.cursor, query.with_total)?;
            Ok(Paging(page))
        });
        std::future::ready(paging)
    }
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
    /// With `total`: whether it is the exact count. A search counts its matches only up to
    /// a bound (`BYLINE_SEARCH_EXACT_TOTAL`, 10,000 by default); past it `total` is the
    /// bound and this is `false`. Other lists always count exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = true)]
    pub total_exact: Option<bool>,
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
            total_exact: page.total.map(|_| page.total_exact),
            total: page.total,
        },
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::cursor::{decode_cursor, encode_cursor};

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
        use crate::domain::page::limit;
        assert_eq!(limit(None).unwrap(), 20);
        assert_eq!(limit(Some(100)).unwrap(), 100);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
    }
}
