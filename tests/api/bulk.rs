//! Clearing out inactive users: acting on many people of the Users list at once. Each person
//! goes through the rules of the single action (skipped with the reason where those refuse),
//! gets one audit entry, and the operation's progress can be read while it runs.

use std::time::{Duration, Instant};

use roster_shared::access::UserId;
use roster_shared::account::AccountId;
use roster_shared::api::{BulkOperation, ErrorBody, PeoplePage, PersonDetail, SeatOverview};
use roster_shared::role::Role;
use roster_tests::{ApiClient, Engine, TestApp, engines, eventually, expect_json};
use serde_json::{Value, json};

engines!(
    five_hundred_inactive_people_leave_a_ten_thousand_person_organisation,
    a_sub_account_admin_changes_only_whom_they_may,
    roles_are_set_and_invitations_sent_again_in_bulk,
    a_bad_request_starts_nothing,
    an_operation_whose_replica_stopped_says_so,
    a_token_acts_in_bulk_only_within_its_scope_and_role,
);

fn bulk_path(account: AccountId) -> String {
    format!("/api/v1/accounts/{}/people/bulk", account.0)
}

async fn start(client: &ApiClient, account: AccountId, body: Value) -> BulkOperation {
    expect_json(client.post(&bulk_path(account), &body).await, 202).await
}

/// Polls the operation until it is finished, and how many times it was seen part-way.
async fn finished(client: &ApiClient, account: AccountId, id: i64) -> (BulkOperation, Vec<u64>) {
    let path = format!("{}/{id}", bulk_path(account));
    let seen = std::cell::RefCell::new(Vec::new());
    let operation = eventually(
        "the operation finishing",
        Duration::from_secs(120),
        || async {
            let operation: BulkOperation = client.get_ok(&path).await;
            if operation.finished_at.is_none() {
                seen.borrow_mut().push(operation.done);
            }
            operation.finished_at.is_some().then_some(operation)
        },
    )
    .await;
    (operation, seen.into_inner())
}

async fn id_of(client: &ApiClient, account: AccountId, email: &str) -> UserId {
    let page: PeoplePage = client
        .get_ok(&format!("/api/v1/accounts/{}/people?q={email}", account.0))
        .await;
    page.people
        .iter()
        .find(|p| p.email.as_str() == email)
        .unwrap_or_else(|| panic!("{email} is listed"))
        .id
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let pool = app.db().await;
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

async fn five_hundred_inactive_people_leave_a_ten_thousand_person_organisation(engine: Engine) {
    let database = roster_tests::app::TestDatabase::new(engine).await;
    let demo = roster_backend::operator::demo(&database.url, 10_000)
        .await
        .expect("a large organisation");
    let app = TestApp::spawn_on(database, |_| {}).await;
    // 500 people who signed in once, long ago.
    let long_ago = chrono_free_days_ago(200);
    app.execute(&format!(
        "UPDATE users SET last_sign_in_at = {long_ago} WHERE id IN (\
             SELECT id FROM users WHERE first_sign_in_at IS NOT NULL \
             AND email <> '{}' ORDER BY id LIMIT 500)",
        demo.owner_email
    ))
    .await;
    let owner = app.new_client();
    let root = owner
        .sign_in_ok(&demo.owner_email, &demo.password)
        .await
        .last_account
        .unwrap();
    let seats_before: SeatOverview = owner
        .get_ok(&format!("/api/v1/accounts/{}/seats", root.0))
        .await;
    let inactive: PeoplePage = owner
        .get_ok(&format!(
            "/api/v1/accounts/{}/people?status=active&inactive=180d",
            root.0
        ))
        .await;
    assert_eq!(inactive.total, 500);

    let clock = Instant::now();
    let started = start(
        &owner,
        root,
        json!({ "selection": { "kind": "matching", "status": "active", "inactive": "180d" },
                "action": { "kind": "remove" } }),
    )
    .await;
    assert_eq!((started.total, started.done), (500, 0));
    let (operation, seen) = finished(&owner, root, started.id).await;
    eprintln!(
        "{engine:?}: 500 of 10,000 removed in {:?}, progress seen at {seen:?}",
        clock.elapsed()
    );
    assert_eq!((operation.done, operation.skipped_count), (500, 0));
    assert!(!operation.interrupted);
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "progress only moves forward: {seen:?}"
    );

    let all: PeoplePage = owner
        .get_ok(&format!("/api/v1/accounts/{}/people?per_page=1", root.0))
        .await;
    assert_eq!(all.total, 9_500);
    let left: PeoplePage = owner
        .get_ok(&format!(
            "/api/v1/accounts/{}/people?status=active&inactive=180d",
            root.0
        ))
        .await;
    assert_eq!(left.total, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'access.changed_in_bulk'"
        )
        .await,
        500,
        "one audit entry per person"
    );
    let seats_after: SeatOverview = owner
        .get_ok(&format!("/api/v1/accounts/{}/seats", root.0))
        .await;
    assert_eq!(seats_after.seats.used + 500, seats_before.seats.used);
    app.stop().await;
}

/// Milliseconds since the epoch, `days` days before now.
fn chrono_free_days_ago(days: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    now - days * 86_400_000
}

/// Acme with Support (Sam is its Admin) and Sales.
struct Scoped {
    app: TestApp,
    acme: AccountId,
    support: AccountId,
    sales: AccountId,
    sam: ApiClient,
}

async fn scoped(engine: Engine) -> Scoped {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let support = app.sub_account(acme, "Support").await;
    let sales = app.sub_account(acme, "Sales").await;
    app.invite(acme, &["sam@example.com"], &[(Role::Admin, &[support])])
        .await;
    let sam = app.accept_as_new("sam@example.com", "Sam Admin").await;
    Scoped {
        app,
        acme,
        support,
        sales,
        sam,
    }
}

async fn a_sub_account_admin_changes_only_whom_they_may(engine: Engine) {
    let Scoped {
        app,
        acme,
        support,
        sales,
        sam,
    } = scoped(engine).await;
    app.invite(acme, &["x@example.com"], &[(Role::Basic, &[support])])
        .await;
    app.invite(acme, &["y@example.com"], &[(Role::Basic, &[sales])])
        .await;
    let x = id_of(&app.api, acme, "x@example.com").await;
    let y = id_of(&app.api, acme, "y@example.com").await;
    let olivia = id_of(&app.api, acme, roster_tests::OWNER_EMAIL).await;
    let me = id_of(&app.api, acme, "sam@example.com").await;
    // Someone of another organisation, by a guessed id.
    let stranger = UserId(999_999);

    let started = start(
        &sam,
        support,
        json!({ "selection": { "kind": "people", "ids": [x, y, olivia, me, stranger] },
                "action": { "kind": "remove" } }),
    )
    .await;
    let (operation, _) = finished(&sam, support, started.id).await;
    assert_eq!((operation.done, operation.skipped_count), (5, 4));
    let reason = |user: UserId| {
        operation
            .skipped
            .iter()
            .find(|s| s.user == user)
            .unwrap_or_else(|| panic!("{user:?} skipped"))
            .clone()
    };
    // Beside their reach, or unknown: nothing about them is told.
    for hidden in [y, stranger] {
        let skip = reason(hidden);
        assert_eq!((skip.code.as_str(), skip.email), ("not_found", None));
    }
    // The Owner above: their access lives on Acme.
    let skip = reason(olivia);
    assert_eq!(skip.code, "access_inherited");
    assert_eq!(skip.email.unwrap().as_str(), roster_tests::OWNER_EMAIL);
    // Themselves.
    assert_eq!(reason(me).code, "own_access");

    // X lost Support; everyone else is as they were.
    let acme_list: PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people", acme.0))
        .await;
    let emails: Vec<&str> = acme_list.people.iter().map(|p| p.email.as_str()).collect();
    assert!(!emails.contains(&"x@example.com"), "{emails:?}");
    assert!(emails.contains(&"y@example.com") && emails.contains(&"sam@example.com"));
    let detail: PersonDetail = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people/{}", acme.0, y.0))
        .await;
    assert_eq!(detail.access.len(), 1);

    // Only those who manage people start one, and an operation is read only where it was
    // started.
    app.invite(acme, &["bo@example.com"], &[(Role::Basic, &[support])])
        .await;
    let bo = app.accept_as_new("bo@example.com", "Bo Basic").await;
    let refused = bo
        .post(
            &bulk_path(support),
            &json!({ "selection": { "kind": "people", "ids": [x] }, "action": { "kind": "resend" } }),
        )
        .await;
    assert_eq!(refused.status(), 403);
    let elsewhere = sam
        .get(&format!("{}/{}", bulk_path(acme), started.id))
        .await;
    assert_eq!(elsewhere.status(), 404);
    let other_org = TestApp::spawn(engine).await;
    let other_root = other_org.set_up().await.last_account.unwrap();
    let foreign = other_org
        .api
        .get(&format!("{}/{}", bulk_path(other_root), started.id))
        .await;
    assert_eq!(foreign.status(), 404, "another organisation's operation");
    other_org.stop().await;
    app.stop().await;
}

async fn roles_are_set_and_invitations_sent_again_in_bulk(engine: Engine) {
    let Scoped {
        app, acme, support, ..
    } = scoped(engine).await;
    app.invite(acme, &["x@example.com"], &[(Role::Basic, &[support])])
        .await;
    app.invite(acme, &["a@example.com"], &[(Role::Basic, &[acme])])
        .await;
    app.accept_as_new("a@example.com", "Ada Active").await;
    let x = id_of(&app.api, acme, "x@example.com").await;
    let a = id_of(&app.api, acme, "a@example.com").await;

    let started = start(
        &app.api,
        acme,
        json!({ "selection": { "kind": "people", "ids": [x, a] },
                "action": { "kind": "set_role", "account": support, "role": "reporting" } }),
    )
    .await;
    let (operation, _) = finished(&app.api, acme, started.id).await;
    assert_eq!((operation.done, operation.skipped_count), (2, 0));
    for (who, expected) in [
        (x, vec![(support, Role::Reporting)]),
        (a, vec![(acme, Role::Basic), (support, Role::Reporting)]),
    ] {
        let detail: PersonDetail = app
            .api
            .get_ok(&format!("/api/v1/accounts/{}/people/{}", acme.0, who.0))
            .await;
        let held: Vec<(AccountId, Role)> =
            detail.access.iter().map(|e| (e.account, e.role)).collect();
        assert_eq!(held, expected);
    }
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'access.changed_in_bulk'"
        )
        .await,
        2
    );

    // Sending again reaches the invited only; the active are left alone, with the reason.
    let mails_before = count(&app, "SELECT COUNT(*) FROM outbox").await;
    let started = start(
        &app.api,
        acme,
        json!({ "selection": { "kind": "people", "ids": [x, a] }, "action": { "kind": "resend" } }),
    )
    .await;
    let (operation, _) = finished(&app.api, acme, started.id).await;
    assert_eq!((operation.done, operation.skipped_count), (2, 1));
    assert_eq!(operation.skipped[0].user, a);
    assert_eq!(operation.skipped[0].code, "not_invited");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox").await,
        mails_before + 1
    );
    app.stop().await;
}

async fn a_bad_request_starts_nothing(engine: Engine) {
    let Scoped {
        app,
        acme,
        support,
        sam,
        ..
    } = scoped(engine).await;
    let refuse = |client: &ApiClient, account: AccountId, body: Value| {
        let client = client.clone();
        async move {
            let response = client.post(&bulk_path(account), &body).await;
            let status = response.status().as_u16();
            let body: ErrorBody = response.json().await.unwrap();
            (status, body)
        }
    };
    let (status, body) = refuse(
        &app.api,
        acme,
        json!({ "selection": { "kind": "people", "ids": [] }, "action": { "kind": "remove" } }),
    )
    .await;
    assert_eq!(status, 422, "{body:?}");
    assert!(
        body.message.contains("Select at least one person."),
        "{body:?}"
    );
    let many: Vec<i64> = (1..=10_001).collect();
    let (status, body) = refuse(
        &app.api,
        acme,
        json!({ "selection": { "kind": "people", "ids": many }, "action": { "kind": "remove" } }),
    )
    .await;
    assert_eq!(status, 422, "{body:?}");
    assert!(body.message.contains("At most 10000 people"), "{body:?}");
    let (status, body) = refuse(
        &app.api,
        acme,
        json!({ "selection": { "kind": "matching", "q": "nobody-at-all" }, "action": { "kind": "remove" } }),
    )
    .await;
    assert_eq!((status, body.code.as_str()), (422, "nothing_selected"));
    // A role above their own, or on an account outside their scope.
    let (status, body) = refuse(
        &sam,
        support,
        json!({ "selection": { "kind": "people", "ids": [1] },
                "action": { "kind": "set_role", "account": support, "role": "owner" } }),
    )
    .await;
    assert_eq!(status, 403, "{body:?}");
    let (status, body) = refuse(
        &sam,
        support,
        json!({ "selection": { "kind": "people", "ids": [1] },
                "action": { "kind": "set_role", "account": acme, "role": "basic" } }),
    )
    .await;
    assert!(matches!(status, 403 | 404 | 422), "{status} {body:?}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM bulk_operations").await,
        0,
        "nothing was started"
    );
    app.stop().await;
}

async fn an_operation_whose_replica_stopped_says_so(engine: Engine) {
    let app = TestApp::spawn_with(engine, |settings| {
        settings.maintenance_every = Duration::from_millis(100);
    })
    .await;
    let acme = app.set_up().await.last_account.unwrap();
    // As a replica that died after the first of three people leaves it: its lease runs out.
    app.execute(&format!(
        "INSERT INTO bulk_operations (root_id, account_id, actor_user_id, action, total, done, \
             started_at, lease_until) VALUES ({0}, {0}, 1, '{{\"kind\":\"remove\"}}', 3, 1, 1, 2)",
        acme.0
    ))
    .await;
    let id = count(&app, "SELECT MAX(id) FROM bulk_operations").await;
    let (operation, _) = finished(&app.api, acme, id).await;
    assert!(operation.interrupted);
    assert_eq!((operation.total, operation.done), (3, 1));
    app.stop().await;
}

/// A program's token acts in bulk as it would one by one: capped by its highest role, and only
/// on its own account and what lies below it.
async fn a_token_acts_in_bulk_only_within_its_scope_and_role(engine: Engine) {
    let Scoped {
        app, acme, support, ..
    } = scoped(engine).await;
    app.invite(acme, &["x@example.com"], &[(Role::Basic, &[support])])
        .await;
    let x = id_of(&app.api, acme, "x@example.com").await;
    let token = |max_role: &'static str| {
        let app = &app;
        async move {
            let created: roster_shared::api::CreatedApiToken = expect_json(
                app.api
                    .post(
                        &format!("/api/v1/accounts/{}/api-tokens", support.0),
                        &json!({ "name": format!("Cleanup {max_role}"), "max_role": max_role }),
                    )
                    .await,
                201,
            )
            .await;
            created.token
        }
    };
    let send = |token: String, account: AccountId| {
        let app = &app;
        async move {
            app.new_client()
                .http
                .post(app.url(&bulk_path(account)))
                .bearer_auth(token)
                .json(&json!({ "selection": { "kind": "people", "ids": [x] }, "action": { "kind": "remove" } }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Below Admin: no bulk action at all.
    assert_eq!(send(token("basic").await, support).await, 403);
    // Admin of Support: not above it (Acme answers as if it did not exist)…
    let admin = token("admin").await;
    assert_eq!(send(admin.clone(), acme).await, 404);
    // …and within it, as an Admin of Support.
    assert_eq!(send(admin, support).await, 202);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM bulk_operations").await,
        1,
        "only the allowed one started"
    );
    app.stop().await;
}
