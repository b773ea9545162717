//! Times as the person reads them: someone in Tokyo whose browser speaks German sees the
//! audit log, the Users list, prices and their devices in their own zone and language (set through
//! Chromium's emulation, as a browser abroad would be).

use roster_shared::role::Role;
use roster_tests::browser::Browser;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp};
use serde_json::json;

/// 2025-12-31 23:00 UTC: already New Year's morning in Tokyo.
const NEW_YEARS_EVE_UTC: i64 = 1_767_222_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_follow_the_persons_zone_and_language() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let session = app.set_up().await;
    let acme = session.last_account.expect("setup opens the new account");
    app.invite(acme, &["bo@example.com"], &[(Role::Basic, &[acme])])
        .await;
    app.execute(&format!(
        "UPDATE audit_log SET created_at = {NEW_YEARS_EVE_UTC}"
    ))
    .await;
    let browser = Browser::launch().await;
    browser
        .cdp(
            "Emulation.setTimezoneOverride",
            json!({ "timezoneId": "Asia/Tokyo" }),
        )
        .await;
    browser
        .cdp("Emulation.setLocaleOverride", json!({ "locale": "de-DE" }))
        .await;
    browser
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;

    // An invitation valid for 14 more days, in German.
    let bo = "[data-test=person-row][data-email='bo@example.com']";
    browser
        .wait_for_text(&format!("{bo} [data-test=expiry]"), "Expires in 14 Tagen")
        .await;
    // The exact moment is on hover, in the same words.
    let title = browser
        .client
        .execute(
            &format!("return document.querySelector(\"{bo} [data-test=expiry] time\").title"),
            vec![],
        )
        .await
        .expect("the title");
    let title = title.as_str().unwrap_or_default().to_owned();
    assert!(
        title.contains('.') && !title.contains("UTC"),
        "a German date, local time: {title}"
    );

    // The audit log: New Year's Eve in UTC is New Year's Day in Tokyo.
    browser
        .open(&app.url(&format!("/accounts/{}/audit", acme.0)))
        .await;
    browser
        .wait_for_text_containing("table", "01.01.2026, 08:00")
        .await;
    assert!(
        !browser.text_of("table").await.contains("31 Dec 2025"),
        "no UTC date is left"
    );
    browser
        .screenshot(&std::path::PathBuf::from("/tmp/shots-local-time-audit.png"))
        .await;

    // Prices are written the German way too: 8,00 € rather than €8.00.
    browser
        .open(&app.url(&format!("/accounts/{}/seats", acme.0)))
        .await;
    let plan = browser
        .wait_for_text_containing("[data-test=seat-plan]", "8,00")
        .await;
    assert!(plan.contains('€') && !plan.contains("€8"), "{plan}");

    // Connected devices: signed in today, last active "jetzt".
    browser.open(&app.url("/profile/devices")).await;
    browser
        .wait_for_text_containing("[data-test=device][data-current=true]", "last active jetzt")
        .await;
    browser.close().await;
    app.stop().await;
}
