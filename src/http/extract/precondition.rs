//! `If-Match` and `If-None-Match`: entity tag lists.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use crate::http::error::ApiError;

pub use crate::domain::IfMatch;

/// Reads a list of entity tags (`"x"`, `W/"y"`, separated by commas; commas may also stand
/// inside the quotes). Returns the tags without quotes, weak ones prefixed `W/`, or `None`
/// when the text is not such a list. `*` is returned as itself.
fn parse_entity_tags(text: &str) -> Option<Vec<String>> {
    let text = text.trim();
    if text == "*" {
        return Some(vec!["*".to_owned()]);
    }
    let mut tags = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if rest.is_empty() {
            break;
        }
        let (weak, after) = match rest.strip_prefix("W/") {
            Some(r) => ("W/", r),
            None => ("", rest),
        };
        let inner = after.strip_prefix('"')?;
        let end = inner.find('"')?;
        tags.push(format!("{weak}{}", &inner[..end]));
        rest = &inner[end + 1..];
        let next = rest.trim_start();
        if !(next.is_empty() || next.starts_with(',')) {
            return None;
        }
    }
    (!tags.is_empty()).then_some(tags)
}

/// Splits an `If-Match` or `If-None-Match` value into entity tags without quotes; weak tags
/// are kept with their `W/` prefix so callers can treat them as they must.
pub fn entity_tags(req: &HttpRequest, name: header::HeaderName) -> Option<Vec<String>> {
    let mut tags = Vec::new();
    let mut present = false;
    for value in req.headers().get_all(name) {
        present = true;
        if let Some(parsed) = value.to_str().ok().and_then(parse_entity_tags) {
            tags.extend(parsed);
        }
    }
    present.then_some(tags)
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mut tags = Vec::new();
        let mut present = false;
        for value in req.headers().get_all(header::IF_MATCH) {
            present = true;
            match value.to_str().ok().and_then(parse_entity_tags) {
                Some(parsed) => tags.extend(parsed),
                None => return std::future::ready(Ok(IfMatch::Malformed)),
            }
        }
        let parsed = if !present {
            IfMatch::Absent
        } else if tags.iter().any(|t| t == "*") {
            IfMatch::Any
        } else {
            IfMatch::Tags(tags.into_iter().filter(|t| !t.starts_with("W/")).collect())
        };
        std::future::ready(Ok(parsed))
    }
}

/// `If-None-Match`: the entity tags of the copies the client holds.
#[derive(Debug, Clone, Default)]
pub struct IfNoneMatch(Option<Vec<String>>);

impl IfNoneMatch {
    /// Whether the client's copy is the current one, whose strong tag is `tag` (quoted).
    pub fn holds(&self, tag: &str) -> bool {
        let bare = tag.trim_matches('"');
        self.0.as_ref().is_some_and(|tags| {
            tags.iter()
                .any(|t| t == "*" || t.trim_start_matches("W/") == bare)
        })
    }
}

impl FromRequest for IfNoneMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(IfNoneMatch(entity_tags(req, header::IF_NONE_MATCH))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_tag_lists() {
        assert_eq!(parse_entity_tags("*"), Some(vec!["*".to_owned()]));
        assert_eq!(
            parse_entity_tags(" \"a.v1\" ,\tW/\"b,c\" , \"\""),
            Some(vec!["a.v1".to_owned(), "W/b,c".to_owned(), String::new()])
        );
        for bad in ["null", "abc", "\"open", "W/abc", "\"a\" junk", ""] {
            assert_eq!(parse_entity_tags(bad), None, "{bad}");
        }
    }
}
