//! HTTP handlers for history: an article's revisions, the trash and the audit log.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};

use crate::articles::service;
use crate::domain::Code;
use crate::domain::caller::{Admin, Caller};
use crate::domain::keys::canonical_id;
use crate::history::repo::AuditFilter;
use crate::http::api::articles::written;
use crate::http::docs::{IdOrSlugPath, IdPath, IfMatchHeader};
use crate::http::extract::{Id, IfMatch, Key, OptionalJson, Query, Version};
use crate::http::pagination::{self, PageQuery, Paging};
use crate::http::state::AppState;
use crate::http::wire::articles::{ArticleResponse, EmptyBody};
use crate::http::wire::history::{
    AuditEntry, AuditList, AuditQuery, RevisionList, RevisionListQuery, RevisionResponse,
    TrashList, TrashedArticle,
};
use crate::http::wire::media::SocialImage;
use crate::http::{ApiError, FieldError};

/// What audit entries can be about.
const TARGET_TYPES: &[&str] = &[
    "article",
    "author",
    "category",
    "user",
    "api_token",
    "session",
    "webhook",
];

fn private(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, "private, no-store"));
    builder
}

/// List an article's revisions
///
/// Newest first: one per change (create, `PATCH`, each action, restore, trash and untrash).
/// Items leave out `article.body` unless `fields=body`. Readable by whoever may read the
/// article's drafts: editors, admins, API tokens, and authors for their own articles.
#[utoipa::path(
    tag = "history",
    params(IdOrSlugPath, RevisionListQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of revisions", body = RevisionList),
        (status = 400, description = "An unknown or invalid query parameter or path"),
        (status = 403, description = "An author asking for another's article"),
        (status = 404, description = "No article has that id or slug"),
    )
)]
#[get("/articles/{id_or_slug}/revisions")]
pub async fn list_revisions(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Query(query): Query<RevisionListQuery>,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let bodies = match query.fields.as_deref() {
        None => false,
        Some("body") => true,
        Some(other) => {
            return Err(ApiError::invalid_query(vec![FieldError::new(
                "fields",
                Code::InvalidValue,
                format!("`{other}` cannot be selected; use fields=body"),
            )]));
        }
    };
    let page = service::revisions(&state.ctx, &caller, key, page, bodies).await?;
    Ok(pagination::page(
        private(HttpResponse::Ok()),
        &req,
        page.map(RevisionResponse::from),
    ))
}

/// Get one revision
///
/// With its body. The same readers as the list.
#[utoipa::path(
    tag = "history",
    params(IdOrSlugPath,
        ("version" = i64, Path, description = "The version", minimum = 1)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The revision", body = RevisionResponse),
        (status = 400, description = "A bad path segment"),
        (status = 403, description = "An author asking for another's article"),
        (status = 404, description = "No such article or version"),
    )
)]
#[get("/articles/{id_or_slug}/revisions/{version}")]
pub async fn get_revision(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Version(version): Version,
) -> Result<HttpResponse, ApiError> {
    let revision = service::revision(&state.ctx, &caller, key, version).await?;
    Ok(private(HttpResponse::Ok()).json(RevisionResponse::from(revision)))
}

/// Restore a revision
///
/// The revision's content (title, slug, subtitle, excerpt, body, byline, section, cover)
/// becomes a new version; the status and schedule stay as they are. Needs the right to edit
/// the article (authors: their own drafts). Honors `If-Match` against the current version.
/// A revision naming an author or category deleted since is a 422 naming the field, and
/// changes nothing; so is a slug another article has taken since (409).
#[utoipa::path(
    tag = "history",
    params(IdOrSlugPath,
        ("version" = i64, Path, description = "The version to bring back", minimum = 1),
        IfMatchHeader),
    request_body(content = Option<EmptyBody>, description = "Optional; empty or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, at its new version", body = ArticleResponse),
        (status = 400, description = "A bad path segment or body"),
        (status = 403, description = "Not allowed to change this article"),
        (status = 404, description = "No such article or version"),
        (status = 409, description = "The revision's slug now belongs to another article (`slug_taken`)"),
        (status = 422, description = "The revision names an author or category that no longer exists"),
        (status = 423, description = "Another user holds the story's edit lock (`locked`)"),
    )
)]
#[post("/articles/{id_or_slug}/revisions/{version}/restore")]
pub async fn restore_revision(
    state: web::Data<AppState>,
    caller: Caller,
    Key(key): Key,
    Version(version): Version,
    precondition: IfMatch,
    OptionalJson(_body): OptionalJson<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    let article = service::restore(&state.ctx, &caller, key, version, precondition).await?;
    written(&state, HttpResponse::Ok(), article).await
}

/// List the trash
///
/// Articles moved to the trash by `DELETE /api/v1/articles/{id}`, most recently trashed
/// first, with `trashed_at` and `trashed_by`. Editors, admins and API tokens see all of it;
/// authors see their own. Trashed articles are deleted for good after `BYLINE_TRASH_DAYS`.
#[utoipa::path(
    tag = "history",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of trashed articles", body = TrashList),
    )
)]
#[get("/trash")]
pub async fn list_trash(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let page = service::trash(&state.ctx, &caller, page).await?;
    let cover_ids = page
        .items
        .iter()
        .filter_map(|t| t.article.cover_media_id.clone());
    let covers = state
        .media
        .shown_many(&state.ctx, cover_ids.collect())
        .await?;
    let page = page.map(|t| {
        let cover = t
            .article
            .cover_media_id
            .as_ref()
            .and_then(|id| covers.get(id));
        let mut article = ArticleResponse::from(t.article);
        article.social_image = cover.and_then(SocialImage::of);
        TrashedArticle {
            article,
            trashed_at: t.trashed_at.and_utc(),
            trashed_by: t.trashed_by,
        }
    });
    Ok(pagination::page(private(HttpResponse::Ok()), &req, page))
}

/// Restore from the trash
///
/// Puts the article back exactly as it was (status, slug, schedule), as a new version.
/// Whoever could delete it may restore it.
#[utoipa::path(
    tag = "history",
    params(IdPath),
    request_body(content = Option<EmptyBody>, description = "Optional; empty or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The article, out of the trash", body = ArticleResponse,
            headers(("ETag" = String, description = "The new entity tag"))),
        (status = 400, description = "A bad id or body"),
        (status = 403, description = "A read-only API token"),
        (status = 404, description = "No article in the trash has that id"),
    )
)]
#[post("/trash/{id}/restore")]
pub async fn restore_trashed(
    state: web::Data<AppState>,
    caller: Caller,
    Id(id): Id,
    OptionalJson(_body): OptionalJson<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    let article = service::untrash(&state.ctx, &caller, id).await?;
    written(&state, HttpResponse::Ok(), article).await
}

/// Delete from the trash for good
///
/// The article, its revisions and its old slugs are gone; its slugs become free. Admins
/// only.
#[utoipa::path(
    tag = "history",
    params(IdPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted for good"),
        (status = 400, description = "A bad id"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No article in the trash has that id"),
    )
)]
#[delete("/trash/{id}")]
pub async fn purge_trashed(
    state: web::Data<AppState>,
    admin: Admin,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    service::purge(&state.ctx, &admin, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Read the audit log
///
/// Newest first: one entry per authenticated write, and per sign-in, refused sign-in,
/// reuse of a spent refresh token, and sign-out. Entries never hold a password or a token,
/// and no route changes or deletes them; they are kept `BYLINE_AUDIT_DAYS`. Admins only
/// (not API tokens).
#[utoipa::path(
    tag = "history",
    params(AuditQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of entries", body = AuditList),
        (status = 403, description = "Not an admin"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: Admin,
    Query(query): Query<AuditQuery>,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let mut check = |name: &str, value: &Option<String>, ok: fn(&str) -> bool, rule: &str| {
        if value.as_deref().is_some_and(|v| !ok(v)) {
            errors.push(FieldError::new(
                name,
                Code::InvalidValue,
                format!("{name} must be {rule}"),
            ));
        }
    };
    let is_id = |v: &str| canonical_id(v).as_deref() == Some(v);
    check("actor", &query.actor, is_id, "a user or API token id");
    check("target_id", &query.target_id, is_id, "an id");
    check(
        "action",
        &query.action,
        |v| {
            v.len() <= 100
                && v.split_once('.').is_some_and(|(a, b)| {
                    [a, b].iter().all(|w| {
                        !w.is_empty() && w.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')
                    })
                })
        },
        "an action such as article.published",
    );
    check(
        "target_type",
        &query.target_type,
        |v| TARGET_TYPES.contains(&v),
        "article, author, category, user, api_token, session or webhook",
    );
    if !errors.is_empty() {
        return Err(ApiError::invalid_query(errors));
    }
    let filter = AuditFilter {
        actor: query.actor,
        action: query.action,
        target_type: query.target_type,
        target_id: query.target_id,
        after: query.after.map(|t| t.naive_utc()),
        before: query.before.map(|t| t.naive_utc()),
    };
    let page = crate::audit::service::list(&state.ctx, &admin, filter, page).await?;
    Ok(pagination::page(
        private(HttpResponse::Ok()),
        &req,
        page.map(AuditEntry::from),
    ))
}
