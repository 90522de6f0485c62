//! `byline import-wordpress`: a WordPress export into the site, item by item through the
//! write path (so each story has its revision, audit entry and events), matched by guid so
//! that running it again updates what changed and duplicates nothing.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::Path;

use chrono::NaiveDateTime;
use serde::Serialize;

use super::media::{self, Attachment, Library};
use super::wxr::{self, Entry, Item};
use super::{body, repo};
use crate::articles::model::{Article, ArticleChangeset, Draft};
use crate::articles::service::{self as articles, Action, Writer};
use crate::backup::progress::Progress;
use crate::db::AnyConnection;
use crate::domain::change::Verb;
use crate::domain::{AuthorId, CategoryId, Error, IdOrSlug, IfMatch, Status, TagId};
use crate::write::Tx;

mod batches;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Read, convert and check everything; write nothing.
    pub dry_run: bool,
    /// Refuse the whole file, writing nothing, when any item cannot be imported.
    pub strict: bool,
    /// Import pages as articles instead of skipping them.
    pub pages_as_articles: bool,
    /// Where the images come from.
    pub media: media::Source,
    /// The language of the stories when the export names none (`BYLINE_DEFAULT_LOCALE`).
    pub locale: String,
}

/// What an import did, or would do.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// `1.0`, `1.1` or `1.2`.
    pub wxr_version: String,
    /// The site's address.
    pub site: String,
    /// The language the stories were given (the export's `<language>`, else
    /// `BYLINE_DEFAULT_LOCALE`).
    pub locale: String,
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
    /// Attachments met (not stories: their files become media items when imported).
    pub attachments: u64,
    /// Media items made from the old site's files (`--uploads`, `--download-media`).
    pub media_created: u64,
    /// Items left out on purpose (pages, menus, revisions, auto-drafts, other post types).
    pub skipped: Vec<Skipped>,
    /// Items that could not be imported, and why (files of the old site as kind `media`).
    pub failed: Vec<Skipped>,
    /// Sticky posts (Byline has no sticky flag): their WordPress ids.
    pub sticky: Vec<String>,
}

/// An item left out, or that failed.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// `post`, `page`, `attachment`, `media`, …
    pub kind: String,
    /// Its WordPress id.
    pub wordpress_id: String,
    /// Its title (for a file, its address).
    pub title: String,
    /// Why.
    pub reason: String,
}

/// Most tags a story carries.
const MAX_TAGS: usize = 20;

/// Imports the export at `path`; `tools` stores the files when `options.media` says where
/// they come from. A file that is not a well-formed WordPress export is refused before
/// anything is written.
pub fn import(
    conn: &mut AnyConnection,
    path: &Path,
    options: Options,
    tools: Option<media::Tools>,
    progress: &mut Progress,
) -> anyhow::Result<Report> {
    let open = || -> anyhow::Result<BufReader<std::fs::File>> {
        let file = std::fs::File::open(path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        Ok(BufReader::with_capacity(1 << 16, file))
    };
    let (site, attachments, items) = first_pass(open()?, progress)?;
    let mut hosts: Vec<String> = [&site.base_site_url, &site.base_blog_url, &site.link]
        .into_iter()
        .chain(attachments.values().map(|a| &a.url))
        .filter_map(|u| url::Url::parse(u).ok()?.host_str().map(str::to_owned))
        .collect();
    hosts.sort();
    hosts.dedup();
    let library = Library::new(
        options.media.clone(),
        tools,
        attachments.values().cloned(),
        hosts,
    )?;
    let covers = attachments.into_iter().map(|(id, a)| (id, a.url)).collect();
    // The channel's `<language>` (WordPress writes the site's, as `en-US`) is every story's.
    let locale =
        crate::locale::normalize(site.language.trim()).unwrap_or_else(|| options.locale.clone());
    let mut state = State {
        locale,
        options,
        covers,
        library,
        report: Report::default(),
        authors: HashMap::new(),
        categories: HashMap::new(),
        tags: HashMap::new(),
        now: crate::domain::time::now(),
        known: None,
        guarded: true,
        broken: false,
        noted: Vec::new(),
    };
    progress.start("items", items);
    if state.options.dry_run || state.options.strict {
        state.whole(conn, open()?, progress)?;
    } else {
        state.batched(conn, open()?, progress)?;
    }
    progress.finish();
    let locale = state.locale.clone();
    let mut report = state.finish();
    report.wxr_version = site.wxr_version;
    report.locale = locale;
    report.site = if site.base_site_url.is_empty() {
        site.link
    } else {
        site.base_site_url
    };
    Ok(report)
}

/// The first pass: the whole file must read. Attachments are noted (by WordPress id) for
/// featured images and the pictures in bodies, and the items counted.
fn first_pass(
    input: BufReader<std::fs::File>,
    progress: &mut Progress,
) -> anyhow::Result<(wxr::Site, HashMap<String, Attachment>, u64)> {
    let mut attachments = HashMap::new();
    let mut items = 0u64;
    progress.start("reading", 0);
    let site = wxr::read(input, |entry| {
        if let Entry::Item(item) = entry {
            items += 1;
            progress.add(1);
            if item.post_type == "attachment" && !item.attachment_url.is_empty() {
                let attachment = Attachment {
                    url: item.attachment_url.trim().to_owned(),
                    title: item.title.clone(),
                    alt: item
                        .meta("_wp_attachment_image_alt")
                        .unwrap_or("")
                        .to_owned(),
                    caption: item.excerpt.clone(),
                };
                attachments.insert(item.post_id.clone(), attachment);
            }
        }
        Ok(())
    })
    .map_err(|e| anyhow::anyhow!("{e}; nothing was imported"))?;
    progress.finish();
    Ok((site, attachments, items))
}

/// What the second pass knows: the ids of what it has met, by their WordPress names.
pub(super) struct State {
    options: Options,
    /// Attachment addresses by WordPress id, for featured images.
    covers: HashMap<String, String>,
    library: Library,
    pub(super) report: Report,
    pub(super) authors: HashMap<String, AuthorId>,
    pub(super) categories: HashMap<String, CategoryId>,
    pub(super) tags: HashMap<String, TagId>,
    pub(super) now: NaiveDateTime,
    /// The stories' language.
    locale: String,
    /// The stories imported before under the guids of the transaction's entries, read in
    /// one query when it began (`None`: read each when its turn comes).
    known: Option<HashMap<String, String>>,
    /// Whether each item is written under a savepoint of its own. Without one, an item that
    /// fails breaks its transaction, which is then undone and written again guarded.
    guarded: bool,
    /// An unguarded item failed: the transaction must be written again.
    broken: bool,
    /// The authors, categories and tags remembered since the transaction began (undone with
    /// it).
    pub(super) noted: Vec<Noted>,
}

/// A name an import remembered an id under.
pub(super) enum Noted {
    Author(String),
    Category(String),
    Tag(String),
}

/// Why an item failed, with what was wrong with each field.
fn failure(e: &Error) -> Failure {
    let fields: Vec<String> = e
        .errors
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect();
    match fields.is_empty() {
        true => Failure(e.detail.clone()),
        false => Failure(format!("{} ({})", e.detail, fields.join("; "))),
    }
}

impl State {
    /// Runs `work` under a savepoint while guarded; else as it is, a failure breaking the
    /// transaction.
    pub(super) fn attempt<T>(
        &mut self,
        tx: &mut Tx<'_>,
        work: impl FnOnce(&mut Tx<'_>) -> crate::domain::Result<T>,
    ) -> crate::domain::Result<T> {
        if self.guarded {
            return tx.attempt(work);
        }
        let out = work(tx);
        self.broken |= out.is_err();
        out
    }

    fn finish(mut self) -> Report {
        self.report.media_created = self.library.created;
        for (address, reason) in std::mem::take(&mut self.library.failed) {
            self.report.failed.push(Skipped {
                kind: "media".to_owned(),
                wordpress_id: String::new(),
                title: address,
                reason,
            });
        }
        self.report
    }

    fn entry(&mut self, tx: &mut Tx<'_>, entry: &Entry) -> crate::domain::Result<()> {
        match entry {
            Entry::Author(a) => {
                let made = self.author(tx, a).map(drop);
                self.unless_failed(made, "author", &a.id, &a.login)
            }
            Entry::Category(c) => {
                let made = self.category(tx, &c.nicename, &c.name, &c.description, &c.parent);
                self.unless_failed(made.map(drop), "category", &c.term_id, &c.name)
            }
            Entry::Tag(t) => {
                let made = self.tag(tx, &t.slug, &t.name, &t.description);
                self.unless_failed(made.map(drop), "tag", &t.term_id, &t.name)
            }
            Entry::Item(item) => self.item(tx, item),
        }
    }

    /// A term or author that could not be made is reported, and the import goes on.
    fn unless_failed(
        &mut self,
        made: crate::domain::Result<()>,
        kind: &str,
        id: &str,
        title: &str,
    ) -> crate::domain::Result<()> {
        if let Err(e) = made {
            self.report.failed.push(Skipped {
                kind: kind.to_owned(),
                wordpress_id: id.to_owned(),
                title: title.to_owned(),
                reason: failure(&e).0,
            });
        }
        Ok(())
    }

    fn item(&mut self, tx: &mut Tx<'_>, item: &Item) -> crate::domain::Result<()> {
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
            // Imported even when no story shows it: it is in the old site's library.
            if !item.attachment_url.is_empty() {
                let (dry_run, now) = (self.options.dry_run, self.now);
                self.library
                    .item_for(tx, &item.attachment_url, dry_run, now);
            }
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
        match self.story(tx, item) {
            Ok(()) => {}
            Err(Failure(reason)) => self.report.failed.push(skip(&reason)),
        }
        Ok(())
    }

    /// One post: made, updated or found unchanged, under a savepoint of its own.
    fn story(&mut self, tx: &mut Tx<'_>, item: &Item) -> Result<(), Failure> {
        let key = guid_of(item).ok_or_else(|| Failure::new("no guid and no post id"))?;
        let plan = self.plan(tx, item)?;
        let existing = match &self.known {
            Some(known) => known.get(&key).cloned(),
            None => {
                repo::target_of(tx.conn(), &key).map_err(|e| Failure(format!("database: {e}")))?
            }
        };
        let (path, link) = (super::urls::path_of(&item.link), item.link.clone());
        let now = self.now;
        let outcome = self
            .attempt(tx, |tx| match &existing {
                None => {
                    let id = create(tx, &plan, now)?;
                    repo::remember(tx.conn(), &key, (&path, &link), &id, true, now)?;
                    Ok(Outcome::Created(id))
                }
                Some(id) => {
                    let changed = update(tx, id, &plan, now)?;
                    repo::remember(tx.conn(), &key, (&path, &link), id, false, now)?;
                    Ok(if changed {
                        Outcome::Updated
                    } else {
                        Outcome::Unchanged
                    })
                }
            })
            .map_err(|e| failure(&e))?;
        match outcome {
            Outcome::Created(id) => {
                // A later item of the same transaction with the same guid updates it.
                if let Some(known) = &mut self.known {
                    known.insert(key, id);
                }
                self.report.articles_created += 1;
            }
            Outcome::Updated => self.report.articles_updated += 1,
            Outcome::Unchanged => self.report.articles_unchanged += 1,
        }
        Ok(())
    }

    /// A post's section (its first category) and tags (up to [`MAX_TAGS`]).
    fn terms(
        &mut self,
        tx: &mut Tx<'_>,
        item: &Item,
    ) -> Result<(Option<CategoryId>, Vec<TagId>), Failure> {
        let mut category_id = None;
        let mut tag_ids = Vec::new();
        for term in &item.terms {
            match term.domain.as_str() {
                "category" if category_id.is_none() => {
                    category_id = self
                        .category(tx, &term.nicename, &term.name, "", "")
                        .map_err(|e| failure(&e))?;
                }
                "post_tag" if tag_ids.len() < MAX_TAGS => {
                    if let Some(id) = self
                        .tag(tx, &term.nicename, &term.name, "")
                        .map_err(|e| failure(&e))?
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
    fn plan(&mut self, tx: &mut Tx<'_>, item: &Item) -> Result<Plan, Failure> {
        let (dry_run, now) = (self.options.dry_run, self.now);
        let library = &mut self.library;
        let body = body::with_addresses(&body::to_markdown(&item.content), |address| {
            library
                .item_for(tx, address, dry_run, now)
                .map(|m| m.path())
        });
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
            "pending" => Fate::InReview,
            "draft" | "private" | "" => Fate::Draft,
            other => return Err(Failure(format!("unknown status {other:?}"))),
        };
        // A post published with no date at all is dated now, as WordPress does.
        let publish_at = match fate {
            Fate::Published | Fate::Scheduled => Some(date.unwrap_or(self.now)),
            _ => None,
        };
        let author_id = match item.creator.trim() {
            "" => None,
            login => Some(
                self.author_named(tx, login, login)
                    .map_err(|e| failure(&e))?,
            ),
        };
        let (category_id, tag_ids) = self.terms(tx, item)?;
        let cover = item
            .meta("_thumbnail_id")
            .and_then(|id| self.covers.get(id.trim()))
            .cloned();
        let cover_media = cover
            .as_deref()
            .and_then(|url| self.library.item_for(tx, url, dry_run, now));
        let (cover_image_url, cover_media_id) = match cover_media {
            Some(item) => (None, Some(item.id)),
            None => (cover, None),
        };
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
            cover_media_id,
            assignee_id: None,
            locale: Some(self.locale.clone()),
            translation_group: None,
        };
        Ok(Plan {
            draft,
            rendered,
            publish_at,
            dated: date.is_some(),
            trashed: fate == Fate::Trashed,
            in_review: fate == Fate::InReview,
        })
    }
}

/// Where a post goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Draft,
    /// A post waiting for review (`pending`): a story in review.
    InReview,
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
    in_review: bool,
}

enum Outcome {
    /// Made, with this id.
    Created(String),
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
    let mut row = Article::new_draft(plan.draft.clone(), plan.rendered.clone(), None, now);
    if let Some(at) = plan.publish_at {
        row = row.published(at, now);
    } else if plan.in_review {
        row.status = Status::InReview;
    }
    let current = articles::create_in(tx, row, false)?;
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
    // A published story whose post moved in time moves with it (publishing it again is
    // not a transition there is).
    let redated = match plan.publish_at {
        Some(at) if plan.dated && before.published_at != Some(at) => {
            (before.status == Status::Published).then_some(at)
        }
        _ => None,
    };
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
        cover_media_id: Some(d.cover_media_id.clone()),
        tag_ids: Some(crate::domain::join_ids(&d.tag_ids)),
        published_at: redated.map(Some),
        published_sort: redated,
        status: redated.filter(|at| *at > now).map(|_| Status::Scheduled),
        ..ArticleChangeset::default()
    };
    let after = articles::update_in(
        tx,
        &key,
        &Writer::SYSTEM,
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
        articles::transition_in(tx, &key, &Writer::SYSTEM, &IfMatch::Absent, publish, now)?;
        changed = true;
    }
    // A draft whose post went pending is handed in for review.
    if plan.in_review && after.status == Status::Draft {
        let submit = Action::Submit;
        articles::transition_in(tx, &key, &Writer::SYSTEM, &IfMatch::Absent, submit, now)?;
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
pub(super) fn wordpress_slug(raw: &str) -> Option<String> {
    let decoded = url::form_urlencoded::parse(format!("s={}", raw.trim()).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if crate::slug::is_valid(&decoded) {
        return Some(decoded);
    }
    crate::slug::from_title(&decoded, 100)
}

pub(super) fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}
