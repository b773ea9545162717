//! The permission matrix: every role (Owner, Admin, Basic, Reporting, none) × every position of
//! the target account (same, ancestor, descendant, sibling, another organisation) × every
//! reading and state-changing endpoint. The expected answer comes from the `shared` rules;
//! the server must agree everywhere, and an id from another organisation must be refused
//! exactly like an id that does not exist.

use roster_shared::access::{self, Membership};
use roster_shared::account::{AccountId, AccountTree};
use roster_shared::api::{CreatedApiToken, PeoplePage};
use roster_shared::role::Role;
use roster_shared::seats::SeatQuote;
use roster_tests::{ApiClient, Engine, TestApp, engines, expect_json};
use serde_json::json;

engines!(every_role_position_and_endpoint_matches_the_rules);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 2xx (or a domain answer after the permission check: 409 seats, 422 rule).
    Allowed,
    Forbidden,
    /// Indistinguishable from an id that does not exist.
    NotFound,
}

#[derive(Debug, Clone, Copy)]
enum Need {
    /// Admin or Owner on the target account.
    Manage,
    /// Admin or Owner on the target's top-level account.
    ManageOrganisation,
    /// Basic or above on the target account.
    Write,
}

struct World {
    app: TestApp,
    tree: AccountTree,
    root: AccountId,
    a: AccountId,
    a1: AccountId,
    b: AccountId,
    other: AccountId,
    /// Per target account: a member to act on.
    member: Vec<(AccountId, i64)>,
}

async fn world(engine: Engine) -> World {
    let app = TestApp::spawn(engine).await;
    let root = app.set_up().await.last_account.unwrap();
    app.set_extra_seats(root, 500).await;
    let a = app.sub_account(root, "A").await;
    let a1 = app.sub_account(a, "A1").await;
    let b = app.sub_account(root, "B").await;
    let created = roster_backend::operator::create_organisation(
        app.database_url(),
        None,
        &app.address,
        "Other",
        "business",
        "other.owner@example.com",
    )
    .await
    .unwrap();
    let other = AccountId(created.account_id);
    let tree = AccountTree::from_rows([
        (root, None, false),
        (a, Some(root), false),
        (a1, Some(a), false),
        (b, Some(root), false),
        (other, None, false),
    ])
    .unwrap();
    let mut member = Vec::new();
    for (account, name) in [(root, "root"), (a, "a"), (a1, "a1"), (b, "b")] {
        let email = format!("member.{name}@example.com");
        app.invite(root, &[&email], &[(Role::Reporting, &[account])])
            .await;
        app.accept_as_new(&email, &format!("Member {name}")).await;
        let page: PeoplePage = app
            .api
            .get_ok(&format!("/api/v1/accounts/{}/people?q={email}", root.0))
            .await;
        member.push((account, page.people[0].id.0));
    }
    // The other organisation's Owner accepts, so it has a member to aim at.
    let token = created
        .invitation_link
        .split_once("#token=")
        .unwrap()
        .1
        .to_owned();
    let owner = app.new_client();
    let outcome: roster_shared::api::SignInOutcome = expect_json(
        owner.post("/api/v1/invitations/accept", &json!({ "token": token, "profile": { "name": "Other Owner", "password": roster_tests::MEMBER_PASSWORD } })).await,
        200,
    )
    .await;
    let roster_shared::api::SignInOutcome::SignedIn { session } = outcome else {
        panic!()
    };
    member.push((other, session.user.id.0));
    World {
        app,
        tree,
        root,
        a,
        a1,
        b,
        other,
        member,
    }
}

impl World {
    fn member_of(&self, account: AccountId) -> i64 {
        self.member.iter().find(|(a, _)| *a == account).unwrap().1
    }

    fn expect(&self, memberships: &[Membership], target: AccountId, need: Need) -> Expect {
        let Some(role) = access::effective_role(&self.tree, memberships, target) else {
            return Expect::NotFound;
        };
        let allowed = match need {
            Need::Manage => role.manages_users(),
            Need::Write => role >= Role::Basic,
            Need::ManageOrganisation => {
                access::check_manage_users(&self.tree, memberships, self.tree.root(target)).is_ok()
            }
        };
        if allowed {
            Expect::Allowed
        } else {
            Expect::Forbidden
        }
    }
}

fn classify(status: u16) -> Expect {
    match status {
        200..=299 | 409 | 422 => Expect::Allowed,
        403 => Expect::Forbidden,
        404 => Expect::NotFound,
        other => panic!("unexpected status {other}"),
    }
}

async fn every_role_position_and_endpoint_matches_the_rules(engine: Engine) {
    let w = world(engine).await;
    let app = &w.app;
    let not_found_body = app
        .api
        .get("/api/v1/accounts/999999/people")
        .await
        .text()
        .await
        .unwrap();

    let mut actors: Vec<(String, ApiClient, Vec<Membership>)> = Vec::new();
    for role in Role::ALL {
        let email = format!("actor.{}@example.com", role.as_str());
        app.invite(w.root, &[&email], &[(role, &[w.a])]).await;
        let client = app
            .accept_as_new(&email, &format!("Actor {}", role.label()))
            .await;
        actors.push((
            role.label().to_owned(),
            client,
            vec![Membership { account: w.a, role }],
        ));
    }
    // Someone with no access to this organisation (only to the other one).
    let outsider = app.new_client();
    outsider
        .sign_in_ok("other.owner@example.com", roster_tests::MEMBER_PASSWORD)
        .await;
    actors.push((
        "no access".into(),
        outsider,
        vec![Membership {
            account: w.other,
            role: Role::Owner,
        }],
    ));

    let positions = [
        ("same", w.a),
        ("ancestor", w.root),
        ("descendant", w.a1),
        ("sibling", w.b),
        ("other organisation", w.other),
    ];
    let mut cases = 0;
    let mut unique = 0;
    for (actor_name, client, memberships) in &actors {
        for (position, target) in positions {
            // The outsider's own organisation is their "same"; everything in Acme is foreign.
            let memberships = memberships.as_slice();
            let t = target.0;
            let person = w.member_of(target);
            unique += 1;
            let fresh = format!("fresh{unique}@example.com");
            // Set up what the state-changing calls act on (as the top-level Owner of the target).
            let owner_client = if target == w.other {
                None
            } else {
                Some(&app.api)
            };
            let mut victim = None;
            let mut leaver = None;
            let mut token_id = None;
            if let Some(owner) = owner_client {
                for (slot, kind) in [(&mut victim, "victim"), (&mut leaver, "leaver")] {
                    let email = format!("{kind}{unique}@example.com");
                    let _ = app
                        .invite_as(owner, target, &[&email], &[(Role::Reporting, &[target])])
                        .await;
                    let page: PeoplePage = owner
                        .get_ok(&format!("/api/v1/accounts/{t}/people?q={email}"))
                        .await;
                    *slot = Some(page.people[0].id.0);
                }
                let token: CreatedApiToken = expect_json(
                    owner
                        .post(
                            &format!("/api/v1/accounts/{t}/api-tokens"),
                            &json!({ "name": "m", "max_role": "reporting" }),
                        )
                        .await,
                    201,
                )
                .await;
                token_id = Some(token.info.id);
            }
            let victim = victim.unwrap_or(person);
            let leaver = leaver.unwrap_or(person);
            let token_id = token_id.unwrap_or(999_998);
            let quote_total = {
                let quote = app
                    .api
                    .get(&format!(
                        "/api/v1/accounts/{}/seats/quote?quantity=1",
                        w.root.0
                    ))
                    .await
                    .json::<SeatQuote>()
                    .await
                    .unwrap();
                quote.total.minor
            };
            let requests: Vec<(
                &str,
                Need,
                reqwest::Method,
                String,
                Option<serde_json::Value>,
            )> = vec![
                (
                    "list people",
                    Need::Manage,
                    reqwest::Method::GET,
                    format!("/api/v1/accounts/{t}/people"),
                    None,
                ),
                (
                    "export people",
                    Need::Manage,
                    reqwest::Method::GET,
                    format!("/api/v1/accounts/{t}/people.csv"),
                    None,
                ),
                (
                    "invite options",
                    Need::Manage,
                    reqwest::Method::GET,
                    format!("/api/v1/accounts/{t}/invite-options"),
                    None,
                ),
                (
                    "person",
                    Need::Manage,
                    reqwest::Method::GET,
                    format!("/api/v1/accounts/{t}/people/{person}"),
                    None,
                ),
                (
                    "audit",
                    Need::Manage,
                    reqwest::Method::GET,
                    format!("/api/v1/accounts/{t}/audit"),
                    None,
                ),
                (
                    "audit csv",
                    Need::Manage,
                    reqwest::Method::GET,
                    format!("/api/v1/accounts/{t}/audit.csv"),
                    None,
                ),
                (
                    "seats",
                    Need::Manage,
                    reqwest::Method::GET,
                    format!("/api/v1/accounts/{t}/seats"),
                    None,
                ),
                (
                    "tokens",
                    Need::Manage,
                    reqwest::Method::GET,
                    format!("/api/v1/accounts/{t}/api-tokens"),
                    None,
                ),
                (
                    "create sub-account",
                    Need::Manage,
                    reqwest::Method::POST,
                    format!("/api/v1/accounts/{t}/sub-accounts"),
                    Some(json!({ "name": format!("S{unique}") })),
                ),
                (
                    "rename",
                    Need::Manage,
                    reqwest::Method::PATCH,
                    format!("/api/v1/accounts/{t}"),
                    Some(
                        json!({ "name": if target == w.root { "Acme" } else if target == w.other { "Other" } else if target == w.a { "A" } else if target == w.a1 { "A1" } else { "B" } }),
                    ),
                ),
                (
                    "invite",
                    Need::Manage,
                    reqwest::Method::POST,
                    format!("/api/v1/accounts/{t}/invitations"),
                    Some(
                        json!({ "emails": [fresh], "grants": [{ "role": "reporting", "accounts": [target] }] }),
                    ),
                ),
                (
                    "preview",
                    Need::Manage,
                    reqwest::Method::POST,
                    format!("/api/v1/accounts/{t}/invitations/preview"),
                    Some(json!({ "csv": format!("{fresh}x,reporting,{t}") })),
                ),
                (
                    "bulk",
                    Need::Manage,
                    reqwest::Method::POST,
                    format!("/api/v1/accounts/{t}/invitations/bulk"),
                    Some(
                        json!({ "rows": [{ "email": format!("b{fresh}"), "role": "reporting", "account": target }] }),
                    ),
                ),
                (
                    "edit access",
                    Need::Manage,
                    reqwest::Method::PUT,
                    format!("/api/v1/accounts/{t}/people/{person}/access"),
                    Some(json!({ "access": [{ "account": target, "role": "reporting" }] })),
                ),
                (
                    "resend",
                    Need::Manage,
                    reqwest::Method::POST,
                    format!("/api/v1/accounts/{t}/people/{victim}/invitation/resend"),
                    None,
                ),
                (
                    "copy link",
                    Need::Manage,
                    reqwest::Method::POST,
                    format!("/api/v1/accounts/{t}/people/{victim}/invitation/link"),
                    None,
                ),
                (
                    "revoke",
                    Need::Manage,
                    reqwest::Method::DELETE,
                    format!("/api/v1/accounts/{t}/people/{victim}/invitation"),
                    None,
                ),
                (
                    "buy seats",
                    Need::ManageOrganisation,
                    reqwest::Method::POST,
                    format!("/api/v1/accounts/{t}/seats/purchases"),
                    Some(json!({ "quantity": 1, "expected_total_minor": quote_total })),
                ),
                (
                    "remove seats",
                    Need::ManageOrganisation,
                    reqwest::Method::POST,
                    format!("/api/v1/accounts/{t}/seats/removals"),
                    Some(json!({ "quantity": 1 })),
                ),
                (
                    "create token",
                    Need::Manage,
                    reqwest::Method::POST,
                    format!("/api/v1/accounts/{t}/api-tokens"),
                    Some(json!({ "name": "t", "max_role": "reporting" })),
                ),
                (
                    "revoke token",
                    Need::Manage,
                    reqwest::Method::DELETE,
                    format!("/api/v1/accounts/{t}/api-tokens/{token_id}"),
                    None,
                ),
                (
                    "inbound message",
                    Need::Write,
                    reqwest::Method::POST,
                    format!("/api/v1/accounts/{t}/inbound-messages"),
                    Some(json!({ "from": "x", "preview": "y" })),
                ),
                (
                    "remove person",
                    Need::Manage,
                    reqwest::Method::DELETE,
                    format!("/api/v1/accounts/{t}/people/{leaver}"),
                    None,
                ),
            ];
            for (name, need, method, path, body) in requests {
                // The outsider's view: Acme's accounts are invisible; their own organisation is
                // theirs (Owner).
                let expected = if *actor_name == "no access" {
                    match (target == w.other, name) {
                        (false, _) => Expect::NotFound,
                        // In their own organisation they are its Owner, and the member to act
                        // on is themself: their own access is refused, the rest allowed.
                        (true, "edit access" | "remove person") => Expect::Forbidden,
                        (true, "revoke token") => Expect::NotFound,
                        (true, _) => Expect::Allowed,
                    }
                } else {
                    w.expect(memberships, target, need)
                };
                // Revoking a token of another role's creator is still allowed for Admins; the
                // sentinel id of the other organisation must look unknown.
                let mut request = client.request(method.clone(), &path);
                if let Some(body) = &body {
                    request = request.json(body);
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let text = response.text().await.unwrap();
                let actual = classify(status);
                // Person-scoped endpoints on the other organisation's ids: unknown to Acme
                // people, and some ids (victim, token) are sentinels for the outsider.
                let expected = match (expected, name) {
                    // The sentinel ids used where the other organisation has no victim.
                    (
                        Expect::Allowed,
                        "resend" | "copy link" | "revoke" | "revoke token" | "remove person",
                    ) if target == w.other && *actor_name != "no access" => Expect::NotFound,
                    (e, _) => e,
                };
                assert_eq!(
                    actual, expected,
                    "{actor_name} → {name} on {position} ({method} {path}): {status} {text}"
                );
                if actual == Expect::NotFound
                    && path.contains("/accounts/")
                    && !name.contains("person")
                    && ![
                        "resend",
                        "copy link",
                        "revoke",
                        "revoke token",
                        "remove person",
                        "person",
                        "edit access",
                    ]
                    .contains(&name)
                {
                    // No IDOR: refused exactly like an account that does not exist.
                    assert!(
                        text.contains("There is no such account."),
                        "{actor_name} → {name} on {position}: {text}"
                    );
                }
                cases += 1;
            }
        }
    }
    assert_eq!(
        not_found_body,
        r#"{"code":"not_found","message":"There is no such account."}"#
    );
    eprintln!("permission matrix: {cases} cases");
    assert!(cases >= 5 * 5 * 20);
    w.app.stop().await;
}
