//! Translations: stories that tell the same news in other languages, linked in a group with
//! at most one story per language.
//!
//! Every write that changes who is in a group, or the language of one of its stories, first
//! locks all the group's stories (in id order, so two such writes take turns without a
//! deadlock) and only then checks the languages. A story joining a group is locked with it.
//! The unique index on `(translation_group, locale)` stands behind the check.

use super::*;
use crate::articles::model::{Article, ArticleChangeset, Draft};
use crate::articles::render::Rendered;
use crate::articles::repo::{self, Access};
use crate::articles::translations::{self as store, Member};
use crate::db::AnyConnection;
use crate::domain::caller::{Caller, Principal};
use crate::domain::{ArticleId, Code, Error, IdOrSlug, IfMatch, Result};
use crate::write::{Change, Ctx, Subject, Tx, Verb};
use chrono::NaiveDateTime;

/// Makes a draft translation of the story `key` in `locale`: its text, section, tags, byline
/// and cover are the story's unless `changes` gives others (`null` clears one). The two
/// stories then share a translation group.
pub async fn translate(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    locale: String,
    mut changes: ArticleChangeset,
) -> Result<Article> {
    let (writer, linked) = writer(caller)?;
    if let (Some(own), Some(new)) = (&linked, &changes.author_id)
        && new != own
    {
        return Err(not_own_author());
    }
    if let (Writer::Author { user_id }, Some(Some(assignee))) = (&writer, &changes.assignee_id)
        && assignee != user_id
    {
        return Err(crate::domain::caller::forbidden(
            "authors may assign a new story only to themselves; editors assign stories",
        ));
    }
    render_changes(&mut changes).await?;
    let created_by = match &caller.0 {
        Some(Principal::User { id, .. }) => Some(id.clone()),
        _ => None,
    };
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let source = lock_with_group(tx.conn(), &key, &writer, now, &[])?;
        let group = source
            .translation_group
            .clone()
            .unwrap_or_else(|| source.id.to_string());
        if source.locale == locale {
            return Err(store::exists(&locale, source.id.as_str()));
        }
        if let Some(holder) = store::in_locale(tx.conn(), &group, &locale, source.id.as_str())? {
            return Err(store::exists(&locale, holder.as_str()));
        }
        if source.translation_group.is_none() {
            regroup(tx, &source, Some(group.clone()), now)?;
        }
        let chosen_slug = changes.slug.is_some();
        let row = translated(&source, locale, group, changes, created_by, now);
        if let Some(user) = &row.assignee_id
            && !repo::user_exists(tx.conn(), user)?
        {
            return Err(Error::invalid_field(
                "assignee_id",
                Code::NotFound,
                "assignee_id names no user",
            ));
        }
        create_in(tx, row, chosen_slug)
    })
    .await
}

/// The new draft: `source` with what `changes` gives instead.
fn translated(
    source: &Article,
    locale: String,
    group: String,
    changes: ArticleChangeset,
    created_by: Option<crate::domain::UserId>,
    now: NaiveDateTime,
) -> Article {
    let rendered = match &changes.body_html {
        Some(html) => Rendered {
            html: html.clone(),
            words: usize::try_from(changes.word_count.unwrap_or(0)).unwrap_or(0),
            reading_time: usize::try_from(changes.reading_time_minutes.unwrap_or(0)).unwrap_or(0),
        },
        None => Rendered {
            html: source.body_html.clone(),
            words: usize::try_from(source.word_count).unwrap_or(0),
            reading_time: usize::try_from(source.reading_time_minutes).unwrap_or(0),
        },
    };
    // Without a new title the slug is the story's with the language after it, numbered
    // if taken; with one, it is made from the new title.
    let slug = changes.slug.clone().or_else(|| {
        changes
            .title
            .is_none()
            .then(|| format!("{}-{}", source.slug, locale.to_ascii_lowercase()))
            .filter(|s| crate::slug::is_valid(s))
    });
    let draft = Draft {
        title: changes.title.unwrap_or_else(|| source.title.clone()),
        body: changes.body.unwrap_or_else(|| source.body.clone()),
        slug,
        subtitle: changes.subtitle.unwrap_or_else(|| source.subtitle.clone()),
        excerpt: changes.excerpt.unwrap_or_else(|| source.excerpt.clone()),
        author_id: changes
            .author_id
            .unwrap_or_else(|| source.author_id.clone()),
        category_id: changes
            .category_id
            .unwrap_or_else(|| source.category_id.clone()),
        cover_image_url: changes
            .cover_image_url
            .unwrap_or_else(|| source.cover_image_url.clone()),
        unpublish_at: None,
        tag_ids: crate::domain::split_ids(changes.tag_ids.as_deref().unwrap_or(&source.tag_ids)),
        cover_media_id: changes
            .cover_media_id
            .unwrap_or_else(|| source.cover_media_id.clone()),
        assignee_id: changes.assignee_id.flatten(),
        locale: Some(locale),
        translation_group: Some(group),
    };
    Article::new_draft(draft, rendered, created_by, now)
}

/// Links the story `other` into the translation group of `key` (making one if `key` has
/// none). `other` may not be in another group, nor in a language the group has.
pub async fn link(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    other: ArticleId,
) -> Result<Vec<Member>> {
    let (writer, _) = writer(caller)?;
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let joining = IdOrSlug::Id(other.to_string());
        let source = lock_with_group(tx.conn(), &key, &writer, now, std::slice::from_ref(&other))?;
        let story = super::load_editable(tx.conn(), &joining, &writer, now, true)?;
        if story.id == source.id {
            return Err(Error::invalid_field(
                "id",
                Code::InvalidValue,
                "a story cannot be a translation of itself",
            ));
        }
        let group = source
            .translation_group
            .clone()
            .unwrap_or_else(|| source.id.to_string());
        match &story.translation_group {
            Some(theirs) if *theirs == group => return members(tx.conn(), &group, now),
            Some(_) => {
                return Err(Error::new(
                    Code::TranslationLinked,
                    "that story belongs to another translation group; unlink it there first",
                ));
            }
            None => {}
        }
        if story.locale == source.locale {
            return Err(store::exists(&story.locale, source.id.as_str()));
        }
        if let Some(holder) = store::in_locale(tx.conn(), &group, &story.locale, story.id.as_str())?
        {
            return Err(store::exists(&story.locale, holder.as_str()));
        }
        if source.translation_group.is_none() {
            regroup(tx, &source, Some(group.clone()), now)?;
        }
        regroup(tx, &story, Some(group.clone()), now)?;
        members(tx.conn(), &group, now)
    })
    .await
}

/// Takes the story `other` out of the translation group of `key`. A group left with one
/// story is no group: that story leaves it too.
pub async fn unlink(ctx: &Ctx, caller: &Caller, key: IdOrSlug, other: ArticleId) -> Result<()> {
    let (writer, _) = writer(caller)?;
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let source = lock_with_group(tx.conn(), &key, &writer, now, std::slice::from_ref(&other))?;
        let not_member = || Error::not_found("that story is not a translation of this one");
        let Some(group) = source.translation_group.clone() else {
            return Err(not_member());
        };
        let leaving = IdOrSlug::Id(other.to_string());
        let story = match repo::find_trashed(tx.conn(), &leaving)? {
            // A trashed translation keeps its language in the group, as it keeps its slug;
            // staff may unlink it to free the language.
            Some(trashed) if matches!(writer, Writer::Staff { .. }) => trashed,
            _ => super::load_editable(tx.conn(), &leaving, &writer, now, true)?,
        };
        if story.translation_group.as_deref() != Some(group.as_str()) {
            return Err(not_member());
        }
        regroup(tx, &story, None, now)?;
        let left = store::group_ids(tx.conn(), &group)?;
        if let [last] = left.as_slice() {
            let last = repo::find(
                tx.conn(),
                &IdOrSlug::Id(last.to_string()),
                &Access::All,
                now,
            )?;
            if let Some(last) = last {
                regroup(tx, &last, None, now)?;
            }
        }
        Ok(())
    })
    .await
}

/// The translations of `key` the caller may read, itself left out.
pub async fn translations_of(ctx: &Ctx, caller: &Caller, key: IdOrSlug) -> Result<Vec<Member>> {
    let access = access(caller);
    let now = ctx.now();
    ctx.read(move |conn| {
        let story = repo::find(conn, &key, &access, now)?.ok_or_else(repo::not_found)?;
        let Some(group) = &story.translation_group else {
            return Ok(Vec::new());
        };
        let mut found = store::members(conn, std::slice::from_ref(group), &access, now)?;
        found.retain(|m| m.id != story.id);
        Ok(found)
    })
    .await
}

/// Locks the story `key`, every story of its group and the stories `also`, in id order,
/// and answers the story as the writer may change it (its edit lock and the writer's rules
/// checked).
fn lock_with_group(
    conn: &mut AnyConnection,
    key: &IdOrSlug,
    writer: &Writer,
    now: NaiveDateTime,
    also: &[ArticleId],
) -> Result<Article> {
    let peek = repo::find(conn, key, &Access::All, now)?.ok_or_else(repo::not_found)?;
    let mut with = vec![peek.id.clone()];
    with.extend_from_slice(also);
    lock_members(conn, peek.translation_group.as_deref(), &with)?;
    let story = super::load_editable(conn, key, writer, now, true)?;
    super::may_change(conn, &story, writer, &IfMatch::Absent, now)?;
    if story.translation_group != peek.translation_group {
        // It moved to another group while this write waited: hold that one too.
        lock_members(conn, story.translation_group.as_deref(), &with)?;
    }
    Ok(story)
}

/// Locks every story of `group` and the stories `also`, in id order, again while a story
/// joined the group during the wait.
pub(super) fn lock_members(
    conn: &mut AnyConnection,
    group: Option<&str>,
    also: &[ArticleId],
) -> Result<()> {
    let mut held: Vec<ArticleId> = Vec::new();
    loop {
        let mut ids = match group {
            Some(group) => store::group_ids(conn, group)?,
            None => Vec::new(),
        };
        ids.extend_from_slice(also);
        if ids.iter().all(|id| held.contains(id)) {
            return Ok(());
        }
        ids.append(&mut held);
        ids.sort_unstable();
        ids.dedup();
        store::lock_ids(conn, &ids)?;
        held = ids;
    }
}

/// The group's stories as staff see them.
fn members(conn: &mut AnyConnection, group: &str, now: NaiveDateTime) -> Result<Vec<Member>> {
    Ok(store::members(
        conn,
        &[group.to_owned()],
        &Access::All,
        now,
    )?)
}

/// Moves a story into a group (or out of any, with `None`) as a new version of it.
fn regroup(
    tx: &mut Tx<'_>,
    story: &Article,
    group: Option<String>,
    now: NaiveDateTime,
) -> Result<Article> {
    let changes = ArticleChangeset {
        translation_group: Some(group),
        version: Some(story.version + 1),
        updated_at: Some(now),
        ..ArticleChangeset::default()
    };
    let article = repo::apply(tx.conn(), &story.id, &changes)?;
    tx.note(
        Change::new(Subject::Article, &article.id, Verb::Updated)
            .with_fields(vec!["translation_group"])
            .with_snapshot(snapshot(&article, Some(story), tx.now())?),
    );
    Ok(article)
}
