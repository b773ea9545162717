use roster_tests::browser::Browser;
use roster_tests::{Engine, TestApp};

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
