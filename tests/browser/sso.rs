//! Single sign-on in Chromium against a real OpenID provider (`oidc-provider` on loopback): an
//! invited person types their address, chooses Continue with SSO, signs in on the provider's
//! page and lands in Roster signed in; another accepts from the invitation page the same way;
//! a refusal comes back to the sign-in page with the reason; the Owner's Single sign-on
//! settings pass axe. Once the Owner lets people join without an invitation, someone in the
//! domain who was never invited signs in the same way and lands in with the chosen access.

use roster_shared::role::Role;
use roster_tests::browser::Browser;
use roster_tests::oidc::{Account, OidcProvider};
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, engines};
use serde_json::json;

use crate::accessibility::{axe_source, violations};

engines!(
    an_invited_person_continues_with_sso_and_lands_signed_in,
    someone_without_an_invitation_joins_once_the_owner_lets_them,
);

/// Signs in on the provider's own (development) sign-in form as `login`.
async fn sign_in_at_provider(browser: &Browser, provider: &OidcProvider, login: &str) {
    browser
        .wait_for_js(
            &format!(
                "return location.href.startsWith({:?}) && !!document.querySelector('input[name=login]');",
                provider.issuer
            ),
            json!(true),
        )
        .await;
    browser.fill("input[name=login]", login).await;
    browser.fill("input[name=password]", "any").await;
    browser.click("button[type=submit]").await;
}

/// A new browser on the sign-in page: `email` typed, Continue with SSO, and signed in on the
/// provider's form as `login`.
async fn continue_with_sso(
    app: &TestApp,
    provider: &OidcProvider,
    email: &str,
    login: &str,
) -> Browser {
    let browser = Browser::launch().await;
    browser.open(&app.url("/sign-in")).await;
    browser.fill("#email", email).await;
    browser.click("[data-test=sign-in-sso]").await;
    sign_in_at_provider(&browser, provider, login).await;
    browser
}

/// The Owner's browser on Settings › Single sign-on.
async fn sso_settings(app: &TestApp, acme: roster_shared::account::AccountId) -> Browser {
    let owner = Browser::launch().await;
    owner
        .sign_in_to_users(app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;
    owner
        .open(&app.url(&format!("/accounts/{}/single-sign-on", acme.0)))
        .await;
    owner
}

async fn an_invited_person_continues_with_sso_and_lands_signed_in(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let accounts = [
        Account {
            login: "ana",
            email: "ana@acme.example",
            email_verified: true,
            name: "Ana López",
        },
        Account {
            login: "ben",
            email: "ben@acme.example",
            email_verified: true,
            name: "Ben Okafor",
        },
        Account {
            login: "eve",
            email: "eve@acme.example",
            email_verified: false,
            name: "Eve",
        },
    ];
    let provider = OidcProvider::start(&app.url("/api/v1/sso/callback"), &accounts).await;
    provider.configure_for(&app, acme, "acme.example").await;
    app.invite(
        acme,
        &["ana@acme.example", "eve@acme.example", "ben@acme.example"],
        &[(Role::Basic, &[acme])],
    )
    .await;

    // Eve's provider has not verified her address: back to the sign-in page, told why.
    let browser = continue_with_sso(&app, &provider, "eve@acme.example", "eve").await;
    browser
        .wait_for_text_containing("[data-test=sso-error]", "not verified your email address")
        .await;

    browser.close().await;

    // Ana (another browser: Eve stays signed in at the provider in that one): from the sign-in
    // page to the provider and back, signed in, her invitation accepted.
    let browser = continue_with_sso(&app, &provider, "ana@acme.example", "ana").await;
    // Her first visit: the welcome page, under the name her provider gave.
    browser.wait_for_text("h1", "Welcome, Ana").await;
    assert_eq!(
        browser.text_of("[data-test=header-name]").await,
        "Ana López"
    );
    browser.close().await;

    // Ben opens his emailed invitation: it offers his organisation's provider instead of a
    // password to choose.
    let browser = Browser::launch().await;
    let token = app.invitation_token("ben@acme.example").await;
    browser
        .open(&app.url(&format!("/invitations/accept#token={token}")))
        .await;
    browser.click("[data-test=accept-with-sso]").await;
    sign_in_at_provider(&browser, &provider, "ben").await;
    browser.wait_for_text("h1", "Welcome, Ben").await;
    browser.close().await;

    // The Owner's settings: the provider, the verified domain, the policy.
    let axe = axe_source();
    let owner = sso_settings(&app, acme).await;
    owner
        .wait_for_text_containing("[data-test=sso-domain]", "Verified")
        .await;
    assert_eq!(
        owner.text_of("[data-test=sso-redirect-uri]").await,
        app.url("/api/v1/sso/callback")
    );
    owner.click("[data-test=sso-test]").await;
    owner
        .wait_for_text_containing("[data-test=sso-test-result]", "The provider answers")
        .await;
    let found = violations(&owner, &axe).await;
    assert!(found.is_empty(), "axe: {}", found.join("\n"));
    owner.click("[data-test=sso-required-toggle]").await;
    owner
        .wait_for_text_containing("[data-test=sso-policy]", "Required")
        .await;
    owner.close().await;
    provider.stop().await;
    app.stop().await;
}

async fn someone_without_an_invitation_joins_once_the_owner_lets_them(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let support = app.sub_account(acme, "Support").await;
    let accounts = [Account {
        login: "dan",
        email: "dan@acme.example",
        email_verified: true,
        name: "Dan Reyes",
    }];
    let provider = OidcProvider::start(&app.url("/api/v1/sso/callback"), &accounts).await;
    provider.configure_for(&app, acme, "acme.example").await;

    // Not invited, and joining is off: Dan is told to ask for an invitation.
    let dan = continue_with_sso(&app, &provider, "dan@acme.example", "dan").await;
    dan.wait_for_text_containing(
        "[data-test=sso-error]",
        "Ask an administrator to invite you",
    )
    .await;
    dan.close().await;

    // The Owner lets people join as Reporting on Support.
    let owner = sso_settings(&app, acme).await;
    owner
        .wait_for_text_containing("[data-test=sso-join-state]", "Off")
        .await;
    owner
        .wait_for_text_containing(
            "[data-test=sso-join-seats]",
            "Each person who joins takes a seat: 1 of",
        )
        .await;
    owner.select("#sso-join-role", "reporting").await;
    owner
        .click(&format!("#sso-join-accounts-{}", support.0))
        .await;
    owner.click("[data-test=sso-join-save]").await;
    owner
        .wait_for_text_containing(
            "[data-test=sso-join-state]",
            "joins with Reporting on Support.",
        )
        .await;
    let found = violations(&owner, &crate::accessibility::axe_source()).await;
    assert!(found.is_empty(), "axe: {}", found.join("\n"));

    // Dan signs in the same way again (in a new browser, signed out at the provider), and is in.
    let dan = continue_with_sso(&app, &provider, "dan@acme.example", "dan").await;
    dan.wait_for_text("h1", "Welcome, Dan").await;
    assert_eq!(dan.text_of("[data-test=header-name]").await, "Dan Reyes");
    dan.close().await;

    // The Owner sees him on the Users list, and turns joining off again.
    owner
        .open(&app.url(&format!("/accounts/{}/users", acme.0)))
        .await;
    owner
        .wait_for_text_containing("main", "dan@acme.example")
        .await;
    owner
        .open(&app.url(&format!("/accounts/{}/single-sign-on", acme.0)))
        .await;
    owner.click("[data-test=sso-join-off]").await;
    owner
        .wait_for_text_containing("[data-test=sso-join-state]", "Off")
        .await;
    owner.close().await;
    provider.stop().await;
    app.stop().await;
}
