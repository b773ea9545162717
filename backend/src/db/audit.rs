//! The audit log: who changed what, when, and from where.

use roster_shared::time::Timestamp;
use sqlx::{Any, Executor, FromRow};

use super::batch::Batch;

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

const INSERT: &str = "INSERT INTO audit_log (root_id, account_id, account_name, actor_user_id, \
     actor, action, summary, ip, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

pub(crate) async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    record: Record<'_>,
) -> sqlx::Result<()> {
    let mut batch = Batch::new();
    push_insert(&mut batch, record);
    batch.run_one(db).await
}

/// [`insert`], as one statement of a use case's batch.
pub(super) fn push_insert(batch: &mut Batch, record: Record<'_>) {
    batch.push(
        INSERT,
        vec![
            record.root_id.into(),
            record.account.map(|(id, _)| id).into(),
            record.account.map(|(_, name)| name).into(),
            record.actor.map(|(id, _)| id).into(),
            record.actor.map(|(_, label)| label).into(),
            record.action.as_str().into(),
            record.summary.into(),
            record.ip.into(),
            record.now.millis().into(),
        ],
    );
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

/// Entries of an organisation about `accounts` (or about the organisation as a whole, with no
/// account), newest first.
pub(crate) async fn page<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    accounts: Option<&[i64]>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<EntryRow>> {
    sqlx::query_as(&format!(
        "SELECT id, actor, action, summary, account_name, ip, created_at FROM audit_log \
         WHERE root_id = $1{} ORDER BY id DESC LIMIT {limit} OFFSET {offset}",
        scope(accounts)
    ))
    .bind(root_id)
    .fetch_all(db)
    .await
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
