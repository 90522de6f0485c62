//! Who is calling: nobody, a signed-in user or an integrator's API token, and the checks
//! that follow from it. Finding the caller of a request is the HTTP layer's job
//! (`crate::http::auth`); deciding what they may do is the services'.

use super::{AuthorId, Error, Role, Scope, UserId};

/// Who made a change, as the write path records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user, by id.
    User(UserId),
    /// An integrator's API token, by id.
    Token(String),
    /// Someone not signed in (signing in, refreshing, signing out).
    Anonymous,
    /// The server itself: start-up, the command line, the seed.
    System,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A signed-in user.
    User {
        /// User id.
        id: UserId,
        /// Current role.
        role: Role,
        /// The linked author profile.
        author_id: Option<AuthorId>,
    },
    /// An integrator's API token.
    Token {
        /// Token id.
        id: String,
        /// What it may do.
        scope: Scope,
    },
}

/// No valid credentials; `invalid_token` when one was presented and refused.
pub fn unauthorized(detail: &str, invalid_token: bool) -> Error {
    Error::unauthorized(detail, invalid_token)
}

/// Known, but not allowed.
pub fn forbidden(detail: &str) -> Error {
    Error::forbidden(detail)
}

/// The caller of a request: anonymous, a user or an API token. Credentials that are present
/// but not valid are a 401 even on public routes, so a client never mistakes a broken token
/// for public access.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Principal>);

impl Caller {
    /// The user's role, for user callers.
    pub fn role(&self) -> Option<Role> {
        match &self.0 {
            Some(Principal::User { role, .. }) => Some(*role),
            _ => None,
        }
    }

    /// Editors and admins, and write tokens: may manage content and taxonomy.
    pub fn is_staff_writer(&self) -> bool {
        match &self.0 {
            Some(Principal::User { role, .. }) => matches!(role, Role::Editor | Role::Admin),
            Some(Principal::Token { scope, .. }) => *scope == Scope::Write,
            None => false,
        }
    }

    /// Who a write by this caller is recorded as.
    pub fn actor(&self) -> Actor {
        match &self.0 {
            None => Actor::Anonymous,
            Some(Principal::User { id, .. }) => Actor::User(id.clone()),
            Some(Principal::Token { id, .. }) => Actor::Token(id.clone()),
        }
    }

    /// Refuses anonymous callers with 401 and the rest with 403 unless `allowed`.
    pub fn require(&self, allowed: bool, what: &str) -> Result<(), Error> {
        match (&self.0, allowed) {
            (_, true) => Ok(()),
            (None, false) => Err(unauthorized("this request needs a bearer token", false)),
            (Some(_), false) => Err(forbidden(&format!("your role may not {what}"))),
        }
    }
}

/// A caller that is an admin user.
#[derive(Debug, Clone)]
pub struct Admin {
    /// The admin's user id.
    pub id: UserId,
}

impl Admin {
    /// Who the admin's writes are recorded as.
    pub fn actor(&self) -> Actor {
        Actor::User(self.id.clone())
    }
}

/// A caller that may manage content and taxonomy: an editor, an admin, or a write token.
#[derive(Debug, Clone)]
pub struct Staff(pub Caller);

/// A caller that is a signed-in user (not an API token).
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user's id.
    pub id: UserId,
    /// The user's role.
    pub role: Role,
}

impl TryFrom<Caller> for Admin {
    type Error = Error;

    fn try_from(caller: Caller) -> Result<Self, Error> {
        match caller.0 {
            Some(Principal::User {
                id,
                role: Role::Admin,
                ..
            }) => Ok(Admin { id }),
            None => Err(unauthorized("this request needs a bearer token", false)),
            Some(_) => Err(forbidden("only admins may manage users and API tokens")),
        }
    }
}

impl TryFrom<Caller> for Staff {
    type Error = Error;

    fn try_from(caller: Caller) -> Result<Self, Error> {
        let allowed = caller.is_staff_writer();
        caller.require(allowed, "change authors or categories")?;
        Ok(Staff(caller))
    }
}

impl TryFrom<Caller> for SignedIn {
    type Error = Error;

    fn try_from(caller: Caller) -> Result<Self, Error> {
        match caller.0 {
            Some(Principal::User { id, role, .. }) => Ok(SignedIn { id, role }),
            None => Err(unauthorized("this request needs a bearer token", false)),
            Some(Principal::Token { .. }) => Err(forbidden(
                "API tokens do not belong to a user; sign in as one",
            )),
        }
    }
}
