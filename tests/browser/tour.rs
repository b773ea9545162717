//! Not a check: a walk through every screen that saves a screenshot of each into
//! `target/screenshots/`, for people to look at (`make screenshots`).

use std::path::PathBuf;

use roster_tests::browser::Browser;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp};

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes screenshots; run with `make screenshots`"]
async fn screenshots() {
    let dir = shots();
    let app = TestApp::spawn(Engine::Sqlite).await;
    let browser = Browser::launch().await;
    let shot = |name: &str| dir.join(format!("{name}.png"));

    browser.open(app.setup_link.as_deref().unwrap()).await;
    browser.text_of("#account-name").await;
    browser.screenshot(&shot("01-setup")).await;
    browser.fill("#account-name", "Acme").await;
    browser.fill("#owner-name", "Olivia Owner").await;
    browser.fill("#owner-email", OWNER_EMAIL).await;
    browser.fill("#owner-password", OWNER_PASSWORD).await;
    browser.click("[data-test=setup-submit]").await;
    browser.wait_for_text("h1", "Welcome, Olivia").await;
    browser.screenshot(&shot("02-home")).await;
    browser.click("[data-test=user-menu]").await;
    browser.screenshot(&shot("03-user-menu")).await;
    browser.open(&app.url("/security")).await;
    browser.text_of("[data-test=security-name]").await;
    browser.screenshot(&shot("04-security")).await;
    browser.click("[data-test=update-name]").await;
    browser.text_of("#new-name").await;
    browser.screenshot(&shot("05-update-name")).await;
    browser.open(&app.url("/security")).await;
    browser.click("[data-test=totp-start]").await;
    browser.text_of("[data-test=totp-secret]").await;
    browser.screenshot(&shot("06-totp-enrol")).await;
    browser.open(&app.url("/profile/devices")).await;
    browser.text_of("[data-test=device]").await;
    browser.screenshot(&shot("07-devices")).await;
    browser.open(&app.url("/dev/mailbox")).await;
    browser.click(".actions button").await;
    browser.wait_for_count("[data-test=mail-item]", 1).await;
    browser.click("[data-test=mail-item]").await;
    browser.text_of("[data-test=mail-subject]").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    browser.screenshot(&shot("09-dev-mailbox")).await;
    browser.click("[data-test=user-menu]").await;
    browser.click("[data-test=sign-out]").await;
    browser.wait_for_text("h1", "Sign in to Roster").await;
    browser.screenshot(&shot("08-sign-in")).await;

    browser.close().await;
    app.stop().await;
}
