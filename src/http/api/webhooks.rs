//! HTTP handlers for `/api/v1/webhooks` (admins only).

use crate::domain::DeliveryStatus;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::domain::caller::Admin;
use crate::domain::keys::canonical_id;
use crate::domain::{Code, FieldError};
use crate::http::ApiError;
use crate::http::docs::IdPath;
use crate::http::extract::{Id, Json, MergePatch, OptionalJson, Query};
use crate::http::pagination::{self, PageQuery, Paging};
use crate::http::state::AppState;
use crate::http::wire::articles::EmptyBody;
use crate::http::wire::webhooks::{
    CreateWebhook, DeliveryList, DeliveryQuery, DeliveryResponse, UpdateWebhook, WebhookList,
    WebhookResponse,
};
use crate::webhooks::service;

/// Register a webhook
///
/// Byline POSTs each matching event to `url`, signed the Standard Webhooks way
/// (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), so
/// receivers verify it with the `standardwebhooks` libraries. The signing secret
/// (`whsec_…`) is in this answer only. A delivery succeeds on any 2xx within 10 seconds;
/// otherwise it is retried after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (±20 %),
/// then marked failed. A 410 answer turns the webhook off. Redirects are not followed.
/// One resource's events arrive in order. Admins only.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = WebhookResponse),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "`idempotency_key_unreplayable`: a retry under the `Idempotency-Key` of a request that succeeded; its secret is never kept"),
        (status = 422, description = "A field is invalid; the URL is not http(s), does not resolve, or resolves to a private address (`address_not_allowed`)"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    admin: Admin,
    Json(body): Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let input = body.check()?;
    let (row, secret) = service::create(
        &state.ctx,
        &admin,
        input.url.unwrap_or_default(),
        input.events.unwrap_or_default(),
        input.active.unwrap_or(true),
        input.description.flatten(),
        state.webhook_allow_private,
    )
    .await?;
    Ok(
        crate::http::idempotency::carries_secret(&mut HttpResponse::Created())
            .insert_header((header::LOCATION, format!("/api/v1/webhooks/{}", row.id)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(WebhookResponse::new(row, Some(secret))),
    )
}

/// List webhooks
///
/// In creation order, without their secrets. Admins only.
#[utoipa::path(
    tag = "webhooks",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of webhooks", body = WebhookList),
        (status = 403, description = "Not an admin"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: Admin,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state.ctx, &admin, page).await?;
    let page = page.map(|w| WebhookResponse::new(w, None));
    Ok(pagination::page(HttpResponse::Ok(), &req, page))
}

/// Get a webhook
///
/// Without its secret. Admins only.
#[utoipa::path(
    tag = "webhooks",
    params(IdPath),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The webhook", body = WebhookResponse),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No webhook has that id"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    admin: Admin,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    let row = service::get(&state.ctx, &admin, id).await?;
    Ok(HttpResponse::Ok().json(WebhookResponse::new(row, None)))
}

/// Update a webhook
///
/// A JSON merge patch. A new `url` is checked as at creation. Setting `active` to `true`
/// after the server turned it off (a 410) resumes the deliveries still pending. Admins only.
#[utoipa::path(
    tag = "webhooks",
    params(IdPath),
    request_body(content = UpdateWebhook, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated webhook", body = WebhookResponse),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No webhook has that id"),
        (status = 422, description = "A field is invalid, or the URL is not allowed"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    admin: Admin,
    Id(id): Id,
    MergePatch(body): MergePatch<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let row = service::update(
        &state.ctx,
        &admin,
        id,
        body.check()?,
        state.webhook_allow_private,
    )
    .await?;
    Ok(HttpResponse::Ok().json(WebhookResponse::new(row, None)))
}

/// Delete a webhook
///
/// With its delivery log; nothing more is sent to it. Admins only.
#[utoipa::path(
    tag = "webhooks",
    params(IdPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No webhook has that id"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    admin: Admin,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    service::delete(&state.ctx, &admin, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a webhook's signing secret
///
/// Answers the webhook with its new `secret`, shown this once. For 24 hours deliveries
/// carry two signatures, one per secret, so a receiver can switch at leisure. Accepts an
/// empty body or `{}`. Admins only.
#[utoipa::path(
    tag = "webhooks",
    params(IdPath),
    request_body(content = Option<EmptyBody>, description = "Nothing, or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The webhook with its new secret", body = WebhookResponse),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No webhook has that id"),
        (status = 409, description = "`idempotency_key_unreplayable`: a retry under the `Idempotency-Key` of a request that succeeded; its secret is never kept"),
        (status = 422, description = "The body has fields"),
    )
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    admin: Admin,
    Id(id): Id,
    _body: OptionalJson<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    let (row, secret) = service::rotate(&state.ctx, &admin, id).await?;
    Ok(
        crate::http::idempotency::carries_secret(&mut HttpResponse::Ok())
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(WebhookResponse::new(row, Some(secret))),
    )
}

/// Send a test ping
///
/// Queues a `webhook.ping` event for this webhook (whatever its `events`), delivered and
/// retried like any other; follow it in the delivery log. Accepts an empty body or `{}`.
/// Admins only.
#[utoipa::path(
    tag = "webhooks",
    params(IdPath),
    request_body(content = Option<EmptyBody>, description = "Nothing, or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued", body = DeliveryResponse),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No webhook has that id"),
        (status = 422, description = "The body has fields"),
    )
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping_webhook(
    state: web::Data<AppState>,
    admin: Admin,
    Id(id): Id,
    _body: OptionalJson<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    let delivery = service::ping(&state.ctx, &admin, id).await?;
    Ok(HttpResponse::Accepted().json(DeliveryResponse::from(delivery)))
}

/// List a webhook's deliveries
///
/// Newest first: status, attempts, the last answer's code, duration and first KiB. Admins
/// only.
#[utoipa::path(
    tag = "webhooks",
    params(IdPath,
        DeliveryQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryList),
        (status = 400, description = "An unknown or invalid query parameter, or the id is not a UUID"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No webhook has that id"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: Admin,
    Id(id): Id,
    Query(query): Query<DeliveryQuery>,
    Paging(page): Paging,
) -> Result<HttpResponse, ApiError> {
    let status = match query.status.as_deref().map(DeliveryStatus::parse) {
        Some(None) => {
            return Err(ApiError::invalid_query(vec![FieldError::new(
                "status",
                Code::InvalidValue,
                "status must be pending, succeeded or failed",
            )]));
        }
        parsed => parsed.flatten(),
    };
    let page = service::deliveries(&state.ctx, &admin, id, status, page).await?;
    let page = page.map(DeliveryResponse::from);
    Ok(pagination::page(HttpResponse::Ok(), &req, page))
}

/// Retry a delivery
///
/// Sends it again as soon as possible, whatever its status (a redelivery of one that
/// succeeded keeps its `webhook-id`, so receivers that de-duplicate ignore it). One being
/// sent right now is a 409 `delivery_in_flight`. Accepts an empty body or `{}`. Admins only.
#[utoipa::path(
    tag = "webhooks",
    params(IdPath,
        ("delivery_id" = String, Path, description = "The delivery's id", format = Uuid, pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
    request_body(content = Option<EmptyBody>, description = "Nothing, or `{}`"),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued again", body = DeliveryResponse),
        (status = 400, description = "An id is not a UUID, or the body is not JSON"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No such webhook or delivery"),
        (status = 409, description = "The delivery is being sent right now (`delivery_in_flight`)"),
        (status = 422, description = "The body has fields"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry_delivery(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: Admin,
    Id(id): Id,
    _body: OptionalJson<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    let raw = req.match_info().get("delivery_id").unwrap_or_default();
    let delivery_id = canonical_id(raw)
        .ok_or_else(|| ApiError::bad_request(Code::InvalidPath, format!("`{raw}` is not an id")))?;
    let delivery = service::retry(&state.ctx, &admin, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().json(DeliveryResponse::from(delivery)))
}
