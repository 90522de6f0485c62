//! The answer to an old slug: `301 Moved Permanently` to the same URL under the current slug.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of a 301 for an old slug.
#[derive(Debug, Serialize, ToSchema)]
pub struct Moved {
    /// The resource's slug now.
    #[schema(example = "stocks-slip-as-oil-climbs")]
    pub slug: String,
    /// Where it is now: the same URL under that slug, query string kept.
    #[schema(example = "/api/v1/articles/stocks-slip-as-oil-climbs?include=author")]
    pub location: String,
}

/// A 301 to `{base}/{slug}` with the request's query string, and the JSON body clients
/// that do not follow redirects can read.
pub fn moved(
    mut builder: HttpResponseBuilder,
    req: &HttpRequest,
    base: &str,
    slug: &str,
) -> HttpResponse {
    let mut location = format!("{base}/{slug}");
    if !req.query_string().is_empty() {
        location.push('?');
        location.push_str(req.query_string());
    }
    builder.insert_header((header::LOCATION, location.clone()));
    builder.json(Moved {
        slug: slug.to_owned(),
        location,
    })
}
