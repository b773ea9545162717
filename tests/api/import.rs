//! CSV: import a file of `email,role,account` rows (preview with per-row problems, then one
//! batch), and export the Users list with its filters.

use roster_shared::api::{ErrorBody, ImportPreview, InviteResult};
use roster_shared::role::Role;
use roster_tests::{Engine, TestApp, engines, expect_error, expect_json};
use serde_json::json;

engines!(
    the_preview_names_every_problem_and_the_batch_is_all_or_nothing,
    the_users_list_exports_with_its_filters
);

async fn the_preview_names_every_problem_and_the_batch_is_all_or_nothing(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let europe = app.sub_account(acme, "Europe").await;
    let europe_support = app.sub_account(europe, "Support").await;
    let americas = app.sub_account(acme, "Americas").await;
    app.sub_account(americas, "Support").await;
    let csv = "email,role,account\n\
               ana@example.com,basic,Acme\n\
               bob@example.com,Admin,Europe / Support\n\
               carla@example,basic,Europe\n\
               dan@example.com,superuser,Europe\n\
               eve@example.com,basic,Atlantis\n\
               fay@example.com,basic,Support\n\
               ana@example.com,basic,Acme\n\
               gus@example.com,reporting,\n";
    let preview: ImportPreview = expect_json(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/invitations/preview", acme.0),
                &json!({ "csv": csv }),
            )
            .await,
        200,
    )
    .await;
    let problems: Vec<(u32, usize)> = preview
        .rows
        .iter()
        .map(|r| (r.line, r.problems.len()))
        .collect();
    assert_eq!(
        problems,
        [
            (2, 0),
            (3, 0),
            (4, 1),
            (5, 1),
            (6, 1),
            (7, 1),
            (8, 1),
            (9, 0)
        ],
        "{:#?}",
        preview.rows
    );
    let text = |line: u32| {
        preview
            .rows
            .iter()
            .find(|r| r.line == line)
            .unwrap()
            .problems[0]
            .clone()
    };
    assert_eq!(text(4), "Domain has no dot.");
    assert!(text(5).contains("is not a role"), "{}", text(5));
    assert!(
        text(6).contains("No account named “Atlantis”"),
        "{}",
        text(6)
    );
    assert!(text(7).contains("several accounts"), "{}", text(7));
    assert!(text(8).contains("earlier line"), "{}", text(8));
    assert_eq!(preview.rows[1].account_id, Some(europe_support));
    assert_eq!(preview.people, 3);

    // A batch with one bad row sends nothing and names the row.
    let bad = json!({ "rows": [
        { "email": "ana@example.com", "role": "basic", "account": acme },
        { "email": "carla@example", "role": "basic", "account": europe },
    ]});
    let error: ErrorBody = expect_json(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/invitations/bulk", acme.0),
                &bad,
            )
            .await,
        422,
    )
    .await;
    assert_eq!(error.code, "invalid_rows");
    assert_eq!(error.fields[0].field, "rows[1]");
    let page: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people", acme.0))
        .await;
    assert_eq!(page.total, 1);

    // Fixed: one batch; one person may get several accounts.
    let good = json!({ "rows": [
        { "email": "ana@example.com", "role": "basic", "account": acme },
        { "email": "bob@example.com", "role": "admin", "account": europe_support },
        { "email": "carla@example.com", "role": "basic", "account": europe },
        { "email": "carla@example.com", "role": "reporting", "account": americas },
    ]});
    let result: InviteResult = expect_json(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/invitations/bulk", acme.0),
                &good,
            )
            .await,
        200,
    )
    .await;
    assert_eq!(result.invited.len(), 3);
    let carla: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=carla", acme.0))
        .await;
    assert_eq!(carla.people[0].access.len(), 2);
    // Not enough seats: nothing at all.
    let many: Vec<_> = (0..9)
        .map(|i| json!({ "email": format!("p{i}@example.com"), "role": "basic", "account": acme }))
        .collect();
    expect_error(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/invitations/bulk", acme.0),
                &json!({ "rows": many }),
            )
            .await,
        409,
        "not_enough_seats",
    )
    .await;
    let _ = Role::Basic;
    app.stop().await;
}

async fn the_users_list_exports_with_its_filters(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    app.invite(
        acme,
        &["ana@example.com", "=cmd@example.com"],
        &[(Role::Basic, &[acme])],
    )
    .await;
    let all = app
        .api
        .get(&format!("/api/v1/accounts/{}/people.csv", acme.0))
        .await;
    assert!(
        all.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("roster-people-")
    );
    let text = all.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "name,email,status,access,last_sign_in");
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        text.contains("olivia@acme.example,Active,Acme: Owner,"),
        "{text}"
    );
    assert!(
        text.contains(",ana@example.com,Pending,Acme: Basic (invited),"),
        "{text}"
    );
    assert!(
        text.contains("'=cmd@example.com"),
        "formulas are defused: {text}"
    );
    let pending = app
        .api
        .get(&format!(
            "/api/v1/accounts/{}/people.csv?status=pending",
            acme.0
        ))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(pending.lines().count(), 3);
    app.stop().await;
}
