//! Single sign-on: each organisation's identity provider, its email domains, and sign-ins
//! sent to the provider and not back yet.

use roster_shared::role::JoinRole;
use roster_shared::time::Timestamp;
use sqlx::{Any, Executor, FromRow};

use super::batch::Sql;
use super::team;

#[derive(Debug, Clone, FromRow)]
pub(crate) struct ProviderRow {
    pub(crate) account_id: i64,
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    /// Sealed (see `sso::secret`).
    pub(crate) client_secret: String,
    /// 1 when required (the engines disagree on how booleans come back).
    required: i64,
}

impl ProviderRow {
    /// Whether people in the verified domains must sign in through it.
    pub(crate) fn required(&self) -> bool {
        self.required == 1
    }
}

const PROVIDER_COLUMNS: &str = "p.account_id, p.issuer, p.client_id, p.client_secret, \
                                CASE WHEN p.required THEN 1 ELSE 0 END AS required";

pub(crate) async fn provider<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
) -> sqlx::Result<Option<ProviderRow>> {
    sqlx::query_as(&format!(
        "SELECT {PROVIDER_COLUMNS} FROM sso_providers p WHERE p.account_id = $1"
    ))
    .bind(root_id)
    .fetch_optional(db)
    .await
}

pub(crate) struct NewProvider<'a> {
    pub(crate) root_id: i64,
    pub(crate) issuer: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) client_secret: &'a str,
    pub(crate) now: Timestamp,
}

/// Enters or replaces the organisation's provider (its policy kept).
pub(crate) async fn set_provider<'e, E: Executor<'e, Database = Any>>(
    db: E,
    provider: NewProvider<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sso_providers (account_id, issuer, client_id, client_secret, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account_id) DO UPDATE SET issuer = $2, client_id = $3, \
         client_secret = $4, updated_at = $5",
    )
    .bind(provider.root_id)
    .bind(provider.issuer)
    .bind(provider.client_id)
    .bind(provider.client_secret)
    .bind(provider.now.millis())
    .execute(db)
    .await?;
    Ok(())
}

/// Sets whether the provider is required; false when there is no provider.
pub(crate) async fn set_required<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    required: bool,
    now: Timestamp,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE sso_providers SET required = $2, updated_at = $3 WHERE account_id = $1",
    )
    .bind(root_id)
    .bind(required)
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct DomainRow {
    pub(crate) domain: String,
    pub(crate) token: String,
    pub(crate) verified_at: Option<i64>,
}

/// The organisation's domains, by name.
pub(crate) async fn domains<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
) -> sqlx::Result<Vec<DomainRow>> {
    sqlx::query_as(
        "SELECT domain, token, verified_at FROM sso_domains WHERE account_id = $1 ORDER BY domain",
    )
    .bind(root_id)
    .fetch_all(db)
    .await
}

/// Adds a domain waiting for its proof; false when the organisation has it already.
pub(crate) async fn add_domain<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    domain: &str,
    token: &str,
    now: Timestamp,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "INSERT INTO sso_domains (account_id, domain, token, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, domain) DO NOTHING",
    )
    .bind(root_id)
    .bind(domain)
    .bind(token)
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Whether another organisation has verified `domain`.
pub(crate) async fn verified_elsewhere<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    domain: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT account_id FROM sso_domains \
         WHERE domain = $1 AND verified_at IS NOT NULL AND account_id <> $2",
    )
    .bind(domain)
    .bind(root_id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Marks the organisation's `domain` verified. `Ok(false)`: it has no such domain. A domain
/// another organisation verified first fails on the unique index (see
/// [`verified_elsewhere`], asked first for a clear answer).
pub(crate) async fn mark_verified<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    domain: &str,
    now: Timestamp,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE sso_domains SET verified_at = COALESCE(verified_at, $3) \
         WHERE account_id = $1 AND domain = $2",
    )
    .bind(root_id)
    .bind(domain)
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub(crate) async fn remove_domain<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    domain: &str,
) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM sso_domains WHERE account_id = $1 AND domain = $2")
        .bind(root_id)
        .bind(domain)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// The provider of the organisation that verified `domain`, if any.
pub(crate) async fn provider_for_domain<'e, E: Executor<'e, Database = Any>>(
    db: E,
    domain: &str,
) -> sqlx::Result<Option<ProviderRow>> {
    sqlx::query_as(&format!(
        "SELECT {PROVIDER_COLUMNS} FROM sso_providers p \
         JOIN sso_domains d ON d.account_id = p.account_id \
         WHERE d.domain = $1 AND d.verified_at IS NOT NULL"
    ))
    .bind(domain)
    .fetch_optional(db)
    .await
}

/// Whether `user_id` is a member of one of organisation `root_id`'s accounts.
pub(crate) async fn is_member<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    root_id: i64,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT m.user_id FROM memberships m JOIN accounts a ON a.id = m.account_id \
         WHERE m.user_id = $1 AND a.root_id = $2 LIMIT 1",
    )
    .bind(user_id)
    .bind(root_id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

pub(crate) struct NewLogin<'a> {
    pub(crate) state_hash: &'a str,
    pub(crate) root_id: i64,
    pub(crate) nonce: &'a str,
    pub(crate) pkce_verifier: &'a str,
    pub(crate) expires_at: Timestamp,
}

pub(crate) async fn insert_login<'e, E: Executor<'e, Database = Any>>(
    db: E,
    login: NewLogin<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sso_logins (state_hash, account_id, nonce, pkce_verifier, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(login.state_hash)
    .bind(login.root_id)
    .bind(login.nonce)
    .bind(login.pkce_verifier)
    .bind(login.expires_at.millis())
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct LoginRow {
    pub(crate) account_id: i64,
    pub(crate) nonce: String,
    pub(crate) pkce_verifier: String,
}

/// Takes (deletes) the open sign-in whose state hashes to `state_hash`.
pub(crate) async fn take_login<'e, E: Executor<'e, Database = Any>>(
    db: E,
    state_hash: &str,
    now: Timestamp,
) -> sqlx::Result<Option<LoginRow>> {
    sqlx::query_as(
        "DELETE FROM sso_logins WHERE state_hash = $1 AND expires_at > $2 \
         RETURNING account_id, nonce, pkce_verifier",
    )
    .bind(state_hash)
    .bind(now.millis())
    .fetch_optional(db)
    .await
}

pub(crate) async fn delete_expired_logins<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: Timestamp,
) -> sqlx::Result<u64> {
    let result = sqlx::query("DELETE FROM sso_logins WHERE expires_at <= $1")
        .bind(now.millis())
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

/// Whether `user_id` must sign in through an identity provider: they belong to an
/// organisation that requires its provider for the verified domain of `email_domain`.
pub(crate) async fn sso_required_for<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    email_domain: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT p.account_id FROM sso_providers p \
         JOIN sso_domains d ON d.account_id = p.account_id \
         WHERE p.required AND d.domain = $2 AND d.verified_at IS NOT NULL \
         AND (EXISTS (SELECT 1 FROM memberships m JOIN accounts a ON a.id = m.account_id \
                      WHERE m.user_id = $1 AND a.root_id = p.account_id) \
              OR EXISTS (SELECT 1 FROM invitations i WHERE i.user_id = $1 \
                         AND i.root_id = p.account_id AND i.accepted_at IS NULL \
                         AND i.revoked_at IS NULL)) \
         LIMIT 1",
    )
    .bind(user_id)
    .bind(email_domain)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Who joins organisation `root_id` without an invitation: the role and the accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoinPolicy {
    pub(crate) role: JoinRole,
    pub(crate) accounts: Vec<i64>,
}

/// The organisation's just-in-time joining, if it is on.
pub(crate) async fn join_policy(
    conn: &mut sqlx::AnyConnection,
    root_id: i64,
) -> sqlx::Result<Option<JoinPolicy>> {
    let role: Option<Option<String>> =
        sqlx::query_scalar("SELECT join_role FROM sso_providers WHERE account_id = $1")
            .bind(root_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(role) = role.flatten() else {
        return Ok(None);
    };
    let role = JoinRole::try_from(role).map_err(|e| sqlx::Error::Decode(e.into()))?;
    let accounts = sqlx::query_scalar(
        "SELECT account_id FROM sso_join_accounts WHERE root_id = $1 ORDER BY account_id",
    )
    .bind(root_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(JoinPolicy { role, accounts }))
}

/// Turns joining without an invitation on (with `policy`) or off, in `conn`'s transaction;
/// false when the organisation has no provider.
pub(crate) async fn set_join_policy(
    conn: &mut sqlx::AnyConnection,
    root_id: i64,
    policy: Option<&JoinPolicy>,
    now: Timestamp,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE sso_providers SET join_role = $2, updated_at = $3 WHERE account_id = $1",
    )
    .bind(root_id)
    .bind(policy.map(|p| p.role.as_str()))
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM sso_join_accounts WHERE root_id = $1")
        .bind(root_id)
        .execute(&mut *conn)
        .await?;
    for account in policy.map_or(&[][..], |p| &p.accounts) {
        sqlx::query("INSERT INTO sso_join_accounts (root_id, account_id) VALUES ($1, $2)")
            .bind(root_id)
            .bind(account)
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// Who is joining without an invitation, as the organisation knew them before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Joining {
    /// New to the organisation.
    Newcomer,
    /// Invited once; that invitation ran out (or was never there to accept).
    InvitedBefore { invitation: Option<i64> },
}

/// Makes `member.user_id` an accepted member of the organisation without an invitation, in
/// `conn`'s transaction (the organisation serialised, seats counted by the caller). The row an
/// invitation that ran out left becomes theirs, and that invitation is withdrawn: what it
/// offered is not given.
pub(crate) async fn join_member(
    conn: &mut sqlx::AnyConnection,
    member: team::NewMember<'_>,
    joining: Joining,
) -> sqlx::Result<()> {
    match joining {
        Joining::Newcomer => team::insert_member(&mut *conn, member).await,
        Joining::InvitedBefore { invitation } => {
            if let Some(invitation) = invitation {
                team::mark_revoked(conn, invitation, member.now).await?;
            }
            let mut sql = Sql::default();
            team::write_accept_member(
                &mut sql,
                member.root_id,
                member.user_id,
                (member.name_key, member.email_key),
                member.now,
            );
            sql.execute(&mut *conn).await?;
            Ok(())
        }
    }
}
