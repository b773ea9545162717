//! Not a check: a walk through every screen that saves a screenshot of each into
//! `target/screenshots/`, for people to look at (`make screenshots`).

use std::path::PathBuf;

use roster_shared::account::AccountId;
use roster_shared::role::Role;
use roster_tests::browser::Browser;
use roster_tests::{Engine, MEMBER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, TestApp};

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes screenshots; run with `make screenshots`"]
async fn screenshots() {
    let dir = shots();
    let app = TestApp::spawn_with(Engine::Sqlite, |settings| {
        settings.webhook_allow_private = true;
    })
    .await;
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
    browser.wait_for_text("h1", "Users").await;
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
    browser.click("[data-test=send-test-mail]").await;
    browser.wait_for_count("[data-test=mail-item]", 1).await;
    browser.click("[data-test=mail-item]").await;
    browser.text_of("[data-test=mail-subject]").await;
    // The message's HTML part has loaded in its frame (a frame's load is a resource entry of
    // the page once it ends).
    browser
        .wait_for_js(
            "const frame = document.querySelector('.mail-frame'); \
             return !!frame && performance.getEntriesByName(frame.src).length > 0;",
            serde_json::json!(true),
        )
        .await;
    browser.screenshot(&shot("09-dev-mailbox")).await;

    team_screens(&app, &browser, &shot).await;
    browser.set_dark(true).await;
    dark_screens(&app, &browser, &shot).await;
    browser.set_dark(false).await;

    browser.click("[data-test=user-menu]").await;
    browser.click("[data-test=sign-out]").await;
    browser.wait_for_text("h1", "Sign in to Roster").await;
    browser.screenshot(&shot("08-sign-in")).await;
    browser.close().await;
    passkey_screens(&app, &shot).await;
    sso_screens(&app, &shot).await;
    webhook_screens(&app, &shot).await;
    app.stop().await;
}

/// Settings › Webhooks with two endpoints, and one endpoint's page after a test event, one
/// retried answer and a resend.
async fn webhook_screens(app: &TestApp, shot: &impl Fn(&str) -> PathBuf) {
    use roster_tests::webhooks::Receiver;
    let session = app.api.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let acme = session.last_account.expect("an account");
    let receiver = Receiver::start().await;
    let add = async |path: &str, description: &str, types: &[&str]| -> serde_json::Value {
        roster_tests::expect_json(
            app.api
                .post(
                    &format!("/api/v1/accounts/{}/webhooks", acme.0),
                    &serde_json::json!({ "url": receiver.url(path), "description": description, "event_types": types }),
                )
                .await,
            201,
        )
        .await
    };
    let inbox = add(
        "/inbox",
        "Inbox routing",
        &["person.invited", "person.access_changed", "person.removed"],
    )
    .await;
    add(
        "/reports",
        "Reporting service",
        &[
            "person.access_changed",
            "account.created",
            "account.renamed",
            "account.archived",
        ],
    )
    .await;
    let id = inbox["endpoint"]["id"].as_i64().unwrap();
    receiver
        .trust("/inbox", &[inbox["secret"].as_str().unwrap()])
        .await;
    receiver.answer("/inbox", 503).await;
    let test = format!("/api/v1/accounts/{}/webhooks/{id}/test", acme.0);
    let _ = app.api.post_empty(&test).await;
    receiver
        .wait_for("/inbox", 1, std::time::Duration::from_secs(10))
        .await;
    receiver.answer("/inbox", 200).await;
    app.invite(
        acme,
        &["new.agent@example.com"],
        &[(roster_shared::role::Role::Basic, &[acme])],
    )
    .await;
    let browser = Browser::signed_in_as_owner(app, acme).await;
    browser
        .open(&app.url(&format!("/accounts/{}/webhooks", acme.0)))
        .await;
    browser
        .wait_for_count("[data-test=webhook-endpoint]", 2)
        .await;
    browser.screenshot_full(&shot("08g-webhooks")).await;
    browser
        .open(&app.url(&format!("/accounts/{}/webhooks/{id}", acme.0)))
        .await;
    browser
        .wait_for_text_containing("[data-test=webhook-delivery]", "HTTP")
        .await;
    browser.screenshot_full(&shot("08h-webhook-endpoint")).await;
    browser.close().await;
    receiver.stop().await;
}

/// Settings › Single sign-on with a provider, a verified and a waiting domain, and joining
/// without an invitation on; a refusal on the sign-in page.
async fn sso_screens(app: &TestApp, shot: &impl Fn(&str) -> PathBuf) {
    use roster_tests::oidc::OidcProvider;
    let session = app.api.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let acme = session.last_account.expect("an account");
    let provider = OidcProvider::start(&app.url("/api/v1/sso/callback"), &[]).await;
    provider.configure_for(app, acme, "acme.example").await;
    let _: serde_json::Value = roster_tests::expect_json(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/sso/domains", acme.0),
                &serde_json::json!({ "domain": "acme-europe.example" }),
            )
            .await,
        200,
    )
    .await;
    let _: serde_json::Value = roster_tests::expect_json(
        app.api
            .put(
                &format!("/api/v1/accounts/{}/sso/join", acme.0),
                &serde_json::json!({ "join": { "role": "basic", "accounts": [acme] } }),
            )
            .await,
        200,
    )
    .await;
    let browser = Browser::signed_in_as_owner(app, acme).await;
    browser
        .open(&app.url(&format!("/accounts/{}/single-sign-on", acme.0)))
        .await;
    browser.wait_for_count("[data-test=sso-domain]", 2).await;
    browser.click("[data-test=sso-test]").await;
    browser.text_of("[data-test=sso-test-result]").await;
    browser.screenshot_full(&shot("08e-single-sign-on")).await;
    browser.click("[data-test=user-menu]").await;
    browser.click("[data-test=sign-out]").await;
    browser.open(&app.url("/sign-in?sso=no_access")).await;
    browser.text_of("[data-test=sso-error]").await;
    browser.screenshot(&shot("08f-sign-in-sso-refused")).await;
    browser.close().await;
    provider.stop().await;
}

/// Passkeys, at localhost (where browsers allow them) with Chromium's virtual authenticator.
async fn passkey_screens(app: &TestApp, shot: &impl Fn(&str) -> PathBuf) {
    let at = |path: &str| app.url(path).replace("127.0.0.1", "localhost");
    let browser = Browser::launch().await;
    browser.cdp("WebAuthn.enable", serde_json::json!({})).await;
    browser
        .cdp(
            "WebAuthn.addVirtualAuthenticator",
            serde_json::json!({ "options": {
                "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
                "hasUserVerification": true, "isUserVerified": true,
                "automaticPresenceSimulation": true,
            } }),
        )
        .await;
    browser.open(&at("/sign-in")).await;
    browser.text_of("[data-test=sign-in-passkey]").await;
    browser.screenshot(&shot("08b-sign-in-passkey")).await;
    browser.fill("#email", OWNER_EMAIL).await;
    browser.fill("#password", OWNER_PASSWORD).await;
    browser.click("[data-test=sign-in-submit]").await;
    browser.wait_for_text("h1", "Users").await;
    browser.open(&at("/security")).await;
    browser.click("[data-test=add-passkey]").await;
    browser.wait_for_count("#passkey-dialog[open]", 1).await;
    browser.fill("#passkey-name", "Work laptop").await;
    browser.screenshot(&shot("08c-add-passkey")).await;
    browser.fill("#passkey-password", OWNER_PASSWORD).await;
    browser.click("[data-test=create-passkey]").await;
    browser.text_of("[data-test=passkey-notice]").await;
    browser
        .screenshot_full(&shot("08d-security-passkeys"))
        .await;
    browser.close().await;
}

/// An organisation with sub-accounts and people in every state, then each team screen.
async fn team_screens(app: &TestApp, browser: &Browser, shot: &impl Fn(&str) -> PathBuf) {
    let session = app.api.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let acme = session.last_account.expect("an account");
    let support = app.sub_account(acme, "Support").await;
    app.sub_account(support, "Night shift").await;
    let sales = app.sub_account(acme, "Sales").await;
    app.sub_account(sales, "Sales EMEA").await;
    app.invite(
        acme,
        &["ana@example.com", "ben@example.com", "carla@example.com"],
        &[(Role::Basic, &[acme]), (Role::Admin, &[support])],
    )
    .await;
    app.invite(acme, &["dev@example.com"], &[(Role::Reporting, &[sales])])
        .await;
    app.invite(acme, &["kim@example.com"], &[(Role::Basic, &[acme])])
        .await;
    app.accept_as_new("ana@example.com", "Ana Lopez").await;
    app.accept_as_new("ben@example.com", "Ben Okafor").await;
    // One invitation long expired.
    app.execute("UPDATE invitations SET sent_at = sent_at - 2000000000, expires_at = expires_at - 2000000000 WHERE email = 'dev@example.com'")
        .await;
    app.execute("UPDATE tree_members SET invitation_expires_at = invitation_expires_at - 2000000000 WHERE email_key = 'dev@example.com'")
        .await;

    let users = format!("/accounts/{}/users", acme.0);
    browser.open(&app.url(&users)).await;
    browser.wait_for_count("[data-test=person-row]", 6).await;
    browser.screenshot(&shot("10-users")).await;
    browser
        .click("[data-test=person-row][data-email=\"carla@example.com\"] [data-test=row-menu]")
        .await;
    browser.screenshot(&shot("11-users-row-menu")).await;
    browser
        .click("[data-test=person-row][data-email=\"carla@example.com\"] .menu .danger-text")
        .await;
    browser.text_of("#remove-dialog").await;
    browser.screenshot(&shot("11b-remove-dialog")).await;
    browser.open(&app.url(&users)).await;
    browser.click("[data-test=account-switcher]").await;
    browser.type_keys("s").await;
    browser.screenshot(&shot("12-account-switcher")).await;

    browser.open(&app.url(&format!("{users}/new"))).await;
    browser
        .type_into(
            "#invite-emails",
            "finn@example.com, gia@example, hugo@example.com ines@example.com\u{E007}",
        )
        .await;
    browser.click("[data-test=add-grant-row]").await;
    browser.select("#grant-1-role", "admin").await;
    browser.click(&format!("#grant-1-{}", sales.0)).await;
    browser.screenshot_full(&shot("13-new-user")).await;
    browser.click("[data-test=chip-invalid] .chip-remove").await;
    browser.click("[data-test=send-invitation]").await;
    browser.text_of("[data-test=invite-result]").await;
    browser.screenshot_full(&shot("14-invite-result")).await;

    let ana = person_id(app, acme, "ana@example.com").await;
    browser
        .open(&app.url(&format!("/accounts/{}/people/{ana}", acme.0)))
        .await;
    browser.text_of("[data-test=access-editor]").await;
    browser
        .select(&format!("#access-{}", acme.0), "reporting")
        .await;
    browser.click("[data-test=save-access]").await;
    browser.text_of("[data-test=access-changes]").await;
    browser.click("[data-test=assign-more]").await;
    browser.screenshot_full(&shot("15-person")).await;

    browser
        .open(&app.url(&format!("/accounts/{}/sub-accounts", acme.0)))
        .await;
    browser.wait_for_count("[data-test=account-node]", 5).await;
    browser.screenshot_full(&shot("16-sub-accounts")).await;
    browser
        .open(&app.url(&format!("/accounts/{}/audit", acme.0)))
        .await;
    browser.text_of("[data-test=audit-entry]").await;
    browser.screenshot_full(&shot("17-audit")).await;

    // The invitee's side, in a browser of their own.
    let token = app.invitation_token("kim@example.com").await;
    let hugo = Browser::launch().await;
    hugo.open(&app.url(&format!("/invitations/accept#token={token}")))
        .await;
    hugo.text_of("[data-test=accept-form]").await;
    hugo.fill("#accept-name", "Kim Park").await;
    hugo.fill("#accept-password", "short").await;
    hugo.click("[data-test=accept-submit]").await;
    hugo.screenshot_full(&shot("18-accept")).await;
    hugo.click("#accept-country").await;
    hugo.type_keys("+49").await;
    hugo.screenshot(&shot("19-accept-country")).await;
    hugo.type_keys("\u{E00C}").await;
    hugo.fill("#accept-password", MEMBER_PASSWORD).await;
    hugo.fill("#accept-password-again", MEMBER_PASSWORD).await;
    hugo.click("[data-test=accept-submit]").await;
    hugo.wait_for_text("h1", "Welcome, Kim").await;
    hugo.screenshot_full(&shot("20-welcome")).await;
    hugo.close().await;
}

/// A few screens again in the dark colour scheme.
async fn dark_screens(app: &TestApp, browser: &Browser, shot: &impl Fn(&str) -> PathBuf) {
    let accounts: Vec<roster_shared::api::AccountSummary> =
        app.api.get_ok("/api/v1/accounts").await;
    let acme = accounts[0].id;
    browser
        .open(&app.url(&format!("/accounts/{}/users", acme.0)))
        .await;
    browser.wait_for_count("[data-test=person-row]", 9).await;
    browser.screenshot(&shot("21-users-dark")).await;
    browser
        .open(&app.url(&format!("/accounts/{}/users/new", acme.0)))
        .await;
    browser
        .type_into("#invite-emails", "jo@example.com bad@example ")
        .await;
    browser.screenshot_full(&shot("22-new-user-dark")).await;
    let ana = person_id(app, acme, "ana@example.com").await;
    browser
        .open(&app.url(&format!("/accounts/{}/people/{ana}", acme.0)))
        .await;
    browser.text_of("[data-test=access-editor]").await;
    browser.screenshot_full(&shot("23-person-dark")).await;
}

async fn person_id(app: &TestApp, account: AccountId, email: &str) -> i64 {
    let page: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q={email}", account.0))
        .await;
    page.people
        .iter()
        .find(|p| p.email.as_str() == email)
        .expect("listed")
        .id
        .0
}

/// The screens that changed with the help article's walk-through, each in the light and the
/// dark colour scheme at desktop and phone width, into `target/screenshots/modes/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes screenshots; run with `make screenshots`"]
async fn screenshots_in_every_mode() {
    let dir = shots().join("modes");
    std::fs::create_dir_all(&dir).unwrap();
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("an account");
    let support = app.sub_account(acme, "Support").await;
    let emea = app.sub_account(support, "EMEA").await;
    app.invite(acme, &["ana@example.com"], &[(Role::Admin, &[support])])
        .await;
    app.accept_as_new("ana@example.com", "Ana Lopez").await;
    app.invite(acme, &["cy@example.com"], &[(Role::Basic, &[acme])])
        .await;
    app.accept_as_new("cy@example.com", "Cy Basic").await;
    app.invite(acme, &["bo@example.com"], &[(Role::Basic, &[emea])])
        .await;
    app.invite(acme, &["dev@example.com"], &[(Role::Reporting, &[acme])])
        .await;
    app.execute("UPDATE tree_members SET invitation_expires_at = invitation_expires_at - 2000000000 WHERE email_key = 'dev@example.com'")
        .await;
    let ana = person_id(&app, acme, "ana@example.com").await;
    let me = person_id(&app, acme, OWNER_EMAIL).await;

    let owner = Browser::launch().await;
    owner
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;
    let basic = Browser::launch().await;
    basic
        .submit_sign_in(&app, "cy@example.com", MEMBER_PASSWORD)
        .await;
    basic.wait_for_text("h1", "Welcome, Cy").await;

    for (mode, dark, phone) in [
        ("light-desktop", false, false),
        ("dark-desktop", true, false),
        ("light-phone", false, true),
        ("dark-phone", true, true),
    ] {
        for browser in [&owner, &basic] {
            browser.set_dark(dark).await;
            if phone {
                browser
                    .cdp(
                        "Emulation.setDeviceMetricsOverride",
                        serde_json::json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
                    )
                    .await;
            } else {
                browser
                    .cdp(
                        "Emulation.clearDeviceMetricsOverride",
                        serde_json::json!({}),
                    )
                    .await;
            }
        }
        let shot = |name: &str| dir.join(format!("{name}-{mode}.png"));
        let users = format!("/accounts/{}/users", acme.0);

        owner.open(&app.url(&users)).await;
        owner.wait_for_count("[data-test=person-row]", 5).await;
        owner.screenshot(&shot("01-users")).await;
        owner.click("[data-test=select-page]").await;
        owner.text_of("[data-test=bulk-bar]").await;
        owner.screenshot(&shot("01b-users-selected")).await;
        owner.click("[data-test=bulk-set-role]").await;
        owner.wait_for_count("#bulk-role-dialog[open]", 1).await;
        owner.screenshot(&shot("01c-bulk-change-role")).await;
        owner.type_keys("\u{E00C}").await;
        owner.wait_for_count("#bulk-role-dialog[open]", 0).await;
        owner.click("[data-test=clear-selection]").await;
        owner.wait_for_count("[data-test=bulk-bar]", 0).await;
        owner
            .click("[data-test=person-row][data-email='cy@example.com'] [data-test=row-menu]")
            .await;
        owner
            .click("[data-test=person-row][data-email='cy@example.com'] .menu .danger-text")
            .await;
        owner.wait_for_count("#remove-dialog[open]", 1).await;
        owner.screenshot(&shot("02-remove-dialog")).await;
        owner
            .open(&app.url(&format!("/accounts/{}/users", emea.0)))
            .await;
        // Bo on EMEA itself; the Owner, Ana (Support), Cy and Dev (Acme) from above.
        owner.wait_for_count("[data-test=person-row]", 5).await;
        owner.screenshot(&shot("03-sub-account-users")).await;
        owner
            .open(&app.url(&format!("/accounts/{}/people/{ana}", emea.0)))
            .await;
        owner.text_of("[data-test=inherited-access]").await;
        owner.screenshot(&shot("04-person-inherited")).await;
        owner
            .open(&app.url(&format!("/accounts/{}/people/{ana}", acme.0)))
            .await;
        owner.text_of("[data-test=access-editor]").await;
        owner.screenshot(&shot("05-person")).await;
        owner
            .open(&app.url(&format!("/accounts/{}/people/{me}", acme.0)))
            .await;
        owner.text_of("[data-test=profile-form]").await;
        owner.screenshot(&shot("06-own-profile-home")).await;
        owner.click("#tab-notifications").await;
        owner
            .wait_for_text_containing("#person-panel", "New inbound messages")
            .await;
        owner
            .screenshot(&shot("07-own-profile-notifications"))
            .await;
        owner.click("#tab-devices").await;
        owner.text_of("[data-test=device]").await;
        owner.screenshot(&shot("08-own-profile-devices")).await;
        owner.open(&app.url("/profile")).await;
        owner.text_of("[data-test=profile-form]").await;
        owner.screenshot(&shot("09-profile-sidebar")).await;
        owner.open(&app.url("/security")).await;
        owner.text_of("[data-test=security-name]").await;
        owner.screenshot(&shot("10-security-sidebar")).await;
        owner
            .open(&app.url(&format!("/accounts/{}/audit", acme.0)))
            .await;
        owner.text_of("[data-test=audit-entry]").await;
        owner.screenshot(&shot("11-audit")).await;
        owner
            .open(&app.url(&format!("/accounts/{}/seats", acme.0)))
            .await;
        owner.text_of("[data-test=seats-used]").await;
        owner.screenshot(&shot("12-seats")).await;

        basic.open(&app.url(&users)).await;
        basic.text_of("[data-test=users-not-managed]").await;
        basic.screenshot(&shot("13-basic-users")).await;
        basic
            .open(&app.url(&format!("/accounts/{}/audit", acme.0)))
            .await;
        basic.text_of("[data-test=for-managers]").await;
        basic.screenshot(&shot("14-basic-audit")).await;
    }
    basic.close().await;
    owner.close().await;
    app.stop().await;
}
