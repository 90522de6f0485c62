//! Rules for text fields, shared by every resource, with the patterns the OpenAPI document
//! states for them so that what the document allows and what the code accepts are the same.

use crate::domain::{Code, Error, FieldError, Patch};

/// A one-line text: no control characters, no noncharacters of the Basic Multilingual Plane
/// (U+FDD0 to U+FDEF, U+FFFE, U+FFFF: XML cannot carry the last two, so they would break
/// every feed), and something other than white space.
pub const SINGLE_LINE_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*[^\\s\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF][^\\u0000-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$";

/// A multi-line text: tabs and line breaks allowed, other control characters and the
/// noncharacters of [`SINGLE_LINE_PATTERN`] not.
pub const MULTI_LINE_PATTERN: &str =
    "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]*$";

/// White space as the patterns in the OpenAPI document mean it (`\s` in ECMAScript regular
/// expressions, which JSON Schema uses). Rust's own notion also counts U+0085, which `\s`
/// does not, so the code uses this one to agree with the document to the character.
pub fn is_pattern_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

pub use crate::domain::time::{YEARS, in_year_range};

/// Reads an optional RFC 3339 time (or a plain `YYYY-MM-DD` date, as midnight UTC) within
/// [`YEARS`], for `#[serde(deserialize_with)]`.
pub fn optional_timestamp<'de, D>(d: D) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    parse_timestamp(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// Reads an RFC 3339 time or a plain `YYYY-MM-DD` date within [`YEARS`].
pub fn parse_timestamp(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        })
        .map_err(|_| format!("`{text}` is not an RFC 3339 time such as 2019-02-08T09:30:00Z"))?;
    // A four-digit year is what RFC 3339 allows; chrono also reads signed, longer ones.
    let four_digits = text
        .as_bytes()
        .get(..5)
        .is_some_and(|y| y[..4].iter().all(u8::is_ascii_digit) && y[4] == b'-');
    if !four_digits || !in_year_range(&parsed.naive_utc()) {
        return Err(format!("`{text}` is outside the years 0001 to 9999"));
    }
    Ok(parsed)
}

/// Checks a time given as text in a body ([`parse_timestamp`]), to UTC.
pub fn timestamp(
    field: &str,
    value: &str,
    errors: &mut Vec<FieldError>,
) -> Option<chrono::NaiveDateTime> {
    use chrono::SubsecRound;
    match parse_timestamp(value) {
        Ok(t) => Some(t.naive_utc().trunc_subsecs(6)),
        Err(message) => fault(errors, field, Code::InvalidValue, message),
    }
}

/// Notes that `field` broke the rule `code` and gives `None`, for the checks below.
fn fault<T>(errors: &mut Vec<FieldError>, field: &str, code: Code, message: String) -> Option<T> {
    errors.push(FieldError::new(field, code, message));
    None
}

/// `Some` when `value` has at most `max` characters; else a `too_long` fault.
fn within(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) -> Option<()> {
    if value.chars().count() > max {
        return fault(
            errors,
            field,
            Code::TooLong,
            format!("{field} must be at most {max} characters"),
        );
    }
    Some(())
}

fn is_forbidden_control(c: char, multi_line: bool) -> bool {
    let c = c as u32;
    let allowed_break = multi_line && (c == 0x09 || c == 0x0A || c == 0x0D);
    ((c <= 0x1F || c == 0x7F) && !allowed_break) || is_bmp_noncharacter(c)
}

/// U+FDD0 to U+FDEF, U+FFFE and U+FFFF: never text, and the last two are not XML.
fn is_bmp_noncharacter(c: u32) -> bool {
    (0xFDD0..=0xFDEF).contains(&c) || c == 0xFFFE || c == 0xFFFF
}

/// A list's `q` filter (part of a name or title): trimmed, not blank, at most `max`
/// characters, no NUL; absent is no filter.
pub fn text_filter(q: Option<&str>, max: usize) -> Result<Option<String>, Error> {
    let refuse = |code, detail: String| {
        Err(Error::invalid_query(vec![FieldError::new(
            "q", code, detail,
        )]))
    };
    match q.map(str::trim) {
        Some("") => refuse(Code::InvalidValue, "q must not be empty".to_owned()),
        Some(q) if q.chars().count() > max => {
            refuse(Code::TooLong, format!("q must be at most {max} characters"))
        }
        Some(q) if q.contains('\0') => {
            refuse(Code::InvalidValue, "q must be text, without NUL".to_owned())
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// Checks a required one-line text of at most `max` characters, trimming its ends.
pub fn single_line(
    field: &str,
    value: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    if value.chars().any(|c| is_forbidden_control(c, false)) {
        return fault(
            errors,
            field,
            Code::InvalidCharacters,
            format!("{field} must be one line without control characters or noncharacters"),
        );
    }
    let trimmed = value.trim_matches(is_pattern_space);
    if trimmed.is_empty() {
        return fault(
            errors,
            field,
            Code::Required,
            format!("{field} must not be empty"),
        );
    }
    within(errors, field, value, max)?;
    Some(trimmed.to_owned())
}

/// Checks an optional multi-line text of at most `max` characters. Kept as written.
pub fn multi_line(
    field: &str,
    value: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    if value.chars().any(|c| is_forbidden_control(c, true)) {
        return fault(
            errors,
            field,
            Code::InvalidCharacters,
            format!("{field} must not contain control characters or noncharacters"),
        );
    }
    within(errors, field, value, max)?;
    Some(value.to_owned())
}

/// Checks a slug given by a client.
pub fn slug(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if crate::slug::is_valid(value) {
        return Some(value.to_owned());
    }
    let message = if crate::slug::looks_like_uuid(value) {
        format!("{field} must not have the shape of a UUID")
    } else if value.len() > crate::slug::MAX_LEN {
        format!(
            "{field} must be at most {} characters",
            crate::slug::MAX_LEN
        )
    } else {
        format!("{field} must be lowercase letters and digits in words joined by single hyphens")
    };
    fault(errors, field, Code::InvalidFormat, message)
}

/// The pattern of URL fields, as the OpenAPI document states it.
pub const URL_PATTERN: &str =
    "^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?([/?#][A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?$";

/// Longest URL accepted, in characters.
pub const URL_MAX: usize = 2_000;

/// The check [`URL_PATTERN`] states: scheme, a host of letters, digits, dots and hyphens, an
/// optional port, and a path, query or fragment of URI characters.
fn is_web_url(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let port_ok =
        port.is_none_or(|p| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    let tail_ok = tail
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._~:/?#@!$&'()*+,;=%-".contains(&b));
    host_ok && port_ok && tail_ok
}

/// Checks an http(s) URL: the scheme, something after it, no white space or control
/// characters, at most [`URL_MAX`] characters.
pub fn url(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if !is_web_url(value) {
        return fault(
            errors,
            field,
            Code::InvalidFormat,
            format!("{field} must be an http or https URL"),
        );
    }
    within(errors, field, value, URL_MAX)?;
    Some(value.to_owned())
}

/// Checks an id given in a body: a UUID, normalized to lowercase hyphenated form.
pub fn id<I: From<String>>(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<I> {
    match uuid::Uuid::try_parse(value) {
        Ok(id) => Some(I::from(id.hyphenated().to_string())),
        Err(_) => fault(
            errors,
            field,
            Code::InvalidFormat,
            format!("{field} must be a UUID"),
        ),
    }
}

/// Checks a language tag and writes it in its usual case ([`crate::locale::normalize`]).
pub fn locale(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if let Some(tag) = crate::locale::normalize(value) {
        return Some(tag);
    }
    fault(
        errors,
        field,
        Code::InvalidFormat,
        format!("{field} must be a BCP 47 language tag, such as en, ru or pt-BR"),
    )
}

/// Checks names (or descriptions) per language: at most [`crate::locale::NAMES_MAX`], each
/// keyed by a BCP 47 tag (written in its usual case) and each value checked by `check`
/// (`None` values, which remove a language in a merge patch, pass).
pub fn names<V>(
    field: &str,
    map: std::collections::BTreeMap<String, Option<V>>,
    check: impl Fn(&str, &V, &mut Vec<FieldError>) -> Option<String>,
    errors: &mut Vec<FieldError>,
) -> Option<std::collections::BTreeMap<String, Option<String>>> {
    if map.len() > crate::locale::NAMES_MAX {
        return fault(
            errors,
            field,
            Code::TooLong,
            format!(
                "{field} holds at most {} languages",
                crate::locale::NAMES_MAX
            ),
        );
    }
    let before = errors.len();
    let mut out = std::collections::BTreeMap::new();
    for (tag, value) in map {
        let name = format!("{field}.{tag}");
        let Some(key) = locale(&name, &tag, errors) else {
            continue;
        };
        let value = match value {
            Some(v) => check(&name, &v, errors).map(Some),
            None => Some(None),
        };
        if let Some(value) = value
            && out.insert(key, value).is_some()
        {
            errors.push(FieldError::new(
                field,
                Code::InvalidValue,
                format!("{field} names {tag} twice"),
            ));
        }
    }
    (errors.len() == before).then_some(out)
}

/// Longest email, in characters.
pub const EMAIL_MAX: usize = 254;

/// Checks and normalizes an email: one `@`, no white space or control characters,
/// lowercased so that uniqueness ignores case.
pub fn email(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let bad_char = |c: char| is_pattern_space(c) || (c as u32) <= 0x1F || c as u32 == 0x7F;
    let well_formed = match value.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    };
    if !well_formed || value.chars().any(bad_char) {
        return fault(
            errors,
            field,
            Code::InvalidFormat,
            format!("{field} must be an email address"),
        );
    }
    within(errors, field, value, EMAIL_MAX)?;
    Some(value.to_lowercase())
}

/// Checks a new password's length; its content is the user's business.
pub fn check_password(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let len = value.chars().count();
    if len < crate::credentials::password::MIN_LEN {
        return fault(
            errors,
            field,
            Code::TooShort,
            format!(
                "{field} must be at least {} characters",
                crate::credentials::password::MIN_LEN
            ),
        );
    }
    within(errors, field, value, crate::credentials::password::MAX_LEN)?;
    Some(value.to_owned())
}

/// Collects the faults of a request, field by field, so that one answer lists them all.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// No faults yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the checks of this module put their faults.
    pub fn errors(&mut self) -> &mut Vec<FieldError> {
        &mut self.errors
    }

    /// Notes one fault.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// A merge-patch field that must not be cleared: absent leaves it, `null` is a fault, a
    /// value is checked.
    pub fn keep<T, U>(
        &mut self,
        field: &str,
        patch: Patch<T>,
        check: impl FnOnce(T, &mut Vec<FieldError>) -> Option<U>,
    ) -> Option<U> {
        match patch {
            Patch::Absent => None,
            Patch::Null => {
                self.errors.push(FieldError::new(
                    field,
                    Code::Required,
                    format!("{field} cannot be null; leave it out to keep it"),
                ));
                None
            }
            Patch::Value(v) => check(v, &mut self.errors),
        }
    }

    /// A merge-patch field that may be cleared: absent leaves it (`None`), `null` clears it
    /// (`Some(None)`), a value is checked (`Some(Some(_))`, or `None` with a fault).
    pub fn clear<T, U>(
        &mut self,
        patch: Patch<T>,
        check: impl FnOnce(T, &mut Vec<FieldError>) -> Option<U>,
    ) -> Option<Option<U>> {
        match patch {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(v) => check(v, &mut self.errors).map(Some),
        }
    }

    /// Whether no field failed so far.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// `value` when no field failed; else the 422 listing each fault.
    pub fn finish<T>(self, value: T) -> Result<T, Error> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(Error::validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_four_digit_years() {
        for good in [
            "2019-02-08T09:30:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "2019-02-08",
            "2019-02-08T09:30:00+05:00",
        ] {
            assert!(super::parse_timestamp(good).is_ok(), "{good}");
        }
        for bad in [
            "-4714-11-24T00:00:00Z",
            "+10000-01-01T00:00:00Z",
            "0000-12-31T00:00:00Z",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:00:00-02:00",
            "yesterday",
            "2019-02-30",
        ] {
            assert!(super::parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn one_line_rules() {
        let mut e = Vec::new();
        assert_eq!(
            single_line("name", "  World  ", 10, &mut e).as_deref(),
            Some("World")
        );
        assert_eq!(single_line("name", "   ", 10, &mut e), None);
        assert_eq!(single_line("name", "a\nb", 10, &mut e), None);
        assert_eq!(single_line("name", "a\u{0}", 10, &mut e), None);
        assert_eq!(single_line("name", &"é".repeat(11), 10, &mut e), None);
        assert_eq!(
            single_line("name", &"é".repeat(10), 10, &mut e).map(|s| s.chars().count()),
            Some(10)
        );
        assert_eq!(
            e.iter().map(|e| e.code.as_str()).collect::<Vec<_>>(),
            [
                "required",
                "invalid_characters",
                "invalid_characters",
                "too_long"
            ]
        );
    }

    #[test]
    fn multi_line_rules() {
        let mut e = Vec::new();
        assert!(multi_line("d", "line\n\tline\r\n", 100, &mut e).is_some());
        assert!(multi_line("d", "bell\u{7}", 100, &mut e).is_none());
    }
}
