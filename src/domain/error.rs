//! The one error type below the HTTP layer, and the codes clients switch on.
//!
//! Services and stores return [`Error`]; `crate::http::error` turns it into problem+json in
//! one `From` impl, choosing the status from the [`Code`].

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// Every machine-readable code an answer may carry, as `Problem.code` or
        /// `FieldError.code`. The wire name is the snake_case string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in the order the document lists them.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The code with this wire name.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Code::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    // Problem codes, by status.
    /// 400: the request is malformed.
    BadRequest = "bad_request",
    /// 400: a query parameter is unknown or invalid; `errors` lists each.
    InvalidQuery = "invalid_query",
    /// 400: a path segment is not an id or slug.
    InvalidPath = "invalid_path",
    /// 400: the body is not valid JSON.
    MalformedJson = "malformed_json",
    /// 400: the body could not be read.
    UnreadableBody = "unreadable_body",
    /// 401: no valid credentials.
    Unauthorized = "unauthorized",
    /// 401: a wrong email or password.
    InvalidCredentials = "invalid_credentials",
    /// 403: authenticated but not allowed.
    Forbidden = "forbidden",
    /// 404: nothing there, or nothing the caller may see.
    NotFound = "not_found",
    /// 404: feeds and sitemaps need `BYLINE_SITE_URL`, which is not set.
    NotConfigured = "not_configured",
    /// 405: the route does not answer this method.
    MethodNotAllowed = "method_not_allowed",
    /// 409: a unique value is taken.
    Conflict = "conflict",
    /// 409: the slug is taken.
    SlugTaken = "slug_taken",
    /// 409: the email belongs to another user.
    EmailTaken = "email_taken",
    /// 409: the change would break a reference.
    StillReferenced = "still_referenced",
    /// 409: the article's status does not allow this action.
    InvalidTransition = "invalid_transition",
    /// 409: the change would leave no admin.
    LastAdmin = "last_admin",
    /// 409: an admin may not delete their own account.
    CannotDeleteSelf = "cannot_delete_self",
    /// 409: articles still carry this author.
    AuthorInUse = "author_in_use",
    /// 409: articles still carry this category.
    CategoryInUse = "category_in_use",
    /// 409: the category still has children.
    CategoryHasChildren = "category_has_children",
    /// 409: articles use this image as their cover.
    MediaInUse = "media_in_use",
    /// 409: a request with this `Idempotency-Key` is still running.
    IdempotencyKeyInFlight = "idempotency_key_in_flight",
    /// 409: the first answer to this `Idempotency-Key` carried a secret, which is never
    /// kept for a replay.
    IdempotencyKeyUnreplayable = "idempotency_key_unreplayable",
    /// 409: the delivery is being sent right now.
    DeliveryInFlight = "delivery_in_flight",
    /// 409: the story has as many live preview links as it may; revoke one first.
    TooManyPreviews = "too_many_previews",
    /// 409: the story is not published, so it takes no correction.
    NotPublished = "not_published",
    /// 409: another story of the translation group is in that language.
    TranslationExists = "translation_exists",
    /// 409: the story already belongs to another translation group; unlink it first.
    TranslationLinked = "translation_linked",
    /// 410: the changes-feed cursor points before events the retention has deleted.
    CursorExpired = "cursor_expired",
    /// 408: the request's body did not arrive in time.
    RequestTimeout = "request_timeout",
    /// 412: `If-Match` does not match the current version.
    PreconditionFailed = "precondition_failed",
    /// 413: the body is larger than allowed.
    BodyTooLarge = "body_too_large",
    /// 415: the body is not JSON.
    UnsupportedMediaType = "unsupported_media_type",
    /// 422: fields are invalid; `errors` lists each.
    ValidationFailed = "validation_failed",
    /// 422: this `Idempotency-Key` was used for a different request.
    IdempotencyKeyReused = "idempotency_key_reused",
    /// 422: decoding the image would need more memory than renders may use.
    TooLargeToRender = "too_large_to_render",
    /// 422: the body is too complex to render; the field error names the rule.
    BodyTooComplex = "body_too_complex",
    /// 423: another user holds the story's edit lock; `lock` names them.
    Locked = "locked",
    /// 429: too many attempts; retry after `Retry-After`.
    RateLimited = "rate_limited",
    /// 500: the server failed; the cause is logged.
    InternalError = "internal_error",
    /// 503: the database is not answering; retry after `Retry-After`.
    DatabaseUnavailable = "database_unavailable",
    /// 503: every worker of a bounded pool is busy; retry after `Retry-After`.
    Busy = "busy",
    /// 503: this server's media folder is not the one the others on its database use.
    MediaStoreUnavailable = "media_store_unavailable",
    /// 503: a search ran past its time bound (`BYLINE_SEARCH_TIMEOUT_MS`); rarer words or
    /// a date range make it cheaper.
    SearchTimeout = "search_timeout",
    /// Any other status the framework answers with.
    Error = "error",
    // Field codes.
    /// A required field is missing or empty.
    Required = "required",
    /// Longer than allowed.
    TooLong = "too_long",
    /// Shorter than allowed.
    TooShort = "too_short",
    /// Not one of the allowed values.
    InvalidValue = "invalid_value",
    /// Not in the expected format.
    InvalidFormat = "invalid_format",
    /// Holds characters that are not allowed.
    InvalidCharacters = "invalid_characters",
    /// Not of the expected JSON type.
    InvalidType = "invalid_type",
    /// A body field the resource does not have.
    UnknownField = "unknown_field",
    /// A query parameter the route does not declare.
    UnknownParameter = "unknown_parameter",
    /// A query parameter given twice.
    DuplicateParameter = "duplicate_parameter",
    /// A cursor this endpoint did not issue.
    InvalidCursor = "invalid_cursor",
    /// The caller may not set this field or value.
    NotAllowed = "not_allowed",
    /// A number outside its range.
    OutOfRange = "out_of_range",
    /// A time that must be in the future is not.
    InThePast = "in_the_past",
    /// Two values that must match do not.
    Mismatch = "mismatch",
    /// The change would make a category its own ancestor.
    Cycle = "cycle",
    /// The body nests too deep to render.
    TooDeep = "too_deep",
    /// The body renders to too much HTML.
    RendersTooLarge = "renders_too_large",
    /// The body did not render in time.
    TooSlow = "too_slow",
    /// The body could not be rendered.
    Unrenderable = "unrenderable",
    /// The address is not one deliveries may go to (loopback, private, link-local, …).
    AddressNotAllowed = "address_not_allowed",
    /// The host name does not resolve.
    Unresolvable = "unresolvable",
    /// The image has more pixels than allowed.
    TooManyPixels = "too_many_pixels",
    /// The file is cut short or its structure is broken.
    Damaged = "damaged",
    /// The file is empty.
    Empty = "empty",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Code::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code `{name}`")))
    }
}

/// One invalid field of a request body or query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    /// The field's name, or a dotted path into the body.
    pub field: String,
    /// What kind of fault.
    pub code: Code,
    /// What is wrong, for a person to read.
    pub message: String,
}

impl FieldError {
    /// A field error from its three parts.
    pub fn new(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code,
            message: message.into(),
        }
    }
}

/// Why a request was refused or failed, without any HTTP in it.
#[derive(Debug, Clone)]
pub struct Error {
    /// What kind of failure; decides the status.
    pub code: Code,
    /// What went wrong, for a person to read.
    pub detail: String,
    /// For validation errors, one entry per invalid field.
    pub errors: Vec<FieldError>,
    /// For a failed precondition, the version the resource has now.
    pub current_version: Option<i64>,
    /// For busy, unavailable, rate-limited and locked answers: when to try again, in seconds.
    pub retry_after: Option<u32>,
    /// For `unauthorized`: the credential presented was invalid (not merely missing).
    pub invalid_credential: bool,
    /// For `locked`: the lock, and who holds it.
    pub lock: Option<Box<super::EditLock>>,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl std::error::Error for Error {}

/// The result of a service or store call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a code and a message.
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            current_version: None,
            retry_after: None,
            invalid_credential: false,
            lock: None,
        }
    }

    /// A query parameter is invalid; `errors` lists each.
    pub fn invalid_query(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => one.message.clone(),
            many => format!("{} query parameters are invalid", many.len()),
        };
        Self::new(Code::InvalidQuery, detail).with_errors(errors)
    }

    /// Nothing there, or nothing the caller may see.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(Code::NotFound, detail)
    }

    /// Fields are invalid; one entry per field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is invalid".to_owned(),
            n => format!("{n} fields are invalid"),
        };
        Self::new(Code::ValidationFailed, detail).with_errors(errors)
    }

    /// One invalid field.
    pub fn invalid_field(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    /// No valid credentials; `invalid_credential` when one was presented and refused.
    pub fn unauthorized(detail: impl Into<String>, invalid_credential: bool) -> Self {
        let mut e = Self::new(Code::Unauthorized, detail);
        e.invalid_credential = invalid_credential;
        e
    }

    /// Authenticated but not allowed.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(Code::Forbidden, detail)
    }

    /// The database did not answer in time.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(Code::DatabaseUnavailable, detail).with_retry_after(1)
    }

    /// A bounded worker pool is full.
    pub fn busy(detail: impl Into<String>) -> Self {
        Self::new(Code::Busy, detail).with_retry_after(1)
    }

    /// A failure of the server; the cause goes to the log, never to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            Code::InternalError,
            "the server failed to answer; the failure is logged under this response's x-request-id",
        )
    }

    /// `If-Match` does not match; `version` is the current one.
    pub fn precondition_failed(detail: impl Into<String>, version: i64) -> Self {
        let mut e = Self::new(Code::PreconditionFailed, detail);
        e.current_version = Some(version);
        e
    }

    /// Another user holds the story's edit lock: a 423 that names them, to retry once the
    /// lock runs out.
    pub fn locked(
        detail: impl Into<String>,
        lock: super::EditLock,
        now: chrono::NaiveDateTime,
    ) -> Self {
        let secs = (lock.expires_at - now).num_seconds().max(1);
        let mut e = Self::new(Code::Locked, detail).with_retry_after(secs.unsigned_abs());
        e.lock = Some(Box::new(lock));
        e
    }

    /// `If-Match` does not match a resource that has no version number.
    pub fn stale(detail: impl Into<String>) -> Self {
        Self::new(Code::PreconditionFailed, detail)
    }

    /// Lists the fields at fault.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Asks the client to retry after `secs` seconds.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(u32::try_from(secs).unwrap_or(u32::MAX));
        self
    }
}
