//! The list request a query string makes.

use super::shape::Shape;
use crate::articles::model::ArticleSort;
use crate::articles::search::{Search, Tuning};
use crate::articles::service::{Assignee, ListRequest};
use crate::domain::caller::Caller;
use crate::domain::page::PageRequest;
use crate::domain::{Code, IdOrSlug, Named, Status};
use crate::http::wire::articles::ArticleListQuery;
use crate::http::{ApiError, FieldError};

fn parse_statuses(raw: &str) -> Result<Vec<Status>, ApiError> {
    if raw.len() > 100 {
        return Err(ApiError::invalid_query(vec![FieldError::new(
            "status",
            Code::TooLong,
            "status must be at most 100 characters",
        )]));
    }
    if raw == "all" {
        return Ok(Status::ALL.to_vec());
    }
    let mut statuses = Vec::new();
    for status in raw.split(',') {
        let Some(status) = Status::parse(status) else {
            return Err(ApiError::invalid_query(vec![FieldError::new(
                "status",
                Code::InvalidValue,
                format!(
                    "`{status}` is not a status; use draft, in_review, scheduled, published, archived or all"
                ),
            )]));
        };
        statuses.push(status);
    }
    if statuses.is_empty() {
        return Err(ApiError::invalid_query(vec![FieldError::new(
            "status",
            Code::InvalidValue,
            "status must name at least one status",
        )]));
    }
    Ok(statuses)
}

/// `tag`: up to 20 slugs, comma-separated.
fn tag_slugs(raw: &str) -> Result<Vec<String>, ApiError> {
    let invalid = |message: String| {
        ApiError::invalid_query(vec![FieldError::new("tag", Code::InvalidValue, message)])
    };
    if raw.len() > 4100 {
        return Err(invalid("tag must be at most 4100 characters".into()));
    }
    let slugs: Vec<&str> = raw.split(',').collect();
    let max = crate::tags::MAX_PER_ARTICLE;
    if slugs.len() > max {
        return Err(invalid(format!("tag takes at most {max} slugs")));
    }
    // Anything slug-shaped is taken (a slug no tag has matches nothing).
    slugs
        .into_iter()
        .map(|s| {
            if crate::slug::is_shaped(s) {
                Ok(s.to_owned())
            } else {
                Err(invalid(format!("`{s}` is not a tag slug")))
            }
        })
        .collect()
}

fn key_param(name: &str, raw: Option<&str>) -> Result<Option<IdOrSlug>, ApiError> {
    raw.map(IdOrSlug::parse).transpose().map_err(|_| {
        ApiError::invalid_query(vec![FieldError::new(
            name,
            Code::InvalidValue,
            format!("{name} must be an id or a slug"),
        )])
    })
}

/// `assignee`: `me`, `none` or a user's id.
fn assignee(raw: &str) -> Result<Assignee, ApiError> {
    match raw {
        "me" => Ok(Assignee::Me),
        "none" => Ok(Assignee::Nobody),
        id => crate::domain::keys::canonical_id(id)
            .map(|id| Assignee::User(id.into()))
            .ok_or_else(|| {
                ApiError::invalid_query(vec![FieldError::new(
                    "assignee",
                    Code::InvalidValue,
                    "assignee must be me, none or a user's id",
                )])
            }),
    }
}

/// The list request a query string makes, and the shape of its items.
pub fn list_request(
    query: ArticleListQuery,
    page: PageRequest,
    caller: &Caller,
    tuning: Tuning,
) -> Result<(ListRequest, Shape), ApiError> {
    let search = query.q.as_deref().map(Search::parse).transpose()?;
    let sort = match (query.sort, &search) {
        (Some(ArticleSort::Relevance), None) => {
            return Err(ApiError::invalid_query(vec![FieldError::new(
                "sort",
                Code::InvalidValue,
                "sort=relevance needs a search (q)",
            )]));
        }
        (Some(sort), _) => sort,
        (None, Some(_)) => ArticleSort::Relevance,
        (None, None) => ArticleSort::NewestFirst,
    };
    let shape = Shape::parse(query.include.as_deref(), query.fields.as_deref())?;
    let mut statuses = query.status.as_deref().map(parse_statuses).transpose()?;
    // `status=published` asks for what the public sees anyway: no credentials needed.
    if caller.0.is_none() && statuses.as_deref() == Some(&[Status::Published][..]) {
        statuses = None;
    }
    let request = ListRequest {
        statuses,
        author: key_param("author", query.author.as_deref())?,
        category: key_param("category", query.category.as_deref())?,
        tags: query.tag.as_deref().map(tag_slugs).transpose()?,
        published_after: query.published_after.map(|t| t.naive_utc()),
        published_before: query.published_before.map(|t| t.naive_utc()),
        updated_after: query.updated_after.map(|t| t.naive_utc()),
        search,
        assignee: query.assignee.as_deref().map(assignee).transpose()?,
        locales: query
            .locale
            .as_deref()
            .map(crate::http::wire::translations::locale_filter)
            .transpose()?,
        tuning,
        sort,
        page,
        bodies: shape.wants_body(),
        embed: shape.embed(),
    };
    Ok((request, shape))
}
