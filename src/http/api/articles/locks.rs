//! HTTP handlers for edit locks: `/api/v1/articles/{id_or_slug}/lock` (staff only).

use actix_web::http::header;
use actix_web::{HttpResponse, delete, post, web};

use crate::articles::service;
use crate::domain::caller::Caller;
use crate::http::ApiError;
use crate::http::docs::IdOrSlugPath;
use crate::http::extract::{Key, Query};
use crate::http::state::AppState;
use crate::http::wire::locks::{LockQuery, LockResponse};

/// Take or renew an article's edit lock
///
/// Tells the other staff that the caller is editing the story: while the lock lasts
/// (`BYLINE_LOCK_SECS`, 300 seconds unless configured), a change to the story by anyone
/// else is a `423 locked` naming the holder. Calling it again before it runs out renews it.
/// Whoever may edit the story may lock it (authors: their own drafts); API tokens cannot
/// hold locks. With `take_over=true` an editor or admin takes the lock from whoever holds
/// it: the holder's next change is a `423`, and an `article.lock_taken` event tells them.
/// A lock never replaces `If-Match`: both hold. Staff reads of the story show the lock.
#[utoipa::path(
    tag = "locks",
    params(IdOrSlugPath, LockQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The lock, now the caller's", body = LockResponse),
        (status = 400, description = "A bad `take_over`"),
        (status = 403, description = "Not allowed to edit this article, an API token, or `take_over` by an author"),
        (status = 404, description = "No article the caller may see has that id or slug (a story in the trash included)"),
        (status = 423, description = "Another user holds the lock (`locked`); `lock` names them, `Retry-After` says when it runs out",
            body = crate::http::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until the lock runs out"))),
    )
)]
#[post("/articles/{id_or_slug}/lock")]
pub async fn take_lock(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Query(query): Query<LockQuery>,
) -> Result<HttpResponse, ApiError> {
    let take_over = query.take_over.unwrap_or(false);
    let lock = service::take_lock(&state.ctx, &caller, key, take_over, state.lock_secs).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(LockResponse::from(lock)))
}

/// Release an article's edit lock
///
/// Its holder releases it when done; editors, admins and `write` tokens may release
/// anyone's. Releasing a story nobody holds changes nothing.
#[utoipa::path(
    tag = "locks",
    params(IdOrSlugPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Released, or there was no lock"),
        (status = 403, description = "A read token, or an author and another's article"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 423, description = "An author releasing another user's lock (`locked`)", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/articles/{id_or_slug}/lock")]
pub async fn release_lock(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
) -> Result<HttpResponse, ApiError> {
    service::release_lock(&state.ctx, &caller, key).await?;
    Ok(HttpResponse::NoContent().finish())
}
