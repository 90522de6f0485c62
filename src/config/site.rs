//! Where the front-end shows content: the settings behind the links of feeds and sitemaps.

use super::SettingError;
use super::spec::{self, Setting};
use super::values::Values;

/// Where the front-end shows content: the links of feeds and sitemaps.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// `BYLINE_SITE_URL`, without a trailing slash.
    pub url: String,
    /// `BYLINE_SITE_NAME`: the feeds' title and the Google News publication name.
    pub name: String,
    /// `BYLINE_SITE_LANGUAGE`: an ISO 639 code, for feeds and Google News.
    pub language: String,
    /// `BYLINE_ARTICLE_URL`: `{site}`, `{slug}`, `{id}`, `{category}`, `{yyyy}`, `{mm}`, `{dd}`.
    pub article_url: String,
    /// `BYLINE_CATEGORY_URL`: `{site}`, `{slug}`.
    pub category_url: String,
    /// `BYLINE_TAG_URL`: `{site}`, `{slug}`.
    pub tag_url: String,
    /// `BYLINE_UNCATEGORIZED_SEGMENT`: `{category}` of an article without one.
    pub uncategorized: String,
}

/// What an article's link is made of.
#[derive(Debug, Clone, Copy)]
pub struct ArticleLink<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its slug.
    pub slug: &'a str,
    /// Its category's slug, if it has one.
    pub category: Option<&'a str>,
    /// When it was published.
    pub published_at: Option<chrono::NaiveDateTime>,
}

impl SiteSettings {
    /// The front-end's URL of an article.
    pub fn article(&self, link: ArticleLink<'_>) -> String {
        let date = link.published_at.unwrap_or_default();
        fill(
            &self.article_url,
            &[
                ("{site}", &self.url),
                ("{slug}", link.slug),
                ("{id}", link.id),
                ("{category}", link.category.unwrap_or(&self.uncategorized)),
                ("{yyyy}", &date.format("%Y").to_string()),
                ("{mm}", &date.format("%m").to_string()),
                ("{dd}", &date.format("%d").to_string()),
            ],
        )
    }

    /// The front-end's URL of a category's page.
    pub fn category(&self, slug: &str) -> String {
        fill(
            &self.category_url,
            &[("{site}", &self.url), ("{slug}", slug)],
        )
    }

    /// The front-end's URL of a tag's page.
    pub fn tag(&self, slug: &str) -> String {
        fill(&self.tag_url, &[("{site}", &self.url), ("{slug}", slug)])
    }

    /// The URL of one of Byline's own public paths (`/feeds/articles.rss`), as the site
    /// serves it: under `BYLINE_SITE_URL`, where a proxy routes it to Byline.
    pub fn own(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

/// Replaces each placeholder in one pass, so that a value containing `{slug}` is not
/// replaced again.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    'scan: while !rest.is_empty() {
        for (name, value) in values {
            if let Some(after) = rest.strip_prefix(name) {
                out.push_str(value);
                rest = after;
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// Checks a URL template: only the given placeholders, and an absolute http(s) URL once
/// filled in.
fn url_template(
    setting: &Setting,
    value: &str,
    allowed: &[&str],
    needs: &[&str],
) -> Result<String, SettingError> {
    let mut rest = value;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .map(|e| start + e + 1)
            .ok_or_else(|| setting.error("has a `{` with no closing `}`"))?;
        let placeholder = &rest[start..end];
        if !allowed.contains(&placeholder) {
            return Err(setting.error(format!(
                "`{placeholder}` is not a placeholder; use {}",
                allowed.join(", ")
            )));
        }
        rest = &rest[end..];
    }
    if !needs.iter().any(|n| value.contains(n)) {
        return Err(setting.error(format!("must contain {}", needs.join(" or "))));
    }
    // Filled in, it must be an absolute web address.
    let sample: Vec<(&str, &str)> = allowed
        .iter()
        .map(|p| {
            (
                *p,
                if *p == "{site}" {
                    "https://example.com"
                } else {
                    "x1"
                },
            )
        })
        .collect();
    let filled = fill(value, &sample);
    let absolute = url::Url::parse(&filled)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !absolute {
        return Err(
            setting.error("must make an absolute http(s) URL, such as {site}/{category}/{slug}")
        );
    }
    Ok(value.to_owned())
}

/// `BYLINE_PREVIEW_URL`: an absolute http(s) URL template with `{token}`, or `None`.
pub fn preview_url(values: &Values) -> Result<Option<String>, SettingError> {
    match values.raw(&spec::PREVIEW_URL).trim() {
        "" => Ok(None),
        raw => url_template(&spec::PREVIEW_URL, raw, &["{token}"], &["{token}"]).map(Some),
    }
}

/// The site's settings, or `None` without `BYLINE_SITE_URL`.
pub fn parse(values: &Values) -> Result<Option<SiteSettings>, SettingError> {
    let raw = values.raw(&spec::SITE_URL).trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let parsed = url::Url::parse(raw)
        .map_err(|_| spec::SITE_URL.error(format!("`{raw}` is not an absolute URL")))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(spec::SITE_URL.error(
            "must be an http or https URL with a host and no query, such as https://news.example.com",
        ));
    }
    let url = raw.trim_end_matches('/').to_owned();
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let segment = values.raw(&spec::UNCATEGORIZED_SEGMENT).trim();
    if segment.is_empty() || !crate::slug::is_valid(segment) {
        return Err(spec::UNCATEGORIZED_SEGMENT.error("must be a slug, such as news"));
    }
    let language = match values.raw(&spec::SITE_LANGUAGE).trim() {
        "" => super::default_locale(values)?,
        raw => crate::locale::normalize(raw).ok_or_else(|| {
            spec::SITE_LANGUAGE.error("must be a language code, such as en or pt-BR")
        })?,
    };
    let name = match values.raw(&spec::SITE_NAME).trim() {
        "" => host,
        name if name.chars().any(char::is_control) || name.chars().count() > 200 => {
            return Err(spec::SITE_NAME.error("must be one line of at most 200 characters"));
        }
        name => name.to_owned(),
    };
    let article_placeholders = [
        "{site}",
        "{slug}",
        "{id}",
        "{category}",
        "{yyyy}",
        "{mm}",
        "{dd}",
    ];
    let page_placeholders = ["{site}", "{slug}"];
    Ok(Some(SiteSettings {
        article_url: url_template(
            &spec::ARTICLE_URL,
            values.raw(&spec::ARTICLE_URL).trim(),
            &article_placeholders,
            &["{slug}", "{id}"],
        )?,
        category_url: url_template(
            &spec::CATEGORY_URL,
            values.raw(&spec::CATEGORY_URL).trim(),
            &page_placeholders,
            &["{slug}"],
        )?,
        tag_url: url_template(
            &spec::TAG_URL,
            values.raw(&spec::TAG_URL).trim(),
            &page_placeholders,
            &["{slug}"],
        )?,
        uncategorized: segment.to_owned(),
        language,
        name,
        url,
    }))
}
