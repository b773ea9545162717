//! Settings › Webhooks in Chromium, against a receiver on loopback that verifies every
//! delivery with the Standard Webhooks reference library: an Admin adds an endpoint, copies
//! its secret (shown once), sends a test event, sees it delivered, and resends it; the event
//! reference lists every type.

use roster_tests::browser::Browser;
use roster_tests::webhooks::Receiver;
use roster_tests::{Engine, TestApp, engines};
use serde_json::json;

use crate::accessibility::{axe_source, violations};

engines!(an_admin_adds_an_endpoint_sends_a_test_event_and_resends_it);

async fn an_admin_adds_an_endpoint_sends_a_test_event_and_resends_it(engine: Engine) {
    let app = TestApp::spawn_with(engine, |settings| settings.webhook_allow_private = true).await;
    let acme = app.set_up().await.last_account.expect("an account");
    let receiver = Receiver::start().await;
    let axe = axe_source();
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser
        .open(&app.url(&format!("/accounts/{}/webhooks", acme.0)))
        .await;
    browser
        .wait_for_text_containing("[data-test=webhooks-empty]", "No endpoints yet")
        .await;
    let found = violations(&browser, &axe).await;
    assert!(found.is_empty(), "axe: {}", found.join("\n"));

    // Every event is ticked at first; an address webhooks may not use is refused in words.
    browser
        .fill("#webhook-url", "http://hooks.example.com/roster")
        .await;
    browser.click("[data-test=webhook-save]").await;
    browser
        .wait_for_text_containing("#webhook-url-error", "https://")
        .await;
    browser
        .fill("#webhook-url", &receiver.url("/browser"))
        .await;
    browser.fill("#webhook-description", "Inbox routing").await;
    browser.click("[data-test=webhook-save]").await;
    browser
        .wait_for_text_containing(
            "[data-test=webhook-secret]",
            "Copy it now: you will not see it again",
        )
        .await;
    let secret = browser.value_of("[data-test=webhook-secret-value]").await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    receiver.trust("/browser", &[&secret]).await;
    browser.click("[data-test=webhook-secret-done]").await;
    browser
        .wait_for_text_containing("[data-test=webhook-endpoint]", "All 12 events")
        .await;

    // Its page: nothing sent yet; a test event goes out and shows as delivered.
    browser.click("[data-test=webhook-endpoint] a").await;
    browser
        .wait_for_text_containing("[data-test=deliveries-empty]", "Nothing sent yet")
        .await;
    browser.click("[data-test=webhook-test]").await;
    browser
        .wait_for_text_containing(
            "[data-test=webhook-delivery][data-status=delivered]",
            "HTTP 200",
        )
        .await;
    let got = receiver
        .wait_for("/browser", 1, std::time::Duration::from_secs(10))
        .await;
    assert!(got[0].verified, "{:?}", got[0].error);
    assert_eq!(got[0].event()["type"], json!("webhook.test"));
    let found = violations(&browser, &axe).await;
    assert!(found.is_empty(), "axe: {}", found.join("\n"));

    // Resend: the same event again, listed on top.
    browser.click("[data-test=webhook-resend]").await;
    browser
        .wait_for_js(
            "return document.querySelectorAll('[data-test=webhook-delivery][data-status=delivered]').length;",
            json!(2),
        )
        .await;
    let got = receiver
        .wait_for("/browser", 2, std::time::Duration::from_secs(10))
        .await;
    assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);
    assert!(got[1].verified);
    // The event reference lists every type with the schema of its data.
    browser
        .open(&app.url(&format!("/accounts/{}/webhooks", acme.0)))
        .await;
    browser
        .click("a[href='/api-reference#webhook-events']")
        .await;
    let listed = browser
        .wait_for_text_containing("[data-test=webhook-events]", "person.access_changed")
        .await;
    assert!(listed.contains("AccessChangedData"), "{listed}");
    browser.close().await;
    receiver.stop().await;
    app.stop().await;
}
