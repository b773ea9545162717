//! The rules of an email change that the main profile suite leaves out: a link that expired
//! and an address someone else took meanwhile change nothing; and the service worker script
//! is served so browsers always check for a newer one.

use roster_shared::api::{MyProfile, SessionInfo};
use roster_shared::role::Role;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, expect_error};
use serde_json::json;

engines!(
    an_expired_confirmation_link_changes_nothing,
    an_address_taken_meanwhile_is_refused_at_confirmation,
    the_service_worker_is_always_revalidated,
);

/// The token of the newest confirmation link mailed to `to`.
/// The address-confirmation token mailed to `to`.
pub(crate) async fn confirmation_token(app: &TestApp, to: &str) -> String {
    let mail = app.mail_to(to, "Confirm your new email").await;
    roster_tests::team::link_token_in(&mail.text)
}

async fn ask_for(app: &TestApp, email: &str) {
    let change = json!({ "name": "Olivia Owner", "email": email, "mobile": "", "country": "" });
    let profile: MyProfile =
        roster_tests::expect_json(app.api.put("/api/v1/me/profile", &change).await, 200).await;
    assert_eq!(
        profile.pending_email.as_ref().map(|e| e.as_str()),
        Some(email)
    );
}

async fn an_expired_confirmation_link_changes_nothing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    ask_for(&app, "olivia@new.example").await;
    let token = confirmation_token(&app, "olivia@new.example").await;
    app.execute("UPDATE email_changes SET expires_at = 1").await;

    let message = expect_error(
        app.new_client()
            .post("/api/v1/me/email/confirm", &json!({ "token": token }))
            .await,
        410,
        "link_expired",
    )
    .await;
    assert!(message.contains("expired"), "{message}");
    let session: SessionInfo = app.api.get_ok("/api/v1/session").await;
    assert_eq!(session.user.email.as_str(), OWNER_EMAIL);
    expect_error(
        app.new_client()
            .sign_in("olivia@new.example", OWNER_PASSWORD)
            .await,
        401,
        "invalid_credentials",
    )
    .await;
    app.stop().await;
}

async fn an_address_taken_meanwhile_is_refused_at_confirmation(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    ask_for(&app, "ana@example.com").await;
    let token = confirmation_token(&app, "ana@example.com").await;
    // Before Olivia opens her link, Ana joins with that very address.
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    app.accept_as_new("ana@example.com", "Ana").await;

    expect_error(
        app.new_client()
            .post("/api/v1/me/email/confirm", &json!({ "token": token }))
            .await,
        409,
        "email_unavailable",
    )
    .await;
    let session: SessionInfo = app.api.get_ok("/api/v1/session").await;
    assert_eq!(session.user.email.as_str(), OWNER_EMAIL);
    app.stop().await;
}

async fn the_service_worker_is_always_revalidated(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let response = app.get("/sw.js").await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    // Browsers refuse a worker script that is not JavaScript.
    assert!(
        header("content-type").starts_with("text/javascript"),
        "{}",
        header("content-type")
    );
    // A cached worker would keep an old release's shell alive.
    assert_eq!(header("cache-control"), "no-cache");
    // The worker's own policy lets it fetch the shell from this origin, and nothing else.
    let csp = header("content-security-policy");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    app.stop().await;
}
