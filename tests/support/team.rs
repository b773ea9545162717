//! Helpers for team-management tests: sub-accounts, invitations, and reading invitation
//! links out of the development mailbox.

use roster_shared::account::AccountId;
use roster_shared::api::{AccountSummary, CreatedApiToken, InviteResult, SignInOutcome};
use roster_shared::role::Role;
use serde_json::json;

use crate::app::TestApp;
use crate::client::{ApiClient, expect_json};

/// The token of the link (accept, confirm) in a mail's text.
pub fn link_token_in(text: &str) -> String {
    let start = text.find("#token=").expect("a link with a token") + "#token=".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

impl ApiClient {
    /// Creates an API token of `account`, as this client's person, up to `max_role`.
    pub async fn api_token(
        &self,
        account: AccountId,
        name: &str,
        max_role: Role,
    ) -> CreatedApiToken {
        expect_json(
            self.post(
                &format!("/api/v1/accounts/{}/api-tokens", account.0),
                &json!({ "name": name, "max_role": max_role }),
            )
            .await,
            201,
        )
        .await
    }
}

impl TestApp {
    /// Creates a sub-account of `parent` as `self.api`'s person.
    pub async fn sub_account(&self, parent: AccountId, name: &str) -> AccountId {
        let created: AccountSummary = expect_json(
            self.api
                .post(
                    &format!("/api/v1/accounts/{}/sub-accounts", parent.0),
                    &json!({ "name": name }),
                )
                .await,
            201,
        )
        .await;
        created.id
    }

    /// Invites `emails` on `account` with `grants` (role, accounts) as `by`.
    pub async fn invite_as(
        &self,
        by: &ApiClient,
        account: AccountId,
        emails: &[&str],
        grants: &[(Role, &[AccountId])],
    ) -> reqwest::Response {
        let grants: Vec<_> = grants
            .iter()
            .map(|(role, accounts)| json!({ "role": role, "accounts": accounts }))
            .collect();
        by.post(
            &format!("/api/v1/accounts/{}/invitations", account.0),
            &json!({ "emails": emails, "grants": grants }),
        )
        .await
    }

    /// Invites as the Owner and expects success.
    pub async fn invite(
        &self,
        account: AccountId,
        emails: &[&str],
        grants: &[(Role, &[AccountId])],
    ) -> InviteResult {
        expect_json(
            self.invite_as(&self.api, account, emails, grants).await,
            200,
        )
        .await
    }

    /// The newest accept token mailed to `email` (waits for the mail worker).
    pub async fn invitation_token(&self, email: &str) -> String {
        link_token_in(&self.mail_to(email, "invited you").await.text)
    }

    /// Accepts `email`'s invitation as a new person named `name`; returns their signed-in client.
    pub async fn accept_as_new(&self, email: &str, name: &str) -> ApiClient {
        let token = self.invitation_token(email).await;
        let client = self.new_client();
        let outcome: SignInOutcome = expect_json(
            client
                .post(
                    "/api/v1/invitations/accept",
                    &json!({ "token": token, "profile": { "name": name, "password": crate::app::MEMBER_PASSWORD } }),
                )
                .await,
            200,
        )
        .await;
        match outcome {
            SignInOutcome::SignedIn { session } => client.adopt(&session),
            other => panic!("not signed in after accepting: {other:?}"),
        }
        client
    }

    /// A second organisation, `name`, made by the operator command for `owner_email` (new to
    /// Roster), whose Owner has accepted and is signed in: its top-level account, the Owner's
    /// id, and their client.
    pub async fn other_organisation(
        &self,
        name: &str,
        owner_email: &str,
    ) -> (AccountId, roster_shared::access::UserId, ApiClient) {
        let created = roster_backend::operator::create_organisation(
            self.database_url(),
            None,
            &self.address,
            name,
            "business",
            owner_email,
        )
        .await
        .expect("a second organisation");
        let (_, token) = created
            .invitation_link
            .split_once("#token=")
            .expect("an accept link");
        let owner = self.new_client();
        let outcome: SignInOutcome = expect_json(
            owner
                .post(
                    "/api/v1/invitations/accept",
                    &json!({ "token": token, "profile": { "name": format!("{name} Owner"),
                        "password": crate::app::MEMBER_PASSWORD } }),
                )
                .await,
            200,
        )
        .await;
        let SignInOutcome::SignedIn { session } = outcome else {
            panic!("the other Owner is not signed in: {outcome:?}");
        };
        owner.adopt(&session);
        (AccountId(created.account_id), session.user.id, owner)
    }

    /// Gives the organisation `extra` bought seats (the seat purchase flow is tested apart).
    pub async fn set_extra_seats(&self, root: AccountId, extra: u32) {
        self.execute(&format!(
            "UPDATE accounts SET extra_seats = {extra} WHERE id = {}",
            root.0
        ))
        .await;
    }
}
