//! Email through a real SMTP server on loopback: both parts and the headers, retries while
//! the server is down, a visible failure, delivery after a crash; and the development mailbox.

use std::time::Duration;

use roster_shared::api::{DevMail, DevMailSummary, TestMailQueued};
use roster_tests::process::{ChildOptions, ServerProcess};
use roster_tests::settled;
use roster_tests::smtp::{SmtpSink, free_port};
use roster_tests::{
    ApiClient, Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, expect_error, expect_json,
};
use sqlx::Row as _;

/// How long the mail worker gets to do what a test waits for.
const WAIT: Duration = Duration::from_secs(10);

engines!(
    mail_is_delivered_over_smtp_with_both_parts,
    a_down_smtp_server_means_retries_then_delivery,
    after_the_last_attempt_the_failure_is_recorded,
    mail_committed_before_a_crash_is_delivered_after_restart,
    the_development_mailbox_shows_delivered_mail,
    every_invitation_of_a_large_batch_gets_its_own_link,
);

/// `(status, attempts, last_error)` of the newest outbox row.
async fn newest_outbox_row(app: &TestApp) -> (String, i64, Option<String>) {
    let pool = app.db().await;
    let row =
        sqlx::query("SELECT status, attempts, last_error FROM outbox ORDER BY id DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .expect("an outbox row");
    let result = (row.get(0), row.get(1), row.get(2));
    pool.close().await;
    result
}

async fn mail_is_delivered_over_smtp_with_both_parts(engine: Engine) {
    let smtp = SmtpSink::start(free_port()).await;
    let port = smtp.port;
    let app = TestApp::spawn_with(engine, |s| {
        s.smtp_url = Some(format!("smtp://roster:secret@127.0.0.1:{port}"));
        s.mail_from = Some("Acme Roster <roster@acme.example>".into());
    })
    .await;
    app.set_up().await;

    let queued: TestMailQueued =
        expect_json(app.api.post_empty("/api/v1/mail/test").await, 202).await;
    assert_eq!(queued.to.as_str(), OWNER_EMAIL);
    assert!(queued.transport.starts_with("SMTP"), "{}", queued.transport);
    assert!(
        !queued.transport.contains("secret"),
        "credentials must not be shown"
    );

    let received = smtp.wait_for(1).await;
    let mail = &received[0];
    assert!(
        mail.authenticated,
        "lettre authenticated with the URL's credentials"
    );
    assert_eq!(mail.envelope_to, [OWNER_EMAIL]);
    assert_eq!(mail.from, "Acme Roster <roster@acme.example>");
    assert_eq!(mail.to, OWNER_EMAIL);
    assert_eq!(mail.subject, "Roster test email");
    assert!(mail.message_id.starts_with('<') && mail.message_id.ends_with("@roster>"));
    assert_eq!(mail.content_type, "multipart/alternative");
    assert!(mail.part("text/plain").contains("Hello Olivia Owner"));
    assert!(
        mail.part("text/html")
            .contains("<p style=\"margin:0 0 14px\">Hello Olivia Owner,</p>")
    );
    // Recorded as sent.
    let row = settled(WAIT, || newest_outbox_row(&app), |row| row.0 == "sent").await;
    assert_eq!(row.0, "sent");
    // The development mailbox is off when SMTP is configured.
    expect_error(app.api.get("/api/v1/dev/mailbox").await, 404, "not_found").await;
    smtp.stop().await;
    app.stop().await;
}

async fn a_down_smtp_server_means_retries_then_delivery(engine: Engine) {
    let port = free_port();
    let app = TestApp::spawn_with(engine, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.mail_retry_base = Duration::from_millis(300);
        s.mail_poll_every = Duration::from_millis(100);
        s.mail_max_attempts = 50;
    })
    .await;
    app.set_up().await;
    assert_eq!(app.api.post_empty("/api/v1/mail/test").await.status(), 202);

    // Nothing listens: attempts fail, each recorded with its reason, and it stays queued.
    let row = settled(WAIT, || newest_outbox_row(&app), |row| row.1 >= 2).await;
    let (status, attempts, error) = row;
    assert_eq!(status, "pending");
    assert!(attempts >= 2, "{attempts} attempts");
    assert!(
        error.as_deref().unwrap_or_default().contains("SMTP"),
        "{error:?}"
    );

    // The server comes back: the next retry delivers.
    let smtp = SmtpSink::start(port).await;
    let received = smtp.wait_for(1).await;
    assert_eq!(received[0].subject, "Roster test email");
    let (status, _, error) = settled(WAIT, || newest_outbox_row(&app), |row| row.0 == "sent").await;
    assert_eq!(status, "sent");
    assert_eq!(error, None);
    smtp.stop().await;
    app.stop().await;
}

async fn after_the_last_attempt_the_failure_is_recorded(engine: Engine) {
    let port = free_port();
    let app = TestApp::spawn_with(engine, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.mail_retry_base = Duration::from_millis(100);
        s.mail_poll_every = Duration::from_millis(50);
        s.mail_max_attempts = 3;
    })
    .await;
    app.set_up().await;
    assert_eq!(app.api.post_empty("/api/v1/mail/test").await.status(), 202);
    let row = settled(WAIT, || newest_outbox_row(&app), |row| row.0 == "failed").await;
    assert_eq!(row.0, "failed");
    assert_eq!(row.1, 3);
    assert!(row.2.is_some());
    app.stop().await;
}

async fn mail_committed_before_a_crash_is_delivered_after_restart(engine: Engine) {
    let mut app = TestApp::spawn(engine).await;
    app.set_up().await;
    let database = app.stop_server().await;

    // An SMTP port that accepts connections but never greets: a delivery can start, never end.
    let port = free_port();
    let black_hole = std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port");
    let child = ServerProcess::start(
        &database.url,
        &ChildOptions {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            mail_lease_ms: Some(1_000),
            ..ChildOptions::default()
        },
    )
    .await;
    let owner = ApiClient::new(&child.address);
    owner.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(owner.post_empty("/api/v1/mail/test").await.status(), 202);
    // SIGKILL after the commit, while the delivery hangs.
    child.kill().await;
    drop(black_hole);

    let smtp = SmtpSink::start(port).await;
    let app = TestApp::spawn_on(database, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.mail_poll_every = Duration::from_millis(100);
    })
    .await;
    let received = smtp.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].subject, "Roster test email");
    smtp.stop().await;
    app.stop().await;
}

async fn the_development_mailbox_shows_delivered_mail(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let queued: TestMailQueued =
        expect_json(app.api.post_empty("/api/v1/mail/test").await, 202).await;
    assert!(queued.transport.contains("development mailbox"));

    let list = settled(
        WAIT,
        || app.api.get_ok("/api/v1/dev/mailbox"),
        |list: &Vec<DevMailSummary>| !list.is_empty(),
    )
    .await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].to, OWNER_EMAIL);
    let mail: DevMail = app
        .api
        .get_ok(&format!("/api/v1/dev/mailbox/{}", list[0].id))
        .await;
    assert!(mail.text.contains("Email delivery works"));
    let html = app
        .api
        .get(&format!("/api/v1/dev/mailbox/{}/html", list[0].id))
        .await;
    assert_eq!(html.headers()["content-type"], "text/html; charset=utf-8");
    let csp = html.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script"),
        "{csp}"
    );
    assert!(html.text().await.unwrap().contains("Email delivery works"));
    expect_error(
        app.api.get("/api/v1/dev/mailbox/999999").await,
        404,
        "not_found",
    )
    .await;

    assert_eq!(app.api.delete("/api/v1/dev/mailbox").await.status(), 204);
    let list: Vec<DevMailSummary> = app.api.get_ok("/api/v1/dev/mailbox").await;
    assert!(list.is_empty());
    app.stop().await;

    // Only readable from the machine itself.
    let app = TestApp::spawn_with(engine, |s| {
        s.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    let response = app
        .api
        .request(reqwest::Method::GET, "/api/v1/dev/mailbox")
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "dev_mailbox_local_only").await;
    app.stop().await;
}

/// More invitations than the worker takes at once (it claims 20): the links of a batch are
/// stored together and the development mailbox copies are stored with their "sent" marks, so
/// each mail must still carry the link of its own recipient, once.
async fn every_invitation_of_a_large_batch_gets_its_own_link(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    app.set_extra_seats(acme, 100).await;
    let emails: Vec<String> = (0..45).map(|i| format!("batch{i}@example.com")).collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    let invited = app
        .invite(acme, &refs, &[(roster_shared::role::Role::Basic, &[acme])])
        .await;
    assert_eq!(invited.invited.len(), 45);

    let list = settled(
        WAIT,
        || app.api.get_ok("/api/v1/dev/mailbox"),
        |list: &Vec<DevMailSummary>| list.len() >= 45,
    )
    .await;
    assert_eq!(list.len(), 45, "each invitation mailed once");
    let mut recipients: Vec<String> = list.iter().map(|m| m.to.clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 45, "no address mailed twice");
    for summary in &list {
        let mail: DevMail = app
            .api
            .get_ok(&format!("/api/v1/dev/mailbox/{}", summary.id))
            .await;
        let token = roster_tests::team::link_token_in(&mail.text);
        let view: roster_shared::api::InvitationView = expect_json(
            app.new_client()
                .post(
                    "/api/v1/invitations/inspect",
                    &serde_json::json!({ "token": token }),
                )
                .await,
            200,
        )
        .await;
        assert_eq!(
            view.email.as_str(),
            summary.to,
            "the link opens its own invitation"
        );
    }
    let pool = app.db().await;
    let unsent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(unsent, 0, "every outbox row is marked sent");
    app.stop().await;
}
