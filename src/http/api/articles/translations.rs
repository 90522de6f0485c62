//! HTTP handlers for translations: `/api/v1/articles/{id_or_slug}/translations`.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, put, web};

use crate::articles::service;
use crate::domain::caller::Caller;
use crate::http::ApiError;
use crate::http::caching::cache_headers;
use crate::http::docs::IdOrSlugPath;
use crate::http::extract::{Id, Json, Key};
use crate::http::state::AppState;
use crate::http::wire::articles::ArticleResponse;
use crate::http::wire::translations::{CreateTranslation, TranslationList, TranslationRef};

/// List a story's translations
///
/// The other stories of its translation group that the caller may read (the public:
/// published ones), by language. `[]` for a story without translations.
#[utoipa::path(
    tag = "translations",
    params(IdOrSlugPath),
    responses(
        (status = 200, description = "Its translations", body = TranslationList),
        (status = 404, description = "No article the caller may see has that id or slug"),
    )
)]
#[get("/articles/{id_or_slug}/translations")]
pub async fn list_translations(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
) -> Result<HttpResponse, ApiError> {
    let found = service::translations_of(&state.ctx, &caller, key).await?;
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, &caller, state.cache_max_age);
    Ok(builder.json(TranslationList {
        data: found.into_iter().map(TranslationRef::from).collect(),
    }))
}

/// Translate a story
///
/// Makes a draft in another language, linked to the story in a translation group: its
/// title, subtitle, excerpt and body (to translate), section, tags, byline and cover are
/// the story's unless the body gives others. It has its own slug, status, schedule,
/// revisions and corrections. Whoever may edit the story (authors: their own drafts).
#[utoipa::path(
    tag = "translations",
    params(IdOrSlugPath),
    request_body = CreateTranslation,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new draft", body = ArticleResponse,
            headers(("Location" = String, description = "The new story's URL"),
                ("ETag" = String, description = "Strong entity tag of the new story"))),
        (status = 403, description = "A read token, or an author and a story that is not their own draft"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 409, description = "The group already has a story in that language (`translation_exists`), or the given slug is taken (`slug_taken`)"),
        (status = 422, description = "`locale` is missing or not a BCP 47 tag, or another field is invalid or names nothing"),
        (status = 423, description = "Another user holds the story's edit lock (`locked`)"),
    )
)]
#[post("/articles/{id_or_slug}/translations")]
pub async fn create_translation(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Json(body): Json<CreateTranslation>,
) -> Result<HttpResponse, ApiError> {
    let (locale, changes) = body.check()?;
    let article = service::translate(&state.ctx, &caller, key, locale, changes).await?;
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("/api/v1/articles/{}", article.id)));
    super::written(&state, builder, article).await
}

/// Link a translation
///
/// Puts the story `id` (which must be in no other group) into the translation group of
/// `id_or_slug`, making one if it has none. Each story of a group is in its own language.
/// Whoever may edit both stories. Both get a new version.
#[utoipa::path(
    tag = "translations",
    params(IdOrSlugPath,
        ("id" = String, Path, description = "The story to link (a UUID)", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The group, every story in it", body = TranslationList),
        (status = 403, description = "A read token, or an author and a story that is not their own draft"),
        (status = 404, description = "Either story is not one the caller may see"),
        (status = 409, description = "The group has a story in that story's language (`translation_exists`), or the story is in another group (`translation_linked`)"),
        (status = 422, description = "The two are one story"),
        (status = 423, description = "Another user holds either story's edit lock (`locked`)"),
    )
)]
#[put("/articles/{id_or_slug}/translations/{id}")]
pub async fn link_translation(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    let group = service::link(&state.ctx, &caller, key, id.into()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(TranslationList {
            data: group.into_iter().map(TranslationRef::from).collect(),
        }))
}

/// Unlink a translation
///
/// Takes the story `id` out of the translation group of `id_or_slug`; both stay as they
/// are otherwise. A group left with one story ends. Whoever may edit both stories. A story
/// in the trash keeps its language in its group; editors may unlink it to free the
/// language.
#[utoipa::path(
    tag = "translations",
    params(IdOrSlugPath,
        ("id" = String, Path, description = "The story to unlink (a UUID)", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 403, description = "A read token, or an author and a story that is not their own draft"),
        (status = 404, description = "Either story is not one the caller may see, or `id` is not a translation of it"),
        (status = 423, description = "Another user holds either story's edit lock (`locked`)"),
    )
)]
#[delete("/articles/{id_or_slug}/translations/{id}")]
pub async fn unlink_translation(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    service::unlink(&state.ctx, &caller, key, id.into()).await?;
    Ok(HttpResponse::NoContent().finish())
}
