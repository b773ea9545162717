//! The sign-in page: where it sends a person afterwards (only ever somewhere in this app),
//! and "Forgot password?": the link in the mailbox, a new password, signing in with it.

use std::path::PathBuf;
use std::time::Duration;

use roster_tests::browser::Browser;
use roster_tests::team::link_token_in;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, settled};

/// Where the screenshots of these screens go, for a person to look at.
fn shot(name: &str) -> PathBuf {
    let dir = PathBuf::from("/tmp/shots-sign-in");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir.join(format!("{name}.png"))
}

/// The token of the newest reset link mailed to `email`, once there are `count` of them.
async fn reset_token(app: &TestApp, email: &str, count: usize) -> String {
    let resets = app
        .mails_to_within(
            email,
            "Choose a new password for Roster",
            count,
            Duration::from_secs(10),
        )
        .await;
    assert!(
        resets.len() >= count,
        "{} reset mails reached {email}",
        resets.len()
    );
    link_token_in(&resets[count - 1].text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_link_never_leads_to_another_site() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    let origin = url::Url::parse(&app.address).unwrap().origin();

    // Signed in already, the page follows `next` at once: `/\host` is `//host` to a browser.
    for next in [
        "/%5Cexample.com",
        "//example.com",
        "/%5C%5Cexample.com",
        "/%09/example.com",
        "/%252F%252Fexample.com",
    ] {
        browser
            .open(&app.url(&format!("/sign-in?next={next}")))
            .await;
        // The app goes on to where it opens after signing in, and stays on its own origin.
        let users = format!("/accounts/{}/users", acme.0);
        let here = settled(
            Duration::from_secs(20),
            || browser.url(),
            |here| here.origin() != origin || here.path() == users,
        )
        .await;
        assert_eq!(here.origin(), origin, "next={next} led to {here}");
        assert_eq!(here.path(), users, "next={next}");
        // And stays there once the list has loaded.
        browser.wait_for_text("h1", "Users").await;
        let here = browser.url().await;
        assert_eq!(here.origin(), origin, "next={next} led to {here}");
    }

    // A path of the app is followed.
    browser.open(&app.url("/sign-in?next=/security")).await;
    browser.wait_for_path("/security").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_replaced_from_the_mailed_link() {
    const NEW_PASSWORD: &str = "a fresh start at last";
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::launch().await;

    // "Forgot password?" takes along the address typed on the sign-in page.
    browser.open(&app.url("/sign-in")).await;
    browser.fill("#email", OWNER_EMAIL).await;
    browser.screenshot(&shot("sign-in")).await;
    browser.click("[data-test=forgot-password]").await;
    browser.wait_for_path("/forgot-password").await;
    browser.wait_for_text("h1", "Forgot your password?").await;
    assert_eq!(browser.value_of("#forgot-email").await, OWNER_EMAIL);
    browser.screenshot(&shot("forgot-password")).await;
    browser.fill("#forgot-email", "olivia@acme").await;
    browser.click("[data-test=forgot-submit]").await;
    assert_eq!(
        browser.text_of("#forgot-email-error").await,
        "Domain has no dot"
    );
    browser.fill("#forgot-email", OWNER_EMAIL).await;
    browser.click("[data-test=forgot-submit]").await;
    let sent = browser.text_of("[data-test=forgot-sent]").await;
    assert!(
        sent.contains(&format!(
            "If an account exists for {OWNER_EMAIL}, we've sent a link"
        )),
        "{sent}"
    );
    browser.screenshot(&shot("forgot-password-sent")).await;

    // A link that is not (or no longer) one says so and offers a new one.
    browser
        .open(&app.url("/reset-password#token=not-a-real-one"))
        .await;
    browser.text_of("[data-test=reset-used]").await;
    browser.screenshot(&shot("reset-password-used")).await;

    // The mailed link: the new password twice, checked as it is sent.
    let token = reset_token(&app, OWNER_EMAIL, 1).await;
    let link = app.url(&format!("/reset-password#token={token}"));
    browser.open(&link).await;
    browser
        .wait_for_text("[data-test=reset-email]", OWNER_EMAIL)
        .await;
    browser.screenshot(&shot("reset-password")).await;
    browser.fill("#reset-password", "short").await;
    browser.fill("#reset-password-again", "short").await;
    browser.click("[data-test=reset-submit]").await;
    assert_eq!(
        browser.text_of("#reset-password-error").await,
        "Use at least 10 characters"
    );
    browser.fill("#reset-password", NEW_PASSWORD).await;
    browser
        .fill("#reset-password-again", "not the same one at all")
        .await;
    browser.click("[data-test=reset-submit]").await;
    assert_eq!(
        browser.text_of("#reset-password-again-error").await,
        "The two passwords differ"
    );
    browser.screenshot(&shot("reset-password-errors")).await;
    browser.fill("#reset-password-again", NEW_PASSWORD).await;
    browser.click("[data-test=reset-submit]").await;
    let done = browser.text_of("[data-test=reset-done]").await;
    assert!(done.contains("is changed"), "{done}");
    browser.screenshot(&shot("reset-password-done")).await;

    // Signing in: the old password no longer, the new one yes.
    browser.click("[data-test=reset-sign-in]").await;
    browser.wait_for_text("h1", "Sign in to Roster").await;
    browser.fill("#email", OWNER_EMAIL).await;
    browser.fill("#password", OWNER_PASSWORD).await;
    browser.click("[data-test=sign-in-submit]").await;
    browser.text_of("[data-test=sign-in-error]").await;
    browser
        .sign_in_to_users(&app, OWNER_EMAIL, NEW_PASSWORD, acme)
        .await;

    // The link was used; an expired one says so too.
    browser.open(&link).await;
    browser.text_of("[data-test=reset-used]").await;
    assert_eq!(
        app.new_client()
            .post(
                "/api/v1/password-reset",
                &serde_json::json!({ "email": OWNER_EMAIL }),
            )
            .await
            .status(),
        202
    );
    let token = reset_token(&app, OWNER_EMAIL, 2).await;
    app.execute("UPDATE password_resets SET expires_at = 1")
        .await;
    browser.open(&app.url("/sign-in")).await;
    browser
        .open(&app.url(&format!("/reset-password#token={token}")))
        .await;
    let expired = browser.text_of("[data-test=reset-expired]").await;
    assert!(expired.contains("expired"), "{expired}");
    browser.screenshot(&shot("reset-password-expired")).await;
    browser.click("[data-test=reset-ask-again]").await;
    browser.wait_for_path("/forgot-password").await;
    browser.close().await;
    app.stop().await;
}
