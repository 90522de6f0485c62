//! HTTP handlers for corrections: `POST /api/v1/articles/{id_or_slug}/corrections`
//! (editors) and `GET /api/v1/corrections` (everyone: a newsroom's corrections page).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::articles::service;
use crate::domain::caller::Caller;
use crate::http::ApiError;
use crate::http::caching::cache_headers;
use crate::http::docs::{IdOrSlugPath, IfMatchHeader};
use crate::http::extract::{IfMatch, Json, Key};
use crate::http::pagination::{self, PageQuery, Paging};
use crate::http::state::AppState;
use crate::http::wire::corrections::{
    CorrectionItem, CorrectionList, CorrectionResponse, CreateCorrection,
};

/// Publish a correction to an article
///
/// Appends a public, dated entry to a published story: a `correction` (something was
/// wrong), a `clarification` (something could be misread) or an `update` (something
/// happened since). Corrections are never edited or removed; a later one puts an earlier
/// one right. The story's reads carry them in `corrections` (oldest first), its feed items
/// show them, and `GET /api/v1/corrections` lists them. It is a new version of the story:
/// `version`, `updated_at` and the entity tag move, and an `article.corrected` event is
/// sent. Editors, admins and `write` tokens; honors `If-Match` and the story's edit lock.
#[utoipa::path(
    tag = "corrections",
    params(IdOrSlugPath, IfMatchHeader),
    request_body = CreateCorrection,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Published", body = CorrectionResponse,
            headers(("ETag" = String, description = "The story's new entity tag"))),
        (status = 403, description = "An author, or a read token"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 409, description = "The article is not published (`not_published`): a draft, in review, scheduled or archived story is edited, not corrected"),
        (status = 412, description = "`If-Match` does not match the current version"),
        (status = 422, description = "`kind` or `text` is missing or invalid"),
        (status = 423, description = "Another user holds the story's edit lock (`locked`)", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{id_or_slug}/corrections")]
pub async fn add_correction(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    precondition: IfMatch,
    Json(body): Json<CreateCorrection>,
) -> Result<HttpResponse, ApiError> {
    let new = body.check()?;
    let (correction, article) =
        service::add_correction(&state.ctx, &caller, key, precondition, new).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::ETAG, super::etag(&article, "")))
        .json(CorrectionResponse::from(&correction)))
}

/// List public corrections
///
/// Every correction, clarification and update to the stories the public may read, newest
/// first, each with its story's id, slug and title: a newsroom's corrections page.
#[utoipa::path(
    tag = "corrections",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of corrections", body = CorrectionList,
            headers(("Cache-Control" = String, description = "`public, max-age=…` for anonymous callers, else `private, no-store`"))),
        (status = 400, description = "A bad paging parameter"),
    )
)]
#[get("/corrections")]
pub async fn list_corrections(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let page = service::public_corrections(&state.ctx, page).await?;
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    Ok(pagination::page(
        builder,
        &req,
        page.map(CorrectionItem::from),
    ))
}
