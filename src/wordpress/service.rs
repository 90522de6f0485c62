//! `byline import-wordpress`: a WordPress export into the site, item by item through the
//! write path (so each story has its revision, audit entry and events), matched by guid so
//! that running it again updates what changed and duplicates nothing.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::Path;

use chrono::NaiveDateTime;
use serde::Serialize;

use super::wxr::{self, Entry, Item};
use super::{body, repo};
use crate::articles::model::{Article, ArticleChangeset, Draft};
use crate::articles::service::{self as articles, Action, Writer};
use crate::backup::progress::Progress;
use crate::db::AnyConnection;
use crate::domain::change::Verb;
use crate::domain::{AuthorId, CategoryId, IdOrSlug, IfMatch, Status, TagId};

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Read, convert and check everything; write nothing.
    pub dry_run: bool,
    /// Refuse the whole file, writing nothing, when any item cannot be imported.
    pub strict: bool,
    /// Import pages as articles instead of skipping them.
    pub pages_as_articles: bool,
}

/// What an import did, or would do.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// `1.0`, `1.1` or `1.2`.
    pub wxr_version: String,
    /// The site's address.
    pub site: String,
    /// Authors made.
    pub authors_created: u64,
    /// Categories made.
    pub categories_created: u64,
    /// Tags made.
    pub tags_created: u64,
    /// Stories made.
    pub articles_created: u64,
    /// Stories that changed since the last import of the same site.
    pub articles_updated: u64,
    /// Stories already imported as they are.
    pub articles_unchanged: u64,
    /// Attachments: not stories; their URLs serve as featured images.
    pub attachments: u64,
    /// Items left out on purpose (pages, menus, revisions, auto-drafts, other post types).
    pub skipped: Vec<Skipped>,
    /// Items that could not be imported, and why.
    pub failed: Vec<Skipped>,
    /// Sticky posts (Byline has no sticky flag): their WordPress ids.
    pub sticky: Vec<String>,
}

/// An item left out, or that failed.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// `post`, `page`, `attachment`, …
    pub kind: String,
    /// Its WordPress id.
    pub wordpress_id: String,
    /// Its title.
    pub title: String,
    /// Why.
    pub reason: String,
}

/// Most tags a story carries.
const MAX_TAGS: usize = 20;

/// Imports the export at `path`. A file that is not a well-formed WordPress export is
/// refused before anything is written.
pub fn import(
    conn: &mut AnyConnection,
    path: &Path,
    options: Options,
    progress: &mut Progress,
) -> anyhow::Result<Report> {
    let open = || -> anyhow::Result<BufReader<std::fs::File>> {
        let file = std::fs::File::open(path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        Ok(BufReader::with_capacity(1 << 16, file))
    };
    // First pass: the whole file must read; attachments are noted for featured images.
    let mut attachments = HashMap::new();
    let mut items = 0u64;
    progress.start("reading", 0);
    let site = wxr::read(open()?, |entry| {
        if let Entry::Item(item) = entry {
            items += 1;
            progress.add(1);
            if item.post_type == "attachment" && !item.attachment_url.is_empty() {
                attachments.insert(item.post_id.clone(), item.attachment_url.clone());
            }
        }
        Ok(())
    })
    .map_err(|e| anyhow::anyhow!("{e}; nothing was imported"))?;
    progress.finish();
    if options.strict && !options.dry_run {
        // A rehearsal first: any item that would fail refuses the whole file.
        let rehearsal = Options {
            dry_run: true,
            ..options
        };
        let mut quiet = Progress::new(true);
        let planned = run(conn, open()?, rehearsal, &attachments, items, &mut quiet)?;
        if let Some(first) = planned.failed.first() {
            anyhow::bail!(
                "{} item(s) cannot be imported (the first: {} {} {:?}: {}); with --strict \
                 nothing was imported",
                planned.failed.len(),
                first.kind,
                first.wordpress_id,
                first.title,
                first.reason
            );
        }
    }
    let mut report = run(conn, open()?, options, &attachments, items, progress)?;
    report.wxr_version = site.wxr_version;
    report.site = if site.base_site_url.is_empty() {
        site.link
    } else {
        site.base_site_url
    };
    Ok(report)
}

/// The second pass: every entry, in file order.
fn run(
    conn: &mut AnyConnection,
    input: BufReader<std::fs::File>,
    options: Options,
    attachments: &HashMap<String, String>,
    items: u64,
    progress: &mut Progress,
) -> anyhow::Result<Report> {
    let mut state = State {
        conn,
        options,
        attachments,
        report: Report::default(),
        authors: HashMap::new(),
        categories: HashMap::new(),
        tags: HashMap::new(),
        now: crate::domain::time::now(),
    };
    progress.start("items", items);
    wxr::read(input, |entry| {
        match entry {
            Entry::Author(a) => state.author(&a)?,
            Entry::Category(c) => {
                state.category(&c.nicename, &c.name, &c.description, &c.parent)?;
            }
            Entry::Tag(t) => {
                state.tag(&t.slug, &t.name, &t.description)?;
            }
            Entry::Item(item) => {
                state.item(&item)?;
                progress.add(1);
            }
        }
        Ok(())
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    progress.finish();
    Ok(state.report)
}

/// What a pass knows: the ids of what it has met, by their WordPress names. `None` stands
/// for something a dry run would have made.
struct State<'a> {
    conn: &'a mut AnyConnection,
    options: Options,
    attachments: &'a HashMap<String, String>,
    report: Report,
    authors: HashMap<String, Option<AuthorId>>,
    categories: HashMap<String, Option<CategoryId>>,
    tags: HashMap<String, Option<TagId>>,
    now: NaiveDateTime,
}

impl State<'_> {
    fn author(&mut self, a: &wxr::Author) -> anyhow::Result<()> {
        let login = if a.login.is_empty() {
            &a.display_name
        } else {
            &a.login
        };
        let full = format!("{} {}", a.first_name, a.last_name);
        let name = [a.display_name.as_str(), full.trim(), login.as_str()]
            .into_iter()
            .find(|n| !n.is_empty())
            .unwrap_or("Unknown")
            .to_owned();
        self.author_named(login, &name).map(drop)
    }

    /// The author whose WordPress login is `login`, made when new.
    fn author_named(&mut self, login: &str, name: &str) -> anyhow::Result<Option<AuthorId>> {
        if let Some(id) = self.authors.get(login) {
            return Ok(id.clone());
        }
        let slug = crate::slug::from_title(login, 100).unwrap_or_else(|| "author".to_owned());
        let existing = <crate::authors::model::Author as crate::slugged::Slugged>::find(
            self.conn,
            &IdOrSlug::Slug(slug.clone()),
        )?
        .map(|a| a.id);
        let id = match existing {
            Some(id) => Some(id),
            None if self.options.dry_run => {
                self.report.authors_created += 1;
                None
            }
            None => {
                self.report.authors_created += 1;
                let bio = None;
                Some(crate::seed::author(
                    self.conn,
                    slug,
                    name.to_owned(),
                    bio,
                    self.now,
                )?)
            }
        };
        self.authors.insert(login.to_owned(), id.clone());
        Ok(id)
    }

    fn category(
        &mut self,
        nicename: &str,
        name: &str,
        description: &str,
        parent: &str,
    ) -> anyhow::Result<Option<CategoryId>> {
        let slug = wordpress_slug(nicename).or_else(|| crate::slug::from_title(name, 100));
        let Some(slug) = slug else {
            return Ok(None);
        };
        if let Some(id) = self.categories.get(&slug) {
            return Ok(id.clone());
        }
        let parent_id = match parent.is_empty() {
            true => None,
            false => self.category(parent, parent, "", "")?,
        };
        let existing = <crate::categories::model::Category as crate::slugged::Slugged>::find(
            self.conn,
            &IdOrSlug::Slug(slug.clone()),
        )?
        .map(|c| c.id);
        let id = match existing {
            Some(id) => Some(id),
            None => {
                self.report.categories_created += 1;
                if self.options.dry_run {
                    None
                } else {
                    let input = crate::categories::repo::CreateInput {
                        name: non_empty(name).unwrap_or_else(|| slug.clone()),
                        slug: Some(slug.clone()),
                        description: non_empty(description),
                        parent_id,
                    };
                    Some(crate::seed::category(self.conn, input, self.now)?)
                }
            }
        };
        self.categories.insert(slug, id.clone());
        Ok(id)
    }

    fn tag(&mut self, slug: &str, name: &str, description: &str) -> anyhow::Result<Option<TagId>> {
        let slug = wordpress_slug(slug).or_else(|| crate::slug::from_title(name, 100));
        let Some(slug) = slug else {
            return Ok(None);
        };
        if let Some(id) = self.tags.get(&slug) {
            return Ok(id.clone());
        }
        let existing = <crate::tags::model::Tag as crate::slugged::Slugged>::find(
            self.conn,
            &IdOrSlug::Slug(slug.clone()),
        )?
        .map(|t| t.id);
        let id = match existing {
            Some(id) => Some(id),
            None => {
                self.report.tags_created += 1;
                if self.options.dry_run {
                    None
                } else {
                    let input = crate::tags::repo::CreateInput {
                        name: non_empty(name).unwrap_or_else(|| slug.clone()),
                        slug: Some(slug.clone()),
                        description: non_empty(description),
                    };
                    Some(crate::seed::tag(self.conn, input, self.now)?)
                }
            }
        };
        self.tags.insert(slug, id.clone());
        Ok(id)
    }

    fn item(&mut self, item: &Item) -> anyhow::Result<()> {
        let kind = if item.post_type.is_empty() {
            "post"
        } else {
            item.post_type.as_str()
        };
        let skip = |reason: &str| Skipped {
            kind: kind.to_owned(),
            wordpress_id: item.post_id.clone(),
            title: item.title.clone(),
            reason: reason.to_owned(),
        };
        if kind == "attachment" {
            self.report.attachments += 1;
            return Ok(());
        }
        let wanted = kind == "post" || (kind == "page" && self.options.pages_as_articles);
        if !wanted {
            let reason = match kind {
                "page" => "a page (import pages with --pages-as-articles)".to_owned(),
                other => format!("post type {other}"),
            };
            self.report.skipped.push(skip(&reason));
            return Ok(());
        }
        if item.status == "auto-draft" || item.status == "inherit" {
            self.report
                .skipped
                .push(skip(&format!("status {}", item.status)));
            return Ok(());
        }
        if item.sticky {
            self.report.sticky.push(item.post_id.clone());
        }
        match self.story(item) {
            Ok(()) => {}
            Err(Failure(reason)) => self.report.failed.push(skip(&reason)),
        }
        Ok(())
    }

    /// One post: made, updated or found unchanged.
    fn story(&mut self, item: &Item) -> Result<(), Failure> {
        let key = guid_of(item).ok_or_else(|| Failure::new("no guid and no post id"))?;
        let plan = self.plan(item)?;
        let existing =
            repo::target_of(self.conn, &key).map_err(|e| Failure(format!("database: {e}")))?;
        if self.options.dry_run {
            match existing {
                Some(_) => self.report.articles_updated += 1,
                None => self.report.articles_created += 1,
            }
            return Ok(());
        }
        let (path, link) = (super::urls::path_of(&item.link), item.link.clone());
        let now = self.now;
        let outcome = crate::seed::system_write(self.conn, |tx| match &existing {
            None => {
                let id = create(tx, &plan, now)?;
                repo::remember(tx.conn(), &key, &path, &link, &id, now)?;
                Ok(Outcome::Created)
            }
            Some(id) => {
                let changed = update(tx, id, &plan, now)?;
                repo::remember(tx.conn(), &key, &path, &link, id, now)?;
                Ok(if changed {
                    Outcome::Updated
                } else {
                    Outcome::Unchanged
                })
            }
        })
        .map_err(|e| Failure(format!("{e:#}")))?;
        match outcome {
            Outcome::Created => self.report.articles_created += 1,
            Outcome::Updated => self.report.articles_updated += 1,
            Outcome::Unchanged => self.report.articles_unchanged += 1,
        }
        Ok(())
    }

    /// A post's section (its first category) and tags (up to [`MAX_TAGS`]).
    fn terms(&mut self, item: &Item) -> Result<(Option<CategoryId>, Vec<TagId>), Failure> {
        let mut category_id = None;
        let mut tag_ids = Vec::new();
        for term in &item.terms {
            match term.domain.as_str() {
                "category" if category_id.is_none() => {
                    category_id = self
                        .category(&term.nicename, &term.name, "", "")
                        .map_err(|e| Failure(format!("{e:#}")))?;
                }
                "post_tag" if tag_ids.len() < MAX_TAGS => {
                    if let Some(id) = self
                        .tag(&term.nicename, &term.name, "")
                        .map_err(|e| Failure(format!("{e:#}")))?
                        && !tag_ids.contains(&id)
                    {
                        tag_ids.push(id);
                    }
                }
                _ => {}
            }
        }
        Ok((category_id, tag_ids))
    }

    /// The story a post becomes.
    fn plan(&mut self, item: &Item) -> Result<Plan, Failure> {
        let body = body::to_markdown(&item.content);
        let excerpt = non_empty(body::to_markdown(&item.excerpt).trim());
        let title = non_empty(&item.title)
            .or_else(|| excerpt.clone())
            .or_else(|| {
                body.lines()
                    .find(|l| !l.trim().is_empty())
                    .map(str::to_owned)
            })
            .map(|t| t.chars().take(200).collect::<String>())
            .unwrap_or_else(|| "Untitled".to_owned());
        let rendered = crate::articles::render::render(&body)
            .map_err(|e| Failure(format!("the body cannot be rendered: {e}")))?;
        let date = post_date(item);
        let fate = match item.status.as_str() {
            "publish" => Fate::Published,
            "future" => Fate::Scheduled,
            "trash" => Fate::Trashed,
            "draft" | "pending" | "private" | "" => Fate::Draft,
            other => return Err(Failure(format!("unknown status {other:?}"))),
        };
        // A post published with no date at all is dated now, as WordPress does.
        let publish_at = match fate {
            Fate::Published | Fate::Scheduled => Some(date.unwrap_or(self.now)),
            _ => None,
        };
        let author_id = match item.creator.trim() {
            "" => None,
            login => self
                .author_named(login, login)
                .map_err(|e| Failure(format!("{e:#}")))?,
        };
        let (category_id, tag_ids) = self.terms(item)?;
        let cover_image_url = item
            .meta("_thumbnail_id")
            .and_then(|id| self.attachments.get(id.trim()))
            .cloned();
        let draft = Draft {
            title,
            body,
            slug: wordpress_slug(&item.post_name),
            subtitle: None,
            excerpt,
            author_id,
            category_id,
            cover_image_url,
            unpublish_at: None,
            tag_ids,
            cover_media_id: None,
        };
        Ok(Plan {
            draft,
            rendered,
            publish_at,
            dated: date.is_some(),
            trashed: fate == Fate::Trashed,
        })
    }
}

/// Where a post goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Draft,
    Published,
    Scheduled,
    Trashed,
}

/// A post, ready to store.
struct Plan {
    draft: Draft,
    rendered: crate::articles::render::Rendered,
    publish_at: Option<NaiveDateTime>,
    /// Whether the post says when it was published (else `publish_at` is the import's time).
    dated: bool,
    trashed: bool,
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Why a post could not be imported.
struct Failure(String);

impl Failure {
    fn new(reason: &str) -> Self {
        Self(reason.to_owned())
    }
}

fn create(
    tx: &mut crate::write::Tx<'_>,
    plan: &Plan,
    now: NaiveDateTime,
) -> crate::domain::Result<String> {
    let row = Article::new_draft(plan.draft.clone(), plan.rendered.clone(), None, now);
    let article = articles::create_in(tx, row, false)?;
    let key = IdOrSlug::Id(article.id.clone().into());
    let mut current = article;
    if let Some(at) = plan.publish_at {
        let publish = Action::Publish(Some(at), None);
        current =
            articles::transition_in(tx, &key, &Writer::Staff, &IfMatch::Absent, publish, now)?;
    }
    if plan.trashed {
        articles::set_trashed(tx, &current, Some((now, None)), now)?;
    }
    Ok(current.id.to_string())
}

/// Brings a story imported before up to date with the post; whether anything changed.
fn update(
    tx: &mut crate::write::Tx<'_>,
    id: &str,
    plan: &Plan,
    now: NaiveDateTime,
) -> crate::domain::Result<bool> {
    let key = IdOrSlug::Id(id.to_owned());
    let Some(before) =
        crate::articles::repo::find(tx.conn(), &key, &crate::articles::repo::Access::All, now)?
    else {
        // In the trash, or deleted here: left as it is.
        return Ok(false);
    };
    let d = &plan.draft;
    let changes = ArticleChangeset {
        title: Some(d.title.clone()),
        title_key: Some(crate::articles::model::title_key(&d.title)),
        excerpt: Some(d.excerpt.clone()),
        body: Some(d.body.clone()),
        body_html: Some(plan.rendered.html.clone()),
        word_count: Some(i32::try_from(plan.rendered.words).unwrap_or(i32::MAX)),
        reading_time_minutes: Some(i32::try_from(plan.rendered.reading_time).unwrap_or(i32::MAX)),
        author_id: Some(d.author_id.clone()),
        category_id: Some(d.category_id.clone()),
        cover_image_url: Some(d.cover_image_url.clone()),
        tag_ids: Some(crate::domain::join_ids(&d.tag_ids)),
        ..ArticleChangeset::default()
    };
    let after = articles::update_in(
        tx,
        &key,
        &Writer::Staff,
        &IfMatch::Absent,
        changes,
        now,
        Verb::Updated,
    )?;
    let mut changed = after.version != before.version;
    let moved = plan.dated && after.published_at != plan.publish_at;
    if let Some(at) = plan.publish_at
        && (after.status == Status::Draft || moved)
    {
        let publish = Action::Publish(Some(at), None);
        articles::transition_in(tx, &key, &Writer::Staff, &IfMatch::Absent, publish, now)?;
        changed = true;
    }
    if plan.trashed {
        let current =
            crate::articles::repo::find(tx.conn(), &key, &crate::articles::repo::Access::All, now)?;
        if let Some(current) = current {
            articles::set_trashed(tx, &current, Some((now, None)), now)?;
            changed = true;
        }
    }
    Ok(changed)
}

/// The key an item is matched by when imported again.
fn guid_of(item: &Item) -> Option<String> {
    non_empty(&item.guid).or_else(|| non_empty(&item.post_id).map(|id| format!("post:{id}")))
}

/// When the post was (or will be) published: its GMT date, else its `pubDate`, else its
/// local date read as UTC.
fn post_date(item: &Item) -> Option<NaiveDateTime> {
    let plain = |s: &str| NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok();
    plain(&item.post_date_gmt)
        .filter(|d| chrono::Datelike::year(d) > 1)
        .or_else(|| {
            chrono::DateTime::parse_from_rfc2822(item.pub_date.trim())
                .ok()
                .map(|d| d.naive_utc())
        })
        .or_else(|| plain(&item.post_date).filter(|d| chrono::Datelike::year(d) > 1))
}

/// A WordPress slug as a Byline slug: percent-decoded (WordPress encodes what is not
/// ASCII), then kept when valid or remade from the text.
fn wordpress_slug(raw: &str) -> Option<String> {
    let decoded = url::form_urlencoded::parse(format!("s={}", raw.trim()).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if crate::slug::is_valid(&decoded) {
        return Some(decoded);
    }
    crate::slug::from_title(&decoded, 100)
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}
