//! Sub-account names and restoring: siblings never read as the same name, under any spelling or
//! any timing, and an archived sub-account comes back under the same permission as archiving it.

use roster_shared::account::AccountId;
use roster_shared::api::{AccountSummary, AuditPage, ErrorBody, PeoplePage, PersonDetail};
use roster_shared::role::Role;
use roster_tests::{Engine, TestApp, engines, expect_error, expect_json};
use serde_json::json;

engines!(
    a_sibling_name_is_refused_at_the_name_field,
    names_compare_as_people_read_them,
    renaming_into_a_sibling_name_is_refused,
    parallel_creates_of_one_name_make_one_account,
    archived_sub_accounts_are_restored_with_an_audit_entry,
    only_those_who_may_archive_may_restore,
    restoring_into_a_taken_name_is_refused,
    a_sub_accounts_list_holds_the_access_that_covers_it,
);

/// An organisation "Acme" with sub-accounts Support (with EMEA under it) and Sales.
struct Org {
    app: TestApp,
    acme: AccountId,
    support: AccountId,
    emea: AccountId,
    sales: AccountId,
}

async fn org(engine: Engine) -> Org {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let support = app.sub_account(acme, "Support").await;
    let emea = app.sub_account(support, "EMEA").await;
    let sales = app.sub_account(acme, "Sales").await;
    Org {
        app,
        acme,
        support,
        emea,
        sales,
    }
}

async fn create(app: &TestApp, parent: AccountId, name: &str) -> reqwest::Response {
    app.api
        .post(
            &format!("/api/v1/accounts/{}/sub-accounts", parent.0),
            &json!({ "name": name }),
        )
        .await
}

async fn rename(app: &TestApp, account: AccountId, name: &str) -> reqwest::Response {
    app.api
        .patch(
            &format!("/api/v1/accounts/{}", account.0),
            &json!({ "name": name }),
        )
        .await
}

fn archive_path(account: AccountId) -> String {
    format!("/api/v1/accounts/{}/archive", account.0)
}

fn restore_path(account: AccountId) -> String {
    format!("/api/v1/accounts/{}/restore", account.0)
}

async fn a_sibling_name_is_refused_at_the_name_field(engine: Engine) {
    let Org {
        app,
        support,
        sales,
        ..
    } = org(engine).await;
    let body: ErrorBody = expect_json(create(&app, support, "EMEA").await, 409).await;
    assert_eq!(body.code, "name_taken");
    assert_eq!(
        body.message,
        "Support already has a sub-account named “EMEA”."
    );
    assert_eq!(body.fields.len(), 1);
    assert_eq!(body.fields[0].field, "name");
    // The same name elsewhere in the tree is another account's business.
    expect_json::<AccountSummary>(create(&app, sales, "EMEA").await, 201).await;
    app.stop().await;
}

async fn names_compare_as_people_read_them(engine: Engine) {
    let Org { app, support, .. } = org(engine).await;
    for spelling in ["emea", "  EMEA ", "Emea", "eMeA"] {
        let message = expect_error(create(&app, support, spelling).await, 409, "name_taken").await;
        assert!(message.contains("“EMEA”"), "{spelling}: {message}");
    }
    expect_json::<AccountSummary>(create(&app, support, "North  America").await, 201).await;
    expect_error(
        create(&app, support, "north america").await,
        409,
        "name_taken",
    )
    .await;
    expect_error(
        create(&app, support, "NORTH \u{a0} AMERICA").await,
        409,
        "name_taken",
    )
    .await;
    expect_json::<AccountSummary>(create(&app, support, "Équipe").await, 201).await;
    expect_error(create(&app, support, "ÉQUIPE").await, 409, "name_taken").await;
    // Different words are different names.
    expect_json::<AccountSummary>(create(&app, support, "EMEA 2").await, 201).await;
    app.stop().await;
}

async fn renaming_into_a_sibling_name_is_refused(engine: Engine) {
    let Org {
        app,
        acme,
        support,
        sales,
        emea,
    } = org(engine).await;
    let message = expect_error(rename(&app, sales, " support").await, 409, "name_taken").await;
    assert_eq!(message, "Acme already has a sub-account named “Support”.");
    // An account may change the case of its own name.
    let renamed: AccountSummary = expect_json(rename(&app, emea, "Emea").await, 200).await;
    assert_eq!(renamed.name.as_str(), "Emea");
    // The top-level account has no siblings.
    expect_json::<AccountSummary>(rename(&app, acme, "Support").await, 200).await;
    let _ = support;
    app.stop().await;
}

async fn parallel_creates_of_one_name_make_one_account(engine: Engine) {
    let Org { app, acme, .. } = org(engine).await;
    let mut admins = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let client = app.api.clone();
        admins.spawn(async move {
            client
                .post(
                    &format!("/api/v1/accounts/{}/sub-accounts", acme.0),
                    &json!({ "name": "Night shift" }),
                )
                .await
                .status()
                .as_u16()
        });
    }
    let mut statuses = admins.join_all().await;
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    let accounts: Vec<AccountSummary> = app.api.get_ok("/api/v1/accounts").await;
    let nights = accounts
        .iter()
        .filter(|a| a.name.as_str() == "Night shift")
        .count();
    assert_eq!(nights, 1);
    app.stop().await;
}

async fn archived_sub_accounts_are_restored_with_an_audit_entry(engine: Engine) {
    let Org {
        app,
        acme,
        support,
        emea,
        ..
    } = org(engine).await;
    let message = expect_error(
        app.api.post_empty(&restore_path(emea)).await,
        422,
        "account_rule",
    )
    .await;
    assert!(message.contains("not archived"), "{message}");
    assert_eq!(app.api.post_empty(&archive_path(emea)).await.status(), 204);
    assert_eq!(
        app.api.post_empty(&archive_path(support)).await.status(),
        204
    );
    // Under an archived parent: refused, naming the parent to restore first.
    let message = expect_error(
        app.api.post_empty(&restore_path(emea)).await,
        422,
        "account_rule",
    )
    .await;
    assert_eq!(message, "Support is archived: restore it first.");
    assert_eq!(
        app.api.post_empty(&restore_path(support)).await.status(),
        204
    );
    assert_eq!(app.api.post_empty(&restore_path(emea)).await.status(), 204);
    let accounts: Vec<AccountSummary> = app.api.get_ok("/api/v1/accounts").await;
    assert!(
        accounts
            .iter()
            .filter(|a| a.id == support || a.id == emea)
            .all(|a| !a.archived)
    );
    // Active again: it takes sub-accounts.
    expect_json::<AccountSummary>(create(&app, emea, "Dublin").await, 201).await;
    let log: AuditPage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/audit", acme.0))
        .await;
    let restored = log
        .entries
        .iter()
        .filter(|e| e.action == "account.restored")
        .count();
    assert_eq!(restored, 2);
    app.stop().await;
}

async fn only_those_who_may_archive_may_restore(engine: Engine) {
    let Org {
        app,
        acme,
        support,
        emea,
        sales,
    } = org(engine).await;
    assert_eq!(app.api.post_empty(&archive_path(emea)).await.status(), 204);
    app.invite(acme, &["basil@example.com"], &[(Role::Basic, &[acme])])
        .await;
    app.invite(acme, &["sam@example.com"], &[(Role::Admin, &[sales])])
        .await;
    app.invite(acme, &["ada@example.com"], &[(Role::Admin, &[support])])
        .await;
    let basil = app.accept_as_new("basil@example.com", "Basil").await;
    let sam = app.accept_as_new("sam@example.com", "Sam").await;
    let ada = app.accept_as_new("ada@example.com", "Ada").await;
    let status = basil.post_empty(&restore_path(emea)).await.status();
    assert!(status == 403 || status == 404, "Basic user: {status}");
    let status = sam.post_empty(&restore_path(emea)).await.status();
    assert!(
        status == 403 || status == 404,
        "sibling branch's Admin: {status}"
    );
    let accounts: Vec<AccountSummary> = app.api.get_ok("/api/v1/accounts").await;
    assert!(accounts.iter().any(|a| a.id == emea && a.archived));
    // Support's Admin may archive EMEA, so may restore it.
    assert_eq!(ada.post_empty(&restore_path(emea)).await.status(), 204);
    app.stop().await;
}

async fn restoring_into_a_taken_name_is_refused(engine: Engine) {
    let Org {
        app, support, emea, ..
    } = org(engine).await;
    assert_eq!(app.api.post_empty(&archive_path(emea)).await.status(), 204);
    // An archived name is free again: a retired account does not hold it forever.
    let again: AccountSummary = expect_json(create(&app, support, "emea").await, 201).await;
    let message = expect_error(
        app.api.post_empty(&restore_path(emea)).await,
        409,
        "name_taken",
    )
    .await;
    assert_eq!(message, "Support already has a sub-account named “emea”.");
    // Once the new one is archived, the old one comes back.
    assert_eq!(
        app.api.post_empty(&archive_path(again.id)).await.status(),
        204
    );
    assert_eq!(app.api.post_empty(&restore_path(emea)).await.status(), 204);
    app.stop().await;
}

/// A sub-account's Users list says "Everyone with access": that includes the Owner above it
/// and anyone whose role on a parent covers it, marked as inherited, and nothing beside it.
async fn a_sub_accounts_list_holds_the_access_that_covers_it(engine: Engine) {
    let Org {
        app,
        acme,
        support,
        emea,
        sales,
    } = org(engine).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Admin, &[support])])
        .await;
    // Bo also holds a role outside EMEA's reach: EMEA's list shows none of it.
    app.invite(
        acme,
        &["bo@example.com"],
        &[(Role::Basic, &[emea]), (Role::Admin, &[sales])],
    )
    .await;
    app.invite(acme, &["cy@example.com"], &[(Role::Basic, &[sales])])
        .await;
    let list: PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?per_page=50", emea.0))
        .await;
    let chips = |email: &str| -> Vec<(String, Role, bool)> {
        list.people
            .iter()
            .find(|p| p.email.as_str() == email)
            .unwrap_or_else(|| panic!("{email} is on EMEA's list"))
            .access
            .iter()
            .map(|a| (a.account_name.to_string(), a.role, a.inherited))
            .collect()
    };
    assert_eq!(list.total, 3, "{:?}", list.people);
    assert_eq!(
        chips(roster_tests::OWNER_EMAIL),
        vec![("Acme".to_owned(), Role::Owner, true)]
    );
    assert_eq!(
        chips("ana@example.com"),
        vec![("Support".to_owned(), Role::Admin, true)]
    );
    assert_eq!(
        chips("bo@example.com"),
        vec![("EMEA".to_owned(), Role::Basic, false)]
    );
    assert!(
        list.people
            .iter()
            .all(|p| p.email.as_str() != "cy@example.com")
    );
    // A search on EMEA finds and counts only people within its reach: Cy matches "cy" in the
    // organisation (PostgreSQL's search index counts that match exactly), not on EMEA's list.
    let searched = |q: &'static str| {
        let app = &app;
        async move {
            let page: PeoplePage = app
                .api
                .get_ok(&format!("/api/v1/accounts/{}/people?q={q}", emea.0))
                .await;
            (page.total, page.people.len(), page.total_at_least)
        }
    };
    assert_eq!(searched("cy").await, (0, 0, false));
    assert_eq!(searched("bo").await, (1, 1, false));

    // Filtering by role finds the role that covers the account.
    let owners: PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?role=owner", emea.0))
        .await;
    assert_eq!(owners.total, 1);
    // A role held only outside the account's reach does not put someone under it.
    let admins: PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?role=admin", emea.0))
        .await;
    let found: Vec<&str> = admins.people.iter().map(|p| p.email.as_str()).collect();
    assert_eq!(found, ["ana@example.com"]);

    // Their page shows where it comes from; it is changed up there, not here.
    let ana = list
        .people
        .iter()
        .find(|p| p.email.as_str() == "ana@example.com")
        .expect("ana")
        .id;
    let detail: PersonDetail = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people/{}", emea.0, ana.0))
        .await;
    assert!(detail.access.is_empty());
    assert_eq!(detail.inherited.len(), 1);
    assert_eq!(detail.inherited[0].account, support);
    let message = expect_error(
        app.api
            .delete(&format!("/api/v1/accounts/{}/people/{}", emea.0, ana.0))
            .await,
        409,
        "access_inherited",
    )
    .await;
    assert_eq!(
        message,
        "Their access here comes from their Admin role on Support: change it on the Users list of Support."
    );
    let still: PersonDetail = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people/{}", support.0, ana.0))
        .await;
    assert_eq!(still.access.len(), 1, "the refusal changed nothing");

    // Someone beside the account is not on its list, nor behind its address.
    let cy = app
        .api
        .get_ok::<PeoplePage>(&format!("/api/v1/accounts/{}/people?q=cy", acme.0))
        .await
        .people[0]
        .id;
    let response = app
        .api
        .get(&format!("/api/v1/accounts/{}/people/{}", emea.0, cy.0))
        .await;
    assert_eq!(response.status(), 404);
    app.stop().await;
}
