//! The first admin account, so a new installation can be signed into.

use super::model::User;
use super::repo;
use crate::config::Secret;
use crate::credentials::password;
use crate::db::AnyConnection;
use crate::write::{Actor, Writes};

/// The email of the admin made when no credentials are configured.
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@localhost";

/// On an empty users table, creates an admin: from `BYLINE_ADMIN_EMAIL` and
/// `BYLINE_ADMIN_PASSWORD` when set, else `admin@localhost` with a random password printed
/// once to the console (never to the log).
pub fn ensure_first_admin(
    conn: &mut AnyConnection,
    writes: &Writes,
    configured: Option<&(String, Secret)>,
) -> anyhow::Result<()> {
    if repo::count(conn)? > 0 {
        return Ok(());
    }
    let (email, password, generated) = match configured {
        Some((email, password)) => {
            let mut errors = Vec::new();
            let email = crate::validate::email("BYLINE_ADMIN_EMAIL", email, &mut errors);
            let pw = crate::validate::check_password(
                "BYLINE_ADMIN_PASSWORD",
                password.expose(),
                &mut errors,
            );
            match (email, pw, errors.first()) {
                (Some(e), Some(p), None) => (e, p, false),
                (_, _, Some(err)) => anyhow::bail!("{}: {}", err.field, err.message),
                _ => anyhow::bail!("BYLINE_ADMIN_EMAIL: invalid"),
            }
        }
        None => {
            let token =
                crate::credentials::secrets::random_token().map_err(|e| anyhow::anyhow!("{e}"))?;
            (DEFAULT_ADMIN_EMAIL.to_owned(), token[..24].to_owned(), true)
        }
    };
    let hash = password::hash(&password).map_err(|e| anyhow::anyhow!(e))?;
    let now = writes.clock().now();
    let (name, role) = ("Administrator".to_owned(), crate::domain::Role::Admin);
    let row = User::new(email.clone(), hash, name, role, None, now);
    let created = writes
        .run(conn, &Actor::System, |tx| {
            // Another process starting at the same moment may have made the admin first.
            crate::db::lock_name(tx.conn(), "users.admins")?;
            if repo::count(tx.conn())? > 0 {
                return Ok(false);
            }
            super::service::create_in(tx, row)?;
            Ok(true)
        })
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    if !created {
        return Ok(());
    }
    tracing::info!(email = %email, "created the first admin account");
    if generated {
        eprintln!(
            "\n\
             ================================================================\n\
             Byline created the first admin account. This is shown only once.\n\
             \n    email:    {email}\n    password: {password}\n\n\
             Sign in with POST /api/v1/auth/login, then change the password with\n\
             PATCH /api/v1/users/{{id}}. Set BYLINE_ADMIN_EMAIL and BYLINE_ADMIN_PASSWORD\n\
             before the first start to choose them yourself.\n\
             ================================================================\n"
        );
    }
    Ok(())
}

/// Creates a user from the command line.
pub fn create_from_cli(
    conn: &mut AnyConnection,
    email: &str,
    password: &str,
    display_name: &str,
    role: crate::domain::Role,
) -> anyhow::Result<crate::domain::UserId> {
    let mut errors = Vec::new();
    let email = crate::validate::email("--email", email, &mut errors);
    let pw = crate::validate::check_password("password", password, &mut errors);
    let name = crate::validate::single_line(
        "--display-name",
        display_name,
        super::model::DISPLAY_NAME_MAX,
        &mut errors,
    );
    if let Some(err) = errors.first() {
        anyhow::bail!("{}", err.message);
    }
    let (Some(email), Some(pw), Some(name)) = (email, pw, name) else {
        anyhow::bail!("invalid input")
    };
    let now = crate::domain::time::now();
    let hash = password::hash(&pw).map_err(|e| anyhow::anyhow!(e))?;
    let row = User::new(email, hash, name, role, None, now);
    let user = Writes::default()
        .run(conn, &Actor::System, |tx| {
            super::service::create_in(tx, row)
        })
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    Ok(user.id)
}
