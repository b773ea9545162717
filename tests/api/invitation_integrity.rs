//! An invitation reaches further than the person acting on it, and a person's identity is
//! theirs alone.
//!
//! - Copying an invitation's link, sending it again, withdrawing it and inviting its address
//!   again each hand on (or take back) *everything* it offers: the shared rule
//!   `access::check_invitation_action` is the oracle for every actor × invitation × action,
//!   with invitations that offer grants beyond the actor's reach.
//! - People are global: one identity per address for every organisation. No organisation can
//!   create its password through a copied link, see its name or number before it accepted,
//!   or make another organisation's invitation go to a different mailbox.

use roster_shared::access::{self, Membership, MembershipChange, TargetMembership, UserId};
use roster_shared::account::{AccountId, AccountTree};
use roster_shared::api::{
    InvitationLink, InvitationView, InviteResult, NotInvitedReason, PeoplePage, PersonDetail,
    SignInOutcome,
};
use roster_shared::role::Role;
use roster_tests::{
    ApiClient, Engine, MEMBER_PASSWORD, TestApp, engines, eventually, expect_error, expect_json,
};
use serde_json::json;
use sqlx::Row as _;

engines!(
    a_sub_account_admin_cannot_hand_on_an_owner_invitation,
    every_invitation_action_follows_the_shared_rule,
    a_copied_link_cannot_create_an_identity,
    another_organisation_cannot_take_over_an_identity,
    an_identity_gets_one_password_however_many_invitations_race,
    an_organisation_sees_an_invitee_only_as_the_invited_address,
    an_invitation_is_mailed_to_the_address_it_was_made_for,
);

/// Acme with sub-accounts A (with A1 under it) and B.
struct World {
    app: TestApp,
    tree: AccountTree,
    root: AccountId,
    a: AccountId,
    a1: AccountId,
    b: AccountId,
}

async fn world(engine: Engine) -> World {
    let app = TestApp::spawn(engine).await;
    let root = app.set_up().await.last_account.unwrap();
    app.set_extra_seats(root, 1000).await;
    let a = app.sub_account(root, "A").await;
    let a1 = app.sub_account(a, "A1").await;
    let b = app.sub_account(root, "B").await;
    let tree = AccountTree::from_rows([
        (root, None, false),
        (a, Some(root), false),
        (a1, Some(a), false),
        (b, Some(root), false),
    ])
    .unwrap();
    World {
        app,
        tree,
        root,
        a,
        a1,
        b,
    }
}

impl World {
    /// Invites `email` as the top-level Owner with `grants` (one account each).
    async fn owner_invites(&self, email: &str, grants: &[Membership]) {
        let grants: Vec<_> = grants
            .iter()
            .map(|g| json!({ "role": g.role, "accounts": [g.account] }))
            .collect();
        let _: InviteResult = expect_json(
            self.app
                .api
                .post(
                    &format!("/api/v1/accounts/{}/invitations", self.root.0),
                    &json!({ "emails": [email], "grants": grants }),
                )
                .await,
            200,
        )
        .await;
    }

    /// A second organisation, "Other", whose Owner has accepted and is signed in.
    async fn other_organisation(&self) -> (ApiClient, AccountId) {
        let (root, _, owner) = self
            .app
            .other_organisation("Other", "other.owner@example.com")
            .await;
        (owner, root)
    }

    /// "Copy invitation link" on `person`, as the top-level Owner.
    async fn copy_link(&self, person: i64) -> InvitationLink {
        expect_json(
            self.app
                .api
                .post_empty(&format!(
                    "/api/v1/accounts/{}/people/{person}/invitation/link",
                    self.root.0
                ))
                .await,
            200,
        )
        .await
    }

    async fn person(&self, email: &str) -> i64 {
        let page: PeoplePage = self
            .app
            .api
            .get_ok(&format!(
                "/api/v1/accounts/{}/people?q={email}",
                self.root.0
            ))
            .await;
        page.people
            .iter()
            .find(|p| p.email.as_str() == email)
            .unwrap_or_else(|| panic!("{email} is listed"))
            .id
            .0
    }

    /// Someone with `role` on `account` (accepted), signed in.
    async fn actor(&self, role: Role, account: AccountId, email: &str) -> ApiClient {
        self.owner_invites(email, &[Membership { account, role }])
            .await;
        self.app.accept_as_new(email, "Actor").await
    }
}

/// Invites `email` with Basic on the top-level account `root`, as its Owner `owner`.
async fn invite_basic(app: &TestApp, owner: &ApiClient, root: AccountId, email: &str) {
    let _: InviteResult = expect_json(
        app.invite_as(owner, root, &[email], &[(Role::Basic, &[root])])
            .await,
        200,
    )
    .await;
}

/// What the open invitation of `user` offers now, and when it expires.
async fn offered(app: &TestApp, user: i64) -> (Vec<(i64, String)>, i64) {
    let db = app.db().await;
    let invitation: i64 = sqlx::query_scalar(&format!(
        "SELECT invitation_id FROM tree_members WHERE user_id = {user}"
    ))
    .fetch_one(&db)
    .await
    .unwrap();
    let grants = sqlx::query(&format!(
        "SELECT account_id, role FROM invitation_grants WHERE invitation_id = {invitation} \
         ORDER BY account_id"
    ))
    .fetch_all(&db)
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get::<i64, _>(0), row.get::<String, _>(1)))
    .collect();
    let expires: i64 = sqlx::query_scalar(&format!(
        "SELECT expires_at FROM invitations WHERE id = {invitation}"
    ))
    .fetch_one(&db)
    .await
    .unwrap();
    (grants, expires)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db().await)
        .await
        .unwrap()
}

fn sorted(grants: &[Membership]) -> Vec<(i64, String)> {
    let mut list: Vec<_> = grants
        .iter()
        .map(|g| (g.account.0, g.role.as_str().to_owned()))
        .collect();
    list.sort();
    list
}

/// Accepts with `token` as a new person; returns the raw response.
async fn accept_new(app: &TestApp, token: &str, name: &str, password: &str) -> reqwest::Response {
    app.new_client()
        .post(
            "/api/v1/invitations/accept",
            &json!({ "token": token, "profile": { "name": name, "password": password } }),
        )
        .await
}

fn copied_token(link: &InvitationLink) -> String {
    link.url.split_once("#token=").unwrap().1.to_owned()
}

/// The escalation as it was found: the Owner invites someone with Owner on the top-level
/// account and Basic on A; an Admin of A sees them in A's list but may not hand on, send
/// again, withdraw or rewrite that invitation.
async fn a_sub_account_admin_cannot_hand_on_an_owner_invitation(engine: Engine) {
    let w = world(engine).await;
    let admin = w.actor(Role::Admin, w.a, "admin.a@example.com").await;
    let shape = [
        Membership {
            account: w.root,
            role: Role::Owner,
        },
        Membership {
            account: w.a,
            role: Role::Basic,
        },
    ];
    w.owner_invites("future.owner@example.com", &shape).await;
    // Its mail delivered, and with it its link stored: the count below is of a settled state.
    w.app.mail_to("future.owner@example.com", "").await;
    let person = w.person("future.owner@example.com").await;
    let before = offered(&w.app, person).await;
    let tokens_before = count(&w.app, "SELECT COUNT(*) FROM invitation_tokens").await;
    let base = format!("/api/v1/accounts/{}/people/{person}", w.a.0);

    // The Admin sees them (they are offered access on A)…
    let _: PersonDetail = admin.get_ok(&base).await;
    // …but acting on the invitation as a whole is refused.
    for response in [
        admin.post_empty(&format!("{base}/invitation/link")).await,
        admin.post_empty(&format!("{base}/invitation/resend")).await,
        admin.delete(&format!("{base}/invitation")).await,
    ] {
        let message = expect_error(response, 403, "invitation_beyond_scope").await;
        assert!(message.contains("cannot grant"), "{message}");
    }
    // Inviting the address again would send it again and rewrite its access on A.
    let result: InviteResult = expect_json(
        w.app
            .invite_as(
                &admin,
                w.a,
                &["future.owner@example.com"],
                &[(Role::Reporting, &[w.a])],
            )
            .await,
        200,
    )
    .await;
    assert!(result.reinvited.is_empty(), "{result:?}");
    assert_eq!(result.not_invited.len(), 1, "{result:?}");
    assert_eq!(
        result.not_invited[0].reason,
        NotInvitedReason::InvitationBeyondReach
    );
    // Nothing changed: the same grants, the same expiry, no new link.
    assert_eq!(offered(&w.app, person).await, before);
    assert_eq!(before.0, sorted(&shape));
    assert_eq!(
        count(&w.app, "SELECT COUNT(*) FROM invitation_tokens").await,
        tokens_before
    );
    // The Owner may do all of it.
    let link = w.copy_link(person).await;
    assert!(link.url.contains("#token="));
    w.app.stop().await;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    CopyLink,
    Resend,
    Withdraw,
    InviteAgain,
    EditAccess,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Forbidden,
    NotFound,
}

/// Every actor on A (each role) and an Admin of A1, against invitations the Owner made with
/// grants inside, above and beside their reach, for every action: the answer and the effect
/// follow the shared rules; a refused action changes nothing; and what the invitee finally
/// accepts is exactly what the invitation offered.
async fn every_invitation_action_follows_the_shared_rule(engine: Engine) {
    let w = world(engine).await;
    let m = |account: AccountId, role: Role| Membership { account, role };
    let shapes: Vec<(&str, Vec<Membership>)> = vec![
        ("reporting on A", vec![m(w.a, Role::Reporting)]),
        ("owner on A", vec![m(w.a, Role::Owner)]),
        (
            "basic on A, owner on top",
            vec![m(w.a, Role::Basic), m(w.root, Role::Owner)],
        ),
        (
            "basic on A1 and on B",
            vec![m(w.a1, Role::Basic), m(w.b, Role::Basic)],
        ),
        ("admin on A1", vec![m(w.a1, Role::Admin)]),
    ];
    let mut actors = Vec::new();
    for (role, account) in [
        (Role::Owner, w.a),
        (Role::Admin, w.a),
        (Role::Basic, w.a),
        (Role::Reporting, w.a),
        (Role::Admin, w.a1),
    ] {
        let email = format!("actor.{}.{}@example.com", role.as_str(), account.0);
        let client = w.actor(role, account, &email).await;
        let id = w.person(&email).await;
        actors.push((role, account, client, id));
    }
    let actions = [
        Action::CopyLink,
        Action::Resend,
        Action::Withdraw,
        Action::InviteAgain,
        Action::EditAccess,
    ];
    let mut cases = 0;
    let mut refused = 0;
    for (a_index, (role, ctx, client, actor_id)) in actors.iter().enumerate() {
        let actor_ms = [m(*ctx, *role)];
        let scope: Vec<AccountId> = w
            .tree
            .ids()
            .filter(|id| w.tree.is_within(*id, *ctx).unwrap_or(false))
            .collect();
        for (s_index, (shape_name, shape)) in shapes.iter().enumerate() {
            for action in actions {
                let email =
                    format!("invitee.{a_index}.{s_index}.{action:?}@example.com").to_lowercase();
                w.owner_invites(&email, shape).await;
                let person = w.person(&email).await;
                let before = offered(&w.app, person).await;
                // On the actor's list: offered something in their scope, or a role above it
                // that covers their account.
                let above = w.tree.ancestors(*ctx);
                let visible = shape
                    .iter()
                    .any(|g| scope.contains(&g.account) || above.contains(&g.account));
                let manages = role.manages_users();
                let whole = access::check_invitation_action(&w.tree, &actor_ms, shape).is_ok();
                let base = format!("/api/v1/accounts/{}/people/{person}", ctx.0);
                // The oracle.
                let expected = match action {
                    Action::InviteAgain if !manages => Outcome::Forbidden,
                    Action::InviteAgain if whole => Outcome::Allowed,
                    // Refused per address (the batch still answers 200).
                    Action::InviteAgain => Outcome::Forbidden,
                    _ if !visible => Outcome::NotFound,
                    _ if !manages => Outcome::Forbidden,
                    Action::EditAccess => {
                        // Only the grants in scope are touched: the one on the context
                        // account becomes Reporting, the others in scope are removed.
                        let each_allowed =
                            shape
                                .iter()
                                .filter(|g| scope.contains(&g.account))
                                .all(|g| {
                                    let change = if g.account == *ctx {
                                        MembershipChange::SetRole(Role::Reporting)
                                    } else {
                                        MembershipChange::Remove
                                    };
                                    let target = TargetMembership {
                                        user: UserId(person),
                                        membership: *g,
                                        owners_on_account: 2,
                                    };
                                    access::check_change(
                                        &w.tree,
                                        UserId(*actor_id),
                                        &actor_ms,
                                        target,
                                        change,
                                    )
                                    .is_ok()
                                });
                        if each_allowed {
                            Outcome::Allowed
                        } else {
                            Outcome::Forbidden
                        }
                    }
                    _ if whole => Outcome::Allowed,
                    _ => Outcome::Forbidden,
                };
                let response = match action {
                    Action::CopyLink => client.post_empty(&format!("{base}/invitation/link")).await,
                    Action::Resend => {
                        client
                            .post_empty(&format!("{base}/invitation/resend"))
                            .await
                    }
                    Action::Withdraw => client.delete(&format!("{base}/invitation")).await,
                    Action::InviteAgain => {
                        w.app
                            .invite_as(client, *ctx, &[&email], &[(Role::Reporting, &[*ctx])])
                            .await
                    }
                    Action::EditAccess => {
                        client
                            .put(
                                &format!("{base}/access"),
                                &json!({ "access": [{ "account": ctx, "role": "reporting" }] }),
                            )
                            .await
                    }
                };
                let status = response.status().as_u16();
                let text = response.text().await.unwrap();
                let actual = match (action, status) {
                    (Action::InviteAgain, 200) => {
                        let result: InviteResult = serde_json::from_str(&text).unwrap();
                        if result.reinvited.len() == 1 {
                            Outcome::Allowed
                        } else {
                            assert_eq!(
                                result.not_invited[0].reason,
                                NotInvitedReason::InvitationBeyondReach,
                                "{text}"
                            );
                            Outcome::Forbidden
                        }
                    }
                    (_, 200..=299) => Outcome::Allowed,
                    (_, 403) => Outcome::Forbidden,
                    (_, 404) => Outcome::NotFound,
                    _ => {
                        panic!("{role:?} on {ctx:?} → {action:?} on {shape_name}: {status} {text}")
                    }
                };
                assert_eq!(
                    actual, expected,
                    "{role:?} on {ctx:?} → {action:?} on {shape_name}: {status} {text}"
                );
                cases += 1;
                if actual != Outcome::Allowed {
                    refused += 1;
                    // A refusal changes nothing the invitation offers or how long it is open.
                    assert_eq!(
                        offered(&w.app, person).await,
                        before,
                        "{role:?} → {action:?} on {shape_name} was refused but changed the invitation"
                    );
                }
                // What the invitee accepts (from the emailed link) is what the invitation
                // offers now: the Owner's grants, or the actor's edit where it was allowed.
                if action == Action::CopyLink {
                    let token = w.app.invitation_token(&email).await;
                    let accepted: SignInOutcome = expect_json(
                        accept_new(&w.app, &token, "Invitee", MEMBER_PASSWORD).await,
                        200,
                    )
                    .await;
                    assert!(matches!(accepted, SignInOutcome::SignedIn { .. }));
                    let held = count(
                        &w.app,
                        &format!("SELECT COUNT(*) FROM memberships WHERE user_id = {person}"),
                    )
                    .await;
                    assert_eq!(held as usize, shape.len(), "{shape_name}");
                }
            }
        }
    }
    eprintln!("invitation matrix: {cases} cases, {refused} refused");
    assert_eq!(cases, 5 * 5 * 5);
    assert!(refused > 40, "the matrix must exercise refusals: {refused}");
    w.app.stop().await;
}

/// A link an admin copied does not prove control of the mailbox: it cannot set the first
/// password of an identity (and so cannot lock its owner out). The emailed link can.
async fn a_copied_link_cannot_create_an_identity(engine: Engine) {
    let w = world(engine).await;
    w.owner_invites(
        "newcomer@example.com",
        &[Membership {
            account: w.a,
            role: Role::Basic,
        }],
    )
    .await;
    let person = w.person("newcomer@example.com").await;
    let link = w.copy_link(person).await;
    let copied = copied_token(&link);
    let view: InvitationView = expect_json(
        w.app
            .new_client()
            .post("/api/v1/invitations/inspect", &json!({ "token": copied }))
            .await,
        200,
    )
    .await;
    assert!(view.emailed_link_required);
    let message = expect_error(
        accept_new(&w.app, &copied, "Link Holder", "link holders password").await,
        403,
        "emailed_link_required",
    )
    .await;
    assert!(message.contains("newcomer@example.com"), "{message}");
    // Nothing was set on the identity.
    assert_eq!(
        count(
            &w.app,
            "SELECT COUNT(*) FROM users WHERE email_key = 'newcomer@example.com' AND password_hash IS NULL"
        )
        .await,
        1
    );
    // The link holder can have the invitation mailed to the address, at most once every ten
    // minutes per invitation (counting the one sent when it was made).
    const MAILS: &str = "SELECT COUNT(*) FROM outbox WHERE recipient = 'newcomer@example.com'";
    let email_again = || async {
        w.app
            .new_client()
            .post("/api/v1/invitations/email", &json!({ "token": copied }))
            .await
            .status()
            .as_u16()
    };
    assert_eq!(count(&w.app, MAILS).await, 1);
    assert_eq!(email_again().await, 202);
    assert_eq!(
        count(&w.app, MAILS).await,
        1,
        "the first mail is too recent"
    );
    w.app
        .execute("UPDATE outbox SET created_at = created_at - 600000")
        .await;
    assert_eq!(email_again().await, 202);
    assert_eq!(email_again().await, 202);
    assert_eq!(count(&w.app, MAILS).await, 2, "one more, not two");
    let recipients: Vec<String> =
        sqlx::query_scalar("SELECT recipient FROM outbox WHERE payload LIKE '%invitation%'")
            .fetch_all(&w.app.db().await)
            .await
            .unwrap();
    assert!(recipients.iter().all(|r| r == "newcomer@example.com"));
    // The mailed link shows no such restriction and creates the profile.
    let mailed = w.app.invitation_token("newcomer@example.com").await;
    let view: InvitationView = expect_json(
        w.app
            .new_client()
            .post("/api/v1/invitations/inspect", &json!({ "token": mailed }))
            .await,
        200,
    )
    .await;
    assert!(!view.emailed_link_required);
    let _: SignInOutcome = expect_json(
        accept_new(&w.app, &mailed, "New Comer", MEMBER_PASSWORD).await,
        200,
    )
    .await;
    w.app
        .new_client()
        .sign_in_ok("newcomer@example.com", MEMBER_PASSWORD)
        .await;
    w.app.stop().await;
}

/// Two organisations invite the same new address, and both mailed links are used at the same
/// moment with different passwords: the identity gets exactly one, the other acceptance is
/// told to sign in, and the password that works is the winner's.
async fn an_identity_gets_one_password_however_many_invitations_race(engine: Engine) {
    let w = world(engine).await;
    let (other_owner, other_root) = w.other_organisation().await;
    for round in 0..3 {
        let email = format!("raced{round}@example.com");
        w.owner_invites(
            &email,
            &[Membership {
                account: w.a,
                role: Role::Basic,
            }],
        )
        .await;
        let acme_token = w.app.invitation_token(&email).await;
        assert_eq!(acme_token, newest_invitation_token(&w.app, &email).await);
        invite_basic(&w.app, &other_owner, other_root, &email).await;
        // The newest invitation mail to the address is the other organisation's.
        let other_token = eventually(
            "the other organisation's invitation mail",
            std::time::Duration::from_secs(5),
            || async {
                let newest = newest_invitation_token(&w.app, &email).await;
                (newest != acme_token).then_some(newest)
            },
        )
        .await;
        let (first, second) = tokio::join!(
            accept_new(&w.app, &acme_token, "First", "first persons password"),
            accept_new(&w.app, &other_token, "Second", "second persons password"),
        );
        let statuses = [first.status().as_u16(), second.status().as_u16()];
        let winners: Vec<_> = statuses.iter().filter(|s| **s == 200).collect();
        assert_eq!(
            winners.len(),
            1,
            "exactly one sets the password: {statuses:?}"
        );
        let loser = if statuses[0] == 200 { second } else { first };
        let code = loser
            .json::<roster_shared::api::ErrorBody>()
            .await
            .unwrap()
            .code;
        assert!(
            code == "sign_in_to_accept",
            "the other is told to sign in: {code}"
        );
        let password = if statuses[0] == 200 {
            "first persons password"
        } else {
            "second persons password"
        };
        let wrong = if statuses[0] == 200 {
            "second persons password"
        } else {
            "first persons password"
        };
        w.app.new_client().sign_in_ok(&email, password).await;
        assert_eq!(
            w.app.new_client().sign_in(&email, wrong).await.status(),
            401
        );
    }
    w.app.stop().await;
}

/// The newest invitation mail's token for `email`, reading the mailbox newest first.
async fn newest_invitation_token(app: &TestApp, email: &str) -> String {
    let list: Vec<roster_shared::api::DevMailSummary> = app.api.get_ok("/api/v1/dev/mailbox").await;
    let summary = list
        .iter()
        .filter(|m| m.to.eq_ignore_ascii_case(email) && m.subject.contains("invited you"))
        .max_by_key(|m| m.id)
        .expect("an invitation mail");
    let mail: roster_shared::api::DevMail = app
        .api
        .get_ok(&format!("/api/v1/dev/mailbox/{}", summary.id))
        .await;
    roster_tests::team::link_token_in(&mail.text)
}

/// A person keeps a name and a number for the organisation they joined; another organisation
/// that only invited them sees the address it invited and nothing else, in the list, the
/// person view, search, sorting and the CSV export, until they accept.
async fn an_organisation_sees_an_invitee_only_as_the_invited_address(engine: Engine) {
    let w = world(engine).await;
    // Other organisation: the person joins it and keeps a full profile there.
    let (other_owner, other_root) = w.other_organisation().await;
    invite_basic(
        &w.app,
        &other_owner,
        other_root,
        "private.person@example.com",
    )
    .await;
    let person = w
        .app
        .accept_as_new("private.person@example.com", "Zelda Private")
        .await;
    let _: serde_json::Value = expect_json(
        person
            .put(
                "/api/v1/me/profile",
                &json!({ "name": "Zelda Private", "email": "private.person@example.com", "mobile": "0151 23456789", "country": "DE" }),
            )
            .await,
        200,
    )
    .await;
    // Acme invites the same address.
    w.owner_invites(
        "private.person@example.com",
        &[Membership {
            account: w.a,
            role: Role::Basic,
        }],
    )
    .await;
    let id = w.person("private.person@example.com").await;
    let detail: PersonDetail = w
        .app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people/{id}", w.root.0))
        .await;
    assert_eq!(detail.name, None, "{detail:?}");
    assert_eq!(detail.mobile, None);
    assert_eq!(detail.country, None);
    assert_eq!(detail.last_sign_in_at, None);
    assert_eq!(detail.email.as_str(), "private.person@example.com");
    let page: PeoplePage = w
        .app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people", w.root.0))
        .await;
    let row = page.people.iter().find(|p| p.id.0 == id).unwrap();
    assert_eq!(row.name, None);
    assert_eq!(row.last_sign_in_at, None);
    // Searching by the name they keep elsewhere finds nobody.
    let found: PeoplePage = w
        .app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=zelda", w.root.0))
        .await;
    assert_eq!(found.total, 0);
    let csv = w
        .app
        .api
        .get(&format!("/api/v1/accounts/{}/people.csv", w.root.0))
        .await
        .text()
        .await
        .unwrap();
    assert!(!csv.contains("Zelda"), "{csv}");
    assert!(!csv.contains("23456789"), "{csv}");
    // Nor through SCIM: the User resource is the invited address, with no name.
    let scim = scim_token(&w).await;
    let user = scim_get(&w.app, &scim, &format!("/Users/{id}")).await;
    assert_eq!(user["userName"], "private.person@example.com", "{user}");
    assert!(user.get("displayName").is_none(), "{user}");
    assert!(user.get("name").is_none(), "{user}");
    // Renaming themselves elsewhere does not reach Acme's sort keys either.
    let _: serde_json::Value = expect_json(
        person
            .put(
                "/api/v1/me/profile",
                &json!({ "name": "Aaron Renamed", "email": "private.person@example.com", "mobile": "", "country": "" }),
            )
            .await,
        200,
    )
    .await;
    let found: PeoplePage = w
        .app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=aaron", w.root.0))
        .await;
    assert_eq!(found.total, 0);
    // Once they accept, Acme sees who they are.
    let token = newest_invitation_token(&w.app, "private.person@example.com").await;
    let accepted: SignInOutcome = expect_json(
        person
            .post("/api/v1/invitations/accept", &json!({ "token": token }))
            .await,
        200,
    )
    .await;
    assert!(matches!(accepted, SignInOutcome::SignedIn { .. }));
    let detail: PersonDetail = w
        .app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people/{id}", w.root.0))
        .await;
    assert_eq!(detail.name.unwrap().as_str(), "Aaron Renamed");
    let found: PeoplePage = w
        .app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=aaron", w.root.0))
        .await;
    assert_eq!(found.total, 1);
    w.app.stop().await;
}

/// An identity that moves to another address does not take other organisations' open
/// invitations with it: they are listed and mailed as the address they were made for.
async fn an_invitation_is_mailed_to_the_address_it_was_made_for(engine: Engine) {
    let w = world(engine).await;
    w.owner_invites(
        "mover@example.com",
        &[Membership {
            account: w.b,
            role: Role::Basic,
        }],
    )
    .await;
    let mover = w.app.accept_as_new("mover@example.com", "Mover").await;
    // A second organisation invites the same address; it stays pending there.
    let (other_owner, other_root) = w.other_organisation().await;
    invite_basic(&w.app, &other_owner, other_root, "mover@example.com").await;
    // The identity moves to a new address (confirmed from the new mailbox).
    let _: serde_json::Value = expect_json(
        mover
            .put(
                "/api/v1/me/profile",
                &json!({ "name": "Mover", "email": "moved@example.net", "mobile": "", "country": "" }),
            )
            .await,
        200,
    )
    .await;
    let mail = w.app.mail_to("moved@example.net", "").await;
    let _ = expect_json::<serde_json::Value>(
        w.app
            .new_client()
            .post(
                "/api/v1/me/email/confirm",
                &json!({ "token": roster_tests::team::link_token_in(&mail.text) }),
            )
            .await,
        200,
    )
    .await;
    // The other organisation still lists and mails the address it invited.
    let page: PeoplePage = other_owner
        .get_ok(&format!(
            "/api/v1/accounts/{}/people?q=mover@example.com",
            other_root.0
        ))
        .await;
    assert_eq!(page.total, 1, "{page:?}");
    assert_eq!(page.people[0].email.as_str(), "mover@example.com");
    let nobody: PeoplePage = other_owner
        .get_ok(&format!("/api/v1/accounts/{}/people?q=moved", other_root.0))
        .await;
    assert_eq!(nobody.total, 0);
    let id = page.people[0].id.0;
    let _: serde_json::Value = expect_json(
        other_owner
            .post_empty(&format!(
                "/api/v1/accounts/{}/people/{id}/invitation/resend",
                other_root.0
            ))
            .await,
        200,
    )
    .await;
    let recipients: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT recipient FROM outbox WHERE invitation_id = (SELECT invitation_id FROM tree_members WHERE root_id = {} AND user_id = {id})",
        other_root.0
    ))
    .fetch_all(&w.app.db().await)
    .await
    .unwrap();
    assert!(recipients.len() >= 2, "{recipients:?}");
    assert!(
        recipients.iter().all(|r| r == "mover@example.com"),
        "{recipients:?}"
    );
    // The other organisation's SCIM client cannot tie the new address to its invitee either.
    let found = scim_get(
        &w.app,
        &scim_token_of(&w.app, &other_owner, other_root).await,
        "/Users?filter=userName%20eq%20%22moved%40example.net%22",
    )
    .await;
    assert_eq!(found["totalResults"], 0, "{found}");
    // Acme, which they joined, sees their new address.
    let acme: PeoplePage = w
        .app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people?q=moved", w.root.0))
        .await;
    assert_eq!(acme.total, 1);
    w.app.stop().await;
}

/// A SCIM token of the top-level account, made by its Owner.
async fn scim_token(w: &World) -> String {
    scim_token_of(&w.app, &w.app.api, w.root).await
}

async fn scim_token_of(app: &TestApp, owner: &ApiClient, root: AccountId) -> String {
    let _ = app;
    let created = owner
        .api_token(root, "IdP", roster_shared::role::Role::Admin)
        .await;
    created.token
}

async fn scim_get(app: &TestApp, token: &str, path: &str) -> serde_json::Value {
    let response = app
        .new_client()
        .http
        .get(app.url(&format!("/scim/v2{path}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

/// Someone joined Acme; another organisation invites the same address. Its Owner, holding a
/// copied link, cannot accept in their place, set or reset their password, or edit who they
/// are; the person keeps signing in with their own password.
async fn another_organisation_cannot_take_over_an_identity(engine: Engine) {
    let w = world(engine).await;
    w.owner_invites(
        "kept@example.com",
        &[Membership {
            account: w.a,
            role: Role::Basic,
        }],
    )
    .await;
    let _kept = w.app.accept_as_new("kept@example.com", "Kept").await;
    let (other_owner, other_root) = w.other_organisation().await;
    invite_basic(&w.app, &other_owner, other_root, "kept@example.com").await;
    let page: PeoplePage = other_owner
        .get_ok(&format!(
            "/api/v1/accounts/{}/people?q=kept@example.com",
            other_root.0
        ))
        .await;
    let id = page.people[0].id.0;
    let link: InvitationLink = expect_json(
        other_owner
            .post_empty(&format!(
                "/api/v1/accounts/{}/people/{id}/invitation/link",
                other_root.0
            ))
            .await,
        200,
    )
    .await;
    let copied = copied_token(&link);
    // Accepting with a password of their own: the identity has one, so only its owner,
    // signed in, may accept.
    expect_error(
        accept_new(&w.app, &copied, "Impostor", "the impostors password").await,
        401,
        "sign_in_to_accept",
    )
    .await;
    // Signed in as themselves (the other Owner), the link is not theirs.
    expect_error(
        other_owner
            .post("/api/v1/invitations/accept", &json!({ "token": copied }))
            .await,
        403,
        "wrong_account",
    )
    .await;
    // A reset goes to the person's own mailbox, never to whoever asked.
    let _ = other_owner
        .post(
            "/api/v1/password-reset",
            &json!({ "email": "kept@example.com" }),
        )
        .await;
    // Nobody edits someone else's identity through the people endpoints.
    let edit = other_owner
        .put(
            &format!("/api/v1/accounts/{}/people/{id}", other_root.0),
            &json!({ "name": "Renamed", "email": "other.owner@example.com", "mobile": "", "country": "" }),
        )
        .await;
    assert_eq!(edit.status(), 405);
    w.app
        .new_client()
        .sign_in_ok("kept@example.com", MEMBER_PASSWORD)
        .await;
    // The reset starts in the background, after the answer.
    eventually(
        "a reset mail queued",
        std::time::Duration::from_secs(5),
        || async {
            let queued = count(
                &w.app,
                "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%password_reset%'",
            )
            .await;
            (queued > 0).then_some(())
        },
    )
    .await;
    let recipients: Vec<String> =
        sqlx::query_scalar("SELECT recipient FROM outbox WHERE payload LIKE '%password_reset%'")
            .fetch_all(&w.app.db().await)
            .await
            .unwrap();
    assert_eq!(recipients, ["kept@example.com"]);
    w.app.stop().await;
}
