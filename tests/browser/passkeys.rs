//! Passkeys in Chromium, with its virtual authenticator (the DevTools protocol's `WebAuthn`
//! domain, through ChromeDriver) standing in for a fingerprint reader: a person adds one on
//! Sign-in & Security, signs in with one click (no address, no password, no code), sees how
//! each device signed in, and removes it.

use roster_tests::browser::Browser;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines};
use serde_json::json;

use crate::accessibility::{axe_source, violations};

engines!(a_passkey_added_on_security_signs_in_with_one_click);

async fn a_passkey_added_on_security_signs_in_with_one_click(engine: Engine) {
    let (app, _) = TestApp::signed_in_organisation(engine).await;
    // Passkeys belong to a name: on this machine, localhost.
    let at = |path: &str| app.url(path).replace("127.0.0.1", "localhost");
    let axe = axe_source();
    let browser = Browser::launch().await;
    browser.cdp("WebAuthn.enable", json!({})).await;
    let authenticator = browser
        .cdp(
            "WebAuthn.addVirtualAuthenticator",
            json!({ "options": {
                "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
                "hasUserVerification": true, "isUserVerified": true,
                "automaticPresenceSimulation": true,
            } }),
        )
        .await["authenticatorId"]
        .clone();

    // Under the IP address, the sign-in page offers no passkey (the browser would refuse).
    browser.open(&app.url("/sign-in")).await;
    browser.text_of("[data-test=sign-in-submit]").await;
    assert_eq!(browser.count("[data-test=sign-in-passkey]").await, 0);

    browser.open(&at("/sign-in")).await;
    browser.text_of("[data-test=sign-in-passkey]").await;
    browser.fill("#email", OWNER_EMAIL).await;
    browser.fill("#password", OWNER_PASSWORD).await;
    browser.click("[data-test=sign-in-submit]").await;
    browser.wait_for_text("h1", "Users").await;

    browser.open(&at("/security")).await;
    browser.text_of("[data-test=passkeys-empty]").await;
    browser.click("[data-test=add-passkey]").await;
    browser.wait_for_count("#passkey-dialog[open]", 1).await;
    let mut found = violations(&browser, &axe).await;
    // A wrong password is explained in the dialog, and nothing is made.
    browser.fill("#passkey-name", "This laptop").await;
    browser.fill("#passkey-password", "not my password").await;
    browser.click("[data-test=create-passkey]").await;
    browser
        .wait_for_text_containing("#passkey-password-error", "password is not right")
        .await;
    browser.fill("#passkey-password", OWNER_PASSWORD).await;
    browser.click("[data-test=create-passkey]").await;
    browser
        .wait_for_text_containing("[data-test=passkey-notice]", "“This laptop” was added")
        .await;
    browser
        .wait_for_text_containing("[data-test=passkey]", "not used yet")
        .await;
    found.extend(violations(&browser, &axe).await);
    let held = browser
        .cdp(
            "WebAuthn.getCredentials",
            json!({ "authenticatorId": authenticator }),
        )
        .await;
    let held = held["credentials"].as_array().expect("a list").clone();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["rpId"], "localhost");
    assert_eq!(
        held[0]["isResidentCredential"], true,
        "discoverable, so no address is needed to sign in"
    );

    // Two-step verification on: a password would now need a code, a passkey does not.
    app.enable_two_factor().await;
    browser.click("[data-test=user-menu]").await;
    browser.click("[data-test=sign-out]").await;
    browser.wait_for_text("h1", "Sign in to Roster").await;
    browser.click("[data-test=sign-in-passkey]").await;
    browser.wait_for_text("h1", "Users").await;

    browser.open(&at("/profile/devices")).await;
    browser
        .wait_for_text_containing("[data-test=device][data-current=true]", "with a passkey")
        .await;
    browser.open(&at("/security")).await;
    browser
        .wait_for_text_containing("[data-test=passkey]", "last used")
        .await;

    // Removed, it signs in nowhere; the page says what to do instead.
    browser.click("[data-test=remove-passkey]").await;
    browser
        .wait_for_count("#remove-passkey-dialog[open]", 1)
        .await;
    browser
        .click("#remove-passkey-dialog [data-test=confirm]")
        .await;
    browser
        .wait_for_text_containing("[data-test=passkey-notice]", "no longer signs you in")
        .await;
    browser.text_of("[data-test=passkeys-empty]").await;
    browser.click("[data-test=user-menu]").await;
    browser.click("[data-test=sign-out]").await;
    browser.wait_for_text("h1", "Sign in to Roster").await;
    browser.click("[data-test=sign-in-passkey]").await;
    browser
        .wait_for_text_containing("[data-test=sign-in-error]", "not known here")
        .await;
    assert!(
        found.is_empty(),
        "axe found {} violation(s):\n{}",
        found.len(),
        found.join("\n")
    );
    browser.close().await;
    app.stop().await;
}
