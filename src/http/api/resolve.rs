//! HTTP handler for `/api/v1/resolve`: old URLs of imported content.

use actix_web::{HttpResponse, get, web};

use crate::domain::caller::Caller;
use crate::http::ApiError;
use crate::http::caching::cache_headers;
use crate::http::extract::Query;
use crate::http::state::AppState;
use crate::http::wire::imports::{ResolveQuery, ResolvedResponse};
use crate::wordpress::urls as service;

/// Resolve an old URL
///
/// Where content imported from another site (`byline import-wordpress`) lives now, by the
/// path it had there (`/2019/02/08/some-story/`, `/?p=123`, or the whole old URL): a
/// front-end answers the old site's URLs with a 301 to the new one. The path is tried as
/// given, then with its trailing slash added or removed. Public content for the public;
/// staff also find drafts.
#[utoipa::path(
    tag = "articles",
    params(ResolveQuery),
    responses(
        (status = 200, description = "Where it is now", body = ResolvedResponse,
            headers(("Cache-Control" = String, description = "`public, max-age=…` for anonymous callers, else `private, no-store`"))),
        (status = 400, description = "`path` missing, empty or longer than 2048 characters"),
        (status = 404, description = "Nothing imported lived there, or the caller may not see it"),
    )
)]
#[get("/resolve")]
pub async fn resolve_path(
    state: web::Data<AppState>,
    caller: Caller,
    Query(query): Query<ResolveQuery>,
) -> Result<HttpResponse, ApiError> {
    let path = query.path.unwrap_or_default();
    let found = service::resolve(&state.ctx, &caller, &path).await?;
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    Ok(builder.json(ResolvedResponse::from(found)))
}
