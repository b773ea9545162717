//! The repository layer: every SQL statement Roster runs lives below this module.
//!
//! One set of queries serves SQLite and PostgreSQL through sqlx's `Any` driver: statements use
//! `$n` placeholders (both engines read them), integers for times (Unix milliseconds) and ids,
//! and `TEXT`/`BOOLEAN` columns. Where the engines really differ (row locks), [`Dialect`] says
//! so in one place instead of in every method.
//!
//! SQLite allows one writer at a time. Rather than letting concurrent write transactions
//! discover that through `SQLITE_BUSY`, writes go through a pool of exactly one connection, so
//! they queue in the process and never fail for it; reads use a separate pool and, thanks to
//! WAL mode, never wait for the writer. Whatever holds the writer holds every other write, so
//! the busiest write transactions (invitations, acceptances) run on the writer's own thread
//! ([`Db::on_writer_thread`]) and most of the WAL's checkpointing happens beside it
//! ([`checkpoint`]).
//!
//! Writes are one typed function per use case (for example [`invitations::open`],
//! [`invitations::record_sent`], [`invitations::accept`], [`outbox::deliver_to_dev_mailbox`]),
//! each owning its statements, how they are batched and how their rows are read. SQL whose
//! shape varies (several rows, optional filters) is written with [`batch::Sql`], where each
//! value bound writes its own `$n`; statements of one transaction go together in a
//! [`batch::Batch`] (on SQLite one round trip to the writer), which answers each statement's
//! rows by position. A statement shared by several use cases is a `write_…` function that
//! writes it into the caller's `Sql`. Above this module nothing sees a batch, a row or a
//! column name, and stored texts (roles, statuses, audit actions) are decoded here, once: an
//! unknown one is an error.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use roster_shared::api::DatabaseEngine;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Connection as _, Executor as _};

pub(crate) mod accounts;
pub(crate) mod api_tokens;
pub(crate) mod audit;
mod batch;
pub(crate) mod bulk;
pub(crate) mod checkpoint;
pub(crate) mod identity;
pub(crate) mod invitations;
pub(crate) mod metrics;
pub(crate) mod notify;
pub(crate) mod outbox;
pub(crate) mod passkeys;
pub(crate) mod password_resets;
pub(crate) mod people;
pub(crate) mod profile;
pub(crate) mod scim;
pub(crate) mod seats;
pub(crate) mod sessions;
pub(crate) mod sso;
pub(crate) mod team;
pub(crate) mod users;
pub(crate) mod webhooks;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// A PostgreSQL connection idle for less than this is handed out without a ping first.
const RECENTLY_USED: Duration = Duration::from_secs(5);

/// SQL that differs between the engines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect(DatabaseEngine);

impl Dialect {
    /// Whether the database is SQLite (whose search index is FTS5; PostgreSQL's is the table
    /// `people_starts` and pg_trgm).
    pub(crate) fn is_sqlite(self) -> bool {
        self.0 == DatabaseEngine::Sqlite
    }

    /// Appended to a `SELECT` that must lock the rows it reads until the transaction ends.
    /// SQLite needs nothing: its writes are already serialized (see the module docs).
    pub(crate) fn for_update(self) -> &'static str {
        match self.0 {
            DatabaseEngine::Sqlite => "",
            DatabaseEngine::Postgres => " FOR UPDATE",
        }
    }

    /// Whether write transactions must lock rows to serialize with each other (PostgreSQL).
    /// SQLite's writes go through one connection, one transaction at a time.
    pub(crate) fn locks_rows(self) -> bool {
        matches!(self.0, DatabaseEngine::Postgres)
    }
}

/// `columns` (a table's `"id, name, …"`) as columns of `alias` in a join: `"u.id, u.name, …"`,
/// read back under their own names (into the table's row type, `#[sqlx(flatten)]`).
pub(crate) fn columns_of(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|column| format!("{alias}.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Clone)]
pub(crate) struct Db {
    read: AnyPool,
    write: AnyPool,
    engine: DatabaseEngine,
    /// SQLite: set once [`checkpoint::start`] checkpoints the WAL beside the writer, so a
    /// writer connection opened later leaves most of that work to it too.
    checkpoints_beside: Option<Arc<AtomicBool>>,
}

/// How many read connections an SQLite file gets: at most `max_connections`, and no more than
/// two per core. SQLite reads are CPU work in this process (the file sits in the OS page
/// cache), so more readers than that add no throughput, only memory: each connection keeps
/// its own page cache, parsed schema and prepared statements (about 2 MB once warm; with 16
/// readers the Users list under load took the server from 17 to 55 MB).
fn sqlite_readers(max_connections: u32) -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    max_connections
        .min(u32::try_from(2 * cores).unwrap_or(u32::MAX))
        .max(1)
}

impl Db {
    /// Opens the database named by `url` (creating an SQLite file and its folder if needed)
    /// and applies any migrations it has not applied yet.
    pub(crate) async fn open(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = engine_of(url)?;
        let db = match engine {
            DatabaseEngine::Sqlite => Self::open_sqlite(url, max_connections).await?,
            DatabaseEngine::Postgres => {
                let options =
                    AnyConnectOptions::from_str(url).context("the PostgreSQL URL is not valid")?;
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(10))
                    // sqlx pings every connection it hands out, by default: one more round
                    // trip to the server before each statement (a Users-list page runs four).
                    // A connection used within the last seconds was alive then, and sqlx
                    // pings each one as it comes back; only one that sat idle longer (the
                    // server may have restarted or dropped it since) is pinged first.
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for < RECENTLY_USED {
                                return Ok(true);
                            }
                            conn.ping().await?;
                            Ok(true)
                        })
                    })
                    .connect_with(options)
                    .await
                    .context("cannot connect to PostgreSQL")?;
                Db {
                    read: pool.clone(),
                    write: pool,
                    engine,
                    checkpoints_beside: None,
                }
            }
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn open_sqlite(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let path = sqlite_path(url);
        if let Some(parent) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder {}", parent.display()))?;
        }
        let url = if url.contains("mode=") {
            url.to_owned()
        } else if url.contains('?') {
            format!("{url}&mode=rwc")
        } else {
            format!("{url}?mode=rwc")
        };
        let options = AnyConnectOptions::from_str(&url).context("the SQLite URL is not valid")?;
        let checkpoints_beside = Arc::new(AtomicBool::new(false));
        let pool = |size: u32, writer: bool| {
            let checkpoints_beside = checkpoints_beside.clone();
            AnyPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(Duration::from_secs(30))
                // sqlx pings a connection before handing it out, by default: for a file
                // opened in this process that is one more trip to the connection's thread
                // per acquire (every request's reads, every write transaction) and it can
                // never find the connection gone.
                .test_before_acquire(false)
                .after_connect(move |conn, _| {
                    let leave_checkpoints = writer && checkpoints_beside.load(Ordering::Acquire);
                    Box::pin(async move {
                        // busy_timeout covers other processes writing the same file (an
                        // operator command next to a running server). cache_size: 2 MiB of
                        // pages per connection. The file stays in the OS page cache, which
                        // all connections share, but a page read from there is a system call
                        // and a copy: with 512 KiB the Users list at random depths (10,000
                        // people, 32 clients) answered 1,590 pages/s in 21 MB, with 2 MiB
                        // 1,860/s in 27 MB.
                        conn.execute(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                             PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2048;",
                        )
                        .await?;
                        if leave_checkpoints {
                            conn.execute(checkpoint::WRITER_CHECKPOINTS_RARELY).await?;
                        }
                        Ok(())
                    })
                })
        };
        let write = pool(1, true)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open the SQLite database {path}"))?;
        // WAL is a property of the file: set once, readers then never block the writer.
        write
            .execute("PRAGMA journal_mode = WAL")
            .await
            .context("cannot switch the SQLite database to WAL mode")?;
        let read = pool(sqlite_readers(max_connections), false)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the SQLite database {path}"))?;
        Ok(Db {
            read,
            write,
            engine: DatabaseEngine::Sqlite,
            checkpoints_beside: Some(checkpoints_beside),
        })
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.engine {
            DatabaseEngine::Sqlite => &SQLITE_MIGRATIONS,
            DatabaseEngine::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.write)
            .await
            .context("cannot apply the database migrations")?;
        Ok(())
    }

    pub(crate) fn engine(&self) -> DatabaseEngine {
        self.engine
    }

    pub(crate) fn dialect(&self) -> Dialect {
        Dialect(self.engine)
    }

    /// The pool for statements that only read.
    pub(crate) fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// The pool for statements and transactions that write.
    pub(crate) fn writer(&self) -> &AnyPool {
        &self.write
    }

    /// Two reads that do not depend on each other. On PostgreSQL they run at once, each on a
    /// connection of its own: each is a round trip to another process, which runs them side by
    /// side, so the pair takes as long as the longer one (at 100,000 people, the Expired
    /// people's page beside their count: 2.1 → 1.6 ms a request). On SQLite they run one after
    /// the other: its reads are work on this process's own cores, which running them at once
    /// would only interleave.
    pub(crate) async fn both<A, B>(
        &self,
        first: impl std::future::Future<Output = sqlx::Result<A>>,
        second: impl std::future::Future<Output = sqlx::Result<B>>,
    ) -> sqlx::Result<(A, B)> {
        if self.dialect().is_sqlite() {
            let first = first.await?;
            Ok((first, second.await?))
        } else {
            tokio::try_join!(first, second)
        }
    }

    /// Runs a write transaction's `work` on the writer's own thread (SQLite), where nothing
    /// else is queued: between the statements of a transaction the writer waits for its task
    /// to be polled again, and on the server's runtime that task queues behind HTTP work.
    /// PostgreSQL has no single writer: there `work` runs in place.
    pub(crate) async fn on_writer_thread<F, T>(&self, work: F) -> T
    where
        F: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        if self.dialect().locks_rows() {
            return work.await;
        }
        match writer_runtime().spawn(work).await {
            Ok(value) => value,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }

    /// How many migrations this build knows (and applies at start).
    pub(crate) fn migrations_known(&self) -> u32 {
        let migrator = match self.engine {
            DatabaseEngine::Sqlite => &SQLITE_MIGRATIONS,
            DatabaseEngine::Postgres => &POSTGRES_MIGRATIONS,
        };
        u32::try_from(migrator.iter().count()).unwrap_or(u32::MAX)
    }

    /// How many migrations the database has applied; also proves it answers.
    pub(crate) async fn migrations_applied(&self) -> Result<u32, sqlx::Error> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = $1")
                .bind(true)
                .fetch_one(self.reader())
                .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// How many connections each pool has lent out and holds idle, and its most.
    pub(crate) fn pool_use(&self) -> Vec<crate::metrics::PoolUse> {
        let of = |pool, p: &AnyPool| {
            let size = i64::from(p.size());
            let idle = i64::try_from(p.num_idle()).unwrap_or(size);
            crate::metrics::PoolUse {
                pool,
                in_use: (size - idle).max(0),
                idle,
                max: i64::from(p.options().get_max_connections()),
            }
        };
        match self.engine {
            DatabaseEngine::Sqlite => vec![
                of(crate::metrics::Pool::Read, &self.read),
                of(crate::metrics::Pool::Write, &self.write),
            ],
            DatabaseEngine::Postgres => vec![of(crate::metrics::Pool::Main, &self.write)],
        }
    }

    pub(crate) async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// The runtime of the writer's thread, started on first use.
fn writer_runtime() -> &'static tokio::runtime::Handle {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Handle> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the writer's thread");
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("roster-writer".into())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))
            .expect("the writer's thread");
        handle
    })
}

fn engine_of(url: &str) -> anyhow::Result<DatabaseEngine> {
    if url.starts_with("sqlite:") {
        Ok(DatabaseEngine::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(DatabaseEngine::Postgres)
    } else {
        anyhow::bail!(
            "the database URL must start with sqlite:// or postgres:// (got {:?})",
            url.split(':').next().unwrap_or_default()
        )
    }
}

/// The file path inside an `sqlite:` URL (without its query).
fn sqlite_path(url: &str) -> &str {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    rest.split('?').next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_read_from_the_scheme() {
        assert_eq!(engine_of("sqlite://x.db").unwrap(), DatabaseEngine::Sqlite);
        assert_eq!(
            engine_of("postgres://u@h/db").unwrap(),
            DatabaseEngine::Postgres
        );
        assert_eq!(
            engine_of("postgresql://u@h/db").unwrap(),
            DatabaseEngine::Postgres
        );
        let error = engine_of("mysql://u@h/db").unwrap_err().to_string();
        assert!(error.contains("\"mysql\""), "{error}");
    }

    #[tokio::test]
    async fn sqlite_connections_keep_a_bounded_page_cache_and_wal() {
        let dir = std::env::temp_dir().join(format!("roster-db-test-{}", std::process::id()));
        let url = format!("sqlite://{}/cache.db", dir.display());
        let db = Db::open(&url, 4).await.unwrap();
        for pool in [db.reader(), db.writer()] {
            assert!(
                !pool.options().get_test_before_acquire(),
                "no ping before each use of an in-process SQLite connection"
            );
            let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(cache, -2048, "KiB, negative: a size rather than pages");
        }
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(db.reader())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        db.read.close().await;
        db.write.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn sqlite_write_work_runs_on_the_writers_own_thread_and_its_panics_reach_the_caller() {
        let dir = std::env::temp_dir().join(format!("roster-writer-test-{}", std::process::id()));
        let url = format!("sqlite://{}/writer.db", dir.display());
        let db = Db::open(&url, 2).await.unwrap();
        let here = std::thread::current().id();
        let (name, there) = db
            .on_writer_thread(async {
                let thread = std::thread::current();
                (thread.name().map(str::to_owned), thread.id())
            })
            .await;
        assert_eq!(name.as_deref(), Some("roster-writer"));
        assert_ne!(there, here);
        let inner = db.clone();
        let failed = tokio::spawn(async move {
            inner
                .on_writer_thread(async {
                    if std::thread::current().name() == Some("roster-writer") {
                        panic!("a bug in a write transaction");
                    }
                })
                .await
        })
        .await;
        assert!(failed.is_err_and(|e| e.is_panic()), "the caller fails too");
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn sqlite_readers_are_capped_at_two_per_core_and_the_setting() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
        assert_eq!(sqlite_readers(1000), 2 * cores);
        assert_eq!(sqlite_readers(1), 1);
        assert_eq!(sqlite_readers(0), 1, "a pool needs one connection");
        assert_eq!(sqlite_readers(2 * cores + 1), 2 * cores);
    }

    #[test]
    fn columns_are_named_by_their_table_in_a_join() {
        assert_eq!(
            columns_of("u", "id, email,\n  name"),
            "u.id, u.email, u.name"
        );
    }

    #[test]
    fn sqlite_path_drops_scheme_and_query() {
        assert_eq!(sqlite_path("sqlite://data/roster.db"), "data/roster.db");
        assert_eq!(sqlite_path("sqlite:///tmp/r.db?mode=rwc"), "/tmp/r.db");
        assert_eq!(sqlite_path("sqlite:r.db"), "r.db");
    }
}
