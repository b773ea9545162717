//! Sub-accounts as an Owner sees them: a sibling's name refused at the name field while typing
//! (and by the server, for a sibling the screen has not seen yet), then archive and Restore.

use std::path::PathBuf;

use roster_tests::browser::Browser;
use roster_tests::{Engine, OWNER_EMAIL, TestApp};

fn shot(name: &str) -> PathBuf {
    let dir = PathBuf::from("/tmp/shots-sub-accounts");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir.join(format!("{name}.png"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sibling_names_are_refused_and_archived_sub_accounts_restored() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let session = app.set_up().await;
    let acme = session.last_account.expect("setup opens the new account");
    let support = app.sub_account(acme, "Support").await;
    app.sub_account(support, "EMEA").await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser
        .open(&app.url(&format!("/accounts/{}/sub-accounts", acme.0)))
        .await;
    browser.wait_for_count("[data-test=account-node]", 3).await;

    // While typing: the siblings on screen are checked with the shared rule.
    browser
        .click("[aria-label='Add sub-account under Support']")
        .await;
    browser.type_into("#sub-account-name", "  emea").await;
    browser
        .wait_for_text(
            "#sub-account-name-error",
            "Support already has a sub-account named “EMEA”.",
        )
        .await;
    browser.screenshot(&shot("1-duplicate-at-field")).await;

    // A sibling created elsewhere a moment ago: the server's refusal lands at the field too.
    app.sub_account(support, "Nights").await;
    browser.fill("#sub-account-name", "NIGHTS").await;
    browser.click("[data-test=create-sub-account]").await;
    browser
        .wait_for_text(
            "#sub-account-name-error",
            "Support already has a sub-account named “Nights”.",
        )
        .await;
    browser.click("#create-dialog button.ghost").await;

    // Archive, then Restore.
    browser.click("[aria-label='Archive EMEA']").await;
    browser.click("#archive-dialog [data-test=confirm]").await;
    browser
        .wait_for_text_containing(".alert.ok", "EMEA was archived.")
        .await;
    browser.click("[aria-label='Restore EMEA']").await;
    browser.screenshot(&shot("2-restore-confirm")).await;
    browser.click("#restore-dialog [data-test=confirm]").await;
    browser
        .wait_for_text_containing(".alert.ok", "EMEA was restored.")
        .await;
    browser
        .wait_for_count("[aria-label='Archive EMEA']", 1)
        .await;
    assert_eq!(browser.count("[aria-label='Restore EMEA']").await, 0);
    browser.screenshot(&shot("3-restored")).await;
    browser.close().await;
    app.stop().await;
}

/// On a sub-account's Users list, the Owner above it and someone whose role on a parent covers
/// it are there, marked "from <parent>"; their row offers no removal that could not work, and
/// their page says where to change it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sub_accounts_list_shows_access_from_its_parents() {
    use roster_shared::role::Role;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let session = app.set_up().await;
    let acme = session.last_account.expect("setup opens the new account");
    let support = app.sub_account(acme, "Support").await;
    let emea = app.sub_account(support, "EMEA").await;
    app.invite(acme, &["ana@example.com"], &[(Role::Admin, &[support])])
        .await;
    app.invite(acme, &["bo@example.com"], &[(Role::Basic, &[emea])])
        .await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser
        .open(&app.url(&format!("/accounts/{}/users", emea.0)))
        .await;
    browser.wait_for_count("[data-test=person-row]", 3).await;
    let chip =
        |email: &str| format!("[data-test=person-row][data-email='{email}'] [data-test=role-chip]");
    browser
        .wait_for_text(&chip(OWNER_EMAIL), "Owner · from Acme")
        .await;
    browser
        .wait_for_text_containing(&chip("ana@example.com"), "Admin · from Support")
        .await;
    browser
        .wait_for_text_containing(&chip("bo@example.com"), "Basic · EMEA")
        .await;
    browser.screenshot(&shot("4-inherited-on-list")).await;

    browser
        .click("[data-test=person-row][data-email='ana@example.com'] [data-test=row-menu]")
        .await;
    browser
        .wait_for_count(
            "[data-test=person-row][data-email='ana@example.com'] a[role=menuitem]",
            1,
        )
        .await;
    assert_eq!(
        browser
            .count("[data-test=person-row][data-email='ana@example.com'] .danger-text")
            .await,
        0,
        "no removal is offered for access that comes from above"
    );
    browser
        .click("[data-test=person-row][data-email='ana@example.com'] a[role=menuitem]")
        .await;
    browser
        .wait_for_text_containing(
            "[data-test=inherited-access]",
            "Their Admin role on Support covers this account and its sub-accounts; it is changed on the Users list of Support.",
        )
        .await;
    browser.screenshot(&shot("5-inherited-on-person")).await;
    browser.close().await;
    app.stop().await;
}
