//! JSON Feed 1.1.

use serde::Serialize;

use super::{Channel, Entry, rfc3339};
use crate::config::SiteSettings;
use crate::domain::Error;

/// The media type of the answer.
pub const MEDIA_TYPE: &str = "application/feed+json; charset=utf-8";

/// A JSON Feed 1.1 document.
#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    language: &'a str,
    items: Vec<Item<'a>>,
}

/// One item of a JSON Feed.
#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    content_html: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

/// The feed as JSON Feed 1.1: the category's name, then the tags' names, as `tags`.
pub fn write(site: &SiteSettings, feed: &Channel) -> Result<Vec<u8>, Error> {
    let document = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: &site.url,
        feed_url: &feed.self_url,
        language: &site.language,
        items: feed.entries.iter().map(item).collect(),
    };
    serde_json::to_vec(&document).map_err(Error::internal)
}

fn item(entry: &Entry) -> Item<'_> {
    Item {
        id: &entry.id,
        url: &entry.url,
        title: &entry.title,
        content_html: &entry.body_html,
        summary: entry.summary.as_deref(),
        date_published: entry.published.map(rfc3339),
        date_modified: rfc3339(entry.updated),
        authors: entry.author.iter().map(|name| Author { name }).collect(),
        tags: entry
            .category
            .iter()
            .chain(&entry.tags)
            .map(|t| t.name.as_str())
            .collect(),
    }
}
