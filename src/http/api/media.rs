//! HTTP handlers for `/api/v1/media` (the library) and `/media/…` (the files).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use futures_util::StreamExt;

use crate::domain::caller::Caller;
use crate::domain::media::{Crop, Focal};
use crate::domain::page::PageRequest;
use crate::domain::{Code, Error, FieldError};
use crate::http::ApiError;
use crate::http::cache;
use crate::http::caching::{self, stamp_tag, validators};
use crate::http::docs::{IfMatchHeader, IfNoneMatchHeader};
use crate::http::extract::{IfMatch, IfNoneMatch, MergePatch, Query};
use crate::http::pagination;
use crate::http::state::AppState;
use crate::http::wire::media::{
    MediaList, MediaListQuery, MediaResponse, OriginalQuery, RenditionQuery, UpdateMedia,
    UploadMedia,
};
use crate::media::render::Encoding;
use crate::media::service::{Format, Served, Staged, Upload, Wanted};
use crate::validate;

/// Who sees who uploaded what: anyone signed in.
fn staff(caller: &Caller) -> bool {
    caller.0.is_some()
}

fn invalid_id(raw: &str) -> Result<String, ApiError> {
    uuid::Uuid::try_parse(raw)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| ApiError::bad_request(Code::InvalidPath, "the id in the path is not a UUID"))
}

fn body_error(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(Code::UnreadableBody, message)
}

/// What an upload's request may carry besides the file: part headers, boundaries and the
/// text parts (three of at most [`crate::http::wire::media::TEXT_MAX`] characters).
const UPLOAD_ALLOWANCE: u64 = 64 * 1024 + 3 * 4 * crate::http::wire::media::TEXT_MAX as u64;

/// Counts a whole upload request's body (preamble, part headers and parts alike) against
/// its limit, and remembers whether it went over.
#[derive(Clone)]
struct BodyBudget {
    limit: u64,
    over: std::rc::Rc<std::cell::Cell<bool>>,
}

impl BodyBudget {
    fn too_large(&self) -> ApiError {
        Error::new(
            Code::BodyTooLarge,
            format!(
                "the request body is larger than {} bytes (BYLINE_MEDIA_MAX_BYTES and {} bytes \
                 for the other parts)",
                self.limit - UPLOAD_ALLOWANCE,
                UPLOAD_ALLOWANCE
            ),
        )
        .into()
    }

    /// The error for a multipart body that could not be read: a 413 when it was cut
    /// off for its size.
    fn unreadable(&self) -> ApiError {
        if self.over.get() {
            self.too_large()
        } else {
            body_error("the multipart body could not be read")
        }
    }

    /// The request's body, failing once more than the limit has arrived.
    fn count(
        &self,
        payload: web::Payload,
    ) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + 'static
    {
        let (limit, over) = (self.limit, self.over.clone());
        let mut seen = 0u64;
        payload.map(move |chunk| {
            let chunk = chunk?;
            seen += chunk.len() as u64;
            if seen > limit {
                over.set(true);
                return Err(actix_web::error::PayloadError::Overflow);
            }
            Ok(chunk)
        })
    }
}

fn field_error(field: &str, code: Code, message: impl Into<String>) -> ApiError {
    Error::validation(vec![FieldError::new(field, code, message)]).into()
}

/// Reads a text part of at most `max` characters.
async fn text_part(
    field: &mut actix_multipart::Field,
    name: &str,
    max: usize,
    budget: &BodyBudget,
) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|_| budget.unreadable())?;
        bytes.extend_from_slice(&chunk);
        if bytes.len() > max * 4 {
            return Err(field_error(
                name,
                Code::TooLong,
                format!("{name} must be at most {max} characters"),
            ));
        }
    }
    String::from_utf8(bytes).map_err(|_| {
        field_error(
            name,
            Code::InvalidCharacters,
            format!("{name} must be UTF-8 text"),
        )
    })
}

/// Upload an image
///
/// `multipart/form-data` with a `file` part and optional `alt`, `caption`, `credit`,
/// `focal_x` and `focal_y` parts (the point crops are cut around, each 0 to 1; the middle
/// by default). The kind is told by the bytes (JPEG, PNG, WebP, GIF; anything else, SVG included,
/// is a 415), the size is limited by `BYLINE_MEDIA_MAX_BYTES` (413) and the pixels to 50
/// million (422, read from the header before anything is decoded). Metadata (EXIF with GPS,
/// XMP, IPTC, comments) and anything after the image's end are stripped from what is
/// stored; the same bytes are stored once. Authors, editors, admins and `write` tokens.
#[utoipa::path(
    tag = "media",
    request_body(content = UploadMedia, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = MediaResponse,
            headers(("ETag" = String, description = "The item's entity tag"))),
        (status = 400, description = "The multipart body could not be read"),
        (status = 403, description = "A `read` token"),
        (status = 408, description = "The body did not arrive within `BYLINE_BODY_TIMEOUT_SECS`"),
        (status = 413, description = "The request is over `BYLINE_MEDIA_MAX_BYTES` (with an allowance for the other parts), counted whole"),
        (status = 415, description = "Not `multipart/form-data`, or the file is not a JPEG, PNG, WebP or GIF"),
        (status = 422, description = "No `file` part, an empty, truncated or damaged file, more than 50 megapixels, an image whose renditions would need more memory than `BYLINE_MEDIA_RENDER_MIB` (`too_large_to_render`), or an invalid text part"),
        (status = 503, description = "`media_store_unavailable`: this server's media folder is not the one the other servers on its database use"),
    )
)]
#[post("/media")]
pub async fn upload_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let mut staged = state.media.stage(&caller).await?;
    if !multipart {
        return Err(Error::new(
            Code::UnsupportedMediaType,
            "uploads are multipart/form-data, with the image in a part named file",
        )
        .into());
    }
    let budget = BodyBudget {
        limit: state.media.max_bytes().saturating_add(UPLOAD_ALLOWANCE),
        over: std::rc::Rc::default(),
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > budget.limit) {
        return Err(budget.too_large());
    }
    let parts = actix_multipart::Multipart::new(req.headers(), budget.count(payload));
    let upload = read_parts(parts, &mut staged, &budget).await?;
    let media = state
        .media
        .create(&state.ctx, &caller, staged, upload)
        .await?;
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("/api/v1/media/{}", media.id)));
    caching::written(&mut builder, &stamp_tag(&media.id, media.updated_at, ""));
    Ok(builder.json(MediaResponse::new(media, true)))
}

/// Reads the parts of an upload: the file into `staged`, the text parts into the upload's
/// fields. Each part once; `file` is required, and no other part is taken.
async fn read_parts(
    mut parts: actix_multipart::Multipart,
    staged: &mut Staged,
    budget: &BodyBudget,
) -> Result<Upload, ApiError> {
    let mut upload = Upload::default();
    let mut focal = (None, None);
    let mut has_file = false;
    let mut seen: Vec<String> = Vec::new();
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| budget.unreadable())?;
        let name = part.name().unwrap_or_default().to_owned();
        if seen.contains(&name) {
            let message = format!("{name} is given twice");
            return Err(field_error(&name, Code::InvalidValue, message));
        }
        seen.push(name.clone());
        match name.as_str() {
            "file" => {
                upload.filename = part
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .map(str::to_owned);
                while let Some(chunk) = part.next().await {
                    let chunk = chunk.map_err(|_| budget.unreadable())?;
                    staged.write(&chunk).await?;
                }
                has_file = true;
            }
            "alt" | "caption" | "credit" => {
                let max = crate::http::wire::media::TEXT_MAX;
                let text = text_part(&mut part, &name, max, budget).await?;
                let mut errors = Vec::new();
                let value = validate::multi_line(&name, &text, max, &mut errors);
                if !errors.is_empty() {
                    return Err(Error::validation(errors).into());
                }
                match name.as_str() {
                    "alt" => upload.alt = value,
                    "caption" => upload.caption = value,
                    _ => upload.credit = value,
                }
            }
            "focal_x" | "focal_y" => {
                let text = text_part(&mut part, &name, 32, budget).await?;
                let mut errors = Vec::new();
                let value = match text.trim().parse::<f64>() {
                    Ok(v) => crate::http::wire::media::focal(&name, v, &mut errors),
                    Err(_) => {
                        let message = format!("{name} must be a number from 0 to 1");
                        return Err(field_error(&name, Code::InvalidValue, message));
                    }
                };
                if !errors.is_empty() {
                    return Err(Error::validation(errors).into());
                }
                if name == "focal_x" {
                    focal.0 = value;
                } else {
                    focal.1 = value;
                }
            }
            other => {
                let message = format!(
                    "`{other}` is not a part uploads take; use file, alt, caption, credit, \
                     focal_x and focal_y"
                );
                return Err(field_error(other, Code::UnknownField, message));
            }
        }
    }
    if !has_file {
        let message = "a part named file, with the image, is required";
        return Err(field_error("file", Code::Required, message));
    }
    if focal != (None, None) {
        upload.focal = Focal::from_fractions(focal.0.unwrap_or(0.5), focal.1.unwrap_or(0.5));
    }
    Ok(upload)
}

/// List the library
///
/// Newest first, a page at a time; `q` matches the file name, alt text or caption. Anyone
/// signed in.
#[utoipa::path(
    tag = "media",
    params(MediaListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of images", body = MediaList),
    )
)]
#[get("/media")]
pub async fn list_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    Query(query): Query<MediaListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = crate::validate::text_filter(query.q.as_deref(), 200)?;
    let page = PageRequest::new(query.limit, query.cursor, None)?;
    let page = state.media.list(&state.ctx, &caller, q, page).await?;
    let page = page.map(|m| MediaResponse::new(m, true));
    Ok(pagination::page(HttpResponse::Ok(), &req, page))
}

/// Get an image's record
///
/// Anyone signed in. Sends `ETag`; `If-None-Match` gives 304.
#[utoipa::path(
    tag = "media",
    params(("id" = String, Path, format = Uuid, description = "The image's id"),
        IfNoneMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The image's record", body = MediaResponse,
            headers(("Cache-Control" = String, description = "`private, no-store`: records are for staff"))),
        (status = 404, description = "No image has that id"),
    )
)]
#[get("/media/{id}")]
pub async fn get_media(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    cached: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    let id = invalid_id(&id)?;
    let media = state.media.get(&state.ctx, &caller, id).await?;
    let mut builder = HttpResponse::Ok();
    builder.insert_header((header::CACHE_CONTROL, "private, no-store"));
    let tag = stamp_tag(&media.id, media.updated_at, "");
    if let Some(not_modified) = validators(&mut builder, &tag, media.updated_at, &cached) {
        return Ok(not_modified);
    }
    Ok(builder.json(MediaResponse::new(media, staff(&caller))))
}

/// Update an image's record
///
/// Alt text, caption and credit (JSON merge patch). Authors change only their own uploads.
/// Honors `If-Match`.
#[utoipa::path(
    tag = "media",
    params(("id" = String, Path, format = Uuid, description = "The image's id"),
        IfMatchHeader),
    request_body(content = UpdateMedia, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated record", body = MediaResponse),
        (status = 400, description = "Bad JSON or path"),
        (status = 403, description = "Another author's upload, or a `read` token"),
        (status = 404, description = "No image has that id"),
        (status = 422, description = "A field is invalid"),
    )
)]
#[patch("/media/{id}")]
pub async fn update_media(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    precondition: IfMatch,
    MergePatch(body): MergePatch<UpdateMedia>,
) -> Result<HttpResponse, ApiError> {
    let id = invalid_id(&id)?;
    let changes = body.check()?;
    let media = state
        .media
        .update(&state.ctx, &caller, id, precondition, changes)
        .await?;
    let mut builder = HttpResponse::Ok();
    caching::written(&mut builder, &stamp_tag(&media.id, media.updated_at, ""));
    Ok(builder.json(MediaResponse::new(media, true)))
}

/// Delete an image
///
/// Refused with 409 `media_in_use`, naming the articles, while any article (in the trash
/// too) has it as its cover. The file goes when no other item holds the same bytes, with
/// its renditions. Authors delete only their own uploads. Honors `If-Match`.
#[utoipa::path(
    tag = "media",
    params(("id" = String, Path, format = Uuid, description = "The image's id"),
        IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Another author's upload, or a `read` token"),
        (status = 404, description = "No image has that id"),
        (status = 409, description = "Articles use it as their cover (`media_in_use`)"),
        (status = 503, description = "`media_store_unavailable`: this server's media folder is not the one the other servers on its database use"),
    )
)]
#[delete("/media/{id}")]
pub async fn delete_media(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    precondition: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = invalid_id(&id)?;
    state
        .media
        .delete(&state.ctx, &caller, id, precondition)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An image's original file
///
/// Metadata stripped, as uploaded otherwise. Public. Immutable: cached a year; sends
/// `ETag`, `Content-Length` and `Accept-Ranges`, answers `Range` (206, or 416) and `HEAD`.
#[utoipa::path(
    tag = "media",
    params(("id" = String, Path, format = Uuid, description = "The image's id"),
        ("filename" = String, Path, description = "The image's file name, as its record gives it"),
        ("Range" = Option<String>, Header, description = "One byte range, such as `bytes=0-1023`")),
    responses(
        (status = 200, description = "The file", content_type = "image/*", body = Vec<u8>,
            headers(("ETag" = String, description = "Strong entity tag"),
                ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"),
                ("X-Content-Type-Options" = String, description = "`nosniff`"))),
        (status = 206, description = "The range asked for", content_type = "image/*", body = Vec<u8>,
            headers(("Content-Range" = String, description = "`bytes start-end/size`"))),
        (status = 404, description = "No image has that id and name"),
        (status = 416, description = "The range lies outside the file"),
        (status = 503, description = "`media_store_unavailable`: this server's media folder is not the one the other servers on its database use"),
    )
)]
#[get("/media/{id}/{filename}")]
pub async fn media_original(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _query: Query<OriginalQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, filename) = path.into_inner();
    let id = invalid_id(&id)?;
    let served = state.media.original(&state.ctx, id, filename).await?;
    Ok(file(&req, served))
}

/// A rendition of an image
///
/// `width` is one of 160, 320, 640, 960, 1280, 1920, no wider than the original or the crop
/// (404 otherwise); the social card comes in one width, 1200 (or the image's own, when
/// smaller), as the record's `sources` list. `format=auto` (the default) picks AVIF or WebP
/// when `Accept` names them, else JPEG (PNG for originals that are not JPEGs), and the answer
/// varies on `Accept`; `avif`, `webp`, `jpeg` and `png` pin one. WebP and AVIF are lossy at
/// `BYLINE_MEDIA_QUALITY`. `crop=16x9|4x3|1x1|social` cuts the largest area of those
/// proportions around the focal point (`focal=x,y`: one the image has or had; the middle
/// when absent), never scaled up. Made on the first request (once, however many arrive
/// together) and kept beside the original. Public; the same caching, `Range` and `HEAD` as
/// the original.
#[utoipa::path(
    tag = "media",
    params(("id" = String, Path, format = Uuid, description = "The image's id"),
        ("width" = u32, Path, minimum = 1, maximum = 1920, description = "160, 320, 640, 960, 1280 or 1920; for `crop=social`, the width the record lists"),
        ("filename" = String, Path, description = "The image's file name, as its record gives it"),
        ("Range" = Option<String>, Header, description = "One byte range, such as `bytes=0-1023`"),
        ("Accept" = Option<String>, Header, description = "With `format=auto`: `image/avif` and `image/webp` pick those formats"),
        RenditionQuery),
    responses(
        (status = 200, description = "The rendition", content_type = "image/*", body = Vec<u8>,
            headers(("ETag" = String, description = "Strong entity tag"),
                ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"),
                ("Vary" = String, description = "`Accept` when the format was picked by it"),
                ("X-Content-Type-Options" = String, description = "`nosniff`"))),
        (status = 206, description = "The range asked for", content_type = "image/*", body = Vec<u8>),
        (status = 400, description = "The id is not a UUID, the width not a number, or the format, crop or focal point unknown", content_type = "application/problem+json"),
        (status = 404, description = "No image has that id and name, no rendition has that width, or the image never had that focal point", content_type = "application/problem+json"),
        (status = 416, description = "The range lies outside the file"),
        (status = 422, description = "The stored image does not decode (`damaged`), or this format of it would need more memory than `BYLINE_MEDIA_RENDER_MIB` (`too_large_to_render`)", content_type = "application/problem+json"),
        (status = 503, description = "`media_store_unavailable`: this server's media folder is not the one the other servers on its database use", content_type = "application/problem+json"),
    )
)]
#[get("/media/{id}/{width}/{filename}")]
pub async fn media_rendition(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    Query(query): Query<RenditionQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, width, filename) = path.into_inner();
    let id = invalid_id(&id)?;
    let width: u32 = width
        .parse()
        .ok()
        .filter(|_| width.chars().all(|c| c.is_ascii_digit()) && !width.starts_with('0'))
        .ok_or_else(|| {
            ApiError::bad_request(Code::InvalidPath, "the width must be a number of pixels")
        })?;
    let wanted = wanted(&req, width, &query)?;
    let served = state
        .media
        .rendition(&state.ctx, id, filename, wanted)
        .await?;
    Ok(file(&req, served))
}

/// The rendition a request asks for: a 400 naming each query parameter that is wrong.
fn wanted(req: &HttpRequest, width: u32, query: &RenditionQuery) -> Result<Wanted, ApiError> {
    let mut errors = Vec::new();
    let format = match query.format.as_deref() {
        None | Some("auto") => Some(accepted_formats(req)),
        Some(raw) => Encoding::parse(raw).map(Format::Exact),
    };
    if format.is_none() {
        let message = "format must be auto, avif, webp, jpeg or png";
        errors.push(FieldError::new("format", Code::InvalidValue, message));
    }
    let crop = match query.crop.as_deref() {
        None => Some(Crop::Original),
        Some(raw) => Crop::parse(raw),
    };
    if crop.is_none() {
        let message = "crop must be 16x9, 4x3, 1x1 or social";
        errors.push(FieldError::new("crop", Code::InvalidValue, message));
    }
    let focal = match (query.focal.as_deref(), crop) {
        (None, _) => Some(Focal::CENTER),
        (Some(_), Some(Crop::Original)) => {
            let message = "focal goes with crop: the whole image has no focal point";
            errors.push(FieldError::new("focal", Code::InvalidValue, message));
            None
        }
        (Some(raw), _) => {
            let point = Focal::parse(raw);
            if point.is_none() {
                let message = "focal must be two numbers from 0 to 1, such as 0.3,0.7";
                errors.push(FieldError::new("focal", Code::InvalidValue, message));
            }
            point
        }
    };
    match (format, crop, focal) {
        (Some(format), Some(crop), Some(focal)) if errors.is_empty() => Ok(Wanted {
            width,
            crop,
            focal,
            format,
        }),
        _ => Err(ApiError::invalid_query(errors)),
    }
}

/// For the response cache: which formats `Accept` lets `format=auto` pick, for a request
/// of a rendition whose format it picks (`None` for any other request).
pub fn negotiated(req: &HttpRequest) -> Option<&'static str> {
    let path = req.path();
    if !path.starts_with("/media/") || path.split('/').count() != 5 {
        return None;
    }
    let pinned = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(name, value)| name == "format" && value != "auto");
    if pinned {
        return None;
    }
    Some(match accepted_formats(req) {
        Format::Auto { avif: true, .. } => "avif",
        Format::Auto { webp: true, .. } => "webp",
        _ => "plain",
    })
}

/// What `format=auto` may pick for this request: AVIF and WebP when `Accept` names them
/// (a `q=0` refuses one; `*/*` and `image/*` name neither).
pub fn accepted_formats(req: &HttpRequest) -> Format {
    let mut avif = false;
    let mut webp = false;
    for item in req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or("").to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        match name.as_str() {
            "image/avif" => avif = !refused,
            "image/webp" => webp = !refused,
            _ => {}
        }
    }
    Format::Auto { avif, webp }
}

/// The one range a `Range` header asks for within `len` bytes: `Ok(None)` for the whole
/// file (no header, several ranges, or one that does not parse), `Err` when it lies outside.
fn range(req: &HttpRequest, len: u64, tag: &str) -> Result<Option<(u64, u64)>, ()> {
    let Some(raw) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    if let Some(if_range) = req
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        && if_range.trim() != tag
    {
        return Ok(None);
    }
    let Some(spec) = raw.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let parsed = match (start.trim(), end.trim()) {
        ("", "") => return Ok(None),
        ("", suffix) => match suffix.parse::<u64>() {
            Ok(0) => return Err(()),
            Ok(n) => (len.saturating_sub(n), len.saturating_sub(1)),
            Err(_) => return Ok(None),
        },
        (first, "") => match first.parse::<u64>() {
            Ok(s) => (s, len.saturating_sub(1)),
            Err(_) => return Ok(None),
        },
        (first, last) => match (first.parse::<u64>(), last.parse::<u64>()) {
            (Ok(s), Ok(e)) if s <= e => (s, e.min(len.saturating_sub(1))),
            _ => return Ok(None),
        },
    };
    if len == 0 || parsed.0 >= len {
        return Err(());
    }
    Ok(Some(parsed))
}

/// A file's answer: immutable caching, its entity tag, `nosniff`, and the range asked for.
fn file(req: &HttpRequest, served: Served) -> HttpResponse {
    let Served {
        media,
        bytes,
        content_type,
        variant,
        negotiated,
    } = served;
    let tag = format!(
        "\"{}.{variant}\"",
        &media.sha256[..media.sha256.len().min(32)],
    );
    let mut builder = HttpResponse::Ok();
    builder.insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"));
    builder.insert_header((header::ETAG, tag.clone()));
    builder.insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    builder.insert_header((header::ACCEPT_RANGES, "bytes"));
    builder.insert_header((
        header::CONTENT_DISPOSITION,
        format!("inline; filename=\"{}\"", media.filename),
    ));
    let vary = if negotiated {
        "Accept, Accept-Encoding"
    } else {
        "Accept-Encoding"
    };
    builder.insert_header((header::VARY, vary));
    builder.content_type(content_type);
    if caching::client_is_current(req, Some(&tag), None) {
        return builder.status(StatusCode::NOT_MODIFIED).finish();
    }
    let len = bytes.len() as u64;
    match range(req, len, &tag) {
        Err(()) => {
            builder.status(StatusCode::RANGE_NOT_SATISFIABLE);
            builder.insert_header((header::CONTENT_RANGE, format!("bytes */{len}")));
            builder.finish()
        }
        Ok(Some((start, end))) => {
            builder.status(StatusCode::PARTIAL_CONTENT);
            builder.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")));
            let (s, e) = (
                usize::try_from(start).unwrap_or(usize::MAX),
                usize::try_from(end).unwrap_or(usize::MAX),
            );
            builder.body(bytes.slice(s..=e.min(bytes.len().saturating_sub(1))))
        }
        Ok(None) => {
            cache::allow_public(&mut builder, &Caller(None), vec![media.id.into()], None);
            builder.body(bytes)
        }
    }
}
