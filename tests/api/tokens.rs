//! API tokens: shown once, stored hashed, scoped to an account and its sub-accounts, capped by
//! their highest role and by their creator, revocable, usable on the same endpoints as people.

use roster_shared::api::{ApiTokenInfo, InviteResult, PeoplePage};
use roster_shared::role::Role;
use roster_tests::{Engine, TestApp, engines, expect_error};
use serde_json::json;

engines!(
    tokens_act_within_their_scope_and_role,
    tokens_are_listed_without_secrets_and_can_be_revoked,
    a_token_never_outranks_its_creator,
);

fn bearer(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    app.new_client()
        .http
        .request(method, app.url(path))
        .bearer_auth(token)
}

async fn tokens_act_within_their_scope_and_role(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let support = app.sub_account(acme, "Support").await;
    let sales = app.sub_account(acme, "Sales").await;
    let created = app
        .api
        .api_token(support, "Okta", roster_shared::role::Role::Admin)
        .await;
    let token = created.token.clone();
    assert!(token.starts_with("rst_") && token.len() > 40);
    assert!(token.starts_with(&created.info.prefix));

    // Inside its scope it works like an Admin of Support…
    let page: PeoplePage = bearer(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/accounts/{}/people", support.0),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    // Only the Owner so far, whose role on Acme covers Support.
    assert_eq!(page.total, 1);
    assert!(page.people[0].access.iter().all(|a| a.inherited));
    let invited: InviteResult = bearer(&app, &token, reqwest::Method::POST, &format!("/api/v1/accounts/{}/invitations", support.0))
        .json(&json!({ "emails": ["bot@example.com"], "grants": [{ "role": "basic", "accounts": [support] }] }))
        .send().await.unwrap().json().await.unwrap();
    assert_eq!(invited.invited.len(), 1);
    // …no CSRF token is needed (it is not a browser)…
    // …but it cannot leave Support, nor grant above Admin.
    let response = bearer(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/accounts/{}/people", acme.0),
    )
    .send()
    .await
    .unwrap();
    expect_error(response, 404, "not_found").await;
    let response = bearer(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/accounts/{}/people", sales.0),
    )
    .send()
    .await
    .unwrap();
    expect_error(response, 404, "not_found").await;
    let response = bearer(&app, &token, reqwest::Method::POST, &format!("/api/v1/accounts/{}/invitations", support.0))
        .json(&json!({ "emails": ["boss@example.com"], "grants": [{ "role": "owner", "accounts": [support] }] }))
        .send().await.unwrap();
    expect_error(response, 403, "above_own_role").await;
    // People-only endpoints refuse tokens.
    let response = bearer(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{}/api-tokens", support.0),
    )
    .json(&json!({ "name": "child", "max_role": "basic" }))
    .send()
    .await
    .unwrap();
    expect_error(response, 403, "person_only").await;
    let response = bearer(&app, &token, reqwest::Method::GET, "/api/v1/me/devices")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "no session behind a token");

    // A Reporting token reads but cannot invite.
    let reader = app
        .api
        .api_token(acme, "Reports", roster_shared::role::Role::Reporting)
        .await;
    let response = bearer(&app, &reader.token, reqwest::Method::POST, &format!("/api/v1/accounts/{}/invitations", acme.0))
        .json(&json!({ "emails": ["x@example.com"], "grants": [{ "role": "reporting", "accounts": [acme] }] }))
        .send().await.unwrap();
    expect_error(response, 403, "not_an_admin").await;
    // The audit log names the token.
    let log: roster_shared::api::AuditPage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/audit", acme.0))
        .await;
    let invite = log
        .entries
        .iter()
        .find(|e| e.action == "invitation.sent")
        .unwrap();
    assert!(
        invite
            .actor
            .as_deref()
            .unwrap()
            .contains("API token “Okta”"),
        "{invite:?}"
    );
    app.stop().await;
}

async fn tokens_are_listed_without_secrets_and_can_be_revoked(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let created = app
        .api
        .api_token(acme, "CI sync", roster_shared::role::Role::Admin)
        .await;
    let listed: Vec<ApiTokenInfo> = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/api-tokens", acme.0))
        .await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, None);
    let raw = app
        .api
        .get(&format!("/api/v1/accounts/{}/api-tokens", acme.0))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !raw.contains(&created.token),
        "the secret is shown once only"
    );
    // Stored hashed.
    let pool = app.db().await;
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(stored, created.token);
    assert_eq!(stored.len(), 64);
    // Use marks it used.
    let response = bearer(
        &app,
        &created.token,
        reqwest::Method::GET,
        &format!("/api/v1/accounts/{}/people", acme.0),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let listed: Vec<ApiTokenInfo> = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/api-tokens", acme.0))
        .await;
    assert!(listed[0].last_used_at.is_some());
    // Revoked: refused at once.
    assert_eq!(
        app.api
            .delete(&format!(
                "/api/v1/accounts/{}/api-tokens/{}",
                acme.0, created.info.id
            ))
            .await
            .status(),
        204
    );
    let response = bearer(
        &app,
        &created.token,
        reqwest::Method::GET,
        &format!("/api/v1/accounts/{}/people", acme.0),
    )
    .send()
    .await
    .unwrap();
    expect_error(response, 401, "invalid_token").await;
    let listed: Vec<ApiTokenInfo> = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/api-tokens", acme.0))
        .await;
    assert!(listed.is_empty());
    expect_error(
        app.api
            .delete(&format!(
                "/api/v1/accounts/{}/api-tokens/{}",
                acme.0, created.info.id
            ))
            .await,
        404,
        "not_found",
    )
    .await;
    app.stop().await;
}

async fn a_token_never_outranks_its_creator(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    app.invite(acme, &["adam@example.com"], &[(Role::Admin, &[acme])])
        .await;
    let adam = app.accept_as_new("adam@example.com", "Adam").await;
    // An Admin cannot make an Owner token.
    expect_error(
        adam.post(
            &format!("/api/v1/accounts/{}/api-tokens", acme.0),
            &json!({ "name": "x", "max_role": "owner" }),
        )
        .await,
        403,
        "above_own_role",
    )
    .await;
    let created = adam
        .api_token(acme, "Adam's", roster_shared::role::Role::Admin)
        .await;
    let inviting = |token: String| {
        bearer(&app, &token, reqwest::Method::POST, &format!("/api/v1/accounts/{}/invitations", acme.0))
            .json(&json!({ "emails": ["n@example.com"], "grants": [{ "role": "basic", "accounts": [acme] }] }))
            .send()
    };
    assert_eq!(inviting(created.token.clone()).await.unwrap().status(), 200);
    // Adam is demoted to Basic: his token can no longer manage people.
    let page: PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=adam", acme.0))
        .await;
    app.api
        .put(
            &format!(
                "/api/v1/accounts/{}/people/{}/access",
                acme.0, page.people[0].id.0
            ),
            &json!({ "access": [{ "account": acme, "role": "basic" }] }),
        )
        .await;
    expect_error(
        inviting(created.token.clone()).await.unwrap(),
        403,
        "not_an_admin",
    )
    .await;
    // Removed from the organisation: the token opens nothing.
    app.api
        .delete(&format!(
            "/api/v1/accounts/{}/people/{}",
            acme.0, page.people[0].id.0
        ))
        .await;
    expect_error(inviting(created.token).await.unwrap(), 404, "not_found").await;
    app.stop().await;
}
