use std::path::PathBuf;

use roster_tests::browser::Browser;
use roster_tests::{Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_renders_the_server_health() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let browser = Browser::launch().await;

    browser.client.goto(&app.url("/sign-in")).await.unwrap();

    assert_eq!(
        browser.text_of("[data-test=health-status]").await,
        "Running"
    );
    assert_eq!(
        browser.text_of("[data-test=health-database]").await,
        "SQLite"
    );
    assert_eq!(
        browser.text_of("[data-test=health-version]").await,
        env!("CARGO_PKG_VERSION")
    );
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_routes_load_the_app_and_unknown_ones_say_not_found() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let browser = Browser::launch().await;

    browser
        .client
        .goto(&app.url("/no/such/screen"))
        .await
        .unwrap();

    assert_eq!(browser.text_of("h1").await, "Page not found");
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_shown_and_can_be_retried() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let browser = Browser::launch().await;
    browser.block_urls(&["*/api/v1/health"]).await;

    browser.client.goto(&app.url("/sign-in")).await.unwrap();

    let error = browser.text_of("[data-test=health-error]").await;
    assert!(error.contains("Cannot reach the Roster server"), "{error}");

    browser.block_urls(&[]).await;
    browser.click("[data-test=health-error] button").await;
    assert_eq!(
        browser.text_of("[data-test=health-status]").await,
        "Running"
    );
    browser.close().await;
    app.stop().await;
}

fn shot(name: &str) -> PathBuf {
    let dir = PathBuf::from("/tmp/shots-foundation");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir.join(format!("{name}.png"))
}

/// The paths of every file the page has fetched so far.
async fn fetched(browser: &Browser) -> Vec<String> {
    let value = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname);",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(value).unwrap()
}

/// The release build splits the screens into groups (frontend/src/screens.rs): the sign-in
/// page needs none of them, and the Users list brings only the settings group.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_visit_fetches_the_shell_and_each_screen_group_when_it_opens() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::launch().await;

    browser.client.goto(&app.url("/sign-in")).await.unwrap();
    assert_eq!(browser.text_of("h1").await, "Sign in to Roster");
    let files = fetched(&browser).await;
    assert!(files.iter().any(|f| f.ends_with("_bg.wasm")), "{files:?}");
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("/split_") || f.starts_with("/chunk_")),
        "the sign-in page fetched a screen's chunk: {files:?}"
    );

    browser
        .sign_in_to_users(&app, OWNER_EMAIL, OWNER_PASSWORD, acme)
        .await;
    let files = fetched(&browser).await;
    assert!(
        files.iter().any(|f| f.starts_with("/split_settings-")),
        "{files:?}"
    );
    for other in ["/split_public-", "/split_me-"] {
        assert!(
            !files.iter().any(|f| f.starts_with(other)),
            "the Users list fetched {other}: {files:?}"
        );
    }
    browser.close().await;
    app.stop().await;
}

/// Opening the Users list asks for the list while its screen's code is still on its way, and
/// asks only once: the page takes the answer the route asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_list_asks_for_its_people_alongside_its_code() {
    let (app, acme) = TestApp::signed_in_organisation(Engine::Sqlite).await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;

    // A fresh load of the list, as from a bookmark.
    let list = format!("/accounts/{}/users", acme.0);
    browser.client.goto(&app.url(&list)).await.unwrap();
    browser.wait_for_text("h1", "Users").await;
    assert!(browser.count("[data-test=people] tbody tr").await >= 1);
    let timings: Vec<(String, f64, f64)> = serde_json::from_value(
        browser
            .client
            .execute(
                "return performance.getEntriesByType('resource')
                    .map((e) => [new URL(e.name).pathname, e.startTime, e.responseEnd]);",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    let people_path = format!("/api/v1/accounts/{}/people", acme.0);
    let people: Vec<_> = timings.iter().filter(|t| t.0 == people_path).collect();
    assert_eq!(people.len(), 1, "asked once: {timings:?}");
    let code = timings
        .iter()
        .find(|t| t.0.starts_with("/split_settings-"))
        .unwrap_or_else(|| panic!("the settings group was fetched: {timings:?}"));
    assert!(
        people[0].1 < code.2,
        "the list was asked for before the screen's code had arrived: {timings:?}"
    );
    browser.close().await;
    app.stop().await;
}

/// A screen whose chunk cannot be fetched says so, with the app still running around it, and
/// opens once the chunk can be fetched again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_that_cannot_be_fetched_is_explained_and_opens_on_retry() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let browser = Browser::launch().await;
    browser.block_urls(&["*/split_public-*"]).await;

    browser.client.goto(&app.url("/setup")).await.unwrap();

    let notice = browser.text_of("[data-test=screen-unavailable] h2").await;
    assert_eq!(notice, "This screen could not be loaded");
    assert_eq!(
        browser.text_of("[data-test=health-status]").await,
        "Running"
    );
    browser.screenshot(&shot("screen-unavailable")).await;

    browser.block_urls(&[]).await;
    browser.click("[data-test=screen-unavailable] button").await;
    assert_eq!(browser.text_of("#setup-title").await, "Set up Roster");
    browser.close().await;
    app.stop().await;
}

/// A browser a test drops without closing (a failed assertion, a forgotten `close`) takes its
/// Chromium with it: a `make test` run once left headless Chromium processes running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_browser_leaves_no_chromium_running() {
    let browser = Browser::launch().await;
    browser.open("about:blank").await;
    let group = browser.process_group();
    let started = roster_tests::browser::running_in_group(group);
    assert!(
        started
            .iter()
            .any(|(_, name)| name.contains("chrom") && !name.contains("driver")),
        "Chromium runs in the driver's group: {started:?}"
    );
    drop(browser);
    roster_tests::eventually(
        "Chromium ends with its dropped browser",
        std::time::Duration::from_secs(10),
        || async {
            roster_tests::browser::running_in_group(group)
                .is_empty()
                .then_some(())
        },
    )
    .await;
}
