//! The development mailbox, as a developer trying Roster sees it.

use roster_tests::browser::Browser;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_email_shows_up_in_the_development_mailbox() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    app.set_up().await;
    let browser = Browser::launch().await;
    browser
        .submit_sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    browser.wait_for_text("h1", "Users").await;

    browser.open(&app.url("/dev/mailbox")).await;
    browser.text_of("[data-test=mailbox-empty]").await;
    browser.click(".actions button").await;
    browser.wait_for_count("[data-test=mail-item]", 1).await;
    browser.click("[data-test=mail-item]").await;
    browser
        .wait_for_text("[data-test=mail-subject]", "Roster test email")
        .await;
    // The HTML part is in a frame; its text proves it rendered.
    browser.wait_for_count("iframe.mail-frame", 1).await;
    browser.click(".mail-view .tabs button:nth-child(2)").await;
    let text = browser.text_of("[data-test=mail-text]").await;
    assert!(text.contains("Email delivery works"), "{text}");
    browser.close().await;
    app.stop().await;
}

/// The invitation email fits a phone's width: its long link breaks instead of pushing the card
/// past the edge of the screen (and so out of view in mail clients).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invitation_email_fits_a_phone() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    app.invite(
        acme,
        &["ana@example.com"],
        &[(roster_shared::role::Role::Basic, &[acme])],
    )
    .await;
    // Waits until the worker delivered it.
    let _ = app.invitation_token("ana@example.com").await;
    let list: Vec<roster_shared::api::DevMailSummary> = app.api.get_ok("/api/v1/dev/mailbox").await;
    let id = list
        .iter()
        .find(|m| m.to == "ana@example.com")
        .expect("the invitation")
        .id;
    let browser = Browser::launch().await;
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({ "width": 360, "height": 800, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await;
    browser
        .open(&app.url(&format!("/api/v1/dev/mailbox/{id}/html")))
        .await;
    browser.text_of("table").await;
    let overflow = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .expect("the page's width")
        .as_i64()
        .expect("a number");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    browser
        .screenshot(&dir.join("invitation-email-phone.png"))
        .await;
    assert!(
        overflow <= 0,
        "the email is {overflow} px wider than the phone"
    );
    browser.close().await;
    app.stop().await;
}
