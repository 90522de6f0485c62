//! HTTP handlers for preview links: `/api/v1/articles/{id_or_slug}/previews` (staff) and
//! `/api/v1/preview/{token}` (anyone holding a link).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};

use super::shape::Shape;
use crate::articles::service;
use crate::domain::caller::Caller;
use crate::http::ApiError;
use crate::http::docs::IdOrSlugPath;
use crate::http::extract::{Id, Key, OptionalJson, Query};
use crate::http::state::AppState;
use crate::http::wire::articles::{ArticleGetQuery, ArticleResponse};
use crate::http::wire::previews::{CreatePreview, PreviewList, PreviewResponse};

/// Where a link opens: the front-end's preview page, or the API's own route.
fn link_url(state: &AppState, token: &str) -> String {
    match &state.preview_url {
        Some(template) => template.replace("{token}", token),
        None => format!("/api/v1/preview/{token}"),
    }
}

fn private(builder: &mut actix_web::HttpResponseBuilder) -> &mut actix_web::HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, "private, no-store"))
}

/// Create a preview link
///
/// A link that shows the story, as the public would see it if it were published now, to
/// anyone who has it: no account needed (`GET /api/v1/preview/{token}`). Whoever may edit
/// the story may make one (authors: their own drafts). The token is in this answer only;
/// the server keeps a hash. A link lasts `expires_in` seconds (48 hours unless asked, 30
/// days at most), dies when the story goes to the trash, and can be revoked. A story has at
/// most 50 links that still work.
#[utoipa::path(
    tag = "previews",
    params(IdOrSlugPath),
    request_body(content = Option<CreatePreview>, description = "Optional; may be empty"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `token` and `url` hold the secret", body = PreviewResponse,
            headers(("Location" = String, description = "The link's URL under its story"))),
        (status = 403, description = "Not allowed to edit this article (a read token; an author and another's article, or their own once it left the draft stage)"),
        (status = 404, description = "No article the caller may see has that id or slug"),
        (status = 409, description = "The article has 50 links that still work (`too_many_previews`); or `idempotency_key_unreplayable`: a retry under the `Idempotency-Key` of a request that succeeded, whose secret is never kept"),
        (status = 422, description = "`expires_in` out of range, or `version` names no revision of the article"),
    )
)]
#[post("/articles/{id_or_slug}/previews")]
pub async fn create_preview(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    OptionalJson(body): OptionalJson<CreatePreview>,
) -> Result<HttpResponse, ApiError> {
    let new = body.check()?;
    let (preview, token) = service::create_preview(&state.ctx, &caller, key, new).await?;
    let location = format!(
        "/api/v1/articles/{}/previews/{}",
        preview.article_id, preview.id
    );
    let url = link_url(&state, &token);
    Ok(private(crate::http::idempotency::carries_secret(
        &mut HttpResponse::Created(),
    ))
    .insert_header((header::LOCATION, location))
    .json(PreviewResponse::new(preview, Some((token, url)))))
}

/// List an article's preview links
///
/// The links that still work, oldest first, without their tokens. Whoever may read the
/// article's history (authors: their own articles).
#[utoipa::path(
    tag = "previews",
    params(IdOrSlugPath),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The links", body = PreviewList),
        (status = 403, description = "An author asking for another's article"),
        (status = 404, description = "No article the caller may see has that id or slug"),
    )
)]
#[get("/articles/{id_or_slug}/previews")]
pub async fn list_previews(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
) -> Result<HttpResponse, ApiError> {
    let links = service::previews(&state.ctx, &caller, key).await?;
    let data = links
        .into_iter()
        .map(|p| PreviewResponse::new(p, None))
        .collect();
    Ok(private(&mut HttpResponse::Ok()).json(PreviewList { data }))
}

/// Get a preview link
///
/// One link that still works, without its token.
#[utoipa::path(
    tag = "previews",
    params(IdOrSlugPath,
        ("id" = String, Path, description = "The link's id (a UUID)", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The link", body = PreviewResponse),
        (status = 403, description = "An author asking for another's article"),
        (status = 404, description = "No such article, or it has no working link with that id"),
    )
)]
#[get("/articles/{id_or_slug}/previews/{id}")]
pub async fn get_preview(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    let link = service::preview(&state.ctx, &caller, key, id.into()).await?;
    Ok(private(&mut HttpResponse::Ok()).json(PreviewResponse::new(link, None)))
}

/// Revoke a preview link
///
/// It stops working at once. Editors, admins and `write` tokens may revoke any link;
/// authors those of their own articles.
#[utoipa::path(
    tag = "previews",
    params(IdOrSlugPath,
        ("id" = String, Path, description = "The link's id (a UUID)", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "A read token, or an author and another's article"),
        (status = 404, description = "No such article, or it has no working link with that id"),
    )
)]
#[delete("/articles/{id_or_slug}/previews/{id}")]
pub async fn revoke_preview(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    service::revoke_preview(&state.ctx, &caller, key, id.into()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Open a preview link
///
/// The story the link shows, as the public would see it if it were published now (a story
/// the public cannot see yet answers `status: "published"` and `published_at` now), with
/// `include` and `fields` as on `GET /api/v1/articles/{id_or_slug}`; as of the pinned
/// revision if the link has one. Needs no credentials: the token is the credential, and it
/// is good for this route only. Never cached, never indexed. An unknown, revoked or expired
/// token, and a story in the trash, are all a 404.
#[utoipa::path(
    tag = "previews",
    params(("token" = String, Path, description = "The link's token (`byp_…`)", max_length = 128),
        ArticleGetQuery),
    responses(
        (status = 200, description = "The story (with `fields`, only the fields named: an `ArticleFields`)", body = ArticleResponse,
            headers(("Cache-Control" = String, description = "`private, no-store`"),
                ("X-Robots-Tag" = String, description = "`noindex`"),
                ("Referrer-Policy" = String, description = "`no-referrer`: the token stays out of the links the page follows"))),
        (status = 404, description = "No working link has that token, or its story is in the trash"),
        (status = 422, description = "The pinned revision's body cannot be rendered"),
        (status = 503, description = "Every render thread is busy (`busy`), for a link pinned to a revision; retry after `Retry-After` seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[get("/preview/{token}")]
pub async fn open_preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    Query(query): Query<ArticleGetQuery>,
) -> Result<HttpResponse, ApiError> {
    let shape = Shape::parse(query.include.as_deref(), query.fields.as_deref())?;
    let token = req.match_info().get("token").unwrap_or_default().to_owned();
    let (article, related) = service::open_preview(&state.ctx, token, shape.embed()).await?;
    let mut builder = HttpResponse::Ok();
    private(&mut builder)
        .insert_header((
            header::HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static("noindex"),
        ))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ));
    Ok(builder.json(shape.article(ArticleResponse::from(article), &related, false)))
}
