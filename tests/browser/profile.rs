//! Profile Details as the person sees them: User Details saved at once with errors at their
//! fields, an email change confirmed from its link, notification preferences that really
//! notify (desktop notification, badge or title count, chime), lists that follow changes made
//! elsewhere, a session ended elsewhere, and the app starting with the server unreachable.

use std::path::PathBuf;
use std::time::Duration;

use roster_shared::account::AccountId;
use roster_shared::api::CreatedApiToken;
use roster_shared::role::Role;
use roster_tests::browser::Browser;
use roster_tests::team::link_token_in;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp, eventually, expect_json};
use serde_json::json;

const ENTER: &str = "\u{E007}";

fn shot(name: &str) -> PathBuf {
    let dir = PathBuf::from("/tmp/shots-profile");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir.join(format!("{name}.png"))
}

/// The link token in the newest mail to `to` whose subject contains `subject_part`.
async fn mailed_token(app: &TestApp, to: &str, subject_part: &str) -> String {
    link_token_in(&app.mail_to(to, subject_part).await.text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_details_are_saved_at_once_with_errors_at_their_fields() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser.open(&app.url("/profile")).await;
    browser.wait_for_text("h2", "User details").await;
    assert_eq!(browser.value_of("#profile-name").await, "Olivia Owner");
    assert_eq!(browser.value_of("#profile-email").await, OWNER_EMAIL);

    // Germany from the searchable country list, with the keyboard.
    browser.click("#profile-country").await;
    browser.type_keys("germ").await;
    browser.type_keys(ENTER).await;
    browser
        .wait_for_text("#profile-country span", "Germany (+49)")
        .await;
    assert_eq!(browser.focused_id().await, "profile-country");

    // Explained while typing: letters cannot be in a number (nothing is sent).
    browser.fill("#profile-mobile", "0151 2345 abc").await;
    browser.click("[data-test=profile-save]").await;
    let error = browser.text_of("#profile-mobile-error").await;
    assert!(
        error.starts_with("A phone number may contain only"),
        "{error}"
    );
    // Right in shape, but Germany's numbering plan has no such number: the server says so at
    // the field, and nothing is saved.
    browser.fill("#profile-name", "Olivia Ortega").await;
    browser.fill("#profile-mobile", "0123 456789").await;
    browser
        .wait_for_text("[data-test=mobile-e164]", "Saved as +49123456789")
        .await;
    browser.click("[data-test=profile-save]").await;
    browser
        .wait_for_text(
            "#profile-mobile-error",
            "This is not a valid number for Germany",
        )
        .await;
    assert_eq!(browser.count("#profile-name-error").await, 0);
    browser.screenshot(&shot("details-error")).await;
    let unchanged: roster_shared::api::MyProfile = app.api.get_ok("/api/v1/me/profile").await;
    assert_eq!(unchanged.name.as_str(), "Olivia Owner");

    browser.fill("#profile-mobile", "0151 2345 6789").await;
    browser
        .wait_for_text("[data-test=mobile-e164]", "Saved as +4915123456789")
        .await;
    browser.click("[data-test=profile-save]").await;
    browser
        .wait_for_text("[data-test=profile-saved]", "Saved.")
        .await;
    // Stored in E.164, shown so from now on.
    assert_eq!(browser.value_of("#profile-mobile").await, "+4915123456789");
    browser.screenshot(&shot("details-saved")).await;

    // After a reload, everything is as saved; the header has the new name too.
    browser.open(&app.url("/profile")).await;
    browser.wait_for_text("h2", "User details").await;
    assert_eq!(browser.value_of("#profile-name").await, "Olivia Ortega");
    assert_eq!(browser.value_of("#profile-mobile").await, "+4915123456789");
    assert_eq!(
        browser.text_of("#profile-country span").await,
        "Germany (+49)"
    );
    let header = browser.text_of("[data-test=header-name]").await;
    assert!(header.contains("Olivia Ortega"), "{header}");

    // Narrow screens stack the country and the number.
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await;
    browser.screenshot(&shot("details-narrow")).await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_email_counts_once_confirmed_from_its_link() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser.open(&app.url("/profile")).await;
    browser.fill("#profile-email", "olivia@new.example").await;
    browser.click("[data-test=profile-save]").await;
    let saved = browser.text_of("[data-test=profile-saved]").await;
    assert!(
        saved.contains("We sent a confirmation link to olivia@new.example"),
        "{saved}"
    );
    let pending = browser.text_of("[data-test=pending-email]").await;
    assert!(
        pending.contains("Waiting for confirmation: olivia@new.example")
            && pending.contains(&format!("you keep signing in with {OWNER_EMAIL}")),
        "{pending}"
    );
    // The field shows the address in use until the new one is confirmed.
    assert_eq!(browser.value_of("#profile-email").await, OWNER_EMAIL);
    browser.screenshot(&shot("email-pending")).await;

    let token = mailed_token(&app, "olivia@new.example", "Confirm your new email").await;
    browser
        .open(&app.url(&format!("/email/confirm#token={token}")))
        .await;
    browser
        .wait_for_text("[data-test=confirmed-email]", "olivia@new.example")
        .await;
    browser.wait_for_text("h1", "Email address confirmed").await;
    browser.screenshot(&shot("email-confirmed")).await;
    // Used once only.
    browser.open(&app.url("/profile")).await;
    browser.wait_for_text("h2", "User details").await;
    assert_eq!(
        browser.value_of("#profile-email").await,
        "olivia@new.example"
    );
    assert_eq!(browser.count("[data-test=pending-email]").await, 0);
    browser
        .open(&app.url(&format!("/email/confirm#token={token}")))
        .await;
    browser
        .wait_for_text("h1", "This link was already used")
        .await;
    browser.text_of("[data-test=email-used]").await;

    // An expired link says so, and the address stays.
    browser.open(&app.url("/profile")).await;
    browser.fill("#profile-email", "olivia@later.example").await;
    browser.click("[data-test=profile-save]").await;
    browser.text_of("[data-test=pending-email]").await;
    let late = mailed_token(&app, "olivia@later.example", "Confirm your new email").await;
    app.execute("UPDATE email_changes SET expires_at = 1 WHERE new_email = 'olivia@later.example'")
        .await;
    browser
        .open(&app.url(&format!("/email/confirm#token={late}")))
        .await;
    browser.wait_for_text("h1", "This link has expired").await;
    let expired = browser.text_of("[data-test=email-expired]").await;
    assert!(expired.contains("has not changed"), "{expired}");
    browser.screenshot(&shot("email-expired")).await;

    // Signed out, the new address signs in; the old one no longer does.
    browser.client.delete_all_cookies().await.unwrap();
    browser
        .sign_in_to_users(&app, "olivia@new.example", OWNER_PASSWORD, acme)
        .await;
    browser.close().await;
    app.stop().await;
}

async fn messaging_token(app: &TestApp, account: AccountId) -> String {
    let created: CreatedApiToken = expect_json(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/api-tokens", account.0),
                &json!({ "name": "Messaging", "max_role": Role::Basic }),
            )
            .await,
        201,
    )
    .await;
    created.token
}

async fn post_inbound(app: &TestApp, token: &str, account: AccountId, preview: &str) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/accounts/{}/inbound-messages", account.0)))
        .bearer_auth(token)
        .json(&json!({ "from": "+49 151 1234567", "preview": preview }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
}

/// Records what the app does instead of showing it: notifications shown, badge counts set,
/// chimes started (each oscillator is one chime).
const OBSERVE: &str = r#"
    window.__shown = [];
    const Real = window.Notification;
    window.Notification = class extends Real {
        constructor(title, options) { super(title, options); window.__shown.push(title + ' | ' + (options && options.body)); }
    };
    window.__chimes = 0;
    const oscillator = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function () { window.__chimes += 1; return oscillator.call(this); };
    window.__badges = [];
    navigator.setAppBadge = (n) => { window.__badges.push(n); return Promise.resolve(); };
    navigator.clearAppBadge = () => { window.__badges.push(0); return Promise.resolve(); };
    return true;
"#;

async fn toggle(browser: &Browser, id: &str) {
    browser.click(&format!("#{id}")).await;
    browser
        .wait_for_text("[data-test=preferences-saved]", "Saved.")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_messages_notify_as_the_person_chose() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let support = app.sub_account(acme, "Support").await;
    let token = messaging_token(&app, acme).await;
    let browser = Browser::launch().await;
    browser
        .cdp(
            "Browser.grantPermissions",
            json!({ "origin": app.address, "permissions": ["notifications"] }),
        )
        .await;
    browser.watch_event_streams().await;
    browser
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;
    browser.open(&app.url("/profile/notifications")).await;
    browser.wait_for_text("h2", "New inbound messages").await;
    assert!(!browser.is_checked("#pref-desktop").await);
    assert_eq!(browser.js(OBSERVE).await, json!(true));

    toggle(&browser, "pref-desktop").await;
    toggle(&browser, "pref-badge").await;
    toggle(&browser, "pref-sound").await;
    assert_eq!(browser.count("[data-test=permission-problem]").await, 0);
    browser.screenshot(&shot("preferences-on")).await;

    post_inbound(&app, &token, support, "Hi, my order has not arrived").await;
    browser
        .wait_for_js(
            "return window.__shown;",
            json!(["New message in Support | +49 151 1234567: Hi, my order has not arrived"]),
        )
        .await;
    browser
        .wait_for_js("return window.__badges.at(-1);", json!(1))
        .await;
    browser
        .wait_for_js("return window.__chimes;", json!(1))
        .await;
    post_inbound(&app, &token, support, "Hello?").await;
    browser
        .wait_for_js("return window.__badges.at(-1);", json!(2))
        .await;
    // Coming back to the app clears the count.
    browser
        .js("window.dispatchEvent(new Event('focus')); return true;")
        .await;
    browser
        .wait_for_js("return window.__badges.at(-1);", json!(0))
        .await;

    // Where the browser has no app badge, the tab's title counts.
    browser.js("delete navigator.setAppBadge; delete navigator.clearAppBadge; \
         delete Navigator.prototype.setAppBadge; delete Navigator.prototype.clearAppBadge; return true;",
    )
    .await;
    post_inbound(&app, &token, support, "Anyone there?").await;
    browser
        .wait_for_js("return document.title;", json!("(1) Roster"))
        .await;
    browser
        .js("window.dispatchEvent(new Event('focus')); return true;")
        .await;
    browser
        .wait_for_js("return document.title;", json!("Roster"))
        .await;
    browser
        .wait_for_js("return window.__chimes;", json!(3))
        .await;

    // All off: nothing fires.
    toggle(&browser, "pref-desktop").await;
    toggle(&browser, "pref-badge").await;
    toggle(&browser, "pref-sound").await;
    post_inbound(&app, &token, support, "Still nothing?").await;
    // Heard and handled, and still nothing.
    browser.wait_to_hear("inbound_message", 4).await;
    assert_eq!(
        browser
            .js("return [window.__shown.length, window.__chimes, document.title];")
            .await,
        json!([3, 3, "Roster"])
    );
    // Kept for the next visit.
    browser.open(&app.url("/profile/notifications")).await;
    browser.wait_for_text("h2", "New inbound messages").await;
    assert!(!browser.is_checked("#pref-sound").await);
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_on_desktop_notifications_explains_a_refusal() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser.open(&app.url("/profile/notifications")).await;
    browser.wait_for_text("h2", "New inbound messages").await;
    // The browser's answer is "no" (as after the person blocked the site).
    browser
        .js(
            "Object.defineProperty(Notification, 'permission', { get: () => 'denied' }); \
         Notification.requestPermission = () => Promise.resolve('denied'); return true;",
        )
        .await;
    browser.click("#pref-desktop").await;
    let explained = browser.text_of("[data-test=preferences-error]").await;
    assert!(explained.contains("blocks notifications"), "{explained}");
    assert!(!browser.is_checked("#pref-desktop").await);
    browser.screenshot(&shot("preferences-denied")).await;
    let stored: roster_shared::api::NotificationPreferences =
        app.api.get_ok("/api/v1/me/notifications").await;
    assert!(!stored.desktop);
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_list_follows_an_invitation_accepted_elsewhere() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    let status = "[data-test=person-row][data-email=\"ana@example.com\"] [data-test=status]";
    browser.wait_for_text(status, "Pending").await;
    // A mark that a reload would wipe.
    browser.js("window.__same_page = true; return true;").await;

    app.accept_as_new("ana@example.com", "Ana").await;
    browser.wait_for_text(status, "Active").await;
    assert_eq!(
        browser.js("return window.__same_page === true;").await,
        json!(true)
    );
    browser.close().await;
    app.stop().await;
}

/// Put in every page before the app starts: each event stream the app opens is held
/// (connecting, as on a slow network) until `window.__open_streams()` lets it connect.
const HOLD_EVENT_STREAMS: &str = r#"
(() => {
  const Real = window.EventSource;
  const held = [];
  class Held extends EventTarget {
    constructor(url) { super(); this.url = url; this.readyState = 0; this.real = null; held.push(this); }
    close() { this.readyState = 2; if (this.real) this.real.close(); }
    connect() {
      if (this.readyState === 2 || this.real) return;
      const real = new Real(this.url);
      this.real = real;
      const pass = (name, make) => real.addEventListener(name, (e) => {
        this.readyState = real.readyState;
        this.dispatchEvent(make(e));
      });
      pass('open', () => new Event('open'));
      pass('error', () => new Event('error'));
      for (const name of ['inbound_message', 'people_changed', 'access_changed', 'session_ended']) {
        pass(name, (e) => new MessageEvent(name, { data: e.data }));
      }
    }
  }
  Held.CONNECTING = 0; Held.OPEN = 1; Held.CLOSED = 2;
  window.EventSource = Held;
  window.__open_streams = () => { held.forEach((s) => s.connect()); return held.length; };
})();
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_before_the_event_stream_opened_still_shows() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    app.invite(acme, &["ana@example.com"], &[(Role::Basic, &[acme])])
        .await;
    let browser = Browser::launch().await;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": HOLD_EVENT_STREAMS }),
        )
        .await;
    browser
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;
    let status = "[data-test=person-row][data-email=\"ana@example.com\"] [data-test=status]";
    browser.wait_for_text(status, "Pending").await;

    // Accepted after the list loaded, before the stream was there to hear it.
    app.accept_as_new("ana@example.com", "Ana").await;
    let opened = browser.js("return window.__open_streams();").await;
    assert!(opened.as_u64().is_some_and(|n| n >= 1), "{opened}");
    browser.wait_for_text(status, "Active").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_elsewhere_shows_the_sign_in_page() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::launch().await;
    browser.watch_event_streams().await;
    browser
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;
    browser.open(&app.url("/profile")).await;
    browser.wait_for_text("h2", "User details").await;
    browser.wait_for_event_stream().await;
    let response = app
        .api
        .post_empty("/api/v1/me/devices/sign-out-others")
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    browser.wait_for_path("/sign-in").await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.query(), Some("next=/profile"));
    // Not without a word: the page says why.
    let said = browser.text_of("[data-test=session-ended]").await;
    assert!(said.contains("signed out from another device"), "{said}");
    browser.screenshot(&shot("signed-out-elsewhere")).await;
    // Signing in again brings the person back where they were.
    browser.fill("#email", OWNER_EMAIL).await;
    browser.fill("#password", OWNER_PASSWORD).await;
    browser.click("[data-test=sign-in-submit]").await;
    browser.wait_for_path("/profile").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_footer_says_when_the_browser_is_offline() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser.text_of("[data-test=health-status]").await;
    let network = |offline: bool| json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 });
    browser
        .cdp("Network.emulateNetworkConditions", network(true))
        .await;
    let note = browser.text_of("[data-test=offline]").await;
    assert!(note.contains("No network connection"), "{note}");
    assert_eq!(browser.count("[data-test=health-status]").await, 0);
    browser.screenshot(&shot("offline-indicator")).await;
    browser
        .cdp("Network.emulateNetworkConditions", network(false))
        .await;
    browser.wait_for_count("[data-test=offline]", 0).await;
    browser
        .wait_for_text("[data-test=health-status]", "Running")
        .await;
    browser.close().await;
    app.stop().await;
}

/// The server sends `/sw.js` with a Content-Security-Policy that lets the worker fetch from
/// its own origin (a worker script is governed by its own response's policy).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_starts_from_the_service_worker_without_the_server() {
    let mut app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.unwrap();
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    // The worker takes over the page once it has stored the shell.
    browser
        .wait_for_js("return !!navigator.serviceWorker.controller;", json!(true))
        .await;
    browser.js("caches.keys().then(async (names) => { const urls = []; \
           for (const n of names) { for (const r of await (await caches.open(n)).keys()) urls.push(new URL(r.url).pathname); } \
           return urls; }).then((u) => window.__cached = u); return true;",
    )
    .await;
    let cached = eventually("the cache's list", Duration::from_secs(10), || async {
        serde_json::from_value::<Vec<String>>(browser.js("return window.__cached;").await).ok()
    })
    .await;
    assert!(cached.iter().any(|p| p == "/"), "{cached:?}");
    assert!(cached.iter().any(|p| p.ends_with("_bg.wasm")), "{cached:?}");
    assert!(cached.iter().any(|p| p.ends_with(".css")), "{cached:?}");
    assert!(
        cached.iter().any(|p| p == "/icons/icon-192.png"),
        "{cached:?}"
    );
    assert!(!cached.iter().any(|p| p.starts_with("/api/")), "{cached:?}");

    // With the server gone, the app still starts (from the worker's cache) and explains,
    // instead of the browser's error page.
    let database = app.stop_server().await;
    browser.open(&app.url("/profile")).await;
    browser.wait_for_count("[data-test=health-error]", 1).await;
    browser.text_of(".brand-name").await;
    browser.screenshot(&shot("server-gone")).await;
    browser.close().await;
    database.remove().await;
}

/// Pages left behind stay in the back/forward cache; their event streams must not keep the
/// browser's few connections to the server (six per host), or every call would wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_left_behind_hold_no_connection() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    for round in 0..8u32 {
        let path = if round.is_multiple_of(2) {
            "/profile"
        } else {
            "/profile/devices"
        };
        browser.open(&app.url(path)).await;
        browser.text_of("h2").await;
        browser.js("window.__answer = 'waiting'; fetch('/api/v1/health').then((r) => window.__answer = r.status); return true;",
        )
        .await;
        browser
            .wait_for_js("return window.__answer;", json!(200))
            .await;
    }
    browser.close().await;
    app.stop().await;
}
