//! `ApiError`, the one error type of the HTTP layer, rendered as problem+json (RFC 9457).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{self, Code, FieldError};

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
    #[schema(schema_with = super::schema::problem_code)]
    pub code: Code,
    /// What went wrong, for a person to read.
    pub detail: String,
    /// For validation errors, one entry per invalid field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a failed `If-Match`, the version the resource has now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// For `locked` (423): the edit lock, naming the user who holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub lock: Option<super::wire::locks::LockResponse>,
}

/// An error answered to the client: a [`domain::Error`] with its status and headers.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    error: domain::Error,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.error)
    }
}

/// The status each code answers with.
fn status_of(code: Code) -> StatusCode {
    use Code as C;
    match code {
        C::Unauthorized | C::InvalidCredentials => StatusCode::UNAUTHORIZED,
        C::Forbidden => StatusCode::FORBIDDEN,
        C::NotFound | C::NotConfigured => StatusCode::NOT_FOUND,
        C::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        C::Conflict
        | C::SlugTaken
        | C::EmailTaken
        | C::StillReferenced
        | C::InvalidTransition
        | C::LastAdmin
        | C::CannotDeleteSelf
        | C::AuthorInUse
        | C::CategoryInUse
        | C::CategoryHasChildren
        | C::MediaInUse
        | C::IdempotencyKeyInFlight
        | C::IdempotencyKeyUnreplayable
        | C::DeliveryInFlight
        | C::TooManyPreviews
        | C::NotPublished
        | C::TranslationExists
        | C::TranslationLinked => StatusCode::CONFLICT,
        C::Locked => StatusCode::LOCKED,
        C::CursorExpired => StatusCode::GONE,
        C::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        C::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        C::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        C::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        C::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        C::InternalError | C::Error => StatusCode::INTERNAL_SERVER_ERROR,
        C::DatabaseUnavailable | C::Busy | C::MediaStoreUnavailable | C::SearchTimeout => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        C::BadRequest | C::InvalidQuery | C::InvalidPath | C::MalformedJson | C::UnreadableBody => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The one place where an error of the layers below becomes an HTTP answer.
impl From<domain::Error> for ApiError {
    fn from(error: domain::Error) -> Self {
        let mut headers = Vec::new();
        if let Some(secs) = error.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            headers.push((header::RETRY_AFTER, value));
        }
        if matches!(error.code, Code::Unauthorized | Code::InvalidCredentials) {
            let challenge = if error.invalid_credential {
                "Bearer realm=\"byline\", error=\"invalid_token\""
            } else {
                "Bearer realm=\"byline\""
            };
            headers.push((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            ));
        }
        Self {
            status: status_of(error.code),
            error,
            headers,
        }
    }
}

impl ApiError {
    /// An answer with a status of its own, for what the framework and the extractors refuse.
    pub fn new(status: StatusCode, code: Code, detail: impl Into<String>) -> Self {
        Self {
            status,
            error: domain::Error::new(code, detail),
            headers: Vec::new(),
        }
    }

    /// 400: the request itself is malformed.
    pub fn bad_request(code: Code, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 400 for query parameters, listing each bad one.
    pub fn invalid_query(errors: Vec<FieldError>) -> Self {
        domain::Error::invalid_query(errors).into()
    }

    /// 404: nothing there, or nothing the caller may see.
    pub fn not_found(detail: impl Into<String>) -> Self {
        domain::Error::not_found(detail).into()
    }

    /// 422 with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        domain::Error::validation(errors).into()
    }

    /// 422 for a single field.
    pub fn invalid_field(field: &str, code: Code, message: impl Into<String>) -> Self {
        domain::Error::invalid_field(field, code, message).into()
    }

    /// 405 with the `Allow` header.
    pub fn method_not_allowed(allow: &str) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            Code::MethodNotAllowed,
            format!("this resource answers only {allow}"),
        );
        if let Ok(value) = HeaderValue::from_str(allow) {
            e.headers.push((header::ALLOW, value));
        }
        e
    }

    /// 500 with a body that says nothing about the cause; the cause goes to the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        domain::Error::internal(cause).into()
    }

    /// Lists the fields at fault.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.error.errors = errors;
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> Code {
        self.error.code
    }

    /// The body as clients see it.
    pub fn problem(&self) -> Problem {
        Problem {
            type_: "about:blank".to_owned(),
            title: title(self.status).to_owned(),
            status: self.status.as_u16(),
            code: self.error.code,
            detail: self.error.detail.clone(),
            errors: self.error.errors.clone(),
            current_version: self.error.current_version,
            lock: self.error.lock.as_deref().cloned().map(Into::into),
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
        // The rest of a body too large or too slow is not worth reading: the connection
        // closes after the answer instead of draining it.
        if matches!(
            self.status,
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
        ) {
            builder.force_close();
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        builder.body(body)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(e)
    }
}
