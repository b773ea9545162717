//! Working with Roster from programs and files: importing a CSV file of invitations (a bad
//! row fixed in the preview), API tokens (shown once, used as Bearer, revoked), and the API
//! reference rendered from the server's own OpenAPI document, and Settings › Provisioning (what
//! a group an identity provider pushed gives).

use std::path::PathBuf;

use roster_tests::browser::Browser;
use roster_tests::{Engine, TestApp};

/// Where the screenshots of these screens go, for a person to look at.
fn shot(name: &str) -> PathBuf {
    let dir = PathBuf::from("/tmp/shots-automation");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir.join(format!("{name}.png"))
}

fn line(n: u32, part: &str) -> String {
    format!("[data-test=import-row][data-line=\"{n}\"] [data-test={part}]")
}

async fn is_disabled(browser: &Browser, css: &str) -> bool {
    browser
        .client
        .find(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .attr("disabled")
        .await
        .unwrap()
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_file_is_previewed_fixed_in_place_and_sent_as_one_batch() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    let europe = app.sub_account(acme, "Europe").await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;

    browser.click("[data-test=import-csv]").await;
    browser
        .wait_for_path(&format!("/accounts/{}/users/import", acme.0))
        .await;
    // A real file chosen in the file input: a typo'd address and an unknown account.
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("people.csv");
    std::fs::write(
        &file,
        "email,role,account\n\
         ana@example.com,Basic,Acme\n\
         bob@example,Admin,Europe\n\
         cy@example.com,reporting,Atlantis\n",
    )
    .unwrap();
    browser
        .type_into("[data-test=import-file]", file.to_str().unwrap())
        .await;
    browser
        .wait_for_text_containing("[data-test=file-note]", "4 lines")
        .await;
    assert!(
        browser
            .value_of("[data-test=import-text]")
            .await
            .contains("cy@example.com,reporting,Atlantis")
    );
    browser.screenshot(&shot("import-source")).await;
    browser.click("[data-test=import-check]").await;

    // Every row with its own problem, nothing sent yet.
    browser.wait_for_count("[data-test=import-row]", 3).await;
    assert_eq!(browser.text_of(&line(2, "import-problems")).await, "Ready");
    let typo = browser.text_of(&line(3, "import-problems")).await;
    assert!(typo.contains("Domain has no dot"), "{typo}");
    let unknown = browser.text_of(&line(4, "import-problems")).await;
    assert!(unknown.contains("No account named “Atlantis”"), "{unknown}");
    browser
        .wait_for_text_containing("[data-test=import-summary]", "2 with problems")
        .await;
    assert!(is_disabled(&browser, "[data-test=import-send]").await);
    browser.screenshot(&shot("import-preview-problems")).await;
    browser.set_dark(true).await;
    browser
        .screenshot(&shot("import-preview-problems-dark"))
        .await;
    browser.set_dark(false).await;

    // Fixed in place: the address typed again, the account chosen from the list.
    browser
        .fill(&line(3, "import-email"), "bob@example.com")
        .await;
    browser
        .select(&line(4, "import-account"), &europe.0.to_string())
        .await;
    browser
        .wait_for_text(&line(4, "import-problems"), "Changed: check again")
        .await;
    assert!(is_disabled(&browser, "[data-test=import-send]").await);
    browser.click("[data-test=import-recheck]").await;
    browser
        .wait_for_text_containing("[data-test=import-summary]", "all ready: 3 people")
        .await;
    // The rows keep their line in the file.
    assert_eq!(browser.text_of(&line(4, "import-problems")).await, "Ready");
    assert_eq!(
        browser.value_of(&line(3, "import-email")).await,
        "bob@example.com"
    );
    assert_eq!(
        browser.text_of("[data-test=import-send]").await,
        "Send 3 invitations"
    );
    browser.screenshot(&shot("import-preview-ready")).await;

    browser.click("[data-test=import-send]").await;
    let invited = browser
        .wait_for_text_containing(
            "[data-test=import-result] [data-test=invited]",
            "Invited: 3 people",
        )
        .await;
    for email in ["ana@example.com", "bob@example.com", "cy@example.com"] {
        assert!(invited.contains(email), "{invited}");
    }
    browser.screenshot(&shot("import-result")).await;

    // The Users list shows them invited (Pending), with the access the rows gave.
    browser.click("[data-test=back-to-users]").await;
    browser.wait_for_count("[data-test=person-row]", 4).await;
    for email in ["ana@example.com", "bob@example.com", "cy@example.com"] {
        assert_eq!(
            browser
                .text_of(&format!(
                    "[data-test=person-row][data-email=\"{email}\"] [data-test=status]"
                ))
                .await,
            "Pending"
        );
    }
    let cy = browser
        .text_of("[data-test=person-row][data-email=\"cy@example.com\"] .role-chips")
        .await;
    assert!(cy.contains("Reporting · Europe"), "{cy}");
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_seat_plan_is_explained_with_a_way_to_buy_more() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser
        .open(&app.url(&format!("/accounts/{}/users/import", acme.0)))
        .await;
    // The Team plan has 10 seats and the Owner uses one: twelve new people do not fit.
    let rows: String = (0..12)
        .map(|i| format!("p{i}@example.com,basic,\n"))
        .collect();
    browser.fill("[data-test=import-text]", &rows).await;
    browser.click("[data-test=import-check]").await;
    let warning = browser
        .wait_for_text_containing("[data-test=import-seat-warning]", "Not enough seats")
        .await;
    assert!(warning.contains("9 free"), "{warning}");
    assert!(warning.contains("3 more seats"), "{warning}");
    browser.screenshot(&shot("import-seats")).await;
    // Sent anyway, the server refuses the whole batch and says why, with the same way out.
    browser.click("[data-test=import-send]").await;
    browser
        .wait_for_count("[data-test=import-error] [data-test=buy-more]", 1)
        .await;
    browser
        .click("[data-test=import-error] [data-test=buy-more]")
        .await;
    browser
        .wait_for_path(&format!("/accounts/{}/seats", acme.0))
        .await;
    // Coming back (without buying), the rows are as they were, checked again.
    browser
        .client
        .execute("history.back()", vec![])
        .await
        .unwrap();
    browser
        .wait_for_path(&format!("/accounts/{}/users/import", acme.0))
        .await;
    browser.wait_for_count("[data-test=import-row]", 12).await;
    browser
        .wait_for_text_containing("[data-test=import-seat-warning]", "3 more seats")
        .await;
    // Narrow screens scroll the table sideways rather than squeezing it.
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.screenshot(&shot("import-narrow")).await;
    let page: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people", acme.0))
        .await;
    assert_eq!(page.total, 1, "nothing was sent");
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_shown_once_works_as_bearer_and_stops_when_revoked() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    app.sub_account(acme, "Europe").await;
    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser
        .open(&app.url(&format!("/accounts/{}/tokens", acme.0)))
        .await;
    browser.wait_for_text("h1", "API tokens").await;
    browser.wait_for_count("[data-test=tokens-empty]", 1).await;
    // Acme is a top-level account: its SCIM address is shown.
    assert_eq!(
        browser.text_of("[data-test=scim-url]").await,
        app.url("/scim/v2")
    );
    browser.screenshot(&shot("tokens-empty")).await;

    // A name is required, with the reason in place.
    browser.click("[data-test=create-token]").await;
    assert_eq!(browser.text_of("#token-name-error").await, "Enter a name");
    browser.fill("#token-name", "CI sync").await;
    browser.select("#token-role", "admin").await;
    browser.click("[data-test=create-token]").await;

    let secret = browser.value_of("[data-test=new-token-value]").await;
    assert!(secret.starts_with("rst_"), "{secret}");
    let shown = browser.text_of("[data-test=new-token]").await;
    assert!(shown.contains("you will not see it again"), "{shown}");
    browser.screenshot(&shot("tokens-created")).await;
    browser.set_dark(true).await;
    browser.screenshot(&shot("tokens-created-dark")).await;
    browser.set_dark(false).await;

    // It works as a Bearer token on the API.
    let people = format!("/api/v1/accounts/{}/people", acme.0);
    let http = reqwest::Client::new();
    let answer = http
        .get(app.url(&people))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);

    // Once dismissed, it is gone from the page for good; the list says it was used.
    browser.click("[data-test=new-token-done]").await;
    browser.wait_for_count("[data-test=new-token]", 0).await;
    browser
        .open(&app.url(&format!("/accounts/{}/tokens", acme.0)))
        .await;
    browser.wait_for_count("[data-test=token-row]", 1).await;
    let source = browser.client.source().await.unwrap();
    assert!(!source.contains(&secret), "the secret is never shown again");
    let row = browser.text_of("[data-test=token-row]").await;
    assert!(row.contains("CI sync") && row.contains("Admin"), "{row}");
    assert_ne!(
        browser.text_of("[data-test=token-last-used]").await,
        "Never"
    );
    browser.screenshot_full(&shot("tokens-list")).await;

    // Revoked after confirming: the next request is refused.
    browser.click("[data-test=revoke-token]").await;
    browser
        .wait_for_text_containing("#revoke-token-dialog", "Revoke “CI sync”?")
        .await;
    browser.screenshot(&shot("tokens-revoke")).await;
    browser
        .click("#revoke-token-dialog [data-test=confirm]")
        .await;
    browser
        .wait_for_text_containing("[data-test=token-notice]", "was revoked")
        .await;
    browser.wait_for_count("[data-test=tokens-empty]", 1).await;
    let answer = http
        .get(app.url(&people))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);

    // The reference is one click away (at the top, under the sticky header once scrolled).
    browser
        .client
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    browser.click("[data-test=api-reference-link]").await;
    browser.wait_for_path("/api-reference").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_reference_renders_the_document_and_filters_it() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let document: serde_json::Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let total: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    let browser = Browser::launch().await;
    browser.open(&app.url("/api-reference")).await;

    let health = "[data-test=api-operation][data-path=\"/api/v1/health\"]";
    browser.wait_for_count(health, 1).await;
    assert_eq!(browser.count("[data-test=api-operation]").await, total);
    assert_eq!(
        browser.text_of("[data-test=api-count]").await,
        format!("{total} operations")
    );
    browser.screenshot(&shot("api-reference")).await;

    // The filter narrows to what matches every word.
    browser.fill("[data-test=api-filter]", "api-tokens").await;
    browser.wait_for_count("[data-test=api-operation]", 3).await;
    assert_eq!(browser.count(health).await, 0);
    browser
        .fill("[data-test=api-filter]", "post api-tokens")
        .await;
    browser.wait_for_count("[data-test=api-operation]", 1).await;
    // Its details: the request body and response schemas by name.
    browser
        .click("[data-test=api-operation][data-method=POST] summary")
        .await;
    let details = browser
        .wait_for_text_containing(
            "[data-test=api-operation][data-method=POST]",
            "CreateApiTokenRequest",
        )
        .await;
    assert!(details.contains("CreatedApiToken"), "{details}");
    assert!(details.contains("id"), "{details}");
    browser
        .screenshot_full(&shot("api-reference-filtered"))
        .await;

    browser
        .fill("[data-test=api-filter]", "no such thing")
        .await;
    browser.wait_for_count("[data-test=api-none]", 1).await;
    browser.fill("[data-test=api-filter]", "health").await;
    browser.wait_for_count(health, 1).await;
    browser.close().await;
    app.stop().await;
}

/// An identity provider's SCIM call with `token`, expecting `status`.
async fn scim(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
    status: u16,
) -> serde_json::Value {
    let answer = reqwest::Client::new()
        .request(method, app.url(&format!("/scim/v2{path}")))
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), status, "{path}");
    answer.json().await.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_chooses_what_a_pushed_group_gives() {
    use serde_json::Value;

    let app = TestApp::spawn(Engine::Sqlite).await;
    let acme = app.set_up().await.last_account.expect("setup opens Acme");
    let support = app.sub_account(acme, "Support").await;
    let token = app
        .api
        .api_token(acme, "Okta", roster_shared::role::Role::Admin)
        .await
        .token;
    let ana = scim(
        &app,
        &token,
        reqwest::Method::POST,
        "/Users",
        serde_json::json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ana@example.com", "active": true }),
        201,
    )
    .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    scim(
        &app,
        &token,
        reqwest::Method::POST,
        "/Groups",
        serde_json::json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Support agents", "members": [{ "value": ana }] }),
        201,
    )
    .await;

    let browser = Browser::signed_in_as_owner(&app, acme).await;
    browser
        .click("a.settings-link[href$='/provisioning']")
        .await;
    browser
        .wait_for_path(&format!("/accounts/{}/provisioning", acme.0))
        .await;
    browser.wait_for_text("h1", "Provisioning").await;
    browser.wait_for_count("[data-test=pushed-group]", 1).await;
    assert_eq!(
        browser.text_of("[data-test=group-gives]").await,
        "Nothing yet"
    );
    // The seats the provider's people take, with no call to buy more while some are free.
    let seats = browser.text_of("[data-test=provisioning-seats]").await;
    assert!(seats.starts_with("Seats: 2 of "), "{seats}");
    browser.wait_for_count("[data-test=buy-more]", 0).await;
    browser.screenshot(&shot("provisioning")).await;

    browser.click("[data-test=choose-access]").await;
    browser
        .wait_for_count("#group-access-dialog[open]", 1)
        .await;
    // Nothing ticked yet: the form says so in place and sends nothing.
    browser.click("[data-test=save-group-access]").await;
    browser
        .wait_for_text_containing("[data-test=group-grant-problem]", "at least one account")
        .await;
    browser.select("#group-role", "admin").await;
    browser
        .click(&format!("#group-accounts-{}", support.0))
        .await;
    browser.screenshot(&shot("provisioning-choose")).await;
    browser.click("[data-test=save-group-access]").await;
    browser
        .wait_for_text_containing(
            "[data-test=provisioning-notice]",
            "“Support agents” now gives Admin on Support: 1 person's access changed.",
        )
        .await;
    browser
        .wait_for_count("#group-access-dialog[open]", 0)
        .await;
    browser
        .wait_for_text("[data-test=group-gives]", "Admin on Support")
        .await;
    browser.screenshot(&shot("provisioning-mapped")).await;
    let user = format!("/Users/{ana}");
    let groups_now = async || {
        let found = scim(&app, &token, reqwest::Method::GET, &user, Value::Null, 200).await;
        found["groups"].to_string()
    };
    // The member has it, as the provider sees them too.
    let groups = groups_now().await;
    assert!(groups.contains(&format!("{}-admin", support.0)), "{groups}");

    // Giving nothing takes it back.
    browser.click("[data-test=choose-access]").await;
    browser
        .wait_for_count("#group-access-dialog[open]", 1)
        .await;
    browser.click("[data-test=give-nothing]").await;
    browser
        .wait_for_text("[data-test=group-gives]", "Nothing yet")
        .await;
    let groups = groups_now().await;
    assert!(
        !groups.contains(&format!("{}-admin", support.0)),
        "{groups}"
    );
    browser.close().await;
    app.stop().await;
}
