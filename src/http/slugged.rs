//! What the handlers of slugged resources (authors, categories, tags) share: a read by id or
//! slug, with the redirect of an old slug, the validators and the response cache; and the
//! answer to a write, the resource as its writer would read it, with its entity tag. The
//! [`Read`] and [`Edit`] extractors gather what those handlers take.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, web};
use chrono::NaiveDateTime;
use futures_util::future::LocalBoxFuture;
use serde::Serialize;

use crate::domain::caller::Caller;
use crate::domain::{IdOrSlug, IfMatch, Lookup};
use crate::http::ApiError;
use crate::http::cache;
use crate::http::caching::{self, cache_headers, stamp_tag, validators};
use crate::http::extract::{IfNoneMatch, Key};
use crate::http::pagination::{self, Page};
use crate::http::redirect::moved;
use crate::http::state::AppState;
use crate::slugged::Slugged;

/// A slugged resource as the API shows it.
pub trait Shown: Slugged {
    /// The collection's path, `/api/v1/<resource>`.
    const PATH: &'static str;
    /// The JSON body of one.
    type Body: Serialize;
    /// The body this caller reads, and the variant of the entity tag that goes with it
    /// (empty when everyone reads the same).
    fn shown(self, caller: &Caller) -> (Self::Body, &'static str);

    /// The body as read in a language (`locale=`): the same, unless the resource has
    /// names per language.
    fn localized(body: Self::Body, _locale: &str) -> Self::Body {
        body
    }
}

/// The answer to `GET /api/v1/<resource>/{id_or_slug}`: the resource with its validators,
/// a 304 when the client's copy is current, or a 301 from an old slug.
pub fn found<R: Shown>(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    (lookup, locale): (Lookup<R>, Option<&str>),
    cached: &IfNoneMatch,
) -> HttpResponse {
    let row = match lookup {
        Lookup::Found(row) => row,
        Lookup::Moved(slug) => {
            let mut builder = HttpResponse::MovedPermanently();
            cache_headers(&mut builder, caller, state.cache_max_age);
            return moved(builder, req, R::PATH, &slug);
        }
    };
    let (id, updated_at) = (row.id().to_owned(), row.updated_at());
    let (body, variant) = row.shown(caller);
    let body = match locale {
        Some(locale) => R::localized(body, locale),
        None => body,
    };
    let tag = stamp_tag(&id, updated_at, variant);
    let mut builder = HttpResponse::Ok();
    cache_headers(&mut builder, caller, state.cache_max_age);
    if let Some(not_modified) = validators(&mut builder, &tag, updated_at, cached) {
        return not_modified;
    }
    cache::allow_public(&mut builder, caller, vec![id], None);
    builder.json(body)
}

/// The resource as written, as the same caller would read it, with its tag and no caching.
pub fn written<R: Shown>(
    mut builder: HttpResponseBuilder,
    row: R,
    caller: &Caller,
) -> HttpResponse {
    let (id, updated_at) = (row.id().to_owned(), row.updated_at());
    let (body, variant) = row.shown(caller);
    caching::written(&mut builder, &stamp_tag(&id, updated_at, variant));
    builder.json(body)
}

/// The `201` of a create: [`written`], with `Location` naming the new resource by id.
pub fn created<R: Shown>(row: R, caller: &Caller) -> HttpResponse {
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("{}/{}", R::PATH, row.id())));
    written(builder, row, caller)
}

/// What a read of one resource takes: the request, the state, the caller and the copies the
/// caller holds (`If-None-Match`).
pub struct Read {
    /// The request (for the redirect's query).
    pub req: HttpRequest,
    /// The application.
    pub state: web::Data<AppState>,
    /// Who asks.
    pub caller: Caller,
    /// The caller's copies.
    pub cached: IfNoneMatch,
}

impl Read {
    /// [`found`] for this request.
    pub fn found<R: Shown>(&self, lookup: Lookup<R>) -> HttpResponse {
        found(
            &self.req,
            &self.state,
            &self.caller,
            (lookup, None),
            &self.cached,
        )
    }

    /// [`found`] for this request, read in `locale` when it names one.
    pub fn found_in<R: Shown>(&self, lookup: Lookup<R>, locale: Option<&str>) -> HttpResponse {
        found(
            &self.req,
            &self.state,
            &self.caller,
            (lookup, locale),
            &self.cached,
        )
    }

    /// A page of a list the public may read, which the response cache may keep for the
    /// public until `changes_at` (when a count or a schedule moves with no write).
    pub fn page<T: Serialize>(
        &self,
        page: Page<T>,
        changes_at: Option<NaiveDateTime>,
    ) -> HttpResponse {
        let mut builder = HttpResponse::Ok();
        cache_headers(&mut builder, &self.caller, self.state.cache_max_age);
        cache::allow_public_list(&mut builder, &self.caller, changes_at);
        pagination::page(builder, &self.req, page)
    }
}

impl FromRequest for Read {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let caller = Caller::from_request(req, payload);
        let cached = IfNoneMatch::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let caller = caller.await?;
            Ok(Read {
                req,
                state,
                caller,
                cached: cached.await?,
            })
        })
    }
}

/// What a change to one resource takes: the state, the caller (`C`, the extractor that
/// decides who may), the resource's id or slug and its `If-Match`.
pub struct Edit<C> {
    /// The application.
    pub state: web::Data<AppState>,
    /// Who asks, as `C` admits them.
    pub caller: C,
    /// The resource.
    pub key: IdOrSlug,
    /// The version the caller read, if it says.
    pub precondition: IfMatch,
}

impl<C> FromRequest for Edit<C>
where
    C: FromRequest + 'static,
    ApiError: From<C::Error>,
{
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let caller = C::from_request(req, payload);
        let key = Key::from_request(req, payload);
        let precondition = IfMatch::from_request(req, payload);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let caller = caller.await?;
            Ok(Edit {
                state,
                caller,
                key: key.await?.0,
                precondition: precondition.await?,
            })
        })
    }
}
