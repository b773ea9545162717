//! Webhooks against a real receiver on loopback (`roster_tests::webhooks`, on Node), which
//! verifies every delivery with the Standard Webhooks reference library: events arrive once,
//! signed, in order; a receiver that is down gets them after a retry; addresses on private
//! networks are refused unless the operator allows them, when saved and again at delivery.

use std::time::Duration;

use roster_shared::account::AccountId;
use roster_shared::role::Role;
use roster_shared::webhook::{
    CreatedWebhookEndpoint, DeliveryStatus, WebhookDelivery, WebhookEndpoint,
    WebhookEndpointDetail, WebhookEventType,
};
use roster_tests::process::{ChildOptions, ServerProcess};
use roster_tests::webhooks::{Received, Receiver};
use roster_tests::{Engine, TestApp, engines, expect_error, expect_json};
use serde_json::{Value, json};

engines!(
    access_changes_reach_the_endpoint_signed_in_order_and_once,
    every_event_type_arrives_once_with_a_valid_signature,
    a_receiver_that_was_down_gets_its_deliveries_in_order_after_a_retry,
    private_addresses_are_refused_unless_allowed_and_again_at_delivery,
    a_change_committed_before_a_crash_is_delivered_after_the_restart,
    an_endpoint_failing_for_days_is_turned_off_and_its_owners_told,
    only_admins_of_the_organisation_reach_its_endpoints,
    redirects_are_not_followed_and_only_an_answers_first_bytes_are_read,
    a_new_name_reaches_only_the_organisations_the_person_joined,
);

/// Long enough for a delivery (the worker is woken at once) on a busy machine.
const SOON: Duration = Duration::from_secs(10);

/// A server whose webhooks may reach the receiver on loopback, with Acme set up.
async fn app_reaching_loopback(engine: Engine) -> (TestApp, AccountId) {
    let app = TestApp::spawn_with(engine, |settings| settings.webhook_allow_private = true).await;
    let acme = app.set_up().await.last_account.expect("an account");
    (app, acme)
}

async fn add_endpoint(
    app: &TestApp,
    acme: AccountId,
    url: &str,
    types: &[&str],
) -> CreatedWebhookEndpoint {
    expect_json(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/webhooks", acme.0),
                &json!({ "url": url, "description": "Inbox routing", "event_types": types }),
            )
            .await,
        201,
    )
    .await
}

fn types_of(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| r.event()["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn access_changes_reach_the_endpoint_signed_in_order_and_once(engine: Engine) {
    let (app, acme) = app_reaching_loopback(engine).await;
    let receiver = Receiver::start().await;
    let created = add_endpoint(
        &app,
        acme,
        &receiver.url("/roster"),
        &[
            "person.invited",
            "invitation.accepted",
            "person.access_changed",
            "person.removed",
        ],
    )
    .await;
    assert!(created.secret.starts_with("whsec_"), "{}", created.secret);
    assert_eq!(created.endpoint.url, receiver.url("/roster"));
    receiver.trust("/roster", &[&created.secret]).await;
    // The secret is sealed at rest, never stored as shown.
    let stored: String = sqlx::query_scalar("SELECT secret FROM webhook_endpoints")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert!(!stored.contains(&created.secret["whsec_".len()..]));

    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let ana = app.accept_as_new("ana@example.com", "Ana").await;
    drop(ana);
    let people: Value = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=ana", acme.0))
        .await;
    let ana_id = people["people"][0]["id"].as_i64().expect("Ana's id");
    let _: Value = expect_json(
        app.api
            .put(
                &format!("/api/v1/accounts/{}/people/{ana_id}/access", acme.0),
                &json!({ "access": [{ "account": acme, "role": "admin" }] }),
            )
            .await,
        200,
    )
    .await;
    let _: Value = expect_json(
        app.api
            .put(
                &format!("/api/v1/accounts/{}/people/{ana_id}/access", acme.0),
                &json!({ "access": [] }),
            )
            .await,
        200,
    )
    .await;

    let got = receiver.wait_for("/roster", 5, SOON).await;
    for delivery in &got {
        assert!(delivery.verified, "{:?}", delivery.error);
        assert_eq!(delivery.headers["webhook-id"], delivery.event()["id"]);
    }
    assert_eq!(
        types_of(&got),
        [
            "person.invited",
            "invitation.accepted",
            "person.access_changed",
            "person.access_changed",
            "person.removed"
        ]
    );
    let invited = got[0].event();
    assert_eq!(invited["organisation"], json!(acme.0));
    assert_eq!(invited["actor"]["name"], "Olivia Owner");
    assert_eq!(invited["actor"]["kind"], "person");
    assert_eq!(invited["data"]["person"]["email"], "ana@example.com");
    assert_eq!(invited["data"]["person"]["name"], Value::Null);
    assert_eq!(
        invited["data"]["access"],
        json!([{ "account": acme.0, "role": "basic" }])
    );
    assert!(invited["timestamp"].as_str().unwrap().ends_with('Z'));
    let accepted = got[1].event();
    assert_eq!(accepted["data"]["person"]["name"], "Ana");
    assert_eq!(accepted["actor"]["name"], "Ana");
    assert_eq!(
        got[2].event()["data"]["changes"],
        json!([{ "account": acme.0, "before": "basic", "after": "admin" }])
    );
    assert_eq!(
        got[3].event()["data"]["changes"],
        json!([{ "account": acme.0, "before": "admin", "after": null }])
    );
    assert_eq!(got[4].event()["data"]["person"]["id"], json!(ana_id));
    // Each event once: nothing more arrives.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().await.len(), 5);

    // The endpoint's page lists the deliveries, newest first, with what the receiver answered.
    let detail: WebhookEndpointDetail = app
        .api
        .get_ok(&format!(
            "/api/v1/accounts/{}/webhooks/{}",
            acme.0, created.endpoint.id
        ))
        .await;
    assert_eq!(detail.deliveries.len(), 5);
    let newest = &detail.deliveries[0];
    assert_eq!(newest.event_type.as_str(), "person.removed");
    assert_eq!(newest.status, DeliveryStatus::Delivered);
    assert_eq!(newest.status_code, Some(200));
    assert_eq!(newest.response.as_deref(), Some("thanks"));
    assert_eq!(newest.attempts, 1);

    // A test event reaches it whatever it subscribes to; a rotated secret signs beside the old
    // one, so a receiver that knows either verifies it.
    let rotated: Value = expect_json(
        app.api
            .post_empty(&format!(
                "/api/v1/accounts/{}/webhooks/{}/secret",
                acme.0, created.endpoint.id
            ))
            .await,
        200,
    )
    .await;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, created.secret);
    receiver.trust("/roster", &[&new_secret]).await;
    let test: WebhookDelivery = expect_json(
        app.api
            .post_empty(&format!(
                "/api/v1/accounts/{}/webhooks/{}/test",
                acme.0, created.endpoint.id
            ))
            .await,
        202,
    )
    .await;
    assert_eq!(test.event_type.as_str(), "webhook.test");
    let got = receiver.wait_for("/roster", 6, SOON).await;
    assert_eq!(got[5].event()["type"], "webhook.test");
    assert!(got[5].verified, "{:?}", got[5].error);
    assert_eq!(
        got[5].headers["webhook-signature"].split(' ').count(),
        2,
        "signed with the new and the previous secret"
    );

    // Resend one delivery: the same event (same id) again. Replay since a time: every event
    // it subscribes to since then, in their order (the test event aside).
    let endpoint_path = format!(
        "/api/v1/accounts/{}/webhooks/{}",
        acme.0, created.endpoint.id
    );
    let resent: WebhookDelivery = expect_json(
        app.api
            .post_empty(&format!("{endpoint_path}/deliveries/{}/resend", newest.id))
            .await,
        202,
    )
    .await;
    assert_ne!(resent.id, newest.id);
    assert_eq!(resent.event_id, newest.event_id);
    let got = receiver.wait_for("/roster", 7, SOON).await;
    assert_eq!(got[6].headers["webhook-id"], newest.event_id);
    let replayed: Value = expect_json(
        app.api
            .post(&format!("{endpoint_path}/replay"), &json!({ "since": 0 }))
            .await,
        202,
    )
    .await;
    assert_eq!(replayed, json!({ "queued": 5, "more": false }));
    let got = receiver.wait_for("/roster", 12, SOON).await;
    assert_eq!(
        types_of(&got[7..]),
        [
            "person.invited",
            "invitation.accepted",
            "person.access_changed",
            "person.access_changed",
            "person.removed"
        ]
    );
    assert!(got.iter().all(|r| r.verified));
    // Another endpoint's delivery cannot be resent through this one.
    let other = add_endpoint(&app, acme, &receiver.url("/other"), &["person.invited"]).await;
    expect_error(
        app.api
            .post_empty(&format!(
                "/api/v1/accounts/{}/webhooks/{}/deliveries/{}/resend",
                acme.0, other.endpoint.id, newest.id
            ))
            .await,
        404,
        "not_found",
    )
    .await;
    receiver.stop().await;
    app.stop().await;
}

async fn a_receiver_that_was_down_gets_its_deliveries_in_order_after_a_retry(engine: Engine) {
    let (app, acme) = app_reaching_loopback(engine).await;
    let receiver = Receiver::start().await;
    let port = receiver.port;
    let created = add_endpoint(&app, acme, &receiver.url("/hooks"), &["person.invited"]).await;
    // Down: connections are refused.
    receiver.stop().await;
    app.invite(acme, &["first@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let detail_path = format!(
        "/api/v1/accounts/{}/webhooks/{}",
        acme.0, created.endpoint.id
    );
    let failed = delivery_where(&app, &detail_path, "a failed first attempt", |d| {
        d.last_attempt_at.is_some() && d.status == DeliveryStatus::Pending
    })
    .await;
    assert_eq!(failed.status_code, None);
    assert_eq!(
        failed.response.as_deref(),
        Some("Could not connect to the endpoint.")
    );
    assert!(failed.next_attempt_at.is_some());
    let endpoint: Vec<WebhookEndpoint> = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/webhooks", acme.0))
        .await;
    assert!(endpoint[0].failing_since.is_some());
    // A later event waits behind the one being retried.
    app.invite(acme, &["second@example.com"], &[(Role::Basic, &[acme])])
        .await;

    // Up again: the retry (five seconds after the first attempt) delivers both, in order.
    let receiver = Receiver::start_on(port).await;
    receiver.trust("/hooks", &[&created.secret]).await;
    let got = receiver
        .wait_for("/hooks", 2, Duration::from_secs(30))
        .await;
    let emails: Vec<Value> = got
        .iter()
        .map(|r| r.event()["data"]["person"]["email"].clone())
        .collect();
    assert_eq!(
        emails,
        [json!("first@example.com"), json!("second@example.com")]
    );
    assert!(got.iter().all(|r| r.verified));
    let endpoint: Vec<WebhookEndpoint> = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/webhooks", acme.0))
        .await;
    assert_eq!(
        endpoint[0].failing_since, None,
        "a success ends the failing run"
    );

    // An answer that is not 2xx is a failure too: kept with its status and first bytes, and
    // retried.
    receiver.answer("/hooks", 503).await;
    let test: WebhookDelivery = expect_json(
        app.api.post_empty(&format!("{detail_path}/test")).await,
        202,
    )
    .await;
    let refused = delivery_where(&app, &detail_path, "a 503", |d| {
        d.id == test.id && d.status_code.is_some()
    })
    .await;
    assert_eq!(refused.status, DeliveryStatus::Pending);
    assert_eq!(refused.status_code, Some(503));
    assert_eq!(refused.response.as_deref(), Some("receiver says no"));
    receiver.answer("/hooks", 200).await;
    let got = receiver
        .wait_for("/hooks", 4, Duration::from_secs(30))
        .await;
    assert_eq!((got[2].status, got[3].status), (503, 200));
    assert_eq!(got[2].headers["webhook-id"], got[3].headers["webhook-id"]);
    receiver.stop().await;
    app.stop().await;
}

async fn private_addresses_are_refused_unless_allowed_and_again_at_delivery(engine: Engine) {
    let receiver = Receiver::start().await;
    // One secret key for both servers below, as replicas and restarts share it.
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("secret.key");
    // Allowed by the operator: saved.
    let mut app = TestApp::spawn_with(engine, |settings| {
        settings.webhook_allow_private = true;
        settings.secret_key_file = Some(key_file.clone());
    })
    .await;
    let acme = app.set_up().await.last_account.expect("an account");
    let literal = add_endpoint(&app, acme, &receiver.url("/literal"), &["person.invited"]).await;
    let named = add_endpoint(
        &app,
        acme,
        &format!("http://localhost:{}/named", receiver.port),
        &["person.invited"],
    )
    .await;
    // The same database, now without --webhook-allow-private.
    let database = app.stop_server().await;
    let app = TestApp::spawn_on(database, |settings| {
        settings.secret_key_file = Some(key_file.clone());
    })
    .await;
    app.api
        .sign_in_ok(roster_tests::OWNER_EMAIL, roster_tests::OWNER_PASSWORD)
        .await;
    let webhooks = format!("/api/v1/accounts/{}/webhooks", acme.0);
    for url in [
        receiver.url("/x"),
        format!("http://localhost:{}/x", receiver.port),
        "https://10.0.0.8/hooks".into(),
        "https://169.254.169.254/latest".into(),
        "https://localhost/hooks".into(),
        "http://hooks.example.com/x".into(),
    ] {
        let message = expect_error(
            app.api
                .post(
                    &webhooks,
                    &json!({ "url": url, "event_types": ["person.invited"] }),
                )
                .await,
            422,
            "invalid_body",
        )
        .await;
        assert!(
            message.contains("private") || message.contains("https://"),
            "{url}: {message}"
        );
    }
    // Saved before: refused at delivery, the literal address by its check, the name by the
    // resolver the client connects through. The receiver gets nothing.
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    for (endpoint, says) in [
        (literal.endpoint.id, "Not sent"),
        (named.endpoint.id, "private"),
    ] {
        let path = format!("{webhooks}/{endpoint}");
        let failed = delivery_where(&app, &path, "a refused attempt", |d| {
            d.last_attempt_at.is_some()
        })
        .await;
        assert_eq!(failed.status, DeliveryStatus::Pending);
        let response = failed.response.unwrap_or_default();
        assert!(response.contains(says), "{response}");
    }
    assert!(receiver.received().await.is_empty());
    receiver.stop().await;
    app.stop().await;
}

/// The id the Users list gives the person at `email`.
async fn person_id(app: &TestApp, acme: AccountId, email: &str) -> i64 {
    let page: Value = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q={email}", acme.0))
        .await;
    page["people"][0]["id"].as_i64().expect("a person")
}

async fn every_event_type_arrives_once_with_a_valid_signature(engine: Engine) {
    let app = TestApp::spawn_with(engine, |settings| {
        settings.webhook_allow_private = true;
        settings.maintenance_every = Duration::from_millis(200);
    })
    .await;
    let acme = app.set_up().await.last_account.expect("an account");
    let receiver = Receiver::start().await;
    let every: Vec<&str> = WebhookEventType::subscribable()
        .map(|t| t.as_str())
        .collect();
    let created = add_endpoint(&app, acme, &receiver.url("/all"), &every).await;
    receiver.trust("/all", &[&created.secret]).await;
    let people = format!("/api/v1/accounts/{}/people", acme.0);

    app.invite(
        acme,
        &["ana@example.com", "bo@example.com", "cy@example.com"],
        &[(Role::Basic, &[acme])],
    )
    .await;
    let ana = app.accept_as_new("ana@example.com", "Ana").await;
    let ana_id = person_id(&app, acme, "ana@example.com").await;
    let admin = json!({ "access": [{ "account": acme, "role": "admin" }] });
    let _: Value = expect_json(
        app.api
            .put(&format!("{people}/{ana_id}/access"), &admin)
            .await,
        200,
    )
    .await;
    let _: Value = expect_json(
        ana.put("/api/v1/me/name", &json!({ "name": "Ana B." }))
            .await,
        200,
    )
    .await;
    let bo = person_id(&app, acme, "bo@example.com").await;
    let withdrawn = app.api.delete(&format!("{people}/{bo}/invitation")).await;
    assert_eq!(withdrawn.status(), 204);
    app.execute(
        "UPDATE invitations SET expires_at = 1000, sent_at = 0 WHERE email = 'cy@example.com'",
    )
    .await;
    app.execute("UPDATE tree_members SET invitation_expires_at = 1000 WHERE accepted_at IS NULL")
        .await;
    let support = app.sub_account(acme, "Support").await;
    let _: Value = expect_json(
        app.api
            .patch(
                &format!("/api/v1/accounts/{}", support.0),
                &json!({ "name": "Care" }),
            )
            .await,
        200,
    )
    .await;
    let archived = app
        .api
        .post_empty(&format!("/api/v1/accounts/{}/archive", support.0))
        .await;
    assert_eq!(archived.status(), 204);
    expect_json::<Value>(crate::seats::buy(&app, acme, 1).await, 200).await;
    let _: Value = expect_json(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/seats/removals", acme.0),
                &json!({ "quantity": 1 }),
            )
            .await,
        200,
    )
    .await;
    let _: Value = expect_json(
        app.api
            .put(
                &format!("{people}/{ana_id}/access"),
                &json!({ "access": [] }),
            )
            .await,
        200,
    )
    .await;

    // 3 invited, accepted, 2 access changes, her name, withdrawn, expired, 3 account events,
    // 2 seat events, removed.
    let got = receiver.wait_for("/all", 15, Duration::from_secs(20)).await;
    let mut seen: Vec<String> = types_of(&got);
    seen.sort();
    seen.dedup();
    let mut expected: Vec<String> = every.iter().map(|t| (*t).to_owned()).collect();
    expected.sort();
    assert_eq!(seen, expected, "every type");
    let mut ids: Vec<String> = got
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "each once");
    for delivery in &got {
        assert!(delivery.verified, "{}: {:?}", delivery.body, delivery.error);
    }
    let by_type = |t: &str| -> Vec<Value> {
        got.iter()
            .map(Received::event)
            .filter(|e| e["type"] == t)
            .collect()
    };
    let renamed = &by_type("person.profile_changed")[0]["data"];
    assert_eq!(renamed["before"]["name"], "Ana");
    assert_eq!(renamed["after"]["name"], "Ana B.");
    assert_eq!(
        by_type("person.profile_changed")[0]["actor"]["name"],
        "Ana B."
    );
    assert_eq!(
        by_type("invitation.withdrawn")[0]["data"]["person"]["email"],
        "bo@example.com"
    );
    let expired = &by_type("invitation.expired")[0];
    assert_eq!(expired["data"]["person"]["email"], "cy@example.com");
    assert_eq!(expired["actor"], Value::Null, "Roster itself");
    let account = &by_type("account.renamed")[0]["data"];
    assert_eq!(account["previous_name"], "Support");
    assert_eq!(account["account"]["name"], "Care");
    assert_eq!(account["account"]["parent"], json!(acme.0));
    assert_eq!(by_type("seats.purchased")[0]["data"]["quantity"], 1);
    assert_eq!(by_type("person.removed").len(), 1);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(receiver.received().await.len(), 15, "nothing twice");

    // Thirty days on, maintenance forgets the events delivered; one still waiting is kept.
    receiver.answer("/all", 503).await;
    app.invite(acme, &["dee@example.com"], &[(Role::Basic, &[acme])])
        .await;
    receiver.wait_for("/all", 16, SOON).await;
    app.execute("UPDATE webhook_events SET occurred_at = 1")
        .await;
    let pool = app.db().await;
    let left: Vec<String> =
        roster_tests::wait::eventually("old events forgotten", SOON, || async {
            let left: Vec<String> = sqlx::query_scalar("SELECT event_type FROM webhook_events")
                .fetch_all(&pool)
                .await
                .unwrap();
            (left.len() == 1).then_some(left)
        })
        .await;
    assert_eq!(left, ["person.invited"]);
    pool.close().await;
    receiver.stop().await;
    app.stop().await;
}

/// Two servers sharing a database (and the key that seals secrets), both delivering.
#[tokio::test]
async fn two_replicas_deliver_each_event_once() {
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("secret.key");
    let app = TestApp::spawn_with(Engine::Postgres, |settings| {
        settings.webhook_allow_private = true;
        settings.secret_key_file = Some(key_file.clone());
    })
    .await;
    let acme = app.set_up().await.last_account.expect("an account");
    app.set_extra_seats(acme, 100).await;
    let b = ServerProcess::start(
        app.database_url(),
        &ChildOptions {
            webhook_allow_private: true,
            secret_key_file: Some(key_file.clone()),
            ..ChildOptions::default()
        },
    )
    .await;
    let receiver = Receiver::start().await;
    let created = add_endpoint(&app, acme, &receiver.url("/both"), &["person.invited"]).await;
    receiver.trust("/both", &[&created.secret]).await;
    let on_b = roster_tests::ApiClient::new(&b.address);
    on_b.sign_in_ok(roster_tests::OWNER_EMAIL, roster_tests::OWNER_PASSWORD)
        .await;
    for round in 0..8 {
        let emails: Vec<String> = (0..5)
            .map(|i| format!("r{round}p{i}@example.com"))
            .collect();
        let client = if round % 2 == 0 { &app.api } else { &on_b };
        let _: Value = expect_json(
            client
                .post(
                    &format!("/api/v1/accounts/{}/invitations", acme.0),
                    &json!({ "emails": emails, "grants": [{ "role": "basic", "accounts": [acme] }] }),
                )
                .await,
            200,
        )
        .await;
    }
    let got = receiver
        .wait_for("/both", 40, Duration::from_secs(30))
        .await;
    assert!(got.iter().all(|r| r.verified));
    // Once each, and in the order they were made.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = receiver.received().await;
    assert_eq!(got.len(), 40, "each event once");
    let emails: Vec<String> = got
        .iter()
        .map(|r| {
            r.event()["data"]["person"]["email"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let made: Vec<String> = (0..8)
        .flat_map(|round| (0..5).map(move |i| format!("r{round}p{i}@example.com")))
        .collect();
    let mut sorted = emails.clone();
    sorted.sort();
    let mut expected = made.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    let position = |email: &str| emails.iter().position(|e| e == email).unwrap();
    for round in 1..8 {
        assert!(
            position(&format!("r{}p0@example.com", round - 1))
                < position(&format!("r{round}p0@example.com")),
            "in order: {emails:?}"
        );
    }
    b.kill().await;
    receiver.stop().await;
    app.stop().await;
}

async fn a_change_committed_before_a_crash_is_delivered_after_the_restart(engine: Engine) {
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("secret.key");
    let adjust = |settings: &mut roster_backend::settings::Settings| {
        settings.webhook_allow_private = true;
        settings.secret_key_file = Some(key_file.clone());
    };
    let mut app = TestApp::spawn_with(engine, adjust).await;
    let acme = app.set_up().await.last_account.expect("an account");
    let receiver = Receiver::start().await;
    let port = receiver.port;
    let created = add_endpoint(&app, acme, &receiver.url("/kept"), &["person.invited"]).await;
    // The receiver is down while the change is made.
    receiver.stop().await;
    let database = app.stop_server().await;
    let child = ServerProcess::start(
        &database.url,
        &ChildOptions {
            webhook_allow_private: true,
            secret_key_file: Some(key_file.clone()),
            ..ChildOptions::default()
        },
    )
    .await;
    let owner = roster_tests::ApiClient::new(&child.address);
    owner
        .sign_in_ok(roster_tests::OWNER_EMAIL, roster_tests::OWNER_PASSWORD)
        .await;
    let _: Value = expect_json(
        owner
            .post(
                &format!("/api/v1/accounts/{}/invitations", acme.0),
                &json!({ "emails": ["kept@example.com"], "grants": [{ "role": "basic", "accounts": [acme] }] }),
            )
            .await,
        200,
    )
    .await;
    // Its first attempt failed (nobody listens); then the process is killed outright.
    let pool = database.pool().await;
    roster_tests::wait::eventually("a first attempt", SOON, || async {
        let tried: Option<i64> = sqlx::query_scalar(
            "SELECT last_attempt_at FROM webhook_deliveries WHERE last_attempt_at IS NOT NULL",
        )
        .fetch_optional(&pool)
        .await
        .unwrap();
        tried
    })
    .await;
    pool.close().await;
    child.kill().await;

    let receiver = Receiver::start_on(port).await;
    receiver.trust("/kept", &[&created.secret]).await;
    let app = TestApp::spawn_on(database, adjust).await;
    let got = receiver.wait_for("/kept", 1, Duration::from_secs(30)).await;
    assert!(got[0].verified, "{:?}", got[0].error);
    assert_eq!(
        got[0].event()["data"]["person"]["email"],
        "kept@example.com"
    );
    receiver.stop().await;
    app.stop().await;
}

async fn an_endpoint_failing_for_days_is_turned_off_and_its_owners_told(engine: Engine) {
    let (app, acme) = app_reaching_loopback(engine).await;
    let receiver = Receiver::start().await;
    let created = add_endpoint(&app, acme, &receiver.url("/gone"), &["person.invited"]).await;
    let path = format!(
        "/api/v1/accounts/{}/webhooks/{}",
        acme.0, created.endpoint.id
    );
    receiver.answer("/gone", 500).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    receiver.wait_for("/gone", 1, SOON).await;
    // Three days of retries later: the last one is due now and fails too.
    app.execute("UPDATE webhook_deliveries SET attempts = 10, next_attempt_at = 0")
        .await;
    let endpoint = roster_tests::wait::eventually("turned off", SOON, || async {
        let detail: WebhookEndpointDetail = app.api.get_ok(&path).await;
        (!detail.endpoint.enabled).then_some(detail)
    })
    .await;
    assert_eq!(endpoint.deliveries[0].status, DeliveryStatus::Failed);
    assert_eq!(endpoint.deliveries[0].attempts, 11);
    let reason = endpoint.endpoint.disabled_reason.clone().unwrap();
    assert!(reason.contains("HTTP 500"), "{reason}");
    let mail = app
        .mail_to(
            roster_tests::OWNER_EMAIL,
            "A webhook endpoint of Acme was turned off",
        )
        .await;
    assert!(mail.text.contains(&receiver.url("/gone")), "{}", mail.text);
    // Off: a new event waits for it instead of being attempted.
    app.invite(acme, &["bo@example.com"], &[(Role::Basic, &[acme])])
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().await.len(), 2, "nothing sent while off");
    // On again, the receiver fixed: what waited goes out.
    receiver.answer("/gone", 200).await;
    let on: WebhookEndpoint = expect_json(
        app.api
            .put(
                &path,
                &json!({ "url": receiver.url("/gone"), "event_types": ["person.invited"], "enabled": true }),
            )
            .await,
        200,
    )
    .await;
    assert!(on.enabled && on.disabled_reason.is_none() && on.failing_since.is_none());
    let got = receiver.wait_for("/gone", 3, SOON).await;
    assert_eq!(got[2].event()["data"]["person"]["email"], "bo@example.com");
    receiver.stop().await;
    app.stop().await;
}

async fn only_admins_of_the_organisation_reach_its_endpoints(engine: Engine) {
    let (app, acme) = app_reaching_loopback(engine).await;
    let support = app.sub_account(acme, "Support").await;
    let receiver = Receiver::start().await;
    let created = add_endpoint(&app, acme, &receiver.url("/acme"), &["person.invited"]).await;
    let id = created.endpoint.id;
    let acme_path = format!("/api/v1/accounts/{}/webhooks", acme.0);
    let request = json!({ "url": receiver.url("/x"), "event_types": ["person.invited"] });

    // Globex's Owner, with Acme's endpoint id: nothing of it, under either organisation.
    let (globex, _, gina) = app
        .other_organisation("Globex", "gina@globex.example")
        .await;
    let globex_path = format!("/api/v1/accounts/{}/webhooks", globex.0);
    for response in [
        gina.get(&format!("{globex_path}/{id}")).await,
        gina.put(&format!("{globex_path}/{id}"), &request).await,
        gina.post_empty(&format!("{globex_path}/{id}/secret")).await,
        gina.post_empty(&format!("{globex_path}/{id}/test")).await,
        gina.delete(&format!("{globex_path}/{id}")).await,
    ] {
        expect_error(response, 404, "not_found").await;
    }
    let theirs: Vec<WebhookEndpoint> = gina.get_ok(&globex_path).await;
    assert!(theirs.is_empty());
    expect_error(gina.get(&acme_path).await, 404, "not_found").await;

    // A Basic member of Acme, and an Admin of its sub-account only.
    app.invite(acme, &["bo@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let basic = app.accept_as_new("bo@example.com", "Bo").await;
    let message = expect_error(basic.get(&acme_path).await, 403, "not_an_admin").await;
    assert_eq!(
        message,
        "Only Admins and Owners of Acme can set up webhooks."
    );
    expect_error(basic.post(&acme_path, &request).await, 403, "not_an_admin").await;
    app.invite(acme, &["sue@example.com"], &[(Role::Admin, &[support])])
        .await;
    let sub_admin = app.accept_as_new("sue@example.com", "Sue").await;
    let support_path = format!("/api/v1/accounts/{}/webhooks", support.0);
    expect_error(sub_admin.get(&support_path).await, 404, "not_found").await;
    expect_error(
        sub_admin.post(&support_path, &request).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        sub_admin.get(&format!("{acme_path}/{id}")).await,
        404,
        "not_found",
    )
    .await;
    // An Admin of Acme may.
    app.invite(acme, &["ada@example.com"], &[(Role::Admin, &[acme])])
        .await;
    let admin = app.accept_as_new("ada@example.com", "Ada").await;
    let listed: Vec<WebhookEndpoint> = admin.get_ok(&acme_path).await;
    assert_eq!(listed.len(), 1);
    // At most 20 endpoints.
    for i in 1..20 {
        let url = receiver.url(&format!("/n{i}"));
        add_endpoint(&app, acme, &url, &["person.invited"]).await;
    }
    let message = expect_error(
        app.api.post(&acme_path, &request).await,
        409,
        "too_many_webhooks",
    )
    .await;
    assert!(message.contains("20"), "{message}");
    receiver.stop().await;
    app.stop().await;
}

async fn redirects_are_not_followed_and_only_an_answers_first_bytes_are_read(engine: Engine) {
    let (app, acme) = app_reaching_loopback(engine).await;
    let receiver = Receiver::start().await;
    let created = add_endpoint(&app, acme, &receiver.url("/moved"), &["person.invited"]).await;
    let path = format!(
        "/api/v1/accounts/{}/webhooks/{}",
        acme.0, created.endpoint.id
    );
    // A redirect is an answer that is not 2xx: retried, never followed.
    receiver.answer("/moved", 307).await;
    let test: WebhookDelivery =
        expect_json(app.api.post_empty(&format!("{path}/test")).await, 202).await;
    let redirected = delivery_where(&app, &path, "the 307 recorded", |d| {
        d.id == test.id && d.status_code.is_some()
    })
    .await;
    assert_eq!(redirected.status_code, Some(307));
    assert_eq!(redirected.status, DeliveryStatus::Pending, "retried later");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let paths: Vec<String> = receiver
        .received()
        .await
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(paths, ["/moved"], "the redirect was not followed");

    // A 2xx with a 1 MiB answer: delivered, and only its first KiB read and kept.
    let big = add_endpoint(&app, acme, &receiver.url("/big"), &["person.invited"]).await;
    receiver.answer("/big", 299).await;
    let big_path = format!("/api/v1/accounts/{}/webhooks/{}", acme.0, big.endpoint.id);
    let _: WebhookDelivery =
        expect_json(app.api.post_empty(&format!("{big_path}/test")).await, 202).await;
    let delivered = delivery_where(&app, &big_path, "the large answer", |d| {
        d.status == DeliveryStatus::Delivered
    })
    .await;
    assert_eq!(delivered.status_code, Some(200));
    assert_eq!(delivered.response.map(|r| r.len()), Some(1024));
    receiver.stop().await;
    app.stop().await;
}

/// Waits until the endpoint at `path` lists a delivery for which `found` holds; answers it.
async fn delivery_where(
    app: &TestApp,
    path: &str,
    what: &str,
    found: impl Fn(&WebhookDelivery) -> bool,
) -> WebhookDelivery {
    roster_tests::wait::eventually(what, SOON, || async {
        let detail: WebhookEndpointDetail = app.api.get_ok(path).await;
        detail.deliveries.into_iter().find(|d| found(d))
    })
    .await
}

async fn a_new_name_reaches_only_the_organisations_the_person_joined(engine: Engine) {
    let (app, acme) = app_reaching_loopback(engine).await;
    let receiver = Receiver::start().await;
    let types = ["person.invited", "person.profile_changed"];
    let acme_hook = add_endpoint(&app, acme, &receiver.url("/acme"), &types).await;
    receiver.trust("/acme", &[&acme_hook.secret]).await;
    let (globex, _, gina) = app
        .other_organisation("Globex", "gina@globex.example")
        .await;
    let globex_hook: CreatedWebhookEndpoint = expect_json(
        gina.post(
            &format!("/api/v1/accounts/{}/webhooks", globex.0),
            &json!({ "url": receiver.url("/globex"), "event_types": types }),
        )
        .await,
        201,
    )
    .await;
    receiver.trust("/globex", &[&globex_hook.secret]).await;
    // Ana joins Acme; Globex has only invited her, so it knows her address and nothing more.
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let ana = app.accept_as_new("ana@example.com", "Ana").await;
    let _: Value = expect_json(
        gina.post(
            &format!("/api/v1/accounts/{}/invitations", globex.0),
            &json!({ "emails": ["ana@example.com"], "grants": [{ "role": "basic", "accounts": [globex] }] }),
        )
        .await,
        200,
    )
    .await;
    let _: Value = expect_json(
        ana.put("/api/v1/me/name", &json!({ "name": "Ana Lee" }))
            .await,
        200,
    )
    .await;

    let acme_got = receiver.wait_for("/acme", 2, SOON).await;
    assert_eq!(
        types_of(&acme_got),
        ["person.invited", "person.profile_changed"]
    );
    assert_eq!(acme_got[1].event()["data"]["after"]["name"], "Ana Lee");
    receiver.wait_for("/globex", 1, SOON).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let globex_got: Vec<Received> = receiver
        .received()
        .await
        .into_iter()
        .filter(|r| r.path == "/globex")
        .collect();
    assert_eq!(
        types_of(&globex_got),
        ["person.invited"],
        "not her new name"
    );
    assert!(!globex_got[0].body.contains("Ana Lee"));
    // A replay reaches this organisation's own events only: Globex's one invitation, none of
    // Acme's.
    let replayed: Value = expect_json(
        gina.post(
            &format!(
                "/api/v1/accounts/{}/webhooks/{}/replay",
                globex.0, globex_hook.endpoint.id
            ),
            &json!({ "since": 0 }),
        )
        .await,
        202,
    )
    .await;
    assert_eq!(replayed, json!({ "queued": 1, "more": false }));
    let again = receiver.wait_for("/globex", 2, SOON).await;
    assert_eq!(
        again[1].headers["webhook-id"],
        again[0].headers["webhook-id"]
    );
    receiver.stop().await;
    app.stop().await;
}
