//! Seats: the overview, buying (with the price shown first), removing unused ones down to the
//! floor, invitations blocked when full, and a limit that holds under concurrency.

use roster_shared::account::AccountId;
use roster_shared::api::{InviteResult, PeoplePage, SeatChangeKind, SeatOverview};
use roster_shared::role::Role;
use roster_shared::seats::SeatQuote;
use roster_tests::{Engine, TestApp, engines, expect_error, expect_json};
use serde_json::json;

engines!(
    buying_shows_the_price_first_and_adds_usable_seats,
    removing_never_goes_below_the_floor,
    inviting_is_blocked_when_full_and_says_how_many_are_missing,
    only_top_level_owners_and_admins_manage_seats,
    many_simultaneous_invitations_for_the_last_seat_admit_one,
    removing_seats_while_inviting_never_overfills,
    the_kept_member_counts_follow_every_change,
);

async fn setup(engine: Engine) -> (TestApp, AccountId) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    (app, acme)
}

async fn overview(app: &TestApp, account: AccountId) -> SeatOverview {
    app.api
        .get_ok(&format!("/api/v1/accounts/{}/seats", account.0))
        .await
}

/// Buys `quantity` seats for `account` at the price quoted now.
pub(crate) async fn buy(app: &TestApp, account: AccountId, quantity: u32) -> reqwest::Response {
    let quote: SeatQuote = app
        .api
        .get_ok(&format!(
            "/api/v1/accounts/{}/seats/quote?quantity={quantity}",
            account.0
        ))
        .await;
    app.api
        .post(
            &format!("/api/v1/accounts/{}/seats/purchases", account.0),
            &json!({ "quantity": quantity, "expected_total_minor": quote.total.minor }),
        )
        .await
}

async fn fill(app: &TestApp, account: AccountId, count: usize, prefix: &str) {
    let emails: Vec<String> = (0..count)
        .map(|i| format!("{prefix}{i}@example.com"))
        .collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    let result = app
        .invite(account, &refs, &[(Role::Basic, &[account])])
        .await;
    assert_eq!(result.invited.len(), count);
}

async fn buying_shows_the_price_first_and_adds_usable_seats(engine: Engine) {
    let (app, acme) = setup(engine).await;
    let before = overview(&app, acme).await;
    assert_eq!(before.plan.key, "team");
    assert_eq!(
        (
            before.seats.included,
            before.seats.extra,
            before.seats.used,
            before.seats.free()
        ),
        (10, 0, 1, 9)
    );
    assert!(before.can_manage);

    let quote: SeatQuote = app
        .api
        .get_ok(&format!(
            "/api/v1/accounts/{}/seats/quote?quantity=3",
            acme.0
        ))
        .await;
    assert_eq!(quote.unit_price.to_string(), "€8.00");
    assert_eq!(quote.total.to_string(), "€24.00");
    expect_error(
        app.api
            .get(&format!(
                "/api/v1/accounts/{}/seats/quote?quantity=0",
                acme.0
            ))
            .await,
        400,
        "invalid_query",
    )
    .await;
    expect_error(
        app.api
            .get(&format!(
                "/api/v1/accounts/{}/seats/quote?quantity=1001",
                acme.0
            ))
            .await,
        400,
        "invalid_query",
    )
    .await;

    // A stale price is refused; nothing is bought.
    let stale = app
        .api
        .post(
            &format!("/api/v1/accounts/{}/seats/purchases", acme.0),
            &json!({ "quantity": 3, "expected_total_minor": 100 }),
        )
        .await;
    let message = expect_error(stale, 409, "price_changed").await;
    assert!(message.contains("€24.00"), "{message}");
    assert_eq!(overview(&app, acme).await.seats.extra, 0);

    let after: SeatOverview = expect_json(buy(&app, acme, 3).await, 200).await;
    assert_eq!((after.seats.extra, after.seats.free()), (3, 12));
    assert_eq!(after.history.len(), 1);
    let entry = &after.history[0];
    assert_eq!(entry.kind, SeatChangeKind::Purchase);
    assert_eq!(
        (entry.quantity, entry.total.minor, entry.extra_after),
        (3, 2400, 3)
    );
    assert!(entry.actor.as_deref().unwrap().contains("Olivia Owner"));
    // Usable at once: 12 more people fit.
    fill(&app, acme, 12, "p").await;
    app.stop().await;
}

async fn removing_never_goes_below_the_floor(engine: Engine) {
    let (app, acme) = setup(engine).await;
    expect_json::<SeatOverview>(buy(&app, acme, 2).await, 200).await;
    // 10 included + 2 extra; 11 people: one unused extra seat.
    fill(&app, acme, 10, "p").await;
    let now = overview(&app, acme).await;
    assert_eq!((now.seats.used, now.max_removable), (11, 1));
    let message = expect_error(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/seats/removals", acme.0),
                &json!({ "quantity": 2 }),
            )
            .await,
        422,
        "too_many_seats",
    )
    .await;
    assert!(message.contains("at most 1"), "{message}");
    let after: SeatOverview = expect_json(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/seats/removals", acme.0),
                &json!({ "quantity": 1 }),
            )
            .await,
        200,
    )
    .await;
    assert_eq!((after.seats.extra, after.max_removable), (1, 0));
    assert_eq!(after.history[0].kind, SeatChangeKind::Removal);
    let message = expect_error(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/seats/removals", acme.0),
                &json!({ "quantity": 1 }),
            )
            .await,
        422,
        "too_many_seats",
    )
    .await;
    assert!(message.contains("no unused extra seats"), "{message}");
    // Included seats are never removable, even when unused.
    let (app2, acme2) = setup(engine).await;
    expect_error(
        app2.api
            .post(
                &format!("/api/v1/accounts/{}/seats/removals", acme2.0),
                &json!({ "quantity": 1 }),
            )
            .await,
        422,
        "too_many_seats",
    )
    .await;
    app2.stop().await;
    app.stop().await;
}

async fn inviting_is_blocked_when_full_and_says_how_many_are_missing(engine: Engine) {
    let (app, acme) = setup(engine).await;
    fill(&app, acme, 8, "p").await;
    let response = app
        .invite_as(
            &app.api,
            acme,
            &["a@example.com", "b@example.com", "c@example.com"],
            &[(Role::Basic, &[acme])],
        )
        .await;
    let message = expect_error(response, 409, "not_enough_seats").await;
    assert_eq!(
        message,
        "3 seats needed but only 1 free: 2 more seats required."
    );
    // Nothing of it happened.
    assert_eq!(overview(&app, acme).await.seats.used, 9);
    // Two more seats: the same invitation goes through, unchanged.
    expect_json::<SeatOverview>(buy(&app, acme, 2).await, 200).await;
    let result: InviteResult = expect_json(
        app.invite_as(
            &app.api,
            acme,
            &["a@example.com", "b@example.com", "c@example.com"],
            &[(Role::Basic, &[acme])],
        )
        .await,
        200,
    )
    .await;
    assert_eq!(result.invited.len(), 3);
    assert_eq!(result.seats.free(), 0);
    app.stop().await;
}

async fn only_top_level_owners_and_admins_manage_seats(engine: Engine) {
    let (app, acme) = setup(engine).await;
    let support = app.sub_account(acme, "Support").await;
    app.invite(acme, &["sam@example.com"], &[(Role::Admin, &[support])])
        .await;
    let sam = app.accept_as_new("sam@example.com", "Sam").await;
    let seen: SeatOverview = sam
        .get_ok(&format!("/api/v1/accounts/{}/seats", support.0))
        .await;
    assert!(!seen.can_manage, "a sub-account Admin sees the seats");
    assert_eq!(seen.seats.used, 2);
    let message = expect_error(
        sam.post(
            &format!("/api/v1/accounts/{}/seats/purchases", support.0),
            &json!({ "quantity": 1, "expected_total_minor": 800 }),
        )
        .await,
        403,
        "not_a_seat_manager",
    )
    .await;
    assert_eq!(
        message,
        "Only Owners and Admins of Acme can buy or remove seats."
    );
    expect_error(
        sam.post(
            &format!("/api/v1/accounts/{}/seats/removals", support.0),
            &json!({ "quantity": 1 }),
        )
        .await,
        403,
        "not_a_seat_manager",
    )
    .await;
    expect_error(
        sam.get(&format!("/api/v1/accounts/{}/seats", acme.0)).await,
        404,
        "not_found",
    )
    .await;
    app.stop().await;
}

async fn many_simultaneous_invitations_for_the_last_seat_admit_one(engine: Engine) {
    let (app, acme) = setup(engine).await;
    fill(&app, acme, 8, "p").await;
    assert_eq!(overview(&app, acme).await.seats.free(), 1);
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..12 {
        let client = app.api.clone();
        let body = json!({ "emails": [format!("racer{i}@example.com")], "grants": [{ "role": "basic", "accounts": [acme] }] });
        attempts.spawn(async move {
            client
                .post(&format!("/api/v1/accounts/{}/invitations", acme.0), &body)
                .await
                .status()
                .as_u16()
        });
    }
    let statuses = attempts.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        11,
        "{statuses:?}"
    );
    let seats = overview(&app, acme).await.seats;
    assert_eq!(seats.used, seats.total());
    app.stop().await;
}

async fn removing_seats_while_inviting_never_overfills(engine: Engine) {
    let (app, acme) = setup(engine).await;
    for round in 0..5 {
        expect_json::<SeatOverview>(buy(&app, acme, 1).await, 200).await;
        let free = overview(&app, acme).await.seats.free();
        if free > 1 {
            fill(&app, acme, (free - 1) as usize, &format!("r{round}x")).await;
        }
        assert_eq!(overview(&app, acme).await.seats.free(), 1);
        let removal_path = format!("/api/v1/accounts/{}/seats/removals", acme.0);
        let removal = json!({ "quantity": 1 });
        let late = format!("late{round}@example.com");
        let accounts = [acme];
        let emails = [late.as_str()];
        let grants = [(Role::Basic, &accounts[..])];
        let remove = app.api.post(&removal_path, &removal);
        let invite = app.invite_as(&app.api, acme, &emails, &grants);
        let (removed, invited) = tokio::join!(remove, invite);
        let outcome = (removed.status().as_u16(), invited.status().as_u16());
        assert!(
            outcome == (200, 409) || outcome == (422, 200),
            "round {round}: {outcome:?}"
        );
        let seats = overview(&app, acme).await.seats;
        assert!(seats.used <= seats.total(), "round {round}: {seats:?}");
    }
    app.stop().await;
}

/// Seats and the Users list's total read counts kept by triggers (migration 0009); after each
/// kind of change they must equal a count of the rows themselves.
async fn the_kept_member_counts_follow_every_change(engine: Engine) {
    let (app, acme) = setup(engine).await;
    app.set_extra_seats(acme, 10).await;
    let check = |step: &'static str| {
        let app = &app;
        async move {
            let pool = app.db().await;
            let kept: (i64, i64) = sqlx::query_as(&format!(
                "SELECT accepted, invited FROM member_counts WHERE root_id = {}",
                acme.0
            ))
            .fetch_one(&pool)
            .await
            .expect("a count row for the organisation");
            let counted: (i64, i64, i64) = sqlx::query_as(&format!(
                "SELECT \
                   COALESCE(SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN accepted_at IS NULL THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN accepted_at IS NULL AND invitation_expires_at > {} \
                     THEN 1 ELSE 0 END), 0) \
                 FROM tree_members WHERE root_id = {}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis(),
                acme.0
            ))
            .fetch_one(&pool)
            .await
            .unwrap();
            // And each account's members in each role (migration 0025).
            let members: Vec<(i64, String, i64)> = sqlx::query_as(
                "SELECT account_id, role, members FROM account_members WHERE members <> 0 \
                 ORDER BY account_id, role",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            let memberships: Vec<(i64, String, i64)> = sqlx::query_as(
                "SELECT account_id, role, COUNT(*) FROM memberships \
                 GROUP BY account_id, role ORDER BY account_id, role",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            pool.close().await;
            assert_eq!(kept, (counted.0, counted.1), "{step}: kept counts");
            assert_eq!(members, memberships, "{step}: members per account and role");
            let seats = overview(app, acme).await.seats;
            assert_eq!(
                i64::from(seats.used),
                counted.0 + counted.2,
                "{step}: seats in use"
            );
            let page: PeoplePage = app
                .api
                .get_ok(&format!("/api/v1/accounts/{}/people", acme.0))
                .await;
            assert_eq!(
                page.total as i64,
                counted.0 + counted.1,
                "{step}: Users list total"
            );
        }
    };
    let id_of = |email: &'static str| {
        let app = &app;
        async move {
            let page: PeoplePage = app
                .api
                .get_ok(&format!("/api/v1/accounts/{}/people?q={email}", acme.0))
                .await;
            page.people[0].id.0
        }
    };
    check("the owner alone").await;
    fill(&app, acme, 3, "kept").await;
    check("three invited").await;
    app.accept_as_new("kept0@example.com", "Kept Zero").await;
    check("one accepted").await;
    let kept0 = id_of("kept0@example.com").await;
    let support = app.sub_account(acme, "Support").await;
    let changed = app
        .api
        .put(
            &format!("/api/v1/accounts/{}/people/{kept0}/access", acme.0),
            &serde_json::json!({ "access": [
                { "account": acme, "role": "admin" },
                { "account": support, "role": "reporting" },
            ] }),
        )
        .await;
    assert_eq!(changed.status(), 200);
    check("one accepted's role changed, and a sub-account given").await;
    // Into a role someone already holds on the account: its kept row is there already.
    let changed = app
        .api
        .put(
            &format!("/api/v1/accounts/{}/people/{kept0}/access", acme.0),
            &serde_json::json!({ "access": [{ "account": acme, "role": "owner" }] }),
        )
        .await;
    assert_eq!(changed.status(), 200);
    check("one accepted made an Owner beside the first").await;
    let again = app
        .invite(acme, &["kept1@example.com"], &[(Role::Admin, &[acme])])
        .await;
    assert_eq!(again.reinvited.len(), 1);
    check("one invited again").await;
    app.execute(
        "UPDATE tree_members SET invitation_expires_at = 1000 \
         WHERE email_key = 'kept2@example.com'",
    )
    .await;
    check("one invitation expired (no seat, still listed)").await;
    let kept1 = id_of("kept1@example.com").await;
    let withdrawn = app
        .api
        .delete(&format!(
            "/api/v1/accounts/{}/people/{kept1}/invitation",
            acme.0
        ))
        .await;
    assert_eq!(withdrawn.status(), 204);
    check("one invitation withdrawn").await;
    let removed = app
        .api
        .delete(&format!("/api/v1/accounts/{}/people/{kept0}", acme.0))
        .await;
    assert_eq!(removed.status(), 200);
    check("one member removed").await;
    app.stop().await;
}
