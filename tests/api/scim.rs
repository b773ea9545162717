//! SCIM 2.0 as an identity provider uses it, following RFC 7644's examples: discovery, create,
//! filter by userName, PATCH active false, Groups membership, errors in SCIM's format — with
//! the seat limit and the role hierarchy applying exactly as in the web app.

use roster_shared::account::AccountId;
use roster_shared::api::{CreatedApiToken, PeoplePage};
use roster_shared::role::Role;
use roster_tests::{Engine, TestApp, engines, expect_json};
use serde_json::{Value, json};

engines!(
    discovery_documents_answer,
    users_are_created_found_deactivated_and_deleted,
    groups_give_roles_on_accounts,
    errors_use_the_scim_format_and_rules_apply,
    hostile_filters_are_refused_and_the_server_keeps_answering,
    an_independent_compliance_tester_passes_every_check,
    entra_id_provisions_a_person_as_its_documentation_shows,
    okta_provisions_a_person_as_its_documentation_shows,
    providers_push_groups_of_their_own,
    a_mapped_group_gives_its_members_access_and_takes_it_back,
    only_owners_map_groups_and_only_their_own,
    another_organisation_cannot_reach_these_groups,
);

/// The longest request target the server reads: hyper answers 414 past `u16::MAX - 1` bytes,
/// and the client cannot even build a longer URI.
const MAX_REQUEST_TARGET: usize = u16::MAX as usize - 1;

struct Idp {
    app: TestApp,
    acme: AccountId,
    token: String,
}

async fn idp(engine: Engine) -> Idp {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    let created = app
        .api
        .api_token(acme, "Okta", roster_shared::role::Role::Admin)
        .await;
    Idp {
        app,
        acme,
        token: created.token,
    }
}

impl Idp {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value, String) {
        self.call_as(&self.token, method, path, body).await
    }

    /// [`Idp::call`] with another token (another organisation's provider).
    async fn call_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value, String) {
        let mut request = self
            .app
            .new_client()
            .http
            .request(method, self.app.url(&format!("/scim/v2{path}")))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {text}: {e}"))
        };
        (status, body, content_type)
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body, content_type) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(content_type, "application/scim+json");
        body
    }

    async fn create(&self, email: &str) -> Value {
        let (status, body, _) = self
            .call(
                reqwest::Method::POST,
                "/Users",
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": email,
                    "name": { "givenName": "Barbara", "familyName": "Jensen" },
                    "emails": [{ "value": email, "type": "work", "primary": true }],
                    "active": true,
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }
}

async fn discovery_documents_answer(engine: Engine) {
    let idp = idp(engine).await;
    let config = idp.get("/ServiceProviderConfig").await;
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["filter"]["supported"], true);
    assert_eq!(
        config["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );
    let types = idp.get("/ResourceTypes").await;
    assert_eq!(types["totalResults"], 2);
    assert_eq!(idp.get("/ResourceTypes/User").await["endpoint"], "/Users");
    let schemas = idp.get("/Schemas").await;
    assert_eq!(
        schemas["Resources"][0]["id"],
        "urn:ietf:params:scim:schemas:core:2.0:User"
    );
    idp.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group")
        .await;
    idp.app.stop().await;
}

async fn users_are_created_found_deactivated_and_deleted(engine: Engine) {
    let idp = idp(engine).await;
    let created = idp.create("bjensen@example.com").await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["userName"], "bjensen@example.com");
    assert_eq!(created["active"], true);
    assert_eq!(created["groups"][0]["display"], "Acme / Basic");
    // Created = invited: pending in the Users list, with an invitation email.
    let page: PeoplePage = idp
        .app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=bjensen", idp.acme.0))
        .await;
    assert_eq!(
        page.people[0].status,
        roster_shared::invitation::PersonStatus::Pending
    );
    idp.app.invitation_token("bjensen@example.com").await;

    // RFC 7644 §3.4.2.2: filter userName eq.
    let found = idp
        .get("/Users?filter=userName%20eq%20%22BJensen@example.com%22")
        .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id);
    assert_eq!(
        found["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    let none = idp
        .get("/Users?filter=userName%20eq%20%22nobody@example.com%22")
        .await;
    assert_eq!(none["totalResults"], 0);
    let by_email = idp
        .get("/Users?filter=emails%5Bvalue%20eq%20%22bjensen@example.com%22%5D")
        .await;
    assert_eq!(by_email["totalResults"], 1);
    let all = idp.get("/Users?startIndex=1&count=1").await;
    assert_eq!(all["totalResults"], 2);
    assert_eq!(all["itemsPerPage"], 1);

    // PATCH active false removes access and frees the seat; the user stays visible as inactive.
    let (status, patched, _) = idp
        .call(
            reqwest::Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "path": "active", "value": false }] })),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["active"], false);
    let page: PeoplePage = idp
        .app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=bjensen", idp.acme.0))
        .await;
    assert_eq!(page.total, 0);
    assert_eq!(idp.get(&format!("/Users/{id}")).await["active"], false);
    // Listed still, by position among the members, in id order: the whole list, then each
    // position alone.
    let listed = idp.get("/Users?startIndex=1&count=10").await;
    assert_eq!(listed["totalResults"], 2);
    let ids: Vec<String> = listed["Resources"]
        .as_array()
        .expect("Resources")
        .iter()
        .map(|r| r["id"].as_str().expect("an id").to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&id.to_string()), "{ids:?}");
    for (n, expected) in ids.iter().enumerate() {
        let one = idp
            .get(&format!("/Users?startIndex={}&count=1", n + 1))
            .await;
        assert_eq!(one["totalResults"], 2);
        assert_eq!(one["Resources"][0]["id"].as_str(), Some(expected.as_str()));
    }
    assert_eq!(
        idp.get("/Users?startIndex=3&count=1").await["Resources"]
            .as_array()
            .map_or(0, Vec::len),
        0
    );
    // Azure's style: no path, "True" as a string.
    let (status, patched, _) = idp
        .call(
            reqwest::Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "Replace", "value": { "active": "True" } }] })),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["active"], true);
    // A PATCH is read whole before anything is done: a bad second operation leaves the first
    // undone, and the answer names the operation and what is wrong with it.
    let (status, error, _) = idp
        .call(
            reqwest::Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
                { "op": "replace", "path": "active", "value": false },
                { "op": "replace", "path": "emails[type eq \"work\"", "value": "x@example.com" },
            ] })),
        )
        .await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["scimType"], "invalidPath");
    let detail = error["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Operation 2:") && detail.contains("does not close"),
        "{detail}"
    );
    assert_eq!(idp.get(&format!("/Users/{id}")).await["active"], true);
    // DELETE: gone.
    let (status, _, _) = idp
        .call(reqwest::Method::DELETE, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, error, _) = idp
        .call(reqwest::Method::GET, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        error["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    idp.app.stop().await;
}

async fn groups_give_roles_on_accounts(engine: Engine) {
    let idp = idp(engine).await;
    let support = idp.app.sub_account(idp.acme, "Support").await;
    let id = idp.create("bjensen@example.com").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let groups = idp
        .get("/Groups?filter=displayName%20eq%20%22Support%20%2F%20Admin%22")
        .await;
    assert_eq!(groups["totalResults"], 1);
    let group_id = groups["Resources"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(group_id, format!("{}-admin", support.0));
    let add = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "add", "path": "members", "value": [{ "value": id }] }] });
    let (status, group, _) = idp
        .call(
            reqwest::Method::PATCH,
            &format!("/Groups/{group_id}"),
            Some(add),
        )
        .await;
    assert_eq!(status, 200, "{group}");
    assert_eq!(group["members"][0]["value"], id);
    let user = idp.get(&format!("/Users/{id}")).await;
    let displays: Vec<&str> = user["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["display"].as_str().unwrap())
        .collect();
    assert!(displays.contains(&"Support / Admin"), "{displays:?}");
    // In the web app too.
    let page: PeoplePage = idp
        .app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=bjensen", support.0))
        .await;
    let on_support = page.people[0]
        .access
        .iter()
        .find(|a| a.account == support)
        .expect("access on Support");
    assert_eq!(on_support.role, Role::Admin);
    // Removed again with a filtered path.
    let remove = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "remove", "path": format!("members[value eq \"{id}\"]") }] });
    let (status, group, _) = idp
        .call(
            reqwest::Method::PATCH,
            &format!("/Groups/{group_id}"),
            Some(remove),
        )
        .await;
    assert_eq!(status, 200, "{group}");
    assert_eq!(group["members"].as_array().unwrap().len(), 0);
    // A role on an account is neither replaced nor deleted.
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE] {
        let (status, error, _) = idp
            .call(
                method.clone(),
                &format!("/Groups/{group_id}"),
                Some(json!({ "displayName": "x" })),
            )
            .await;
        assert_eq!(
            (status, error["scimType"].as_str()),
            (403, Some("mutability")),
            "{method}"
        );
    }
    idp.app.stop().await;
}

async fn errors_use_the_scim_format_and_rules_apply(engine: Engine) {
    let idp = idp(engine).await;
    // Bad filter, bad address, duplicate user.
    let (status, error, _) = idp
        .call(
            reqwest::Method::GET,
            "/Users?filter=userName%20zz%20%22x%22",
            None,
        )
        .await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (400, Some("invalidFilter"))
    );
    let (status, error, _) = idp
        .call(
            reqwest::Method::POST,
            "/Users",
            Some(json!({ "userName": "not-an-address" })),
        )
        .await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (400, Some("invalidValue"))
    );
    idp.create("bjensen@example.com").await;
    let (status, error, _) = idp
        .call(
            reqwest::Method::POST,
            "/Users",
            Some(json!({ "userName": "BJENSEN@example.com" })),
        )
        .await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (409, Some("uniqueness"))
    );
    // The role hierarchy: an Admin token cannot make anyone Owner.
    let id = idp
        .get("/Users?filter=userName%20eq%20%22bjensen@example.com%22")
        .await["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let owner_group = format!("{}-owner", idp.acme.0);
    let add = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "add", "path": "members", "value": [{ "value": id }] }] });
    let (status, error, _) = idp
        .call(
            reqwest::Method::PATCH,
            &format!("/Groups/{owner_group}"),
            Some(add),
        )
        .await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (403, Some("mutability")),
        "{error}"
    );
    // The seat limit: the team plan has 10 seats, 2 are used.
    for i in 0..8 {
        idp.create(&format!("p{i}@example.com")).await;
    }
    let (status, error, _) = idp
        .call(
            reqwest::Method::POST,
            "/Users",
            Some(json!({ "userName": "one.too.many@example.com" })),
        )
        .await;
    assert_eq!(status, 409, "{error}");
    assert!(
        error["detail"].as_str().unwrap().contains("1 more seat"),
        "{error}"
    );
    // Without a token, or with a sub-account's token: refused.
    let response = idp
        .app
        .new_client()
        .http
        .get(idp.app.url("/scim/v2/Users"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let support = idp.app.sub_account(idp.acme, "Support").await;
    let sub: CreatedApiToken = expect_json(
        idp.app
            .api
            .post(
                &format!("/api/v1/accounts/{}/api-tokens", support.0),
                &json!({ "name": "x", "max_role": "admin" }),
            )
            .await,
        201,
    )
    .await;
    let response = idp
        .app
        .new_client()
        .http
        .get(idp.app.url("/scim/v2/Users"))
        .bearer_auth(&sub.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    idp.app.stop().await;
}

/// A filter is refused with SCIM's `invalidFilter` when it nests deeper or has more terms than
/// the parser allows (`backend/src/scim/filter.rs`), and such a request leaves the server
/// answering. Before the limits, 2,000 nested `not(` overflowed a worker's stack and aborted
/// the whole process.
async fn hostile_filters_are_refused_and_the_server_keeps_answering(engine: Engine) {
    let idp = idp(engine).await;
    idp.create("bjensen@example.com").await;
    let refused = |status: u16, error: &Value, limit: &str| {
        assert_eq!(
            (status, error["scimType"].as_str()),
            (400, Some("invalidFilter")),
            "{error}"
        );
        let detail = error["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(limit), "{detail}");
    };

    // 2,000 nested `not(`: 10 KB of filter text.
    let deep = format!(
        "{}userName%20pr{}",
        "not%28".repeat(2_000),
        "%29".repeat(2_000)
    );
    for resource in ["Users", "Groups"] {
        let (status, error, content_type) = idp
            .call(
                reqwest::Method::GET,
                &format!("/{resource}?filter={deep}"),
                None,
            )
            .await;
        refused(status, &error, "nested more than 32 deep");
        assert_eq!(content_type, "application/scim+json");
    }

    // As many or-ed terms as the request target carries: 10,000 do not fit (each `x pr or ` is
    // 8 bytes at least, and hyper reads 65,534), 8,000 do — 31 times the limit of 256.
    let wide = format!("/Users?filter={}", vec!["x+pr"; 8_000].join("+or+"));
    assert!(
        format!("/scim/v2{wide}").len() <= MAX_REQUEST_TARGET,
        "the test's own URL is too long"
    );
    let (status, error, _) = idp.call(reqwest::Method::GET, &wide, None).await;
    refused(status, &error, "more than 256 comparisons");
    // Terms inside a value path count too, and so do those of an `and`.
    let wide = format!(
        "/Users?filter=emails%5B{}%5D",
        vec!["value+pr"; 257].join("+and+")
    );
    let (status, error, _) = idp.call(reqwest::Method::GET, &wide, None).await;
    refused(status, &error, "more than 256 comparisons");

    // A carriage return (or any other white space but a blank) between words: it once kept
    // the filter reader pushing empty words until memory ran out (found by fuzzing).
    for space in ["%0D", "%0B", "%C2%A0"] {
        let filter = format!("/Users?filter=userName{space}eq{space}%22bjensen@example.com%22");
        assert_eq!(idp.get(&filter).await["totalResults"], 1, "{space}");
    }

    // At the limits, a filter is read and evaluated: 32 groups deep, 256 terms.
    let at_limits = format!(
        "/Users?filter={}(userName+sw+%22bjensen%22+and+({})){}",
        "not(not(".repeat(15),
        vec!["userName+pr"; 255].join("+or+"),
        "))".repeat(15)
    );
    assert_eq!(idp.get(&at_limits).await["totalResults"], 1);

    // A JSON body nested 10,000 deep stops at serde_json's recursion limit (128).
    let id = idp
        .get("/Users?filter=userName%20eq%20%22bjensen@example.com%22")
        .await["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let response = idp
        .app
        .new_client()
        .http
        .patch(idp.app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&idp.token)
        .header("content-type", "application/scim+json")
        .body(format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":{nested}}}"#
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["scimType"], "invalidSyntax", "{error}");
    assert!(
        error["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("recursion limit exceeded"),
        "{error}"
    );

    // At most 100 operations in one PATCH, for users and groups alike; 100 are applied.
    let operation = json!({ "op": "replace", "path": "active", "value": true });
    let group = idp.get("/Groups").await["Resources"][0]["id"]
        .as_str()
        .expect("a group")
        .to_owned();
    for (path, count, expected) in [
        (format!("/Users/{id}"), 101, 400),
        (format!("/Groups/{group}"), 101, 400),
        (format!("/Users/{id}"), 100, 200),
    ] {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": vec![operation.clone(); count],
        });
        let (status, error, _) = idp.call(reqwest::Method::PATCH, &path, Some(body)).await;
        assert_eq!(status, expected, "{path} × {count}: {error}");
        if expected == 400 {
            assert_eq!(error["scimType"], "invalidSyntax", "{error}");
            assert!(
                error["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("at most 100 operations; this one has 101"),
                "{error}"
            );
        }
    }

    // A PATCH path's value filter has the filter's limits, and a path its own length.
    let patch_path = |path: String| {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "remove", "path": path }],
        })
    };
    for (path, says) in [
        (
            format!(
                "members[{}value eq \"1\"{}]",
                "not(".repeat(200),
                ")".repeat(200)
            ),
            "nested more than 32 deep",
        ),
        (
            format!("members[value eq \"{}\"]", "1".repeat(2_000)),
            "at most 1024 bytes",
        ),
    ] {
        let (status, error, _) = idp
            .call(
                reqwest::Method::PATCH,
                &format!("/Groups/{group}"),
                Some(patch_path(path)),
            )
            .await;
        assert_eq!(
            (status, error["scimType"].as_str()),
            (400, Some("invalidPath")),
            "{error}"
        );
        let detail = error["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(says) && detail.len() < 400, "{detail}");
    }

    // The same server still answers an ordinary request.
    let found = idp
        .get("/Users?filter=userName%20eq%20%22bjensen@example.com%22")
        .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["userName"], "bjensen@example.com");
    idp.app.stop().await;
}

/// scim2-tester (an independent RFC 7643/7644 compliance checker, pinned in the test tools),
/// run against a real server: every check it makes passes, none skipped (a skip would mean
/// the server announces something it does not do, such as PATCH or `/.search`).
async fn an_independent_compliance_tester_passes_every_check(engine: Engine) {
    let idp = idp(engine).await;
    let checks = roster_tests::scim_tester::run(&idp.app.url("/scim/v2"), &idp.token).await;
    // Discovery (25 results) and 11 CRUD checks plus one PATCH check per attribute for each
    // resource type: far more than 40 whatever Roster answers.
    assert!(checks.len() > 40, "scim2-tester ran its checks: {checks:?}");
    for kind in ["User", "Group"] {
        assert!(
            checks
                .iter()
                .any(|c| c.resource_type.as_deref() == Some(kind) && c.check == "object_creation"),
            "{kind} was checked: {checks:?}"
        );
    }
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.passed())
        .map(|c| {
            format!(
                "{} {:?} {}: {:?}",
                c.status, c.resource_type, c.check, c.reason
            )
        })
        .collect();
    assert!(failed.is_empty(), "scim2-tester: {failed:#?}");
    idp.app.stop().await;
}

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

impl Idp {
    async fn send(&self, method: reqwest::Method, path: &str, body: Value, expected: u16) -> Value {
        let (status, answer, _) = self.call(method, path, Some(body)).await;
        assert_eq!(status, expected, "{path}: {answer}");
        answer
    }

    async fn patch(&self, id: &str, operations: Value) -> Value {
        self.send(
            reqwest::Method::PATCH,
            &format!("/Users/{id}"),
            json!({ "schemas": [PATCH_OP], "Operations": operations }),
            200,
        )
        .await
    }

    /// The Users list's people matching `q`, by address.
    async fn listed(&self, q: &str) -> Vec<String> {
        let page: PeoplePage = self
            .app
            .api
            .get_ok(&format!("/api/v1/accounts/{}/people?q={q}", self.acme.0))
            .await;
        page.people
            .iter()
            .map(|p| p.email.to_string().to_lowercase())
            .collect()
    }

    /// The audit log's actions and who did each, newest first.
    async fn actions(&self) -> Vec<(String, Option<String>)> {
        let log: roster_shared::api::AuditPage = self
            .app
            .api
            .get_ok(&format!("/api/v1/accounts/{}/audit", self.acme.0))
            .await;
        log.entries
            .into_iter()
            .map(|e| (e.action.as_str().to_owned(), e.actor))
            .collect()
    }
}

/// Microsoft Entra ID's provisioning, request by request as its documentation shows them
/// ("Tutorial: develop and plan provisioning for a SCIM endpoint"): match by userName, create
/// with the user principal name as userName and the address in `emails[type eq "work"]`,
/// update with capitalised operations and a filtered path, rename the identifier, disable with
/// the string "False", enable again, delete.
async fn entra_id_provisions_a_person_as_its_documentation_shows(engine: Engine) {
    let idp = idp(engine).await;
    let upn = "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee";
    let by_upn = format!("/Users?filter=userName+eq+%22{upn}%22");
    // "Test Connection" and matching: a name no one has is an empty list, not an error.
    let none = idp.get(&by_upn).await;
    assert_eq!(none["totalResults"], 0);
    assert_eq!(none["Resources"], json!([]));

    let created = idp
        .send(
            reqwest::Method::POST,
            "/Users",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "userName": upn,
                "active": true,
                "emails": [{ "primary": true, "type": "work",
                    "value": "Test_User_11bb11bb@testuser.com" }],
                "meta": { "resourceType": "User" },
                "name": { "formatted": "givenName familyName", "familyName": "familyName",
                    "givenName": "givenName" },
                "roles": [],
                "title": null,
            }),
            201,
        )
        .await;
    let id = created["id"].as_str().expect("an id").to_owned();
    assert_eq!(created["userName"], upn);
    assert_eq!(
        created["externalId"],
        "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    );
    assert_eq!(
        created["emails"],
        json!([{ "primary": true, "type": "work", "value": "Test_User_11bb11bb@testuser.com" }])
    );
    assert_eq!(created["name"]["givenName"], "givenName");
    assert!(created.get("roles").is_none() && created.get("title").is_none());
    // Invited at the work address, which Roster mails.
    assert_eq!(
        idp.listed("test_user_11bb").await,
        ["test_user_11bb11bb@testuser.com"]
    );
    idp.app
        .invitation_token("test_user_11bb11bb@testuser.com")
        .await;

    let found = idp.get(&by_upn).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());
    let by_external = idp
        .get("/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22")
        .await;
    assert_eq!(by_external["Resources"][0]["id"], id.as_str());
    // The same userName again, in another case: it is someone else's.
    let (status, conflict, _) = idp
        .call(
            reqwest::Method::POST,
            "/Users",
            Some(
                json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": upn.to_uppercase(), "emails": [{ "value": "other@testuser.com" }] }),
            ),
        )
        .await;
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(conflict["scimType"], "uniqueness");

    let updated = idp
        .patch(
            &id,
            json!([
                { "op": "Replace", "path": "emails[type eq \"work\"].value",
                  "value": "updatedEmail@microsoft.com" },
                { "op": "Replace", "path": "name.familyName", "value": "updatedFamilyName" },
                { "op": "Add", "path": "nickName", "value": "Babs" },
            ]),
        )
        .await;
    assert_eq!(updated["emails"][0]["value"], "updatedEmail@microsoft.com");
    assert_eq!(updated["name"]["familyName"], "updatedFamilyName");
    assert_eq!(updated["name"]["givenName"], "givenName");

    let renamed_upn = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com";
    let renamed = idp
        .patch(
            &id,
            json!([{ "op": "Replace", "path": "userName", "value": renamed_upn }]),
        )
        .await;
    assert_eq!(renamed["userName"], renamed_upn);
    assert_eq!(idp.get(&by_upn).await["totalResults"], 0);
    assert_eq!(
        idp.get(&format!("/Users?filter=userName+eq+%22{renamed_upn}%22"))
            .await["Resources"][0]["id"],
        id.as_str()
    );

    // Disabled with a string, as Entra ID's default job sends it: access gone, seat freed.
    let disabled = idp
        .patch(
            &id,
            json!([{ "op": "Replace", "path": "active", "value": "False" }]),
        )
        .await;
    assert_eq!(disabled["active"], false);
    assert!(idp.listed("test_user_11bb").await.is_empty());
    assert_eq!(
        idp.get(&format!("/Users/{id}")).await["userName"],
        renamed_upn
    );
    // Enabled again: invited again.
    let enabled = idp
        .patch(
            &id,
            json!([{ "op": "replace", "path": "active", "value": true }]),
        )
        .await;
    assert_eq!(enabled["active"], true);
    assert_eq!(
        idp.listed("test_user_11bb").await,
        ["test_user_11bb11bb@testuser.com"]
    );

    let (status, _, _) = idp
        .call(reqwest::Method::DELETE, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, gone, _) = idp
        .call(reqwest::Method::GET, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 404, "{gone}");
    assert!(idp.listed("test_user_11bb").await.is_empty());
    // Each step in the audit log, newest first, by the provider's token.
    let entries = idp.actions().await;
    let actions: Vec<&str> = entries.iter().map(|(action, _)| action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "person.removed",
            "access.removed",
            "invitation.sent",
            "person.removed",
            "access.removed",
            "invitation.sent",
            "api_token.created",
            // The Owner, signing in to make the token.
            "person.signed_in"
        ]
    );
    for (action, actor) in &entries[..6] {
        assert!(
            actor.as_deref().is_some_and(|a| a.contains("Okta")),
            "{action} by {actor:?}"
        );
    }
    idp.app.stop().await;
}

/// Okta's provisioning as its SCIM 2.0 reference shows it: match by userName with paging,
/// create with a login that is not an address (the address in `emails`) and the read-only
/// `groups` and a password sent along, replace the whole user with PUT (`id`, `meta` and
/// `groups` in the body), deactivate with a path-less replace.
async fn okta_provisions_a_person_as_its_documentation_shows(engine: Engine) {
    let idp = idp(engine).await;
    let match_login = "/Users?filter=userName%20eq%20%22test.user%22&startIndex=1&count=100";
    assert_eq!(idp.get(match_login).await["totalResults"], 0);
    let created = idp
        .send(
            reqwest::Method::POST,
            "/Users",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "test.user",
                "name": { "givenName": "Test", "familyName": "User" },
                "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work" }],
                "displayName": "Test User", "locale": "en-US",
                "externalId": "00ujl29u0le5T6Aj10h7", "groups": [],
                "password": "1mz050nq", "active": true,
            }),
            201,
        )
        .await;
    let id = created["id"].as_str().expect("an id").to_owned();
    assert_eq!(created["userName"], "test.user");
    assert_eq!(created["displayName"], "Test User");
    assert!(created.get("password").is_none() && created.get("locale").is_none());
    assert_eq!(idp.listed("test.user").await, ["test.user@okta.local"]);
    let found = idp.get(match_login).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["startIndex"], 1);

    let replaced = idp
        .send(
            reqwest::Method::PUT,
            &format!("/Users/{id}"),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": id, "userName": "test.user",
                "name": { "givenName": "Another", "middleName": "Excited", "familyName": "User" },
                "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work",
                    "display": "test.user@okta.local" }],
                "active": true, "groups": [], "meta": { "resourceType": "User" },
            }),
            200,
        )
        .await;
    assert_eq!(replaced["name"]["givenName"], "Another");
    // A replacement: what it leaves out is gone.
    assert!(replaced.get("displayName").is_none(), "{replaced}");
    assert!(replaced.get("externalId").is_none(), "{replaced}");

    let deactivated = idp
        .patch(
            &id,
            json!([{ "op": "replace", "value": { "active": false } }]),
        )
        .await;
    assert_eq!(deactivated["active"], false);
    assert!(idp.listed("test.user").await.is_empty());
    // Okta never deletes: the person stays, inactive, found by their login.
    assert_eq!(idp.get(match_login).await["Resources"][0]["active"], false);
    let reactivated = idp
        .patch(
            &id,
            json!([{ "op": "replace", "value": { "active": true } }]),
        )
        .await;
    assert_eq!(reactivated["active"], true);
    assert_eq!(idp.listed("test.user").await, ["test.user@okta.local"]);

    // No address to mail: refused, naming what is missing.
    let (status, refused, _) = idp
        .call(
            reqwest::Method::POST,
            "/Users",
            Some(
                json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "no.address" }),
            ),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["scimType"], "invalidValue");
    assert!(
        refused["detail"].as_str().unwrap().contains("emails"),
        "{refused}"
    );

    // Provisioned inactive (assigned in Okta before being activated): known to SCIM, not
    // invited, no seat taken; activating invites them.
    let dormant = idp
        .send(
            reqwest::Method::POST,
            "/Users",
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "later.user", "active": false,
                "emails": [{ "value": "later.user@okta.local", "type": "work" }] }),
            201,
        )
        .await;
    assert_eq!(dormant["active"], false);
    assert!(idp.listed("later.user").await.is_empty());
    let dormant_id = dormant["id"].as_str().expect("an id").to_owned();
    let found = idp
        .get("/Users?filter=userName%20eq%20%22LATER.USER%22")
        .await;
    assert_eq!(found["Resources"][0]["id"], dormant_id.as_str());
    idp.patch(
        &dormant_id,
        json!([{ "op": "replace", "value": { "active": true } }]),
    )
    .await;
    assert_eq!(idp.listed("later.user").await, ["later.user@okta.local"]);
    idp.app.invitation_token("later.user@okta.local").await;
    idp.app.stop().await;
}

/// Groups pushed as Entra ID and Okta document it: created (Entra with a schema of its own in
/// `schemas`, Okta with no members), found by name without their members, renamed (Okta with a
/// path-less replace holding the group's own id), members added and removed in each
/// provider's shape, replaced, deleted. They are kept with their members and grant nothing.
async fn providers_push_groups_of_their_own(engine: Engine) {
    let idp = idp(engine).await;
    let ana = idp.create("ana@example.com").await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let bo = idp.create("bo@example.com").await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let by_name = "/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22";
    assert_eq!(idp.get(by_name).await["totalResults"], 0);
    let created = idp
        .send(
            reqwest::Method::POST,
            "/Groups",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                "displayName": "Sales",
                "meta": { "resourceType": "Group" },
            }),
            201,
        )
        .await;
    let id = created["id"].as_str().expect("an id").to_owned();
    assert_eq!(created["displayName"], "Sales");
    assert_eq!(
        created["externalId"],
        "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
    );
    let found = idp.get(by_name).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());
    // The name is the group's, in any case.
    let (status, taken, _) = idp
        .call(
            reqwest::Method::POST,
            "/Groups",
            Some(
                json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "SALES" }),
            ),
        )
        .await;
    assert_eq!(
        (status, taken["scimType"].as_str()),
        (409, Some("uniqueness"))
    );

    let patch = |operations: Value| {
        let idp = &idp;
        let id = id.clone();
        async move {
            idp.send(
                reqwest::Method::PATCH,
                &format!("/Groups/{id}"),
                json!({ "schemas": [PATCH_OP], "Operations": operations }),
                200,
            )
            .await
        }
    };
    let member_ids = |group: &Value| -> Vec<String> {
        group["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| m["value"].as_str().expect("a member id").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    // Entra ID: rename, add with "$ref": null, remove by a value list.
    let renamed =
        patch(json!([{ "op": "Replace", "path": "displayName", "value": "Sales EMEA" }])).await;
    assert_eq!(renamed["displayName"], "Sales EMEA");
    let added = patch(json!([{ "op": "Add", "path": "members",
        "value": [{ "$ref": null, "value": ana }, { "$ref": null, "value": bo }] }]))
    .await;
    assert_eq!(member_ids(&added), [ana.clone(), bo.clone()]);
    let removed =
        patch(json!([{ "op": "Remove", "path": "members", "value": [{ "value": ana }] }])).await;
    assert_eq!(member_ids(&removed), [bo.as_str()]);
    // Okta: a path-less rename with the group's id inside, then remove and add in one PATCH.
    let renamed = patch(json!([{ "op": "replace",
        "value": { "id": id, "displayName": "Test SCIMv2" } }]))
    .await;
    assert_eq!(renamed["displayName"], "Test SCIMv2");
    let swapped = patch(json!([
        { "op": "remove", "path": format!("members[value eq \"{bo}\"]") },
        { "op": "add", "path": "members", "value": [{ "value": ana, "display": "ana@example.com" }] },
    ]))
    .await;
    assert_eq!(member_ids(&swapped), [ana.as_str()]);
    let whole = patch(json!([{ "op": "replace", "path": "members",
        "value": [{ "value": ana }, { "value": bo }] }]))
    .await;
    assert_eq!(member_ids(&whole), [ana.clone(), bo.clone()]);
    let without = idp
        .get(&format!("/Groups/{id}?excludedAttributes=members"))
        .await;
    assert!(without.get("members").is_none(), "{without}");
    // Someone who is not one of the organisation's Users is no member; nothing changes.
    let (status, refused, _) = idp
        .call(
            reqwest::Method::PATCH,
            &format!("/Groups/{id}"),
            Some(json!({ "schemas": [PATCH_OP],
                "Operations": [{ "op": "add", "path": "members", "value": [{ "value": "999999" }] }] })),
        )
        .await;
    assert_eq!(
        (status, refused["scimType"].as_str()),
        (400, Some("invalidValue"))
    );
    // Nor is someone of another organisation: not a member here, not a User here.
    let outsider = idp.other_organisation().await.owner_id;
    let (status, refused, _) = idp
        .call(
            reqwest::Method::PATCH,
            &format!("/Groups/{id}"),
            Some(json!({ "schemas": [PATCH_OP],
                "Operations": [{ "op": "add", "path": "members",
                    "value": [{ "value": outsider.to_string() }] }] })),
        )
        .await;
    assert_eq!(
        (status, refused["scimType"].as_str()),
        (400, Some("invalidValue"))
    );
    let (status, _, _) = idp
        .call(reqwest::Method::GET, &format!("/Users/{outsider}"), None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        member_ids(&idp.get(&format!("/Groups/{id}")).await),
        [ana.clone(), bo.clone()]
    );

    // A User deleted through SCIM is no longer a member (and not again if created anew).
    let (status, _, _) = idp
        .call(reqwest::Method::DELETE, &format!("/Users/{bo}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        member_ids(&idp.get(&format!("/Groups/{id}")).await),
        [ana.as_str()]
    );

    // Not mapped, it grants nothing: each member keeps exactly the access they had, and
    // lists the group among their groups.
    assert_eq!(idp.access(&ana).await, [format!("{}-basic", idp.acme.0)]);
    let ana_groups = idp.get(&format!("/Users/{ana}")).await["groups"].clone();
    assert_eq!(ana_groups.as_array().map(Vec::len), Some(2), "{ana_groups}");
    assert_eq!(ana_groups[1]["value"], id.as_str(), "{ana_groups}");
    assert_eq!(ana_groups[1]["display"], "Test SCIMv2", "{ana_groups}");

    let (status, _, _) = idp
        .call(reqwest::Method::DELETE, &format!("/Groups/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _, _) = idp
        .call(reqwest::Method::GET, &format!("/Groups/{id}"), None)
        .await;
    assert_eq!(status, 404);
    idp.app.stop().await;
}

impl Idp {
    /// A User's built-in groups (`{account}-{role}`: their access), sorted.
    async fn access(&self, user: &str) -> Vec<String> {
        let found = self.get(&format!("/Users/{user}")).await;
        let mut groups: Vec<String> = found["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .filter_map(|g| g["value"].as_str())
            .filter(|id| id.contains('-'))
            .map(str::to_owned)
            .collect();
        groups.sort();
        groups
    }

    async fn push_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({ "value": m })).collect();
        let created = self
            .send(
                reqwest::Method::POST,
                "/Groups",
                json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": name, "members": members }),
                201,
            )
            .await;
        created["id"].as_str().expect("an id").to_owned()
    }

    async fn group_members(&self, group: &str, op: &str, user: &str) -> (u16, Value) {
        let (status, body, _) = self
            .call(
                reqwest::Method::PATCH,
                &format!("/Groups/{group}"),
                Some(json!({ "schemas": [PATCH_OP],
                    "Operations": [{ "op": op, "path": "members", "value": [{ "value": user }] }] })),
            )
            .await;
        (status, body)
    }

    /// A second organisation, "Other", whose Owner has accepted: its top-level account, its
    /// Owner's user id and signed-in client, and a SCIM token of its own (an Admin at most).
    async fn other_organisation(&self) -> Other {
        let (root, owner_id, owner) = self
            .app
            .other_organisation("Other", "other.owner@example.com")
            .await;
        let token: CreatedApiToken = expect_json(
            owner
                .post(
                    &format!("/api/v1/accounts/{}/api-tokens", root.0),
                    &json!({ "name": "Their IdP", "max_role": "admin" }),
                )
                .await,
            201,
        )
        .await;
        Other {
            root,
            owner_id: owner_id.0,
            owner,
            token: token.token,
        }
    }

    fn grant_path(&self, group: &str) -> String {
        format!(
            "/api/v1/accounts/{}/provisioning/groups/{group}",
            self.acme.0
        )
    }

    /// An Owner makes `group` give `grant` (`{ "role", "accounts" }`).
    async fn map(&self, group: &str, grant: Value) -> roster_shared::api::GroupGrantOutcome {
        expect_json(self.app.api.put(&self.grant_path(group), &grant).await, 200).await
    }

    async fn pushed(&self) -> Vec<roster_shared::api::PushedGroup> {
        self.app
            .api
            .get_ok(&format!(
                "/api/v1/accounts/{}/provisioning/groups",
                self.acme.0
            ))
            .await
    }
}

fn id_of(user: &Value) -> String {
    user["id"].as_str().expect("an id").to_owned()
}

/// An Owner maps a pushed group to a role on accounts (Settings › Provisioning): its members
/// get that access, new members get it when the provider adds them, leaving takes it back, a
/// role changed by hand since stays, deactivation and reactivation bring it along, and the
/// provider's token cannot give more than it may.
async fn a_mapped_group_gives_its_members_access_and_takes_it_back(engine: Engine) {
    let idp = idp(engine).await;
    let acme = idp.acme.0;
    let support = idp.app.sub_account(idp.acme, "Support").await.0;
    let ana = id_of(&idp.create("ana@example.com").await);
    let bo = id_of(&idp.create("bo@example.com").await);
    let basic = format!("{acme}-basic");
    let support_admin = format!("{support}-admin");
    let group = idp.push_group("Support agents", &[&ana]).await;
    // Pushed, it gives nothing.
    let listed = idp.pushed().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), listed[0].members, &listed[0].grant),
        ("Support agents", 1, &None)
    );
    assert_eq!(idp.access(&ana).await, [basic.as_str()]);

    let outcome = idp
        .map(&group, json!({ "role": "admin", "accounts": [support] }))
        .await;
    assert_eq!((outcome.changed, outcome.refused.len()), (1, 0));
    assert_eq!(
        outcome.group.grant,
        Some(roster_shared::api::GroupGrant {
            role: Role::Admin,
            accounts: vec![AccountId(support)],
        })
    );
    assert_eq!(
        idp.access(&ana).await,
        [basic.as_str(), support_admin.as_str()]
    );
    assert_eq!(idp.access(&bo).await, [basic.as_str()]);

    // The provider adds bo: bo gets it, and the log names the provider's token.
    let (status, body) = idp.group_members(&group, "add", &bo).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        idp.access(&bo).await,
        [basic.as_str(), support_admin.as_str()]
    );
    let actions = idp.actions().await;
    assert!(
        actions
            .iter()
            .any(|(action, actor)| action.starts_with("access.")
                && actor.as_deref().is_some_and(|a| a.contains("Okta"))),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|(action, _)| action == "group.mapped"),
        "{actions:?}"
    );
    // The User lists the pushed group among its groups.
    let user = idp.get(&format!("/Users/{bo}")).await;
    assert!(
        user["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .any(|g| g["value"] == group.as_str() && g["display"] == "Support agents"),
        "{user}"
    );

    // The provider takes ana out: what the group gave goes, the default access stays.
    let (status, body) = idp.group_members(&group, "remove", &ana).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(idp.access(&ana).await, [basic.as_str()]);

    // Deactivated, bo has nothing; active again, the group's access comes back with them.
    idp.patch(
        &bo,
        json!([{ "op": "replace", "path": "active", "value": false }]),
    )
    .await;
    assert!(idp.access(&bo).await.is_empty());
    idp.patch(
        &bo,
        json!([{ "op": "replace", "path": "active", "value": true }]),
    )
    .await;
    assert_eq!(
        idp.access(&bo).await,
        [basic.as_str(), support_admin.as_str()]
    );

    // An Owner lowers bo's role on Support by hand: the role is theirs now, and the group
    // losing its mapping leaves it.
    let bo_id: i64 = bo.parse().expect("a number");
    expect_json::<Value>(
        idp.app
            .api
            .put(
                &format!("/api/v1/accounts/{acme}/people/{bo_id}/access"),
                &json!({ "access": [
                    { "account": acme, "role": "basic" },
                    { "account": support, "role": "reporting" },
                ] }),
            )
            .await,
        200,
    )
    .await;
    let outcome: roster_shared::api::GroupGrantOutcome =
        expect_json(idp.app.api.delete(&idp.grant_path(&group)).await, 200).await;
    assert_eq!((outcome.changed, &outcome.group.grant), (0, &None));
    assert_eq!(
        idp.access(&bo).await,
        [basic.clone(), format!("{support}-reporting")]
    );

    // Mapped to Owner, the group's new members would be Owners: the provider's token acts as
    // an Admin at most, so adding one is refused and the group is as it was.
    idp.map(&group, json!({ "role": "owner", "accounts": [support] }))
        .await;
    assert_eq!(
        idp.access(&bo).await,
        [basic.clone(), format!("{support}-owner")]
    );
    let (status, body) = idp.group_members(&group, "add", &ana).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    let members = idp.pushed().await[0].members;
    assert_eq!(members, 1);
    assert_eq!(idp.access(&ana).await, [basic.as_str()]);

    // Deleted by the provider (mapped to Basic on Support first, which its token may take
    // back): its members lose what it gave.
    idp.map(&group, json!({ "role": "basic", "accounts": [support] }))
        .await;
    assert_eq!(
        idp.access(&bo).await,
        [basic.clone(), format!("{support}-basic")]
    );
    let (status, _, _) = idp
        .call(reqwest::Method::DELETE, &format!("/Groups/{group}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(idp.access(&bo).await, [basic.as_str()]);
    assert!(idp.pushed().await.is_empty());
}

/// Mapping is for Owners of the top-level account, on its own groups and accounts: an Admin is
/// refused, a sub-account has no provisioning, another organisation's group is not found and
/// its accounts are not this organisation's.
async fn only_owners_map_groups_and_only_their_own(engine: Engine) {
    let idp = idp(engine).await;
    let acme = idp.acme;
    let support = idp.app.sub_account(acme, "Support").await;
    let ana = id_of(&idp.create("ana@example.com").await);
    let group = idp.push_group("Support agents", &[&ana]).await;
    let grant = json!({ "role": "admin", "accounts": [support.0] });

    idp.app
        .invite(acme, &["admin@example.com"], &[(Role::Admin, &[acme])])
        .await;
    let admin = idp
        .app
        .accept_as_new("admin@example.com", "Ada Admin")
        .await;
    let seen: Vec<roster_shared::api::PushedGroup> = admin
        .get_ok(&format!("/api/v1/accounts/{}/provisioning/groups", acme.0))
        .await;
    assert_eq!(seen.len(), 1);
    roster_tests::expect_error(
        admin.put(&idp.grant_path(&group), &grant).await,
        403,
        "not_an_owner",
    )
    .await;
    roster_tests::expect_error(
        idp.app
            .api
            .put(
                &format!("/api/v1/accounts/{}/provisioning/groups/{group}", support.0),
                &grant,
            )
            .await,
        404,
        "not_found",
    )
    .await;
    // Nothing was mapped.
    assert_eq!(idp.pushed().await[0].grant, None);
    assert_eq!(idp.access(&ana).await, [format!("{}-basic", acme.0)]);

    // Another organisation, with a pushed group of its own.
    let other_root = idp.other_organisation().await.root.0;
    let pool = idp.app.db().await;
    let other_group: i64 = sqlx::query_scalar(
        "INSERT INTO scim_groups (root_id, display_name, display_key, created_at) \
         VALUES ($1, 'Theirs', 'theirs', 0) RETURNING id",
    )
    .bind(other_root)
    .fetch_one(&pool)
    .await
    .expect("their group");
    pool.close().await;
    roster_tests::expect_error(
        idp.app
            .api
            .put(&idp.grant_path(&other_group.to_string()), &grant)
            .await,
        404,
        "not_found",
    )
    .await;
    let message = roster_tests::expect_error(
        idp.app
            .api
            .put(
                &idp.grant_path(&group),
                &json!({ "role": "admin", "accounts": [other_root] }),
            )
            .await,
        422,
        "invalid_body",
    )
    .await;
    assert!(message.contains("no account"), "{message}");
    let message = roster_tests::expect_error(
        idp.app
            .api
            .put(
                &idp.grant_path(&group),
                &json!({ "role": "admin", "accounts": [] }),
            )
            .await,
        422,
        "invalid_body",
    )
    .await;
    assert!(message.contains("at least one account"), "{message}");
    // The provider's token, an Admin at most, cannot map either.
    let status = idp
        .app
        .new_client()
        .http
        .put(idp.app.url(&idp.grant_path(&group)))
        .bearer_auth(&idp.token)
        .json(&grant)
        .send()
        .await
        .expect("an answer")
        .status();
    assert_eq!(status, 403);
    assert_eq!(idp.pushed().await[0].grant, None);
}

/// Another organisation, as [`Idp::other_organisation`] makes it.
struct Other {
    root: AccountId,
    owner_id: i64,
    owner: roster_tests::ApiClient,
    token: String,
}

/// Another organisation's provider and Owner aim at this organisation's pushed group and
/// Users: its token neither sees, changes, nor deletes the group, nor takes this
/// organisation's Users into its own groups; its Owner cannot map the group. The group and its
/// member's access are as they were.
async fn another_organisation_cannot_reach_these_groups(engine: Engine) {
    let idp = idp(engine).await;
    let support = idp.app.sub_account(idp.acme, "Support").await;
    let ana = id_of(&idp.create("ana@example.com").await);
    let group = idp.push_group("Support agents", &[&ana]).await;
    idp.map(&group, json!({ "role": "admin", "accounts": [support.0] }))
        .await;
    let other = idp.other_organisation().await;
    let add_ana = json!({ "schemas": [PATCH_OP],
        "Operations": [{ "op": "add", "path": "members", "value": [{ "value": ana }] }] });
    for (method, body) in [
        (reqwest::Method::GET, None),
        (reqwest::Method::PATCH, Some(add_ana.clone())),
        (
            reqwest::Method::PUT,
            Some(
                json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Taken over", "members": [] }),
            ),
        ),
        (reqwest::Method::DELETE, None),
    ] {
        let (status, answer, _) = idp
            .call_as(
                &other.token,
                method.clone(),
                &format!("/Groups/{group}"),
                body,
            )
            .await;
        assert_eq!(status, 404, "{method} {answer}");
    }
    // Their own group cannot take this organisation's User as a member.
    let (status, refused, _) = idp
        .call_as(
            &other.token,
            reqwest::Method::POST,
            "/Groups",
            Some(
                json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Ours", "members": [{ "value": ana }] }),
            ),
        )
        .await;
    assert_eq!(
        (status, refused["scimType"].as_str()),
        (400, Some("invalidValue"))
    );
    // Their Owner cannot map this organisation's group, on either organisation's address.
    let grant = json!({ "role": "owner", "accounts": [other.root.0] });
    roster_tests::expect_error(
        other.owner.put(&idp.grant_path(&group), &grant).await,
        404,
        "not_found",
    )
    .await;
    roster_tests::expect_error(
        other
            .owner
            .put(
                &format!(
                    "/api/v1/accounts/{}/provisioning/groups/{group}",
                    other.root.0
                ),
                &grant,
            )
            .await,
        404,
        "not_found",
    )
    .await;
    // Nothing changed here.
    let found = idp.get(&format!("/Groups/{group}")).await;
    assert_eq!(found["displayName"], "Support agents");
    assert_eq!(found["members"][0]["value"], ana.as_str());
    assert_eq!(
        idp.access(&ana).await,
        [
            format!("{}-basic", idp.acme.0),
            format!("{}-admin", support.0)
        ]
    );
}
