//! Atom 1.0.

use atom_syndication as atom;

use super::{Channel, Entry};
use crate::config::SiteSettings;
use crate::domain::Error;

/// The media type of the answer.
pub const MEDIA_TYPE: &str = "application/atom+xml; charset=utf-8";

fn link(href: &str, rel: &str, mime_type: &str) -> atom::Link {
    atom::Link {
        href: href.to_owned(),
        rel: rel.to_owned(),
        mime_type: Some(mime_type.to_owned()),
        ..atom::Link::default()
    }
}

/// The feed as Atom 1.0. The site stands in as the feed's `author` for stories without a
/// byline.
pub fn write(site: &SiteSettings, feed: &Channel) -> Result<Vec<u8>, Error> {
    let document = atom::Feed {
        id: feed.self_url.clone(),
        title: atom::Text::plain(feed.title.clone()),
        updated: feed.updated.and_utc().fixed_offset(),
        authors: vec![atom::Person {
            name: site.name.clone(),
            uri: Some(site.url.clone()),
            ..atom::Person::default()
        }],
        links: vec![
            link(&feed.self_url, "self", "application/atom+xml"),
            link(&site.url, "alternate", "text/html"),
        ],
        generator: Some(atom::Generator {
            value: "Byline".to_owned(),
            ..atom::Generator::default()
        }),
        lang: Some(site.language.clone()),
        entries: feed.entries.iter().map(|e| entry(site, e)).collect(),
        ..atom::Feed::default()
    };
    document.write_to(Vec::new()).map_err(Error::internal)
}

fn entry(site: &SiteSettings, entry: &Entry) -> atom::Entry {
    let categories = entry
        .category
        .iter()
        .map(|c| (c, site.category("")))
        .chain(entry.tags.iter().map(|t| (t, site.tag(""))))
        .map(|(term, scheme)| atom::Category {
            term: term.slug.clone(),
            scheme: Some(scheme),
            label: Some(term.name.clone()),
        })
        .collect();
    atom::Entry {
        id: format!("urn:uuid:{}", entry.id),
        title: atom::Text::plain(entry.title.clone()),
        updated: entry.updated.and_utc().fixed_offset(),
        published: entry.published.map(|at| at.and_utc().fixed_offset()),
        authors: entry
            .author
            .iter()
            .map(|name| atom::Person {
                name: name.clone(),
                ..atom::Person::default()
            })
            .collect(),
        links: vec![link(&entry.url, "alternate", "text/html")],
        categories,
        summary: entry.summary.clone().map(atom::Text::plain),
        content: Some(atom::Content {
            value: Some(entry.body_html.clone()),
            content_type: Some("html".to_owned()),
            ..atom::Content::default()
        }),
        ..atom::Entry::default()
    }
}
