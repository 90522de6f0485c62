//! HTTP handler for `/api/v1/search/suggest`: typeahead.

use actix_web::{HttpResponse, get, web};

use crate::domain::caller::Caller;
use crate::http::ApiError;
use crate::http::cache;
use crate::http::caching::cache_headers;
use crate::http::extract::Query;
use crate::http::state::AppState;
use crate::http::wire::search::{SuggestQuery, SuggestionList};
use crate::search::service;

/// Suggest as a reader types
///
/// Up to 10 suggestions for what a reader has typed in a search box: sections, tags and
/// authors whose name has a word starting with each typed word (at most 5 of them when
/// stories match too), then the newest public stories whose title does. Public content
/// only, whoever asks; answers to the public are cached like lists. A prefix without a letter
/// or digit suggests nothing.
#[utoipa::path(
    tag = "articles",
    params(SuggestQuery),
    responses(
        (status = 200, description = "The suggestions", body = SuggestionList,
            headers(("Cache-Control" = String, description = "`public, max-age=…` for anonymous callers, else `private, no-store`"))),
        (status = 400, description = "`q` missing, empty or over 100 characters"),
    )
)]
#[get("/search/suggest")]
pub async fn suggest(
    state: web::Data<AppState>,
    caller: Caller,
    Query(query): Query<SuggestQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.q.unwrap_or_default();
    let found = service::suggest(&state.ctx, &q).await?;
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    cache::allow_public_list(&mut builder, &caller, found.changes_at);
    Ok(builder.json(SuggestionList {
        data: found.items.into_iter().map(Into::into).collect(),
    }))
}
