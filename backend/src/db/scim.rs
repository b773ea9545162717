//! What SCIM needs beyond the team tables: deactivated people, what the provider calls each
//! person, and listing by id.

use std::collections::BTreeMap;

use roster_shared::role::Role;
use roster_shared::time::Timestamp;
use sqlx::{Any, Executor};

pub(crate) async fn deactivate<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO scim_deactivations (root_id, user_id, deactivated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (root_id, user_id) DO UPDATE SET deactivated_at = excluded.deactivated_at",
    )
    .bind(root_id)
    .bind(user_id)
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(())
}

pub(crate) async fn forget<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM scim_deactivations WHERE root_id = $1 AND user_id = $2")
        .bind(root_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn is_deactivated<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM scim_deactivations WHERE root_id = $1 AND user_id = $2",
    )
    .bind(root_id)
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(count > 0)
}

/// People SCIM shows for an organisation (members and deactivated), by id: one page from
/// `offset`, and the total. SCIM pages by position (`startIndex`, RFC 7644 §3.4.2.4), which no
/// index holds; so the page is found by reading ids only, from the organisation's range of two
/// primary keys merged in order (members, then the deactivated who are no longer members), and
/// the total is the kept member count plus the deactivated: at 100,000 people the last page
/// costs a few milliseconds, and no row is read beyond the page's own.
pub(crate) async fn user_ids<'e, E: Executor<'e, Database = Any> + Copy>(
    db: E,
    root_id: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<i64>, i64)> {
    let ids = sqlx::query_scalar(&format!(
        "SELECT user_id FROM tree_members WHERE root_id = $1 \
         UNION ALL \
         SELECT d.user_id FROM scim_deactivations d WHERE d.root_id = $1 AND NOT EXISTS \
           (SELECT 1 FROM tree_members t WHERE t.root_id = d.root_id AND t.user_id = d.user_id) \
         ORDER BY user_id LIMIT {limit} OFFSET {offset}"
    ))
    .bind(root_id)
    .fetch_all(db)
    .await?;
    let deactivated: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM scim_deactivations d WHERE d.root_id = $1 AND NOT EXISTS \
           (SELECT 1 FROM tree_members t WHERE t.root_id = d.root_id AND t.user_id = d.user_id)",
    )
    .bind(root_id)
    .fetch_one(db)
    .await?;
    let members = super::team::member_total(db, root_id).await?;
    Ok((ids, members + deactivated))
}

/// What an identity provider calls a person it provisioned (migration 0021).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ScimUserRow {
    pub(crate) user_name: String,
    pub(crate) external_id: Option<String>,
    /// JSON object: name, displayName, emails as sent.
    pub(crate) attributes: String,
}

pub(crate) async fn record<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<Option<ScimUserRow>> {
    sqlx::query_as(
        "SELECT user_name, external_id, attributes FROM scim_users \
         WHERE root_id = $1 AND user_id = $2",
    )
    .bind(root_id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// The person the organisation's provider calls `user_name` (in any case).
pub(crate) async fn by_user_name<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_name: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT user_id FROM scim_users WHERE root_id = $1 AND user_name_key = $2")
        .bind(root_id)
        .bind(user_name.to_lowercase())
        .fetch_optional(db)
        .await
}

/// The people whose `externalId` is `external_id`, in any case (a filter's text is compared
/// lower-cased).
pub(crate) async fn by_external_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    external_id: &str,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT user_id FROM scim_users WHERE root_id = $1 AND external_id_key = $2 \
         ORDER BY user_id",
    )
    .bind(root_id)
    .bind(external_id.to_lowercase())
    .fetch_all(db)
    .await
}

/// Writes (or rewrites) what the provider calls the person; `false` when another person of
/// the organisation has that userName (in any case).
pub(crate) async fn save<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
    user_name: &str,
    external_id: Option<&str>,
    attributes: &str,
) -> sqlx::Result<bool> {
    let saved = sqlx::query(
        "INSERT INTO scim_users \
         (root_id, user_id, user_name, user_name_key, external_id, external_id_key, attributes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (root_id, user_id) DO UPDATE SET \
         user_name = excluded.user_name, user_name_key = excluded.user_name_key, \
         external_id = excluded.external_id, external_id_key = excluded.external_id_key, \
         attributes = excluded.attributes",
    )
    .bind(root_id)
    .bind(user_id)
    .bind(user_name)
    .bind(user_name.to_lowercase())
    .bind(external_id)
    .bind(external_id.map(str::to_lowercase))
    .bind(attributes)
    .execute(db)
    .await;
    match saved {
        Ok(_) => Ok(true),
        Err(error) if is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Forgets what the provider called the person (the person was deleted through SCIM).
pub(crate) async fn forget_record<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM scim_users WHERE root_id = $1 AND user_id = $2")
        .bind(root_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A group an identity provider pushed (migration 0022).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PushedGroupRow {
    pub(crate) id: i64,
    pub(crate) display_name: String,
    pub(crate) external_id: Option<String>,
}

/// Creates a pushed group; `None` when the organisation has one of that name (in any case).
pub(crate) async fn create_group<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    display_name: &str,
    external_id: Option<&str>,
    now: Timestamp,
) -> sqlx::Result<Option<i64>> {
    let created = sqlx::query_scalar(
        "INSERT INTO scim_groups (root_id, display_name, display_key, external_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(root_id)
    .bind(display_name)
    .bind(display_name.to_lowercase())
    .bind(external_id)
    .bind(now.millis())
    .fetch_one(db)
    .await;
    match created {
        Ok(id) => Ok(Some(id)),
        Err(error) if is_unique_violation(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

/// Renames a pushed group of the organisation (and sets its externalId): `None` when it has no
/// such group, `Some(false)` when the name is another group's.
pub(crate) async fn update_group<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    id: i64,
    display_name: &str,
    external_id: Option<&str>,
) -> sqlx::Result<Option<bool>> {
    let updated = sqlx::query(
        "UPDATE scim_groups SET display_name = $1, display_key = $2, external_id = $3 \
         WHERE root_id = $4 AND id = $5",
    )
    .bind(display_name)
    .bind(display_name.to_lowercase())
    .bind(external_id)
    .bind(root_id)
    .bind(id)
    .execute(db)
    .await;
    match updated {
        Ok(done) => Ok((done.rows_affected() > 0).then_some(true)),
        Err(error) if is_unique_violation(&error) => Ok(Some(false)),
        Err(error) => Err(error),
    }
}

pub(crate) async fn group<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    id: i64,
) -> sqlx::Result<Option<PushedGroupRow>> {
    sqlx::query_as(
        "SELECT id, display_name, external_id FROM scim_groups WHERE root_id = $1 AND id = $2",
    )
    .bind(root_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The organisation's pushed groups, oldest first.
pub(crate) async fn groups<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
) -> sqlx::Result<Vec<PushedGroupRow>> {
    sqlx::query_as(
        "SELECT id, display_name, external_id FROM scim_groups WHERE root_id = $1 ORDER BY id",
    )
    .bind(root_id)
    .fetch_all(db)
    .await
}

pub(crate) async fn delete_group<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM scim_groups WHERE root_id = $1 AND id = $2")
        .bind(root_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether member `m.user_id` is one of the organisation's Users (its placeholder `root`): a
/// member of it, or deactivated through SCIM. Someone removed in Roster is no member.
fn is_a_user(root: &str) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM tree_members t WHERE t.root_id = {root} AND t.user_id = m.user_id) \
         OR EXISTS (SELECT 1 FROM scim_deactivations d \
                    WHERE d.root_id = {root} AND d.user_id = m.user_id))"
    )
}

/// The members of a pushed group of the organisation that are its Users (members, or
/// deactivated through SCIM), by user id: someone removed in Roster is no member.
pub(crate) async fn group_members<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    group_id: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(&format!(
        "SELECT m.user_id FROM scim_group_members m WHERE m.group_id = $1 AND {} \
             ORDER BY m.user_id",
        is_a_user("$2")
    ))
    .bind(group_id)
    .bind(root_id)
    .fetch_all(db)
    .await
}

/// Takes a person deleted through SCIM out of the organisation's pushed groups.
pub(crate) async fn leave_groups<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM scim_group_members WHERE user_id = $2 \
         AND group_id IN (SELECT id FROM scim_groups WHERE root_id = $1)",
    )
    .bind(root_id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Makes `members` the group's members, in one transaction.
pub(crate) async fn set_group_members(
    db: &super::Db,
    group_id: i64,
    members: &[i64],
) -> sqlx::Result<()> {
    let mut tx = db.writer().begin().await?;
    sqlx::query("DELETE FROM scim_group_members WHERE group_id = $1")
        .bind(group_id)
        .execute(&mut *tx)
        .await?;
    for user in members {
        sqlx::query("INSERT INTO scim_group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(group_id)
            .bind(user)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// What a pushed group gives its members (migration 0023): one role, on these accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupGrantRow {
    pub(crate) role: Role,
    pub(crate) accounts: Vec<i64>,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    group_id: i64,
    account_id: i64,
    #[sqlx(try_from = "String")]
    role: Role,
}

/// The grants of the organisation's pushed groups, by group.
pub(crate) async fn group_grants<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
) -> sqlx::Result<BTreeMap<i64, GroupGrantRow>> {
    let rows: Vec<GrantRow> = sqlx::query_as(
        "SELECT g.group_id, g.account_id, g.role FROM scim_group_grants g \
         JOIN scim_groups s ON s.id = g.group_id WHERE s.root_id = $1 \
         ORDER BY g.group_id, g.account_id",
    )
    .bind(root_id)
    .fetch_all(db)
    .await?;
    let mut grants: BTreeMap<i64, GroupGrantRow> = BTreeMap::new();
    for row in rows {
        grants
            .entry(row.group_id)
            .or_insert_with(|| GroupGrantRow {
                role: row.role,
                accounts: Vec::new(),
            })
            .accounts
            .push(row.account_id);
    }
    Ok(grants)
}

/// Makes `grant` what group `group_id` gives (none: it gives nothing), in `conn`'s transaction.
pub(crate) async fn set_group_grant(
    conn: &mut sqlx::AnyConnection,
    group_id: i64,
    grant: Option<&GroupGrantRow>,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM scim_group_grants WHERE group_id = $1")
        .bind(group_id)
        .execute(&mut *conn)
        .await?;
    if let Some(grant) = grant {
        for account in &grant.accounts {
            sqlx::query(
                "INSERT INTO scim_group_grants (group_id, account_id, role) VALUES ($1, $2, $3)",
            )
            .bind(group_id)
            .bind(account)
            .bind(grant.role.as_str())
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// What the mapped groups `user_id` is a member of give them: one row per group and account
/// (leaving out group `except`, as if it were gone).
pub(crate) async fn granted_to<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
    except: Option<i64>,
) -> sqlx::Result<Vec<(i64, Role)>> {
    let rows: Vec<GrantRow> = sqlx::query_as(
        "SELECT g.group_id, g.account_id, g.role FROM scim_group_grants g \
         JOIN scim_group_members m ON m.group_id = g.group_id \
         JOIN scim_groups s ON s.id = g.group_id \
         WHERE s.root_id = $1 AND m.user_id = $2 AND g.group_id <> $3",
    )
    .bind(root_id)
    .bind(user_id)
    .bind(except.unwrap_or(0))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.account_id, r.role)).collect())
}

/// The pushed groups `user_id` is a member of in the organisation, by id.
pub(crate) async fn groups_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<Vec<PushedGroupRow>> {
    sqlx::query_as(
        "SELECT s.id, s.display_name, s.external_id FROM scim_group_members m \
         JOIN scim_groups s ON s.id = m.group_id \
         WHERE s.root_id = $1 AND m.user_id = $2 ORDER BY s.id",
    )
    .bind(root_id)
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// How many members each pushed group of the organisation has among its Users.
pub(crate) async fn member_counts<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
) -> sqlx::Result<BTreeMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT m.group_id, COUNT(*) FROM scim_group_members m \
             JOIN scim_groups s ON s.id = m.group_id WHERE s.root_id = $1 AND {} \
             GROUP BY m.group_id",
        is_a_user("$1")
    ))
    .bind(root_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}
