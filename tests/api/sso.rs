//! Single sign-on against a real OpenID provider on loopback (`oidc-provider`, see
//! `roster_tests::oidc`): an Owner sets it up, an invited person signs in through it and joins,
//! and every answer that must not sign anyone in does not (unverified address, another domain,
//! no access, wrong state or nonce, replayed, cancelled, expired or future ID token, provider
//! down). Requiring the provider refuses the passwords and passkeys of the people it covers
//! only.

use roster_shared::account::AccountId;
use roster_shared::api::{
    Device, InvitationView, PasskeyCeremony, SeatOverview, SessionInfo, SsoConnectionTest, SsoJoin,
    SsoRedirect, SsoSettings,
};
use roster_shared::role::JoinRole;
use roster_shared::role::Role;
use roster_tests::dns::DnsServer;
use roster_tests::oidc::{Account, CLIENT_ID, CLIENT_SECRET, OidcProvider, sign_in_at_provider};
use roster_tests::passkey::SoftPasskey;
use roster_tests::{
    ApiClient, Engine, MEMBER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines,
    expect_error, expect_json,
};
use serde_json::json;

engines!(
    an_invited_person_signs_in_through_the_provider_and_joins,
    what_the_provider_answers_must_verify,
    an_expired_or_future_id_token_is_refused,
    a_provider_that_is_down_stops_no_one_else,
    requiring_the_provider_refuses_passwords_of_the_people_it_covers,
    only_owners_of_the_top_level_account_set_it_up,
    a_domain_is_verified_by_its_dns_record,
    people_in_the_domain_join_without_an_invitation_once_an_owner_allows_it,
    joining_is_chosen_by_owners_never_as_owner_and_on_open_accounts_only,
);

const DOMAIN: &str = "acme.example";

fn accounts() -> Vec<Account<'static>> {
    vec![
        Account {
            login: "olivia",
            email: OWNER_EMAIL,
            email_verified: true,
            name: "Olivia Owner",
        },
        Account {
            login: "ana",
            email: "ana@acme.example",
            email_verified: true,
            name: "Ana López",
        },
        Account {
            login: "eve",
            email: "eve@acme.example",
            email_verified: false,
            name: "Eve",
        },
        Account {
            login: "zed",
            email: "zed@acme.example",
            email_verified: true,
            name: "Zed",
        },
        Account {
            login: "kim",
            email: "kim@acme.example",
            email_verified: true,
            name: "Kim Park",
        },
        Account {
            login: "lee",
            email: "lee@acme.example",
            email_verified: true,
            name: "Lee",
        },
        Account {
            login: "mallory",
            email: "mallory@elsewhere.example",
            email_verified: true,
            name: "Mallory",
        },
    ]
}

fn redirect_uri(app: &TestApp) -> String {
    app.url("/api/v1/sso/callback")
}

/// The Owner enters `provider` for Acme, and the operator vouches for acme.example.
async fn set_up(app: &TestApp, acme: AccountId, provider: &OidcProvider) -> SsoSettings {
    provider.configure_for(app, acme, DOMAIN).await
}

/// "Continue with SSO" as `email`, signed in at the provider as `login`: the URL the provider
/// sends the browser back to.
async fn through_provider(browser: &ApiClient, email: &str, login: &str) -> String {
    let redirect = continue_with_sso(browser, email).await;
    sign_in_at_provider(&redirect.url, login).await
}

/// "Continue with SSO" as `email`: where Roster sends the browser.
async fn continue_with_sso(browser: &ApiClient, email: &str) -> SsoRedirect {
    expect_json(
        browser
            .post("/api/v1/sso/start", &json!({ "email": email }))
            .await,
        200,
    )
    .await
}

/// Opens the way back in `browser`: where Roster sends it next.
async fn come_back(browser: &ApiClient, callback: &str) -> String {
    let response = browser
        .request(
            reqwest::Method::GET,
            &callback[callback.find("/api/").unwrap()..],
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{callback}");
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn an_invited_person_signs_in_through_the_provider_and_joins(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let provider = OidcProvider::start(&redirect_uri(&app), &accounts()).await;
    let settings = set_up(&app, acme, &provider).await;
    assert_eq!(settings.redirect_uri, redirect_uri(&app));
    assert_eq!(
        settings.provider.as_ref().map(|p| p.client_id.as_str()),
        Some(CLIENT_ID)
    );
    // The secret is sealed at rest, and never shown again.
    let stored: String = sqlx::query_scalar("SELECT client_secret FROM sso_providers")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert!(!stored.contains(CLIENT_SECRET) && stored.starts_with("v1."));
    let tested: SsoConnectionTest = expect_json(
        app.api
            .post_empty(&format!("/api/v1/accounts/{}/sso/test", acme.0))
            .await,
        200,
    )
    .await;
    assert_eq!(tested.issuer, provider.issuer);
    assert!(tested.signing_keys >= 1);

    app.invite(
        acme,
        &["ana@acme.example", "bo@partner.example"],
        &[(Role::Basic, &[acme])],
    )
    .await;
    // The invitation page offers the provider for the address it covers only.
    for (email, offered) in [("ana@acme.example", true), ("bo@partner.example", false)] {
        let token = app.invitation_token(email).await;
        let view: InvitationView = expect_json(
            app.new_client()
                .post("/api/v1/invitations/inspect", &json!({ "token": token }))
                .await,
            200,
        )
        .await;
        assert_eq!(view.sso, offered, "{email}");
    }
    let browser = app.new_client();
    let callback = through_provider(&browser, "ana@acme.example", "ana").await;
    assert!(callback.starts_with(&redirect_uri(&app)), "{callback}");
    assert_eq!(come_back(&browser, &callback).await, "/");
    let session: SessionInfo = browser.get_ok("/api/v1/session").await;
    browser.adopt(&session);
    assert_eq!(session.user.email.as_str(), "ana@acme.example");
    assert_eq!(
        session.user.name.as_str(),
        "Ana López",
        "the provider's name"
    );
    assert_eq!(session.last_account, Some(acme));
    let devices: Vec<Device> = browser.get_ok("/api/v1/me/devices").await;
    assert_eq!(devices[0].method.as_str(), "sso");
    // She has no Roster password: a passkey cannot be added with one, and she is told why.
    let message = expect_error(
        browser
            .post(
                "/api/v1/me/passkeys/registration",
                &json!({ "password": "anything at all" }),
            )
            .await,
        422,
        "invalid_body",
    )
    .await;
    assert!(message.contains("Forgot password"), "{message}");
    // She joined: the invitation is accepted, in the audit log under her name.
    let audit: serde_json::Value = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/audit", acme.0))
        .await;
    let audit = audit.to_string();
    for entry in [
        "Ana López (ana@acme.example) accepted the invitation through single sign-on",
        "Olivia Owner set the identity provider to http://127.0.0.1:",
        "The operator verified the email domain acme.example",
    ] {
        assert!(audit.contains(entry), "{entry} in {audit}");
    }
    // Once a member, the provider signs her in again (no invitation needed any more).
    let again = app.new_client();
    let callback = through_provider(&again, "ana@acme.example", "ana").await;
    assert_eq!(come_back(&again, &callback).await, "/");
    let _: SessionInfo = again.get_ok("/api/v1/session").await;
    provider.stop().await;
    app.stop().await;
}

async fn what_the_provider_answers_must_verify(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let provider = OidcProvider::start(&redirect_uri(&app), &accounts()).await;
    set_up(&app, acme, &provider).await;
    app.invite(
        acme,
        &["eve@acme.example", "ana@acme.example"],
        &[(Role::Basic, &[acme])],
    )
    .await;
    let failed = async |email: &str, login: &str| {
        let browser = app.new_client();
        let callback = through_provider(&browser, email, login).await;
        let location = come_back(&browser, &callback).await;
        expect_error(
            browser.get("/api/v1/session").await,
            401,
            "sign_in_required",
        )
        .await;
        location
    };
    // The provider has not verified Eve's address: Roster cannot trust it.
    assert_eq!(
        failed("eve@acme.example", "eve").await,
        "/sign-in?sso=email_unverified"
    );
    // Signed in at the provider as someone outside the verified domains.
    assert_eq!(
        failed("ana@acme.example", "mallory").await,
        "/sign-in?sso=wrong_domain"
    );
    // In the domain, but neither a member nor invited.
    assert_eq!(
        failed("zed@acme.example", "zed").await,
        "/sign-in?sso=no_access"
    );
    // Zed joins another organisation: Acme's provider still does not sign him in (it vouches
    // for Acme's people, not for a Globex member's session).
    let (globex, _, gina) = app
        .other_organisation("Globex", "gina@globex.example")
        .await;
    let _: serde_json::Value = expect_json(
        gina.post(
            &format!("/api/v1/accounts/{}/invitations", globex.0),
            &json!({ "emails": ["zed@acme.example"], "grants": [{ "role": "basic", "accounts": [globex] }] }),
        )
        .await,
        200,
    )
    .await;
    app.accept_as_new("zed@acme.example", "Zed").await;
    assert_eq!(
        failed("zed@acme.example", "zed").await,
        "/sign-in?sso=no_access"
    );

    // A state Roster never sent, and a way back used twice.
    let browser = app.new_client();
    let callback = through_provider(&browser, "ana@acme.example", "ana").await;
    let url = url::Url::parse(&callback).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let forged = format!("/api/v1/sso/callback?code={code}&state=not-ours");
    assert_eq!(
        come_back(&browser, &app.url(&forged)).await,
        "/sign-in?sso=expired"
    );
    assert_eq!(come_back(&browser, &callback).await, "/");
    let other = app.new_client();
    assert_eq!(
        come_back(&other, &callback).await,
        "/sign-in?sso=expired",
        "a way back works once"
    );
    expect_error(other.get("/api/v1/session").await, 401, "sign_in_required").await;

    // The ID token carries another nonce than the one Roster sent (the authorization request
    // was tampered with on its way).
    let browser = app.new_client();
    let redirect = continue_with_sso(&browser, "ana@acme.example").await;
    let mut tampered = url::Url::parse(&redirect.url).unwrap();
    let pairs: Vec<(String, String)> = tampered
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "nonce" {
                "another-nonce".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(&pairs);
    let callback = sign_in_at_provider(tampered.as_str(), "ana").await;
    assert_eq!(come_back(&browser, &callback).await, "/sign-in?sso=failed");

    // Cancelled at the provider.
    let browser = app.new_client();
    let redirect = continue_with_sso(&browser, "ana@acme.example").await;
    let state = url::Url::parse(&redirect.url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let cancelled = format!("/api/v1/sso/callback?error=access_denied&state={state}");
    assert_eq!(
        come_back(&browser, &app.url(&cancelled)).await,
        "/sign-in?sso=cancelled"
    );

    // An address whose domain no organisation verified: the same answer whether or not
    // anyone has it.
    for email in ["mallory@elsewhere.example", "nobody@elsewhere.example"] {
        let message = expect_error(
            app.new_client()
                .post("/api/v1/sso/start", &json!({ "email": email }))
                .await,
            422,
            "sso_not_configured",
        )
        .await;
        assert!(message.contains("elsewhere.example"), "{message}");
    }
    provider.stop().await;
    app.stop().await;
}

async fn an_expired_or_future_id_token_is_refused(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    app.invite(acme, &["ana@acme.example"], &[(Role::Basic, &[acme])])
        .await;
    // Its clock five minutes behind, and ID tokens valid two: every one it signs expired three
    // minutes ago (beyond the minute of slack). Then an hour ahead: issued in the future.
    let mut first = true;
    for offset in [-300, 3600] {
        let provider =
            OidcProvider::start_with_clock(&redirect_uri(&app), &accounts(), offset, 120).await;
        if first {
            set_up(&app, acme, &provider).await;
            first = false;
        } else {
            let _: SsoSettings = expect_json(
                app.api
                    .put(
                        &format!("/api/v1/accounts/{}/sso/provider", acme.0),
                        &json!({ "issuer": provider.issuer, "client_id": CLIENT_ID }),
                    )
                    .await,
                200,
            )
            .await;
        }
        let browser = app.new_client();
        let callback = through_provider(&browser, "ana@acme.example", "ana").await;
        assert_eq!(
            come_back(&browser, &callback).await,
            "/sign-in?sso=failed",
            "clock offset {offset}"
        );
        provider.stop().await;
    }
    app.stop().await;
}

async fn a_provider_that_is_down_stops_no_one_else(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let provider = OidcProvider::start(&redirect_uri(&app), &accounts()).await;
    set_up(&app, acme, &provider).await;
    provider.stop().await;
    let message = expect_error(
        app.new_client()
            .post("/api/v1/sso/start", &json!({ "email": "ana@acme.example" }))
            .await,
        502,
        "provider_unreachable",
    )
    .await;
    assert!(message.contains("identity provider"), "{message}");
    expect_error(
        app.api
            .post_empty(&format!("/api/v1/accounts/{}/sso/test", acme.0))
            .await,
        502,
        "provider_unreachable",
    )
    .await;
    // Passwords work as before.
    app.new_client()
        .sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    app.stop().await;
}

async fn requiring_the_provider_refuses_passwords_of_the_people_it_covers(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let provider = OidcProvider::start(&redirect_uri(&app), &accounts()).await;
    set_up(&app, acme, &provider).await;
    app.invite(acme, &["bo@partner.example"], &[(Role::Admin, &[acme])])
        .await;
    app.accept_as_new("bo@partner.example", "Bo").await;
    // Olivia has a passkey from before.
    let origin = app.address.replace("127.0.0.1", "localhost");
    let mut passkey = SoftPasskey::new();
    let ceremony: PasskeyCeremony = expect_json(
        app.api
            .post(
                "/api/v1/me/passkeys/registration",
                &json!({ "password": OWNER_PASSWORD }),
            )
            .await,
        200,
    )
    .await;
    let credential = passkey.register(&ceremony.options, &origin);
    let _: serde_json::Value = expect_json(
        app.api
            .post(
                "/api/v1/me/passkeys",
                &json!({ "ceremony": ceremony.ceremony, "name": "Laptop", "credential": credential }),
            )
            .await,
        201,
    )
    .await;
    let settings: SsoSettings = expect_json(
        app.api
            .put(
                &format!("/api/v1/accounts/{}/sso/policy", acme.0),
                &json!({ "required": true }),
            )
            .await,
        200,
    )
    .await;
    assert!(settings.required);
    let audit: serde_json::Value = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/audit", acme.0))
        .await;
    assert!(
        audit
            .to_string()
            .contains("Olivia Owner required single sign-on for the verified domains"),
        "{audit}"
    );
    // Olivia's address is in acme.example: her password is refused, once it is right (a
    // wrong one is just wrong, so guessing learns nothing).
    expect_error(
        app.new_client()
            .sign_in(OWNER_EMAIL, "not the password")
            .await,
        401,
        "invalid_credentials",
    )
    .await;
    let message = expect_error(
        app.new_client().sign_in(OWNER_EMAIL, OWNER_PASSWORD).await,
        403,
        "sso_required",
    )
    .await;
    assert!(message.contains("Continue with SSO"), "{message}");
    // Her passkey too.
    let browser = app.new_client();
    let ceremony: PasskeyCeremony = expect_json(
        browser
            .post_empty("/api/v1/sign-in/passkey/challenge")
            .await,
        200,
    )
    .await;
    let credential = passkey.sign_in(&ceremony.options, &origin);
    expect_error(
        browser
            .post(
                "/api/v1/sign-in/passkey",
                &json!({ "ceremony": ceremony.ceremony, "credential": credential }),
            )
            .await,
        403,
        "sso_required",
    )
    .await;
    // Bo's address is not in a verified domain: his password still works.
    app.new_client()
        .sign_in_ok("bo@partner.example", MEMBER_PASSWORD)
        .await;
    // Olivia signs in through the provider.
    let browser = app.new_client();
    let callback = through_provider(&browser, OWNER_EMAIL, "olivia").await;
    assert_eq!(come_back(&browser, &callback).await, "/");
    let session: SessionInfo = browser.get_ok("/api/v1/session").await;
    assert_eq!(session.user.email.as_str(), OWNER_EMAIL);
    // Not required any more: the password works again.
    browser.adopt(&session);
    let _: SsoSettings = expect_json(
        browser
            .put(
                &format!("/api/v1/accounts/{}/sso/policy", acme.0),
                &json!({ "required": false }),
            )
            .await,
        200,
    )
    .await;
    app.new_client()
        .sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    provider.stop().await;
    app.stop().await;
}

async fn only_owners_of_the_top_level_account_set_it_up(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let support = app.sub_account(acme, "Support").await;
    app.invite(acme, &["ada@acme.example"], &[(Role::Admin, &[acme])])
        .await;
    let admin = app.accept_as_new("ada@acme.example", "Ada").await;
    let path = format!("/api/v1/accounts/{}/sso", acme.0);
    expect_error(admin.get(&path).await, 403, "not_an_owner").await;
    expect_error(
        admin
            .post(
                &format!("{path}/domains"),
                &json!({ "domain": "acme.example" }),
            )
            .await,
        403,
        "not_an_owner",
    )
    .await;
    expect_error(
        app.api
            .get(&format!("/api/v1/accounts/{}/sso", support.0))
            .await,
        404,
        "not_found",
    )
    .await;
    // A program, even one acting as an Owner, does not decide who an address is.
    let token = app.api.api_token(acme, "Robot", Role::Owner).await.token;
    let response = reqwest::Client::new()
        .get(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "session-only");
    // Policy without a provider; a provider that does not answer is not saved.
    expect_error(
        app.api
            .put(&format!("{path}/policy"), &json!({ "required": true }))
            .await,
        409,
        "sso_not_configured",
    )
    .await;
    for (issuer, status, code) in [
        ("http://127.0.0.1:9", 502, "provider_unreachable"),
        ("http://idp.example.com", 422, "invalid_body"),
    ] {
        let provider = json!({ "issuer": issuer, "client_id": "x", "client_secret": "y" });
        expect_error(
            app.api.put(&format!("{path}/provider"), &provider).await,
            status,
            code,
        )
        .await;
    }
    // A domain waits for its DNS record; another organisation cannot take a verified one.
    let settings: SsoSettings = expect_json(
        app.api
            .post(
                &format!("{path}/domains"),
                &json!({ "domain": " Acme.Example " }),
            )
            .await,
        200,
    )
    .await;
    let domain = &settings.domains[0];
    assert_eq!(domain.domain.as_str(), "acme.example");
    assert_eq!(domain.verified_at, None);
    assert_eq!(domain.txt_name, "_roster-challenge.acme.example");
    assert!(domain.txt_value.starts_with("roster-domain-verification="));
    let (globex, _, _) = app
        .other_organisation("Globex", "gina@globex.example")
        .await;
    roster_backend::operator::verify_domain(app.database_url(), globex.0, DOMAIN)
        .await
        .unwrap();
    assert!(
        roster_backend::operator::verify_domain(app.database_url(), acme.0, DOMAIN)
            .await
            .is_err(),
        "verified by Globex first"
    );
    assert!(
        roster_backend::operator::verify_domain(app.database_url(), support.0, "support.example")
            .await
            .is_err(),
        "domains belong to top-level accounts"
    );
    app.stop().await;
}

async fn a_domain_is_verified_by_its_dns_record(engine: Engine) {
    let dns = DnsServer::start().await;
    let app = TestApp::spawn_with(engine, |settings| {
        settings.dns_server = Some(dns.address);
    })
    .await;
    let acme = app
        .set_up()
        .await
        .last_account
        .expect("the new organisation");
    let path = format!("/api/v1/accounts/{}/sso/domains", acme.0);
    let settings: SsoSettings = expect_json(
        app.api
            .post(&path, &json!({ "domain": "acme.example" }))
            .await,
        200,
    )
    .await;
    let waiting = settings.domains[0].clone();
    let verify = async || {
        app.api
            .post_empty(&format!("{path}/acme.example/verify"))
            .await
    };
    // Not published yet, or published with another value: not verified.
    let message = expect_error(verify().await, 422, "domain_not_verified").await;
    assert!(message.contains(&waiting.txt_name), "{message}");
    dns.add_txt(
        &waiting.txt_name,
        "roster-domain-verification=someone-elses",
    );
    expect_error(verify().await, 422, "domain_not_verified").await;
    dns.add_txt(&waiting.txt_name, &waiting.txt_value);
    let settings: SsoSettings = expect_json(verify().await, 200).await;
    assert!(settings.domains[0].verified_at.is_some());
    let audit: serde_json::Value = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/audit", acme.0))
        .await;
    assert!(
        audit
            .to_string()
            .contains("verified the email domain acme.example (its DNS record)"),
        "{audit}"
    );

    // Another organisation proving the same domain later is refused: it is Acme's.
    let (globex, _, gina) = app
        .other_organisation("Globex", "gina@globex.example")
        .await;
    let theirs = format!("/api/v1/accounts/{}/sso/domains", globex.0);
    let settings: SsoSettings = expect_json(
        gina.post(&theirs, &json!({ "domain": "acme.example" }))
            .await,
        200,
    )
    .await;
    dns.add_txt(
        &settings.domains[0].txt_name,
        &settings.domains[0].txt_value,
    );
    expect_error(
        gina.post_empty(&format!("{theirs}/acme.example/verify"))
            .await,
        409,
        "domain_taken",
    )
    .await;
    // Globex reaches neither Acme's settings nor Acme's domain: removing its own waiting
    // acme.example leaves Acme's verified one.
    expect_error(
        gina.get(&path.replace("/domains", "")).await,
        404,
        "not_found",
    )
    .await;
    let settings: SsoSettings = expect_json(
        gina.delete_json(&format!("{theirs}/acme.example"), &json!({}))
            .await,
        200,
    )
    .await;
    assert!(settings.domains.is_empty());
    let ours: SsoSettings = app.api.get_ok(&path.replace("/domains", "")).await;
    assert!(ours.domains[0].verified_at.is_some());
    app.stop().await;
}

/// Signs in through the provider as `login` (`email`) in a new browser: where Roster sends it.
async fn sso_as(app: &TestApp, email: &str, login: &str) -> (ApiClient, String) {
    let browser = app.new_client();
    let callback = through_provider(&browser, email, login).await;
    let location = come_back(&browser, &callback).await;
    (browser, location)
}

/// `(account, role)` of everything `email` holds, by account.
async fn access_of(app: &TestApp, email: &str) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT m.account_id, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE u.email_key = $1 ORDER BY m.account_id",
    )
    .bind(email)
    .fetch_all(&app.db().await)
    .await
    .unwrap()
}

async fn audit_text(app: &TestApp, acme: AccountId) -> String {
    let audit: serde_json::Value = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/audit", acme.0))
        .await;
    audit.to_string()
}

async fn people_in_the_domain_join_without_an_invitation_once_an_owner_allows_it(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let support = app.sub_account(acme, "Support").await;
    let provider = OidcProvider::start(&redirect_uri(&app), &accounts()).await;
    let settings = set_up(&app, acme, &provider).await;
    let path = format!("/api/v1/accounts/{}/sso", acme.0);
    // Off by default: without an invitation, Zed is turned away.
    assert_eq!(settings.join, None);
    assert_eq!(
        sso_as(&app, "zed@acme.example", "zed").await.1,
        "/sign-in?sso=no_access"
    );
    // Kim was invited as an Admin, and the invitation ran out.
    app.invite(acme, &["kim@acme.example"], &[(Role::Admin, &[acme])])
        .await;
    // Its link, mailed before it ran out (the mail worker skips invitations no longer open).
    let kim_token = app.invitation_token("kim@acme.example").await;
    app.execute("UPDATE invitations SET expires_at = 1000, sent_at = 0")
        .await;
    app.execute("UPDATE tree_members SET invitation_expires_at = 1000 WHERE accepted_at IS NULL")
        .await;

    let settings: SsoSettings = expect_json(
        app.api
            .put(
                &format!("{path}/join"),
                &json!({ "join": { "role": "basic", "accounts": [acme, support, support] } }),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(
        settings.join,
        Some(SsoJoin {
            role: JoinRole::Basic,
            accounts: vec![acme, support]
        })
    );

    // Every seat taken: Zed is turned away, nothing of his is kept, and the Owners are told.
    let seats: SeatOverview = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/seats", acme.0))
        .await;
    let free = seats.seats.included + seats.seats.extra - seats.seats.used;
    let fillers: Vec<String> = (0..free).map(|i| format!("p{i}@example.com")).collect();
    let fillers: Vec<&str> = fillers.iter().map(String::as_str).collect();
    app.invite(acme, &fillers, &[(Role::Basic, &[acme])]).await;
    let (zed, location) = sso_as(&app, "zed@acme.example", "zed").await;
    assert_eq!(location, "/sign-in?sso=no_seat");
    expect_error(zed.get("/api/v1/session").await, 401, "sign_in_required").await;
    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_key = $1")
        .bind("zed@acme.example")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(known, 0, "no identity is made for someone turned away");
    assert!(
        audit_text(&app, acme).await.contains(
            "zed@acme.example signed in through single sign-on to join, but no seat is free: buy more seats to let them in"
        )
    );

    // An Owner buys one more: Zed joins with what the Owner chose, taking it.
    expect_json::<SeatOverview>(crate::seats::buy(&app, acme, 1).await, 200).await;
    let (zed, location) = sso_as(&app, "zed@acme.example", "zed").await;
    assert_eq!(location, "/");
    let session: SessionInfo = zed.get_ok("/api/v1/session").await;
    assert_eq!(session.user.name.as_str(), "Zed", "the provider's name");
    assert_eq!(session.last_account, Some(acme));
    assert_eq!(
        access_of(&app, "zed@acme.example").await,
        vec![(acme.0, "basic".into()), (support.0, "basic".into())]
    );
    let after: SeatOverview = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/seats", acme.0))
        .await;
    assert_eq!(after.seats.used, after.seats.included + after.seats.extra);
    // He is a member like any other: on the Users list, signed in again without joining again.
    let people: serde_json::Value = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=zed", acme.0))
        .await;
    assert!(people.to_string().contains("zed@acme.example"), "{people}");
    assert_eq!(sso_as(&app, "zed@acme.example", "zed").await.1, "/");

    // Kim's run-out invitation offered Admin: joining gives what the Owner chose, not that,
    // and the old invitation cannot be accepted any more. No seat is free again: buy one.
    expect_json::<SeatOverview>(crate::seats::buy(&app, acme, 1).await, 200).await;
    assert_eq!(sso_as(&app, "kim@acme.example", "kim").await.1, "/");
    assert_eq!(
        access_of(&app, "kim@acme.example").await,
        vec![(acme.0, "basic".into()), (support.0, "basic".into())]
    );
    expect_error(
        app.new_client()
            .post(
                "/api/v1/invitations/inspect",
                &json!({ "token": kim_token }),
            )
            .await,
        404,
        "not_found",
    )
    .await;

    let audit = audit_text(&app, acme).await;
    for entry in [
        "Olivia Owner let people in the verified domains join through single sign-on without an invitation, as Basic on Acme, Support",
        "Zed (zed@acme.example) joined through single sign-on, without an invitation (Basic on Acme, Basic on Support)",
        "Kim Park (kim@acme.example) joined through single sign-on, without an invitation",
        "Zed signed in with single sign-on",
        "Olivia Owner signed in with a password",
    ] {
        assert!(audit.contains(entry), "{entry} in {audit}");
    }

    // Turned off: Lee, with a seat free, is turned away again.
    let settings: SsoSettings = expect_json(
        app.api
            .put(&format!("{path}/join"), &json!({ "join": null }))
            .await,
        200,
    )
    .await;
    assert_eq!(settings.join, None);
    assert!(audit_text(&app, acme).await.contains(
        "Olivia Owner stopped people joining through single sign-on without an invitation"
    ));
    assert_eq!(
        sso_as(&app, "lee@acme.example", "lee").await.1,
        "/sign-in?sso=no_access"
    );
    provider.stop().await;
    app.stop().await;
}

async fn joining_is_chosen_by_owners_never_as_owner_and_on_open_accounts_only(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let support = app.sub_account(acme, "Support").await;
    let path = format!("/api/v1/accounts/{}/sso/join", acme.0);
    let join = |role: &str, accounts: Vec<AccountId>| json!({ "join": { "role": role, "accounts": accounts } });
    // Nothing to join through yet.
    expect_error(
        app.api.put(&path, &join("basic", vec![acme])).await,
        409,
        "sso_not_configured",
    )
    .await;
    let provider = OidcProvider::start(&redirect_uri(&app), &accounts()).await;
    set_up(&app, acme, &provider).await;
    // No one becomes an Owner by having an address in a domain.
    let message = expect_error(
        app.api.put(&path, &join("owner", vec![acme])).await,
        422,
        "invalid_body",
    )
    .await;
    assert!(
        message.contains("“owner” is not a role people may join with"),
        "{message}"
    );
    // Only this organisation's open accounts, and at least one.
    let (globex, _, globex_owner) = app
        .other_organisation("Globex", "gina@globex.example")
        .await;
    let archived = app.sub_account(acme, "Old").await;
    let archiving = app
        .api
        .post_empty(&format!("/api/v1/accounts/{}/archive", archived.0))
        .await;
    assert_eq!(archiving.status(), 204);
    for (accounts, says) in [
        (vec![acme, globex], "There is no account"),
        (vec![archived], "Old is archived"),
        (vec![], "Choose at least one account"),
    ] {
        let message = expect_error(
            app.api.put(&path, &join("admin", accounts)).await,
            422,
            "invalid_body",
        )
        .await;
        assert!(message.contains(says), "{message}");
    }
    // An Admin of the organisation, of a sub-account, or a program do not choose it.
    app.invite(acme, &["ada@acme.example"], &[(Role::Admin, &[acme])])
        .await;
    let admin = app.accept_as_new("ada@acme.example", "Ada").await;
    expect_error(
        admin.put(&path, &join("basic", vec![acme])).await,
        403,
        "not_an_owner",
    )
    .await;
    app.invite(acme, &["sam@acme.example"], &[(Role::Owner, &[support])])
        .await;
    let sub_owner = app.accept_as_new("sam@acme.example", "Sam").await;
    expect_error(
        sub_owner
            .put(
                &format!("/api/v1/accounts/{}/sso/join", support.0),
                &join("basic", vec![support]),
            )
            .await,
        404,
        "not_found",
    )
    .await;
    // Acme itself is out of their sight.
    expect_error(
        sub_owner.put(&path, &join("admin", vec![support])).await,
        404,
        "not_found",
    )
    .await;
    let token = app.api.api_token(acme, "Robot", Role::Owner).await.token;
    let response = reqwest::Client::new()
        .put(app.url(&path))
        .bearer_auth(&token)
        .json(&join("basic", vec![acme]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "session-only");
    // Sign-ins are told to the organisations the person belongs to, and to no other.
    let globex_log = globex_owner
        .get_ok::<serde_json::Value>(&format!("/api/v1/accounts/{}/audit", globex.0))
        .await
        .to_string();
    assert!(
        globex_log.contains("Globex Owner signed in with a password"),
        "{globex_log}"
    );
    assert!(!globex_log.contains("Olivia"), "{globex_log}");
    assert!(!audit_text(&app, acme).await.contains("Globex Owner"));
    // Nothing of it was kept.
    let settings: SsoSettings = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/sso", acme.0))
        .await;
    assert_eq!(settings.join, None);

    // An account archived after the Owner chose it is left out when someone joins.
    let _: SsoSettings = expect_json(
        app.api
            .put(&path, &join("reporting", vec![acme, support]))
            .await,
        200,
    )
    .await;
    let archiving = app
        .api
        .post_empty(&format!("/api/v1/accounts/{}/archive", support.0))
        .await;
    assert_eq!(archiving.status(), 204);
    // Lee is already a member of Globex, with a name of his own: joining Acme adds Acme's
    // access only, and keeps his name (the provider's is for people Roster has none for).
    let _: serde_json::Value = expect_json(
        globex_owner
            .post(
                &format!("/api/v1/accounts/{}/invitations", globex.0),
                &json!({ "emails": ["lee@acme.example"], "grants": [{ "role": "basic", "accounts": [globex] }] }),
            )
            .await,
        200,
    )
    .await;
    app.accept_as_new("lee@acme.example", "Lee Globex").await;
    let (lee, location) = sso_as(&app, "lee@acme.example", "lee").await;
    assert_eq!(location, "/");
    let session: SessionInfo = lee.get_ok("/api/v1/session").await;
    assert_eq!(session.user.name.as_str(), "Lee Globex");
    assert_eq!(
        access_of(&app, "lee@acme.example").await,
        vec![(acme.0, "reporting".into()), (globex.0, "basic".into())]
    );
    provider.stop().await;
    app.stop().await;
}
