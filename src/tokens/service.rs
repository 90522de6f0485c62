//! Issuing and revoking API tokens (admins). A token's secret is made here, shown once and
//! stored only as a hash; each change is one write ([`crate::write`]).

use chrono::NaiveDateTime;

use super::model::ApiTokenRow;
use super::repo::{self, NewToken};
use crate::credentials::secrets;
use crate::domain::page::{Page, PageRequest};
use crate::domain::{Code, Error, Result, Scope, UserId};
use crate::write::{Actor, Ctx, Subject, Verb};

/// A page of tokens in creation order.
pub async fn list(ctx: &Ctx, page: PageRequest) -> Result<Page<ApiTokenRow>> {
    ctx.page_by_creation(page, repo::list, repo::count, |t| (t.created_at, &t.id))
        .await
}

/// One token (without its secret).
pub async fn get(ctx: &Ctx, id: String) -> Result<ApiTokenRow> {
    ctx.read(move |conn| repo::get(conn, &id)).await
}

/// Issues a token by the admin `admin_id`; returns it with its secret, which is never
/// shown again. An expiry must lie in the future.
pub async fn create(
    ctx: &Ctx,
    admin_id: &UserId,
    name: String,
    scope: Scope,
    expires_at: Option<NaiveDateTime>,
) -> Result<(ApiTokenRow, String)> {
    let now = ctx.now();
    if expires_at.is_some_and(|t| t <= now) {
        return Err(Error::invalid_field(
            "expires_at",
            Code::InThePast,
            "expires_at must be in the future",
        ));
    }
    let secret = format!(
        "{}{}",
        secrets::API_TOKEN_PREFIX,
        secrets::random_token().map_err(Error::internal)?
    );
    let new = NewToken {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        scope,
        hash: secrets::token_hash(&secret),
        created_by: admin_id.to_string(),
        created_at: now,
        expires_at,
    };
    let row = ctx
        .write(Actor::User(admin_id.clone()), move |tx| {
            let row = repo::create(tx.conn(), new)?;
            tx.changed(Subject::ApiToken, &row.id, Verb::Created);
            Ok(row)
        })
        .await?;
    Ok((row, secret))
}

/// Revokes a token; it stops working at once.
pub async fn delete(ctx: &Ctx, admin_id: &UserId, id: String) -> Result<()> {
    ctx.write(Actor::User(admin_id.clone()), move |tx| {
        repo::delete(tx.conn(), &id)?;
        tx.changed(Subject::ApiToken, &id, Verb::Deleted);
        Ok(())
    })
    .await
}
