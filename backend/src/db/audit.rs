//! The audit log: who changed what, when, and from where.

use roster_shared::time::Timestamp;
use sqlx::{Any, Executor, FromRow};

use super::batch::Sql;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Record<'a> {
    pub(crate) root_id: i64,
    pub(crate) account: Option<(i64, &'a str)>,
    pub(crate) actor: Option<(i64, &'a str)>,
    pub(crate) action: roster_shared::audit::AuditAction,
    pub(crate) summary: &'a str,
    pub(crate) ip: Option<&'a str>,
    pub(crate) now: Timestamp,
}

pub(crate) async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    record: Record<'_>,
) -> sqlx::Result<()> {
    let mut sql = Sql::default();
    write_insert(&mut sql, [record]);
    sql.execute(db).await?;
    Ok(())
}

/// The statement of [`insert`] for every one of `records` (one statement however many), into
/// `sql` (a statement of a use case's batch).
pub(super) fn write_insert<'q>(sql: &mut Sql<'q>, records: impl IntoIterator<Item = Record<'q>>) {
    sql.push(
        "INSERT INTO audit_log (root_id, account_id, account_name, actor_user_id, actor, \
         action, summary, ip, created_at) VALUES ",
    )
    .rows(records, |row, record| {
        row.bind(record.root_id)
            .bind(record.account.map(|(id, _)| id))
            .bind(record.account.map(|(_, name)| name))
            .bind(record.actor.map(|(id, _)| id))
            .bind(record.actor.map(|(_, label)| label))
            .bind(record.action.as_str())
            .bind(record.summary)
            .bind(record.ip)
            .bind(record.now.millis());
    });
}

/// A sign-in, in the audit log of every organisation `user_id` belongs to (one statement, in
/// the sign-in's transaction): `(user_id, "Name <address>")`.
pub(crate) async fn insert_sign_in<'e, E: Executor<'e, Database = Any>>(
    db: E,
    actor: (i64, &str),
    summary: &str,
    ip: &str,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (root_id, account_id, account_name, actor_user_id, actor, \
         action, summary, ip, created_at) \
         SELECT root_id, NULL, NULL, $1, $2, $3, $4, $5, $6 FROM tree_members \
         WHERE user_id = $1 AND accepted_at IS NOT NULL",
    )
    .bind(actor.0)
    .bind(actor.1)
    .bind(roster_shared::audit::AuditAction::SignedIn.as_str())
    .bind(summary)
    .bind(ip)
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct EntryRow {
    pub(crate) id: i64,
    pub(crate) actor: Option<String>,
    /// Decoded here: a stored action that is not one of `AuditAction`'s is an error.
    #[sqlx(try_from = "String")]
    pub(crate) action: roster_shared::audit::AuditAction,
    pub(crate) summary: String,
    pub(crate) account_name: Option<String>,
    pub(crate) ip: Option<String>,
    pub(crate) created_at: i64,
}

/// Where a page of the log is: the newest entries, those older than an entry (Next), or those
/// newer than it (Previous).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuditSeek {
    Newest,
    OlderThan(i64),
    NewerThan(i64),
}

/// At most `limit` entries of an organisation about `accounts` (or about the organisation as a
/// whole, with no account) where `seek` says, newest first: one range of `audit_log_root`
/// (root, id) at any depth.
pub(crate) async fn page<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    accounts: Option<&[i64]>,
    limit: i64,
    seek: AuditSeek,
) -> sqlx::Result<Vec<EntryRow>> {
    let (beyond, order) = match seek {
        AuditSeek::Newest => (String::new(), "DESC"),
        AuditSeek::OlderThan(id) => (format!(" AND id < {id}"), "DESC"),
        AuditSeek::NewerThan(id) => (format!(" AND id > {id}"), "ASC"),
    };
    let mut rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT id, actor, action, summary, account_name, ip, created_at FROM audit_log \
         WHERE root_id = $1{}{beyond} ORDER BY id {order} LIMIT {limit}",
        scope(accounts)
    ))
    .bind(root_id)
    .fetch_all(db)
    .await?;
    if let AuditSeek::NewerThan(_) = seek {
        rows.reverse();
    }
    Ok(rows)
}

pub(crate) async fn count<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    accounts: Option<&[i64]>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM audit_log WHERE root_id = $1{}",
        scope(accounts)
    ))
    .bind(root_id)
    .fetch_one(db)
    .await
}

fn scope(accounts: Option<&[i64]>) -> String {
    match accounts {
        None => String::new(),
        Some(ids) => format!(
            " AND account_id IN ({})",
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
