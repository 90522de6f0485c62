//! What may happen to staff accounts. Admins manage everyone; a user may read and change
//! parts of their own account, and must give their password in use to change their email or
//! password. The last admin stays an admin. Every change is one write ([`crate::write`]).

use std::net::IpAddr;

use super::model::{DISPLAY_NAME_MAX, User, UserChangeset, UserPatch};
use super::repo;
use crate::credentials::AuthState;
use crate::credentials::password;
use crate::domain::caller::{SignedIn, forbidden};
use crate::domain::page::{Page, PageRequest};
use crate::domain::{AuthorId, Role, UserId};
use crate::domain::{Code, Error, FieldError, Patch, Result};
use crate::validate::{self, Fields};
use crate::write::{Actor, Ctx, Subject, Tx, Verb};

/// A page of users in creation order.
pub async fn list(ctx: &Ctx, page: PageRequest) -> Result<Page<User>> {
    ctx.page_by_creation(page, repo::list, repo::count, |u| (u.created_at, &u.id))
        .await
}

/// One user.
pub async fn get(ctx: &Ctx, id: UserId) -> Result<User> {
    ctx.read(move |conn| repo::get(conn, &id)).await
}

/// Admins may read and change anyone; others only themselves.
fn allow_self_or_admin(caller: &SignedIn, id: &UserId) -> Result<()> {
    if caller.role == Role::Admin || caller.id == *id {
        Ok(())
    } else {
        Err(forbidden("only admins may read or change other users"))
    }
}

/// One user, if the caller may see them.
pub async fn get_for(ctx: &Ctx, caller: &SignedIn, id: UserId) -> Result<User> {
    allow_self_or_admin(caller, &id)?;
    get(ctx, id).await
}

/// What an admin gives for a new account, as checked.
#[derive(Debug)]
pub struct NewAccount {
    /// Lowercased email.
    pub email: String,
    /// The password, to be hashed.
    pub password: String,
    /// Name shown in the admin interface.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// Linked author profile.
    pub author_id: Option<AuthorId>,
}

/// Creates an account (admins); the password is hashed on the password thread.
pub async fn create(ctx: &Ctx, auth: &AuthState, actor: Actor, new: NewAccount) -> Result<User> {
    let password_hash = auth.hash_password(new.password).await?;
    let now = ctx.now();
    let row = User::new(
        new.email,
        password_hash,
        new.display_name,
        new.role,
        new.author_id,
        now,
    );
    ctx.write(actor, move |tx| create_in(tx, row)).await
}

/// Stores a new user inside a write the caller already runs (start-up, the command line).
pub fn create_in(tx: &mut Tx<'_>, row: User) -> Result<User> {
    let user = repo::create(tx.conn(), row)?;
    tx.changed(Subject::User, &user.id, Verb::Created);
    Ok(user)
}

/// Applies a merge patch to an account. Only admins set roles and author links, nobody their
/// own role; changing one's own email or password needs `current_password`, checked against
/// the same budgets as a login from `address`.
pub async fn update(
    ctx: &Ctx,
    auth: &AuthState,
    caller: &SignedIn,
    address: Option<IpAddr>,
    id: UserId,
    patch: UserPatch,
) -> Result<User> {
    allow_self_or_admin(caller, &id)?;
    let is_admin = caller.role == Role::Admin;
    let is_self = caller.id == id;
    let mut v = Fields::new();
    let email = v.keep("email", patch.email, |m, e| validate::email("email", &m, e));
    let new_password = v.keep("password", patch.password, |p, e| {
        validate::check_password("password", &p, e)
    });
    let display_name = v.keep("display_name", patch.display_name, |n, e| {
        validate::single_line("display_name", &n, DISPLAY_NAME_MAX, e)
    });
    let mut changes = UserChangeset {
        email,
        display_name,
        ..UserChangeset::default()
    };
    let not_yours = |field: &str| {
        FieldError::new(
            field,
            Code::NotAllowed,
            format!("only admins may set {field}"),
        )
    };
    match patch.role {
        Patch::Absent => {}
        _ if !is_admin => v.push(not_yours("role")),
        _ if is_self => v.push(FieldError::new(
            "role",
            Code::NotAllowed,
            "nobody may change their own role; ask another admin",
        )),
        role => changes.role = v.keep("role", role, |r, _| Some(r)),
    }
    match patch.author_id {
        Patch::Absent => {}
        _ if !is_admin => v.push(not_yours("author_id")),
        author => changes.author_id = v.clear(author, |a, e| validate::id("author_id", &a, e)),
    }
    let current_password = match patch.current_password {
        Patch::Value(given) => Some(given),
        _ => None,
    };
    // A stolen access token must not be enough to take the account over: the credentials
    // that let one sign in again need the password in use.
    let needs_password = is_self && (new_password.is_some() || changes.email.is_some());
    if needs_password && current_password.is_none() {
        v.push(FieldError::new(
            "current_password",
            Code::Required,
            "changing your own email or password needs current_password",
        ));
    }
    v.finish(())?;
    if let (true, Some(given)) = (needs_password, current_password) {
        check_current_password(ctx, auth, address, &id, given).await?;
    }
    if let Some(new_password) = new_password {
        changes.password_hash = Some(auth.hash_password(new_password).await?);
    }
    let now = ctx.now();
    ctx.write(Actor::User(caller.id.clone()), move |tx| {
        let user = repo::update(tx.conn(), &id, changes, now)?;
        tx.changed(Subject::User, &user.id, Verb::Updated);
        Ok(user)
    })
    .await
}

/// Checks `current_password` against the account's password, within the login budgets.
async fn check_current_password(
    ctx: &Ctx,
    auth: &AuthState,
    address: Option<IpAddr>,
    id: &UserId,
    given: String,
) -> Result<()> {
    let current = get(ctx, id.clone()).await?;
    let plausible = given.chars().count() <= password::MAX_LEN;
    let matches = plausible
        && auth
            .verify_password(&current.email, address, given, current.password_hash)
            .await?;
    if !matches {
        return Err(Error::invalid_field(
            "current_password",
            Code::Mismatch,
            "current_password is not the password in use",
        ));
    }
    Ok(())
}

/// Deletes an account and its sessions (admins); nobody deletes themselves, and the last
/// admin stays.
pub async fn delete(ctx: &Ctx, actor_id: &UserId, id: UserId) -> Result<()> {
    if id == *actor_id {
        return Err(Error::new(
            Code::CannotDeleteSelf,
            "admins cannot delete their own account; ask another admin",
        ));
    }
    ctx.write(Actor::User(actor_id.clone()), move |tx| {
        repo::delete(tx.conn(), &id)?;
        tx.changed(Subject::User, &id, Verb::Deleted);
        Ok(())
    })
    .await
}
