//! The resource a path names: `{id}` (a lowercase hyphenated UUID) or `{id_or_slug}`.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::domain::keys::canonical_id;
use crate::domain::{Code, IdOrSlug};
use crate::http::ApiError;

fn segment<'a>(req: &'a HttpRequest, name: &str) -> Result<&'a str, ApiError> {
    req.match_info()
        .get(name)
        .ok_or_else(|| ApiError::internal(format!("the route has no `{name}` segment")))
}

/// The `{id_or_slug}` segment, read as an id or a slug.
#[derive(Debug, Clone)]
pub struct Key(pub IdOrSlug);

impl FromRequest for Key {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            segment(req, "id_or_slug").and_then(|raw| Ok(Key(IdOrSlug::parse(raw)?))),
        )
    }
}

/// The `{id}` segment: a UUID as the server writes them, lowercase and hyphenated.
#[derive(Debug, Clone)]
pub struct Id(pub String);

impl Id {
    /// Reads an id; anything else is a 400 `invalid_path`.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        canonical_id(raw).map(Id).ok_or_else(|| {
            ApiError::bad_request(Code::InvalidPath, format!("`{raw}` is not an id"))
        })
    }
}

impl FromRequest for Id {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(segment(req, "id").and_then(Id::parse))
    }
}

/// The `{version}` segment: a version number, 1 or more.
#[derive(Debug, Clone, Copy)]
pub struct Version(pub i64);

impl FromRequest for Version {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(segment(req, "version").and_then(|raw| {
            raw.parse::<i64>()
                .ok()
                .filter(|v| *v >= 1 && raw.bytes().all(|b| b.is_ascii_digit()))
                .map(Version)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        Code::InvalidPath,
                        format!("`{raw}` is not a version number"),
                    )
                })
        }))
    }
}
