//! HTTP handler for `/api/v1/changes`, the changes feed.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};

use crate::domain::caller::Caller;
use crate::domain::page;
use crate::events::service;
use crate::http::ApiError;
use crate::http::extract::Query;
use crate::http::state::AppState;
use crate::http::wire::events::{ChangeList, ChangesMeta, ChangesQuery, EventResponse};

/// Read the changes feed
///
/// Every event in commit order, oldest first: creations, edits, publications, expiries and
/// deletions (tombstones: `data` is `null`) of articles, authors and categories. Poll with
/// `after` set to the last `meta.next_cursor`, which is always present: a consumer that does
/// so never misses an event and never sees one twice, even when writes commit out of
/// order (an event shows once every transaction that began before it has ended). Events
/// are kept `BYLINE_EVENTS_DAYS` (30); a cursor from before what is kept is a 410
/// `cursor_expired` — read the resources again (with `updated_after`) and start over.
/// Editors, admins and API tokens.
#[utoipa::path(
    tag = "events",
    params(ChangesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of events", body = ChangeList),
        (status = 400, description = "An unknown or invalid query parameter (`types`, `after`, `limit`)"),
        (status = 403, description = "Authors may not read the feed"),
        (status = 410, description = "The cursor points before the oldest event kept (`cursor_expired`)"),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    state: web::Data<AppState>,
    caller: Caller,
    Query(query): Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    // Credentials first: a caller without them learns nothing about the query.
    service::may_read(&caller)?;
    let types = service::parse_types(query.types.as_deref())?;
    let limit = page::limit(query.limit)?;
    let changes = service::changes(&state.ctx, &caller, query.after, types, limit).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(ChangeList {
            meta: ChangesMeta {
                limit: query.limit.unwrap_or(page::DEFAULT_LIMIT),
                next_cursor: changes.next_cursor,
            },
            data: changes
                .events
                .into_iter()
                .map(EventResponse::from)
                .collect(),
        }))
}
