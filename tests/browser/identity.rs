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

/// Turning on two-factor authentication shows the recovery codes once, with a way to copy
/// them and to download them as a file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_can_be_copied_and_downloaded() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    let browser = Browser::launch().await;
    browser
        .cdp(
            "Browser.grantPermissions",
            serde_json::json!({
                "origin": app.url(""),
                "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
            }),
        )
        .await;
    browser
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;
    browser.open(&app.url("/security")).await;
    browser.click("[data-test=totp-start]").await;
    let secret = browser.text_of("[data-test=totp-secret]").await;
    browser
        .fill("#totp-confirm", &roster_tests::totp::code(&secret, 0))
        .await;
    browser.click("[data-test=totp-confirm]").await;
    let codes = browser.text_of("[data-test=recovery-codes]").await;
    let codes: Vec<&str> = codes.split_whitespace().collect();
    assert_eq!(codes.len(), 10, "{codes:?}");
    browser.click("[data-test=copy-recovery-codes]").await;
    browser
        .wait_for_text("[data-test=recovery-codes-copied]", "Copied.")
        .await;
    let pasted = browser
        .client
        .execute_async(
            "navigator.clipboard.readText().then(arguments[0], () => arguments[0](''))",
            vec![],
        )
        .await
        .expect("the clipboard");
    let download = browser
        .client
        .find(fantoccini::Locator::Css(
            "[data-test=download-recovery-codes]",
        ))
        .await
        .expect("the download link");
    assert_eq!(
        download.attr("download").await.unwrap().as_deref(),
        Some("roster-recovery-codes.txt")
    );
    let href = download.attr("href").await.unwrap().unwrap_or_default();
    let file = url::Url::parse(&href).expect("a data URL");
    let file = percent_decode(file.path());
    for code in &codes {
        assert!(
            pasted.as_str().unwrap_or_default().contains(code),
            "{pasted}"
        );
        assert!(file.contains(code), "{file}");
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    browser
        .screenshot_full(&dir.join("recovery-codes.png"))
        .await;
    browser.close().await;
    app.stop().await;
}

/// `%XX` sequences back to bytes (the download link's text).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => {
                let hex = std::str::from_utf8(hex).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The help article, as written: "Find your name from the list and click on the more options
/// icon (⋮), then select Edit profile … Profile Details screen under the Home tab … User
/// Details", then "In the left sidebar, click on Sign-in & Security".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_articles_paths_to_your_own_profile_and_sign_in_security() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let session = app.set_up().await;
    let acme = session.last_account.expect("setup opens the new account");
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    let mine = format!("[data-test=person-row][data-email='{OWNER_EMAIL}']");
    browser.click(&format!("{mine} [data-test=row-menu]")).await;
    browser.click(&format!("{mine} a[role=menuitem]")).await;
    browser.wait_for_text("h1", "Profile details").await;
    assert_eq!(
        browser.text_of("[role=tab][aria-selected=true]").await,
        "Home"
    );
    // User Details, editable, saved from the button at the bottom right.
    browser
        .wait_for_text("[data-test=profile-form] h2", "User details")
        .await;
    browser.fill("#profile-name", "Olivia Ortega").await;
    let placement = browser
        .client
        .execute(
            "const f = document.querySelector('[data-test=profile-form]').getBoundingClientRect();
             const b = document.querySelector('[data-test=profile-save]').getBoundingClientRect();
             return [Math.round(f.right - b.right), Math.round(f.bottom - b.bottom)];",
            vec![],
        )
        .await
        .expect("the layout");
    let gaps: Vec<i64> = serde_json::from_value(placement).expect("two numbers");
    assert!(
        gaps.iter().all(|gap| (0..=40).contains(gap)),
        "Save sits at the bottom right of User Details: {gaps:?}"
    );
    browser
        .screenshot(&std::path::PathBuf::from("/tmp/shots-own-profile.png"))
        .await;
    browser.click("[data-test=profile-save]").await;
    browser
        .wait_for_text("[data-test=header-name]", "Olivia Ortega")
        .await;
    // Your access is shown; another Admin or Owner changes it.
    browser
        .wait_for_text_containing(
            "[data-test=access-editor]",
            "You cannot change your own access",
        )
        .await;
    // The other tabs are yours too.
    browser.click("#tab-notifications").await;
    browser
        .wait_for_text_containing("#person-panel", "New inbound messages")
        .await;
    browser.click("#tab-devices").await;
    browser
        .wait_for_count("[data-test=device][data-current=true]", 1)
        .await;

    // Sign-in & Security, from the left sidebar of the personal pages.
    browser.click("[data-test=user-menu]").await;
    browser.click("[role=menuitem][href='/profile']").await;
    browser.wait_for_text("h1", "Profile details").await;
    browser.click("[data-test=nav-security]").await;
    browser.wait_for_text("h1", "Sign-in & Security").await;
    browser.wait_for_path("/security").await;
    assert_eq!(
        browser.text_of(".settings-nav [aria-current=page]").await,
        "Sign-in & Security"
    );
    browser
        .wait_for_text("[data-test=security-name]", "Olivia Ortega")
        .await;
    browser
        .screenshot(&std::path::PathBuf::from("/tmp/shots-security-sidebar.png"))
        .await;
    browser.close().await;
    app.stop().await;
}
