//! Extra seats and their ledger.

use roster_shared::time::Timestamp;
use sqlx::{Any, Executor, FromRow};

pub(crate) async fn set_extra<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    extra: u32,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET extra_seats = $2 WHERE id = $1")
        .bind(root_id)
        .bind(i64::from(extra))
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) struct Entry<'a> {
    pub(crate) root_id: i64,
    pub(crate) kind: &'a str,
    pub(crate) quantity: u32,
    pub(crate) unit_price_minor: i64,
    pub(crate) total_minor: i64,
    pub(crate) currency: &'a str,
    pub(crate) extra_after: u32,
    pub(crate) actor: (i64, &'a str),
    pub(crate) billing_reference: &'a str,
    pub(crate) now: Timestamp,
}

pub(crate) async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    entry: Entry<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO seat_ledger (root_id, kind, quantity, unit_price_minor, total_minor, currency, \
         extra_after, actor_user_id, actor, billing_reference, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(entry.root_id)
    .bind(entry.kind)
    .bind(i64::from(entry.quantity))
    .bind(entry.unit_price_minor)
    .bind(entry.total_minor)
    .bind(entry.currency)
    .bind(i64::from(entry.extra_after))
    .bind(entry.actor.0)
    .bind(entry.actor.1)
    .bind(entry.billing_reference)
    .bind(entry.now.millis())
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct EntryRow {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) quantity: i64,
    pub(crate) unit_price_minor: i64,
    pub(crate) total_minor: i64,
    pub(crate) currency: String,
    pub(crate) extra_after: i64,
    pub(crate) actor: Option<String>,
    pub(crate) created_at: i64,
}

pub(crate) async fn history<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
) -> sqlx::Result<Vec<EntryRow>> {
    sqlx::query_as(
        "SELECT id, kind, quantity, unit_price_minor, total_minor, currency, extra_after, actor, created_at \
         FROM seat_ledger WHERE root_id = $1 ORDER BY id DESC LIMIT 200",
    )
    .bind(root_id)
    .fetch_all(db)
    .await
}
