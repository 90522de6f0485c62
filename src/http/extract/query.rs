//! Query strings: unknown, repeated, malformed or NUL-carrying parameters are a 400.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use super::messages::{between_backticks, strip_position};
use crate::domain::Code;
use crate::http::{ApiError, FieldError};

/// A query string parsed into `T`; unknown or malformed parameters are a 400.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// Parses a query string, naming the offending parameter on failure.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    if let Some((name, _)) =
        form_urlencoded::parse(query.as_bytes()).find(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        let name = name.replace('\0', "\\0");
        return Err(ApiError::invalid_query(vec![FieldError::new(
            &name,
            Code::InvalidCharacters,
            format!("`{name}` contains a NUL character"),
        )]));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = strip_position(&err.inner().to_string());
        let named = between_backticks(&message).map(str::to_owned);
        let error = if message.starts_with("unknown field") {
            let name = named.unwrap_or_default();
            FieldError::new(
                &name,
                Code::UnknownParameter,
                format!("`{name}` is not a parameter of this endpoint"),
            )
        } else if message.starts_with("duplicate field") {
            let name = named.unwrap_or_default();
            FieldError::new(
                &name,
                Code::DuplicateParameter,
                format!("`{name}` is given more than once"),
            )
        } else {
            let name = if path == "." {
                "query".to_owned()
            } else {
                path
            };
            FieldError::new(
                &name,
                Code::InvalidValue,
                format!("`{name}` is invalid: {message}"),
            )
        };
        ApiError::invalid_query(vec![error])
    })
}
