//! A person's own details (all fields at once, errors per field), a verified email change,
//! notification preferences, and live events: inbound messages reach exactly the people with
//! access, session ends reach the device at once.

use std::time::Duration;

use roster_shared::account::AccountId;
use roster_shared::api::{
    CreatedApiToken, ErrorBody, LiveEvent, MyProfile, NotificationPreferences, SessionInfo,
};
use roster_shared::role::Role;
use roster_tests::sse::EventStream;
use roster_tests::{
    Engine, MEMBER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, expect_error,
    expect_json,
};
use serde_json::json;

engines!(
    details_are_saved_together_and_every_error_is_named,
    a_new_address_counts_only_once_confirmed,
    an_address_of_someone_else_is_never_confirmed,
    preferences_are_kept,
    inbound_messages_reach_only_people_with_access,
    an_ended_session_is_told_at_once,
    people_changes_are_pushed_to_the_organisation,
);

async fn details_are_saved_together_and_every_error_is_named(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let bad = json!({ "name": "", "email": "olivia@acme", "mobile": "0151 23", "country": "DE" });
    let error: ErrorBody = expect_json(app.api.put("/api/v1/me/profile", &bad).await, 422).await;
    let fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["name", "email", "mobile"], "{error:?}");
    let mobile_without_country =
        json!({ "name": "Olivia", "email": OWNER_EMAIL, "mobile": "0151 23456789", "country": "" });
    let error: ErrorBody = expect_json(
        app.api
            .put("/api/v1/me/profile", &mobile_without_country)
            .await,
        422,
    )
    .await;
    assert_eq!(error.fields[0].field, "mobile");
    let unknown_country =
        json!({ "name": "Olivia", "email": OWNER_EMAIL, "mobile": "", "country": "XX" });
    let error: ErrorBody = expect_json(
        app.api.put("/api/v1/me/profile", &unknown_country).await,
        422,
    )
    .await;
    assert_eq!(error.fields[0].field, "country");
    // Nothing was saved by the refused attempts.
    let profile: MyProfile = app.api.get_ok("/api/v1/me/profile").await;
    assert_eq!(profile.name.as_str(), "Olivia Owner");
    assert_eq!(profile.mobile, None);

    let good = json!({ "name": "Olivia Ortega", "email": OWNER_EMAIL, "mobile": "0151 2345 6789", "country": "de" });
    let profile: MyProfile = expect_json(app.api.put("/api/v1/me/profile", &good).await, 200).await;
    assert_eq!(profile.name.as_str(), "Olivia Ortega");
    assert_eq!(
        profile.mobile.as_ref().map(|m| m.as_str()),
        Some("+4915123456789")
    );
    assert_eq!(profile.country.map(|c| c.as_str()), Some("DE"));
    assert_eq!(profile.pending_email, None);
    let session: SessionInfo = app.api.get_ok("/api/v1/session").await;
    assert_eq!(session.user.name.as_str(), "Olivia Ortega");
    // Clearing the mobile number.
    let cleared =
        json!({ "name": "Olivia Ortega", "email": OWNER_EMAIL, "mobile": "", "country": "DE" });
    let profile: MyProfile =
        expect_json(app.api.put("/api/v1/me/profile", &cleared).await, 200).await;
    assert_eq!(profile.mobile, None);
    app.stop().await;
}

async fn mail_link(app: &TestApp, to: &str, subject_part: &str, marker: &str) -> String {
    let mail = app.mail_to(to, subject_part).await;
    if marker.is_empty() {
        return mail.text;
    }
    let start = mail.text.find(marker).expect("a link") + marker.len();
    mail.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn a_new_address_counts_only_once_confirmed(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let change = json!({ "name": "Olivia Owner", "email": "olivia@new.example", "mobile": "", "country": "" });
    let profile: MyProfile =
        expect_json(app.api.put("/api/v1/me/profile", &change).await, 200).await;
    assert_eq!(
        profile.email.as_str(),
        OWNER_EMAIL,
        "unchanged until confirmed"
    );
    assert_eq!(
        profile.pending_email.as_ref().map(|e| e.as_str()),
        Some("olivia@new.example")
    );
    let notice = mail_link(&app, OWNER_EMAIL, "being changed", "").await;
    assert!(notice.contains("olivia@new.example"), "{notice}");
    let token = mail_link(
        &app,
        "olivia@new.example",
        "Confirm your new email",
        "#token=",
    )
    .await;
    expect_error(
        app.new_client()
            .sign_in("olivia@new.example", OWNER_PASSWORD)
            .await,
        401,
        "invalid_credentials",
    )
    .await;

    let confirmed: serde_json::Value = expect_json(
        app.new_client()
            .post("/api/v1/me/email/confirm", &json!({ "token": token }))
            .await,
        200,
    )
    .await;
    assert_eq!(confirmed["email"], "olivia@new.example");
    let session: SessionInfo = app.api.get_ok("/api/v1/session").await;
    assert_eq!(session.user.email.as_str(), "olivia@new.example");
    app.new_client()
        .sign_in_ok("olivia@new.example", OWNER_PASSWORD)
        .await;
    expect_error(
        app.new_client().sign_in(OWNER_EMAIL, OWNER_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    // Single use.
    expect_error(
        app.new_client()
            .post("/api/v1/me/email/confirm", &json!({ "token": token }))
            .await,
        404,
        "not_found",
    )
    .await;
    // The Users list follows.
    let acme = session.last_account.unwrap();
    let page: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=olivia@new", acme.0))
        .await;
    assert_eq!(page.total, 1);
    // Shown as she is now: the new address and name, not the ones the list was filled with.
    assert_eq!(page.people[0].email.as_str(), "olivia@new.example");
    assert_eq!(
        page.people[0].name.as_ref().map(|n| n.as_str()),
        Some("Olivia Owner")
    );
    app.stop().await;
}

/// Asking for someone else's address answers exactly like asking for a free one (the form
/// tells nobody who has a Roster identity); only the mailbox's owner, opening its link, learns
/// that it cannot be used, and nothing changes.
async fn an_address_of_someone_else_is_never_confirmed(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let ana = app.accept_as_new("ana@example.com", "Ana").await;
    let ask = |email: &str| json!({ "name": "Ana", "email": email, "mobile": "", "country": "" });
    let free: MyProfile = expect_json(
        ana.put("/api/v1/me/profile", &ask("ana@free.example"))
            .await,
        200,
    )
    .await;
    let stolen: MyProfile = expect_json(
        ana.put("/api/v1/me/profile", &ask("Olivia@ACME.example"))
            .await,
        200,
    )
    .await;
    assert_eq!(free.pending_email.unwrap().key(), "ana@free.example");
    assert_eq!(stolen.pending_email.unwrap().key(), "olivia@acme.example");
    let token = crate::profile_live::confirmation_token(&app, "Olivia@ACME.example").await;
    let message = expect_error(
        app.new_client()
            .post("/api/v1/me/email/confirm", &json!({ "token": token }))
            .await,
        409,
        "email_unavailable",
    )
    .await;
    assert!(!message.contains("another person"), "{message}");
    let me: MyProfile = ana.get_ok("/api/v1/me/profile").await;
    assert_eq!(me.email.as_str(), "ana@example.com");
    let steal =
        json!({ "name": "Ana", "email": "Olivia@ACME.example", "mobile": "", "country": "" });
    // Nobody edits someone else's details: the people endpoints only read them.
    let people: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=ana", acme.0))
        .await;
    let ana_id = people.people[0].id.0;
    let response = app
        .api
        .put(
            &format!("/api/v1/accounts/{}/people/{ana_id}", acme.0),
            &steal,
        )
        .await;
    assert_eq!(response.status(), 405);
    let _ = MEMBER_PASSWORD;
    app.stop().await;
}

async fn preferences_are_kept(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let none: NotificationPreferences = app.api.get_ok("/api/v1/me/notifications").await;
    assert_eq!(none, NotificationPreferences::default());
    let chosen = NotificationPreferences {
        desktop: true,
        badge: false,
        sound: true,
    };
    let saved: NotificationPreferences =
        expect_json(app.api.put("/api/v1/me/notifications", &chosen).await, 200).await;
    assert_eq!(saved, chosen);
    let app = app.restart().await;
    app.api.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let again: NotificationPreferences = app.api.get_ok("/api/v1/me/notifications").await;
    assert_eq!(again, chosen);
    let profile: MyProfile = app.api.get_ok("/api/v1/me/profile").await;
    assert_eq!(profile.notifications, chosen);
    app.stop().await;
}

async fn token(app: &TestApp, account: AccountId, role: Role) -> String {
    let created: CreatedApiToken = expect_json(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/api-tokens", account.0),
                &json!({ "name": "Messaging", "max_role": role }),
            )
            .await,
        201,
    )
    .await;
    created.token
}

async fn inbound_messages_reach_only_people_with_access(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let support = app.sub_account(acme, "Support").await;
    let sales = app.sub_account(acme, "Sales").await;
    app.invite(acme, &["sue@example.com"], &[(Role::Basic, &[support])])
        .await;
    app.invite(acme, &["sal@example.com"], &[(Role::Basic, &[sales])])
        .await;
    let sue = app.accept_as_new("sue@example.com", "Sue").await;
    let sal = app.accept_as_new("sal@example.com", "Sal").await;
    let mut olivia_events = EventStream::open(&app.api).await;
    let mut sue_events = EventStream::open(&sue).await;
    let mut sal_events = EventStream::open(&sal).await;

    let messaging = token(&app, acme, Role::Basic).await;
    let response = app
        .new_client()
        .http
        .post(app.url(&format!("/api/v1/accounts/{}/inbound-messages", support.0)))
        .bearer_auth(&messaging)
        .json(&json!({ "from": "+49 151 1234567", "preview": "Hi, my order has not arrived\n" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);

    for stream in [&mut olivia_events, &mut sue_events] {
        let event = stream
            .expect("inbound_message", Duration::from_secs(10))
            .await;
        let LiveEvent::InboundMessage {
            account,
            account_name,
            from,
            preview,
            ..
        } = event
        else {
            panic!("{event:?}")
        };
        assert_eq!(
            (account, account_name.as_str(), from.as_str()),
            (support, "Support", "+49 151 1234567")
        );
        assert_eq!(preview, "Hi, my order has not arrived");
    }
    sal_events
        .expect_none("inbound_message", Duration::from_millis(800))
        .await;

    // A read-only token may not report messages; a revoked or unknown one is refused.
    let reader = token(&app, acme, Role::Reporting).await;
    let response = app
        .new_client()
        .http
        .post(app.url(&format!("/api/v1/accounts/{}/inbound-messages", support.0)))
        .bearer_auth(&reader)
        .json(&json!({ "from": "x", "preview": "y" }))
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "read_only").await;
    let response = app
        .new_client()
        .http
        .post(app.url(&format!("/api/v1/accounts/{}/inbound-messages", support.0)))
        .bearer_auth("rst_not-a-token")
        .json(&json!({ "from": "x", "preview": "y" }))
        .send()
        .await
        .unwrap();
    expect_error(response, 401, "invalid_token").await;
    app.stop().await;
}

async fn an_ended_session_is_told_at_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let laptop = app.new_client();
    laptop.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let mut laptop_events = EventStream::open(&laptop).await;
    let devices: Vec<roster_shared::api::Device> = app.api.get_ok("/api/v1/me/devices").await;
    let laptop_id = devices
        .iter()
        .filter(|d| !d.current)
        .map(|d| d.id)
        .next()
        .unwrap();
    assert_eq!(
        app.api
            .delete(&format!("/api/v1/me/devices/{laptop_id}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        laptop_events
            .expect("session_ended", Duration::from_secs(10))
            .await,
        LiveEvent::SessionEnded
    );
    // …and the stream then ends.
    assert!(laptop_events.next(Duration::from_secs(2)).await.is_none());
    app.stop().await;
}

async fn people_changes_are_pushed_to_the_organisation(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let mut events = EventStream::open(&app.api).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let event = events
        .expect("people_changed", Duration::from_secs(10))
        .await;
    assert_eq!(event, LiveEvent::PeopleChanged { organisation: acme });
    let ana = app.accept_as_new("ana@example.com", "Ana").await;
    events
        .expect("people_changed", Duration::from_secs(10))
        .await;
    // Ana hears about her own access changing.
    let mut ana_events = EventStream::open(&ana).await;
    let page: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=ana", acme.0))
        .await;
    app.api
        .put(
            &format!(
                "/api/v1/accounts/{}/people/{}/access",
                acme.0, page.people[0].id.0
            ),
            &json!({ "access": [{ "account": acme, "role": "reporting" }] }),
        )
        .await;
    ana_events
        .expect("access_changed", Duration::from_secs(10))
        .await;
    app.stop().await;
}
