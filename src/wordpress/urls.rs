//! Old URLs of imported content: the path kept for each imported story, and where it
//! lives now.

use super::repo;
use crate::articles::service as articles;
use crate::domain::IdOrSlug;

/// The path (and query) of a permalink: `http://example.com/2019/02/08/x/` →
/// `/2019/02/08/x/`, `http://example.com/?p=1` → `/?p=1`.
pub fn path_of(link: &str) -> String {
    match url::Url::parse(link.trim()) {
        Ok(url) => match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        },
        Err(_) => link.trim().to_owned(),
    }
}

/// Where an old URL's content lives now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// `article`.
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its current slug.
    pub slug: String,
}

/// The longest path `resolve` takes.
pub const MAX_PATH: usize = 2_048;

/// Where the content that lived at `path` on the old site is now, if the caller may see
/// it: the path as given, then with its trailing slash added or removed. A full URL is
/// read for its path.
pub async fn resolve(
    ctx: &crate::write::Ctx,
    caller: &crate::domain::caller::Caller,
    path: &str,
) -> crate::domain::Result<Resolved> {
    use crate::domain::{Code, Error, FieldError};
    let bad = |code, message: &str| {
        Error::invalid_query(vec![FieldError::new("path", code, message.to_owned())])
    };
    if path.is_empty() {
        return Err(bad(
            Code::Required,
            "path is required, such as /2019/02/08/some-story/",
        ));
    }
    if path.chars().count() > MAX_PATH {
        return Err(bad(Code::TooLong, "path is longer than 2048 characters"));
    }
    // A blank path names no page: nothing lived there (a 404 below).
    let given = path.trim();
    let path = if given.contains("://") {
        path_of(given)
    } else if given.starts_with('/') {
        given.to_owned()
    } else {
        format!("/{given}")
    };
    let (route, query) = path
        .split_once('?')
        .map_or((path.as_str(), None), |(r, q)| (r, Some(q)));
    let other = match route.strip_suffix('/') {
        Some(bare) if !bare.is_empty() => bare.to_owned(),
        Some(_) => route.to_owned(),
        None => format!("{route}/"),
    };
    let with_query = |r: &str| query.map_or_else(|| r.to_owned(), |q| format!("{r}?{q}"));
    let candidates = vec![with_query(route), with_query(&other)];
    let found = ctx
        .read(move |conn| Ok(repo::resolve(conn, &candidates)?))
        .await?;
    let gone = || Error::not_found("no imported content lived at that path");
    let Some((kind, id)) = found else {
        return Err(gone());
    };
    let key = IdOrSlug::Id(id);
    let embed = articles::Embed::default();
    match articles::get(ctx, caller, key, embed).await {
        Ok(crate::domain::Lookup::Found((article, _))) => Ok(Resolved {
            kind,
            id: article.id.to_string(),
            slug: article.slug,
        }),
        Ok(crate::domain::Lookup::Moved(_)) => Err(gone()),
        Err(e) if e.code == Code::NotFound => Err(gone()),
        Err(e) => Err(e),
    }
}
