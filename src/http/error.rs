//! `ApiError`, the one error type of the HTTP layer, rendered as problem+json (RFC 9457).

use std::borrow::Cow;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error body as clients receive it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank", "title": "Unprocessable Content", "status": 422,
    "code": "validation_failed", "detail": "1 field is invalid",
    "errors": [{"field": "name", "code": "required", "message": "name must not be empty"}]
}))]
pub struct Problem {
    /// Always `about:blank`: `code` is the machine-readable kind.
    #[serde(rename = "type")]
    pub type_: String,
    /// The reason phrase of the status code.
    pub title: String,
    /// The HTTP status code, repeated.
    pub status: u16,
    /// A stable snake_case error code, such as `not_found` or `slug_taken`.
    pub code: String,
    /// What went wrong, for a person to read.
    pub detail: String,
    /// For validation errors, one entry per invalid field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a failed `If-Match`, the version the resource has now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

/// One invalid field of a request body or query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct FieldError {
    /// The field's name, or a dotted path into the body.
    pub field: String,
    /// A stable snake_case code: `required`, `too_long`, `invalid_format`, `unknown_field`, …
    pub code: String,
    /// What is wrong, for a person to read.
    pub message: String,
}

impl FieldError {
    /// A field error from its three parts.
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// An error answered to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    detail: String,
    errors: Vec<FieldError>,
    headers: Vec<(HeaderName, HeaderValue)>,
    current_version: Option<i64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: Cow::Borrowed(code),
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
            current_version: None,
        }
    }

    /// 400: the request itself is malformed.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 400 for query parameters, listing each bad one.
    pub fn invalid_query(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => one.message.clone(),
            many => format!("{} query parameters are invalid", many.len()),
        };
        let mut e = Self::bad_request("invalid_query", detail);
        e.errors = errors;
        e
    }

    /// 404: nothing there, or nothing the caller may see.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 409: the request conflicts with the stored state.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 422 with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is invalid".to_owned(),
            n => format!("{n} fields are invalid"),
        };
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            detail,
        );
        e.errors = errors;
        e
    }

    /// 422 for a single field.
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    /// 405 with the `Allow` header.
    pub fn method_not_allowed(allow: &str) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("this resource answers only {allow}"),
        );
        if let Ok(value) = HeaderValue::from_str(allow) {
            e.headers.push((header::ALLOW, value));
        }
        e
    }

    /// 503: the database did not answer in time.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            detail,
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    }

    /// 500 with a body that says nothing about the cause; the cause goes to the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the server failed to answer; the failure is logged under this response's x-request-id",
        )
    }

    /// Lists the fields at fault.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Records the resource's current version (for 412 answers).
    pub fn with_current_version(mut self, version: i64) -> Self {
        self.current_version = Some(version);
        self
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The body as clients see it.
    pub fn problem(&self) -> Problem {
        Problem {
            type_: "about:blank".to_owned(),
            title: title(self.status).to_owned(),
            status: self.status.as_u16(),
            code: self.code.clone().into_owned(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
            current_version: self.current_version,
        }
    }
}

/// The status's reason phrase as RFC 9110 names it (actix still uses some older names).
fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        builder.content_type(PROBLEM_JSON);
        builder.insert_header((header::CACHE_CONTROL, "no-store"));
        for (name, value) in &self.headers {
            builder.insert_header((name.clone(), value.clone()));
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        builder.body(body)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match &e {
            Error::NotFound => ApiError::not_found("no such resource"),
            Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _) => {
                tracing::warn!(error = %e, "database connection lost");
                ApiError::unavailable("the database connection was lost; retry")
            }
            Error::DatabaseError(_, info) if is_unavailable_message(info.message()) => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::unavailable("the database is busy or restarting; retry")
            }
            Error::DatabaseError(Kind::UniqueViolation, _) => {
                ApiError::conflict("conflict", "a resource with the same unique value exists")
            }
            // SQLite reports constraint failures without an extended code on some paths.
            Error::DatabaseError(_, info)
                if info.message().starts_with("UNIQUE constraint failed") =>
            {
                ApiError::conflict("conflict", "a resource with the same unique value exists")
            }
            Error::DatabaseError(_, info)
                if info.message().starts_with("FOREIGN KEY constraint failed") =>
            {
                ApiError::conflict(
                    "still_referenced",
                    "the change would break a reference between resources",
                )
            }
            Error::DatabaseError(Kind::ForeignKeyViolation, _) => ApiError::conflict(
                "still_referenced",
                "the change would break a reference between resources",
            ),
            _ => ApiError::internal(e),
        }
    }
}

/// Messages of errors that mean "try again later" rather than "this request is wrong".
fn is_unavailable_message(message: &str) -> bool {
    const MARKERS: &[&str] = &[
        "database is locked",
        "terminating connection",
        "server closed the connection",
        "connection to server",
        "the database system is starting up",
        "the database system is shutting down",
        "no connection to the server",
        "could not receive data from server",
    ];
    MARKERS.iter().any(|m| message.contains(m))
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        tracing::warn!(error = %e, "no database connection available");
        ApiError::unavailable("the database is not answering; retry shortly")
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(e)
    }
}
