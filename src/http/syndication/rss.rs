//! RSS 2.0, with the Atom `self` link, `dc:creator` and `content:encoded`.

use super::{Channel, Entry};
use crate::config::SiteSettings;
use crate::domain::Error;

/// The media type of the answer.
pub const MEDIA_TYPE: &str = "application/rss+xml; charset=utf-8";

/// The feed as RSS 2.0.
pub fn write(site: &SiteSettings, feed: &Channel) -> Result<Vec<u8>, Error> {
    let channel = rss::Channel {
        title: feed.title.clone(),
        link: site.url.clone(),
        description: format!("The newest stories of {}", site.name),
        language: Some(site.language.clone()),
        last_build_date: Some(feed.updated.and_utc().to_rfc2822()),
        generator: Some("Byline".to_owned()),
        atom_ext: Some(rss::extension::atom::AtomExtension {
            links: vec![atom_syndication::Link {
                href: feed.self_url.clone(),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..atom_syndication::Link::default()
            }],
        }),
        items: feed.entries.iter().map(|e| item(site, e)).collect(),
        ..rss::Channel::default()
    };
    channel.write_to(Vec::new()).map_err(Error::internal)
}

fn item(site: &SiteSettings, entry: &Entry) -> rss::Item {
    let categories = entry
        .category
        .iter()
        .map(|c| (c, site.category(&c.slug)))
        .chain(entry.tags.iter().map(|t| (t, site.tag(&t.slug))))
        .map(|(term, domain)| rss::Category {
            name: term.name.clone(),
            domain: Some(domain),
        })
        .collect();
    rss::Item {
        title: Some(entry.title.clone()),
        link: Some(entry.url.clone()),
        // RSS readers render `description` as HTML; the excerpt is plain text.
        description: entry
            .summary
            .as_deref()
            .map(crate::articles::search::escape_html),
        categories,
        guid: Some(rss::Guid {
            value: entry.id.clone(),
            permalink: false,
        }),
        pub_date: entry.published.map(|at| at.and_utc().to_rfc2822()),
        content: Some(entry.body_html.clone()),
        dublin_core_ext: entry.author.as_ref().map(|author| {
            rss::extension::dublincore::DublinCoreExtension {
                creators: vec![author.clone()],
                ..Default::default()
            }
        }),
        ..rss::Item::default()
    }
}
