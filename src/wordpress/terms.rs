//! The authors, categories and tags of an import: found by slug or made, each under a
//! savepoint of the import's write, and remembered by their WordPress names.

use super::service::{Noted, State, non_empty, wordpress_slug};
use super::wxr;
use crate::domain::{AuthorId, CategoryId, IdOrSlug, Result, TagId};
use crate::write::Tx;

impl State {
    pub(super) fn author(&mut self, tx: &mut Tx<'_>, a: &wxr::Author) -> Result<AuthorId> {
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
        self.author_named(tx, login, &name)
    }

    /// The author whose WordPress login is `login`, made when new.
    pub(super) fn author_named(
        &mut self,
        tx: &mut Tx<'_>,
        login: &str,
        name: &str,
    ) -> Result<AuthorId> {
        if let Some(id) = self.authors.get(login) {
            return Ok(id.clone());
        }
        let slug = crate::slug::from_title(login, 100).unwrap_or_else(|| "author".to_owned());
        let existing = <crate::authors::model::Author as crate::slugged::Slugged>::find(
            tx.conn(),
            &IdOrSlug::Slug(slug.clone()),
        )?
        .map(|a| a.id);
        let id = match existing {
            Some(id) => id,
            None => {
                let new = crate::authors::model::NewAuthor {
                    name: name.to_owned(),
                    slug: Some(slug),
                    ..Default::default()
                };
                let row = crate::authors::model::Author::new(new, self.now);
                let made =
                    self.attempt(tx, |tx| crate::authors::service::create_in(tx, row, true))?;
                self.report.authors_created += 1;
                made.id
            }
        };
        self.authors.insert(login.to_owned(), id.clone());
        self.noted.push(Noted::Author(login.to_owned()));
        Ok(id)
    }

    pub(super) fn category(
        &mut self,
        tx: &mut Tx<'_>,
        nicename: &str,
        name: &str,
        description: &str,
        parent: &str,
    ) -> Result<Option<CategoryId>> {
        let slug = wordpress_slug(nicename).or_else(|| crate::slug::from_title(name, 100));
        let Some(slug) = slug else {
            return Ok(None);
        };
        if let Some(id) = self.categories.get(&slug) {
            return Ok(Some(id.clone()));
        }
        let parent_id = match parent.is_empty() {
            true => None,
            false => self.category(tx, parent, parent, "", "")?,
        };
        let existing = <crate::categories::model::Category as crate::slugged::Slugged>::find(
            tx.conn(),
            &IdOrSlug::Slug(slug.clone()),
        )?
        .map(|c| c.id);
        let id = match existing {
            Some(id) => id,
            None => {
                let input = crate::categories::repo::CreateInput {
                    name: non_empty(name).unwrap_or_else(|| slug.clone()),
                    slug: Some(slug.clone()),
                    description: non_empty(description),
                    parent_id,
                    ..Default::default()
                };
                let now = self.now;
                let made = self.attempt(tx, |tx| {
                    crate::categories::service::create_in(tx, input, now)
                })?;
                self.report.categories_created += 1;
                made.id
            }
        };
        self.categories.insert(slug.clone(), id.clone());
        self.noted.push(Noted::Category(slug));
        Ok(Some(id))
    }

    pub(super) fn tag(
        &mut self,
        tx: &mut Tx<'_>,
        slug: &str,
        name: &str,
        description: &str,
    ) -> Result<Option<TagId>> {
        let slug = wordpress_slug(slug).or_else(|| crate::slug::from_title(name, 100));
        let Some(slug) = slug else {
            return Ok(None);
        };
        if let Some(id) = self.tags.get(&slug) {
            return Ok(Some(id.clone()));
        }
        let existing = <crate::tags::model::Tag as crate::slugged::Slugged>::find(
            tx.conn(),
            &IdOrSlug::Slug(slug.clone()),
        )?
        .map(|t| t.id);
        let id = match existing {
            Some(id) => id,
            None => {
                let input = crate::tags::repo::CreateInput {
                    name: non_empty(name).unwrap_or_else(|| slug.clone()),
                    slug: Some(slug.clone()),
                    description: non_empty(description),
                    ..Default::default()
                };
                let now = self.now;
                let made =
                    self.attempt(tx, |tx| crate::tags::service::create_in(tx, input, now))?;
                self.report.tags_created += 1;
                made.id
            }
        };
        self.tags.insert(slug.clone(), id.clone());
        self.noted.push(Noted::Tag(slug));
        Ok(Some(id))
    }
}
