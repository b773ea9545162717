//! Team management over HTTP: accounts and sub-accounts, inviting, accepting, the Users list,
//! editing and removing access, re-inviting, and the audit log — including what is refused.

use std::collections::HashSet;

use roster_shared::account::AccountId;
use roster_shared::api::{
    AccessChanges, AccountSummary, AuditPage, InvitationLink, InvitationView, InviteOptions,
    NotInvitedReason, PeoplePage, PersonDetail, SessionInfo, SignInOutcome,
};
use roster_shared::invitation::{InvitationStatus, PersonStatus};
use roster_shared::role::Role;
use roster_tests::{
    ApiClient, Engine, MEMBER_PASSWORD, OWNER_EMAIL, TestApp, engines, expect_error, expect_json,
};
use serde_json::json;

engines!(
    inviting_several_people_with_roles_on_accounts,
    an_invitation_of_many_addresses_gives_each_its_own,
    accepting_turns_pending_into_active,
    one_invitation_accepted_from_several_tabs_at_once_counts_once,
    people_already_in_the_organisation_get_access_directly,
    someone_with_an_identity_confirms_while_signed_in,
    the_demo_fills_an_empty_database,
    re_inviting_refreshes_instead_of_duplicating,
    tokens_are_single_use_and_expire,
    basic_users_cannot_invite,
    sub_account_admins_stay_within_their_scope,
    nobody_changes_their_own_access,
    access_edits_are_applied_and_reported,
    removing_the_last_access_frees_the_seat,
    the_last_owner_stays_even_when_owners_demote_each_other_at_once,
    resend_copy_link_and_revoke,
    the_users_list_searches_filters_sorts_and_pages,
    the_users_list_finds_people_who_stopped_signing_in,
    the_role_filter_follows_every_change_of_access,
    a_listed_persons_access_and_identity_follow_every_change,
    the_status_filters_count_what_the_list_shows,
    a_sub_accounts_broad_count_leaves_out_grants_of_accepted_invitations,
    a_search_finds_where_a_name_or_address_starts_through_every_change,
    sub_accounts_are_created_renamed_and_archived,
    the_switcher_lists_what_each_person_can_open,
    changes_are_in_the_audit_log_and_its_csv,
);

/// An organisation "Acme" with sub-accounts Support (with Night shift under it) and Sales.
struct Org {
    app: TestApp,
    acme: AccountId,
    support: AccountId,
    night: AccountId,
    sales: AccountId,
}

async fn org(engine: Engine) -> Org {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let support = app.sub_account(acme, "Support").await;
    let night = app.sub_account(support, "Night shift").await;
    let sales = app.sub_account(acme, "Sales").await;
    Org {
        app,
        acme,
        support,
        night,
        sales,
    }
}

async fn people(client: &ApiClient, account: AccountId, query: &str) -> PeoplePage {
    client
        .get_ok(&format!("/api/v1/accounts/{}/people{query}", account.0))
        .await
}

async fn person_id(app: &TestApp, account: AccountId, email: &str) -> i64 {
    let page = people(&app.api, account, &format!("?q={email}")).await;
    page.people
        .iter()
        .find(|p| p.email.as_str() == email)
        .expect("the person is listed")
        .id
        .0
}

async fn inviting_several_people_with_roles_on_accounts(engine: Engine) {
    let Org {
        app, acme, support, ..
    } = org(engine).await;
    let options: InviteOptions = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/invite-options", acme.0))
        .await;
    assert_eq!(options.accounts.len(), 4);
    assert_eq!(options.accounts[0].roles, Role::ALL);
    assert_eq!((options.seats.included, options.seats.used), (10, 1));

    let result = app
        .invite(
            acme,
            &[
                "ana@example.com",
                "Bob <bob@example.com>",
                "carla@example",
                "ANA@example.com",
            ],
            &[(Role::Basic, &[acme]), (Role::Admin, &[support])],
        )
        .await;
    let invited: Vec<&str> = result.invited.iter().map(|e| e.as_str()).collect();
    assert_eq!(invited, ["ana@example.com", "bob@example.com"]);
    let reasons: Vec<(String, NotInvitedReason)> = result
        .not_invited
        .iter()
        .map(|n| (n.email.clone(), n.reason))
        .collect();
    assert!(
        reasons.contains(&("carla@example".into(), NotInvitedReason::Invalid)),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(_, r)| *r == NotInvitedReason::Duplicate),
        "{reasons:?}"
    );
    let invalid = result
        .not_invited
        .iter()
        .find(|n| n.reason == NotInvitedReason::Invalid)
        .unwrap();
    assert_eq!(invalid.message, "Domain has no dot.");
    assert_eq!(result.seats.used, 3);

    let page = people(&app.api, acme, "").await;
    assert_eq!(page.total, 3);
    let ana = page
        .people
        .iter()
        .find(|p| p.email.as_str() == "ana@example.com")
        .unwrap();
    assert_eq!(ana.status, PersonStatus::Pending);
    assert_eq!(ana.name, None);
    let offered: Vec<(&str, Role, bool)> = ana
        .access
        .iter()
        .map(|a| (a.account_name.as_str(), a.role, a.pending))
        .collect();
    assert_eq!(
        offered,
        [("Acme", Role::Basic, true), ("Support", Role::Admin, true)]
    );
    assert!(ana.invitation.is_some());

    // The email lists every account with its role, the links, and the address to sign in with.
    let token = app.invitation_token("ana@example.com").await;
    let view: InvitationView = expect_json(
        app.new_client()
            .post("/api/v1/invitations/inspect", &json!({ "token": token }))
            .await,
        200,
    )
    .await;
    assert_eq!(view.organisation.as_str(), "Acme");
    assert_eq!(view.inviter.as_deref(), Some("Olivia Owner"));
    assert_eq!(view.status, InvitationStatus::Pending);
    assert!(!view.has_identity);
    assert_eq!(view.access.len(), 2);
    let mails: Vec<roster_shared::api::DevMailSummary> =
        app.api.get_ok("/api/v1/dev/mailbox").await;
    let mail: roster_shared::api::DevMail = app
        .api
        .get_ok(&format!(
            "/api/v1/dev/mailbox/{}",
            mails.iter().find(|m| m.to == "ana@example.com").unwrap().id
        ))
        .await;
    assert!(
        mail.text.contains("  - Acme: Basic") && mail.text.contains("  - Support: Admin"),
        "{}",
        mail.text
    );
    assert!(
        mail.text
            .contains("/sign-in with this email address: ana@example.com"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("valid until"), "{}", mail.text);

    // No account, or no valid address: refused with a reason, nothing done.
    expect_error(
        app.invite_as(&app.api, acme, &["dan@example.com"], &[])
            .await,
        422,
        "invalid_body",
    )
    .await;
    expect_error(
        app.invite_as(
            &app.api,
            acme,
            &["not-an-address"],
            &[(Role::Basic, &[acme])],
        )
        .await,
        422,
        "no_valid_address",
    )
    .await;
    expect_error(
        app.invite_as(
            &app.api,
            acme,
            &["dan@example.com"],
            &[(Role::Basic, &[acme]), (Role::Admin, &[acme])],
        )
        .await,
        422,
        "invalid_body",
    )
    .await;
    assert_eq!(people(&app.api, acme, "").await.total, 3);
    app.stop().await;
}

/// The same link sent from eight tabs at once: every request reads the open invitation before
/// any of them writes, so all but one find it taken inside their transaction, and must leave
/// nothing behind (the acceptance, the access and the audit entry go in one batch that is only
/// committed when the acceptance itself counted).
async fn one_invitation_accepted_from_several_tabs_at_once_counts_once(engine: Engine) {
    let Org { app, acme, .. } = org(engine).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let token = app.invitation_token("ana@example.com").await;
    let mut tabs = tokio::task::JoinSet::new();
    for tab in 0..8 {
        let client = app.new_client();
        let token = token.clone();
        tabs.spawn(async move {
            client
                .post(
                    "/api/v1/invitations/accept",
                    &json!({ "token": token, "profile": { "name": format!("Ana {tab}"), "password": MEMBER_PASSWORD } }),
                )
                .await
                .status()
                .as_u16()
        });
    }
    let mut statuses = tabs.join_all().await;
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 404, 404, 404, 404, 404, 404, 404]);
    let log: AuditPage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/audit", acme.0))
        .await;
    let accepted = log
        .entries
        .iter()
        .filter(|e| e.action == "invitation.accepted")
        .count();
    assert_eq!(accepted, 1);
    let page = people(&app.api, acme, "").await;
    let ana: Vec<_> = page
        .people
        .iter()
        .filter(|p| p.email.as_str() == "ana@example.com")
        .collect();
    assert_eq!(ana.len(), 1);
    assert_eq!(ana[0].status, PersonStatus::Active);
}

async fn accepting_turns_pending_into_active(engine: Engine) {
    let Org {
        app, acme, support, ..
    } = org(engine).await;
    app.invite(
        acme,
        &["ana@example.com"],
        &[(Role::Basic, &[acme]), (Role::Admin, &[support])],
    )
    .await;
    let token = app.invitation_token("ana@example.com").await;
    let ana = app.new_client();
    // A new person must create a profile; the password rule applies.
    let error = expect_error(
        ana.post("/api/v1/invitations/accept", &json!({ "token": token }))
            .await,
        422,
        "invalid_body",
    )
    .await;
    assert!(error.contains("profile"), "{error}");
    expect_error(
        ana.post(
            "/api/v1/invitations/accept",
            &json!({ "token": token, "profile": { "name": "Ana", "password": "short" } }),
        )
        .await,
        422,
        "invalid_body",
    )
    .await;
    expect_error(
        ana.post(
            "/api/v1/invitations/accept",
            &json!({ "token": token, "profile": { "name": "Ana", "password": MEMBER_PASSWORD, "mobile": "0151 2345", "country": "DE" } }),
        )
        .await,
        422,
        "invalid_body",
    )
    .await;
    let outcome: SignInOutcome = expect_json(
        ana.post(
            "/api/v1/invitations/accept",
            &json!({ "token": token, "profile": { "name": "Ana López", "password": MEMBER_PASSWORD, "mobile": "0151 23456789", "country": "DE" } }),
        )
        .await,
        200,
    )
    .await;
    let SignInOutcome::SignedIn { session } = outcome else {
        panic!("{outcome:?}")
    };
    ana.adopt(&session);
    assert_eq!(session.user.name.as_str(), "Ana López");
    assert_eq!(session.last_account, Some(acme));
    let accounts: Vec<AccountSummary> = ana.get_ok("/api/v1/accounts").await;
    let names: Vec<(&str, Role)> = accounts.iter().map(|a| (a.name.as_str(), a.role)).collect();
    assert_eq!(
        names,
        [
            ("Acme", Role::Basic),
            ("Support", Role::Admin),
            ("Night shift", Role::Admin),
            ("Sales", Role::Basic)
        ]
    );

    let page = people(&app.api, acme, "?q=ana").await;
    let row = &page.people[0];
    assert_eq!(row.status, PersonStatus::Active);
    assert_eq!(row.name.as_ref().map(|n| n.as_str()), Some("Ana López"));
    assert!(row.access.iter().all(|a| !a.pending));
    assert!(row.invitation.is_none());
    let detail: PersonDetail = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people/{}", acme.0, row.id.0))
        .await;
    assert_eq!(
        detail.mobile.map(|m| m.to_string()).as_deref(),
        Some("+4915123456789")
    );
    // She signs in with the password she chose.
    app.new_client()
        .sign_in_ok("ana@example.com", MEMBER_PASSWORD)
        .await;
    app.stop().await;
}

async fn people_already_in_the_organisation_get_access_directly(engine: Engine) {
    let Org {
        app, acme, sales, ..
    } = org(engine).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[sales])])
        .await;
    let ana = app.accept_as_new("ana@example.com", "Ana").await;
    let result = app
        .invite(acme, &["ana@example.com"], &[(Role::Reporting, &[acme])])
        .await;
    assert_eq!(result.granted.len(), 1);
    assert!(result.invited.is_empty());
    assert_eq!(result.seats.used, 2, "no new seat for someone already in");
    let again = app
        .invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    assert_eq!(again.not_invited[0].reason, NotInvitedReason::AlreadyMember);
    let accounts: Vec<AccountSummary> = ana.get_ok("/api/v1/accounts").await;
    assert!(
        accounts
            .iter()
            .any(|a| a.id == acme && a.role == Role::Reporting)
    );
    // A "you were given access" mail told her.
    app.mail_to("ana@example.com", "gave you access").await;
    app.stop().await;
}

async fn someone_with_an_identity_confirms_while_signed_in(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    // The operator creates a second organisation whose Owner is Olivia, who already has an
    // identity (she owns Acme).
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
    let token = created
        .invitation_link
        .split_once("#token=")
        .unwrap()
        .1
        .to_owned();
    let view: InvitationView = expect_json(
        app.new_client()
            .post("/api/v1/invitations/inspect", &json!({ "token": token }))
            .await,
        200,
    )
    .await;
    assert!(view.has_identity);
    assert_eq!(view.inviter, None, "the operator invited");
    assert_eq!(view.access[0].role, Role::Owner);
    // Not signed in: sign in first. Signed in as someone else: refused.
    let stranger = app.new_client();
    expect_error(
        stranger
            .post("/api/v1/invitations/accept", &json!({ "token": token }))
            .await,
        401,
        "sign_in_to_accept",
    )
    .await;
    let acme = app
        .api
        .get_ok::<SessionInfo>("/api/v1/session")
        .await
        .last_account
        .unwrap();
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let ana = app.accept_as_new("ana@example.com", "Ana").await;
    expect_error(
        ana.post("/api/v1/invitations/accept", &json!({ "token": token }))
            .await,
        403,
        "wrong_account",
    )
    .await;
    // Signed in as Olivia: confirmed, and Globex is hers.
    let outcome: SignInOutcome = expect_json(
        app.api
            .post("/api/v1/invitations/accept", &json!({ "token": token }))
            .await,
        200,
    )
    .await;
    let SignInOutcome::SignedIn { session } = outcome else {
        panic!("{outcome:?}")
    };
    // The answer already opens the organisation just joined, as the next sign-in will.
    let globex = session.last_account.expect("an account to open");
    assert_ne!(globex, acme);
    assert_eq!(
        app.api
            .get_ok::<SessionInfo>("/api/v1/session")
            .await
            .last_account,
        Some(globex)
    );
    let accounts: Vec<AccountSummary> = app.api.get_ok("/api/v1/accounts").await;
    assert!(
        accounts
            .iter()
            .any(|a| a.id == globex && a.name.as_str() == "Globex")
    );
    let owned: Vec<(&str, Role)> = accounts
        .iter()
        .filter(|a| a.depth == 0)
        .map(|a| (a.name.as_str(), a.role))
        .collect();
    assert_eq!(owned, [("Acme", Role::Owner), ("Globex", Role::Owner)]);
    // Her password did not change.
    app.new_client()
        .sign_in_ok(OWNER_EMAIL, roster_tests::OWNER_PASSWORD)
        .await;
    // An unknown plan is refused by the operator command with the list of plans.
    let error = roster_backend::operator::create_organisation(
        app.database_url(),
        None,
        &app.address,
        "X",
        "gold",
        "x@example.com",
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains("starter, team, business"),
        "{error}"
    );
    app.stop().await;
}

async fn the_demo_fills_an_empty_database(engine: Engine) {
    let database = roster_tests::app::TestDatabase::new(engine).await;
    let demo = roster_backend::operator::demo(&database.url, 60)
        .await
        .expect("the demo fills an empty database");
    let again = roster_backend::operator::demo(&database.url, 60).await;
    assert!(
        again.is_err(),
        "the demo refuses a database with people in it"
    );
    let app = TestApp::spawn_on(database, |_| {}).await;
    if engine == Engine::Postgres {
        // The planner has the filled tables' statistics before the first request.
        let pool = app.db().await;
        let analyzed: bool = sqlx::query_scalar(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables \
             WHERE relname = 'tree_members' AND schemaname = current_schema()",
        )
        .fetch_one(&pool)
        .await
        .expect("the table's statistics");
        pool.close().await;
        assert!(analyzed, "the demo analyzes what it filled");
    }
    let owner = app.new_client();
    let session = owner.sign_in_ok(&demo.owner_email, &demo.password).await;
    let root = session.last_account.unwrap();
    let all = people(&owner, root, "?per_page=100").await;
    assert_eq!(all.total, 60);
    for status in ["active", "pending", "expired"] {
        assert!(
            people(&owner, root, &format!("?status={status}"))
                .await
                .total
                > 0,
            "{status}"
        );
    }
    let accounts: Vec<AccountSummary> = owner.get_ok("/api/v1/accounts").await;
    assert!(accounts.iter().any(|a| a.depth == 3), "nested sub-accounts");
    app.stop().await;
}

async fn re_inviting_refreshes_instead_of_duplicating(engine: Engine) {
    let Org {
        app, acme, sales, ..
    } = org(engine).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let first = app.invitation_token("ana@example.com").await;
    // Make it look old, then invite again with more access.
    app.execute("UPDATE invitations SET sent_at = sent_at - 3 * 86400000, expires_at = expires_at - 3 * 86400000").await;
    app.execute("UPDATE tree_members SET invitation_expires_at = invitation_expires_at - 3 * 86400000 WHERE accepted_at IS NULL").await;
    let before = people(&app.api, acme, "?q=ana").await.people[0]
        .invitation
        .clone()
        .unwrap();
    let result = app
        .invite(acme, &["ana@example.com"], &[(Role::Admin, &[sales])])
        .await;
    assert_eq!(result.reinvited.len(), 1);
    assert!(result.invited.is_empty());
    let row = people(&app.api, acme, "?q=ana").await.people[0].clone();
    let after = row.invitation.unwrap();
    assert_eq!(after.id, before.id, "the same invitation, refreshed");
    assert!(after.expires_at > before.expires_at);
    assert_eq!(
        row.access.len(),
        2,
        "offers Basic on Acme and Admin on Sales"
    );
    let pool = app.db().await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
    // The earlier link stopped working; the new mail's link works.
    expect_error(
        app.new_client()
            .post("/api/v1/invitations/inspect", &json!({ "token": first }))
            .await,
        404,
        "not_found",
    )
    .await;
    let reminder = app.mail_to("ana@example.com", "Reminder:").await;
    assert!(
        reminder.subject.starts_with("Reminder:"),
        "{}",
        reminder.subject
    );
    assert_ne!(roster_tests::team::link_token_in(&reminder.text), first);
    app.stop().await;
}

async fn tokens_are_single_use_and_expire(engine: Engine) {
    let Org { app, acme, .. } = org(engine).await;
    app.invite(
        acme,
        &["ana@example.com", "bob@example.com"],
        &[(Role::Basic, &[acme])],
    )
    .await;
    let ana_token = app.invitation_token("ana@example.com").await;
    let bob_token = app.invitation_token("bob@example.com").await;
    // Ana's link accepts Ana's invitation only.
    app.accept_as_new("ana@example.com", "Ana").await;
    let page = people(&app.api, acme, "").await;
    let bob = page
        .people
        .iter()
        .find(|p| p.email.as_str() == "bob@example.com")
        .unwrap();
    assert_eq!(bob.status, PersonStatus::Pending);
    // Used: refused.
    expect_error(
        app.new_client()
            .post("/api/v1/invitations/accept", &json!({ "token": ana_token, "profile": { "name": "Eve", "password": MEMBER_PASSWORD } }))
            .await,
        404,
        "not_found",
    )
    .await;
    // Expired: refused, and it says when.
    app.execute(
        "UPDATE invitations SET expires_at = 1000, sent_at = 0 WHERE email = 'bob@example.com'",
    )
    .await;
    app.execute("UPDATE tree_members SET invitation_expires_at = 1000 WHERE accepted_at IS NULL")
        .await;
    let message = expect_error(
        app.new_client()
            .post("/api/v1/invitations/accept", &json!({ "token": bob_token, "profile": { "name": "Bob", "password": MEMBER_PASSWORD } }))
            .await,
        410,
        "invitation_expired",
    )
    .await;
    assert!(message.contains("expired on"), "{message}");
    let view: InvitationView = expect_json(
        app.new_client()
            .post(
                "/api/v1/invitations/inspect",
                &json!({ "token": bob_token }),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(view.status, InvitationStatus::Expired);
    let bob = people(&app.api, acme, "?status=expired").await;
    assert_eq!(bob.total, 1);
    // An expired invitation frees its seat.
    let options: InviteOptions = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/invite-options", acme.0))
        .await;
    assert_eq!(options.seats.used, 2);
    // Garbage is refused the same way as a used link.
    expect_error(
        app.new_client()
            .post("/api/v1/invitations/inspect", &json!({ "token": "nope" }))
            .await,
        404,
        "not_found",
    )
    .await;
    app.stop().await;
}

async fn basic_users_cannot_invite(engine: Engine) {
    let Org { app, acme, .. } = org(engine).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let ana = app.accept_as_new("ana@example.com", "Ana").await;
    let message = expect_error(
        app.invite_as(
            &ana,
            acme,
            &["x@example.com"],
            &[(Role::Reporting, &[acme])],
        )
        .await,
        403,
        "not_an_admin",
    )
    .await;
    assert_eq!(
        message,
        "Only Admins and Owners can manage people on this account."
    );
    expect_error(
        ana.get(&format!("/api/v1/accounts/{}/people", acme.0))
            .await,
        403,
        "not_an_admin",
    )
    .await;
    app.stop().await;
}

async fn sub_account_admins_stay_within_their_scope(engine: Engine) {
    let Org {
        app,
        acme,
        support,
        night,
        sales,
    } = org(engine).await;
    app.invite(acme, &["sam@example.com"], &[(Role::Admin, &[support])])
        .await;
    let sam = app.accept_as_new("sam@example.com", "Sam").await;
    // Inside Support: fine.
    let result: roster_shared::api::InviteResult = expect_json(
        app.invite_as(
            &sam,
            support,
            &["x@example.com"],
            &[(Role::Admin, &[night])],
        )
        .await,
        200,
    )
    .await;
    assert_eq!(result.invited.len(), 1);
    // Not on the parent, nor a sibling, nor as Owner.
    expect_error(
        app.invite_as(&sam, support, &["y@example.com"], &[(Role::Basic, &[acme])])
            .await,
        422,
        "invalid_body",
    )
    .await;
    expect_error(
        app.invite_as(&sam, acme, &["y@example.com"], &[(Role::Basic, &[acme])])
            .await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        app.invite_as(&sam, sales, &["y@example.com"], &[(Role::Basic, &[sales])])
            .await,
        404,
        "not_found",
    )
    .await;
    let message = expect_error(
        app.invite_as(
            &sam,
            support,
            &["y@example.com"],
            &[(Role::Owner, &[support])],
        )
        .await,
        403,
        "above_own_role",
    )
    .await;
    assert!(message.contains("above your own role"), "{message}");
    // Sam sees Support's people (and the Owner above, whose role covers Support, marked as
    // such), and cannot open Acme's list.
    let page = people(&sam, support, "").await;
    let emails: Vec<&str> = page.people.iter().map(|p| p.email.as_str()).collect();
    assert!(emails.contains(&"sam@example.com") && emails.contains(&"x@example.com"));
    let olivia = page
        .people
        .iter()
        .find(|p| p.email.as_str() == "olivia@acme.example")
        .expect("the Owner above Support");
    assert!(
        olivia
            .access
            .iter()
            .all(|a| a.inherited && a.account == acme)
    );
    expect_error(
        sam.get(&format!("/api/v1/accounts/{}/people", acme.0))
            .await,
        404,
        "not_found",
    )
    .await;
    app.stop().await;
}

async fn nobody_changes_their_own_access(engine: Engine) {
    let Org {
        app, acme, sales, ..
    } = org(engine).await;
    let me = person_id(&app, acme, "olivia@acme.example").await;
    let message = expect_error(
        app.api
            .put(
                &format!("/api/v1/accounts/{}/people/{me}/access", acme.0),
                &json!({ "access": [{ "account": acme, "role": "admin" }] }),
            )
            .await,
        403,
        "own_access",
    )
    .await;
    assert!(message.contains("own access"), "{message}");
    expect_error(
        app.api
            .put(
                &format!("/api/v1/accounts/{}/people/{me}/access", acme.0),
                &json!({ "access": [{ "account": acme, "role": "owner" }, { "account": sales, "role": "basic" }] }),
            )
            .await,
        403,
        "own_access",
    )
    .await;
    expect_error(
        app.api
            .delete(&format!("/api/v1/accounts/{}/people/{me}", acme.0))
            .await,
        403,
        "own_access",
    )
    .await;
    app.stop().await;
}

async fn access_edits_are_applied_and_reported(engine: Engine) {
    let Org {
        app,
        acme,
        support,
        night,
        sales,
    } = org(engine).await;
    app.invite(
        acme,
        &["ana@example.com"],
        &[(Role::Basic, &[acme]), (Role::Admin, &[support])],
    )
    .await;
    app.accept_as_new("ana@example.com", "Ana").await;
    let ana = person_id(&app, acme, "ana@example.com").await;
    let detail: PersonDetail = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people/{ana}", acme.0))
        .await;
    assert_eq!(detail.access.len(), 2);
    assert!(
        detail
            .access
            .iter()
            .all(|a| a.removable && a.roles == Role::ALL)
    );
    let grantable: Vec<AccountId> = detail.grantable.iter().map(|g| g.id).collect();
    assert_eq!(grantable, [night, sales]);
    // Change a role, add an account, remove one: one save.
    let changes: AccessChanges = expect_json(
        app.api
            .put(
                &format!("/api/v1/accounts/{}/people/{ana}/access", acme.0),
                &json!({ "access": [{ "account": acme, "role": "reporting" }, { "account": sales, "role": "admin" }] }),
            )
            .await,
        200,
    )
    .await;
    let mut seen: Vec<(String, Option<Role>, Option<Role>)> = changes
        .changes
        .iter()
        .map(|c| (c.account_name.to_string(), c.from, c.to))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("Acme".into(), Some(Role::Basic), Some(Role::Reporting)),
            ("Sales".into(), None, Some(Role::Admin)),
            ("Support".into(), Some(Role::Admin), None),
        ]
    );
    assert!(!changes.removed_from_organisation);
    let detail: PersonDetail = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people/{ana}", acme.0))
        .await;
    let now: Vec<(String, Role)> = detail
        .access
        .iter()
        .map(|a| (a.account_name.to_string(), a.role))
        .collect();
    assert_eq!(
        now,
        [
            ("Acme".into(), Role::Reporting),
            ("Sales".into(), Role::Admin)
        ]
    );
    // All or nothing: one bad row refuses the whole edit.
    expect_error(
        app.api
            .put(
                &format!("/api/v1/accounts/{}/people/{ana}/access", acme.0),
                &json!({ "access": [{ "account": acme, "role": "basic" }, { "account": 999999, "role": "basic" }] }),
            )
            .await,
        422,
        "invalid_body",
    )
    .await;
    let detail: PersonDetail = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people/{ana}", acme.0))
        .await;
    assert_eq!(detail.access[0].role, Role::Reporting);
    app.stop().await;
}

async fn removing_the_last_access_frees_the_seat(engine: Engine) {
    let Org {
        app, acme, sales, ..
    } = org(engine).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[sales])])
        .await;
    let ana_client = app.accept_as_new("ana@example.com", "Ana").await;
    let ana = person_id(&app, acme, "ana@example.com").await;
    let options: InviteOptions = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/invite-options", acme.0))
        .await;
    assert_eq!(options.seats.used, 2);
    let changes: AccessChanges = expect_json(
        app.api
            .delete(&format!("/api/v1/accounts/{}/people/{ana}", acme.0))
            .await,
        200,
    )
    .await;
    assert!(changes.removed_from_organisation);
    let options: InviteOptions = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/invite-options", acme.0))
        .await;
    assert_eq!(options.seats.used, 1);
    assert_eq!(people(&app.api, acme, "?q=ana").await.total, 0);
    let accounts: Vec<AccountSummary> = ana_client.get_ok("/api/v1/accounts").await;
    assert!(accounts.is_empty());
    app.stop().await;
}

async fn the_last_owner_stays_even_when_owners_demote_each_other_at_once(engine: Engine) {
    let Org { app, acme, .. } = org(engine).await;
    app.invite(acme, &["otto@example.com"], &[(Role::Owner, &[acme])])
        .await;
    let otto = app.accept_as_new("otto@example.com", "Otto").await;
    let olivia_id = person_id(&app, acme, "olivia@acme.example").await;
    let otto_id = person_id(&app, acme, "otto@example.com").await;
    let demote = |client: ApiClient, target: i64| async move {
        client
            .put(
                &format!("/api/v1/accounts/{}/people/{target}/access", acme.0),
                &json!({ "access": [{ "account": acme, "role": "admin" }] }),
            )
            .await
            .status()
            .as_u16()
    };
    let (a, b) = tokio::join!(
        demote(app.api.clone(), otto_id),
        demote(otto.clone(), olivia_id)
    );
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [200, 403], "exactly one demotion wins");
    let pool = app.db().await;
    let owners: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM memberships WHERE account_id = {} AND role = 'owner'",
        acme.0
    ))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(owners, 1);
    app.stop().await;
}

async fn resend_copy_link_and_revoke(engine: Engine) {
    let Org { app, acme, .. } = org(engine).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let ana = person_id(&app, acme, "ana@example.com").await;
    let link: InvitationLink = expect_json(
        app.api
            .post_empty(&format!(
                "/api/v1/accounts/{}/people/{ana}/invitation/link",
                acme.0
            ))
            .await,
        200,
    )
    .await;
    let copied = link.url.split_once("#token=").unwrap().1.to_owned();
    // Both the mailed and the copied link work until one is used.
    let mailed = app.invitation_token("ana@example.com").await;
    for token in [&copied, &mailed] {
        let _: InvitationView = expect_json(
            app.new_client()
                .post("/api/v1/invitations/inspect", &json!({ "token": token }))
                .await,
            200,
        )
        .await;
    }
    // Expired: Re-invite opens a fresh window (and takes a seat again).
    app.execute("UPDATE invitations SET expires_at = 1000, sent_at = 0")
        .await;
    app.execute("UPDATE tree_members SET invitation_expires_at = 1000 WHERE accepted_at IS NULL")
        .await;
    expect_error(
        app.api
            .post_empty(&format!(
                "/api/v1/accounts/{}/people/{ana}/invitation/link",
                acme.0
            ))
            .await,
        409,
        "invitation_expired",
    )
    .await;
    let info: roster_shared::api::InvitationInfo = expect_json(
        app.api
            .post_empty(&format!(
                "/api/v1/accounts/{}/people/{ana}/invitation/resend",
                acme.0
            ))
            .await,
        200,
    )
    .await;
    assert!(info.expires_at.millis() > 1000);
    assert_eq!(people(&app.api, acme, "?status=pending").await.total, 1);
    // Revoke: links die, the person leaves the list, the seat is free.
    assert_eq!(
        app.api
            .delete(&format!(
                "/api/v1/accounts/{}/people/{ana}/invitation",
                acme.0
            ))
            .await
            .status(),
        204
    );
    assert_eq!(people(&app.api, acme, "?q=ana").await.total, 0);
    expect_error(
        app.new_client()
            .post("/api/v1/invitations/inspect", &json!({ "token": copied }))
            .await,
        404,
        "not_found",
    )
    .await;
    app.stop().await;
}

/// 190 addresses in one request go to the database 100 at a time (two trips): each
/// new address still gets its own invitation (numbered in the order given), and addresses
/// already in the organisation are recognised whichever batch they fall in.
async fn an_invitation_of_many_addresses_gives_each_its_own(engine: Engine) {
    let Org { app, acme, .. } = org(engine).await;
    app.set_extra_seats(acme, 250).await;
    let emails: Vec<String> = (0..190)
        .map(|i| format!("many{i:03}@example.com"))
        .collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    // Two already invited, one of them accepted, in the first and the second batch.
    app.invite(acme, &[refs[50], refs[150]], &[(Role::Basic, &[acme])])
        .await;
    app.accept_as_new(refs[50], "Already Here").await;

    let result = app.invite(acme, &refs, &[(Role::Reporting, &[acme])]).await;
    assert_eq!(result.invited.len(), 188);
    assert_eq!(
        result
            .reinvited
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>(),
        [refs[150]]
    );
    assert_eq!(
        result.granted.len() + result.not_invited.len(),
        1,
        "{result:?}"
    );
    let numbered: Vec<String> =
        sqlx::query_scalar("SELECT email FROM invitations WHERE email LIKE 'many%' ORDER BY id")
            .fetch_all(&app.db().await)
            .await
            .unwrap();
    let mut expected: Vec<String> = [refs[50], refs[150]].map(str::to_owned).to_vec();
    expected.extend(
        emails
            .iter()
            .filter(|e| *e != refs[50] && *e != refs[150])
            .cloned(),
    );
    assert_eq!(numbered, expected, "one invitation per address, in order");
    // The link mailed to an address of each batch is that address's own.
    // (The development mailbox lists the newest 200 mails: this many stay within it.)
    for address in [refs[0], refs[99], refs[100], refs[189]] {
        let person = app.accept_as_new(address, "Many").await;
        let session: roster_shared::api::SessionInfo = person.get_ok("/api/v1/session").await;
        assert_eq!(session.user.email.as_str(), address);
    }
    app.stop().await;
}

async fn the_users_list_searches_filters_sorts_and_pages(engine: Engine) {
    let Org {
        app, acme, support, ..
    } = org(engine).await;
    app.set_extra_seats(acme, 200).await;
    let emails: Vec<String> = (0..120)
        .map(|i| format!("person{i:03}@example.com"))
        .collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    app.invite(acme, &refs[..60], &[(Role::Basic, &[acme])])
        .await;
    app.invite(acme, &refs[60..], &[(Role::Reporting, &[support])])
        .await;
    let page = people(&app.api, acme, "?per_page=50").await;
    assert_eq!((page.total, page.people.len(), page.start), (121, 50, 0));
    let second = people(
        &app.api,
        acme,
        &format!("?per_page=50&cursor={}", page.next.clone().unwrap()),
    )
    .await;
    let last = people(
        &app.api,
        acme,
        &format!("?per_page=50&cursor={}", second.next.clone().unwrap()),
    )
    .await;
    assert_eq!((last.people.len(), last.start), (21, 100));
    assert!(last.next.is_none() && last.previous.is_some());
    // Sorted by name (invitees without a name sort by address), both ways.
    let names: Vec<String> = page.people.iter().map(|p| p.email.to_string()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let desc = people(&app.api, acme, "?sort=email&order=desc&per_page=1").await;
    assert_eq!(desc.people[0].email.as_str(), "person119@example.com");
    // Search by the start of the address or of a name.
    assert_eq!(people(&app.api, acme, "?q=PERSON11").await.total, 10);
    assert_eq!(
        people(&app.api, acme, "?q=owner").await.total,
        1,
        "the second word of Olivia Owner"
    );
    assert_eq!(
        people(&app.api, acme, "?q=%25").await.total,
        0,
        "LIKE wildcards are text"
    );
    // The text index finds the candidates; the rule decides: several words, a whole address
    // (more words than the index is asked for), punctuation only, the middle of a word.
    assert_eq!(people(&app.api, acme, "?q=olivia%20ow").await.total, 1);
    assert_eq!(
        people(&app.api, acme, "?q=person007%40example.com")
            .await
            .total,
        1
    );
    assert_eq!(people(&app.api, acme, "?q=%40").await.total, 0);
    assert_eq!(people(&app.api, acme, "?q=rson00").await.total, 0);
    // Filters.
    assert_eq!(people(&app.api, acme, "?status=active").await.total, 1);
    assert_eq!(people(&app.api, acme, "?status=pending").await.total, 120);
    assert_eq!(people(&app.api, acme, "?role=reporting").await.total, 60);
    assert_eq!(people(&app.api, acme, "?role=owner").await.total, 1);
    // A sub-account's list holds its own people, and those whose role above covers it (the
    // 60 Basic on Acme and the Owner), who are found by the role they hold up there.
    assert_eq!(people(&app.api, support, "").await.total, 121);
    assert_eq!(people(&app.api, support, "?role=reporting").await.total, 60);
    assert_eq!(people(&app.api, support, "?role=basic").await.total, 60);
    let covered = people(&app.api, support, "?role=basic&per_page=1").await;
    assert!(covered.people[0].access.iter().all(|a| a.inherited));
    // Bad parameters get the error shape.
    expect_error(
        app.api
            .get(&format!(
                "/api/v1/accounts/{}/people?status=sleeping",
                acme.0
            ))
            .await,
        400,
        "invalid_query",
    )
    .await;
    app.stop().await;
}

async fn sub_accounts_are_created_renamed_and_archived(engine: Engine) {
    let Org {
        app,
        support,
        night,
        ..
    } = org(engine).await;
    let renamed: AccountSummary = expect_json(
        app.api
            .patch(
                &format!("/api/v1/accounts/{}", night.0),
                &json!({ "name": "Nights" }),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(renamed.name.as_str(), "Nights");
    let message = expect_error(
        app.api
            .post_empty(&format!("/api/v1/accounts/{}/archive", support.0))
            .await,
        422,
        "account_rule",
    )
    .await;
    assert!(message.contains("active sub-account"), "{message}");
    assert_eq!(
        app.api
            .post_empty(&format!("/api/v1/accounts/{}/archive", night.0))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.api
            .post_empty(&format!("/api/v1/accounts/{}/archive", support.0))
            .await
            .status(),
        204
    );
    expect_error(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/sub-accounts", support.0),
                &json!({ "name": "X" }),
            )
            .await,
        422,
        "account_rule",
    )
    .await;
    // Depth is bounded (8 levels).
    let mut parent = app.sub_account(renamed.root, "L2").await;
    for level in 3..=8 {
        parent = app.sub_account(parent, &format!("L{level}")).await;
    }
    let message = expect_error(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/sub-accounts", parent.0),
                &json!({ "name": "L9" }),
            )
            .await,
        422,
        "account_rule",
    )
    .await;
    assert!(message.contains("8 levels"), "{message}");
    expect_error(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/sub-accounts", support.0 + 1000),
                &json!({ "name": "X" }),
            )
            .await,
        404,
        "not_found",
    )
    .await;
    app.stop().await;
}

async fn the_switcher_lists_what_each_person_can_open(engine: Engine) {
    let Org {
        app,
        acme,
        support,
        night,
        ..
    } = org(engine).await;
    let all: Vec<AccountSummary> = app.api.get_ok("/api/v1/accounts").await;
    let tree: Vec<(&str, u8)> = all.iter().map(|a| (a.name.as_str(), a.depth)).collect();
    assert_eq!(
        tree,
        [
            ("Acme", 0),
            ("Support", 1),
            ("Night shift", 2),
            ("Sales", 1)
        ]
    );
    app.invite(acme, &["sam@example.com"], &[(Role::Admin, &[support])])
        .await;
    let sam = app.accept_as_new("sam@example.com", "Sam").await;
    let visible: Vec<AccountSummary> = sam.get_ok("/api/v1/accounts").await;
    let ids: Vec<AccountId> = visible.iter().map(|a| a.id).collect();
    assert_eq!(ids, [support, night]);
    assert_eq!(
        sam.put("/api/v1/me/last-account", &json!({ "account": night }))
            .await
            .status(),
        204
    );
    let session: SessionInfo = sam.get_ok("/api/v1/session").await;
    assert_eq!(session.last_account, Some(night));
    expect_error(
        sam.put("/api/v1/me/last-account", &json!({ "account": acme }))
            .await,
        404,
        "not_found",
    )
    .await;
    app.stop().await;
}

async fn changes_are_in_the_audit_log_and_its_csv(engine: Engine) {
    let Org {
        app, acme, sales, ..
    } = org(engine).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[sales])])
        .await;
    app.accept_as_new("ana@example.com", "Ana").await;
    let ana = person_id(&app, acme, "ana@example.com").await;
    app.api
        .put(
            &format!("/api/v1/accounts/{}/people/{ana}/access", acme.0),
            &json!({ "access": [{ "account": sales, "role": "admin" }] }),
        )
        .await;
    let log: AuditPage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/audit", acme.0))
        .await;
    let actions: Vec<&str> = log.entries.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "access.changed",
        "invitation.accepted",
        "invitation.sent",
        "account.created",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let change = log
        .entries
        .iter()
        .find(|e| e.action == "access.changed")
        .unwrap();
    assert_eq!(
        change.summary,
        "Olivia Owner changed Ana's role on Sales from Basic to Admin"
    );
    assert_eq!(change.ip.as_deref(), Some("127.0.0.1"));
    assert!(
        change
            .actor
            .as_deref()
            .unwrap()
            .contains("olivia@acme.example")
    );
    let csv = app
        .api
        .get(&format!("/api/v1/accounts/{}/audit.csv", acme.0))
        .await;
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("time,actor,action,account,summary,ip\r\n"));
    assert!(text.contains("access.changed"));
    // Expiries are logged by the server itself.
    app.invite(acme, &["bob@example.com"], &[(Role::Basic, &[acme])])
        .await;
    app.execute("UPDATE invitations SET expires_at = 1000 WHERE email = 'bob@example.com'")
        .await;
    app.api.post_empty("/api/v1/__maintenance").await;
    app.stop().await;
}

/// "Last sign-in" filters the list (and its export) to people who have not signed in for 30,
/// 90 or 180 days, or never, as the list shows their last sign-in.
async fn the_users_list_finds_people_who_stopped_signing_in(engine: Engine) {
    let Org { app, acme, .. } = org(engine).await;
    for (email, name) in [
        ("recent@example.com", "Recent"),
        ("quarter@example.com", "Quarter"),
        ("half@example.com", "Half"),
        ("never@example.com", "Never"),
    ] {
        app.invite(acme, &[email], &[(Role::Basic, &[acme])]).await;
        app.accept_as_new(email, name).await;
    }
    app.invite(acme, &["invited@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let day: i64 = 86_400_000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for (email, at) in [
        ("quarter@example.com", Some(now - 100 * day)),
        ("half@example.com", Some(now - 200 * day)),
        ("never@example.com", None),
    ] {
        // First and last sign-in are set together: someone who never signed in has neither.
        let set = match at {
            Some(at) => format!("last_sign_in_at = {at}"),
            None => "first_sign_in_at = NULL, last_sign_in_at = NULL".to_owned(),
        };
        app.execute(&format!(
            "UPDATE users SET {set} WHERE email_key = '{email}'"
        ))
        .await;
    }
    let found = |query: &'static str| {
        let app = &app;
        async move {
            let page = people(&app.api, acme, query).await;
            let mut emails: Vec<String> = page
                .people
                .into_iter()
                .map(|p| p.email.to_string())
                .collect();
            assert_eq!(page.total as usize, emails.len(), "{query}: the total");
            emails.sort();
            emails
        }
    };
    assert_eq!(
        found("?inactive=30d").await,
        [
            "half@example.com",
            "invited@example.com",
            "never@example.com",
            "quarter@example.com"
        ]
    );
    assert_eq!(
        found("?inactive=90d").await,
        [
            "half@example.com",
            "invited@example.com",
            "never@example.com",
            "quarter@example.com"
        ]
    );
    assert_eq!(
        found("?inactive=180d").await,
        [
            "half@example.com",
            "invited@example.com",
            "never@example.com"
        ]
    );
    assert_eq!(
        found("?inactive=never").await,
        ["invited@example.com", "never@example.com"]
    );
    assert_eq!(
        people(&app.api, acme, "?inactive=180d&status=active")
            .await
            .total,
        1,
        "with other filters: Half (Never, accepted but never signed in, is Pending)"
    );
    let csv = app
        .api
        .get(&format!(
            "/api/v1/accounts/{}/people.csv?inactive=never",
            acme.0
        ))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    expect_error(
        app.api
            .get(&format!("/api/v1/accounts/{}/people?inactive=7d", acme.0))
            .await,
        400,
        "invalid_query",
    )
    .await;
    app.stop().await;
}

/// The role filter reads roles kept on each person's row (held anywhere in the organisation,
/// or offered by the open invitation): every way access changes must change what it finds.
async fn the_role_filter_follows_every_change_of_access(engine: Engine) {
    let Org {
        app, acme, support, ..
    } = org(engine).await;
    let found = |query: &'static str, account: AccountId| {
        let api = &app.api;
        async move {
            let mut emails: Vec<String> = people(api, account, query)
                .await
                .people
                .iter()
                .map(|p| p.email.to_string())
                .collect();
            emails.sort();
            emails
        }
    };
    // Offered by an invitation: found by the role it offers, on the account it offers it.
    app.invite(
        acme,
        &["ana@example.com", "ben@example.com"],
        &[(Role::Basic, &[acme]), (Role::Admin, &[support])],
    )
    .await;
    assert_eq!(
        found("?role=admin", acme).await,
        ["ana@example.com", "ben@example.com"]
    );
    assert_eq!(
        found("?role=basic&sort=email&order=desc", acme).await,
        ["ana@example.com", "ben@example.com"]
    );
    assert!(found("?role=reporting", acme).await.is_empty());
    // Accepted: the same roles, now held.
    app.accept_as_new("ana@example.com", "Ana").await;
    let ana = person_id(&app, acme, "ana@example.com").await;
    assert_eq!(
        found("?role=admin", support).await,
        ["ana@example.com", "ben@example.com"]
    );
    // A role changed, an account removed: the old roles are gone.
    set_access(
        &app,
        acme,
        ana,
        json!([{ "account": acme, "role": "reporting" }]),
    )
    .await;
    assert_eq!(found("?role=reporting", acme).await, ["ana@example.com"]);
    assert_eq!(found("?role=admin", acme).await, ["ben@example.com"]);
    assert_eq!(found("?role=basic", acme).await, ["ben@example.com"]);
    // Ana's Reporting on Acme covers Support; Ben's offered Basic on Acme covers it too.
    assert_eq!(found("?role=reporting", support).await, ["ana@example.com"]);
    // An invitation withdrawn takes what it offered with it.
    let ben = person_id(&app, acme, "ben@example.com").await;
    let withdrawn = app
        .api
        .delete(&format!(
            "/api/v1/accounts/{}/people/{ben}/invitation",
            acme.0
        ))
        .await;
    assert!(withdrawn.status().is_success(), "{}", withdrawn.status());
    assert!(found("?role=admin", acme).await.is_empty());
    assert!(found("?role=basic", acme).await.is_empty());
    // Removed from the organisation: found by no role.
    let removed = app
        .api
        .delete(&format!("/api/v1/accounts/{}/people/{ana}", acme.0))
        .await;
    assert!(removed.status().is_success(), "{}", removed.status());
    assert!(found("?role=reporting", acme).await.is_empty());
    assert_eq!(found("?role=owner", acme).await.len(), 1);
    app.stop().await;
}

/// Sets `person`'s access on `root`'s accounts as its Owner, and expects it done.
async fn set_access(app: &TestApp, root: AccountId, person: i64, access: serde_json::Value) {
    expect_json::<AccessChanges>(
        app.api
            .put(
                &format!("/api/v1/accounts/{}/people/{person}/access", root.0),
                &json!({ "access": access }),
            )
            .await,
        200,
    )
    .await;
}

/// The list's row of `email` on `account`: name, address, and access as `(account, role,
/// pending)` in the order shown.
async fn listed(
    app: &TestApp,
    account: AccountId,
    email: &str,
) -> (Option<String>, String, Vec<(AccountId, Role, bool)>) {
    let page = people(&app.api, account, "?per_page=200").await;
    let row = page
        .people
        .iter()
        .find(|p| p.email.as_str() == email)
        .unwrap_or_else(|| panic!("{email} is not on the list: {page:?}"));
    (
        row.name.as_ref().map(|n| n.as_str().to_owned()),
        row.email.to_string(),
        row.access
            .iter()
            .map(|a| (a.account, a.role, a.pending))
            .collect(),
    )
}

/// What a page shows of a person (their access, name and address) is kept on their row in the
/// organisation: every change to what it is computed from shows on the next page read.
async fn a_listed_persons_access_and_identity_follow_every_change(engine: Engine) {
    let Org {
        app,
        acme,
        support,
        sales,
        ..
    } = org(engine).await;
    app.invite(
        acme,
        &["ana@example.com"],
        &[(Role::Basic, &[sales]), (Role::Admin, &[support])],
    )
    .await;
    // Offered, and no name until she accepts.
    assert_eq!(
        listed(&app, acme, "ana@example.com").await,
        (
            None,
            "ana@example.com".to_owned(),
            vec![(support, Role::Admin, true), (sales, Role::Basic, true)]
        )
    );
    let ana_client = app.accept_as_new("ana@example.com", "Ana Alves").await;
    let ana = person_id(&app, acme, "ana@example.com").await;
    assert_eq!(
        listed(&app, acme, "ana@example.com").await,
        (
            Some("Ana Alves".to_owned()),
            "ana@example.com".to_owned(),
            vec![(support, Role::Admin, false), (sales, Role::Basic, false)]
        )
    );
    // Her access edited: a role changed, an account taken away, one given.
    set_access(
        &app,
        acme,
        ana,
        json!([
            { "account": acme, "role": "reporting" },
            { "account": support, "role": "basic" },
        ]),
    )
    .await;
    assert_eq!(
        listed(&app, acme, "ana@example.com").await.2,
        vec![
            (acme, Role::Reporting, false),
            (support, Role::Basic, false)
        ]
    );
    // The sub-account's list shows what covers it, from above, and its own role.
    assert_eq!(
        listed(&app, support, "ana@example.com").await.2,
        vec![
            (acme, Role::Reporting, false),
            (support, Role::Basic, false)
        ]
    );
    // She renames herself: every organisation's list shows her new name.
    let renamed = ana_client
        .put("/api/v1/me/name", &json!({ "name": "Ana Alves-Silva" }))
        .await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(
        listed(&app, acme, "ana@example.com").await.0.as_deref(),
        Some("Ana Alves-Silva")
    );
    // A page is read as one JSON value: what JSON escapes comes back as it was written.
    let written = "Ana \"Nana\" d'Alves \\ 李 🌻";
    let renamed = ana_client
        .put("/api/v1/me/name", &json!({ "name": written }))
        .await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(
        listed(&app, acme, "ana@example.com").await.0.as_deref(),
        Some(written)
    );
    // Re-invited to more after accepting: given directly, as she is already a member.
    app.invite(acme, &["ana@example.com"], &[(Role::Admin, &[sales])])
        .await;
    assert_eq!(
        listed(&app, acme, "ana@example.com").await.2,
        vec![
            (acme, Role::Reporting, false),
            (support, Role::Basic, false),
            (sales, Role::Admin, false)
        ]
    );
    app.stop().await;
}

/// Each status filter's total is the number of people the whole list shows with that status,
/// and "never signed in" the number shown without a last sign-in.
async fn assert_status_totals(app: &TestApp, account: AccountId, when: &str) {
    let everyone = people(&app.api, account, "?per_page=200").await;
    for status in [
        PersonStatus::Active,
        PersonStatus::Pending,
        PersonStatus::Expired,
    ] {
        let shown = everyone
            .people
            .iter()
            .filter(|p| p.status == status)
            .count() as u64;
        let name = format!("{status:?}").to_lowercase();
        let filtered = people(&app.api, account, &format!("?status={name}&per_page=200")).await;
        assert_eq!(filtered.total, shown, "{when}: {name}");
        assert_eq!(filtered.people.len() as u64, shown, "{when}: {name}");
    }
    let never = everyone
        .people
        .iter()
        .filter(|p| p.last_sign_in_at.is_none())
        .count() as u64;
    let filtered = people(&app.api, account, "?inactive=never&per_page=200").await;
    assert_eq!(filtered.total, never, "{when}: never signed in");
    assert_eq!(
        filtered.people.len() as u64,
        never,
        "{when}: never signed in"
    );
}

/// The status and "never signed in" totals are kept counts (migration 0018) and a count of the
/// open invitations: each way into and out of every status, in both organisations a person
/// belongs to.
async fn the_status_filters_count_what_the_list_shows(engine: Engine) {
    let Org { app, acme, .. } = org(engine).await;
    assert_status_totals(&app, acme, "the Owner alone").await;
    app.invite(
        acme,
        &["ana@example.com", "bob@example.com", "cid@example.com"],
        &[(Role::Basic, &[acme])],
    )
    .await;
    assert_status_totals(&app, acme, "three invited").await;
    assert_eq!(people(&app.api, acme, "?status=pending").await.total, 3);
    let ana = app.accept_as_new("ana@example.com", "Ana").await;
    assert_status_totals(&app, acme, "Ana accepted").await;
    assert_eq!(people(&app.api, acme, "?status=active").await.total, 2);
    // Ana also joins a second organisation, as its Owner.
    let globex = roster_backend::operator::create_organisation(
        app.database_url(),
        None,
        &app.address,
        "Globex",
        "starter",
        "ana@example.com",
    )
    .await
    .expect("the operator command works");
    let token = globex.invitation_link.split_once("#token=").unwrap().1;
    let _: SignInOutcome = expect_json(
        ana.post("/api/v1/invitations/accept", &json!({ "token": token }))
            .await,
        200,
    )
    .await;
    let globex = AccountId(globex.account_id);
    let ana_sees = |query: &'static str| {
        let ana = &ana;
        async move { people(ana, globex, query).await.total }
    };
    assert_eq!(ana_sees("?status=active").await, 1);
    // Her identity as if she had never signed in: Pending in both organisations; signing in
    // makes her Active in both again.
    app.execute(
        "UPDATE users SET first_sign_in_at = NULL, last_sign_in_at = NULL \
         WHERE email = 'ana@example.com'",
    )
    .await;
    assert_status_totals(&app, acme, "Ana never signed in").await;
    assert_eq!(people(&app.api, acme, "?status=active").await.total, 1);
    assert_eq!(ana_sees("?status=active").await, 0);
    assert_eq!(ana_sees("?status=pending").await, 1);
    ana.sign_in_ok("ana@example.com", MEMBER_PASSWORD).await;
    assert_status_totals(&app, acme, "Ana signed in").await;
    assert_eq!(people(&app.api, acme, "?status=active").await.total, 2);
    assert_eq!(ana_sees("?status=active").await, 1);
    // Bob's invitation runs out: Expired, by the time alone.
    app.execute(
        "UPDATE tree_members SET invitation_expires_at = 1000 \
         WHERE user_id = (SELECT id FROM users WHERE email = 'bob@example.com')",
    )
    .await;
    assert_status_totals(&app, acme, "Bob's invitation expired").await;
    assert_eq!(people(&app.api, acme, "?status=expired").await.total, 1);
    assert_eq!(people(&app.api, acme, "?status=pending").await.total, 1);
    // Ana and Cid leave (one Active, one invited).
    for email in ["ana@example.com", "cid@example.com"] {
        let id = person_id(&app, acme, email).await;
        assert_eq!(
            app.api
                .delete(&format!("/api/v1/accounts/{}/people/{id}", acme.0))
                .await
                .status(),
            200
        );
    }
    assert_status_totals(&app, acme, "Ana and Cid removed").await;
    assert_eq!(people(&app.api, acme, "?status=active").await.total, 1);
    assert_eq!(people(&app.api, acme, "?status=pending").await.total, 0);
    assert_eq!(ana_sees("?status=active").await, 1, "Globex keeps her");
    app.stop().await;
}

/// A sub-account whose people are more than are counted exactly (2,500) is counted from its
/// memberships and grants as they come. An accepted invitation keeps its grants (its history),
/// and the person's row then names no invitation: such a grant no longer gives access, and
/// must not be counted once the person's access there is taken away.
async fn a_sub_accounts_broad_count_leaves_out_grants_of_accepted_invitations(engine: Engine) {
    let Org {
        app,
        acme,
        support,
        sales,
        ..
    } = org(engine).await;
    app.set_extra_seats(acme, 2_600).await;
    app.invite(
        acme,
        &["ana@example.com"],
        &[(Role::Basic, &[sales]), (Role::Basic, &[support])],
    )
    .await;
    app.accept_as_new("ana@example.com", "Ana Alves").await;
    let ana = person_id(&app, acme, "ana@example.com").await;
    set_access(
        &app,
        acme,
        ana,
        json!([{ "account": support, "role": "basic" }]),
    )
    .await;
    // With the Owner (her role on Acme covers Sales), 2,500 people on Sales' list.
    let emails: Vec<String> = (0..2_499)
        .map(|n| format!("sales{n:04}@example.com"))
        .collect();
    for batch in emails.chunks(650) {
        let batch: Vec<&str> = batch.iter().map(String::as_str).collect();
        app.invite(acme, &batch, &[(Role::Basic, &[sales])]).await;
    }
    // The case this is about: with the Owner's membership, one more membership or grant
    // reaching Sales than people with access there.
    let pool = app.db().await;
    let grants: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM invitation_grants WHERE account_id = {}",
        sales.0
    ))
    .fetch_one(&pool)
    .await
    .expect("the grants are counted");
    pool.close().await;
    assert_eq!(grants, 2_500);

    let first = people(&app.api, sales, "?per_page=200").await;
    assert_eq!(
        (first.total, first.total_at_least),
        (2_500, false),
        "Ana's accepted invitation's grant on Sales is not counted"
    );
    let mut seen = HashSet::new();
    let mut page = first;
    loop {
        seen.extend(page.people.iter().map(|p| p.id.0));
        let Some(next) = page.next.clone() else {
            break;
        };
        page = people(&app.api, sales, &format!("?per_page=200&cursor={next}")).await;
    }
    assert_eq!(seen.len(), 2_500);
    assert!(!seen.contains(&ana), "Ana has no access on Sales");
    app.stop().await;
}

/// A search matches where a name, a later word of it, or an address starts, and follows each
/// change of them: invited (the address is the name until she accepts), accepted, renamed,
/// removed. PostgreSQL reads the matches from an index of those places (migration 0020), kept
/// by a trigger; SQLite from its text index.
async fn a_search_finds_where_a_name_or_address_starts_through_every_change(engine: Engine) {
    let Org { app, acme, .. } = org(engine).await;
    let found = |q: &'static str| {
        let app = &app;
        async move {
            let page = people(&app.api, acme, &format!("?q={q}")).await;
            assert!(!page.total_at_least);
            let emails: Vec<String> = page.people.iter().map(|p| p.email.to_string()).collect();
            assert_eq!(page.total as usize, emails.len(), "q={q}: {emails:?}");
            emails
        }
    };
    let zoe = || vec!["zoe.z@example.com".to_owned()];
    app.invite(acme, &["zoe.z@example.com"], &[(Role::Basic, &[acme])])
        .await;
    assert_eq!(found("zoe.z").await, zoe());
    assert_eq!(found("ZOE.Z%40EXAMPLE.COM").await, zoe());
    assert!(found("example").await.is_empty(), "inside the address");
    assert!(found("oe").await.is_empty(), "inside a word");

    app.accept_as_new("zoe.z@example.com", "Zoë  van Dijk")
        .await;
    assert_eq!(found("van").await, zoe(), "a later word of the name");
    assert_eq!(found("dijk").await, zoe());
    assert_eq!(found("van%20d").await, zoe(), "several words");
    assert_eq!(
        found("zo%C3%AB%20%20van").await,
        zoe(),
        "the name's start, as written"
    );
    assert_eq!(found("zoe.z").await, zoe(), "the address");
    assert!(found("%C3%AB").await.is_empty(), "inside a word");

    let zoe_id = person_id(&app, acme, "zoe.z@example.com").await;
    let client = app.new_client();
    client
        .sign_in_ok("zoe.z@example.com", MEMBER_PASSWORD)
        .await;
    let renamed = client
        .put("/api/v1/me/name", &json!({ "name": "Zoë Lima" }))
        .await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(found("lima").await, zoe());
    assert!(found("van").await.is_empty(), "her old name");
    assert!(found("dijk").await.is_empty(), "her old name");

    let removed = app
        .api
        .delete(&format!("/api/v1/accounts/{}/people/{zoe_id}", acme.0))
        .await;
    assert!(removed.status().is_success(), "{}", removed.status());
    assert!(found("lima").await.is_empty());
    assert!(found("zoe").await.is_empty());
    app.stop().await;
}
