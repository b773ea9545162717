//! `roster backup` and `roster restore`: a consistent copy of a running SQLite database, and
//! putting such a copy in place where no database is yet.
//!
//! A backup is `VACUUM INTO` a new file from a connection of its own. It reads the
//! whole database inside one read transaction, so the copy is the database as of one commit,
//! WAL included, and in WAL mode a reader neither waits for the server's writer nor holds it:
//! invitations keep being written while the copy is made (the server's checkpoints are
//! PASSIVE, so they never wait for this read either; the WAL only grows meanwhile).
//!
//! Either command writes into `<file>.partial` beside its destination, syncs it, checks it,
//! and only then links it into place, so the destination is either absent or complete. A
//! file that exists is never overwritten: not a backup, and above all not a database, nor a
//! `-wal`, `-shm` or `-journal` file that SQLite would replay into the restored one.
//!
//! PostgreSQL has its own tools (`pg_dump -Fc`, `pg_restore`); both commands say so.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions as _, Connection as _};

/// The migrations this build applies to SQLite (the same folder `db` runs), to tell whether
/// a backup was made by a build this one can serve.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long the backup's read waits for a lock (SQLite's WAL recovery by another connection,
/// say). Its read itself never waits for the writer.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// What a backup made.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// Bytes written.
    pub bytes: u64,
    /// Migrations the copy has applied.
    pub migrations: u32,
}

/// Why a backup or a restore was not made. Each says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "`roster backup` copies SQLite databases; back up PostgreSQL with `pg_dump -Fc` \
         instead (see the README, \"Backups\")"
    )]
    PostgresBackup,
    #[error(
        "`roster restore` puts SQLite backups in place; restore a PostgreSQL dump made with \
         `pg_dump -Fc` with `pg_restore` instead (see the README, \"Backups\")"
    )]
    PostgresRestore,
    #[error("the database URL must start with sqlite:// (got {0:?})")]
    NotSqliteUrl(String),
    #[error("an in-memory SQLite database has no file to copy or to restore into")]
    InMemory,
    #[error(
        "there is no SQLite database at {}: nothing to back up (check --database-url)",
        .0.display()
    )]
    NoDatabase(PathBuf),
    #[error(
        "{} already exists: a backup is only written to a new file; choose another name or \
         move that file away first",
        .0.display()
    )]
    BackupExists(PathBuf),
    #[error(
        "{} already exists: restore only into an empty location; stop the server and move \
         that file away first",
        .0.display()
    )]
    TargetExists(PathBuf),
    #[error(
        "{} already exists: another backup or restore to {} is under way, or one was \
         interrupted (then delete it)",
        .partial.display(),
        .target.display()
    )]
    PartialExists { partial: PathBuf, target: PathBuf },
    #[error("the backup {} does not exist", .0.display())]
    NoBackup(PathBuf),
    #[error("{} is not an SQLite database ({reason})", .path.display())]
    NotSqlite { path: PathBuf, reason: String },
    #[error(
        "{} is damaged: SQLite's integrity check found: {findings}",
        .path.display()
    )]
    Damaged { path: PathBuf, findings: String },
    #[error(
        "{} is an SQLite database but not a Roster one: it has no applied migrations \
         (_sqlx_migrations)",
        .0.display()
    )]
    NotRoster(PathBuf),
    #[error(
        "{} has a migration that did not finish (version {version}): it is not a usable backup",
        .path.display()
    )]
    UnfinishedMigration { path: PathBuf, version: i64 },
    #[error(
        "{} has applied migrations this build of Roster does not know (versions {versions}): \
         it was made by a newer Roster; restore it with that version or a newer one",
        .path.display()
    )]
    NewerMigrations { path: PathBuf, versions: String },
    #[error(
        "{} applied migration {version} differently from this build of Roster: it was made \
         by another build; restore it with that one",
        .path.display()
    )]
    ChangedMigration { path: PathBuf, version: i64 },
}

/// Copies the SQLite database at `database_url` into the new file `to`, while a server may be
/// writing to it.
pub async fn backup(database_url: &str, to: &Path) -> anyhow::Result<BackupReport> {
    let source = sqlite_file(database_url, Refusal::PostgresBackup)?;
    // Checked first so a wrong URL is not answered with an empty database created there
    // (the connection below does not create one either).
    if !source.is_file() {
        return Err(Refusal::NoDatabase(source).into());
    }
    let to = std::path::absolute(to)
        .with_context(|| format!("cannot resolve the path {}", to.display()))?;
    if to.symlink_metadata().is_ok() {
        return Err(Refusal::BackupExists(to).into());
    }
    create_folder_of(&to)?;
    // Created empty, exclusively (a second backup to the same file stops here): VACUUM INTO
    // writes into a file that is absent or empty.
    let (partial, _) = Partial::create(&to)?;
    let partial_path = partial
        .path
        .to_str()
        .with_context(|| format!("the path {} is not UTF-8", partial.path.display()))?
        .to_owned();

    // Read-write but never created: VACUUM INTO only reads from it, and unlike a read-only
    // connection, this one removes the `-wal` and `-shm` files it made beside a database no
    // server has open when it closes (a stopped server's folder is left as it was).
    let options = SqliteConnectOptions::new()
        .filename(&source)
        .create_if_missing(false)
        .busy_timeout(BUSY_TIMEOUT);
    let mut source_db = options
        .connect()
        .await
        .with_context(|| format!("cannot open the SQLite database {}", source.display()))?;
    let copied = sqlx::query("VACUUM INTO ?1")
        .bind(&partial_path)
        .execute(&mut source_db)
        .await
        .with_context(|| format!("cannot copy {} into {partial_path}", source.display()));
    let _ = source_db.close().await;
    copied?;

    // VACUUM INTO does not sync what it wrote.
    let bytes = {
        let path = partial.path.clone();
        tokio::task::spawn_blocking(move || sync_file(&path)).await??
    };
    let migrations = {
        let mut copy = open_copy(&partial.path, &source).await?;
        let applied = applied_migrations(&mut copy, &source).await;
        let _ = copy.close().await;
        count(&applied?)
    };
    partial.place(&to, Refusal::BackupExists)?;
    Ok(BackupReport { bytes, migrations })
}

/// Puts the backup `from` in place as the SQLite database at `database_url`, which must not
/// exist yet.
pub async fn restore(from: &Path, database_url: &str) -> anyhow::Result<BackupReport> {
    let target = std::path::absolute(sqlite_file(database_url, Refusal::PostgresRestore)?)
        .context("cannot resolve the database's path")?;
    refuse_unless_empty(&target)?;
    let mut backup = match File::open(from) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Err(Refusal::NoBackup(from.to_owned()).into());
        }
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read {}", from.display()));
        }
    };
    create_folder_of(&target)?;
    let (partial, mut copy) = Partial::create(&target)?;
    let bytes = tokio::task::spawn_blocking(move || {
        let bytes = std::io::copy(&mut backup, &mut copy)?;
        copy.sync_all()?;
        Ok::<_, std::io::Error>(bytes)
    })
    .await?
    .with_context(|| {
        format!(
            "cannot copy {} to {}",
            from.display(),
            partial.path.display()
        )
    })?;

    // The copy is what gets checked: the very bytes that will be put in place.
    let mut db = open_copy(&partial.path, from).await?;
    let checked = check_backup(&mut db, from).await;
    let _ = db.close().await;
    let migrations = checked?;

    // Once more: a server may have been started there while the copy was made.
    refuse_unless_empty(&target)?;
    partial.place(&target, Refusal::TargetExists)?;
    Ok(BackupReport { bytes, migrations })
}

/// The file an `sqlite:` URL names, as sqlx (and so the server) reads it; PostgreSQL and other
/// URLs are refused with `postgres`.
fn sqlite_file(url: &str, postgres: Refusal) -> anyhow::Result<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(postgres.into());
    }
    let Some(rest) = url.strip_prefix("sqlite:") else {
        let scheme = url.split(':').next().unwrap_or_default().to_owned();
        return Err(Refusal::NotSqliteUrl(scheme).into());
    };
    let (file, query) = rest
        .trim_start_matches("//")
        .split_once('?')
        .unwrap_or((rest.trim_start_matches("//"), ""));
    let in_memory = file.is_empty()
        || file == ":memory:"
        || url::form_urlencoded::parse(query.as_bytes())
            .any(|(key, value)| key == "mode" && value == "memory");
    if in_memory {
        return Err(Refusal::InMemory.into());
    }
    let options = SqliteConnectOptions::from_str(url).context("the SQLite URL is not valid")?;
    Ok(options.get_filename().to_owned())
}

/// Refuses a location where a database is, or was open: SQLite would replay a `-wal` or a
/// `-journal` left there into the restored file.
fn refuse_unless_empty(target: &Path) -> Result<(), Refusal> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let file = with_suffix(target, suffix);
        // `symlink_metadata`: a dangling link is in the way too.
        if file.symlink_metadata().is_ok() {
            return Err(Refusal::TargetExists(file));
        }
    }
    Ok(())
}

/// `path` with `suffix` appended to its file name (`roster.db` → `roster.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn create_folder_of(file: &Path) -> anyhow::Result<()> {
    match file.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) => std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the folder {}", folder.display())),
        None => Ok(()),
    }
}

/// Syncs the file at `path` to disk; answers its size.
fn sync_file(path: &Path) -> anyhow::Result<u64> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot sync {} to disk", path.display()))?;
    Ok(file.metadata()?.len())
}

/// `<destination>.partial`, removed again unless it is put in place.
struct Partial {
    path: PathBuf,
}

impl Partial {
    fn create(destination: &Path) -> anyhow::Result<(Partial, File)> {
        let path = with_suffix(destination, ".partial");
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => Ok((Partial { path }, file)),
            Err(error) if error.kind() == ErrorKind::AlreadyExists => Err(Refusal::PartialExists {
                partial: path,
                target: destination.to_owned(),
            }
            .into()),
            Err(error) => Err(error).with_context(|| format!("cannot create {}", path.display())),
        }
    }

    /// Puts the file in place as `destination`, never over a file there: a hard link fails
    /// when the name is taken, where a rename would replace it.
    fn place(self, destination: &Path, exists: fn(PathBuf) -> Refusal) -> anyhow::Result<()> {
        match std::fs::hard_link(&self.path, destination) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                return Err(exists(destination.to_owned()).into());
            }
            // A file system without hard links: check, then rename.
            Err(_) => {
                if destination.symlink_metadata().is_ok() {
                    return Err(exists(destination.to_owned()).into());
                }
                std::fs::rename(&self.path, destination).with_context(|| {
                    format!(
                        "cannot rename {} to {}",
                        self.path.display(),
                        destination.display()
                    )
                })?;
            }
        }
        sync_folder_of(destination);
        Ok(())
        // `self` drops here and removes the partial name (after a link, the file lives on).
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Makes a new name in `file`'s folder durable. Best effort: the file itself is synced, and
/// some systems cannot open a folder to sync it.
fn sync_folder_of(file: &Path) {
    #[cfg(unix)]
    if let Some(folder) = file.parent()
        && let Err(error) = File::open(folder).and_then(|f| f.sync_all())
    {
        tracing::warn!(%error, folder = %folder.display(), "cannot sync the folder");
    }
    #[cfg(not(unix))]
    let _ = file;
}

/// Opens a copy this process made (and nobody else writes) for checking: immutable, so no
/// locks and no `-wal`/`-shm` files beside it. Errors name `named`, the file the operator gave.
async fn open_copy(copy: &Path, named: &Path) -> anyhow::Result<SqliteConnection> {
    SqliteConnectOptions::new()
        .filename(copy)
        .read_only(true)
        .immutable(true)
        .connect()
        .await
        .map_err(|error| unreadable(named, &error).into())
}

/// What an error reading a backup says about it: damaged (SQLite found a page that makes no
/// sense, `SQLITE_CORRUPT`), or not an SQLite database at all (`SQLITE_NOTADB`, and anything
/// else that keeps it from being read).
fn unreadable(path: &Path, error: &sqlx::Error) -> Refusal {
    const SQLITE_CORRUPT: i64 = 11;
    let sqlx::Error::Database(error) = error else {
        return Refusal::NotSqlite {
            path: path.to_owned(),
            reason: error.to_string(),
        };
    };
    // Extended result codes keep the primary code in their low byte.
    let code = error.code().and_then(|code| code.parse::<i64>().ok());
    if code.is_some_and(|code| code & 0xff == SQLITE_CORRUPT) {
        Refusal::Damaged {
            path: path.to_owned(),
            findings: error.message().to_owned(),
        }
    } else {
        Refusal::NotSqlite {
            path: path.to_owned(),
            reason: error.message().to_owned(),
        }
    }
}

/// Checks that `db` (a copy of the backup `named`) is an intact Roster database this build
/// can serve; answers how many migrations it has applied.
async fn check_backup(db: &mut SqliteConnection, named: &Path) -> anyhow::Result<u32> {
    let findings: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *db)
        .await
        .map_err(|error| unreadable(named, &error))?;
    if findings != ["ok"] {
        return Err(Refusal::Damaged {
            path: named.to_owned(),
            findings: findings
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
        }
        .into());
    }
    let applied = applied_migrations(db, named).await?;
    if let Some(unfinished) = applied.iter().find(|m| !m.success) {
        return Err(Refusal::UnfinishedMigration {
            path: named.to_owned(),
            version: unfinished.version,
        }
        .into());
    }
    let unknown: Vec<String> = applied
        .iter()
        .filter(|m| !MIGRATOR.version_exists(m.version))
        .map(|m| m.version.to_string())
        .collect();
    if !unknown.is_empty() {
        return Err(Refusal::NewerMigrations {
            path: named.to_owned(),
            versions: unknown.join(", "),
        }
        .into());
    }
    if let Some(changed) = applied.iter().find(|m| {
        MIGRATOR
            .iter()
            .any(|known| known.version == m.version && *known.checksum != *m.checksum)
    }) {
        return Err(Refusal::ChangedMigration {
            path: named.to_owned(),
            version: changed.version,
        }
        .into());
    }
    Ok(count(&applied))
}

/// One row of `_sqlx_migrations`.
struct Applied {
    version: i64,
    success: bool,
    checksum: Vec<u8>,
}

/// The migrations `db` has recorded; refused unless it has the table and a successful one.
async fn applied_migrations(
    db: &mut SqliteConnection,
    named: &Path,
) -> anyhow::Result<Vec<Applied>> {
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *db)
    .await
    .map_err(|error| unreadable(named, &error))?;
    if tables == 0 {
        return Err(Refusal::NotRoster(named.to_owned()).into());
    }
    let rows: Vec<(i64, bool, Vec<u8>)> =
        sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut *db)
            .await
            .with_context(|| {
                format!("cannot read the migrations {} has applied", named.display())
            })?;
    let applied: Vec<Applied> = rows
        .into_iter()
        .map(|(version, success, checksum)| Applied {
            version,
            success,
            checksum,
        })
        .collect();
    if count(&applied) == 0 {
        return Err(Refusal::NotRoster(named.to_owned()).into());
    }
    Ok(applied)
}

fn count(applied: &[Applied]) -> u32 {
    u32::try_from(applied.iter().filter(|m| m.success).count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    use sqlx::Executor as _;

    fn refusal(error: &anyhow::Error) -> &Refusal {
        error
            .downcast_ref::<Refusal>()
            .unwrap_or_else(|| panic!("not a refusal: {error:#}"))
    }

    /// A Roster database (every migration of this build) at `path`, and a connection to it
    /// that keeps it open in WAL mode like a running server, with automatic checkpoints off so
    /// what it writes stays in the WAL.
    async fn roster_database(path: &Path) -> SqliteConnection {
        let mut db = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        db.execute("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0")
            .await
            .unwrap();
        MIGRATOR.run(&mut db).await.unwrap();
        db
    }

    fn url(path: &Path) -> String {
        format!("sqlite://{}", path.display())
    }

    fn files_in(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_file_is_read_from_the_url_as_the_server_reads_it() {
        let file = |url: &str| sqlite_file(url, Refusal::PostgresBackup).unwrap();
        assert_eq!(file("sqlite://data/roster.db"), Path::new("data/roster.db"));
        assert_eq!(file("sqlite:///tmp/r.db?mode=rwc"), Path::new("/tmp/r.db"));
        assert_eq!(file("sqlite:r.db"), Path::new("r.db"));
        assert_eq!(file("sqlite://a%20b.db"), Path::new("a b.db"));
    }

    #[test]
    fn postgres_other_engines_and_memory_are_refused() {
        let error = sqlite_file("postgres://u@h/db", Refusal::PostgresBackup).unwrap_err();
        assert!(error.to_string().contains("pg_dump -Fc"), "{error}");
        let error = sqlite_file("postgresql://u@h/db", Refusal::PostgresRestore).unwrap_err();
        assert!(error.to_string().contains("pg_restore"), "{error}");
        let error = sqlite_file("mysql://u@h/db", Refusal::PostgresBackup).unwrap_err();
        assert!(matches!(refusal(&error), Refusal::NotSqliteUrl(s) if s == "mysql"));
        for url in [
            "sqlite::memory:",
            "sqlite://?mode=memory",
            "sqlite://x.db?mode=memory",
        ] {
            let error = sqlite_file(url, Refusal::PostgresBackup).unwrap_err();
            assert!(matches!(refusal(&error), Refusal::InMemory), "{url}");
        }
    }

    #[test]
    fn suffixes_go_after_the_whole_file_name() {
        assert_eq!(
            with_suffix(Path::new("/d/roster.db"), "-wal"),
            Path::new("/d/roster.db-wal")
        );
        assert_eq!(
            with_suffix(Path::new("b.db"), ".partial"),
            Path::new("b.db.partial")
        );
    }

    #[tokio::test]
    async fn a_backup_holds_what_is_still_in_the_wal_and_restores() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.db");
        let mut server = roster_database(&live).await;
        server
            .execute("CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (1), (2), (3)")
            .await
            .unwrap();
        assert!(
            std::fs::metadata(with_suffix(&live, "-wal")).unwrap().len() > 0,
            "the rows are in the WAL, not yet in the file"
        );

        let to = dir.path().join("backups/first.db");
        let report = backup(&url(&live), &to).await.unwrap();
        assert_eq!(report.bytes, std::fs::metadata(&to).unwrap().len());
        let known = u32::try_from(MIGRATOR.iter().count()).unwrap();
        assert_eq!(report.migrations, known);
        assert!(!with_suffix(&to, ".partial").exists());

        let restored = dir.path().join("new/roster.db");
        let report = restore(&to, &url(&restored)).await.unwrap();
        assert_eq!(report.migrations, known);
        assert_eq!(report.bytes, std::fs::metadata(&to).unwrap().len());
        assert_eq!(files_in(&dir.path().join("new")), ["roster.db"]);
        let mut db = open_copy(&restored, &restored).await.unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM extra")
            .fetch_one(&mut db)
            .await
            .unwrap();
        assert_eq!(rows, 3);
        server.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_backup_refuses_a_missing_database_and_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nothing.db");
        let error = backup(&url(&missing), &dir.path().join("b.db"))
            .await
            .unwrap_err();
        assert!(matches!(refusal(&error), Refusal::NoDatabase(_)), "{error}");
        assert_eq!(
            files_in(dir.path()),
            Vec::<String>::new(),
            "nothing created"
        );

        let live = dir.path().join("live.db");
        roster_database(&live).await.close().await.unwrap();
        let taken = dir.path().join("taken.db");
        std::fs::write(&taken, b"keep me").unwrap();
        let error = backup(&url(&live), &taken).await.unwrap_err();
        assert!(
            matches!(refusal(&error), Refusal::BackupExists(_)),
            "{error}"
        );
        assert_eq!(std::fs::read(&taken).unwrap(), b"keep me");

        let busy = dir.path().join("busy.db");
        std::fs::write(with_suffix(&busy, ".partial"), b"another backup's").unwrap();
        let error = backup(&url(&live), &busy).await.unwrap_err();
        assert!(
            matches!(refusal(&error), Refusal::PartialExists { .. }),
            "{error}"
        );
        assert!(!busy.exists());
        assert_eq!(
            std::fs::read(with_suffix(&busy, ".partial")).unwrap(),
            b"another backup's",
            "left alone"
        );

        let plain = dir.path().join("plain.db");
        let mut other = SqliteConnectOptions::new()
            .filename(&plain)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        other.execute("CREATE TABLE notes (x TEXT)").await.unwrap();
        other.close().await.unwrap();
        let to = dir.path().join("plain-backup.db");
        let error = backup(&url(&plain), &to).await.unwrap_err();
        assert!(matches!(refusal(&error), Refusal::NotRoster(_)), "{error}");
        assert!(!to.exists() && !with_suffix(&to, ".partial").exists());
    }

    #[tokio::test]
    async fn a_restore_refuses_a_used_location_and_migrations_it_does_not_know() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.db");
        roster_database(&live).await.close().await.unwrap();
        let good = dir.path().join("good.db");
        backup(&url(&live), &good).await.unwrap();
        assert_eq!(
            files_in(dir.path()),
            ["good.db", "live.db"],
            "a stopped server's folder is left as it was"
        );

        for leftover in ["roster.db-wal", "roster.db-shm", "roster.db-journal"] {
            let folder = dir.path().join(format!("used-{leftover}"));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join(leftover), b"").unwrap();
            let error = restore(&good, &url(&folder.join("roster.db")))
                .await
                .unwrap_err();
            assert!(
                matches!(refusal(&error), Refusal::TargetExists(p) if p.ends_with(leftover)),
                "{error}"
            );
            assert_eq!(files_in(&folder), [leftover]);
        }

        let newer = dir.path().join("newer.db");
        std::fs::copy(&good, &newer).unwrap();
        let mut db = SqliteConnectOptions::new()
            .filename(&newer)
            .connect()
            .await
            .unwrap();
        db.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
             execution_time) VALUES (99999, 'from the future', TRUE, x'00', 1)",
        )
        .await
        .unwrap();
        db.close().await.unwrap();
        let target = dir.path().join("fresh/roster.db");
        let error = restore(&newer, &url(&target)).await.unwrap_err();
        assert!(
            matches!(refusal(&error), Refusal::NewerMigrations { versions, .. } if versions == "99999"),
            "{error}"
        );
        assert_eq!(files_in(&dir.path().join("fresh")), Vec::<String>::new());

        let unfinished = dir.path().join("unfinished.db");
        std::fs::copy(&good, &unfinished).unwrap();
        let mut db = SqliteConnectOptions::new()
            .filename(&unfinished)
            .connect()
            .await
            .unwrap();
        db.execute("UPDATE _sqlx_migrations SET success = FALSE WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
            .await
            .unwrap();
        db.close().await.unwrap();
        let error = restore(&unfinished, &url(&target)).await.unwrap_err();
        assert!(
            matches!(refusal(&error), Refusal::UnfinishedMigration { .. }),
            "{error}"
        );

        let error = restore(&dir.path().join("absent.db"), &url(&target))
            .await
            .unwrap_err();
        assert!(matches!(refusal(&error), Refusal::NoBackup(_)), "{error}");

        restore(&good, &url(&target)).await.unwrap();
        let error = restore(&good, &url(&target)).await.unwrap_err();
        assert!(
            matches!(refusal(&error), Refusal::TargetExists(_)),
            "{error}"
        );
    }
}
