//! Checkpoints of SQLite's write-ahead log, mostly beside the writer instead of on it.
//!
//! A checkpoint copies the pages committed to the WAL back into the database file, then syncs
//! both. By default SQLite runs one inside the commit that takes the WAL past 1,000 pages, on
//! the committing connection: here the one writer, which every write transaction queues for.
//! Under a stream of invitations that was a checkpoint every ~70 commits, each reading and
//! writing every page once more and ending in two fsyncs of milliseconds each, all while the
//! writer was held (13 % of the machine's time in I/O wait, the writer blocked in it).
//!
//! A PASSIVE checkpoint from another connection does the same copy without taking the writer's
//! lock, so the server runs one every 50 ms from a read connection while pages arrive. It cannot
//! finish alone while writes keep coming (the writer appends during it, and the WAL only starts
//! over once everything in it is copied: left to this alone, it grew past 1 GB in a minute), so
//! the writer still checkpoints, every 10,000 pages (~40 MB of WAL) instead of 1,000: by then
//! nearly everything is copied already and its turn copies the last few milliseconds' pages.
//! Measured with 32 clients inviting: ~1,450 → ~1,800 invitations a second, the WAL file under
//! 60 MB.

use std::sync::atomic::Ordering;
use std::time::Duration;

use sqlx::Row as _;
use tokio::task::JoinHandle;

use super::Db;

/// Run on the writer connection once checkpoints happen here: its own turn comes rarely.
pub(crate) const WRITER_CHECKPOINTS_RARELY: &str = "PRAGMA wal_autocheckpoint = 10000";

/// The period while pages arrive (20 and 100 ms measured the same).
const BUSY_EVERY: Duration = Duration::from_millis(50);
/// The period while nothing arrives.
const IDLE_EVERY: Duration = Duration::from_millis(250);

/// Runs one PASSIVE checkpoint on a read connection; answers how many pages the WAL holds.
pub(crate) async fn run_once(db: &Db) -> sqlx::Result<i64> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(db.reader())
        .await?;
    row.try_get(1)
}

/// Takes most of the WAL's checkpointing off the writer (SQLite; nothing to do on PostgreSQL)
/// until the database is closed.
pub(crate) async fn start(db: &Db) -> Option<JoinHandle<()>> {
    let beside = db.checkpoints_beside.as_ref()?;
    // Connections the writer pool opens from now on are set by `after_connect`; the open one
    // here. Should this fail, the writer keeps checkpointing every 1,000 pages.
    beside.store(true, Ordering::Release);
    if let Err(error) = sqlx::query(WRITER_CHECKPOINTS_RARELY)
        .execute(db.writer())
        .await
    {
        beside.store(false, Ordering::Release);
        tracing::warn!(%error, "WAL checkpoints stay on the writer");
        return None;
    }
    let db = db.clone();
    Some(tokio::spawn(async move {
        let mut every = BUSY_EVERY;
        let mut last_pages = 0;
        let mut failing = false;
        loop {
            tokio::time::sleep(every).await;
            if db.writer().is_closed() {
                return;
            }
            match run_once(&db).await {
                Ok(wal_pages) => {
                    failing = false;
                    // A count that moved (up, or down once the writer started the WAL over)
                    // means pages arrived since the last checkpoint.
                    every = if wal_pages == last_pages {
                        IDLE_EVERY
                    } else {
                        BUSY_EVERY
                    };
                    last_pages = wal_pages;
                }
                Err(error) => {
                    if !failing {
                        tracing::warn!(%error, "cannot checkpoint the WAL; retrying");
                    }
                    failing = true;
                    every = IDLE_EVERY;
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn committed_pages_reach_the_file_without_the_writer_checkpointing() {
        let dir =
            std::env::temp_dir().join(format!("roster-checkpoint-test-{}", std::process::id()));
        let file = dir.join("checkpoint.db");
        let db = Db::open(&format!("sqlite://{}", file.display()), 2)
            .await
            .unwrap();
        let task = start(&db)
            .await
            .expect("SQLite checkpoints beside the writer");
        let threshold: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(db.writer())
            .await
            .unwrap();
        assert_eq!(threshold, 10_000, "the writer's own turn comes rarely");

        // ~100 pages: far below the writer's threshold, so only the checkpointer copies them.
        sqlx::query("CREATE TABLE filler (body TEXT NOT NULL)")
            .execute(db.writer())
            .await
            .unwrap();
        for _ in 0..100 {
            sqlx::query("INSERT INTO filler (body) VALUES ($1)")
                .bind("x".repeat(4000))
                .execute(db.writer())
                .await
                .unwrap();
        }
        // The file alone, WAL ignored: what a checkpoint has copied, and nothing else.
        let in_file = || async {
            let url = format!("sqlite://{}?immutable=1", file.display());
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            let rows: Result<i64, _> = sqlx::query_scalar("SELECT COUNT(*) FROM filler")
                .fetch_one(&mut conn)
                .await;
            rows.unwrap_or(0)
        };
        let mut copied = in_file().await;
        for _ in 0..40 {
            if copied == 100 {
                break;
            }
            tokio::time::sleep(BUSY_EVERY).await;
            copied = in_file().await;
        }
        assert_eq!(copied, 100, "the checkpointer copied every committed row");
        task.abort();
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
