//! What may happen to articles, and who may do it. Reads decide what the caller may see;
//! writes check the caller's rights and the article's state, render the body off the request
//! threads, and change the store inside one write ([`crate::write`]), saying what changed.

mod corrections;
mod lifecycle;
mod locks;
mod notes;
mod previews;
mod read;
mod revisions;
mod translations;
mod write;

pub use corrections::*;
pub use lifecycle::*;
pub use locks::*;
pub use notes::*;
pub use previews::*;
pub use read::*;
pub use revisions::*;
pub use translations::*;
pub use write::*;

use super::repo::Access;
use crate::domain::caller::{Caller, Principal, forbidden, unauthorized};
use crate::domain::{AuthorId, Role, Scope, TagId, UserId};
use crate::domain::{Code, Error, Result};

/// What the caller may read.
pub fn access(caller: &Caller) -> Access {
    match &caller.0 {
        None => Access::Public,
        Some(Principal::User {
            id,
            role: Role::Author,
            ..
        }) => Access::Own(id.clone()),
        Some(_) => Access::All,
    }
}

/// Who is writing, or why they may not; with the author profile an author writes as.
pub(super) fn writer(caller: &Caller) -> Result<(Writer, Option<Option<AuthorId>>)> {
    match &caller.0 {
        None => Err(unauthorized("this request needs a bearer token", false)),
        Some(Principal::Token {
            scope: Scope::Read, ..
        }) => Err(forbidden("read API tokens may not change content")),
        Some(Principal::Token { .. }) => Ok((Writer::SYSTEM, None)),
        Some(Principal::User {
            role: Role::Author,
            id,
            author_id,
        }) => Ok((
            Writer::Author {
                user_id: id.clone(),
            },
            Some(author_id.clone()),
        )),
        Some(Principal::User { id, .. }) => Ok((
            Writer::Staff {
                user_id: Some(id.clone()),
            },
            None,
        )),
    }
}

pub(super) fn not_own_author() -> Error {
    Error::invalid_field(
        "author_id",
        Code::NotAllowed,
        "authors may set only their own author profile",
    )
}
