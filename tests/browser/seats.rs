//! Seats as an Owner and as people who may only look: an invitation blocked at the limit,
//! "Buy more" with the price shown before confirming, back to the waiting invitation as it
//! was; removing unused seats down to the floor; the history of both; read-only views.

use std::path::PathBuf;

use roster_shared::account::AccountId;
use roster_shared::api::SeatOverview;
use roster_shared::role::Role;
use roster_tests::browser::Browser;
use roster_tests::{
    Engine, MEMBER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, TestApp, expect_error, expect_json,
};
use serde_json::json;

fn shot(name: &str) -> PathBuf {
    let dir = PathBuf::from("/tmp/shots-seats");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.png"))
}

/// Signs a person in through the sign-in page and waits until the app has opened.
async fn sign_in(app: &TestApp, browser: &Browser, email: &str, password: &str) {
    browser.submit_sign_in(app, email, password).await;
    browser.wait_to_leave("/sign-in").await;
}

/// Uses every free seat of the organisation with invitations (the Owner holds one already).
async fn fill_seats(app: &TestApp, acme: AccountId, people: usize) {
    let emails: Vec<String> = (0..people)
        .map(|i| format!("filler{i}@example.com"))
        .collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    let result = app.invite(acme, &refs, &[(Role::Basic, &[acme])]).await;
    assert_eq!(result.seats.free(), 0, "{:?}", result.seats);
}

async fn figure(browser: &Browser, name: &str) -> String {
    browser
        .text_of(&format!("[data-test=seats-{name}] dd"))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buying_more_lets_the_waiting_invitation_through_and_removal_stops_at_the_floor() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    // Team plan: 10 seats included; the Owner and 9 invited people use them all.
    fill_seats(&app, acme, 9).await;
    let browser = Browser::launch().await;
    sign_in(&app, &browser, OWNER_EMAIL, OWNER_PASSWORD).await;

    // New User: one more person, as Reporting.
    browser
        .open(&app.url(&format!("/accounts/{}/users/new", acme.0)))
        .await;
    browser.wait_for_text("h1", "New User").await;
    browser
        .type_into("#invite-emails", "late@example.com, ")
        .await;
    browser.wait_for_count("[data-test=chip]", 1).await;
    browser.select("#grant-0-role", "reporting").await;
    let warning = browser
        .wait_for_text_containing("[data-test=seat-warning]", "Not enough seats: 0 free")
        .await;
    assert!(warning.contains("1 more seat will be needed"), "{warning}");
    assert!(!warning.contains("seat(s)"), "{warning}");
    // Sending anyway: the same one message says it was not sent, with one Buy more.
    browser.click("[data-test=send-invitation]").await;
    browser
        .wait_for_text_containing("[data-test=seat-warning]", "Not sent. Not enough seats")
        .await;
    assert_eq!(browser.count("[data-test=invite-error]").await, 0);
    assert_eq!(browser.count("[data-test=buy-more]").await, 1);
    assert_eq!(browser.count("[data-test=buy-more-after-error]").await, 0);
    browser.screenshot(&shot("01-new-user-full")).await;

    // Buy more: the Seats screen, starting from the missing count.
    browser.click("[data-test=buy-more]").await;
    browser
        .wait_for_path(&format!("/accounts/{}/seats", acme.0))
        .await;
    browser
        .wait_for_text("[data-test=seats-used] dd", "10")
        .await;
    assert_eq!(figure(&browser, "free").await, "0");
    assert_eq!(browser.count("[data-test=seats-full]").await, 1);
    assert_eq!(browser.value_of("#buy-quantity").await, "1");
    browser
        .wait_for_text_containing("[data-test=return-note]", "waiting for 1 seat")
        .await;
    browser.screenshot(&shot("02-seats-full")).await;
    // A mistake is explained while typing, by the shared rule.
    browser.fill("#buy-quantity", "0").await;
    browser
        .wait_for_text("[data-test=buy-quantity-error]", "Choose at least 1 seat")
        .await;
    browser.click("[data-test=buy-review]").await;
    assert_eq!(
        browser.count("#buy-dialog[open]").await,
        0,
        "no price for 0 seats"
    );
    // A fraction is neither rewritten nor read as another number: it stays as typed and is
    // explained at the field.
    browser.fill("#buy-quantity", "2.5").await;
    browser
        .wait_for_text(
            "[data-test=buy-quantity-error]",
            "Seats are counted whole: type a number like 3",
        )
        .await;
    assert_eq!(browser.value_of("#buy-quantity").await, "2.5");
    browser.click("[data-test=buy-review]").await;
    assert_eq!(
        browser.count("#buy-dialog[open]").await,
        0,
        "no price for 2.5 seats"
    );
    // Two seats: the price per seat and in total before anything is bought.
    browser.fill("#buy-quantity", "2").await;
    browser
        .wait_for_count("[data-test=buy-quantity-error]", 0)
        .await;
    browser
        .wait_for_text_containing("[data-test=buy-quantity-hint]", "2 × €8.00 = €16.00")
        .await;
    browser.click("[data-test=buy-review]").await;
    browser
        .wait_for_text("[data-test=quote-unit]", "€8.00")
        .await;
    assert_eq!(browser.text_of("[data-test=quote-quantity]").await, "2");
    assert_eq!(browser.text_of("[data-test=quote-total]").await, "€16.00");
    assert_eq!(
        browser.text_of("[data-test=buy-confirm]").await,
        "Buy 2 seats for €16.00"
    );
    let overview: SeatOverview = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/seats", acme.0))
        .await;
    assert_eq!(overview.seats.extra, 0, "nothing bought before confirming");
    browser.screenshot(&shot("03-buy-dialog")).await;
    browser.click("[data-test=buy-confirm]").await;

    // Straight back to the invitation, unchanged, now with room for it.
    browser
        .wait_for_path(&format!("/accounts/{}/users/new", acme.0))
        .await;
    browser
        .wait_for_text_containing("[data-test=seat-line]", "10 of 12 seats used")
        .await;
    browser.wait_for_count("[data-test=chip]", 1).await;
    assert_eq!(
        browser.text_of("[data-test=chip] .chip-text").await,
        "late@example.com"
    );
    assert_eq!(browser.value_of("#grant-0-role").await, "reporting");
    assert!(browser.is_checked(&format!("#grant-0-{}", acme.0)).await);
    assert_eq!(browser.count("[data-test=seat-warning]").await, 0);
    browser.screenshot(&shot("04-back-to-invitation")).await;
    browser.click("[data-test=send-invitation]").await;
    browser
        .wait_for_text_containing("[data-test=invited]", "late@example.com")
        .await;

    // Seats: 11 used of 12; one extra seat is unused and may go, not two.
    browser
        .open(&app.url(&format!("/accounts/{}/seats", acme.0)))
        .await;
    browser
        .wait_for_text("[data-test=seats-used] dd", "11")
        .await;
    assert_eq!(figure(&browser, "included").await, "10");
    assert_eq!(figure(&browser, "extra").await, "2");
    assert_eq!(figure(&browser, "free").await, "1");
    let hint = browser.text_of("[data-test=remove-quantity-hint]").await;
    assert!(hint.starts_with("At most 1:"), "{hint}");
    browser.fill("#remove-quantity", "2").await;
    let refused = browser
        .wait_for_text_containing("[data-test=remove-quantity-error]", "at most 1")
        .await;
    assert_eq!(
        refused,
        "Cannot remove 2 seats: at most 1 unused extra seat can be removed."
    );
    browser.click("[data-test=remove-submit]").await;
    assert_eq!(
        browser.count("#remove-dialog[open]").await,
        0,
        "the form refuses"
    );
    browser.screenshot(&shot("05-remove-refused")).await;
    // The server refuses too.
    let message = expect_error(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/seats/removals", acme.0),
                &json!({ "quantity": 2 }),
            )
            .await,
        422,
        "too_many_seats",
    )
    .await;
    assert!(message.contains("at most 1"), "{message}");

    browser.fill("#remove-quantity", "1").await;
    browser
        .wait_for_count("[data-test=remove-quantity-error]", 0)
        .await;
    browser.click("[data-test=remove-submit]").await;
    browser
        .wait_for_text_containing("#remove-dialog", "Remove 1 seat of the 2 extra")
        .await;
    browser.click("#remove-dialog [data-test=confirm]").await;
    browser
        .wait_for_text("[data-test=seats-notice]", "Removed 1 seat.")
        .await;
    assert_eq!(figure(&browser, "extra").await, "1");
    assert_eq!(figure(&browser, "free").await, "0");
    // At the floor now: nothing more can go.
    let hint = browser.text_of("[data-test=remove-quantity-hint]").await;
    assert!(hint.starts_with("No unused extra seats"), "{hint}");
    assert!(
        !browser
            .client
            .find(fantoccini::Locator::Css("#remove-quantity"))
            .await
            .unwrap()
            .is_enabled()
            .await
            .unwrap()
    );

    // The history: the removal, then the purchase, with who, when, how many and the price.
    browser.wait_for_count("[data-test=seat-entry]", 2).await;
    let removal = "[data-test=seat-entry]:nth-child(1)";
    let purchase = "[data-test=seat-entry]:nth-child(2)";
    assert_eq!(
        browser
            .text_of(&format!("{removal} [data-test=seat-entry-change]"))
            .await,
        "Removed 1 seat"
    );
    assert_eq!(
        browser
            .text_of(&format!("{removal} [data-test=seat-entry-unit]"))
            .await,
        "€8.00"
    );
    assert_eq!(
        browser
            .text_of(&format!("{removal} [data-test=seat-entry-total]"))
            .await,
        "€8.00\nno longer charged"
    );
    assert_eq!(
        browser
            .text_of(&format!("{removal} [data-test=seat-entry-after]"))
            .await,
        "1"
    );
    assert_eq!(
        browser
            .text_of(&format!("{purchase} [data-test=seat-entry-change]"))
            .await,
        "Bought 2 seats"
    );
    assert_eq!(
        browser
            .text_of(&format!("{purchase} [data-test=seat-entry-total]"))
            .await,
        "€16.00\ncharged"
    );
    for row in [removal, purchase] {
        let who = browser
            .text_of(&format!("{row} [data-test=seat-entry-who]"))
            .await;
        assert!(who.contains("Olivia Owner"), "{who}");
        // In the person's language and zone: what the browser's own Intl says for the moment.
        let when = browser
            .text_of(&format!("{row} [data-test=seat-entry-when]"))
            .await;
        let local = browser
            .client
            .execute(
                &format!(
                    "const t = document.querySelector('{row} [data-test=seat-entry-when] time');
                     return new Intl.DateTimeFormat(undefined, {{ dateStyle: 'medium', timeStyle: 'short' }})
                       .format(new Date(t.getAttribute('datetime')));"
                ),
                vec![],
            )
            .await
            .expect("the local form");
        assert_eq!(Some(when.as_str()), local.as_str(), "{when}");
    }
    browser.screenshot_full(&shot("06-seats-after")).await;
    browser.set_dark(true).await;
    browser.screenshot_full(&shot("07-seats-dark")).await;
    browser.set_dark(false).await;
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 390, "height": 1400, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await;
    browser.screenshot(&shot("08-seats-narrow")).await;

    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_who_may_not_manage_seats_see_them_without_controls() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let support = app.sub_account(acme, "Support").await;
    app.invite(acme, &["sam@example.com"], &[(Role::Admin, &[support])])
        .await;
    app.accept_as_new("sam@example.com", "Sam Admin").await;
    app.invite(acme, &["bo@example.com"], &[(Role::Reporting, &[acme])])
        .await;
    app.accept_as_new("bo@example.com", "Bo Reporting").await;
    // A purchase by the Owner, so there is history to see.
    expect_json::<SeatOverview>(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/seats/purchases", acme.0),
                &json!({ "quantity": 3, "expected_total_minor": 2400 }),
            )
            .await,
        200,
    )
    .await;

    // An Admin of a sub-account: the organisation's seats, read-only.
    let sam = Browser::launch().await;
    sign_in(&app, &sam, "sam@example.com", MEMBER_PASSWORD).await;
    sam.open(&app.url(&format!("/accounts/{}/seats", support.0)))
        .await;
    sam.wait_for_text("[data-test=seats-used] dd", "3").await;
    assert_eq!(figure(&sam, "included").await, "10");
    assert_eq!(figure(&sam, "extra").await, "3");
    assert_eq!(figure(&sam, "free").await, "10");
    sam.wait_for_text_containing("[data-test=seats-shared]", "top-level account")
        .await;
    let note = sam.text_of("[data-test=seats-read-only]").await;
    assert!(note.starts_with("Only Owners and Admins of"), "{note}");
    assert_eq!(sam.count("[data-test=buy-form]").await, 0);
    assert_eq!(sam.count("[data-test=remove-form]").await, 0);
    assert_eq!(sam.count("#buy-quantity, #remove-quantity").await, 0);
    sam.wait_for_count("[data-test=seat-entry]", 1).await;
    assert_eq!(
        sam.text_of("[data-test=seat-entry-change]").await,
        "Bought 3 seats"
    );
    sam.screenshot_full(&shot("09-read-only-sub-admin")).await;
    sam.close().await;

    // A Reporting member has no Settings > Users, so no seats either: said plainly, no
    // controls and no "Try again" (it would not help).
    let bo = Browser::launch().await;
    sign_in(&app, &bo, "bo@example.com", MEMBER_PASSWORD).await;
    bo.open(&app.url(&format!("/accounts/{}/seats", acme.0)))
        .await;
    let refused = bo
        .wait_for_text_containing(
            "[data-test=for-managers]",
            "Only the Admins and Owners of Acme use this page. You have Reporting access here",
        )
        .await;
    assert!(!refused.contains("Try again"), "{refused}");
    assert_eq!(bo.count("[data-test=buy-form]").await, 0);
    assert_eq!(bo.count("[data-test=remove-form]").await, 0);
    bo.screenshot(&shot("10-reporting-member")).await;
    bo.close().await;
    app.stop().await;
}
