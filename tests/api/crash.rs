//! Crash safety: a server process killed with SIGKILL in the middle of a 1,000-address
//! invitation, or of a seat purchase, leaves either all of it or none of it, an intact
//! database, and an outbox that still delivers after a restart.

use std::time::Duration;

use roster_shared::api::{DevMailSummary, SeatOverview};
use roster_shared::seats::SeatQuote;
use roster_tests::app::TestDatabase;
use roster_tests::process::{ChildOptions, ServerProcess};
use roster_tests::{ApiClient, Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, settled};
use serde_json::json;
use sqlx::Row as _;

engines!(
    a_killed_invitation_of_a_thousand_is_all_or_nothing,
    a_killed_seat_purchase_is_all_or_nothing
);

/// Kills after these delays, so the kill lands before, during and after the transaction.
const KILL_AFTER_MS: [u64; 5] = [5, 60, 250, 900, 6000];

async fn integrity(database: &TestDatabase) {
    let pool = database.pool().await;
    if database.engine == Engine::Sqlite {
        let result: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(result, "ok");
        let foreign: Vec<sqlx::any::AnyRow> = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert!(foreign.is_empty(), "foreign keys broken");
    }
    pool.close().await;
}

async fn prepared(engine: Engine) -> (TestDatabase, i64) {
    let mut app = TestApp::spawn(engine).await;
    let acme = app.set_up().await.last_account.unwrap();
    app.set_extra_seats(acme, 10_000).await;
    (app.stop_server().await, acme.0)
}

async fn a_killed_invitation_of_a_thousand_is_all_or_nothing(engine: Engine) {
    let (database, acme) = prepared(engine).await;
    let mut survived = 0;
    for (round, delay) in KILL_AFTER_MS.into_iter().enumerate() {
        let child = ServerProcess::start(&database.url, &ChildOptions::default()).await;
        let owner = ApiClient::new(&child.address);
        owner.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
        let emails: Vec<String> = (0..1000)
            .map(|i| format!("r{round}p{i}@example.com"))
            .collect();
        let body = json!({ "emails": emails, "grants": [{ "role": "basic", "accounts": [acme] }] });
        // The connection dies with the server: the answer is an error, which is the point.
        let request = tokio::spawn(async move {
            owner
                .request(
                    reqwest::Method::POST,
                    &format!("/api/v1/accounts/{acme}/invitations"),
                )
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
        tokio::time::sleep(Duration::from_millis(delay)).await;
        child.kill().await;
        let _ = request.await;

        integrity(&database).await;
        let pool = database.pool().await;
        let invited: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM invitations WHERE email LIKE 'r{round}p%'"
        ))
        .fetch_one(&pool)
        .await
        .unwrap();
        let members: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM tree_members WHERE email_key LIKE 'r{round}p%'"
        ))
        .fetch_one(&pool)
        .await
        .unwrap();
        let queued: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM outbox WHERE recipient LIKE 'r{round}p%'"
        ))
        .fetch_one(&pool)
        .await
        .unwrap();
        pool.close().await;
        assert!(
            invited == 0 || invited == 1000,
            "round {round} (kill after {delay} ms): {invited} invitations"
        );
        assert_eq!(
            (members, queued),
            (invited, invited),
            "round {round}: people, invitations and mails go together"
        );
        survived += 1;
    }
    // After the crashes, a normal server delivers what was committed.
    let app = TestApp::spawn_on(database, |s| s.mail_poll_every = Duration::from_millis(100)).await;
    app.api.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let pool = app.db().await;
    let committed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    // Delivering a thousand mails takes a while; that the outbox flows again is what counts.
    let enough = committed.min(40);
    let delivered = settled(
        Duration::from_secs(60),
        || async {
            sqlx::query("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>(0)
        },
        |delivered| *delivered >= enough,
    )
    .await;
    assert!(
        delivered >= enough,
        "the outbox delivers after the crashes ({delivered} of {committed})"
    );
    assert!(
        committed > 0,
        "at least one round committed before its kill"
    );
    let mailbox: Vec<DevMailSummary> = app.api.get_ok("/api/v1/dev/mailbox").await;
    assert!(committed == 0 || !mailbox.is_empty());
    eprintln!(
        "crash runs survived (invitation of 1,000): {survived}; committed mails delivered: {delivered}"
    );
    pool.close().await;
    app.stop().await;
}

async fn a_killed_seat_purchase_is_all_or_nothing(engine: Engine) {
    let (database, acme) = prepared(engine).await;
    let mut survived = 0;
    for (round, delay) in KILL_AFTER_MS.into_iter().enumerate() {
        let child = ServerProcess::start(&database.url, &ChildOptions::default()).await;
        let owner = ApiClient::new(&child.address);
        owner.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
        let quote: SeatQuote = owner
            .get_ok(&format!("/api/v1/accounts/{acme}/seats/quote?quantity=7"))
            .await;
        let before: SeatOverview = owner
            .get_ok(&format!("/api/v1/accounts/{acme}/seats"))
            .await;
        let body = json!({ "quantity": 7, "expected_total_minor": quote.total.minor });
        let request = tokio::spawn(async move {
            owner
                .request(
                    reqwest::Method::POST,
                    &format!("/api/v1/accounts/{acme}/seats/purchases"),
                )
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
        tokio::time::sleep(Duration::from_millis(delay / 10)).await;
        child.kill().await;
        let _ = request.await;

        integrity(&database).await;
        let pool = database.pool().await;
        let extra: i64 = sqlx::query_scalar(&format!(
            "SELECT extra_seats FROM accounts WHERE id = {acme}"
        ))
        .fetch_one(&pool)
        .await
        .unwrap();
        let ledger: i64 = sqlx::query_scalar(&format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN kind = 'purchase' THEN quantity ELSE -quantity END), 0) AS BIGINT) FROM seat_ledger WHERE root_id = {acme}"
        ))
        .fetch_one(&pool)
        .await
        .unwrap();
        pool.close().await;
        let bought = extra - i64::from(before.seats.extra);
        assert!(bought == 0 || bought == 7, "round {round}: {bought} seats");
        assert_eq!(
            extra - 10_000,
            ledger,
            "round {round}: the ledger and the seats agree"
        );
        survived += 1;
    }
    eprintln!("crash runs survived (seat purchase): {survived}");
    database.remove().await;
}
