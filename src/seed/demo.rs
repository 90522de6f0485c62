//! The demo newsroom: three authors, four categories, four tags and five articles, one of them the
//! 2019 Market wire story with no byline.

use diesel::prelude::*;

use crate::articles::model::{Article, Draft};
use crate::articles::service::{Action, Writer};
use crate::articles::{render, service};
use crate::categories::repo::CreateInput;
use crate::db::AnyConnection;
use crate::domain::{IdOrSlug, IfMatch};

struct DemoArticle {
    slug: &'static str,
    title: &'static str,
    subtitle: Option<&'static str>,
    excerpt: &'static str,
    body: &'static str,
    author: Option<usize>,
    category: &'static str,
    /// `None` leaves the article a draft.
    published_at: Option<&'static str>,
    /// Slugs of [`TAGS`], in order.
    tags: &'static [&'static str],
}

/// The demo tags: name, slug and description.
const TAGS: &[(&str, &str, &str)] = &[
    ("Oil", "oil", "Crude, refining and the producers' alliance."),
    (
        "Energy",
        "energy",
        "Oil, gas and power, from wells to bills.",
    ),
    (
        "Central banks",
        "central-banks",
        "Rates, statements and the people who set them.",
    ),
    (
        "Semiconductors",
        "semiconductors",
        "Chips and the plants that make them.",
    ),
];

const AUTHORS: &[(&str, &str, &str)] = &[
    (
        "Lena Hoffmann",
        "lena-hoffmann",
        "Covers central banks, bond markets and the price of money.",
    ),
    (
        "Tomás Ruiz",
        "tomas-ruiz",
        "Technology correspondent; writes about chips, clouds and the people who run them.",
    ),
    (
        "Aigerim Sadykova",
        "aigerim-sadykova",
        "Reports on energy and Central Asia from Almaty.",
    ),
];

const ARTICLES: &[DemoArticle] = &[
    DemoArticle {
        slug: "oil-edges-higher-as-supply-cuts-bite",
        title: "Oil edges higher as supply cuts bite",
        subtitle: None,
        excerpt: "Brent crude rose for a third session as producers kept output tight.",
        body: "LONDON, Feb 8 - Oil prices edged higher on Friday, heading for a third straight \
session of gains, as output cuts by major producers tightened supply even as worries about \
slowing demand kept a lid on the rally.\n\n\
Brent crude futures were up 41 cents at $61.04 a barrel by 0930 GMT. U.S. crude futures \
rose 28 cents to $52.92.\n\n\
Traders said the market was caught between two forces: producers holding back barrels on \
one side, and weaker factory data from Europe and Asia on the other. \"Supply is doing the \
heavy lifting for now,\" one London-based broker said.\n\n\
Inventories in the United States rose for a second week, according to industry figures, \
which limited gains in the U.S. benchmark.\n\n\
Analysts expect prices to stay within a narrow range until there is clearer evidence on \
demand in the second quarter.",
        author: None,
        category: "market",
        published_at: Some("2019-02-08T09:30:00Z"),
        tags: &["oil", "energy"],
    },
    DemoArticle {
        slug: "central-bank-holds-rates-signals-patience",
        title: "Central bank holds rates, signals patience",
        subtitle: Some("Policymakers see no rush to move as inflation cools"),
        excerpt: "Rates stay where they are; the statement drops a reference to further tightening.",
        body: "The central bank left its main interest rate unchanged on Wednesday and said it \
would be *patient* before making any further move.\n\n\
## What changed\n\n\
The statement no longer mentions \"further gradual increases\", a phrase that had appeared \
in every decision for two years.\n\n\
- Inflation has eased for four months in a row.\n\
- Wage growth is steady.\n\
- Business investment has slowed.\n\n\
Markets read the shift as a sign the tightening cycle is over.",
        author: Some(0),
        category: "market",
        published_at: Some("2019-01-30T19:00:00Z"),
        tags: &["central-banks"],
    },
    DemoArticle {
        slug: "chipmakers-race-to-build-new-fabs",
        title: "Chipmakers race to build new fabs",
        subtitle: None,
        excerpt: "Three new plants were announced this quarter; each costs more than a small country's budget.",
        body: "Building a modern chip plant takes three years and tens of billions of dollars, \
and the industry is starting more of them than ever.\n\n\
Engineers say the hardest part is not the building but the people: each plant needs \
thousands of technicians trained on machines that did not exist five years ago.",
        author: Some(1),
        category: "technology",
        published_at: Some("2019-02-05T07:15:00Z"),
        tags: &["semiconductors"],
    },
    DemoArticle {
        slug: "almaty-prepares-for-record-gas-demand",
        title: "Almaty prepares for record gas demand",
        subtitle: None,
        excerpt: "A cold snap puts the city's heating network to the test.",
        body: "Temperatures are forecast to fall below minus 25 degrees this week, and the \
city's utilities say they have added capacity to cope with record demand for gas.",
        author: Some(2),
        category: "world",
        published_at: Some("2019-02-07T04:00:00Z"),
        tags: &["energy"],
    },
    DemoArticle {
        slug: "draft-what-to-watch-next-week",
        title: "What to watch next week",
        subtitle: None,
        excerpt: "A draft: not visible to the public until an editor publishes it.",
        body: "Earnings season continues; three central banks meet; the trade talks resume.",
        author: Some(0),
        category: "market",
        published_at: None,
        tags: &["central-banks"],
    },
];

/// Loads the demo content. Runs once: when the demo articles exist it changes nothing.
/// Returns how many articles it created.
pub fn demo(conn: &mut AnyConnection) -> anyhow::Result<usize> {
    use crate::db::schema::articles::dsl as a;
    let first = ARTICLES.first().map_or("", |d| d.slug);
    let present: i64 = a::articles
        .filter(a::slug.eq(first))
        .count()
        .get_result(conn)?;
    if present > 0 {
        return Ok(0);
    }
    let now = crate::domain::time::now();

    let mut category_ids = std::collections::HashMap::new();
    for (name, slug, parent, description) in [
        ("News", "news", None, "Everything that happened today."),
        (
            "World",
            "world",
            Some("news"),
            "Reporting from outside the capital.",
        ),
        (
            "Market",
            "market",
            None,
            "Stocks, bonds, currencies and commodities.",
        ),
        (
            "Technology",
            "technology",
            None,
            "Chips, software and the companies behind them.",
        ),
    ] {
        let input = CreateInput {
            name: name.to_owned(),
            slug: Some(slug.to_owned()),
            description: Some(description.to_owned()),
            parent_id: parent.and_then(|p: &str| category_ids.get(p).cloned()),
            names: localized_names(slug),
            ..CreateInput::default()
        };
        let id = super::category(conn, input, now)?;
        category_ids.insert(slug, id);
    }

    let mut tag_ids = std::collections::HashMap::new();
    for (name, slug, description) in TAGS {
        let input = crate::tags::repo::CreateInput {
            name: (*name).to_owned(),
            slug: Some((*slug).to_owned()),
            description: Some((*description).to_owned()),
            ..crate::tags::repo::CreateInput::default()
        };
        tag_ids.insert(*slug, super::tag(conn, input, now)?);
    }

    let mut author_ids = Vec::new();
    for (name, slug, bio) in AUTHORS {
        let id = super::author(
            conn,
            (*slug).to_owned(),
            (*name).to_owned(),
            Some((*bio).to_owned()),
            now,
        )?;
        author_ids.push(id);
    }

    for demo in ARTICLES {
        let rendered = render::render(demo.body)?;
        let draft = Draft {
            title: demo.title.to_owned(),
            body: demo.body.to_owned(),
            slug: Some(demo.slug.to_owned()),
            subtitle: demo.subtitle.map(str::to_owned),
            excerpt: Some(demo.excerpt.to_owned()),
            author_id: demo.author.and_then(|i| author_ids.get(i).cloned()),
            category_id: category_ids.get(demo.category).cloned(),
            cover_image_url: None,
            cover_media_id: None,
            assignee_id: None,
            locale: None,
            translation_group: None,
            unpublish_at: None,
            tag_ids: demo
                .tags
                .iter()
                .filter_map(|t| tag_ids.get(t).cloned())
                .collect(),
        };
        let row = Article::new_draft(draft, rendered, None, now);
        let publish_at = demo
            .published_at
            .map(chrono::DateTime::parse_from_rfc3339)
            .transpose()?
            .map(|at| at.naive_utc());
        super::system_write(conn, |tx| {
            let article = service::create_in(tx, row, true)?;
            if let Some(at) = publish_at {
                service::transition_in(
                    tx,
                    &IdOrSlug::Id(article.id.into()),
                    &Writer::SYSTEM,
                    &IfMatch::Absent,
                    Action::Publish(Some(at), None),
                    now,
                )?;
            }
            Ok(())
        })?;
    }
    Ok(ARTICLES.len())
}

/// The demo sections' names in Russian and Kazakh.
fn localized_names(slug: &str) -> crate::locale::Names {
    let names: &[(&str, &str)] = match slug {
        "news" => &[("kk", "Жаңалықтар"), ("ru", "Новости")],
        "world" => &[("kk", "Әлем"), ("ru", "Мир")],
        "market" => &[("kk", "Нарық"), ("ru", "Рынок")],
        "technology" => &[("kk", "Технология"), ("ru", "Технологии")],
        _ => &[],
    };
    names
        .iter()
        .map(|(tag, name)| ((*tag).to_owned(), (*name).to_owned()))
        .collect()
}
