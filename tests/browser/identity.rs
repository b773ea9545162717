//! A person sets Roster up, signs out and in, renames themself, and signs out another browser.

use roster_tests::browser::Browser;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_sign_in_rename_and_devices() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let browser = Browser::launch().await;

    // First-run setup from the printed link.
    browser.open(app.setup_link.as_deref().unwrap()).await;
    browser.fill("#account-name", "Acme").await;
    browser.click("label[for=plan-business]").await;
    browser.fill("#owner-name", "Olivia Owner").await;
    browser.fill("#owner-email", "olivia@acme").await;
    browser.fill("#owner-password", OWNER_PASSWORD).await;
    browser.click("[data-test=setup-submit]").await;
    // The typo is explained in place, before anything is sent.
    assert_eq!(
        browser.text_of("#owner-email-error").await,
        "Domain has no dot"
    );
    browser.fill("#owner-email", OWNER_EMAIL).await;
    browser.click("[data-test=setup-submit]").await;
    browser.wait_for_text("h1", "Users").await;
    assert_eq!(
        browser.text_of("[data-test=header-name]").await,
        "Olivia Owner"
    );

    // Sign out, then back in.
    browser.click("[data-test=user-menu]").await;
    browser.click("[data-test=sign-out]").await;
    browser.wait_for_text("h1", "Sign in to Roster").await;
    browser.fill("#email", OWNER_EMAIL).await;
    browser.fill("#password", "not my password").await;
    browser.click("[data-test=sign-in-submit]").await;
    assert_eq!(
        browser.text_of("[data-test=sign-in-error]").await,
        "The email address or password is not right."
    );
    browser.fill("#password", OWNER_PASSWORD).await;
    browser.click("[data-test=sign-in-submit]").await;
    browser.wait_for_text("h1", "Users").await;

    // Rename on Sign-in & Security; the header follows.
    browser.open(&app.url("/security")).await;
    browser.click("[data-test=update-name]").await;
    browser.fill("#new-name", "Olivia Ortega").await;
    browser.click("[data-test=save-name]").await;
    browser
        .wait_for_text("[data-test=header-name]", "Olivia Ortega")
        .await;
    browser
        .wait_for_text("[data-test=security-name]", "Olivia Ortega")
        .await;

    // A second browser signs in…
    let second = Browser::launch().await;
    second
        .submit_sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    second.wait_for_text("h1", "Users").await;

    // …and the first signs it out from Connected devices.
    browser.open(&app.url("/profile/devices")).await;
    browser.wait_for_count("[data-test=device]", 2).await;
    browser
        .click("[data-test=device][data-current=false] button")
        .await;
    browser.wait_for_count("[data-test=device]", 1).await;

    // The second browser's next visit shows the sign-in page.
    second.open(&app.url("/profile")).await;
    second.wait_for_text("h1", "Sign in to Roster").await;
    second.wait_for_path("/sign-in").await;

    second.close().await;
    browser.close().await;
    app.stop().await;
}
