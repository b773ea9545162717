//! The sign-in page: where it sends a person afterwards (only ever somewhere in this app).

use std::time::Duration;

use roster_tests::browser::Browser;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_link_never_leads_to_another_site() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.unwrap();
    let browser = Browser::launch().await;
    browser
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;
    let origin = url::Url::parse(&app.address).unwrap().origin();

    // Signed in already, the page follows `next` at once: `/\host` is `//host` to a browser.
    for next in [
        "/%5Cexample.com",
        "//example.com",
        "/%5C%5Cexample.com",
        "/%09/example.com",
        "/%252F%252Fexample.com",
    ] {
        browser
            .open(&app.url(&format!("/sign-in?next={next}")))
            .await;
        // The app goes on to where it opens after signing in, and stays on its own origin.
        let users = format!("/accounts/{}/users", acme.0);
        let mut here = browser.client.current_url().await.unwrap();
        for _ in 0..200 {
            assert_eq!(here.origin(), origin, "next={next} led to {here}");
            if here.path() == users {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            here = browser.client.current_url().await.unwrap();
        }
        assert_eq!(here.path(), users, "next={next}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let here = browser.client.current_url().await.unwrap();
        assert_eq!(here.origin(), origin, "next={next} led to {here}");
    }

    // A path of the app is followed.
    browser.open(&app.url("/sign-in?next=/security")).await;
    browser.wait_for_path("/security").await;
    browser.close().await;
    app.stop().await;
}
