//! Reading a WordPress export (WXR 1.0 to 1.2, the file of Tools → Export) as a stream of
//! what it holds: the site, authors, categories, tags and items (posts, pages,
//! attachments). Elements are told apart by their namespace, not their prefix, so a prefix
//! bound to another namespace is ignored, whatever it is called.

use std::io::BufRead;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

/// The longest text taken from one element.
const MAX_TEXT: usize = 64 << 20;

/// Something the export holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A `wp:author`.
    Author(Author),
    /// A `wp:category`.
    Category(Category),
    /// A `wp:tag`.
    Tag(Tag),
    /// An `item`.
    Item(Box<Item>),
}

/// The site the export comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    /// `title`.
    pub title: String,
    /// `link`.
    pub link: String,
    /// `wp:wxr_version`.
    pub wxr_version: String,
    /// `wp:base_site_url`.
    pub base_site_url: String,
    /// `wp:base_blog_url`.
    pub base_blog_url: String,
    /// `language`: the site's language (`en-US`).
    pub language: String,
}

/// A WordPress user who wrote something.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    /// `wp:author_id`.
    pub id: String,
    /// `wp:author_login`: what items name in `dc:creator`.
    pub login: String,
    /// `wp:author_email`.
    pub email: String,
    /// `wp:author_display_name`.
    pub display_name: String,
    /// `wp:author_first_name`.
    pub first_name: String,
    /// `wp:author_last_name`.
    pub last_name: String,
}

/// A category.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Category {
    /// `wp:term_id`.
    pub term_id: String,
    /// `wp:category_nicename`: its slug.
    pub nicename: String,
    /// `wp:category_parent`: the parent's slug, or empty.
    pub parent: String,
    /// `wp:cat_name`.
    pub name: String,
    /// `wp:category_description`.
    pub description: String,
}

/// A tag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tag {
    /// `wp:term_id`.
    pub term_id: String,
    /// `wp:tag_slug`.
    pub slug: String,
    /// `wp:tag_name`.
    pub name: String,
    /// `wp:tag_description`.
    pub description: String,
}

/// A category or tag an item is filed under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Term {
    /// `category`, `post_tag`, or another taxonomy.
    pub domain: String,
    /// The term's slug.
    pub nicename: String,
    /// The term's name.
    pub name: String,
}

/// A post, page, attachment or other item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// `title`.
    pub title: String,
    /// `link`: the permalink.
    pub link: String,
    /// `pubDate`.
    pub pub_date: String,
    /// `dc:creator`: the author's login.
    pub creator: String,
    /// `guid`.
    pub guid: String,
    /// `content:encoded`: the body, HTML.
    pub content: String,
    /// `excerpt:encoded`.
    pub excerpt: String,
    /// `wp:post_id`.
    pub post_id: String,
    /// `wp:post_date`: local time.
    pub post_date: String,
    /// `wp:post_date_gmt`: UTC (`0000-00-00 00:00:00` for drafts never dated).
    pub post_date_gmt: String,
    /// `wp:post_name`: the slug, percent-encoded when not ASCII.
    pub post_name: String,
    /// `wp:status`: `publish`, `future`, `draft`, `pending`, `private`, `trash`, …
    pub status: String,
    /// `wp:post_parent`.
    pub post_parent: String,
    /// `wp:post_type`: `post`, `page`, `attachment`, …
    pub post_type: String,
    /// `wp:is_sticky`.
    pub sticky: bool,
    /// `wp:attachment_url`, for attachments.
    pub attachment_url: String,
    /// Categories and tags, in order.
    pub terms: Vec<Term>,
    /// `wp:postmeta` pairs, in order.
    pub meta: Vec<(String, String)>,
}

impl Item {
    /// The first value of a meta key.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not well-formed XML, or cut short.
    #[error("not well-formed XML near byte {position}: {message}")]
    Xml {
        /// Where, in bytes from the start.
        position: u64,
        /// What is wrong.
        message: String,
    },
    /// XML, but not a WordPress export.
    #[error("not a WordPress export: {0}")]
    NotWxr(String),
    /// What the caller's handler said.
    #[error("{0}")]
    Handler(anyhow::Error),
}

/// Which namespace an element is in, as far as WXR cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// None: plain RSS.
    Rss,
    /// `http://wordpress.org/export/1.x/`.
    Wp,
    /// `http://wordpress.org/export/1.x/excerpt/`.
    Excerpt,
    /// `http://purl.org/rss/1.0/modules/content/`.
    Content,
    /// `http://purl.org/dc/elements/1.1/`.
    Dc,
    /// Anything else: ignored.
    Other,
}

fn ns_of(resolved: &ResolveResult<'_>) -> Ns {
    match resolved {
        ResolveResult::Unbound => Ns::Rss,
        ResolveResult::Bound(ns) => {
            let uri = ns.as_ref();
            if let Some(rest) = uri.strip_prefix(b"http://wordpress.org/export/".as_slice()) {
                if rest.ends_with(b"/excerpt/") {
                    Ns::Excerpt
                } else {
                    Ns::Wp
                }
            } else if uri == b"http://purl.org/rss/1.0/modules/content/" {
                Ns::Content
            } else if uri == b"http://purl.org/dc/elements/1.1/" {
                Ns::Dc
            } else if uri.is_empty() {
                Ns::Rss
            } else {
                Ns::Other
            }
        }
        ResolveResult::Unknown(_) => Ns::Other,
    }
}

/// What is being read at the top of the element stack.
#[derive(Debug)]
enum Open {
    Author(Author),
    Category(Category),
    Tag(Tag),
    Item(Box<Item>),
}

/// Reads the whole export, handing each entry to `each` as soon as it is complete; the
/// site's own fields. A file that is not well-formed is an error wherever the fault is, so
/// a caller that must refuse a broken file before writing reads it once with a handler
/// that only counts.
pub fn read(
    input: impl BufRead,
    mut each: impl FnMut(Entry) -> anyhow::Result<()>,
) -> Result<Site, ReadError> {
    let mut reader = quick_xml::reader::NsReader::from_reader(input);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut walk = Walk::default();
    loop {
        let xml_error = |position: u64, e: &dyn std::fmt::Display| ReadError::Xml {
            position,
            message: e.to_string(),
        };
        // Where the event starts, for the errors of its text.
        let at = reader.buffer_position();
        let (resolved, event) = match reader.read_resolved_event_into(&mut buf) {
            Ok(pair) => pair,
            Err(e) => return Err(xml_error(reader.error_position(), &e)),
        };
        let part = match event {
            Event::Start(start) => {
                walk.start(ns_of(&resolved), &start)?;
                None
            }
            Event::Empty(_) => {
                walk.text.clear();
                None
            }
            Event::Text(t) => Some(t.decode().map_err(|e| xml_error(at, &e))?.into_owned()),
            Event::CData(t) => Some(t.decode().map_err(|e| xml_error(at, &e))?.into_owned()),
            Event::GeneralRef(r) => Some(entity(&r).map_err(|e| xml_error(at, &e))?),
            Event::End(_) => {
                if let Some(entry) = walk.end()? {
                    each(entry).map_err(ReadError::Handler)?;
                }
                None
            }
            Event::Eof => break,
            _ => None,
        };
        if let Some(part) = part {
            push_text(&mut walk.text, &part, at)?;
        }
        buf.clear();
    }
    walk.finish(reader.buffer_position())
}

/// The text an entity reference stands for: a character reference, one of XML's five,
/// or (for any other, which XML without a DTD cannot define) the reference as written.
fn entity(r: &quick_xml::events::BytesRef<'_>) -> Result<String, Box<dyn std::error::Error>> {
    if let Some(c) = r.resolve_char_ref()? {
        return Ok(c.to_string());
    }
    let name = r.decode()?;
    Ok(match name.as_ref() {
        "amp" => "&".to_owned(),
        "lt" => "<".to_owned(),
        "gt" => ">".to_owned(),
        "quot" => "\"".to_owned(),
        "apos" => "'".to_owned(),
        other => format!("&{other};"),
    })
}

/// Where the reader is: the open elements, the text since the last start tag, and the
/// entry being read.
#[derive(Default)]
struct Walk {
    stack: Vec<(Ns, String)>,
    text: String,
    open: Option<Open>,
    site: Site,
    saw_channel: bool,
    term_attrs: Option<(String, String)>,
    meta_key: String,
}

impl Walk {
    fn start(
        &mut self,
        ns: Ns,
        start: &quick_xml::events::BytesStart<'_>,
    ) -> Result<(), ReadError> {
        let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
        self.text.clear();
        match (self.stack.len(), ns, name.as_str()) {
            (0, Ns::Rss, "rss") => {}
            (0, _, other) => {
                return Err(ReadError::NotWxr(format!(
                    "the root element is <{other}>, not <rss>"
                )));
            }
            (1, Ns::Rss, "channel") => self.saw_channel = true,
            (2, Ns::Wp, "author") => self.open = Some(Open::Author(Author::default())),
            (2, Ns::Wp, "category") => self.open = Some(Open::Category(Category::default())),
            (2, Ns::Wp, "tag") => self.open = Some(Open::Tag(Tag::default())),
            (2, Ns::Rss, "item") => self.open = Some(Open::Item(Box::default())),
            (3, Ns::Rss, "category") if matches!(self.open, Some(Open::Item(_))) => {
                let attr = |key: &str| {
                    start
                        .try_get_attribute(key)
                        .ok()
                        .flatten()
                        .map(|a| {
                            let raw = String::from_utf8_lossy(&a.value).into_owned();
                            quick_xml::escape::unescape(&raw)
                                .map(|v| v.into_owned())
                                .unwrap_or(raw)
                        })
                        .unwrap_or_default()
                };
                self.term_attrs = Some((attr("domain"), attr("nicename")));
            }
            _ => {}
        }
        self.stack.push((ns, name));
        Ok(())
    }

    /// Closes an element; the entry it completes, if it completes one.
    fn end(&mut self) -> Result<Option<Entry>, ReadError> {
        let Some((ns, name)) = self.stack.pop() else {
            return Err(ReadError::NotWxr("an end tag with no start".to_owned()));
        };
        let value = std::mem::take(&mut self.text);
        let depth = self.stack.len();
        let parent = self.stack.last().map(|(n, s)| (*n, s.clone()));
        match (depth, &mut self.open) {
            (2, Some(_)) => {
                return Ok(self.open.take().map(|done| match done {
                    Open::Author(a) => Entry::Author(a),
                    Open::Category(c) => Entry::Category(c),
                    Open::Tag(t) => Entry::Tag(t),
                    Open::Item(i) => Entry::Item(i),
                }));
            }
            (2, None) if ns != Ns::Other => channel_field(&mut self.site, ns, &name, value),
            (3, Some(Open::Author(a))) => author_field(a, ns, &name, value),
            (3, Some(Open::Category(c))) => category_field(c, ns, &name, value),
            (3, Some(Open::Tag(t))) => tag_field(t, ns, &name, value),
            (3, Some(Open::Item(item))) if (ns, name.as_str()) == (Ns::Rss, "category") => {
                let (domain, nicename) = self.term_attrs.take().unwrap_or_default();
                item.terms.push(Term {
                    domain,
                    nicename,
                    name: value,
                });
            }
            (3, Some(Open::Item(item))) => item_field(item, ns, &name, value),
            (4, Some(Open::Item(item)))
                if parent
                    .as_ref()
                    .is_some_and(|(n, s)| *n == Ns::Wp && s == "postmeta") =>
            {
                match (ns, name.as_str()) {
                    (Ns::Wp, "meta_key") => self.meta_key = value,
                    (Ns::Wp, "meta_value") => {
                        item.meta.push((std::mem::take(&mut self.meta_key), value));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(None)
    }

    /// The site, once the whole file has been read.
    fn finish(self, position: u64) -> Result<Site, ReadError> {
        if let Some((_, name)) = self.stack.last() {
            return Err(ReadError::Xml {
                position,
                message: format!("the file ends inside <{name}>"),
            });
        }
        if !self.saw_channel {
            return Err(ReadError::NotWxr("there is no <rss><channel>".to_owned()));
        }
        if !self.site.wxr_version.starts_with("1.") {
            return Err(ReadError::NotWxr(format!(
                "the WXR version is {:?}, not 1.0, 1.1 or 1.2",
                self.site.wxr_version
            )));
        }
        Ok(self.site)
    }
}

fn push_text(text: &mut String, part: &str, position: u64) -> Result<(), ReadError> {
    if text.len() + part.len() > MAX_TEXT {
        return Err(ReadError::Xml {
            position,
            message: "an element holds more than 64 MiB of text".to_owned(),
        });
    }
    text.push_str(part);
    Ok(())
}

fn channel_field(site: &mut Site, ns: Ns, name: &str, value: String) {
    let field = match (ns, name) {
        (Ns::Rss, "title") => &mut site.title,
        (Ns::Rss, "link") => &mut site.link,
        (Ns::Rss, "language") => &mut site.language,
        (Ns::Wp, "wxr_version") => &mut site.wxr_version,
        (Ns::Wp, "base_site_url") => &mut site.base_site_url,
        (Ns::Wp, "base_blog_url") => &mut site.base_blog_url,
        _ => return,
    };
    set_once(field, value);
}

fn author_field(a: &mut Author, ns: Ns, name: &str, value: String) {
    let field = match (ns, name) {
        (Ns::Wp, "author_id") => &mut a.id,
        (Ns::Wp, "author_login") => &mut a.login,
        (Ns::Wp, "author_email") => &mut a.email,
        (Ns::Wp, "author_display_name") => &mut a.display_name,
        (Ns::Wp, "author_first_name") => &mut a.first_name,
        (Ns::Wp, "author_last_name") => &mut a.last_name,
        _ => return,
    };
    set_once(field, value);
}

fn category_field(c: &mut Category, ns: Ns, name: &str, value: String) {
    let field = match (ns, name) {
        (Ns::Wp, "term_id") => &mut c.term_id,
        (Ns::Wp, "category_nicename") => &mut c.nicename,
        (Ns::Wp, "category_parent") => &mut c.parent,
        (Ns::Wp, "cat_name") => &mut c.name,
        (Ns::Wp, "category_description") => &mut c.description,
        _ => return,
    };
    set_once(field, value);
}

fn tag_field(t: &mut Tag, ns: Ns, name: &str, value: String) {
    let field = match (ns, name) {
        (Ns::Wp, "term_id") => &mut t.term_id,
        (Ns::Wp, "tag_slug") => &mut t.slug,
        (Ns::Wp, "tag_name") => &mut t.name,
        (Ns::Wp, "tag_description") => &mut t.description,
        _ => return,
    };
    set_once(field, value);
}

fn item_field(item: &mut Item, ns: Ns, name: &str, value: String) {
    if (ns, name) == (Ns::Wp, "is_sticky") {
        item.sticky = value.trim() == "1";
        return;
    }
    let field = match (ns, name) {
        (Ns::Rss, "title") => &mut item.title,
        (Ns::Rss, "link") => &mut item.link,
        (Ns::Rss, "pubDate") => &mut item.pub_date,
        (Ns::Rss, "guid") => &mut item.guid,
        (Ns::Dc, "creator") => &mut item.creator,
        (Ns::Content, "encoded") => &mut item.content,
        (Ns::Excerpt, "encoded") => &mut item.excerpt,
        (Ns::Wp, "post_id") => &mut item.post_id,
        (Ns::Wp, "post_date") => &mut item.post_date,
        (Ns::Wp, "post_date_gmt") => &mut item.post_date_gmt,
        (Ns::Wp, "post_name") => &mut item.post_name,
        (Ns::Wp, "status") => &mut item.status,
        (Ns::Wp, "post_parent") => &mut item.post_parent,
        (Ns::Wp, "post_type") => &mut item.post_type,
        (Ns::Wp, "attachment_url") => &mut item.attachment_url,
        _ => return,
    };
    set_once(field, value);
}

/// The first occurrence of a field wins: a second one (another prefix for the same
/// namespace, say) does not overwrite it.
fn set_once(field: &mut String, value: String) {
    if field.is_empty() {
        *field = value.trim().to_owned();
    }
}
