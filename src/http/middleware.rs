//! Middleware and fallbacks: the request id, panic containment, problem+json for every error
//! the framework raises itself, and the 404/405 answer for unmatched requests.

use std::panic::AssertUnwindSafe;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::FutureExt;

use super::error::{ApiError, PROBLEM_JSON};
use crate::domain::Code;
use crate::telemetry;

/// The header that carries the request id both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, as logged and as sent back.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Accepts a caller's id when it is short and plain; otherwise makes one.
fn request_id_for(req: &ServiceRequest) -> String {
    let incoming = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok());
    match incoming {
        Some(id)
            if (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) =>
        {
            id.to_owned()
        }
        _ => uuid::Uuid::new_v4().simple().to_string(),
    }
}

/// Gives each request an id, puts it on the response, and makes it (with the client's
/// address) the origin of the request's writes.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = request_id_for(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    // The writes this request makes record where they came from (the audit log).
    let origin = crate::write::Origin {
        request_id: Some(id.clone()),
        client_ip: super::client::client_ip(req.request()).map(|ip| ip.to_string()),
        caller_name: None,
    };
    let mut res = crate::write::with_origin(origin, next.call(req)).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

/// The access log: one line per request when its answer is ready (`byline::access`, at
/// info; at error for a 5xx, with the error): method, URI, route, status, the time to the
/// answer in microseconds and the client's address. The line is formatted by
/// [`crate::telemetry::access`] and queued for the log's own thread; other lines logged while
/// the request is served name its id through the task's write origin, so a request pays for
/// no span.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let every = telemetry::access_wanted(false);
    if !every && !telemetry::access_wanted(true) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    // An error answer no longer carries the request, and routing needs the request unshared,
    // so it cannot be kept aside: when every request is logged, its part of the line is taken
    // now. With failures alone logged, a failed answer still names its request.
    let before = every.then(|| Seen::of(req.request()));
    let started = std::time::Instant::now();
    let res = next.call(req).await;
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let status = match &res {
        Ok(r) => r.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    let failed = status.is_server_error();
    if every || failed {
        let answered = res.as_ref().ok().map(ServiceResponse::request);
        let seen = before.or_else(|| answered.map(Seen::of));
        let route = answered.and_then(super::cache::route_of);
        let error = failed.then(|| match &res {
            Ok(r) => r.response().error().map(ToString::to_string),
            Err(e) => Some(e.to_string()),
        });
        telemetry::access(&telemetry::Access {
            request_id: seen.as_ref().map_or("", |s| s.id.as_str()),
            method: seen.as_ref().map_or("-", |s| s.method.as_str()),
            uri: seen.as_ref().map_or(&Target::Unknown, |s| &s.target),
            route: route.as_deref().unwrap_or(""),
            status: status.as_u16(),
            micros,
            client_ip: seen.as_ref().and_then(|s| s.client_ip),
            error: error.as_ref().map(|e| e.as_deref().unwrap_or("")),
        });
    }
    res.map(ServiceResponse::map_into_boxed_body)
}

/// What an access line tells of the request itself.
struct Seen {
    id: String,
    method: Method,
    target: Target,
    client_ip: Option<std::net::IpAddr>,
}

impl Seen {
    fn of(req: &HttpRequest) -> Self {
        Seen {
            id: req
                .extensions()
                .get::<RequestId>()
                .map(|r| r.0.clone())
                .unwrap_or_default(),
            method: req.method().clone(),
            target: loggable(req.uri()),
            client_ip: super::client::client_ip(req),
        }
    }
}

/// What the access log writes of a request's target: all of it, but the token of a preview
/// link, which is a credential.
enum Target {
    /// Any other request.
    Whole(actix_web::http::Uri),
    /// `GET /api/v1/preview/{token}`, with its query if any.
    Preview(Option<String>),
    /// A failure whose request was not kept.
    Unknown,
}

const PREVIEW_PATH: &str = "/api/v1/preview/";

fn loggable(uri: &actix_web::http::Uri) -> Target {
    if uri.path().starts_with(PREVIEW_PATH) {
        Target::Preview(uri.query().map(str::to_owned))
    } else {
        Target::Whole(uri.clone())
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Whole(uri) => uri.fmt(f),
            Target::Preview(None) => write!(f, "{PREVIEW_PATH}…"),
            Target::Preview(Some(query)) => write!(f, "{PREVIEW_PATH}…?{query}"),
            Target::Unknown => f.write_str("-"),
        }
    }
}

/// Turns a panic below this point into a 500 answer instead of a dropped connection. The
/// request cannot be kept aside to build a response (routing needs it unshared), so the panic
/// becomes an error that actix renders, carrying the request id itself.
pub async fn catch_panic(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        Err(_) => {
            let mut error = ApiError::internal("a request handler panicked");
            if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                error = error.with_header(REQUEST_ID, value);
            }
            Err(error.into())
        }
    }
}

/// Rewrites any error answer that is not problem+json yet (raised by the framework or a
/// middleware) into one, keeping its status and headers.
pub fn problem_fallback<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if already {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = res
        .response()
        .error()
        .map(|e| e.to_string())
        .filter(|d| !d.is_empty() && status.is_client_error())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_lowercase());
    let (req, old) = res.into_parts();
    let mut new = ApiError::new(status, code_for(status), detail).error_response();
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE
            && name != header::CONTENT_LENGTH
            && !new.headers().contains_key(name)
        {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

fn code_for(status: StatusCode) -> Code {
    match status {
        StatusCode::BAD_REQUEST => Code::BadRequest,
        StatusCode::UNAUTHORIZED => Code::Unauthorized,
        StatusCode::FORBIDDEN => Code::Forbidden,
        StatusCode::NOT_FOUND => Code::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Code::BodyTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Code::UnsupportedMediaType,
        StatusCode::UNPROCESSABLE_ENTITY => Code::ValidationFailed,
        StatusCode::TOO_MANY_REQUESTS => Code::RateLimited,
        StatusCode::SERVICE_UNAVAILABLE => Code::DatabaseUnavailable,
        s if s.is_server_error() => Code::InternalError,
        _ => Code::Error,
    }
}

/// Every route the document declares, with the methods each answers; consulted only for
/// requests no route matched, to tell 405 from 404.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<Method>)>,
    /// The query parameters each operation declares.
    parameters: Vec<(ResourceDef, Method, Vec<String>)>,
}

impl RouteTable {
    /// Builds the table from the OpenAPI document's paths, which list every route.
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        use utoipa::openapi::path::HttpMethod;
        use utoipa::openapi::path::{Operation, ParameterIn};
        let mut routes = Vec::new();
        let mut parameters = Vec::new();
        for (path, item) in &doc.paths.paths {
            let operations: [(Method, &Option<Operation>); 5] = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let names = operation
                    .parameters
                    .iter()
                    .flatten()
                    .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
                    .map(|p| p.name.clone())
                    .collect();
                parameters.push((ResourceDef::new(path.as_str()), method, names));
            }
            let methods: Vec<Method> = [
                (HttpMethod::Get, item.get.is_some()),
                (HttpMethod::Post, item.post.is_some()),
                (HttpMethod::Put, item.put.is_some()),
                (HttpMethod::Patch, item.patch.is_some()),
                (HttpMethod::Delete, item.delete.is_some()),
            ]
            .into_iter()
            .filter(|(_, present)| *present)
            .filter_map(|(m, _)| match m {
                HttpMethod::Get => Some(Method::GET),
                HttpMethod::Post => Some(Method::POST),
                HttpMethod::Put => Some(Method::PUT),
                HttpMethod::Patch => Some(Method::PATCH),
                HttpMethod::Delete => Some(Method::DELETE),
                _ => None,
            })
            .collect();
            routes.push((ResourceDef::new(path.as_str()), methods));
        }
        Self { routes, parameters }
    }

    /// The documented path pattern a request path falls under, if any.
    pub fn pattern(&self, path: &str) -> Option<&str> {
        self.routes
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(def, _)| def.pattern().unwrap_or_default())
    }

    /// The first query parameter of a request that its operation does not declare. Requests
    /// to no known operation are left to the 404/405 answer.
    fn undeclared_parameter(&self, method: &Method, path: &str, query: &str) -> Option<String> {
        let (_, _, declared) = self
            .parameters
            .iter()
            .find(|(def, m, _)| m == method && def.is_match(path))?;
        form_urlencoded::parse(query.as_bytes())
            .map(|(name, _)| name)
            .find(|name| !declared.iter().any(|d| d == name))
            .map(|name| name.into_owned())
    }

    fn allowed(&self, path: &str) -> Option<String> {
        let mut methods: Vec<&str> = self
            .routes
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .flat_map(|(_, methods)| methods.iter().map(Method::as_str))
            .collect();
        if methods.is_empty() {
            return None;
        }
        methods.sort_unstable();
        methods.dedup();
        Some(methods.join(", "))
    }
}

/// The answer for a request that no route matched: 405 when the path exists with other
/// methods, else 404.
pub async fn unmatched(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    match table.allowed(req.path()) {
        Some(allow) => ApiError::method_not_allowed(&allow).error_response(),
        None => ApiError::not_found(format!("there is no route {}", req.path())).error_response(),
    }
}

/// Refuses a query parameter the operation does not declare, on every route, so that a typo
/// never goes unnoticed and `POST …?dry_run=true` never writes. Routes with a query of their
/// own also check it in their extractor; this covers the ones that take none.
pub async fn known_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !req.query_string().is_empty()
        && let Some(table) = req.app_data::<web::Data<RouteTable>>()
        && let Some(name) = table.undeclared_parameter(req.method(), req.path(), req.query_string())
    {
        let name = name.replace('\0', "\\0");
        let error = ApiError::invalid_query(vec![super::FieldError::new(
            &name,
            Code::UnknownParameter,
            format!("`{name}` is not a parameter of this endpoint"),
        )]);
        return Ok(req.error_response(error));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// Answers to a request that carried credentials are never stored by a shared cache, even
/// where the handler says nothing (users, tokens, webhooks, revisions): without a
/// `Cache-Control` of their own they get `private, no-store`.
pub async fn private_by_default(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let signed_in = req.headers().contains_key(header::AUTHORIZATION);
    let mut res = next.call(req).await?.map_into_boxed_body();
    if signed_in && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    Ok(res)
}

/// Answers `HEAD` like `GET`, without the body, so every readable resource supports both.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let is_head = req.method() == Method::HEAD;
    if is_head {
        req.head_mut().method = Method::GET;
    }
    let res = next.call(req).await?;
    if is_head
        && matches!(
            res.response().body().size(),
            actix_web::body::BodySize::Stream
        )
    {
        // A streamed body is not produced for nothing; the headers still say it streams.
        return Ok(res.map_body(|_, _| {
            BoxBody::new(actix_web::body::BodyStream::new(
                futures_util::stream::empty::<Result<web::Bytes, std::convert::Infallible>>(),
            ))
        }));
    }
    // A sized body keeps its length: the connection knows the request was a `HEAD`, sends
    // `Content-Length` as `GET` would and leaves the bytes out (RFC 9110, 9.3.2).
    Ok(res.map_into_boxed_body())
}

/// How long a request's body may take to arrive, from when its headers did.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub std::time::Duration);

/// A request body that fails once its deadline has passed.
struct Timed {
    inner: actix_web::dev::Payload,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
    expired: std::rc::Rc<std::cell::Cell<bool>>,
}

impl futures_util::Stream for Timed {
    type Item = Result<web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::future::Future as _;
        use std::task::Poll;
        if let Poll::Ready(item) = std::pin::Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired.set(true);
            return Poll::Ready(Some(Err(actix_web::error::PayloadError::Io(
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the body did not arrive in time",
                ),
            ))));
        }
        Poll::Pending
    }
}

/// Gives every request body a deadline (`BYLINE_BODY_TIMEOUT_SECS`): a client that trickles
/// its body gets a 408 and the connection is closed, instead of holding it open for ever.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // A request with neither a length nor chunks has no body (most reads): no timer.
    let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let deadline = req.app_data::<BodyDeadline>().copied();
    let Some(BodyDeadline(limit)) = deadline.filter(|_| has_body) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let expired = std::rc::Rc::new(std::cell::Cell::new(false));
    let timed = Timed {
        inner: req.take_payload(),
        deadline: Box::pin(tokio::time::sleep(limit)),
        expired: expired.clone(),
    };
    req.set_payload(actix_web::dev::Payload::Stream {
        payload: Box::pin(timed),
    });
    let res = next.call(req).await?;
    if !expired.get() {
        return Ok(res.map_into_boxed_body());
    }
    let (http, _) = res.into_parts();
    let error = ApiError::from(crate::domain::Error::new(
        Code::RequestTimeout,
        format!(
            "the request body did not arrive within {} seconds (BYLINE_BODY_TIMEOUT_SECS)",
            limit.as_secs()
        ),
    ));
    Ok(ServiceResponse::new(http, error.error_response()))
}

/// Whether responses carry `Server-Timing` with the statement count (a setting).
#[derive(Debug, Clone, Copy)]
pub struct ServerTiming(pub bool);

/// Counts the database statements each request runs and, when enabled, reports them as
/// `Server-Timing: db;desc="N queries"` (browsers' developer tools show it).
pub async fn server_timing(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let enabled = req.app_data::<ServerTiming>().is_some_and(|s| s.0);
    if !enabled {
        return next.call(req).await;
    }
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut res = crate::db::QUERY_COUNT
        .scope(counter.clone(), next.call(req))
        .await?;
    let n = counter.load(std::sync::atomic::Ordering::Relaxed);
    if let Ok(value) = HeaderValue::from_str(&format!("db;desc=\"{n} queries\"")) {
        res.headers_mut()
            .insert(HeaderName::from_static("server-timing"), value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_503_from_the_framework_says_what_one_from_the_database_says() {
        assert_eq!(
            code_for(StatusCode::SERVICE_UNAVAILABLE),
            crate::domain::Error::unavailable("x").code
        );
        assert_eq!(code_for(StatusCode::NOT_FOUND), Code::NotFound);
        assert_eq!(code_for(StatusCode::BAD_GATEWAY), Code::InternalError);
    }
}
