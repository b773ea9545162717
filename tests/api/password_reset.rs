//! "Forgot password?": a mailed link, single-use and short-lived, that never tells whether an
//! address has an account, signs the person out everywhere, and leaves two-factor sign-in
//! as it was.

use std::time::Duration;

use roster_shared::api::{
    DevMail, PasswordResetDone, PasswordResetView, SessionInfo, SignInOutcome,
};
use roster_shared::role::Role;
use roster_shared::time::MINUTE_MS;
use roster_tests::team::link_token_in;
use roster_tests::{
    ApiClient, Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, expect_error, expect_json,
    totp,
};
use serde_json::json;

engines!(
    known_and_unknown_addresses_get_the_same_answer,
    a_link_works_once,
    a_link_expires_after_half_an_hour,
    asking_again_replaces_the_earlier_link,
    a_reset_signs_out_every_session,
    two_factor_sign_in_is_still_required_after_a_reset,
    requests_are_throttled_per_address_and_per_client,
    requests_sent_together_are_counted_together,
    ended_resets_are_forgotten_after_a_day,
);

const NEW_PASSWORD: &str = "a fresh start at last";
const RESET_SUBJECT: &str = "Choose a new password";

async fn ask(client: &ApiClient, email: &str) -> reqwest::Response {
    client
        .post("/api/v1/password-reset", &json!({ "email": email }))
        .await
}

/// Status and body of an answer, for comparing answers byte for byte.
async fn answer_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The reset mails `email` has received, oldest first (waiting up to `wait` for `at_least`).
async fn reset_mails(app: &TestApp, email: &str, at_least: usize, wait: Duration) -> Vec<DevMail> {
    app.mails_to_within(email, RESET_SUBJECT, at_least, wait)
        .await
}

/// Asks for a link for `email` and answers its token (the `nth` reset mail to arrive there).
async fn reset_token(app: &TestApp, email: &str, nth: usize) -> String {
    assert_eq!(ask(&app.new_client(), email).await.status(), 202);
    let mails = reset_mails(app, email, nth, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), nth, "reset mails to {email}");
    link_token_in(&mails[nth - 1].text)
}

async fn inspect(app: &TestApp, token: &str) -> reqwest::Response {
    app.new_client()
        .post("/api/v1/password-reset/inspect", &json!({ "token": token }))
        .await
}

async fn complete(client: &ApiClient, token: &str, password: &str) -> reqwest::Response {
    client
        .post(
            "/api/v1/password-reset/complete",
            &json!({ "token": token, "password": password }),
        )
        .await
}

async fn known_and_unknown_addresses_get_the_same_answer(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    // Invited, never accepted: no password to reset.
    app.invite(acme, &["ivy@acme.example"], &[(Role::Basic, &[acme])])
        .await;

    let known = answer_of(ask(&app.new_client(), OWNER_EMAIL).await).await;
    let unknown = answer_of(ask(&app.new_client(), "nobody@acme.example").await).await;
    let invited = answer_of(ask(&app.new_client(), "ivy@acme.example").await).await;
    assert_eq!(known.0, 202, "{known:?}");
    assert_eq!(
        known, unknown,
        "the answer must not tell whether an account exists"
    );
    assert_eq!(known, invited);
    let body: serde_json::Value = serde_json::from_str(&known.1).unwrap();
    assert_eq!(body["valid_minutes"], 30);

    let mails = reset_mails(&app, OWNER_EMAIL, 1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]
            .text
            .contains(&format!("{}/reset-password#token=", app.address)),
        "{}",
        mails[0].text
    );
    // The known address's mail went out; the others get none.
    for nobody in ["nobody@acme.example", "ivy@acme.example"] {
        assert!(
            reset_mails(&app, nobody, 0, Duration::ZERO)
                .await
                .is_empty(),
            "{nobody}"
        );
    }
    // Not an address at all is refused for its shape, whoever asks.
    expect_error(ask(&app.new_client(), "olivia").await, 422, "invalid_body").await;
    app.stop().await;
}

async fn a_link_works_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let token = reset_token(&app, OWNER_EMAIL, 1).await;

    let view: PasswordResetView = expect_json(inspect(&app, &token).await, 200).await;
    assert_eq!(view.email.as_str(), OWNER_EMAIL);
    let browser = app.new_client();
    // The same rule as everywhere a password is chosen.
    let error: roster_shared::api::ErrorBody =
        expect_json(complete(&browser, &token, "short").await, 422).await;
    assert_eq!(error.fields[0].field, "password");
    let error: roster_shared::api::ErrorBody =
        expect_json(complete(&browser, &token, OWNER_EMAIL).await, 422).await;
    assert!(error.message.contains("email address"), "{error:?}");

    let response = complete(&browser, &token, NEW_PASSWORD).await;
    assert!(
        response.headers().get("set-cookie").is_none(),
        "a reset never signs in"
    );
    let done: PasswordResetDone = expect_json(response, 200).await;
    assert_eq!(done.email.as_str(), OWNER_EMAIL);
    expect_error(
        browser.get("/api/v1/session").await,
        401,
        "sign_in_required",
    )
    .await;

    // Used: it works no more, not even to choose yet another password.
    expect_error(
        complete(&browser, &token, "yet another new one").await,
        404,
        "not_found",
    )
    .await;
    expect_error(inspect(&app, &token).await, 404, "not_found").await;
    expect_error(
        app.new_client().sign_in(OWNER_EMAIL, OWNER_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    app.new_client().sign_in_ok(OWNER_EMAIL, NEW_PASSWORD).await;

    // The person is told.
    app.mail_to(OWNER_EMAIL, "Your Roster password was changed")
        .await;
    app.stop().await;
}

async fn a_link_expires_after_half_an_hour(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let token = reset_token(&app, OWNER_EMAIL, 1).await;
    let view: PasswordResetView = expect_json(inspect(&app, &token).await, 200).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let left = view.expires_at.millis() - now;
    assert!(
        (29 * MINUTE_MS..=30 * MINUTE_MS).contains(&left),
        "{left} ms left"
    );

    // Half an hour and a little later (the request's times moved back).
    app.execute(&format!(
        "UPDATE password_resets SET created_at = created_at - {ms}, expires_at = expires_at - {ms}",
        ms = 30 * MINUTE_MS + 1000
    ))
    .await;
    let message = expect_error(inspect(&app, &token).await, 410, "link_expired").await;
    assert!(message.contains("Ask for a new one"), "{message}");
    expect_error(
        complete(&app.new_client(), &token, NEW_PASSWORD).await,
        410,
        "link_expired",
    )
    .await;
    app.new_client()
        .sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    app.stop().await;
}

async fn asking_again_replaces_the_earlier_link(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let first = reset_token(&app, OWNER_EMAIL, 1).await;
    let second = reset_token(&app, OWNER_EMAIL, 2).await;
    assert_ne!(first, second);
    expect_error(inspect(&app, &first).await, 404, "not_found").await;
    expect_error(
        complete(&app.new_client(), &first, NEW_PASSWORD).await,
        404,
        "not_found",
    )
    .await;
    let _: PasswordResetDone = expect_json(
        complete(&app.new_client(), &second, NEW_PASSWORD).await,
        200,
    )
    .await;
    app.stop().await;
}

async fn a_reset_signs_out_every_session(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let phone = app.new_client();
    phone.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let _: SessionInfo = app.api.get_ok("/api/v1/session").await;

    let token = reset_token(&app, OWNER_EMAIL, 1).await;
    // Asking alone changes nothing.
    let _: SessionInfo = phone.get_ok("/api/v1/session").await;
    let _: PasswordResetDone =
        expect_json(complete(&app.new_client(), &token, NEW_PASSWORD).await, 200).await;
    expect_error(
        app.api.get("/api/v1/session").await,
        401,
        "sign_in_required",
    )
    .await;
    expect_error(phone.get("/api/v1/session").await, 401, "sign_in_required").await;
    app.stop().await;
}

async fn two_factor_sign_in_is_still_required_after_a_reset(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let secret = app.enable_two_factor().await;
    // Someone with the old password is half-way through signing in.
    let intruder = app.new_client();
    let SignInOutcome::TotpRequired { challenge } =
        expect_json(intruder.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await, 200).await
    else {
        panic!("a code is asked for")
    };

    let token = reset_token(&app, OWNER_EMAIL, 1).await;
    let browser = app.new_client();
    let _: PasswordResetDone =
        expect_json(complete(&browser, &token, NEW_PASSWORD).await, 200).await;
    expect_error(
        browser.get("/api/v1/session").await,
        401,
        "sign_in_required",
    )
    .await;

    // The pending second step ended with the old password.
    expect_error(
        intruder
            .post(
                "/api/v1/sign-in/totp",
                &json!({ "challenge": challenge, "code": totp::code(&secret, 1) }),
            )
            .await,
        401,
        "challenge_expired",
    )
    .await;
    // The new password still needs the code.
    let outcome: SignInOutcome =
        expect_json(browser.sign_in(OWNER_EMAIL, NEW_PASSWORD).await, 200).await;
    let SignInOutcome::TotpRequired { challenge } = outcome else {
        panic!("a reset must not switch the second step off: {outcome:?}")
    };
    let outcome: SignInOutcome = expect_json(
        browser
            .post(
                "/api/v1/sign-in/totp",
                &json!({ "challenge": challenge, "code": totp::code(&secret, 1) }),
            )
            .await,
        200,
    )
    .await;
    assert!(matches!(outcome, SignInOutcome::SignedIn { .. }));
    app.stop().await;
}

async fn requests_are_throttled_per_address_and_per_client(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let client = app.new_client();
    // Per address asked for, known or not, the same.
    for email in [OWNER_EMAIL, "nobody@acme.example"] {
        for _ in 0..3 {
            assert_eq!(ask(&client, email).await.status(), 202);
        }
        let response = ask(&client, email).await;
        let retry: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=30).contains(&retry), "{retry}");
        let message = expect_error(response, 429, "too_many_attempts").await;
        assert!(message.contains("password reset"), "{message}");
    }
    // Per client: 20 requests in all, whatever the addresses.
    for n in 0..14 {
        assert_eq!(
            ask(&client, &format!("person{n}@acme.example"))
                .await
                .status(),
            202
        );
    }
    expect_error(
        ask(&client, "one.more@acme.example").await,
        429,
        "too_many_attempts",
    )
    .await;
    // Asking for links slows neither signing in nor the mail that was asked for (the last
    // link; earlier ones replaced before they went out are not sent at all).
    app.new_client()
        .sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    let mails = reset_mails(&app, OWNER_EMAIL, 1, Duration::from_secs(10)).await;
    assert!((1..=3).contains(&mails.len()), "{}", mails.len());
    app.stop().await;
}

/// Requests that arrive at once do not all slip past the count: each is counted as it is
/// read, so an address still gets its three links, not one per request in flight.
async fn requests_sent_together_are_counted_together(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let mut asks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let client = app.new_client();
        asks.spawn(async move { ask(&client, OWNER_EMAIL).await.status().as_u16() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = asks.join_next().await {
        statuses.push(status.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [[202; 3].as_slice(), &[429; 9]].concat());
    app.stop().await;
}

/// Maintenance forgets resets (and their links) a day after they stopped working, and keeps
/// the ones still open.
async fn ended_resets_are_forgotten_after_a_day(engine: Engine) {
    let app = TestApp::spawn_with(engine, |settings| {
        settings.maintenance_every = Duration::from_millis(100);
    })
    .await;
    app.set_up().await;
    let _old = reset_token(&app, OWNER_EMAIL, 1).await;
    // That one ended more than a day ago; a new one is open.
    app.execute(&format!(
        "UPDATE password_resets SET created_at = created_at - {ms}, expires_at = expires_at - {ms}",
        ms = 25 * 60 * MINUTE_MS
    ))
    .await;
    let open = reset_token(&app, OWNER_EMAIL, 2).await;
    let count = |sql: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&app.db().await)
                .await
                .unwrap()
        }
    };
    roster_tests::settled(
        Duration::from_secs(10),
        || count("SELECT COUNT(*) FROM password_resets"),
        |n| *n == 1,
    )
    .await;
    assert_eq!(count("SELECT COUNT(*) FROM password_resets").await, 1);
    assert_eq!(count("SELECT COUNT(*) FROM password_reset_tokens").await, 1);
    let _: PasswordResetView = expect_json(inspect(&app, &open).await, 200).await;
    app.stop().await;
}
