//! HTTP handlers for internal notes: `/api/v1/articles/{id_or_slug}/notes` (staff only).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};

use crate::articles::service;
use crate::domain::caller::Caller;
use crate::http::ApiError;
use crate::http::docs::IdOrSlugPath;
use crate::http::extract::{Id, Json, Key};
use crate::http::pagination::{self, PageQuery, Paging};
use crate::http::state::AppState;
use crate::http::wire::notes::{CreateNote, NoteList, NoteResponse};

/// List an article's notes
///
/// Staff's notes on the story, in the order they were written. Whoever may read the
/// article's history (authors: their own articles). Never in public reads, lists, search,
/// feeds or the public changes data.
#[utoipa::path(
    tag = "notes",
    params(IdOrSlugPath, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of notes", body = NoteList),
        (status = 403, description = "An author asking for another's article"),
        (status = 404, description = "No article the caller may see has that id or slug"),
    )
)]
#[get("/articles/{id_or_slug}/notes")]
pub async fn list_notes(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let page = service::notes(&state.ctx, &caller, key, page).await?;
    let mut builder = HttpResponse::Ok();
    builder.insert_header((header::CACHE_CONTROL, "private, no-store"));
    Ok(pagination::page(
        builder,
        &req,
        page.map(NoteResponse::from),
    ))
}

/// Add a note to an article
///
/// A staff comment on the story. Editors, admins, `write` tokens, and authors on their own
/// articles (in any state). `@email` of a user mentions them: `mentions` lists the users
/// found, and the `note.created` event carries them, for a webhook to notify.
#[utoipa::path(
    tag = "notes",
    params(IdOrSlugPath),
    request_body = CreateNote,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = NoteResponse,
            headers(("Location" = String, description = "The note's URL under its story"))),
        (status = 403, description = "A read token, or an author and another's article"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 422, description = "`text` is missing, empty, longer than 10,000 characters or holds control characters"),
    )
)]
#[post("/articles/{id_or_slug}/notes")]
pub async fn add_note(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Json(body): Json<CreateNote>,
) -> Result<HttpResponse, ApiError> {
    let text = body.check()?;
    let note = service::add_note(&state.ctx, &caller, key, text).await?;
    let location = format!("/api/v1/articles/{}/notes/{}", note.article_id, note.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(NoteResponse::from(note)))
}

/// Delete a note
///
/// Its writer may; editors, admins and `write` tokens may delete any.
#[utoipa::path(
    tag = "notes",
    params(IdOrSlugPath,
        ("id" = String, Path, description = "The note's id (a UUID)", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "A read token; an author and another's article, or another's note"),
        (status = 404, description = "No such article, or it has no note with that id"),
    )
)]
#[delete("/articles/{id_or_slug}/notes/{id}")]
pub async fn delete_note(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    service::delete_note(&state.ctx, &caller, key, id.into()).await?;
    Ok(HttpResponse::NoContent().finish())
}
