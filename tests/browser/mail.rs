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
