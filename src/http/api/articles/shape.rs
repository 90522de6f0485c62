//! What `include` and `fields` make of an article: the embedded author, category, cover and
//! tags, the fields kept, and the entity tag's variant that follows both.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value;

use crate::articles::model::{Article, ArticleSummary};
use crate::articles::search;
use crate::articles::service::{self, Embed, Hit, Related};
use crate::authors::model::Author;
use crate::categories::model::Category;
use crate::domain::Code;
use crate::http::wire::articles::{ArticleResponse, FIELDS, SearchHit};
use crate::http::wire::authors::AuthorResponse;
use crate::http::wire::categories::CategoryResponse;
use crate::http::wire::media::{MediaResponse, SocialImage};
use crate::http::wire::tags::TagResponse;
use crate::http::wire::translations::TranslationRef;
use crate::http::{ApiError, FieldError};
use crate::media::model::Media;
use crate::tags::model::Tag;

/// `include` and `fields`, checked against what the contract lists.
pub struct Shape {
    embed: Embed,
    fields: Option<HashSet<String>>,
}

/// The related rows of one article, found among a page's.
struct Embedded<'a> {
    author: Option<&'a Author>,
    category: Option<&'a Category>,
    cover: Option<&'a Media>,
    tags: Vec<&'a Tag>,
}

impl<'a> Embedded<'a> {
    fn of(
        related: &'a Related,
        author: Option<&str>,
        category: Option<&str>,
        cover: Option<&str>,
        tags: impl Iterator<Item = &'a str>,
    ) -> Self {
        Embedded {
            author: author.and_then(|id| related.authors.get(id)),
            category: category.and_then(|id| related.categories.get(id)),
            cover: cover.and_then(|id| related.media.get(id)),
            tags: tags.filter_map(|id| related.tags.get(id)).collect(),
        }
    }
}

fn too_long(name: &str, max: usize) -> ApiError {
    ApiError::invalid_query(vec![FieldError::new(
        name,
        Code::TooLong,
        format!("{name} must be at most {max} characters"),
    )])
}

impl Shape {
    /// Reads `include` and `fields`.
    pub fn parse(include: Option<&str>, fields: Option<&str>) -> Result<Self, ApiError> {
        for (name, value, max) in [("include", include, 100), ("fields", fields, 500)] {
            if value.is_some_and(|v| v.len() > max) {
                return Err(too_long(name, max));
            }
        }
        let mut errors = Vec::new();
        let mut embed = Embed::default();
        for item in include.into_iter().flat_map(|i| i.split(',')) {
            match item {
                "author" => embed.author = true,
                "category" => embed.category = true,
                "tags" => embed.tags = true,
                "cover" => embed.cover = true,
                "translations" => embed.translations = true,
                other => errors.push(FieldError::new(
                    "include",
                    Code::InvalidValue,
                    format!(
                        "`{other}` cannot be included; use author, category, tags, cover or translations"
                    ),
                )),
            }
        }
        let fields = fields.map(|list| {
            let mut set = HashSet::new();
            for field in list.split(',') {
                if FIELDS.contains(&field) {
                    set.insert(field.to_owned());
                } else {
                    errors.push(FieldError::new(
                        "fields",
                        Code::InvalidValue,
                        format!("`{field}` is not an article field"),
                    ));
                }
            }
            set
        });
        if errors.is_empty() {
            Ok(Self { embed, fields })
        } else {
            Err(ApiError::invalid_query(errors))
        }
    }

    /// What to embed.
    pub fn embed(&self) -> Embed {
        self.embed
    }

    /// The wire form of an article, with what `include` asked for, cut to `fields`.
    pub fn article(&self, mut article: ArticleResponse, related: &Related, staff: bool) -> Shaped {
        let found = Embedded::of(
            related,
            article.author_id.as_deref(),
            article.category_id.as_deref(),
            article.cover_media_id.as_deref(),
            article.tag_ids.iter().map(String::as_str),
        );
        let embed = self.embed;
        if embed.author {
            article.author = Some(found.author.map(|a| AuthorResponse::new(a.clone(), staff)));
        }
        // Sections and tags are named in the story's language where they have a name in it.
        let locale = article.locale.clone();
        if embed.category {
            let category = found.category.map(|c| CategoryResponse::from(c.clone()));
            article.category = Some(category.map(|c| c.localized(&locale)));
        }
        article.social_image = found.cover.and_then(SocialImage::of);
        if embed.cover {
            article.cover = Some(found.cover.map(|m| MediaResponse::new(m.clone(), staff)));
        }
        if embed.tags {
            let tags = found
                .tags
                .iter()
                .map(|t| TagResponse::from((*t).clone()).localized(&locale));
            article.tags = Some(tags.collect());
        }
        if embed.translations {
            article.translations = Some(translations_of(
                related,
                &article.id,
                article.translation_group.as_deref(),
            ));
        }
        self.apply(article)
    }

    /// The resources an answer shows: the article and what it embeds (a change to any of
    /// them empties the cached answer).
    pub fn resources(&self, article: &Article) -> Vec<String> {
        let embed = self.embed;
        let mut resources = vec![article.id.to_string()];
        let single = [
            (embed.author, article.author_id.as_deref()),
            (embed.category, article.category_id.as_deref()),
            // The social crop follows the cover's focal point, embedded or not.
            (true, article.cover_media_id.as_deref()),
        ];
        for (wanted, id) in single {
            if wanted {
                resources.extend(id.map(str::to_owned));
            }
        }
        if embed.tags {
            resources.extend(crate::domain::split_ids(&article.tag_ids));
        }
        resources
    }

    /// The resources its translations add to an answer: the stories shown (an edit of one
    /// changes its title or slug there) and the group (a story joining or leaving it, or
    /// becoming public).
    pub fn translation_resources(&self, group: Option<&str>, related: &Related) -> Vec<String> {
        let Some(group) = group.filter(|_| self.embed.translations) else {
            return Vec::new();
        };
        let mut out = vec![crate::cache::keys::group(group)];
        let members = related.translations.get(group).into_iter().flatten();
        out.extend(members.map(|m| m.id.to_string()));
        out
    }

    /// Whether list items carry their bodies.
    pub fn wants_body(&self) -> bool {
        self.fields
            .as_ref()
            .is_some_and(|f| f.contains("body") || f.contains("body_html"))
    }

    /// Keeps the asked-for fields (and `id` and embeds) of an article. Without `fields` the
    /// article is serialized straight from its struct, with no intermediate JSON tree.
    fn apply(&self, article: ArticleResponse) -> Shaped {
        let Some(fields) = &self.fields else {
            return Shaped::Whole(Box::new(article));
        };
        let mut value = serde_json::to_value(&article).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.retain(|k, _| {
                matches!(
                    k.as_str(),
                    "id" | "author" | "category" | "tags" | "cover" | "translations" | "search"
                ) || fields.contains(k)
            });
        }
        Shaped::Some(value)
    }

    /// A short tag of the representation, for the `ETag`: empty for what a write answers
    /// (and a signed-in reader without `include` or `fields` gets); `p` for the public;
    /// the embedded objects' own revisions, so that an edited byline changes the tag.
    pub fn variant(&self, public: bool, article: &Article, related: &Related) -> String {
        let mut v = String::from(if public { "p" } else { "" });
        let found = Embedded::of(
            related,
            article.author_id.as_deref(),
            article.category_id.as_deref(),
            article.cover_media_id.as_deref(),
            article.tag_ids.split(',').filter(|id| !id.is_empty()),
        );
        let embed = self.embed;
        // The newest change among the embedded tags: a renamed tag changes the tag.
        let stamps = [
            (embed.author, 'a', found.author.map(|a| a.updated_at)),
            (embed.category, 'c', found.category.map(|c| c.updated_at)),
            (embed.cover, 'm', found.cover.map(|m| m.updated_at)),
            (
                embed.tags,
                't',
                found.tags.iter().map(|t| t.updated_at).max(),
            ),
        ];
        for (wanted, letter, at) in stamps {
            if wanted {
                v.push(letter);
                v.push_str(&at.map_or_else(
                    || "0".to_owned(),
                    |at| at.and_utc().timestamp_micros().to_string(),
                ));
            }
        }
        // The social crop's URL names the cover's focal point.
        if let Some(cover) = found.cover
            && cover.focal() != crate::domain::media::Focal::CENTER
        {
            v.push('s');
            v.push_str(&cover.focal().stored().replace(',', "-"));
        }
        if embed.translations {
            // What the embedded translations show, as a short digest.
            let shown = translations_of(related, &article.id, article.translation_group.as_deref());
            let text = shown
                .iter()
                .map(|t| format!("{}:{}:{}:{}", t.id, t.locale, t.slug, t.title))
                .collect::<Vec<_>>()
                .join("|");
            use sha2::Digest;
            let digest = sha2::Sha256::digest(text.as_bytes());
            v.push('x');
            v.extend(digest[..4].iter().map(|b| format!("{b:02x}")));
        }
        if let Some(fields) = &self.fields {
            let mut names: Vec<&str> = fields.iter().map(String::as_str).collect();
            names.sort_unstable();
            let positions: Vec<String> = names
                .iter()
                .map(|n| FIELDS.iter().position(|f| f == n).unwrap_or(0).to_string())
                .collect();
            v.push('f');
            v.push_str(&positions.join("-"));
        }
        v
    }
}

/// The translations of the story `id` in `group` among a page's, itself left out.
fn translations_of(related: &Related, id: &str, group: Option<&str>) -> Vec<TranslationRef> {
    let members = group.and_then(|g| related.translations.get(g));
    members
        .into_iter()
        .flatten()
        .filter(|m| m.id.as_str() != id)
        .map(|m| TranslationRef::from(m.clone()))
        .collect()
}

/// An article as `fields` shaped it.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Shaped {
    /// Every field.
    Whole(Box<ArticleResponse>),
    /// The fields asked for.
    Some(Value),
}

/// One item of a list, as `fields` and `include` shape it.
pub fn list_item(
    (row, hit): (ArticleSummary, Option<Hit>),
    bodies: &mut HashMap<crate::domain::ArticleId, (String, String)>,
    related: &Related,
    shape: &Shape,
    staff: bool,
    live: Option<NaiveDateTime>,
) -> Shaped {
    let is_live = live.map(|now| service::is_live(&row, now));
    let assignee = live.map(|_| row.assignee_id.clone().map(Into::into));
    let lock = live.map(|_| related.locks.get(&row.id).cloned().map(Into::into));
    let mut article = ArticleResponse::from(row);
    article.live = is_live;
    article.assignee_id = assignee;
    article.lock = lock;
    article.search = hit.map(|hit| SearchHit {
        rank: hit.rank,
        highlight: search::highlight_html(&hit.highlight.unwrap_or_default()),
    });
    if let Some((body, html)) = bodies.remove(article.id.as_str()) {
        article.body = Some(body);
        article.body_html = Some(html);
    }
    shape.article(article, related, staff)
}
