//! The presenter of events (`outbox::present::Presenter`): each resource's `data` is the
//! JSON of the wire type a public `GET` answers with, made from the row as the write
//! leaves it.

use std::any::Any;

use chrono::NaiveDateTime;

use super::articles::ArticleResponse;
use super::authors::AuthorResponse;
use super::categories::CategoryResponse;
use super::locks::LockResponse;
use super::media::{MediaResponse, SocialImage};
use super::notes::NoteResponse;
use super::previews::PreviewResponse;
use super::tags::TagResponse;
use crate::articles::model::Article;
use crate::articles::repo::{self as articles, Access};
use crate::authors::model::Author;
use crate::categories::model::Category;
use crate::db::AnyConnection;
use crate::domain::change::Subject;
use crate::domain::{Error, IdOrSlug, Result};
use crate::outbox::present::{Presented, Presenter};
use crate::slugged::Slugged;
use crate::tags::model::Tag;

/// Events show what the public reads.
pub struct Public;

fn json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(Error::internal)
}

/// An article as an anonymous `GET` answers it, with its cover's social crop.
fn article_json(conn: &mut AnyConnection, article: Article) -> Result<String> {
    let cover = match article.cover_media_id.as_deref() {
        Some(id) => crate::media::repo::find(conn, id)?,
        None => None,
    };
    let mut response = ArticleResponse::from(article);
    response.social_image = cover.as_ref().and_then(SocialImage::of);
    json(&response)
}

impl Presenter for Public {
    fn present(
        &self,
        conn: &mut AnyConnection,
        subject: Subject,
        id: &str,
        at: NaiveDateTime,
    ) -> Result<Option<Presented>> {
        let key = IdOrSlug::Id(id.to_owned());
        let presented = |slug: Option<String>, version, json| Presented {
            slug,
            version,
            json: Some(json),
        };
        Ok(match subject {
            Subject::Article => match articles::find(conn, &key, &Access::All, at)? {
                Some(a) => {
                    let (slug, version) = (a.slug.clone(), a.version);
                    Some(presented(Some(slug), Some(version), article_json(conn, a)?))
                }
                None => None,
            },
            Subject::Author => match Author::find(conn, &key)? {
                Some(a) => Some(presented(
                    Some(a.slug.clone()),
                    None,
                    json(&AuthorResponse::new(a, false))?,
                )),
                None => None,
            },
            Subject::Category => match Category::find(conn, &key)? {
                Some(c) => Some(presented(
                    Some(c.slug.clone()),
                    None,
                    json(&CategoryResponse::from(c))?,
                )),
                None => None,
            },
            Subject::Tag => match Tag::find(conn, &key)? {
                Some(t) => Some(presented(
                    Some(t.slug.clone()),
                    None,
                    json(&TagResponse::from(t))?,
                )),
                None => None,
            },
            Subject::Media => match crate::media::repo::find(conn, id)? {
                Some(m) => Some(presented(None, None, json(&MediaResponse::new(m, false))?)),
                None => None,
            },
            Subject::Preview => {
                let id = crate::domain::PreviewId::from(id.to_owned());
                match crate::articles::previews::by_id(conn, &id)? {
                    Some(p) => Some(presented(None, None, json(&PreviewResponse::new(p, None))?)),
                    None => None,
                }
            }
            Subject::Lock => {
                let id = crate::domain::ArticleId::from(id.to_owned());
                match crate::articles::locks::any(conn, &id)? {
                    Some(l) => Some(presented(None, None, json(&LockResponse::from(l))?)),
                    None => None,
                }
            }
            Subject::Note => {
                let id = crate::domain::NoteId::from(id.to_owned());
                match crate::articles::notes::by_id(conn, &id)? {
                    Some(n) => Some(presented(None, None, json(&NoteResponse::from(n))?)),
                    None => None,
                }
            }
            _ => None,
        })
    }

    fn article(
        &self,
        conn: &mut AnyConnection,
        row: &dyn Any,
        at: NaiveDateTime,
    ) -> Option<String> {
        let article = row.downcast_ref::<Article>()?;
        let public = article.trashed_at.is_none() && articles::is_visible(article, at);
        public
            .then(|| article_json(conn, article.clone()).ok())
            .flatten()
    }
}
