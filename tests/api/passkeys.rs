//! Passkeys: added on Sign-in & Security (the password first), listed and removed; signing in
//! with one instead of the password and the code; and every way an answer must be refused
//! (replayed, another site's, another key's, a cloned key's, a removed passkey's, another
//! person's ceremony). The authenticator is `roster_tests::passkey::SoftPasskey`.

use roster_shared::api::{
    AuditPage, Device, PasskeyCeremony, PasskeyInfo, SessionInfo, SignInMethods, SignInOutcome,
};
use roster_tests::passkey::SoftPasskey;
use roster_tests::process::{ChildOptions, ServerProcess};
use roster_tests::{
    ApiClient, Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, expect_error, expect_json,
};
use serde_json::{Value, json};

engines!(
    a_passkey_signs_in_without_the_password_or_the_code,
    adding_a_passkey_needs_the_password_and_a_fresh_ceremony_of_ones_own,
    an_answer_that_does_not_prove_the_passkey_is_refused,
    a_removed_passkey_signs_in_nowhere,
    a_session_does_not_buy_guesses_at_the_password,
);

/// Where the test server's pages are for passkeys: its port under `localhost`.
fn origin(app: &TestApp) -> String {
    app.address.replace("127.0.0.1", "localhost")
}

async fn start_registration(api: &ApiClient, password: &str) -> reqwest::Response {
    api.post(
        "/api/v1/me/passkeys/registration",
        &json!({ "password": password }),
    )
    .await
}

/// Sends the browser's answer to registration `ceremony`, naming the passkey `name`.
async fn finish_registration(
    api: &ApiClient,
    ceremony: &str,
    name: &str,
    credential: &Value,
) -> reqwest::Response {
    api.post(
        "/api/v1/me/passkeys",
        &json!({ "ceremony": ceremony, "name": name, "credential": credential }),
    )
    .await
}

/// Adds `passkey` for `api`'s person, named `name`.
async fn add(app: &TestApp, api: &ApiClient, passkey: &mut SoftPasskey, name: &str) -> PasskeyInfo {
    let ceremony: PasskeyCeremony =
        expect_json(start_registration(api, OWNER_PASSWORD).await, 200).await;
    let credential = passkey.register(&ceremony.options, &origin(app));
    expect_json(
        finish_registration(api, &ceremony.ceremony, name, &credential).await,
        201,
    )
    .await
}

async fn sign_in_challenge(api: &ApiClient) -> PasskeyCeremony {
    expect_json(
        api.post_empty("/api/v1/sign-in/passkey/challenge").await,
        200,
    )
    .await
}

async fn answer(api: &ApiClient, ceremony: &str, credential: &Value) -> reqwest::Response {
    api.post(
        "/api/v1/sign-in/passkey",
        &json!({ "ceremony": ceremony, "credential": credential }),
    )
    .await
}

/// Signs a new browser in with `passkey`; answers it signed in.
async fn sign_in(app: &TestApp, passkey: &mut SoftPasskey) -> ApiClient {
    let browser = app.new_client();
    let ceremony = sign_in_challenge(&browser).await;
    let credential = passkey.sign_in(&ceremony.options, &origin(app));
    match expect_json(answer(&browser, &ceremony.ceremony, &credential).await, 200).await {
        SignInOutcome::SignedIn { session } => browser.adopt(&session),
        other => panic!("a passkey is both steps, but the answer was {other:?}"),
    }
    browser
}

async fn a_passkey_signs_in_without_the_password_or_the_code(engine: Engine) {
    let (app, _) = TestApp::signed_in_organisation(engine).await;
    let methods: SignInMethods = app.api.get_ok("/api/v1/sign-in/methods").await;
    assert_eq!(methods.passkey_origin, Some(origin(&app)));
    // Two-step verification is on: the password alone would ask for a code.
    app.enable_two_factor().await;
    let mut passkey = SoftPasskey::new();
    let added = add(&app, &app.api, &mut passkey, "Work laptop").await;
    assert_eq!(added.name.as_str(), "Work laptop");
    assert_eq!(added.last_used_at, None);
    // The server chose the user handle: a random UUID, not the person's id or address.
    let handle = String::from_utf8_lossy(&passkey.user_handle).into_owned();
    assert_eq!(passkey.user_handle.len(), 16, "{handle}");
    assert!(!handle.contains(OWNER_EMAIL));

    let laptop = sign_in(&app, &mut passkey).await;
    let session: SessionInfo = laptop.get_ok("/api/v1/session").await;
    assert_eq!(session.user.email.as_str(), OWNER_EMAIL);
    assert!(session.totp_enabled);
    // The session is a full one: it changes things.
    expect_json::<SessionInfo>(
        laptop
            .put("/api/v1/me/name", &json!({ "name": "Olivia O." }))
            .await,
        200,
    )
    .await;

    let devices: Vec<Device> = laptop.get_ok("/api/v1/me/devices").await;
    let methods: Vec<(bool, &str)> = devices
        .iter()
        .map(|device| (device.current, device.method.as_str()))
        .collect();
    assert!(methods.contains(&(true, "passkey")), "{methods:?}");
    assert!(methods.contains(&(false, "password")), "{methods:?}");
    // The organisation's audit log says how each sign-in was made.
    let acme = session.last_account.expect("an account");
    let log: AuditPage = laptop
        .get_ok(&format!("/api/v1/accounts/{}/audit", acme.0))
        .await;
    let signed_in: Vec<(&str, &str)> = log
        .entries
        .iter()
        .filter(|e| e.action == "person.signed_in")
        .map(|e| (e.summary.as_str(), e.ip.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(
        signed_in,
        [
            ("Olivia Owner signed in with a passkey", "127.0.0.1"),
            ("Olivia Owner signed in with a password", "127.0.0.1"),
        ],
        "newest first"
    );

    let listed: Vec<PasskeyInfo> = app.api.get_ok("/api/v1/me/passkeys").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, added.id);
    assert!(listed[0].last_used_at.is_some());

    // A second sign-in moves the counter on and works again.
    sign_in(&app, &mut passkey).await;
    app.stop().await;
}

async fn adding_a_passkey_needs_the_password_and_a_fresh_ceremony_of_ones_own(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    expect_error(
        start_registration(&app.api, "not the password").await,
        422,
        "wrong_password",
    )
    .await;

    let mut passkey = SoftPasskey::new();
    let ceremony: PasskeyCeremony =
        expect_json(start_registration(&app.api, OWNER_PASSWORD).await, 200).await;
    let options = &ceremony.options["publicKey"];
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(
        options["authenticatorSelection"]["residentKey"], "required",
        "a passkey must be discoverable, to sign in without an address"
    );
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    let credential = passkey.register(&ceremony.options, &origin(&app));
    let body = json!({ "ceremony": ceremony.ceremony, "name": "Phone", "credential": credential });

    // Another person cannot finish Olivia's ceremony (it is gone for Olivia too: its secret
    // left her hands).
    app.invite(
        acme,
        &["ben@example.com"],
        &[(roster_shared::role::Role::Admin, &[acme])],
    )
    .await;
    let ben = app.accept_as_new("ben@example.com", "Ben").await;
    expect_error(
        ben.post("/api/v1/me/passkeys", &body).await,
        401,
        "challenge_expired",
    )
    .await;
    expect_error(
        app.api.post("/api/v1/me/passkeys", &body).await,
        401,
        "challenge_expired",
    )
    .await;

    // A sign-in ceremony does not add a passkey.
    let sign_in = sign_in_challenge(&app.api).await;
    let mut other = SoftPasskey::new();
    let mut options = sign_in.options.clone();
    options["publicKey"]["rp"] = json!({ "id": "localhost" });
    options["publicKey"]["user"] = json!({ "id": "AAAAAAAAAAAAAAAAAAAAAA" });
    let made = other.register(&options, &origin(&app));
    expect_error(
        finish_registration(&app.api, &sign_in.ceremony, "Phone", &made).await,
        401,
        "challenge_expired",
    )
    .await;

    // Once added, it is used up, and the same authenticator is not added twice.
    let added = add(&app, &app.api, &mut passkey, "Phone").await;
    let ceremony: PasskeyCeremony =
        expect_json(start_registration(&app.api, OWNER_PASSWORD).await, 200).await;
    let excluded = ceremony.options["publicKey"]["excludeCredentials"].to_string();
    assert!(
        excluded.contains(&roster_tests::passkey::b64(&passkey.credential_id)),
        "the browser is told which authenticators already hold one: {excluded}"
    );
    let again = passkey.register(&ceremony.options, &origin(&app));
    expect_error(
        finish_registration(&app.api, &ceremony.ceremony, "Phone", &again).await,
        409,
        "passkey_refused",
    )
    .await;

    // Nor is it added to anyone else: Ben's browser offers the same authenticator.
    let ceremony: PasskeyCeremony = expect_json(
        start_registration(&ben, roster_tests::MEMBER_PASSWORD).await,
        200,
    )
    .await;
    let mut same_key = passkey.clone();
    let credential = same_key.register(&ceremony.options, &origin(&app));
    expect_error(
        finish_registration(&ben, &ceremony.ceremony, "Phone", &credential).await,
        409,
        "passkey_refused",
    )
    .await;

    // A name is a name: an empty one is refused before anything is used up.
    let ceremony: PasskeyCeremony =
        expect_json(start_registration(&app.api, OWNER_PASSWORD).await, 200).await;
    let mut fresh = SoftPasskey::new();
    let credential = fresh.register(&ceremony.options, &origin(&app));
    expect_error(
        finish_registration(&app.api, &ceremony.ceremony, "  ", &credential).await,
        422,
        "invalid_body",
    )
    .await;
    let listed: Vec<PasskeyInfo> = app.api.get_ok("/api/v1/me/passkeys").await;
    assert_eq!(
        listed.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![added.id]
    );
    let none: Vec<PasskeyInfo> = ben.get_ok("/api/v1/me/passkeys").await;
    assert!(none.is_empty(), "Ben sees only his own passkeys");
    app.stop().await;
}

async fn an_answer_that_does_not_prove_the_passkey_is_refused(engine: Engine) {
    let (app, _) = TestApp::signed_in_organisation(engine).await;
    let mut passkey = SoftPasskey::new();
    add(&app, &app.api, &mut passkey, "Laptop").await;
    let browser = app.new_client();

    // Signed for another site (a look-alike name).
    let ceremony = sign_in_challenge(&browser).await;
    let phished = passkey.sign_in(
        &ceremony.options,
        &app.address
            .replace("127.0.0.1", "roster.localhost.evil.example"),
    );
    expect_error(
        answer(&browser, &ceremony.ceremony, &phished).await,
        401,
        "passkey_refused",
    )
    .await;

    // Signed with another key under the same credential id.
    let ceremony = sign_in_challenge(&browser).await;
    let forged = passkey
        .with_another_key()
        .sign_in(&ceremony.options, &origin(&app));
    expect_error(
        answer(&browser, &ceremony.ceremony, &forged).await,
        401,
        "passkey_refused",
    )
    .await;

    // Without user verification (someone who only touched the key).
    let ceremony = sign_in_challenge(&browser).await;
    passkey.counter += 1;
    let presence_only = passkey.assert(&ceremony.options, &origin(&app), 0x01);
    expect_error(
        answer(&browser, &ceremony.ceremony, &presence_only).await,
        401,
        "passkey_refused",
    )
    .await;

    // A good answer works once; replayed, its ceremony is gone.
    let ceremony = sign_in_challenge(&browser).await;
    let good = passkey.sign_in(&ceremony.options, &origin(&app));
    expect_json::<SignInOutcome>(
        answer(&app.new_client(), &ceremony.ceremony, &good).await,
        200,
    )
    .await;
    expect_error(
        answer(&app.new_client(), &ceremony.ceremony, &good).await,
        401,
        "challenge_expired",
    )
    .await;

    // A copy of the key that fell behind the original's counter: cloned.
    let mut clone = passkey.clone();
    sign_in(&app, &mut passkey).await;
    sign_in(&app, &mut passkey).await;
    let ceremony = sign_in_challenge(&browser).await;
    let cloned = clone.sign_in(&ceremony.options, &origin(&app));
    expect_error(
        answer(&browser, &ceremony.ceremony, &cloned).await,
        401,
        "passkey_refused",
    )
    .await;

    // None of this signed the browser in.
    expect_error(
        browser.get("/api/v1/session").await,
        401,
        "sign_in_required",
    )
    .await;
    app.stop().await;
}

async fn a_removed_passkey_signs_in_nowhere(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let mut passkey = SoftPasskey::new();
    let added = add(&app, &app.api, &mut passkey, "Laptop").await;
    app.invite(
        acme,
        &["ben@example.com"],
        &[(roster_shared::role::Role::Admin, &[acme])],
    )
    .await;
    let ben = app.accept_as_new("ben@example.com", "Ben").await;
    expect_error(
        ben.delete(&format!("/api/v1/me/passkeys/{}", added.id))
            .await,
        404,
        "not_found",
    )
    .await;
    sign_in(&app, &mut passkey).await;

    let response = app
        .api
        .delete(&format!("/api/v1/me/passkeys/{}", added.id))
        .await;
    assert_eq!(response.status(), 204);
    let browser = app.new_client();
    let ceremony = sign_in_challenge(&browser).await;
    let credential = passkey.sign_in(&ceremony.options, &origin(&app));
    let message = expect_error(
        answer(&browser, &ceremony.ceremony, &credential).await,
        401,
        "passkey_refused",
    )
    .await;
    assert!(message.contains("password"), "{message}");
    // The password still works.
    app.new_client()
        .sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    app.stop().await;
}

/// A ceremony started on one replica is finished on the other, once.
#[tokio::test(flavor = "multi_thread")]
async fn a_passkey_ceremony_started_on_one_replica_finishes_on_another() {
    let (app, _) = TestApp::signed_in_organisation(Engine::Postgres).await;
    let b = ServerProcess::start(app.database_url(), &ChildOptions::default()).await;
    let mut passkey = SoftPasskey::new();

    // Added: started on A, finished on B.
    let ceremony: PasskeyCeremony =
        expect_json(start_registration(&app.api, OWNER_PASSWORD).await, 200).await;
    let credential = passkey.register(&ceremony.options, &origin(&app));
    let _: PasskeyInfo = expect_json(
        finish_registration(
            &app.api.on(&b.address),
            &ceremony.ceremony,
            "Laptop",
            &credential,
        )
        .await,
        201,
    )
    .await;

    // Signed in: started on B, finished on A; the same answer on B again is refused.
    let on_b = ApiClient::new(&b.address);
    let ceremony = sign_in_challenge(&on_b).await;
    let credential = passkey.sign_in(&ceremony.options, &origin(&app));
    expect_json::<SignInOutcome>(
        answer(&app.new_client(), &ceremony.ceremony, &credential).await,
        200,
    )
    .await;
    expect_error(
        answer(&on_b, &ceremony.ceremony, &credential).await,
        401,
        "challenge_expired",
    )
    .await;
    b.kill().await;
    app.stop().await;
}

/// A session alone (a stolen cookie) guessing the password on the pages that ask for it again
/// is slowed down like sign-in is, on the same count.
async fn a_session_does_not_buy_guesses_at_the_password(engine: Engine) {
    let (app, _) = TestApp::signed_in_organisation(engine).await;
    for _ in 0..5 {
        expect_error(
            start_registration(&app.api, "guess guess guess").await,
            422,
            "wrong_password",
        )
        .await;
    }
    expect_error(
        start_registration(&app.api, "guess guess guess").await,
        429,
        "too_many_attempts",
    )
    .await;
    // The right one waits too, here and at sign-in: the wait protects the account.
    expect_error(
        start_registration(&app.api, OWNER_PASSWORD).await,
        429,
        "too_many_attempts",
    )
    .await;
    expect_error(
        app.new_client().sign_in(OWNER_EMAIL, OWNER_PASSWORD).await,
        429,
        "too_many_attempts",
    )
    .await;
    // Turning two-step verification off asks for the password the same way.
    expect_error(
        app.api
            .delete_json("/api/v1/me/totp", &json!({ "password": OWNER_PASSWORD }))
            .await,
        429,
        "too_many_attempts",
    )
    .await;
    app.stop().await;
}
