//! Team management as an Owner and an invitee see it: inviting several people at once (a typo
//! fixed in place), accepting in another browser, Pending turning Active, editing access on
//! the person's profile, and switching accounts from the keyboard.

use roster_tests::browser::Browser;
use roster_tests::{Engine, MEMBER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, TestApp};

const ENTER: &str = "\u{E007}";
const ARROW_DOWN: &str = "\u{E015}";
const ESCAPE: &str = "\u{E00C}";

fn row(email: &str) -> String {
    format!("[data-test=person-row][data-email=\"{email}\"]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invite_accept_and_edit_access() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let session = app.set_up().await;
    let acme = session.last_account.expect("setup opens the new account");
    let support = app.sub_account(acme, "Support").await;
    let sales = app.sub_account(acme, "Sales").await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;

    // New User: three addresses, one with a typo.
    browser.click("[data-test=new-user]").await;
    browser
        .wait_for_path(&format!("/accounts/{}/users/new", acme.0))
        .await;
    browser
        .type_into(
            "#invite-emails",
            "ana@example.com, bob@example cy@example.com ",
        )
        .await;
    browser.wait_for_count("[data-test=chip]", 2).await;
    browser.wait_for_count("[data-test=chip-invalid]", 1).await;
    let reason = browser.text_of("[data-test=chip-errors]").await;
    assert!(
        reason.contains("“bob@example”: Domain has no dot"),
        "{reason}"
    );
    // Fixed in place: the red chip goes back into the box, ".com" and Enter make it good.
    browser.click("[data-test=chip-invalid] .chip-edit").await;
    assert_eq!(browser.value_of("#invite-emails").await, "bob@example");
    browser
        .type_into("#invite-emails", &format!(".com{ENTER}"))
        .await;
    browser.wait_for_count("[data-test=chip]", 3).await;
    assert_eq!(browser.count("[data-test=chip-invalid]").await, 0);
    // A repeated address is kept once, with a note.
    browser
        .type_into("#invite-emails", &format!("ANA@example.com{ENTER}"))
        .await;
    browser
        .wait_for_text_containing("[data-test=chips-note]", "kept once")
        .await;
    assert_eq!(browser.count("[data-test=chip]").await, 3);

    // Basic on Acme (the defaults), Admin on Support in a second row.
    assert_eq!(browser.value_of("#grant-0-role").await, "basic");
    assert!(browser.is_checked(&format!("#grant-0-{}", acme.0)).await);
    browser.click("[data-test=add-grant-row]").await;
    browser.select("#grant-1-role", "admin").await;
    browser.click(&format!("#grant-1-{}", support.0)).await;
    // Support is taken by the second row, so the first cannot choose it any more.
    let first_row_support = format!("#grant-0-{}", support.0);
    assert_eq!(
        browser
            .client
            .find(fantoccini::Locator::Css(&first_row_support))
            .await
            .unwrap()
            .attr("disabled")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        browser.text_of("[data-test=seat-line]").await,
        "1 of 10 seats used; this invitation needs up to 3. People already in your organisation need no new seat."
    );
    browser.click("[data-test=send-invitation]").await;
    let invited = browser.text_of("[data-test=invited]").await;
    for email in ["ana@example.com", "bob@example.com", "cy@example.com"] {
        assert!(invited.contains(email), "{invited}");
    }
    assert!(invited.contains("Invited: 3 people"), "{invited}");

    // Back on the list, Ana is Pending with her offered access.
    browser
        .click("[data-test=invite-result] a.button.primary")
        .await;
    browser.wait_for_count("[data-test=person-row]", 4).await;
    assert_eq!(
        browser
            .text_of(&format!("{} [data-test=status]", row("ana@example.com")))
            .await,
        "Pending"
    );
    let access = browser
        .text_of(&format!("{} .role-chips", row("ana@example.com")))
        .await;
    assert!(
        access.contains("Basic · Acme") && access.contains("Admin · Support"),
        "{access}"
    );

    // Ana opens the link from her email in her own browser and creates her profile.
    let token = app.invitation_token("ana@example.com").await;
    let ana = Browser::launch().await;
    ana.open(&app.url(&format!("/invitations/accept#token={token}")))
        .await;
    ana.wait_for_text("h1", "Join Acme").await;
    let offer = ana.text_of("[data-test=accept-offer]").await;
    assert!(
        offer.contains("Olivia Owner invited you to Acme"),
        "{offer}"
    );
    assert!(offer.contains("Support: Admin"), "{offer}");
    ana.fill("#accept-name", "Ana Lopez").await;
    ana.fill("#accept-password", MEMBER_PASSWORD).await;
    ana.fill("#accept-password-again", MEMBER_PASSWORD).await;
    ana.click("[data-test=accept-submit]").await;
    // Signed in, she lands on the Users list of the account she manages.
    ana.wait_for_text("[data-test=header-name]", "Ana Lopez")
        .await;
    ana.wait_for_path(&format!("/accounts/{}/users", support.0))
        .await;
    ana.close().await;

    // The Owner's list shows her Active once reloaded.
    browser
        .open(&app.url(&format!("/accounts/{}/users", acme.0)))
        .await;
    browser
        .wait_for_text(
            &format!("{} [data-test=status]", row("ana@example.com")),
            "Active",
        )
        .await;

    // Her profile: Acme Basic → Reporting.
    browser
        .click(&format!("{} .person-name a", row("ana@example.com")))
        .await;
    browser
        .wait_for_text("[data-test=person-name]", "Ana Lopez")
        .await;
    browser
        .select(&format!("#access-{}", acme.0), "reporting")
        .await;
    browser.click("[data-test=save-access]").await;
    browser
        .wait_for_text_containing("[data-test=access-changes]", "Acme: Basic → Reporting")
        .await;

    // Add Sales as Admin.
    browser.click("[data-test=assign-more]").await;
    browser.select("#add-0-role", "admin").await;
    browser.click(&format!("#add-0-{}", sales.0)).await;
    browser.click("[data-test=save-access]").await;
    browser
        .wait_for_text_containing("[data-test=access-changes]", "Added Sales as Admin")
        .await;
    browser.wait_for_count("[data-test=access-row]", 3).await;

    // Remove Support with its trash button.
    browser
        .click("[aria-label=\"Remove access to Support\"]")
        .await;
    browser.wait_for_count("[data-test=access-row]", 2).await;
    browser.click("[data-test=save-access]").await;
    browser
        .wait_for_text_containing("[data-test=access-changes]", "Removed access to Support")
        .await;

    // Switch to Sales from the keyboard: the filter has focus, typing narrows, Enter opens.
    browser.click("[data-test=account-switcher]").await;
    browser.wait_for_count("#account-filter", 1).await;
    assert_eq!(browser.focused_id().await, "account-filter");
    browser.type_keys("sal").await;
    browser
        .wait_for_count("[data-test=account-option]", 1)
        .await;
    browser.type_keys(ENTER).await;
    browser
        .wait_for_path(&format!("/accounts/{}/users", sales.0))
        .await;
    browser
        .wait_for_text("[data-test=current-account]", "Sales")
        .await;
    browser.wait_for_count(&row("ana@example.com"), 1).await;
    // ↓ moves through the whole tree; Escape closes and gives focus back.
    browser.click("[data-test=account-switcher]").await;
    browser
        .wait_for_count("[data-test=account-option]", 3)
        .await;
    browser.type_keys(ARROW_DOWN).await;
    browser.type_keys(ESCAPE).await;
    browser.wait_for_count("#account-filter", 0).await;
    assert_eq!(
        browser
            .client
            .active_element()
            .await
            .unwrap()
            .attr("data-test")
            .await
            .unwrap()
            .as_deref(),
        Some("account-switcher")
    );
    // The next sign-in opens the account chosen last.
    let again = app.new_client();
    let session = again.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(session.last_account, Some(sales));

    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_menu_resends_copies_and_revokes() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let session = app.set_up().await;
    let acme = session.last_account.expect("setup opens the new account");
    app.invite(
        acme,
        &["dee@example.com"],
        &[(roster_shared::role::Role::Basic, &[acme])],
    )
    .await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    let dee = row("dee@example.com");

    // The ⋮ menu opens from the keyboard with focus on its first action.
    browser.click(&format!("{dee} [data-test=row-menu]")).await;
    browser
        .wait_for_count(&format!("{dee} [role=menuitem]"), 5)
        .await;
    browser.type_keys(ARROW_DOWN).await;
    browser.type_keys(ENTER).await;
    browser
        .wait_for_text_containing(
            "[data-test=notice]",
            "Invitation sent again to dee@example.com",
        )
        .await;

    // Copy invitation link shows the link (and puts it on the clipboard where allowed).
    browser.click(&format!("{dee} [data-test=row-menu]")).await;
    browser
        .click(&format!("{dee} [role=menuitem]:nth-child(3)"))
        .await;
    let link = browser.value_of("[data-test=invitation-link]").await;
    assert!(link.contains("/invitations/accept#token="), "{link}");
    browser.click("#link-dialog .form-actions button").await;

    // Revoke asks first; afterwards Dee is gone from the list.
    browser.click(&format!("{dee} [data-test=row-menu]")).await;
    browser
        .click(&format!("{dee} [role=menuitem]:nth-child(4)"))
        .await;
    browser.click("#revoke-dialog [data-test=confirm]").await;
    browser
        .wait_for_text_containing("[data-test=notice]", "was revoked")
        .await;
    browser.wait_for_count(&dee, 0).await;

    // Search narrows the list on the server.
    browser.fill("[data-test=people-search]", "zz-nobody").await;
    browser.text_of("[data-test=people-empty]").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_with_a_sign_in_accepts_after_signing_in() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    app.set_up().await;
    // The operator gives Olivia (who owns Acme) a second organisation.
    let created = roster_backend::operator::create_organisation(
        app.database_url(),
        None,
        &app.address,
        "Globex",
        "starter",
        OWNER_EMAIL,
    )
    .await
    .expect("the operator command works");
    let link = created.invitation_link.clone();
    let path = &link[link.find("/invitations/accept").expect("an accept link")..];

    let browser = Browser::launch().await;
    browser.open(&app.url(path)).await;
    browser.wait_for_text("h1", "Join Globex").await;
    // Signed out: sign in first, and come back to this very invitation.
    browser.click("[data-test=sign-in-to-accept]").await;
    browser.wait_for_text("h1", "Sign in to Roster").await;
    browser.fill("#email", OWNER_EMAIL).await;
    browser.fill("#password", OWNER_PASSWORD).await;
    browser.click("[data-test=sign-in-submit]").await;
    browser.wait_for_text("h1", "Join Globex").await;
    browser.click("[data-test=accept-invitation]").await;
    // Accepted: Globex is now in the switcher beside Acme.
    browser.wait_for_text("h1", "Users").await;
    browser.click("[data-test=account-switcher]").await;
    let options = browser.text_of("#account-options").await;
    assert!(
        options.contains("Acme") && options.contains("Globex"),
        "{options}"
    );
    browser.close().await;
    app.stop().await;
}

/// A link an admin copied cannot set up a new person's Roster account: opened by whoever it
/// was passed to, it shows what is offered and sends them to the emailed invitation, with no
/// form to choose a password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_link_sends_a_newcomer_to_their_email() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    app.invite(
        acme,
        &["nia@example.com"],
        &[(roster_shared::role::Role::Basic, &[acme])],
    )
    .await;
    let page: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=nia", acme.0))
        .await;
    let nia = page.people[0].id.0;
    let link: roster_shared::api::InvitationLink = roster_tests::expect_json(
        app.api
            .post_empty(&format!(
                "/api/v1/accounts/{}/people/{nia}/invitation/link",
                acme.0
            ))
            .await,
        200,
    )
    .await;
    let path = &link.url[link
        .url
        .find("/invitations/accept")
        .expect("an accept link")..];

    let browser = Browser::launch().await;
    browser.open(&app.url(path)).await;
    browser.wait_for_text("h1", "Join Acme").await;
    let told = browser
        .wait_for_text_containing(
            "[data-test=emailed-link-required]",
            "invitation emailed to that address",
        )
        .await;
    assert!(told.contains("nia@example.com"), "{told}");
    assert_eq!(browser.count("input[type=password]").await, 0);
    browser.click("[data-test=email-invitation]").await;
    browser
        .wait_for_text_containing(
            "[data-test=invitation-emailed]",
            "on its way to nia@example.com",
        )
        .await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    browser
        .screenshot(&dir.join("accept-copied-link.png"))
        .await;
    browser.close().await;
    app.stop().await;
}

/// On a phone the Users list scrolls sideways, and each row's ⋮ is in view from the start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_actions_are_in_view_on_a_phone() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    app.invite(
        acme,
        &["a.rather.long.address.for.a.phone@example.com"],
        &[(roster_shared::role::Role::Basic, &[acme])],
    )
    .await;
    let browser = Browser::launch().await;
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await;
    browser
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;
    let person = row("a.rather.long.address.for.a.phone@example.com");
    browser.wait_for_count(&person, 1).await;
    let edges = browser
        .client
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
             return [r.left, r.right, document.documentElement.scrollWidth];",
            vec![serde_json::json!(format!("{person} [data-test=row-menu]"))],
        )
        .await
        .expect("the menu button's place");
    let [left, right, width] = [0, 1, 2].map(|i| edges[i].as_f64().expect("a number"));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    browser.screenshot(&dir.join("users-phone.png")).await;
    // The page is as wide as the phone (nothing inside the table widens it), and the ⋮ is
    // on it.
    assert_eq!(width, 390.0, "the page's width on a 390 px phone");
    assert!(
        left >= 0.0 && right <= 390.0,
        "the ⋮ is at {left}..{right} on a 390 px screen"
    );
    // A short address that does not fit its column breaks after the "@", not inside the
    // domain ("olivia@acme.exa" / "mple"): the domain's text is on one line.
    let domain = browser
        .client
        .execute(
            "const cell = document.querySelector(arguments[0] + ' td.person-email'); \
             const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT); \
             const chars = []; \
             for (let n = walker.nextNode(); n; n = walker.nextNode()) { \
               for (let i = 0; i < n.length; i++) { \
                 const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1); \
                 chars.push([n.data[i], Math.round(r.getBoundingClientRect().top)]); } } \
             const after = chars.slice(chars.findIndex(c => c[0] === '@') + 1); \
             return [after.map(c => c[0]).join(''), new Set(after.map(c => c[1])).size];",
            vec![serde_json::json!(row(OWNER_EMAIL))],
        )
        .await
        .expect("the Owner's address cell");
    assert_eq!(
        (domain[0].as_str(), domain[1].as_i64()),
        (OWNER_EMAIL.split_once('@').map(|(_, d)| d), Some(1)),
        "the domain's characters and the lines they are on"
    );
    browser
        .click(&format!("{person} [data-test=row-menu]"))
        .await;
    browser
        .wait_for_count(&format!("{person} [role=menuitem]"), 5)
        .await;
    browser.close().await;
    app.stop().await;
}

/// Trashing access on a sub-account and assigning it again with another role before saving:
/// the picker draws the real tree (nothing moves up a level or under a sibling), offers the
/// trashed account, and shows a ticked parent's sub-accounts as included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_picker_keeps_the_tree_after_a_trash() {
    use roster_shared::role::Role;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    let emea = app.sub_account(acme, "EMEA").await;
    let north = app.sub_account(emea, "EMEA North").await;
    let apac = app.sub_account(acme, "APAC").await;
    app.invite(
        acme,
        &["ana@example.com"],
        &[(Role::Basic, &[emea]), (Role::Reporting, &[apac])],
    )
    .await;
    let browser = person_editor_of(&app, acme, "ana@example.com").await;
    browser.wait_for_count("[data-test=access-row]", 2).await;
    browser
        .click("[aria-label=\"Remove access to EMEA\"]")
        .await;
    browser.wait_for_count("[data-test=access-row]", 1).await;
    browser.click("[data-test=assign-more]").await;
    let depth = |name: &'static str| {
        let browser = &browser;
        async move {
            browser
                .client
                .find(fantoccini::Locator::Css(&format!(
                    "[data-test=account-tree] li[data-account=\"{name}\"]"
                )))
                .await
                .unwrap_or_else(|_| panic!("{name} is in the picker"))
                .attr("data-depth")
                .await
                .unwrap()
                .unwrap()
                .parse::<u8>()
                .unwrap()
        }
    };
    let (top, emea_depth, north_depth, apac_depth) = (
        depth("Acme").await,
        depth("EMEA").await,
        depth("EMEA North").await,
        depth("APAC").await,
    );
    assert_eq!(
        (emea_depth, north_depth, apac_depth),
        (top + 1, top + 2, top + 1),
        "the picker draws the real tree"
    );
    // EMEA is offered again, and ticking it covers EMEA North.
    browser.select("#add-0-role", "admin").await;
    browser.click(&format!("#add-0-{}", emea.0)).await;
    let north_box = format!("#add-0-{}", north.0);
    browser
        .wait_for_text_containing(
            "[data-test=account-tree] li[data-account=\"EMEA North\"]",
            "included",
        )
        .await;
    assert!(browser.is_checked(&north_box).await);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    browser
        .screenshot_full(&dir.join("person-access-picker.png"))
        .await;
    browser.click("[data-test=save-access]").await;
    browser
        .wait_for_text_containing("[data-test=access-changes]", "EMEA: Basic → Admin")
        .await;
    browser.close().await;
    app.stop().await;
}

/// Clearing out: the Users list's "Last sign-in" filter narrows it to people who stopped
/// signing in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_list_filters_by_last_sign_in() {
    use roster_shared::role::Role;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    app.invite(acme, &["gone@example.com"], &[(Role::Basic, &[acme])])
        .await;
    app.accept_as_new("gone@example.com", "Gone Person").await;
    app.execute("UPDATE users SET last_sign_in_at = 1000000 WHERE email_key = 'gone@example.com'")
        .await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser.wait_for_count("[data-test=person-row]", 2).await;
    browser.select("[data-test=inactive-filter]", "180d").await;
    browser.wait_for_count("[data-test=person-row]", 1).await;
    browser.wait_for_count(&row("gone@example.com"), 1).await;
    browser.select("[data-test=inactive-filter]", "").await;
    browser.wait_for_count("[data-test=person-row]", 2).await;
    browser.close().await;
    app.stop().await;
}

/// Leaving the person editor with unsaved changes asks first; staying keeps them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_unsaved_access_changes_asks_first() {
    use roster_shared::role::Role;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let browser = person_editor_of(&app, acme, "ana@example.com").await;
    browser.wait_for_count("[data-test=access-row]", 1).await;
    browser
        .select(&format!("#access-{}", acme.0), "reporting")
        .await;
    browser.text_of(".unsaved").await;
    let users_link = format!("a[href=\"/accounts/{}/users\"]", acme.0);
    browser.click(&users_link).await;
    assert!(
        browser
            .wait_for_alert()
            .await
            .contains("Leave without saving?")
    );
    browser.client.dismiss_alert().await.unwrap();
    // Stayed, with the change still there.
    assert_eq!(
        browser.value_of(&format!("#access-{}", acme.0)).await,
        "reporting"
    );
    browser.text_of(".unsaved").await;
    browser.click(&users_link).await;
    assert!(
        browser
            .wait_for_alert()
            .await
            .contains("Leave without saving?")
    );
    browser.client.accept_alert().await.unwrap();
    browser
        .wait_for_path(&format!("/accounts/{}/users", acme.0))
        .await;
    browser.close().await;
    app.stop().await;
}

/// A browser signed in as the Owner, on `email`'s page in `account`'s settings.
async fn person_editor_of(
    app: &TestApp,
    account: roster_shared::account::AccountId,
    email: &str,
) -> Browser {
    let page: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q={email}", account.0))
        .await;
    let person = page.people[0].id.0;
    let browser = Browser::launch().await;
    browser
        .sign_in_to_users(app, OWNER_EMAIL, OWNER_PASSWORD, account)
        .await;
    browser
        .open(&app.url(&format!("/accounts/{}/people/{person}", account.0)))
        .await;
    browser
}

/// New User offers "+ Add to other accounts" only where there is another account: not to an
/// Admin of a single account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_accounts_are_offered_only_where_there_are_some() {
    use roster_shared::role::Role;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    let support = app.sub_account(acme, "Support").await;
    app.invite(acme, &["sam@example.com"], &[(Role::Admin, &[support])])
        .await;
    app.accept_as_new("sam@example.com", "Sam").await;
    let browser = Browser::launch().await;
    browser
        .sign_in_to_users(&app, "sam@example.com", MEMBER_PASSWORD, support)
        .await;
    browser
        .open(&app.url(&format!("/accounts/{}/users/new", support.0)))
        .await;
    browser.wait_for_count("[data-test=grant-row]", 1).await;
    assert_eq!(browser.count("[data-test=add-grant-row]").await, 0);
    browser.close().await;
    // The Owner of Acme has Support besides Acme.
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser
        .open(&app.url(&format!("/accounts/{}/users/new", acme.0)))
        .await;
    browser.wait_for_count("[data-test=grant-row]", 1).await;
    browser.wait_for_count("[data-test=add-grant-row]", 1).await;
    browser.close().await;
    app.stop().await;
}

/// New User's messages are current: "Enter at least one email address." goes away as soon
/// as an address is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_user_messages_are_current() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser
        .open(&app.url(&format!("/accounts/{}/users/new", acme.0)))
        .await;
    browser.wait_for_text("h1", "New User").await;
    browser.click("[data-test=send-invitation]").await;
    browser
        .wait_for_text(
            "[data-test=invite-problem]",
            "Enter at least one email address.",
        )
        .await;
    browser
        .type_into("#invite-emails", "new.person@example.com, ")
        .await;
    browser.wait_for_count("[data-test=chip]", 1).await;
    browser
        .wait_for_count("[data-test=invite-problem]", 0)
        .await;
    browser.close().await;
    app.stop().await;
}

/// Someone with Basic (or Reporting) access meets no dead end: the settings navigation holds
/// only what they may use, and a page for Admins opened by its address says why, with no
/// "Try again" that could never work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_people_see_only_what_they_may_use() {
    use roster_shared::role::Role;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let session = app.set_up().await;
    let acme = session.last_account.expect("setup opens the new account");
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    app.accept_as_new("ana@example.com", "Ana Basic").await;
    let browser = Browser::launch().await;
    // Someone who manages no one starts on the welcome page; the account's settings are a
    // link away.
    browser
        .submit_sign_in(&app, "ana@example.com", MEMBER_PASSWORD)
        .await;
    browser.wait_for_text("h1", "Welcome, Ana").await;
    browser
        .open(&app.url(&format!("/accounts/{}/users", acme.0)))
        .await;
    browser
        .wait_for_count("[data-test=users-not-managed]", 1)
        .await;
    let visible_links = || async {
        browser
            .client
            .execute(
                "return [...document.querySelectorAll('.settings-nav li:not([hidden]) a')].map(a => a.textContent.trim())",
                vec![],
            )
            .await
            .expect("the navigation")
    };
    assert_eq!(
        visible_links().await,
        serde_json::json!(["Users", "Sub-accounts"]),
        "Audit log, Seats and API tokens are for Admins and Owners"
    );
    for (path, title) in [
        ("audit", "The audit log"),
        ("users/new", "Inviting people"),
        ("tokens", "API tokens"),
        ("seats", "Seats"),
    ] {
        browser
            .open(&app.url(&format!("/accounts/{}/{path}", acme.0)))
            .await;
        browser.wait_for_text("h1", title).await;
        browser
            .wait_for_text_containing(
                "[data-test=for-managers]",
                "Only the Admins and Owners of Acme use this page. You have Basic access here",
            )
            .await;
        assert_eq!(
            browser.count(".settings-main button").await,
            0,
            "{path}: nothing to retry"
        );
    }
    browser
        .screenshot(&std::path::PathBuf::from("/tmp/shots-basic-audit.png"))
        .await;
    browser.close().await;
    app.stop().await;
}

/// The Users list's search, filters, sort and page live in the address: Back from a person,
/// a reload and the same link opened elsewhere all bring the list back as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_list_keeps_its_state_in_the_address() {
    use roster_shared::role::Role;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let session = app.set_up().await;
    let acme = session.last_account.expect("setup opens the new account");
    let emails: Vec<String> = (0..60).map(|i| format!("ana{i:02}@example.com")).collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    app.set_extra_seats(acme, 70).await;
    app.invite(acme, &refs, &[(Role::Basic, &[acme])]).await;
    app.invite(acme, &["bo@example.com"], &[(Role::Admin, &[acme])])
        .await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;

    // Search, a filter, a sort, the next page.
    browser.fill("[data-test=people-search]", "ana").await;
    browser.wait_for_count("[data-test=person-row]", 50).await;
    browser.select("[data-test=role-filter]", "basic").await;
    // The Email column (after the row boxes and Name): up, then down.
    let email = "th:nth-child(3)";
    browser.click(&format!("{email} .sort-button")).await;
    browser
        .wait_for_count(&format!("{email}[aria-sort=ascending]"), 1)
        .await;
    browser.click(&format!("{email} .sort-button")).await;
    browser
        .wait_for_count(&format!("{email}[aria-sort=descending]"), 1)
        .await;
    browser
        .wait_for_text(
            "[data-test=person-row]:first-child .person-email",
            "ana59@example.com",
        )
        .await;
    browser.click("[data-test=pager-next]").await;
    browser
        .wait_for_text(
            "[data-test=person-row]:first-child .person-email",
            "ana09@example.com",
        )
        .await;
    // The new page starts at its first row, below the header, not at the pager.
    let top = browser
        .client
        .execute(
            "return document.querySelector('[data-test=person-row]').getBoundingClientRect().top",
            vec![],
        )
        .await
        .expect("the first row")
        .as_f64()
        .unwrap_or_default();
    assert!((56.0..400.0).contains(&top), "first row at {top}px");
    // The page is the server's cursor of it, in the address with the rest.
    let here = browser.client.current_url().await.expect("the address");
    let query = here.query().unwrap_or_default().to_owned();
    assert!(
        query.starts_with("q=ana&role=basic&sort=email&order=desc&cursor="),
        "{query}"
    );
    let expected = format!("?{query}");

    let restored = || async {
        browser
            .wait_for_text(
                "[data-test=person-row]:first-child .person-email",
                "ana09@example.com",
            )
            .await;
        assert_eq!(browser.value_of("[data-test=people-search]").await, "ana");
        assert_eq!(browser.value_of("[data-test=role-filter]").await, "basic");
        assert_eq!(browser.count("th[aria-sort=descending]").await, 1);
    };
    // Into a person and Back.
    browser
        .click("[data-test=person-row]:first-child .person-name a")
        .await;
    browser.wait_for_count("[data-test=access-editor]", 1).await;
    browser.client.back().await.expect("Back");
    restored().await;
    // A reload.
    browser.client.refresh().await.expect("reload");
    restored().await;
    // The same link opened afresh.
    browser
        .open(&app.url(&format!("/accounts/{}/users{expected}", acme.0)))
        .await;
    restored().await;
    browser.close().await;
    app.stop().await;
}

/// Dialogs are the browser's own modal `<dialog>`: the page behind is inert, Tab never leaves
/// the dialog, and Escape closes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialogs_are_modal() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let session = app.set_up().await;
    let acme = session.last_account.expect("setup opens the new account");
    app.invite(
        acme,
        &["dee@example.com"],
        &[(roster_shared::role::Role::Basic, &[acme])],
    )
    .await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    let dee = row("dee@example.com");
    browser.click(&format!("{dee} [data-test=row-menu]")).await;
    browser
        .click(&format!("{dee} [role=menuitem]:nth-child(4)"))
        .await;
    browser.wait_for_count("#revoke-dialog[open]", 1).await;
    let js = |script: &'static str| {
        let browser = &browser;
        async move {
            browser
                .client
                .execute(script, vec![])
                .await
                .expect("the script runs")
        }
    };
    assert_eq!(
        js("return document.querySelector('#revoke-dialog').matches(':modal')").await,
        serde_json::json!(true)
    );
    // The page behind takes no clicks: what is under the pointer is the dialog (its backdrop).
    assert_eq!(
        js(
            "const r = document.querySelector('[data-test=new-user]').getBoundingClientRect();
            return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2).id"
        )
        .await,
        serde_json::json!("revoke-dialog")
    );
    for _ in 0..7 {
        browser.type_keys("\u{E004}").await; // Tab
        assert_eq!(
            js("return !!document.activeElement.closest('#revoke-dialog')").await,
            serde_json::json!(true),
            "focus stays inside the dialog"
        );
    }
    browser.type_keys(ESCAPE).await;
    browser.wait_for_count("#revoke-dialog[open]", 0).await;
    assert_eq!(browser.count(&dee).await, 1, "Escape revoked nothing");
    browser.close().await;
    app.stop().await;
}

/// Clearing out inactive users: in a 10,000-person organisation, the 500 who have not signed
/// in for half a year are found with the Last sign-in filter, selected as "every match",
/// removed in one confirmed operation whose progress is shown, each with one audit entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_inactive_people_are_removed_at_once() {
    let database = roster_tests::app::TestDatabase::new(Engine::Sqlite).await;
    let demo = roster_backend::operator::demo(&database.url, 10_000)
        .await
        .expect("a large organisation");
    let app = TestApp::spawn_on(database, |_| {}).await;
    let long_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        - 200 * 86_400_000;
    app.execute(&format!(
        "UPDATE users SET last_sign_in_at = {long_ago} WHERE id IN (\
             SELECT id FROM users WHERE first_sign_in_at IS NOT NULL \
             AND email <> '{}' ORDER BY id LIMIT 500)",
        demo.owner_email
    ))
    .await;
    let browser = Browser::launch().await;
    browser
        .sign_in_to_users(
            &app,
            &demo.owner_email,
            &demo.password,
            roster_shared::account::AccountId(demo.account_id),
        )
        .await;
    browser.wait_for_count("[data-test=person-row]", 50).await;
    browser
        .wait_for_text("[data-test=pager-range]", "1–50 of 10,000")
        .await;
    browser.click("[data-test=status-active]").await;
    browser.select("[data-test=inactive-filter]", "180d").await;
    browser
        .wait_for_text("[data-test=pager-range]", "1–50 of 500")
        .await;

    // The page, then every match.
    browser.click("[data-test=select-page]").await;
    browser
        .wait_for_text("[data-test=bulk-count]", "50 people selected")
        .await;
    browser.click("[data-test=select-all-matching]").await;
    browser
        .wait_for_text("[data-test=bulk-count]", "All 500 matching selected")
        .await;
    browser.click("[data-test=bulk-remove]").await;
    browser
        .wait_for_text_containing(
            "#bulk-remove-dialog",
            "Remove 500 people from Northwind Messaging and its sub-accounts?",
        )
        .await;
    browser
        .screenshot(&std::path::PathBuf::from("/tmp/shots-bulk-confirm.png"))
        .await;
    browser
        .wait_for_text("[data-test=bulk-confirm]", "Remove access of 500 people")
        .await;
    browser.click("[data-test=bulk-confirm]").await;
    // Its progress, then what it did.
    browser
        .wait_for_text_containing("[data-test=bulk-progress]", "of 500")
        .await;
    browser
        .screenshot(&std::path::PathBuf::from("/tmp/shots-bulk-progress.png"))
        .await;
    browser
        .wait_for_text("[data-test=bulk-result]", "Done: 500 people changed.")
        .await;
    browser
        .screenshot(&std::path::PathBuf::from("/tmp/shots-bulk-done.png"))
        .await;
    browser.click("[data-test=bulk-done]").await;
    browser.wait_for_count("[data-test=people-empty]", 1).await;
    assert_eq!(browser.count("[data-test=bulk-bar]").await, 0);
    let pool = app.db().await;
    let entries: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'access.changed_in_bulk'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(entries, 500, "one audit entry per person");
    browser.click("[data-test=people-empty] button").await;
    browser
        .wait_for_text("[data-test=pager-range]", "1–50 of 9,500")
        .await;
    browser.close().await;
    app.stop().await;
}

/// Two rows ticked, one role given on a sub-account to both, and an invitation sent again to
/// whoever of them is still invited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticked_rows_get_a_role_and_invitations_again() {
    use roster_shared::role::Role;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let session = app.set_up().await;
    let acme = session.last_account.expect("setup opens the new account");
    let support = app.sub_account(acme, "Support").await;
    app.invite(
        acme,
        &["ana@example.com", "bo@example.com", "cy@example.com"],
        &[(Role::Basic, &[acme])],
    )
    .await;
    app.accept_as_new("bo@example.com", "Bo Active").await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser.wait_for_count("[data-test=person-row]", 4).await;
    browser
        .click(&format!(
            "{} [data-test=select-row]",
            row("ana@example.com")
        ))
        .await;
    browser
        .click(&format!("{} [data-test=select-row]", row("bo@example.com")))
        .await;
    browser
        .wait_for_text("[data-test=bulk-count]", "2 people selected")
        .await;
    browser.click("[data-test=bulk-set-role]").await;
    browser
        .select("#bulk-role-account", &support.0.to_string())
        .await;
    browser.select("#bulk-role", "reporting").await;
    browser
        .wait_for_text("[data-test=bulk-confirm]", "Change the role of 2 people")
        .await;
    browser.click("[data-test=bulk-confirm]").await;
    browser
        .wait_for_text("[data-test=bulk-result]", "Done: 2 people changed.")
        .await;
    browser.click("[data-test=bulk-done]").await;
    for who in ["ana@example.com", "bo@example.com"] {
        browser
            .wait_for_text_containing(&row(who), "Reporting · Support")
            .await;
    }
    assert!(
        !browser
            .text_of(&row("cy@example.com"))
            .await
            .contains("Support")
    );

    // Resend: the active one is left alone, and says why.
    browser
        .click(&format!(
            "{} [data-test=select-row]",
            row("ana@example.com")
        ))
        .await;
    browser
        .click(&format!("{} [data-test=select-row]", row("bo@example.com")))
        .await;
    browser.click("[data-test=bulk-resend]").await;
    browser.click("[data-test=bulk-confirm]").await;
    browser
        .wait_for_text(
            "[data-test=bulk-result]",
            "Done: 1 person changed, 1 left as they were.",
        )
        .await;
    browser
        .wait_for_text_containing(
            "[data-test=bulk-skips]",
            "bo@example.com: This person has already accepted",
        )
        .await;
    browser.close().await;
    app.stop().await;
}

/// A large organisation, paged by cursor: Next and Previous walk it, the range says where, and a
/// reload or the link opened afresh lands on the same deep page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_organisation_pages_forward_and_back_and_reloads_deep() {
    let database = roster_tests::app::TestDatabase::new(Engine::Sqlite).await;
    let demo = roster_backend::operator::demo(&database.url, 2_000)
        .await
        .expect("the demo fills an empty database");
    let app = TestApp::spawn_on(database, |_| {}).await;
    let owner = app.new_client();
    let session = owner.sign_in_ok(&demo.owner_email, &demo.password).await;
    let root = session.last_account.expect("the demo's organisation");
    let browser = Browser::launch().await;
    browser
        .sign_in_to_users(&app, &demo.owner_email, &demo.password, root)
        .await;
    browser.wait_for_count("[data-test=person-row]", 50).await;
    browser
        .wait_for_text("[data-test=pager-range]", "1–50 of 2,000")
        .await;
    let first_row = || async {
        browser
            .text_of("[data-test=person-row]:first-child .person-email")
            .await
    };
    // Forward five pages, remembering each page's first person.
    let mut firsts = vec![first_row().await];
    for page in 2..=6 {
        browser.click("[data-test=pager-next]").await;
        let range = format!("{}–{} of 2,000", (page - 1) * 50 + 1, page * 50);
        browser
            .wait_for_text("[data-test=pager-range]", &range)
            .await;
        let first = first_row().await;
        assert!(!firsts.contains(&first), "page {page} is a new page");
        firsts.push(first);
    }
    // A reload on the deep page, and its link opened afresh, land on it.
    let deep = browser.url().await;
    assert!(
        deep.query().unwrap_or_default().contains("cursor="),
        "{deep}"
    );
    browser.client.refresh().await.expect("reload");
    browser
        .wait_for_text("[data-test=pager-range]", "251–300 of 2,000")
        .await;
    assert_eq!(first_row().await, firsts[5]);
    browser.open(deep.as_str()).await;
    browser
        .wait_for_text("[data-test=pager-range]", "251–300 of 2,000")
        .await;
    assert_eq!(first_row().await, firsts[5]);
    // Back page by page to the first, each page as it was.
    for page in (1..=5).rev() {
        browser.click("[data-test=pager-previous]").await;
        let range = format!("{}–{} of 2,000", (page - 1) * 50 + 1, page * 50);
        browser
            .wait_for_text("[data-test=pager-range]", &range)
            .await;
        assert_eq!(first_row().await, firsts[page - 1], "page {page}");
    }
    assert_eq!(
        browser.count("[data-test=pager-previous]:disabled").await,
        1
    );
    assert!(
        !browser
            .url()
            .await
            .query()
            .unwrap_or_default()
            .contains("cursor="),
        "the first page has a bare address"
    );
    browser.close().await;
    app.stop().await;
}

/// Holds every Users-list search request for 1.5 s before sending it (a slow network), and
/// counts those called off meanwhile.
const SLOW_SEARCHES: &str = r#"(() => {
  const real = window.fetch;
  window.__searches = { started: 0, called_off: 0 };
  window.fetch = function (input, init) {
    const url = String(input instanceof Request ? input.url : input);
    // `window`, not `this`: a bare `fetch(…)` (the screens' code loading) has none.
    if (!url.includes("/people?") || !url.includes("q=")) return real.apply(window, arguments);
    const signal = (init && init.signal) || (input instanceof Request ? input.signal : null);
    window.__searches.started++;
    return new Promise((resolve, reject) => {
      const later = setTimeout(() => real.call(window, input, init).then(resolve, reject), 1500);
      if (signal) signal.addEventListener("abort", () => {
        clearTimeout(later);
        window.__searches.called_off++;
        reject(new DOMException("called off", "AbortError"));
      });
    });
  };
})();"#;

/// Typing a search asks as it goes; a request for an older search still on its way is called
/// off, and the list shows the last search's people.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_typed_calls_off_the_older_requests() {
    use roster_shared::role::Role;
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    app.invite(
        acme,
        &["ana@example.com", "anabel@example.com", "bo@example.com"],
        &[(Role::Basic, &[acme])],
    )
    .await;
    let browser = Browser::launch().await;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": SLOW_SEARCHES }),
        )
        .await;
    browser
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;
    browser.wait_for_count("[data-test=person-row]", 4).await;
    for key in ["a", "n", "a", "b"] {
        browser.type_into("[data-test=people-search]", key).await;
        // Longer than the search waits for typing to pause, shorter than an answer takes.
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    }
    browser.wait_for_count("[data-test=person-row]", 1).await;
    assert_eq!(
        browser
            .text_of("[data-test=person-row] .person-email")
            .await,
        "anabel@example.com"
    );
    let searches = browser.js("return window.__searches;").await;
    let started = searches["started"].as_u64().unwrap_or(0);
    let called_off = searches["called_off"].as_u64().unwrap_or(0);
    assert!(started >= 2, "{searches}");
    assert_eq!(called_off, started - 1, "all but the last: {searches}");
    browser.close().await;
    app.stop().await;
}
