//! Accessibility: axe-core (npm, installed by `scripts/install-tools.sh`) runs in headless
//! Chromium on every screen, signed out and signed in, light and dark, and must report no
//! violation at all (any impact). The keyboard-only flows live beside the screens they walk
//! (`team.rs`: the account switcher; here: signing in and inviting without a pointer).

use std::time::Duration;

use roster_shared::account::AccountId;
use roster_shared::role::Role;
use roster_tests::browser::Browser;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp};

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

pub(crate) fn axe_source() -> String {
    let path = roster_tests::tools_dir().join("npm/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing at {} ({e}): run scripts/install-tools.sh",
            path.display()
        )
    })
}

/// Waits until the screen has rendered (a heading, nothing still loading), then runs axe and
/// returns its violations, one line each.
pub(crate) async fn violations(browser: &Browser, axe: &str) -> Vec<String> {
    // Every screen names itself with one top-level heading (also what shows it has rendered).
    if !browser
        .appears_within("main h1", Duration::from_secs(10))
        .await
    {
        return vec!["page-has-heading-one: the screen has no <h1> inside <main>".into()];
    }
    browser.wait_until_loaded().await;
    browser
        .client
        .execute(axe, vec![])
        .await
        .expect("axe-core loads");
    let result = browser
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ['violations'] })
                 .then(r => done(r.violations.map(v =>
                   `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | ')}`)))
                 .catch(e => done(['axe failed: ' + e]));"#,
            vec![],
        )
        .await
        .expect("axe runs");
    serde_json::from_value(result).expect("a list of violations")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_passes_axe() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let axe = axe_source();
    let browser = Browser::launch().await;
    let mut found: Vec<String> = Vec::new();
    let mut check = async |name: &str, browser: &Browser| {
        for v in violations(browser, &axe).await {
            found.push(format!("{name}: {v}"));
        }
    };

    // Signed out: first-run setup, then sign-in and the not-found page.
    browser.open(app.setup_link.as_deref().unwrap()).await;
    check("setup", &browser).await;
    let session = app.set_up().await;
    let acme = session.last_account.unwrap();
    let support = app.sub_account(acme, "Support").await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme][..])])
        .await;
    let ana = person_id(&app, acme, "ana@example.com").await;
    browser.open(&app.url("/sign-in")).await;
    check("sign-in", &browser).await;
    let token = app.invitation_token("ana@example.com").await;
    browser
        .open(&app.url(&format!("/invitations/accept#token={token}")))
        .await;
    check("accept invitation", &browser).await;
    // The same invitation through a link an admin copied: no profile form, the way to the email.
    let link: roster_shared::api::InvitationLink = roster_tests::expect_json(
        app.api
            .post_empty(&format!(
                "/api/v1/accounts/{}/people/{ana}/invitation/link",
                acme.0
            ))
            .await,
        200,
    )
    .await;
    browser
        .open(&app.url(&link.url[link.url.find("/invitations/").unwrap()..]))
        .await;
    browser.text_of("[data-test=emailed-link-required]").await;
    check("accept from a copied link", &browser).await;
    browser.open(&app.url("/forgot-password")).await;
    browser.text_of("#forgot-title").await;
    check("forgot password", &browser).await;
    browser
        .open(&app.url("/reset-password#token=not-a-real-one"))
        .await;
    browser.text_of("#reset-title").await;
    check("reset password (a link that is not valid)", &browser).await;

    browser
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;

    let screens: Vec<(&str, String)> = vec![
        ("users", format!("/accounts/{}/users", acme.0)),
        ("new user", format!("/accounts/{}/users/new", acme.0)),
        ("import", format!("/accounts/{}/users/import", acme.0)),
        ("person", format!("/accounts/{}/people/{ana}", acme.0)),
        ("sub-accounts", format!("/accounts/{}/sub-accounts", acme.0)),
        ("audit log", format!("/accounts/{}/audit", acme.0)),
        ("seats", format!("/accounts/{}/seats", acme.0)),
        ("api tokens", format!("/accounts/{}/tokens", acme.0)),
        ("provisioning", format!("/accounts/{}/provisioning", acme.0)),
        (
            "sub-account users",
            format!("/accounts/{}/users", support.0),
        ),
        ("profile", "/profile".into()),
        ("notifications", "/profile/notifications".into()),
        ("devices", "/profile/devices".into()),
        ("security", "/security".into()),
        ("dev mailbox", "/dev/mailbox".into()),
        ("api reference", "/api-reference".into()),
        ("not found", "/no/such/page".into()),
    ];
    for dark in [false, true] {
        browser.set_dark(dark).await;
        for (name, path) in &screens {
            browser.open(&app.url(path)).await;
            let label = if dark {
                format!("{name} (dark)")
            } else {
                (*name).to_owned()
            };
            check(&label, &browser).await;
        }
    }
    // The Users list with rows ticked, and a bulk action's dialog.
    browser.set_dark(false).await;
    browser
        .open(&app.url(&format!("/accounts/{}/users", acme.0)))
        .await;
    browser.click("[data-test=select-page]").await;
    browser.text_of("[data-test=bulk-bar]").await;
    check("users, rows selected", &browser).await;
    browser.click("[data-test=bulk-set-role]").await;
    browser.wait_for_count("#bulk-role-dialog[open]", 1).await;
    check("change the role of many", &browser).await;
    // Provisioning with a group an identity provider pushed, and its access dialog.
    let token = app.api.api_token(acme, "Okta", Role::Admin).await.token;
    let pushed = reqwest::Client::new()
        .post(app.url("/scim/v2/Groups"))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Support agents", "members": [{ "value": ana.to_string() }] }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), 201);
    browser
        .open(&app.url(&format!("/accounts/{}/provisioning", acme.0)))
        .await;
    browser.wait_for_count("[data-test=pushed-group]", 1).await;
    check("provisioning with a group", &browser).await;
    browser.click("[data-test=choose-access]").await;
    browser
        .wait_for_count("#group-access-dialog[open]", 1)
        .await;
    check("access from a group", &browser).await;
    assert!(
        found.is_empty(),
        "axe found {} violation(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Signing in and sending an invitation with the keyboard alone: Tab moves through the form in
/// a sensible order and Enter submits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_invite_with_the_keyboard_alone() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::launch().await;
    browser.open(&app.url("/sign-in")).await;
    browser.text_of("#email").await;
    // The skip link comes first, then the form.
    focus_by_tab(&browser, "email").await;
    browser.type_keys(OWNER_EMAIL).await;
    browser.type_keys(TAB).await;
    assert_eq!(browser.focused_id().await, "password");
    browser.type_keys(OWNER_PASSWORD).await;
    browser.type_keys(ENTER).await;
    browser
        .wait_for_path(&format!("/accounts/{}/users", acme.0))
        .await;
    browser.wait_for_text("h1", "Users").await;

    // New User, reached by Tab + Enter on its link.
    focus_by_test(&browser, "new-user").await;
    browser.type_keys(ENTER).await;
    browser
        .wait_for_path(&format!("/accounts/{}/users/new", acme.0))
        .await;
    browser.text_of("#invite-emails").await;
    focus_by_tab(&browser, "invite-emails").await;
    browser.type_keys("kim@example.com").await;
    browser.type_keys(ENTER).await;
    browser.wait_for_count("[data-test=chip]", 1).await;
    // The role and the account are preselected for the inviter's own account; Tab on to the
    // send button and press Enter.
    focus_by_test(&browser, "send-invitation").await;
    browser.type_keys(ENTER).await;
    browser
        .wait_for_text_containing("[data-test=invite-result]", "kim@example.com")
        .await;
}

/// Presses Tab until the element with `id` has the focus (at most 60 times).
async fn focus_by_tab(browser: &Browser, id: &str) {
    for _ in 0..60 {
        if browser.focused_id().await == id {
            return;
        }
        browser.type_keys(TAB).await;
    }
    panic!("Tab never reached #{id}");
}

/// Presses Tab until the element with `data-test=name` has the focus.
async fn focus_by_test(browser: &Browser, name: &str) {
    for _ in 0..80 {
        let focused = browser
            .client
            .execute(
                "return document.activeElement && document.activeElement.getAttribute('data-test')",
                vec![],
            )
            .await
            .expect("a script runs");
        if focused.as_str() == Some(name) {
            return;
        }
        browser.type_keys(TAB).await;
    }
    panic!("Tab never reached [data-test={name}]");
}

async fn person_id(app: &TestApp, account: AccountId, email: &str) -> i64 {
    let page: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q={email}", account.0))
        .await;
    page.people
        .iter()
        .find(|p| p.email.as_str() == email)
        .expect("the person is listed")
        .id
        .0
}
