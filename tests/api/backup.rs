//! `roster backup` and `roster restore` on SQLite (PostgreSQL has `pg_dump -Fc` and
//! `pg_restore`): a backup taken while invitations are being written is a consistent snapshot
//! that holds every invitation acknowledged before it began and serves again once restored;
//! a restore never overwrites a database, and takes only an intact Roster database.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use roster_backend::backup::{backup, restore};
use roster_shared::account::AccountId;
use roster_shared::api::{InviteResult, PeoplePage};
use roster_shared::role::Role;
use roster_tests::app::TestDatabase;
use roster_tests::{ApiClient, Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, eventually};
use serde_json::json;
use sqlx::{ConnectOptions as _, Connection as _, Executor as _};

/// People invited before the writers start, so the copy has some size to it (a few MB) and
/// takes long enough for the writers to be acknowledged while it runs.
const INVITED_BEFORE: usize = 4000;
/// Tasks inviting one address per request, side by side, during the backup.
const WRITERS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_invitations_are_written_restores_with_every_acknowledged_invitation()
{
    // Arrange: an organisation with thousands of invitations, and writers inviting more.
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    app.set_extra_seats(acme, 1_000_000).await;
    let before: Vec<String> = (0..INVITED_BEFORE)
        .map(|i| format!("before{i}@example.com"))
        .collect();
    for batch in before.chunks(1000) {
        let emails: Vec<&str> = batch.iter().map(String::as_str).collect();
        let result = app.invite(acme, &emails, &[(Role::Basic, &[acme])]).await;
        assert_eq!(result.invited.len(), batch.len());
    }
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (api, acknowledged, stop) = (app.api.clone(), acknowledged.clone(), stop.clone());
            tokio::spawn(keep_inviting(api, acme, writer, acknowledged, stop))
        })
        .collect();
    let acknowledged_count = || acknowledged.lock().unwrap().len();
    eventually(
        "the writers' first invitations",
        Duration::from_secs(30),
        || {
            let enough = acknowledged_count() >= 20;
            async move { enough.then_some(()) }
        },
    )
    .await;

    // Act: back up while the writers keep going.
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join("backups/roster-backup.db");
    let before_backup: Vec<String> = acknowledged.lock().unwrap().clone();
    let started = Instant::now();
    let report = backup(app.database_url(), &copy)
        .await
        .unwrap_or_else(|e| panic!("the backup: {e:#}"));
    let took = started.elapsed();
    let during = acknowledged_count() - before_backup.len();
    stop.store(true, Ordering::Release);
    for writer in writers {
        writer.await.expect("a writer task");
    }

    // Assert: the writers wrote while the copy was made, and it is a complete file.
    assert!(
        during > 0,
        "no invitation was acknowledged during the backup ({took:?}): it did not run beside \
         the writers"
    );
    println!(
        "backup: {} bytes in {took:?}, {during} invitations acknowledged meanwhile",
        report.bytes
    );
    assert_eq!(report.bytes, std::fs::metadata(&copy).unwrap().len());
    assert!(report.migrations > 0);
    assert!(
        !folder
            .path()
            .join("backups/roster-backup.db.partial")
            .exists()
    );

    // Act: restore it where there is no database yet.
    let target = TestDatabase::new(Engine::Sqlite).await;
    let restored = restore(&copy, &target.url)
        .await
        .unwrap_or_else(|e| panic!("the restore: {e:#}"));
    assert_eq!(restored.migrations, report.migrations);
    assert_eq!(restored.bytes, report.bytes);

    // Assert: the restored file is intact, a snapshot of whole transactions, and holds every
    // invitation acknowledged before the backup began.
    let pool = target.pool().await;
    let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(check, ["ok"]);
    let broken: Vec<sqlx::any::AnyRow> = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        broken.is_empty(),
        "foreign keys broken in the restored file"
    );
    let halves: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM invitations i WHERE \
         NOT EXISTS (SELECT 1 FROM invitation_grants g WHERE g.invitation_id = i.id) \
         OR NOT EXISTS (SELECT 1 FROM tree_members m \
                        WHERE m.root_id = i.root_id AND m.user_id = i.user_id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(halves, 0, "invitations without their grant or member row");
    let invited: HashSet<String> = sqlx::query_scalar("SELECT email FROM invitations")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    pool.close().await;
    let expected: Vec<&String> = before.iter().chain(&before_backup).collect();
    let missing: Vec<&&String> = expected.iter().filter(|e| !invited.contains(**e)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged invitations are not in the backup, e.g. {:?}",
        missing.len(),
        missing.iter().take(5).collect::<Vec<_>>()
    );

    // Assert: a server on the restored file lists them.
    let second = TestApp::spawn_on(target, |_| {}).await;
    let owner = second.new_client();
    owner.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let listed = everyone_listed(&owner, acme).await;
    let unlisted: Vec<&&String> = expected.iter().filter(|e| !listed.contains(**e)).collect();
    assert!(
        unlisted.is_empty(),
        "{} invited people are not listed by the restored server, e.g. {:?}",
        unlisted.len(),
        unlisted.iter().take(5).collect::<Vec<_>>()
    );
    second.stop().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_to_overwrite_and_refuses_what_is_not_a_backup() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    app.invite(acme, &["kept@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let folder = tempfile::tempdir().unwrap();
    let good = folder.path().join("good.db");
    backup(app.database_url(), &good).await.unwrap();

    // A backup is written only to a new file.
    let message = refused(backup(app.database_url(), &good).await);
    assert!(
        message.contains("good.db already exists: a backup is only written to a new file"),
        "{message}"
    );

    // The running server's own file: refused, and the server and its data carry on.
    let live = sqlite_file(app.database_url());
    let message = refused(restore(&good, app.database_url()).await);
    assert_eq!(
        message,
        format!(
            "{} already exists: restore only into an empty location; stop the server and \
             move that file away first",
            live.display()
        )
    );
    let still = everyone_listed(&app.api, acme).await;
    assert!(still.contains("kept@example.com"), "{still:?}");
    app.invite(acme, &["after@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let pool = app.db().await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    pool.close().await;
    assert!(!with_suffix(&live, ".partial").exists());

    // Where only a -wal is left (a database was open there): refused too.
    let leftover = folder.path().join("leftover");
    std::fs::create_dir_all(&leftover).unwrap();
    std::fs::write(leftover.join("roster.db-wal"), b"").unwrap();
    let message = refused(restore(&good, &url_of(&leftover.join("roster.db"))).await);
    assert!(
        message.contains("roster.db-wal already exists: restore only into an empty location"),
        "{message}"
    );

    // Not SQLite at all.
    let random = folder.path().join("random.db");
    let noise: Vec<u8> = (0..65_536).map(|_| rand::random::<u8>()).collect();
    std::fs::write(&random, noise).unwrap();
    let target = folder.path().join("fresh/roster.db");
    let message = refused(restore(&random, &url_of(&target)).await);
    assert!(
        message.contains("random.db is not an SQLite database (file is not a database)"),
        "{message}"
    );
    assert_empty(target.parent().unwrap());

    // SQLite, but not Roster's.
    let other = folder.path().join("other.db");
    let mut db = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&other)
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    db.execute("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello')")
        .await
        .unwrap();
    db.close().await.unwrap();
    let message = refused(restore(&other, &url_of(&target)).await);
    assert!(
        message.contains("other.db is an SQLite database but not a Roster one"),
        "{message}"
    );
    assert_empty(target.parent().unwrap());

    // Roster's, but damaged, two ways. Its index invitations_root (of accounts) claims to be
    // of people: the file opens and its migrations read fine, only the integrity check finds
    // that the index disagrees with its table.
    let mismatched = folder.path().join("mismatched.db");
    std::fs::copy(&good, &mismatched).unwrap();
    let mut db = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&mismatched)
        .connect()
        .await
        .unwrap();
    db.execute(
        "PRAGMA writable_schema = ON; UPDATE sqlite_master \
         SET sql = 'CREATE INDEX invitations_root ON invitations (user_id)' \
         WHERE name = 'invitations_root'",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let message = refused(restore(&mismatched, &url_of(&target)).await);
    assert!(
        message.contains("mismatched.db is damaged: SQLite's integrity check found: "),
        "{message}"
    );
    assert!(
        message.contains("missing from index invitations_root"),
        "{message}"
    );
    assert_empty(target.parent().unwrap());
    // And a page overwritten, which the check cannot even read.
    let overwritten = folder.path().join("overwritten.db");
    std::fs::copy(&good, &overwritten).unwrap();
    overwrite_first_page_of(&overwritten, "invitations_root").await;
    let message = refused(restore(&overwritten, &url_of(&target)).await);
    assert_eq!(
        message,
        format!(
            "{} is damaged: SQLite's integrity check found: database disk image is malformed",
            overwritten.display()
        )
    );
    assert_empty(target.parent().unwrap());

    // PostgreSQL has its own tools.
    let postgres = "postgres://roster@127.0.0.1:5432/roster";
    let message = refused(backup(postgres, &folder.path().join("pg.db")).await);
    assert!(message.contains("`pg_dump -Fc`"), "{message}");
    let message = refused(restore(&good, postgres).await);
    assert!(message.contains("`pg_restore`"), "{message}");
    assert!(!folder.path().join("pg.db").exists());

    // And the good backup does restore there.
    restore(&good, &url_of(&target)).await.unwrap();
    app.stop().await;
}

/// Invites `w<writer>-<n>@example.com`, one per request, until `stop`; each address goes into
/// `acknowledged` once its successful answer has arrived.
async fn keep_inviting(
    api: ApiClient,
    acme: AccountId,
    writer: usize,
    acknowledged: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
) {
    let path = format!("/api/v1/accounts/{}/invitations", acme.0);
    for n in 0.. {
        if stop.load(Ordering::Acquire) {
            return;
        }
        let email = format!("w{writer}-{n}@example.com");
        let body =
            json!({ "emails": [email], "grants": [{ "role": "basic", "accounts": [acme] }] });
        let response = api.post(&path, &body).await;
        assert!(
            response.status().is_success(),
            "inviting {email}: {}",
            response.status()
        );
        let result: InviteResult = response.json().await.expect("an invitation's answer");
        assert_eq!(
            result
                .invited
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>(),
            [email.as_str()]
        );
        acknowledged.lock().unwrap().push(email);
    }
}

/// Every address in the Users list of `account`, page by page.
async fn everyone_listed(client: &ApiClient, account: AccountId) -> HashSet<String> {
    let mut listed = HashSet::new();
    let mut cursor = String::new();
    loop {
        let page: PeoplePage = client
            .get_ok(&format!(
                "/api/v1/accounts/{}/people?sort=email&per_page=200{cursor}",
                account.0
            ))
            .await;
        listed.extend(page.people.iter().map(|p| p.email.as_str().to_owned()));
        match page.next {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return listed,
        }
    }
}

/// The message of an error that was expected.
fn refused<T: std::fmt::Debug>(outcome: anyhow::Result<T>) -> String {
    match outcome {
        Ok(done) => panic!("expected a refusal, got {done:?}"),
        Err(error) => format!("{error:#}"),
    }
}

/// Fills the first page of the table or index `name` with bytes no page starts with.
async fn overwrite_first_page_of(file: &Path, name: &str) {
    let mut db = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .connect()
        .await
        .unwrap();
    let page: i64 = sqlx::query_scalar("SELECT rootpage FROM sqlite_master WHERE name = $1")
        .bind(name)
        .fetch_one(&mut db)
        .await
        .unwrap();
    let size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
    let mut bytes = std::fs::read(file).unwrap();
    let start = usize::try_from((page - 1) * size).unwrap();
    let end = start + usize::try_from(size).unwrap();
    bytes[start..end].fill(0xEE);
    std::fs::write(file, bytes).unwrap();
}

fn assert_empty(folder: &Path) {
    let entries: Vec<_> = std::fs::read_dir(folder)
        .map(|entries| entries.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(entries.is_empty(), "left behind: {entries:?}");
}

fn sqlite_file(url: &str) -> PathBuf {
    PathBuf::from(url.trim_start_matches("sqlite://"))
}

fn url_of(file: &Path) -> String {
    format!("sqlite://{}", file.display())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
