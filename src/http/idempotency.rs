//! `Idempotency-Key` on `POST`s: the first answer is kept for 24 hours per caller and key
//! and sent again, with `Idempotent-Replayed: true`, to a retry of the same request. The
//! same key on a different request is a 422, and a retry while the first still runs a 409.
//! Answers 5xx are not kept. An answer that carries a secret (a new API token, a webhook's
//! signing secret) is never kept either: its retry is a 409 `idempotency_key_unreplayable`.
//! The sign-in routes do not take a key (a replayed sign-in would hand out the same tokens
//! twice).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::extract::BodyLimit;
use super::state::AppState;
use crate::domain::Code;
use crate::idempotency::repo::Answer;
use crate::idempotency::service::{self, Begin, Outcome};

/// The request header.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The answer header of a replay.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Longest key.
pub const KEY_MAX: usize = 255;

/// Marks an answer that carries a secret, which must not be stored for a replay.
#[derive(Debug, Clone, Copy)]
struct CarriesSecret;

/// Marks `builder`'s answer as carrying a secret: under an `Idempotency-Key`, it is not
/// stored, and a retry gets a 409 `idempotency_key_unreplayable`.
pub fn carries_secret(
    builder: &mut actix_web::HttpResponseBuilder,
) -> &mut actix_web::HttpResponseBuilder {
    builder.extensions_mut().insert(CarriesSecret);
    builder
}

fn refuse(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    req.error_response(error)
}

/// Why a key cannot be used on this request, if it cannot.
fn refused_key(req: &ServiceRequest, key: &[u8]) -> Option<ApiError> {
    let message =
        if key.is_empty() || key.len() > KEY_MAX || !key.iter().all(|b| (0x20..0x7f).contains(b)) {
            format!("Idempotency-Key must be 1 to {KEY_MAX} printable ASCII characters")
        } else if req.path() == "/api/v1/media" {
            "uploads do not take an Idempotency-Key (their bodies are too large to keep); a \
         repeated upload stores its file once, under its content's hash"
                .to_owned()
        } else if req.path().starts_with("/api/v1/auth/") {
            "the sign-in routes do not take an Idempotency-Key; send the request without it"
                .to_owned()
        } else {
            return None;
        };
    Some(ApiError::bad_request(Code::BadRequest, message))
}

/// Reads the whole body, up to the body limit, to compare requests and hand it on.
async fn read_body(payload: &mut Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request(Code::UnreadableBody, "the body could not be read")
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::from(crate::domain::Error::new(
                Code::BodyTooLarge,
                format!("the body is larger than {limit} bytes"),
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// What makes two requests the same: method, path, query, content type and body.
fn fingerprint(http: &HttpRequest, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [
        http.method().as_str().as_bytes(),
        http.path().as_bytes(),
        http.query_string().as_bytes(),
        http.headers()
            .get(header::CONTENT_TYPE)
            .map_or(&b""[..], |v| v.as_bytes()),
        body,
    ] {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    format!("{:x}", hash.finalize())
}

/// The middleware.
pub async fn idempotency(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let pass = |req, next: Next<_>| async move {
        next.call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body)
    };
    let key = match req.headers().get(&IDEMPOTENCY_KEY) {
        Some(value) if req.method() == Method::POST => value.as_bytes().to_vec(),
        _ => return pass(req, next).await,
    };
    if let Some(error) = refused_key(&req, &key) {
        return Ok(refuse(req, error));
    }
    let key = String::from_utf8_lossy(&key).into_owned();
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return pass(req, next).await;
    };
    let Some(owner) = super::auth::key_owner(req.request(), &state).await else {
        // No valid credential: the route answers 401 (or 404 for an unknown path).
        return pass(req, next).await;
    };
    let limit = req.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
    let (http, mut payload) = req.into_parts();
    let body = match read_body(&mut payload, limit).await {
        Ok(body) => body,
        Err(error) => return Ok(ServiceResponse::new(http, HttpResponse::from_error(error))),
    };
    let fingerprint = fingerprint(&http, &body);
    match service::begin(&state.ctx, owner.clone(), key.clone(), fingerprint).await {
        Err(error) => Ok(ServiceResponse::new(
            http,
            HttpResponse::from_error(ApiError::from(error)),
        )),
        Ok(Begin::Replay(answer)) => Ok(ServiceResponse::new(http, replay(answer))),
        Ok(Begin::Run) => {
            let req = ServiceRequest::from_parts(http, Payload::from(body));
            let res = next.call(req).await?;
            let (http, res) = res.into_parts();
            let (out, outcome) = keep(res).await;
            if let Err(error) = service::finish(&state.ctx, owner, key, outcome).await {
                tracing::warn!(code = %error.code, "storing an idempotent answer failed: {}", error.detail);
            }
            Ok(ServiceResponse::new(http, out))
        }
    }
}

/// The answer to send now, and what to keep of it for a retry: nothing of a server error
/// (the retry runs again), only the status of an answer that carries a secret.
async fn keep(res: HttpResponse<impl MessageBody>) -> (HttpResponse, Outcome) {
    let status = res.status();
    let secret = res.extensions().get::<CarriesSecret>().is_some();
    let head = res.head().clone();
    let bytes = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap_or_default();
    let header_text = |name: header::HeaderName| {
        head.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let answer = Answer {
        status: i32::from(status.as_u16()),
        location: header_text(header::LOCATION),
        etag: header_text(header::ETAG),
        content_type: header_text(header::CONTENT_TYPE),
        body: if secret { Vec::new() } else { bytes.to_vec() },
    };
    let outcome = if status.is_server_error() {
        Outcome::Free
    } else if secret {
        Outcome::Seal(answer)
    } else {
        Outcome::Keep(answer)
    };
    let mut out = HttpResponse::with_body(status, BoxBody::new(bytes));
    *out.headers_mut() = head.headers.clone();
    (out, outcome)
}

/// The stored answer, sent again.
fn replay(answer: Answer) -> HttpResponse {
    let status = u16::try_from(answer.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    res.insert_header((REPLAYED, HeaderValue::from_static("true")));
    for (name, value) in [
        (header::LOCATION, answer.location),
        (header::ETAG, answer.etag),
        (header::CONTENT_TYPE, answer.content_type),
    ] {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            res.insert_header((name, v));
        }
    }
    if answer.body.is_empty() {
        res.finish()
    } else {
        res.body(answer.body)
    }
}
