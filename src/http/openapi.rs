//! The root of the OpenAPI document, and the finishing pass that gives every operation its
//! problem+json error responses.

use actix_web::App;
use utoipa::OpenApi;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{Ref, RefOr};
use utoipa_actix_web::AppExt;

use crate::http::FieldError;
use crate::http::error::{PROBLEM_JSON, Problem};
use crate::http::pagination::ListMeta;
use crate::http::redirect::Moved;

/// Info, tags and shared components; the paths come from the registered routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Byline",
        description = "A headless CMS for news: articles, authors and categories as a JSON API.\n\n\
            Every error is `application/problem+json` with a stable `code`. Lists are paged \
            with opaque keyset cursors: pass `meta.next_cursor` back as `cursor`, or follow \
            the `Link: <…>; rel=\"next\"` header. Unknown query parameters are a 400 and \
            unknown body fields a 422: nothing is silently ignored.\n\n\
            Authenticate with `Authorization: Bearer <token>`: an access token from \
            `POST /api/v1/auth/login`, or an API token (`byl_…`). Roles: `author` writes \
            their own articles, `editor` edits and publishes everything and manages authors \
            and categories, `admin` also manages users and API tokens. A `read` API token \
            sees unpublished content; a `write` token also edits it as an editor would.",
        license(name = "MIT", identifier = "MIT"),
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Sign in, refresh and sign out; who am I"),
        (name = "users", description = "Staff accounts (admins only)"),
        (name = "tokens", description = "API tokens for integrators (admins only)"),
        (name = "articles", description = "Stories: written as Markdown, published through actions, found with `q`"),
        (name = "translations", description = "A story's versions in other languages, linked in a group with one story per language"),
        (name = "previews", description = "Links that show a story to someone without an account, as it would look published"),
        (name = "notes", description = "Staff's notes on a story, with mentions; never public"),
        (name = "corrections", description = "Public corrections, clarifications and updates to published stories"),
        (name = "locks", description = "Edit locks: who is editing a story, so that others learn of it before they write"),
        (name = "history", description = "Revisions of articles, the trash, and the audit log"),
        (name = "events", description = "The changes feed: every change in commit order, for sync"),
        (name = "webhooks", description = "Signed deliveries of events to receivers (admins only)"),
        (name = "authors", description = "Bylines; `email` is shown to editors and admins only"),
        (name = "categories", description = "Sections of the site, which may nest"),
        (name = "tags", description = "Topics that cut across sections; articles carry up to 20"),
        (name = "media", description = "Uploaded images, their renditions at fixed widths, and the files themselves"),
        (name = "feeds", description = "RSS, Atom and JSON Feed of the newest stories, and sitemaps with Google News; they need `BYLINE_SITE_URL`"),
        (name = "service", description = "Health, readiness and this document"),
    ),
    components(schemas(Problem, FieldError, ListMeta, Moved))
)]
pub struct ApiDoc;

/// Adds the `bearer` security scheme (JWT access tokens and `byl_` API tokens).
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT or byl_ API token")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login`, or an API token",
                    ))
                    .build(),
            ),
        );
    }
}

/// The complete document, as served at `/openapi.json` and committed in `openapi/`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::routes::routes)
        .split_for_parts();
    finish(doc)
}

/// The document as JSON, as clients receive it.
pub fn document_value() -> serde_json::Value {
    let mut value = serde_json::to_value(document()).unwrap_or_default();
    link_created_resources(&mut value);
    headers_are_not_nullable(&mut value);
    idempotency_keys(&mut value);
    webhook_delivery(&mut value);
    servers_and_security(&mut value);
    optional_bodies(&mut value);
    article_shapes(&mut value);
    tag_id_lists(&mut value);
    media_files(&mut value);
    value
}

/// The document as pretty JSON with a trailing newline.
pub fn document_json() -> String {
    let mut json = serde_json::to_string_pretty(&document_value()).unwrap_or_default();
    json.push('\n');
    json
}

fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let problem_content = || {
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build()
    };
    let components = doc.components.get_or_insert_with(Default::default);
    components.responses.insert(
        "Problem".to_owned(),
        RefOr::T(
            ResponseBuilder::new()
                .description("An error, as `application/problem+json`; `code` tells which")
                .content(PROBLEM_JSON, problem_content())
                .build(),
        ),
    );
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in operations.into_iter().flatten() {
            super::docs::fill_in(op);
            add_problem_responses(op, &problem_content);
        }
    }
    doc
}

/// Declares, on each `201` of a collection's `POST`, how to reach the new item: by its `id`,
/// which never changes (a slug may). Client generators and stateful testers follow these.
/// Written on the JSON form because utoipa 5 spells the link field `operation_id`, not the
/// `operationId` that OpenAPI requires.
fn link_created_resources(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let keys: Vec<String> = paths.keys().cloned().collect();
    for collection in &keys {
        let item_path = keys.iter().find(|p| {
            p.strip_prefix(collection.as_str()).is_some_and(|rest| {
                rest.starts_with("/{") && rest.ends_with('}') && !rest[1..].contains('/')
            })
        });
        let Some(item_path) = item_path else { continue };
        let param = &item_path[collection.len() + 2..item_path.len() - 1];
        let mut links = serde_json::Map::new();
        for (name, method) in [("get", "get"), ("update", "patch"), ("delete", "delete")] {
            if let Some(id) = paths[item_path].pointer(&format!("/{method}/operationId")) {
                let link = json!({"operationId": id, "parameters": {param: "$response.body#/id"}});
                links.insert(name.to_owned(), link);
            }
        }
        if let Some(created) = paths
            .get_mut(collection)
            .and_then(|item| item.pointer_mut("/post/responses/201"))
            .and_then(Value::as_object_mut)
        {
            created.insert("links".to_owned(), Value::Object(links));
        }
    }
}

/// An optional header is absent or a string; utoipa marks `Option` parameters nullable,
/// which for a header would invite the literal text `null`.
fn headers_are_not_nullable(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                continue;
            };
            for param in params {
                if param["in"] == "header" && param["schema"]["type"].is_array() {
                    param["schema"]["type"] = Value::from("string");
                }
            }
        }
    }
}

/// What a receiver gets: the OpenAPI 3.1 `webhooks` entry for a delivery, so that client
/// generators make the receiver's types too.
fn webhook_delivery(doc: &mut serde_json::Value) {
    use serde_json::json;
    let header = |name: &str, description: &str, example: &str| {
        json!({"name": name, "in": "header", "required": true, "description": description,
            "schema": {"type": "string"}, "example": example})
    };
    doc["webhooks"] = json!({
        "event": {
            "post": {
                "operationId": "receive_event",
                "tags": ["webhooks"],
                "summary": "A delivery to a webhook",
                "description": "Byline POSTs each event a webhook asked for to its `url`, signed \
                    the Standard Webhooks way: `webhook-signature` holds `v1,` and the base64 \
                    HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed by the \
                    base64 part of the `whsec_` secret, one per secret in force (two for 24 \
                    hours after a rotation), space-separated. Answer 2xx within 10 seconds; \
                    anything else is retried (about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, \
                    ±20 %), and 410 turns the webhook off. Delivery is at least once: \
                    de-duplicate on `webhook-id`. A `webhook.ping` event (from \
                    `POST /api/v1/webhooks/{id}/ping`) has the same shape, with `data` null.",
                "parameters": [
                    header("webhook-id", "The event's id, the same on every attempt", "01936f0e-7a3c-7b1e-9c55-2f0d4e8a1b23"),
                    header("webhook-timestamp", "Unix seconds when this attempt was signed", "1764495000"),
                    header("webhook-signature", "`v1,<base64>` per signing secret, space-separated", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
                ],
                "security": [],
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}
                },
                "responses": {
                    "2XX": {"description": "Taken"},
                    "410": {"description": "Gone: the webhook is turned off"}
                }
            }
        }
    });
}

/// Where to send requests (the server that serves the document), and who may call each
/// operation: a bearer token where one is needed, nothing at all for sign-in and the
/// service endpoints, and an optional token on public reads, where it changes the answer
/// (drafts for staff, private fields, no caching).
fn servers_and_security(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    doc["servers"] = json!([{
        "url": "/",
        "description": "The Byline server that serves this document (locally `http://127.0.0.1:8080`)"
    }]);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            if op.contains_key("security") {
                continue;
            }
            let public_read = method == "get" && path.starts_with("/api/v1/");
            let security = if public_read {
                json!([{}, {"bearer": []}])
            } else {
                json!([])
            };
            op.insert("security".into(), security);
        }
    }
}

/// Image files are bytes (`string`, `binary`), not arrays of numbers; the upload's `file`
/// part says which types it takes.
fn media_files(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let binary = json!({"type": "string", "format": "binary"});
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if !path.starts_with("/media/") {
                continue;
            }
            for status in ["200", "206"] {
                let content = &mut item["get"]["responses"][status]["content"];
                if let Some(image) = content.get_mut("image/*") {
                    image["schema"] = binary.clone();
                }
            }
        }
        if let Some(body) = paths
            .get_mut("/api/v1/media")
            .and_then(|item| item.get_mut("post"))
            .and_then(|op| op.get_mut("requestBody"))
        {
            body["content"]["multipart/form-data"]["encoding"] = json!({
                "file": {"contentType": "image/jpeg, image/png, image/webp, image/gif"}
            });
        }
    }
    let file = &mut doc["components"]["schemas"]["UploadMedia"]["properties"]["file"];
    if file.is_object() {
        *file = json!({"type": "string", "format": "binary",
            "description": "The image: JPEG, PNG, WebP or GIF, told by its bytes; at most \
                `BYLINE_MEDIA_MAX_BYTES` (20 MiB) and 50 megapixels."});
    }
}

/// Lists of tag ids: UUIDs, each once (utoipa's field attributes cannot say so).
fn tag_id_lists(doc: &mut serde_json::Value) {
    use serde_json::json;
    for schema in [
        "Article",
        "ArticleSummary",
        "ArticleFields",
        "CreateArticle",
        "UpdateArticle",
    ] {
        let list = &mut doc["components"]["schemas"][schema]["properties"]["tag_ids"];
        if list.is_object() {
            list["items"] = json!({"type": "string", "format": "uuid"});
            list["uniqueItems"] = json!(true);
        }
    }
}

/// Action bodies that may be left out: declared as not required, with the object schema
/// itself rather than "null or the object", which client generators turn into a value
/// they then fail to send.
fn optional_bodies(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(op) = item.get_mut("post") else {
            continue;
        };
        let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) else {
            continue;
        };
        let mut optional = false;
        if let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) {
            for media in content.values_mut() {
                let variants = media.pointer("/schema/oneOf").and_then(Value::as_array);
                let object = variants.and_then(|v| match v.as_slice() {
                    [null, object] if null["type"] == "null" => Some(object.clone()),
                    _ => None,
                });
                if let Some(object) = object {
                    media["schema"] = object;
                    optional = true;
                }
            }
        }
        if optional {
            body.insert("required".into(), Value::Bool(false));
        }
    }
}

/// Three shapes of an article, so that typed clients get what they are sent:
/// - `Article`: the whole article (a single read, every write), `body` and `body_html`
///   included;
/// - `ArticleSummary`: a list item, without `body` and `body_html` unless `fields` names them;
/// - `ArticleFields`: what `fields` leaves, every field but `id` optional. The operations
///   answer `Article` and `ArticleSummary`; a client that sends `fields` reads the answer as
///   `ArticleFields` (the parameter says so).
fn article_shapes(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(mut summary) = schemas.get("Article").cloned() else {
        return;
    };
    summary["description"] = Value::from(
        "An article in a list: every field of `Article` but `body` and `body_html`, which \
         come only when `fields` names them. With `fields`, an item is an `ArticleFields`.",
    );
    schemas.insert("ArticleSummary".into(), summary);
    if let Some(required) = schemas
        .get_mut("Article")
        .and_then(|a| a.get_mut("required"))
        .and_then(Value::as_array_mut)
    {
        for field in ["body", "body_html"] {
            if !required.iter().any(|r| r == field) {
                required.push(Value::from(field));
            }
        }
    }
    if let Some(items) = schemas
        .get_mut("ArticleList")
        .and_then(|l| l.pointer_mut("/properties/data/items"))
    {
        *items = json!({"$ref": "#/components/schemas/ArticleSummary"});
    }
    // The trash lists articles without their bodies too.
    if let Some(article) = schemas
        .get_mut("TrashedArticle")
        .and_then(|t| t.pointer_mut("/allOf/0/$ref"))
    {
        *article = Value::from("#/components/schemas/ArticleSummary");
    }
}

/// Every `POST` but the sign-in routes and the upload takes `Idempotency-Key`, and its
/// success answers say when they are a replay.
fn idempotency_keys(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if path.starts_with("/api/v1/auth/") || path == "/api/v1/media" {
            continue;
        }
        let Some(op) = item.get_mut("post").and_then(Value::as_object_mut) else {
            continue;
        };
        let param = json!({
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "description": "Makes a retry safe: the first answer is kept 24 hours per caller \
                and key, and the same request with the same key gets it again (with \
                `Idempotent-Replayed: true`) without acting twice. The same key on a \
                different request is a 422 `idempotency_key_reused`; a retry while the \
                first still runs is a 409 `idempotency_key_in_flight`. Answers 5xx are \
                not kept, and neither is an answer that carries a secret (a new API token, \
                a webhook's secret): its retry is a 409 `idempotency_key_unreplayable`.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                "pattern": "^[\\x20-\\x7E]+$"},
            "example": "6f1c0a52-5c1e-4e8a-9a57-3b1b2f0f5e11"
        });
        match op.get_mut("parameters").and_then(Value::as_array_mut) {
            Some(params) => params.push(param),
            None => {
                op.insert("parameters".into(), Value::Array(vec![param]));
            }
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (status, response) in responses.iter_mut() {
                if !status.starts_with('2') {
                    continue;
                }
                if let Some(response) = response.as_object_mut() {
                    let headers = response
                        .entry("headers")
                        .or_insert_with(|| Value::Object(Default::default()));
                    if let Some(headers) = headers.as_object_mut() {
                        headers.insert(
                            "Idempotent-Replayed".into(),
                            json!({
                                "description": "`true` when this is the kept answer to an \
                                    earlier request with the same `Idempotency-Key`",
                                "schema": {"type": "string", "enum": ["true"]}
                            }),
                        );
                    }
                }
            }
        }
    }
}

fn add_problem_responses(
    op: &mut Operation,
    problem_content: &dyn Fn() -> utoipa::openapi::Content,
) {
    for (status, response) in op.responses.responses.iter_mut() {
        let is_error = status.starts_with('4') || status.starts_with('5');
        if is_error
            && let RefOr::T(response) = response
            && response.content.is_empty()
        {
            response
                .content
                .insert(PROBLEM_JSON.to_owned(), problem_content());
        }
    }
    for range in ["4XX", "5XX"] {
        op.responses
            .responses
            .entry(range.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Problem")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_patterns_are_the_enforced_ones() {
        let json = document_json();
        for pattern in [
            crate::validate::SINGLE_LINE_PATTERN,
            crate::validate::MULTI_LINE_PATTERN,
            crate::validate::URL_PATTERN,
            crate::slug::PATTERN,
        ] {
            let quoted = serde_json::to_string(pattern).unwrap();
            assert!(
                json.contains(&quoted),
                "the document never states {pattern}"
            );
        }
    }
}
