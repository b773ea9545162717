//! PostgreSQL's LISTEN/NOTIFY, as the live events use it to reach every replica.

use sqlx::{Any, Executor};

/// The schema this connection works in (each Roster database listens on its own channel).
pub(crate) async fn current_schema<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT CAST(current_schema() AS TEXT)")
        .fetch_one(db)
        .await
}

/// Sends `payload` to every listener of `channel` (when the transaction, if any, commits).
pub(crate) async fn notify<'e, E: Executor<'e, Database = Any>>(
    db: E,
    channel: &str,
    payload: String,
) -> sqlx::Result<()> {
    // pg_notify answers void, which the Any driver cannot read: select a constant instead.
    sqlx::query("SELECT 1 FROM (SELECT pg_notify($1, $2)) AS sent")
        .bind(channel)
        .bind(payload)
        .execute(db)
        .await?;
    Ok(())
}
