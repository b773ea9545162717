//! Scale-out: two server processes on one PostgreSQL database behave as one product. What is
//! live travels between them (events over LISTEN/NOTIFY), and what protects people holds across
//! them (sign-in throttling, sessions signed out, single-use tokens), because none of it is kept
//! inside one process.
//!
//! Replica A runs in the test process, replica B in its own process (the test binary re-run as
//! `child_server`), both on the same fresh PostgreSQL schema.

use std::time::Duration;

use roster_shared::account::AccountId;
use roster_shared::api::LiveEvent;
use roster_shared::role::Role;
use roster_tests::process::{ChildOptions, ServerProcess};
use roster_tests::sse::EventStream;
use roster_tests::{
    ApiClient, Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, eventually, expect_error, expect_json,
};
use serde_json::json;

async fn two_replicas() -> (TestApp, ServerProcess, AccountId) {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Postgres).await;
    let b = ServerProcess::start(app.database_url(), &ChildOptions::default()).await;
    (app, b, acme)
}

#[tokio::test(flavor = "multi_thread")]
async fn live_events_reach_browsers_on_the_other_replica() {
    let (a, b, acme) = two_replicas().await;
    // Olivia's browser is connected to replica B.
    let on_b = ApiClient::new(&b.address);
    on_b.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let mut events = EventStream::open(&on_b).await;

    // The messaging side reports an inbound message to replica A.
    let token = a
        .api
        .api_token(acme, "Messaging", roster_shared::role::Role::Basic)
        .await;
    let response = a
        .client
        .post(a.url(&format!("/api/v1/accounts/{}/inbound-messages", acme.0)))
        .bearer_auth(&token.token)
        .json(&json!({ "from": "+49 151 1234567", "preview": "Where is my parcel?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    match events
        .expect("inbound_message", Duration::from_secs(10))
        .await
    {
        LiveEvent::InboundMessage { account, .. } => assert_eq!(account, acme),
        other => panic!("expected an inbound message, got {other:?}"),
    }

    // An invitation sent through replica A refreshes the Users list open on replica B.
    a.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme][..])])
        .await;
    events
        .expect("people_changed", Duration::from_secs(10))
        .await;
    b.kill().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_throttling_counts_failures_on_every_replica() {
    let (a, b, _) = two_replicas().await;
    let on_a = a.new_client();
    let on_b = ApiClient::new(&b.address);
    // Five free failures per account, spread over both replicas…
    for attempt in 0..5 {
        let client = if attempt % 2 == 0 { &on_a } else { &on_b };
        expect_error(
            client.sign_in(OWNER_EMAIL, "wrong password").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    // …and the sixth is slowed down on either one, even with the right password.
    for client in [&on_b, &on_a] {
        let response = client.sign_in(OWNER_EMAIL, "wrong password").await;
        assert_eq!(response.status(), 429, "throttled on every replica");
        assert!(response.headers().contains_key("retry-after"));
    }
    let response = on_b.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(
        response.status(),
        429,
        "a guess that happens to be right waits too"
    );
    b.kill().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_signed_out_on_one_replica_ends_on_the_other_at_once() {
    let (a, b, acme) = two_replicas().await;
    let browser = a.new_client();
    browser.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let same_browser_on_b = browser.on(&b.address);
    let people = format!("/api/v1/accounts/{}/people", acme.0);
    assert_eq!(same_browser_on_b.get(&people).await.status(), 200);

    // Olivia signs that browser out from another device, through replica A.
    let devices: Vec<serde_json::Value> = a.api.get_ok("/api/v1/me/devices").await;
    let other = devices
        .iter()
        .find(|d| d["current"] == false)
        .expect("the other browser is listed");
    let id = other["id"].as_i64().unwrap();
    let mut events = EventStream::open(&same_browser_on_b).await;
    assert_eq!(
        a.api
            .delete(&format!("/api/v1/me/devices/{id}"))
            .await
            .status(),
        204
    );
    // Replica B refuses it on its very next request, and told the open stream.
    expect_error(
        same_browser_on_b.get(&people).await,
        401,
        "sign_in_required",
    )
    .await;
    events
        .expect("session_ended", Duration::from_secs(10))
        .await;
    b.kill().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_link_is_single_use_across_replicas() {
    let (a, b, acme) = two_replicas().await;
    a.invite(acme, &["kim@example.com"], &[(Role::Basic, &[acme][..])])
        .await;
    let token = a.invitation_token("kim@example.com").await;
    let body = json!({ "token": token, "profile": { "name": "Kim", "password": roster_tests::MEMBER_PASSWORD } });
    let on_b = ApiClient::new(&b.address);
    let accepted = on_b.post("/api/v1/invitations/accept", &body).await;
    assert_eq!(accepted.status(), 200);
    let again = a
        .new_client()
        .post("/api/v1/invitations/accept", &body)
        .await;
    assert!(
        again.status().is_client_error(),
        "a used link is refused by the other replica too (got {})",
        again.status()
    );
    b.kill().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_operation_is_followed_from_either_replica() {
    let (a, b, acme) = two_replicas().await;
    let emails: Vec<String> = (0..120).map(|i| format!("p{i:03}@example.com")).collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    a.set_extra_seats(acme, 130).await;
    a.invite(acme, &refs, &[(Role::Basic, &[acme][..])]).await;
    // Started on A, followed from B until it is done.
    let started: roster_shared::api::BulkOperation = expect_json(
        a.api
            .post(
                &format!("/api/v1/accounts/{}/people/bulk", acme.0),
                &json!({ "selection": { "kind": "matching", "status": "pending" },
                         "action": { "kind": "remove" } }),
            )
            .await,
        202,
    )
    .await;
    assert_eq!(started.total, 120);
    let on_b = a.api.on(&b.address);
    let path = format!("/api/v1/accounts/{}/people/bulk/{}", acme.0, started.id);
    let done = std::cell::Cell::new(0);
    let finished = eventually(
        "replica B seeing the operation finish",
        Duration::from_secs(60),
        || async {
            let operation: roster_shared::api::BulkOperation = on_b.get_ok(&path).await;
            assert!(operation.done >= done.get(), "progress only moves forward");
            done.set(operation.done);
            operation.finished_at.is_some().then_some(operation)
        },
    )
    .await;
    assert_eq!(finished.done, 120, "replica B saw it through to the end");
    let left: roster_shared::api::PeoplePage = on_b
        .get_ok(&format!("/api/v1/accounts/{}/people", acme.0))
        .await;
    assert_eq!(left.total, 1, "only the Owner is left");
    b.kill().await;
}
