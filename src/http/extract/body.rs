//! JSON request bodies: the media type, the size limit, parsing into field errors, NUL
//! characters, merge-patch values and optional bodies.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::messages::{between_backticks, strip_position};
use crate::domain::Code;
use crate::http::{ApiError, FieldError};

/// The largest body a request may carry, in bytes; set once from the settings.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body of type `T` (`Content-Type: application/json`).
#[derive(Debug)]
pub struct Json<T>(pub T);

/// A merge-patch body: `application/json` or `application/merge-patch+json`.
#[derive(Debug)]
pub struct MergePatch<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_json(req, payload, &["application/json"]);
        Box::pin(async move { read.await.map(Json) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for MergePatch<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_json(
            req,
            payload,
            &["application/json", "application/merge-patch+json"],
        );
        Box::pin(async move { read.await.map(MergePatch) })
    }
}

/// Checks the media type, reads at most the body limit, and parses.
fn read_json<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    accepted: &'static [&'static str],
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    let body = read_body(req, payload, accepted);
    Box::pin(async move { parse_json(&body.await?) })
}

/// Checks the media type and reads at most the body limit.
fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    accepted: &'static [&'static str],
) -> LocalBoxFuture<'static, Result<web::BytesMut, ApiError>> {
    let limit = req.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
    let checked = check_media_type(req, accepted).and_then(|()| check_length(req, limit));
    let mut payload = payload.take();
    Box::pin(async move {
        checked?;
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request(
                    Code::UnreadableBody,
                    format!("the body could not be read: {e}"),
                )
            })?;
            if body.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    })
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
        Code::BodyTooLarge,
        format!("the request body is larger than the limit of {limit} bytes"),
    )
}

fn check_length(req: &HttpRequest, limit: usize) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => Err(too_large(limit)),
        _ => Ok(()),
    }
}

fn check_media_type(req: &HttpRequest, accepted: &[&str]) -> Result<(), ApiError> {
    let unsupported = |detail: String| {
        ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::UnsupportedMediaType,
            detail,
        )
    };
    let expected = accepted.join(" or ");
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Err(unsupported(format!(
            "send the body as {expected} with a Content-Type header"
        )));
    };
    let value = value.to_str().unwrap_or_default();
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    if !accepted.contains(&essence.as_str()) {
        return Err(unsupported(format!(
            "the body must be {expected}, not `{value}`"
        )));
    }
    for param in parts {
        let Some((name, val)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("charset")
            && !val.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err(unsupported(
                "JSON bodies must be encoded as UTF-8".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Parses a JSON body: broken JSON is a 400, JSON of the wrong shape a 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // serde would read a struct from a JSON array too (`["Market"]`); bodies are objects only.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let not_an_object = first.is_some_and(|b| *b != b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
    if not_an_object {
        return Err(ApiError::invalid_field(
            "body",
            Code::InvalidType,
            "the body must be a JSON object",
        ));
    }
    if has_nul_escape(body) {
        return Err(nul_in_body(body));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de);
    let value = match value {
        // Trailing bytes after the value make the whole body malformed.
        Ok(v) => match de.end() {
            Ok(()) => return Ok(v),
            Err(e) => {
                return Err(ApiError::bad_request(
                    Code::MalformedJson,
                    format!("the body is not valid JSON: {e}"),
                ));
            }
        },
        Err(e) => Err::<T, _>(e),
    };
    value.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                ApiError::validation(vec![field_error(&path, &inner)])
            }
            _ => ApiError::bad_request(
                Code::MalformedJson,
                format!("the body is not valid JSON: {inner}"),
            ),
        }
    })
}

/// Whether a JSON text holds the escape `\u0000` (JSON cannot carry a raw NUL). A `u0000`
/// counts only after an odd run of backslashes: `\\u0000` is a backslash and text.
fn has_nul_escape(body: &[u8]) -> bool {
    let mut from = 0;
    while let Some(at) = body[from..].windows(5).position(|w| w == b"u0000") {
        let at = from + at;
        let slashes = body[..at].iter().rev().take_while(|b| **b == b'\\').count();
        if slashes % 2 == 1 {
            return true;
        }
        from = at + 5;
    }
    false
}

/// The 422 for a body with a NUL in a string, naming the first field that holds one.
fn nul_in_body(body: &[u8]) -> ApiError {
    fn find(value: &serde_json::Value, path: &str) -> Option<String> {
        let join = |key: &str| {
            if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            }
        };
        match value {
            serde_json::Value::String(s) => s.contains('\0').then(|| path.to_owned()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| find(v, &join(&i.to_string()))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                if k.contains('\0') {
                    Some(join(&k.replace('\0', "\\0")))
                } else {
                    find(v, &join(k))
                }
            }),
            _ => None,
        }
    }
    let field = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| find(&v, ""))
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "body".to_owned());
    ApiError::invalid_field(
        &field,
        Code::InvalidCharacters,
        format!("{field} contains a NUL character"),
    )
}

/// Turns a serde message into a field error with a stable code.
fn field_error(path: &str, err: &dyn std::fmt::Display) -> FieldError {
    let message = strip_position(&err.to_string());
    let named = between_backticks(&message);
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    if message.starts_with("unknown field") {
        // The path already ends at the unknown key itself.
        let field = if path.is_empty() || path == "." {
            named.unwrap_or("?").to_owned()
        } else {
            path.to_owned()
        };
        return FieldError::new(
            &field,
            Code::UnknownField,
            format!("{field} is not a field of this body"),
        );
    }
    if message.starts_with("missing field") {
        let field = join(named.unwrap_or("?"));
        return FieldError::new(&field, Code::Required, format!("{field} is required"));
    }
    let field = if path.is_empty() || path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    let code = if message.starts_with("invalid type") {
        Code::InvalidType
    } else {
        Code::InvalidValue
    };
    FieldError::new(&field, code, format!("{field}: {message}"))
}

pub use crate::domain::Patch;

/// An optional JSON body: none at all gives `T::default()`, anything else must be JSON.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
        if declared.unwrap_or(0) == 0 && !chunked {
            return Box::pin(async { Ok(OptionalJson(T::default())) });
        }
        let read = read_body(req, payload, &["application/json"]);
        Box::pin(async move {
            let body = read.await?;
            // `null` stands for "nothing to say", like an empty body.
            if body.trim_ascii().is_empty() || body.trim_ascii() == b"null" {
                return Ok(OptionalJson(T::default()));
            }
            parse_json(&body).map(OptionalJson)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_escapes_are_told_from_escaped_backslashes() {
        assert!(has_nul_escape(br#"{"a": "x\u0000y"}"#));
        assert!(has_nul_escape(br#"{"a": "\\\u0000"}"#));
        assert!(!has_nul_escape(br#"{"a": "\\u0000"}"#));
        assert!(!has_nul_escape(br#"{"a": "u0000"}"#));
        let e = nul_in_body(br#"{"title": "ok", "tags": ["a", "b\u0000"]}"#);
        assert_eq!(e.problem().errors[0].field, "tags.1");
    }
}
