//! HTTP handlers for `/api/v1/tags`.

use actix_web::{HttpResponse, delete, get, patch, post, web};

use crate::domain::caller::Staff;
use crate::http::ApiError;
use crate::http::docs::{IdOrSlugPath, IfMatchHeader, IfNoneMatchHeader};
use crate::http::extract::{Json, Key, MergePatch, Query};
use crate::http::pagination::{PageQuery, Paging};
use crate::http::slugged::{self, Edit, Read};
use crate::http::state::AppState;
use crate::http::wire::tags::{CreateTag, TagList, TagListQuery, TagResponse, UpdateTag};
use crate::http::wire::translations::{LocaleQuery, one_locale};
use crate::tags::model::TagSort;
use crate::tags::repo::ListFilter;
use crate::tags::service;

/// List tags
///
/// By name, or most used first (`sort=-article_count`), a page at a time. Each tag carries
/// `article_count`: the articles the public can read now, whoever asks.
#[utoipa::path(
    tag = "tags",
    params(TagListQuery, PageQuery),
    responses((status = 200, description = "A page of tags", body = TagList))
)]
#[get("/tags")]
pub async fn list_tags(
    read: Read,
    Query(query): Query<TagListQuery>,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let filter = ListFilter {
        q: query.name()?,
        updated_after: query.updated_after.map(|t| t.naive_utc()),
    };
    let sort = query.sort.unwrap_or(TagSort::Name);
    let locale = one_locale(query.locale.as_deref())?;
    let listing = service::list(&read.state.ctx, filter, sort, page).await?;
    let page = listing.page.map(|(tag, count)| {
        let body = TagResponse {
            article_count: Some(count),
            ..TagResponse::from(tag)
        };
        match &locale {
            Some(locale) => body.localized(locale),
            None => body,
        }
    });
    Ok(read.page(page, listing.changes_at))
}

/// Get a tag
///
/// By id or by slug. An old slug (the tag was renamed) answers `301` to the current one.
#[utoipa::path(
    tag = "tags",
    params(IdOrSlugPath, IfNoneMatchHeader, LocaleQuery),
    responses(
        (status = 200, description = "The tag", body = TagResponse),
        (status = 404, description = "No tag has that id or slug"),
    )
)]
#[get("/tags/{id_or_slug}")]
pub async fn get_tag(
    read: Read,
    Key(key): Key,
    Query(query): Query<LocaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let locale = one_locale(query.locale.as_deref())?;
    let found = service::get(&read.state.ctx, key).await?;
    Ok(read.found_in(found, locale.as_deref()))
}

/// Create a tag
///
/// The slug is made from the name when absent. Editors, admins and `write` API tokens.
#[utoipa::path(
    tag = "tags",
    request_body = CreateTag,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = TagResponse),
        (status = 403, description = "Authors may not manage tags"),
        (status = 409, description = "The given slug is taken (`slug_taken`)"),
        (status = 422, description = "A field is missing, unknown or invalid"),
    )
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    Json(body): Json<CreateTag>,
) -> Result<HttpResponse, ApiError> {
    let tag = service::create(&state.ctx, &caller, body.check()?).await?;
    Ok(slugged::created(tag, &caller))
}

/// Update a tag
///
/// A JSON merge patch (`application/json` or `application/merge-patch+json`). Editors,
/// admins and `write` API tokens.
#[utoipa::path(
    tag = "tags",
    params(IdOrSlugPath, IfMatchHeader),
    request_body(content = UpdateTag, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated tag", body = TagResponse),
        (status = 403, description = "Authors may not manage tags"),
        (status = 404, description = "No tag has that id or slug"),
        (status = 409, description = "The new slug is taken (`slug_taken`)"),
        (status = 422, description = "A field is invalid"),
    )
)]
#[patch("/tags/{id_or_slug}")]
pub async fn update_tag(
    edit: Edit<Staff>,
    MergePatch(body): MergePatch<UpdateTag>,
) -> Result<HttpResponse, ApiError> {
    let (Staff(caller), ctx) = (&edit.caller, &edit.state.ctx);
    let changes = body.check()?;
    let tag = service::update(ctx, caller, edit.key, edit.precondition, changes).await?;
    Ok(slugged::written(HttpResponse::Ok(), tag, caller))
}

/// Delete a tag
///
/// Takes the tag off every article that carries it (each gets a new version, an
/// `article.updated` event and a revision), then deletes it. Editors, admins and `write` API
/// tokens.
#[utoipa::path(
    tag = "tags",
    params(IdOrSlugPath, IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Authors may not manage tags"),
        (status = 404, description = "No tag has that id or slug"),
    )
)]
#[delete("/tags/{id_or_slug}")]
pub async fn delete_tag(edit: Edit<Staff>) -> Result<HttpResponse, ApiError> {
    let (Staff(caller), ctx) = (&edit.caller, &edit.state.ctx);
    service::delete(ctx, caller, edit.key, edit.precondition).await?;
    Ok(HttpResponse::NoContent().finish())
}
