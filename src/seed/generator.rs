//! Synthetic articles for benchmarks: deterministic news-like prose, made batch by batch.

use diesel::prelude::*;

use crate::articles::model::{Article, Draft};
use crate::articles::render;
use crate::categories::repo::CreateInput;
use crate::db::AnyConnection;
use crate::domain::{AuthorId, CategoryId};

use super::archive::{self, Rng, Vocabulary};
use super::bulk::insert_articles;

/// Words the synthetic stories are made of.
const WORDS: &[&str] = &[
    "market",
    "shares",
    "minister",
    "government",
    "council",
    "report",
    "prices",
    "growth",
    "energy",
    "oil",
    "gas",
    "bank",
    "rates",
    "inflation",
    "election",
    "vote",
    "court",
    "judge",
    "city",
    "region",
    "harbour",
    "port",
    "trade",
    "exports",
    "imports",
    "workers",
    "union",
    "strike",
    "talks",
    "deal",
    "company",
    "profit",
    "loss",
    "quarter",
    "year",
    "week",
    "budget",
    "tax",
    "school",
    "hospital",
    "doctors",
    "patients",
    "weather",
    "storm",
    "rain",
    "flood",
    "drought",
    "harvest",
    "farmers",
    "wheat",
    "coffee",
    "steel",
    "copper",
    "gold",
    "currency",
    "dollar",
    "euro",
    "investors",
    "analysts",
    "forecast",
    "data",
    "survey",
    "police",
    "officials",
    "residents",
    "plan",
    "project",
    "bridge",
    "railway",
    "airport",
    "flights",
    "tourism",
    "hotel",
    "museum",
    "festival",
    "team",
    "match",
    "season",
    "coach",
    "players",
    "record",
    "science",
    "research",
    "study",
    "climate",
    "emissions",
    "solar",
    "wind",
    "power",
    "grid",
    "water",
    "river",
    "coast",
    "island",
    "mountain",
    "village",
    "mayor",
    "parliament",
    "law",
    "reform",
    "pension",
    "housing",
    "rent",
    "jobs",
    "wages",
    "factory",
    "software",
    "chips",
    "network",
    "security",
    "agency",
    "ministry",
    "embassy",
    "summit",
    "leaders",
];

const CATEGORIES: &[(&str, Option<usize>)] = &[
    ("News", None),
    ("World", Some(0)),
    ("Politics", Some(0)),
    ("Market", None),
    ("Stocks", Some(3)),
    ("Commodities", Some(3)),
    ("Currencies", Some(3)),
    ("Technology", None),
    ("Science", None),
    ("Climate", Some(8)),
    ("Health", None),
    ("Sport", None),
    ("Football", Some(11)),
    ("Culture", None),
    ("Travel", None),
    ("Opinion", None),
    ("Cities", Some(0)),
    ("Energy", Some(3)),
    ("Education", None),
    ("Weather", None),
];

const FIRST_NAMES: &[&str] = &[
    "Anna", "Lena", "Tomás", "Aigerim", "Marco", "Sofia", "Jonas", "Amara", "Kenji", "Olga",
    "Pierre", "Nadia", "Ravi", "Ingrid", "Diego", "Hana", "Samuel", "Zoë", "Ivan", "Leila",
];

const LAST_NAMES: &[&str] = &[
    "Hoffmann", "Ruiz", "Sadykova", "Rossi", "Novak", "Okafor", "Tanaka", "Petrova", "Dubois",
    "Haddad",
];

/// A small deterministic generator, so every run builds the same newsroom.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut s: Vec<&str> = (0..words).map(|_| self.word()).collect();
        let first = s[0];
        let capital: String = first
            .chars()
            .take(1)
            .flat_map(char::to_uppercase)
            .chain(first.chars().skip(1))
            .collect();
        s[0] = "";
        format!("{capital}{}.", s.join(" "))
    }
}

/// What the synthetic stories read like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// About 3 KB of prose from a hundred news words, over three years (`--synthetic`).
    News,
    /// Zipf-distributed words from a large vocabulary, 300 to 1,500 words a story, over ten
    /// years, and the Astana story (`--archive`; see [`super::archive`]).
    Archive,
}

/// What `seed --synthetic` created.
pub struct Synthetic {
    /// Articles inserted.
    pub articles: usize,
    /// Slugs of the published ones, for load generators.
    pub published_slugs: Vec<String>,
}

/// Loads `n` deterministic articles of news-like prose (about 3 KB of Markdown each, 90 %
/// published over the past three years) with 200 authors and 20 categories, in batches.
///
/// On PostgreSQL the batches are written over several connections at once (one per core,
/// the pool allowing): indexing the text for search is most of the database's work, and it
/// runs in the backend of the connection that inserts. SQLite has one writer.
pub fn synthetic(pool: &crate::db::Pool, n: usize, style: Style) -> anyhow::Result<Synthetic> {
    use crate::db::schema::articles::dsl as a;
    let mut conn = pool.get()?;
    let conn: &mut AnyConnection = &mut conn;
    let now = crate::domain::time::now();
    let rng = Lcg(42);

    let mut category_ids: Vec<CategoryId> = Vec::new();
    for (name, parent) in CATEGORIES {
        let slug = format!(
            "synthetic-{}",
            crate::slug::from_title(name, 100).unwrap_or_default()
        );
        let input = CreateInput {
            name: (*name).to_owned(),
            slug: Some(slug),
            description: None,
            parent_id: parent.and_then(|p| category_ids.get(p).cloned()),
            ..CreateInput::default()
        };
        let id = super::category(conn, input, now)?;
        category_ids.push(id);
    }
    let mut author_ids = Vec::new();
    for i in 0..200 {
        let name = format!(
            "{} {} {}",
            FIRST_NAMES[i % FIRST_NAMES.len()],
            LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()],
            i
        );
        let slug = format!("synthetic-author-{i}");
        let id = super::author(conn, slug, name, None, now)?;
        author_ids.push(id);
    }

    let start: i64 = a::articles.count().get_result(conn)?;
    let writers = crate::db::bulk_writers(conn.backend(), pool.max_size());
    let (batches, inbox) = std::sync::mpsc::sync_channel::<Vec<Article>>(writers);
    // Each writer holds the inbox; when every writer has stopped (on an error), sending
    // fails and the loop below ends instead of waiting for room.
    let inbox = std::sync::Arc::new(std::sync::Mutex::new(inbox));
    let mut generator = Generator {
        rng,
        now,
        author_ids,
        category_ids,
        start: usize::try_from(start).unwrap_or(0),
        published_slugs: Vec::new(),
        archive: (style == Style::Archive).then(|| (Vocabulary::default(), Rng(42))),
    };
    let mut made = 0;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let handles: Vec<_> = (0..writers)
            .map(|_| {
                let inbox = inbox.clone();
                scope.spawn(move || -> anyhow::Result<()> {
                    let mut conn = pool.get()?;
                    loop {
                        let next = match inbox.lock() {
                            Ok(inbox) => inbox.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        let Ok(rows) = next else {
                            return Ok(());
                        };
                        insert_articles(&mut conn, &rows)?;
                    }
                })
            })
            .collect();
        drop(inbox);
        while made < n {
            let batch_len = (n - made).min(500);
            let rows = generator.batch(made..made + batch_len)?;
            if batches.send(rows).is_err() {
                break;
            }
            made += batch_len;
        }
        drop(batches);
        for handle in handles {
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("a writer thread panicked"))??;
        }
        Ok(())
    })?;
    crate::db::refresh_statistics(conn)?;
    Ok(Synthetic {
        articles: made,
        published_slugs: generator.published_slugs,
    })
}

/// Makes the synthetic articles, batch by batch, in a fixed order.
struct Generator {
    rng: Lcg,
    now: chrono::NaiveDateTime,
    author_ids: Vec<AuthorId>,
    category_ids: Vec<CategoryId>,
    /// Articles already in the table, so that slugs stay unique across runs.
    start: usize,
    published_slugs: Vec<String>,
    /// The archive style's vocabulary and its own generator.
    archive: Option<(Vocabulary, Rng)>,
}

/// One story before rendering: title, body, published, date, author, section, slug.
type Plan = (
    String,
    String,
    bool,
    chrono::NaiveDateTime,
    Option<AuthorId>,
    Option<CategoryId>,
    String,
);

impl Generator {
    /// A story of the news style.
    fn news_plan(&mut self, i: usize) -> Plan {
        let three_years = 3 * 365 * 24 * 3600;
        let title_words = 6 + self.rng.below(5);
        let title = self.rng.sentence(title_words);
        let title = title.trim_end_matches('.').to_owned();
        let paragraphs: Vec<String> = (0..6)
            .map(|_| {
                (0..6)
                    .map(|_| {
                        let w = 8 + self.rng.below(8);
                        self.rng.sentence(w)
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let mut body = paragraphs.join("\n\n");
        // One story in a hundred mentions a rare word, for a search that finds ~1 %.
        if i.is_multiple_of(100) {
            body.push_str("\n\nWitnesses said a zeppelin passed over the harbour.");
        }
        let published = self.rng.below(10) != 0;
        let at = self.now - chrono::Duration::seconds(self.rng.below(three_years) as i64);
        let author_pick = self.rng.below(self.author_ids.len());
        let author = (self.rng.below(10) != 0).then(|| self.author_ids[author_pick].clone());
        let category = Some(self.category_ids[self.rng.below(self.category_ids.len())].clone());
        let slug = format!(
            "{}-{}",
            crate::slug::from_title(&title, 150).unwrap_or_else(|| "story".into()),
            self.start + i
        );
        (title, body, published, at, author, category, slug)
    }

    /// A story of the archive style; the first one of an empty table is the Astana story.
    fn archive_plan(&mut self, i: usize) -> anyhow::Result<Plan> {
        let market = self.category_ids.get(3).cloned();
        let Some((vocabulary, rng)) = self.archive.as_mut() else {
            anyhow::bail!("not the archive style");
        };
        if self.start + i == 0 {
            let at =
                chrono::NaiveDateTime::parse_from_str(archive::KNOWN_DATE, "%Y-%m-%dT%H:%M:%S")?;
            let slug = crate::slug::from_title(archive::KNOWN_TITLE, 150).unwrap_or_default();
            let (title, body) = (
                archive::KNOWN_TITLE.to_owned(),
                archive::KNOWN_BODY.to_owned(),
            );
            return Ok((title, body, true, at, None, market, slug));
        }
        let ten_years = 3_652 * 24 * 3600;
        let title = vocabulary.title(rng);
        let body = vocabulary.body(rng);
        let published = rng.below(20) != 0;
        let at = self.now - chrono::Duration::seconds(rng.below(ten_years) as i64);
        let author_pick = rng.below(self.author_ids.len());
        let author = (rng.below(10) != 0).then(|| self.author_ids[author_pick].clone());
        let category = Some(self.category_ids[rng.below(self.category_ids.len())].clone());
        let slug = format!(
            "{}-{}",
            crate::slug::from_title(&title, 150).unwrap_or_else(|| "story".into()),
            self.start + i
        );
        Ok((title, body, published, at, author, category, slug))
    }

    /// The articles numbered `range`, rendered and ready to insert. A body that does not
    /// render, or a render thread that panics, fails the batch: a row is never stored
    /// without its HTML, nor counted without being stored.
    fn batch(&mut self, range: std::ops::Range<usize>) -> anyhow::Result<Vec<Article>> {
        let mut plans = Vec::with_capacity(range.len());
        for i in range {
            plans.push(match self.archive.is_some() {
                true => self.archive_plan(i)?,
                false => self.news_plan(i),
            });
        }
        // Rendering is the costly part: spread it over the cores.
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let chunk = plans.len().div_ceil(threads).max(1);
        let rendered = std::thread::scope(|scope| -> anyhow::Result<Vec<(String, usize)>> {
            let handles: Vec<_> = plans
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|p| render::render(&p.1).map(|r| (r.html, r.words)))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            let mut all = Vec::with_capacity(plans.len());
            for handle in handles {
                let part = handle
                    .join()
                    .map_err(|_| anyhow::anyhow!("a render thread panicked"))??;
                all.extend(part);
            }
            Ok(all)
        })?;
        anyhow::ensure!(rendered.len() == plans.len(), "a batch rendered short");
        Ok(plans
            .into_iter()
            .zip(rendered)
            .map(
                |((title, body, published, at, author, category, slug), (html, words))| {
                    if published {
                        self.published_slugs.push(slug.clone());
                    }
                    let draft = Draft {
                        excerpt: body.split(". ").next().map(|s| format!("{s}.")),
                        title,
                        body,
                        slug: Some(slug),
                        author_id: author,
                        category_id: category,
                        ..Draft::default()
                    };
                    let rendered = render::Rendered {
                        html,
                        words,
                        reading_time: render::reading_time(words),
                    };
                    let row = Article::new_draft(draft, rendered, None, at);
                    if published {
                        Article {
                            status: crate::domain::Status::Published,
                            published_at: Some(at),
                            published_sort: at,
                            ..row
                        }
                    } else {
                        row
                    }
                },
            )
            .collect())
    }
}
