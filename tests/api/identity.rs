//! First-run setup, signing in, sessions, devices, Sign-in & Security, two-factor codes, CSRF.

use roster_shared::api::{
    Device, RecoveryCodes, SessionInfo, SetupStatus, SignInOutcome, TotpEnrolment,
};
use roster_tests::{
    ApiClient, Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines, expect_error, expect_json,
    totp,
};
use serde_json::json;

engines!(
    setup_happens_once,
    setup_checks_every_field,
    a_setup_link_still_works_after_a_restart,
    sign_in_with_the_right_password_only,
    repeated_failures_are_slowed_down,
    sessions_end_when_idle_or_too_old,
    signing_out_another_device_ends_it_at_once,
    changing_the_password_signs_out_other_devices,
    the_name_can_be_changed,
    two_factor_codes_are_required_once_enrolled,
    state_changes_need_the_csrf_token,
    requests_from_other_sites_are_refused,
    every_identity_endpoint_needs_a_session,
);

fn setup_body(app: &TestApp, email: &str, password: &str) -> serde_json::Value {
    json!({
        "token": app.setup_token(),
        "account_name": "Acme",
        "plan": "team",
        "owner_name": "Olivia Owner",
        "email": email,
        "password": password,
    })
}

async fn setup_happens_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let status: SetupStatus = app.api.get_ok("/api/v1/setup").await;
    assert!(status.required);
    assert!(
        status
            .plans
            .iter()
            .any(|p| p.key == "team" && p.included_seats == 10)
    );

    let mut wrong = setup_body(&app, OWNER_EMAIL, OWNER_PASSWORD);
    wrong["token"] = json!("not-the-token");
    expect_error(
        app.api.post("/api/v1/setup", &wrong).await,
        403,
        "invalid_setup_link",
    )
    .await;

    let session = app.set_up().await;
    assert_eq!(session.user.email.as_str(), OWNER_EMAIL);
    assert!(session.last_account.is_some());
    let current: SessionInfo = app.api.get_ok("/api/v1/session").await;
    assert_eq!(current.user.name.as_str(), "Olivia Owner");

    let again = setup_body(&app, "other@acme.example", OWNER_PASSWORD);
    expect_error(
        app.new_client().post("/api/v1/setup", &again).await,
        409,
        "already_set_up",
    )
    .await;
    let status: SetupStatus = app.api.get_ok("/api/v1/setup").await;
    assert!(!status.required);
    app.stop().await;
}

async fn setup_checks_every_field(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let cases = [
        ("email", json!("olivia.acme.example"), "missing @"),
        ("password", json!("short"), "at least 10"),
        ("owner_name", json!("   "), "enter a name"),
        ("plan", json!("platinum"), "choose one of the plans"),
        ("password", json!(OWNER_EMAIL), "email address"),
    ];
    for (field, value, reason) in cases {
        let mut body = setup_body(&app, OWNER_EMAIL, OWNER_PASSWORD);
        body[field] = value;
        let error: roster_shared::api::ErrorBody =
            expect_json(app.api.post("/api/v1/setup", &body).await, 422).await;
        assert_eq!(error.fields.len(), 1, "{field}: {error:?}");
        assert_eq!(error.fields[0].field, field);
        assert!(
            error.fields[0].message.contains(reason),
            "{field}: {error:?}"
        );
    }
    // Nothing was created: setup is still needed and the link still works.
    app.set_up().await;
    app.stop().await;
}

async fn a_setup_link_still_works_after_a_restart(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let first_token = app.setup_token();
    let app = app.restart().await;
    assert_ne!(
        app.setup_token(),
        first_token,
        "each start prints a new link"
    );
    let mut body = setup_body(&app, OWNER_EMAIL, OWNER_PASSWORD);
    body["token"] = json!(first_token);
    let outcome: SignInOutcome = expect_json(app.api.post("/api/v1/setup", &body).await, 200).await;
    assert!(matches!(outcome, SignInOutcome::SignedIn { .. }));
    // Once used, every link is gone, and a restart prints none.
    let app = app.restart().await;
    assert!(app.setup_link.is_none());
    app.stop().await;
}

async fn sign_in_with_the_right_password_only(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let browser = app.new_client();

    let wrong = expect_error(
        browser.sign_in(OWNER_EMAIL, "not the password").await,
        401,
        "invalid_credentials",
    )
    .await;
    let unknown = expect_error(
        browser.sign_in("nobody@acme.example", OWNER_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong, unknown, "the answer must not tell which was wrong");
    expect_error(
        browser.get("/api/v1/session").await,
        401,
        "sign_in_required",
    )
    .await;

    // Case does not matter in the email address.
    let response = browser.sign_in("Olivia@ACME.example", OWNER_PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let outcome: SignInOutcome = expect_json(response, 200).await;
    let SignInOutcome::SignedIn { session } = outcome else {
        panic!("{outcome:?}")
    };
    browser.adopt(&session);
    let current: SessionInfo = browser.get_ok("/api/v1/session").await;
    assert_eq!(current.user.email.as_str(), OWNER_EMAIL);

    let response = browser.post_empty("/api/v1/sign-out").await;
    assert_eq!(response.status(), 204);
    expect_error(
        browser.get("/api/v1/session").await,
        401,
        "sign_in_required",
    )
    .await;
    app.stop().await;
}

async fn repeated_failures_are_slowed_down(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let attacker = app.new_client();
    for _ in 0..5 {
        expect_error(
            attacker.sign_in(OWNER_EMAIL, "guess guess guess").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let response = attacker.sign_in(OWNER_EMAIL, "guess guess guess").await;
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    let message = expect_error(response, 429, "too_many_attempts").await;
    assert!(message.contains("Try again in"), "{message}");
    // Even the right password waits: the wait protects the account, not the guess.
    expect_error(
        attacker.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await,
        429,
        "too_many_attempts",
    )
    .await;
    // Another account from another address is not affected.
    expect_error(
        app.new_client().sign_in("someone@acme.example", "x").await,
        401,
        "invalid_credentials",
    )
    .await;
    app.stop().await;
}

async fn sessions_end_when_idle_or_too_old(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let laptop = app.new_client();
    laptop.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let phone = app.new_client();
    phone.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let _: SessionInfo = laptop.get_ok("/api/v1/session").await;

    // Past the absolute limit (as if 30 days went by).
    let devices: Vec<Device> = laptop.get_ok("/api/v1/me/devices").await;
    let laptop_id = devices.iter().find(|d| d.current).unwrap().id;
    app.execute(&format!(
        "UPDATE sessions SET expires_at = 1 WHERE id = {laptop_id}"
    ))
    .await;
    expect_error(laptop.get("/api/v1/session").await, 401, "session_expired").await;
    // …and then gone.
    expect_error(laptop.get("/api/v1/session").await, 401, "sign_in_required").await;

    // Idle for longer than the idle limit (72 hours by default).
    let devices: Vec<Device> = phone.get_ok("/api/v1/me/devices").await;
    let phone_id = devices.iter().find(|d| d.current).unwrap().id;
    app.execute(&format!(
        "UPDATE sessions SET last_seen_at = last_seen_at - 73 * 3600 * 1000 WHERE id = {phone_id}"
    ))
    .await;
    expect_error(phone.get("/api/v1/session").await, 401, "session_expired").await;
    app.stop().await;
}

async fn signing_out_another_device_ends_it_at_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let firefox = ApiClient::with_user_agent(
        &app.address,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    );
    firefox.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let third = app.new_client();
    third.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;

    let devices: Vec<Device> = app.api.get_ok("/api/v1/me/devices").await;
    assert_eq!(devices.len(), 3);
    assert_eq!(devices.iter().filter(|d| d.current).count(), 1);
    let other = devices
        .iter()
        .find(|d| d.browser == "Firefox 128")
        .expect("the Firefox device");
    assert!(other.os.starts_with("Windows"), "{other:?}");
    assert_eq!(other.ip, "127.0.0.1");

    let current = devices.iter().find(|d| d.current).unwrap();
    expect_error(
        app.api
            .delete(&format!("/api/v1/me/devices/{}", current.id))
            .await,
        422,
        "current_device",
    )
    .await;
    assert_eq!(
        app.api
            .delete(&format!("/api/v1/me/devices/{}", other.id))
            .await
            .status(),
        204
    );
    expect_error(
        firefox.get("/api/v1/session").await,
        401,
        "sign_in_required",
    )
    .await;
    expect_error(
        app.api
            .delete(&format!("/api/v1/me/devices/{}", other.id))
            .await,
        404,
        "not_found",
    )
    .await;

    assert_eq!(
        app.api
            .post_empty("/api/v1/me/devices/sign-out-others")
            .await
            .status(),
        204
    );
    expect_error(third.get("/api/v1/session").await, 401, "sign_in_required").await;
    let devices: Vec<Device> = app.api.get_ok("/api/v1/me/devices").await;
    assert_eq!(devices.len(), 1);
    app.stop().await;
}

async fn changing_the_password_signs_out_other_devices(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let other = app.new_client();
    other.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;

    let wrong =
        json!({ "current_password": "not it at all", "new_password": "a brand new secret" });
    expect_error(
        app.api.put("/api/v1/me/password", &wrong).await,
        422,
        "wrong_password",
    )
    .await;
    let weak = json!({ "current_password": OWNER_PASSWORD, "new_password": "short" });
    expect_error(
        app.api.put("/api/v1/me/password", &weak).await,
        422,
        "invalid_body",
    )
    .await;
    let _: SessionInfo = other.get_ok("/api/v1/session").await;

    let good = json!({ "current_password": OWNER_PASSWORD, "new_password": "a brand new secret" });
    assert_eq!(
        app.api.put("/api/v1/me/password", &good).await.status(),
        204
    );
    expect_error(other.get("/api/v1/session").await, 401, "sign_in_required").await;
    let _: SessionInfo = app.api.get_ok("/api/v1/session").await;
    expect_error(
        app.new_client().sign_in(OWNER_EMAIL, OWNER_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    // The person is told by email, in case it was not them.
    let mail = app
        .mail_to(OWNER_EMAIL, "Your Roster password was changed")
        .await;
    assert!(mail.text.contains("Sign-in & Security"), "{}", mail.text);
    app.new_client()
        .sign_in_ok(OWNER_EMAIL, "a brand new secret")
        .await;
    app.stop().await;
}

async fn the_name_can_be_changed(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let updated: SessionInfo = expect_json(
        app.api
            .put("/api/v1/me/name", &json!({ "name": "  Olivia Ortega " }))
            .await,
        200,
    )
    .await;
    assert_eq!(updated.user.name.as_str(), "Olivia Ortega");
    let current: SessionInfo = app.api.get_ok("/api/v1/session").await;
    assert_eq!(current.user.name.as_str(), "Olivia Ortega");
    let error = expect_error(
        app.api.put("/api/v1/me/name", &json!({ "name": "" })).await,
        422,
        "invalid_body",
    )
    .await;
    assert_eq!(error, "name: enter a name");
    app.stop().await;
}

async fn two_factor_codes_are_required_once_enrolled(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let enrolment: TotpEnrolment =
        expect_json(app.api.post_empty("/api/v1/me/totp").await, 200).await;
    assert!(enrolment.otpauth_url.contains(&enrolment.secret));
    assert!(enrolment.qr_svg.contains("<svg"));
    expect_error(
        app.api
            .post("/api/v1/me/totp/confirm", &json!({ "code": "000000" }))
            .await,
        422,
        "invalid_code",
    )
    .await;
    let codes: RecoveryCodes = expect_json(
        app.api
            .post(
                "/api/v1/me/totp/confirm",
                &json!({ "code": totp::code(&enrolment.secret, 0) }),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(codes.codes.len(), 10);
    let current: SessionInfo = app.api.get_ok("/api/v1/session").await;
    assert!(current.totp_enabled);

    // Signing in now asks for a code.
    let phone = app.new_client();
    let outcome: SignInOutcome =
        expect_json(phone.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await, 200).await;
    let SignInOutcome::TotpRequired { challenge } = outcome else {
        panic!("{outcome:?}")
    };
    expect_error(phone.get("/api/v1/session").await, 401, "sign_in_required").await;
    expect_error(
        phone
            .post(
                "/api/v1/sign-in/totp",
                &json!({ "challenge": challenge, "code": "123456" }),
            )
            .await,
        401,
        "invalid_code",
    )
    .await;
    // The confirmation used the current step; the next one signs in.
    let next = totp::code(&enrolment.secret, 1);
    let outcome: SignInOutcome = expect_json(
        phone
            .post(
                "/api/v1/sign-in/totp",
                &json!({ "challenge": challenge, "code": next }),
            )
            .await,
        200,
    )
    .await;
    assert!(matches!(outcome, SignInOutcome::SignedIn { .. }));
    let _: SessionInfo = phone.get_ok("/api/v1/session").await;
    // The challenge is used up.
    expect_error(
        phone
            .post(
                "/api/v1/sign-in/totp",
                &json!({ "challenge": challenge, "code": next }),
            )
            .await,
        401,
        "challenge_expired",
    )
    .await;

    // A replayed code is refused; a recovery code works once.
    let tablet = app.new_client();
    let SignInOutcome::TotpRequired { challenge } =
        expect_json(tablet.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await, 200).await
    else {
        panic!("a code is required")
    };
    expect_error(
        tablet
            .post(
                "/api/v1/sign-in/totp",
                &json!({ "challenge": challenge, "code": next }),
            )
            .await,
        401,
        "invalid_code",
    )
    .await;
    let recovery = codes.codes[0].to_uppercase();
    let outcome: SignInOutcome = expect_json(
        tablet
            .post(
                "/api/v1/sign-in/totp",
                &json!({ "challenge": challenge, "code": recovery }),
            )
            .await,
        200,
    )
    .await;
    assert!(matches!(outcome, SignInOutcome::SignedIn { .. }));
    let again = app.new_client();
    let SignInOutcome::TotpRequired { challenge } =
        expect_json(again.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await, 200).await
    else {
        panic!("a code is required")
    };
    expect_error(
        again
            .post(
                "/api/v1/sign-in/totp",
                &json!({ "challenge": challenge, "code": codes.codes[0] }),
            )
            .await,
        401,
        "invalid_code",
    )
    .await;

    // Turning it off needs the password.
    expect_error(
        app.api
            .delete_json("/api/v1/me/totp", &json!({ "password": "nope nope nope" }))
            .await,
        422,
        "wrong_password",
    )
    .await;
    assert_eq!(
        app.api
            .delete_json("/api/v1/me/totp", &json!({ "password": OWNER_PASSWORD }))
            .await
            .status(),
        204
    );
    app.new_client()
        .sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    app.stop().await;
}

async fn state_changes_need_the_csrf_token(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let token = app.api.csrf();
    app.api.set_csrf(None);
    expect_error(
        app.api
            .put("/api/v1/me/name", &json!({ "name": "Mallory" }))
            .await,
        403,
        "csrf_failed",
    )
    .await;
    app.api.set_csrf(Some("0".repeat(64)));
    expect_error(
        app.api
            .put("/api/v1/me/name", &json!({ "name": "Mallory" }))
            .await,
        403,
        "csrf_failed",
    )
    .await;
    app.api.set_csrf(token);
    let current: SessionInfo = expect_json(
        app.api
            .put("/api/v1/me/name", &json!({ "name": "Olivia" }))
            .await,
        200,
    )
    .await;
    assert_eq!(current.user.name.as_str(), "Olivia");
    // Reading needs no token.
    app.api.set_csrf(None);
    let _: SessionInfo = app.api.get_ok("/api/v1/session").await;
    app.stop().await;
}

async fn requests_from_other_sites_are_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let response = app
        .new_client()
        .request(reqwest::Method::POST, "/api/v1/sign-in")
        .header("origin", "https://evil.example")
        .json(&json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }))
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "cross_site_request").await;
    let response = app
        .new_client()
        .request(reqwest::Method::POST, "/api/v1/sign-in")
        .header("sec-fetch-site", "cross-site")
        .json(&json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }))
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "cross_site_request").await;
    app.stop().await;
}

async fn every_identity_endpoint_needs_a_session(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let stranger = app.new_client();
    for (method, path) in [
        ("GET", "/api/v1/session"),
        ("POST", "/api/v1/sign-out"),
        ("PUT", "/api/v1/me/name"),
        ("PUT", "/api/v1/me/password"),
        ("GET", "/api/v1/me/devices"),
        ("DELETE", "/api/v1/me/devices/1"),
        ("POST", "/api/v1/me/devices/sign-out-others"),
        ("POST", "/api/v1/me/totp"),
        ("DELETE", "/api/v1/me/totp"),
        ("POST", "/api/v1/me/totp/confirm"),
        ("GET", "/api/v1/me/passkeys"),
        ("POST", "/api/v1/me/passkeys"),
        ("POST", "/api/v1/me/passkeys/registration"),
        ("DELETE", "/api/v1/me/passkeys/1"),
    ] {
        let response = stranger
            .request(method.parse().unwrap(), path)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{method} {path}");
    }
    app.stop().await;
}
