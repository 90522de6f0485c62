//! Internal notes: staff's comments on a story, never shown to the public. Whoever may read
//! a story's history reads its notes; whoever may write to it (authors: their own stories,
//! whatever their state) adds them; a note is deleted by its writer, or by an editor.
//! `@email` in a note mentions that user, recorded so that a webhook can tell them. The
//! notes given when a story is submitted for review or returned join the same thread.

use super::*;
use crate::articles::model::Article;
use crate::articles::notes::{self, Note};
use crate::domain::caller::{Caller, Principal, forbidden};
use crate::domain::cursor;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{ArticleId, Error, IdOrSlug, IfMatch, NoteId, Result};
use crate::write::{Change, Ctx, Subject, Tx, Verb};
use chrono::NaiveDateTime;
use serde_json::json;

/// The longest note, in characters.
pub const NOTE_MAX: usize = 10_000;
/// The most users one note mentions.
pub const MENTIONS_MAX: usize = 20;

/// Adds a note to a story; its mentions are the users whose emails follow an `@`.
pub async fn add_note(ctx: &Ctx, caller: &Caller, key: IdOrSlug, text: String) -> Result<Note> {
    let (writer, _) = writer(caller)?;
    let author = note_author(caller)?;
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let article = load_own(tx.conn(), &key, &writer, now, "notes")?;
        write_note(tx, &article.id, author, text, now)
    })
    .await
}

/// Submits a draft for review, or returns a story in review to its author, with a note
/// for the story's thread (a return needs one); the move and the note are one write.
pub async fn review(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    precondition: IfMatch,
    action: Action,
    note: Option<String>,
) -> Result<Article> {
    let (writer, _) = writer(caller)?;
    let author = note_author(caller)?;
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let article = transition_in(tx, &key, &writer, &precondition, action, now)?;
        if let Some(text) = note {
            write_note(tx, &article.id, author, text, now)?;
        }
        Ok(article)
    })
    .await
}

/// Who writes a note: the kind of caller and their id.
fn note_author(caller: &Caller) -> Result<(&'static str, String)> {
    match &caller.0 {
        Some(Principal::User { id, .. }) => Ok(("user", id.to_string())),
        Some(Principal::Token { id, .. }) => Ok(("token", id.clone())),
        None => Err(unauthorized("this request needs a bearer token", false)),
    }
}

/// Stores a note on a story inside a write, with the users it mentions.
fn write_note(
    tx: &mut Tx<'_>,
    article: &ArticleId,
    (kind, author): (&'static str, String),
    text: String,
    now: NaiveDateTime,
) -> Result<Note> {
    let emails = mentioned_emails(&text);
    let conn = tx.conn();
    let mut mentions = notes::users_by_email(conn, &emails)?;
    mentions.sort_by_key(|m| emails.iter().position(|e| *e == m.email));
    let note = Note {
        id: NoteId::generate(),
        article_id: article.clone(),
        author_type: kind.to_owned(),
        author_name: notes::name_of(conn, kind, &author)?,
        author_id: author,
        text,
        mentions: serde_json::to_string(&mentions).map_err(Error::internal)?,
        created_at: now,
    };
    notes::insert(conn, &note)?;
    let mentioned: Vec<&str> = mentions.iter().map(|m| m.id.as_str()).collect();
    tx.note(
        Change::new(Subject::Note, note.id.as_str(), Verb::Created)
            .with_details(json!({"article_id": article, "mentions": mentioned})),
    );
    Ok(note)
}

/// The lowercased emails that follow an `@` at the start of a word, each once, in order;
/// at most [`MENTIONS_MAX`].
pub fn mentioned_emails(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '<')) {
        let Some(rest) = word.strip_prefix('@') else {
            continue;
        };
        let rest = rest.trim_end_matches(|c: char| {
            matches!(
                c,
                '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '>' | '"' | '\''
            )
        });
        let well_formed = rest.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
        let email = rest.to_lowercase();
        if well_formed && email.len() <= 254 && !found.contains(&email) {
            found.push(email);
            if found.len() == MENTIONS_MAX {
                break;
            }
        }
    }
    found
}

/// A page of a story's notes, in the order they were written.
pub async fn notes(
    ctx: &Ctx,
    caller: &Caller,
    key: IdOrSlug,
    page: PageRequest,
) -> Result<Page<Note>> {
    const ORDER: &str = "notes";
    // Who may ask comes before what they asked: no credentials is a 401 whatever the query.
    if caller.0.is_none() {
        return Err(unauthorized("this request needs a bearer token", false));
    }
    let after = match page.cursor.as_deref() {
        Some(raw) => Some(cursor::decode_created_cursor(raw, ORDER)?),
        None => None,
    };
    with_links(ctx, caller, key, move |conn, article, _| {
        let rows = notes::page(conn, article, after, page.limit)?;
        let total = match page.with_total {
            true => Some(notes::count(conn, article)?),
            false => None,
        };
        Ok(page.split(rows, total, |n| {
            cursor::encode_created_cursor(ORDER, n.created_at, n.id.as_str())
        }))
    })
    .await
}

/// Deletes a note: its writer may, and editors, admins and write tokens may delete any.
pub async fn delete_note(ctx: &Ctx, caller: &Caller, key: IdOrSlug, id: NoteId) -> Result<()> {
    let (writer, _) = writer(caller)?;
    let now = ctx.now();
    ctx.write(caller.actor(), move |tx| {
        let article = load_own(tx.conn(), &key, &writer, now, "notes")?;
        let note = notes::find(tx.conn(), &article.id, &id)?
            .ok_or_else(|| Error::not_found("the article has no note with that id"))?;
        if let Writer::Author { user_id } = &writer
            && (note.author_type != "user" || note.author_id != user_id.as_str())
        {
            return Err(forbidden("authors may delete only their own notes"));
        }
        notes::delete(tx.conn(), &id)?;
        tx.note(
            Change::new(Subject::Note, id.as_str(), Verb::Deleted)
                .with_details(json!({"article_id": article.id})),
        );
        Ok(())
    })
    .await
}
