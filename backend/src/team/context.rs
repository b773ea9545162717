//! The facts every team decision starts from: which organisation, which account, and who is
//! asking with which memberships there.
//!
//! An account the actor cannot see answers exactly like one that does not exist (404), so ids
//! from other organisations reveal nothing.

use roster_shared::api::ErrorCode;
use std::collections::HashMap;

use axum::http::StatusCode;
use roster_shared::access::{self, AccessError, Membership, UserId};
use roster_shared::account::{AccountId, AccountTree};
use roster_shared::api::GrantableAccount;
use roster_shared::audit::AuditAction;
use roster_shared::name::AccountName;
use roster_shared::role::Role;
use roster_shared::time::Timestamp;

use crate::auth::principal::Principal;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::accounts::AccountRow;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts as _;

/// Who is acting, as the audit log names them.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub(crate) user_id: i64,
    pub(crate) name: String,
    /// "Name <address>".
    pub(crate) label: String,
    pub(crate) ip: String,
    /// A person, or a token acting for its creator.
    pub(crate) kind: roster_shared::webhook::ActorKind,
}

impl Actor {
    pub(crate) async fn load(
        state: &AppState,
        principal: &Principal,
        client: &ClientInfo,
    ) -> Result<Actor, ApiError> {
        // A person's row came with their session; a token acts for its creator.
        let user = match principal {
            Principal::Person(session) => session.signed_in.clone(),
            Principal::Token(_) => db::users::find(state.db().reader(), principal.user_id())
                .await?
                .ok_or_else(crate::auth::session::sign_in_required)?,
        };
        let person = format!("{} <{}>", user.display_name(), user.email);
        Ok(match principal {
            Principal::Person(_) => Actor {
                user_id: user.id,
                name: user.display_name().to_owned(),
                label: person,
                ip: client.ip.clone(),
                kind: roster_shared::webhook::ActorKind::Person,
            },
            Principal::Token(token) => Actor {
                user_id: user.id,
                name: format!("API token “{}”", token.name),
                label: format!("API token “{}” (created by {person})", token.name),
                ip: client.ip.clone(),
                kind: roster_shared::webhook::ActorKind::ApiToken,
            },
        })
    }

    pub(crate) fn id(&self) -> UserId {
        UserId(self.user_id)
    }
}

/// One organisation: its accounts, their structure and names.
pub(crate) struct Organisation {
    pub(crate) root: AccountRow,
    pub(crate) tree: AccountTree,
    names: HashMap<i64, String>,
}

impl Organisation {
    pub(crate) async fn load(state: &AppState, root_id: i64) -> Result<Organisation, ApiError> {
        let rows = db::accounts::tree(state.db().reader(), root_id).await?;
        Self::from_rows(root_id, rows)
    }

    /// The organisation `root_id` from every one of its accounts' rows.
    fn from_rows(root_id: i64, rows: Vec<AccountRow>) -> Result<Organisation, ApiError> {
        let tree = AccountTree::from_rows(rows.iter().map(|r| {
            (
                AccountId(r.id),
                r.parent_id.map(AccountId),
                r.archived_at.is_some(),
            )
        }))
        .map_err(|e| ApiError::internal(format!("organisation {root_id}: {e}")))?;
        let names = rows.iter().map(|r| (r.id, r.name.clone())).collect();
        let root = rows
            .into_iter()
            .find(|r| r.id == root_id)
            .ok_or_else(|| ApiError::not_found("There is no such account."))?;
        Ok(Organisation { root, tree, names })
    }

    pub(crate) fn name(&self, id: i64) -> &str {
        self.names.get(&id).map_or("(unknown)", String::as_str)
    }

    pub(crate) fn account_name(&self, id: i64) -> AccountName {
        AccountName::parse(self.name(id))
            .unwrap_or_else(|_| AccountName::parse("(unnamed)").expect("a valid placeholder"))
    }

    /// The accounts above `account`, top-level first: a role held on one of them covers
    /// `account` too.
    pub(crate) fn above(&self, account: i64) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .tree
            .ancestors(AccountId(account))
            .into_iter()
            .map(|a| a.0)
            .collect();
        ids.reverse();
        ids
    }

    /// Everyone's access that reaches `account`'s Users list: the accounts above it (whose
    /// roles cover it), then `account` and everything below it, in tree order.
    pub(crate) fn reach(&self, account: i64) -> Vec<i64> {
        let mut ids = self.above(account);
        ids.extend(self.scope(account));
        ids
    }

    /// `account` and everything below it, parents first.
    pub(crate) fn scope(&self, account: i64) -> Vec<i64> {
        let mut ids = vec![account];
        ids.extend(
            self.tree
                .descendants(AccountId(account))
                .into_iter()
                .map(|a| a.0),
        );
        ids
    }

    /// `(account, depth below account)` for `account` and its descendants, in tree order.
    pub(crate) fn scope_with_depth(&self, account: i64) -> Vec<(i64, u8)> {
        let base = self.tree.depth(AccountId(account)).unwrap_or(1);
        self.scope(account)
            .into_iter()
            .map(|id| {
                let depth = self.tree.depth(AccountId(id)).unwrap_or(base);
                (id, u8::try_from(depth - base).unwrap_or(u8::MAX))
            })
            .collect()
    }

    pub(crate) fn is_archived(&self, account: i64) -> bool {
        self.tree.is_archived(AccountId(account))
    }
}

/// An account addressed by a request, in its organisation, and the actor's access to it.
pub(crate) struct Context {
    pub(crate) org: Organisation,
    pub(crate) account: i64,
    pub(crate) actor_memberships: Vec<Membership>,
    /// How many people the organisation has, accepted and invited, read with it.
    pub(crate) people: i64,
}

pub(crate) fn no_such_account() -> ApiError {
    ApiError::not_found("There is no such account.")
}

impl Context {
    /// Loads account `account_id` for `principal`; unknown and invisible accounts are both 404.
    pub(crate) async fn load(
        state: &AppState,
        principal: &Principal,
        account_id: i64,
    ) -> Result<Context, ApiError> {
        // The account, its whole organisation and the person's roles there in one read.
        let rows =
            db::accounts::organisation_of(state.db().reader(), account_id, principal.user_id())
                .await?;
        let root_id = rows
            .iter()
            .find(|r| r.account.id == account_id)
            .map(|r| r.account.root_id)
            .ok_or_else(no_such_account)?;
        let person_memberships: Vec<Membership> = rows
            .iter()
            .filter_map(|r| {
                r.held_role.map(|role| Membership {
                    account: AccountId(r.account.id),
                    role,
                })
            })
            .collect();
        if person_memberships.is_empty() {
            return Err(no_such_account());
        }
        let people = rows.first().map_or(0, |r| r.people);
        let org = Organisation::from_rows(root_id, rows.into_iter().map(|r| r.account).collect())?;
        let memberships = match principal {
            Principal::Person(_) => person_memberships,
            Principal::Token(token) => {
                if token.root_id != root_id {
                    return Err(no_such_account());
                }
                // Capped by the creator's own role there now: a token never outranks them.
                let creator = access::effective_role(
                    &org.tree,
                    &person_memberships,
                    AccountId(token.account_id),
                );
                match creator {
                    Some(role) => vec![Membership {
                        account: AccountId(token.account_id),
                        role: role.min(token.max_role),
                    }],
                    None => return Err(no_such_account()),
                }
            }
        };
        if !access::can_view(&org.tree, &memberships, AccountId(account_id)) {
            return Err(no_such_account());
        }
        Ok(Context {
            org,
            account: account_id,
            actor_memberships: memberships,
            people,
        })
    }

    pub(crate) fn root(&self) -> i64 {
        self.org.root.id
    }

    /// Records a change `actor` made on the account the request is on, in the transaction
    /// `conn`.
    pub(crate) async fn record_here(
        &self,
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        action: AuditAction,
        summary: &str,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        let account = Some((self.account, self.org.name(self.account)));
        self.record_on(conn, account, actor, action, summary, now)
            .await
    }

    /// Records a change `actor` made in this organisation: on `account` with the name it has
    /// after the change (one just created or renamed), or on the organisation as a whole.
    pub(crate) async fn record_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        account: Option<(i64, &str)>,
        actor: &Actor,
        action: AuditAction,
        summary: &str,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        crate::team::audit::record(
            conn,
            self.root(),
            account,
            Some(actor),
            action,
            summary,
            now,
        )
        .await
    }

    /// Refuses unless the actor manages the people of this account.
    pub(crate) fn require_manage(&self) -> Result<Role, ApiError> {
        access::check_manage_users(
            &self.org.tree,
            &self.actor_memberships,
            AccountId(self.account),
        )
        .map_err(forbidden)
    }

    /// The accounts of this account's scope, with the roles the actor may grant on each.
    pub(crate) fn grantable_accounts(&self) -> Vec<GrantableAccount> {
        self.org
            .scope_with_depth(self.account)
            .into_iter()
            .map(|(id, depth)| GrantableAccount {
                id: AccountId(id),
                parent: self.org.tree.parent(AccountId(id)),
                name: self.org.account_name(id),
                depth,
                roles: if self.org.is_archived(id) {
                    Vec::new()
                } else {
                    access::grantable_roles(&self.org.tree, &self.actor_memberships, AccountId(id))
                },
            })
            .collect()
    }

    /// The accounts an Owner chose for something the whole organisation sets (what a pushed
    /// group gives, who joins through single sign-on): sorted, each once, and each an open
    /// account of this organisation. `none_chosen` says what choosing none means.
    pub(crate) fn chosen_accounts(
        &self,
        accounts: &[AccountId],
        none_chosen: &str,
    ) -> Result<Vec<i64>, ApiError> {
        let mut ids: Vec<i64> = accounts.iter().map(|a| a.0).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Err(ApiError::invalid_field("accounts", none_chosen));
        }
        let scope = self.org.scope(self.root());
        for account in &ids {
            if !scope.contains(account) {
                return Err(ApiError::invalid_field(
                    "accounts",
                    format!("There is no account {account} in this organisation."),
                ));
            }
            if self.org.is_archived(*account) {
                return Err(ApiError::invalid_field(
                    "accounts",
                    format!(
                        "{} is archived: restore it before giving access to it.",
                        self.org.name(*account)
                    ),
                ));
            }
        }
        Ok(ids)
    }
}

/// A refused access rule, as an answer: the rule's own sentence.
pub(crate) fn forbidden(error: AccessError) -> ApiError {
    let code = match error {
        AccessError::NoAccess => return no_such_account(),
        AccessError::NotAnAdmin => ErrorCode::NotAnAdmin,
        AccessError::AboveOwnRole { .. } => ErrorCode::AboveOwnRole,
        AccessError::OwnAccess => ErrorCode::OwnAccess,
        AccessError::TargetOutranks { .. } => ErrorCode::TargetOutranks,
        AccessError::LastOwner => ErrorCode::LastOwner,
        AccessError::InvitationBeyondReach => ErrorCode::InvitationBeyondScope,
    };
    ApiError::new(StatusCode::FORBIDDEN, code, sentence(&error.to_string()))
}

/// Rules phrase reasons in lower case; answers are sentences.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// The account a request's path names (`{id}`), loaded for whoever asks: a handler that takes
/// it runs only once the credentials and the access to that account are checked, before its
/// body is even read (an account the asker cannot see is 404, whatever the body says).
pub(crate) struct OnAccount(pub(crate) Context);

/// [`OnAccount`], with who is acting: for the changes an audit entry names.
pub(crate) struct ActingOn {
    pub(crate) ctx: Context,
    pub(crate) actor: Actor,
    /// The credentials the request came with (what an API token may create depends on them).
    pub(crate) principal: Principal,
}

/// The `{id}` of the request's path.
async fn account_in_path(
    parts: &mut axum::http::request::Parts,
    state: &AppState,
) -> Result<i64, ApiError> {
    use axum::extract::{FromRequestParts, RawPathParams};
    // A path parameter that does not parse names nothing that exists.
    let nothing = || ApiError::not_found("There is nothing at this address.");
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| nothing())?;
    params
        .iter()
        .find(|(name, _)| *name == "id")
        .and_then(|(_, value)| value.parse().ok())
        .ok_or_else(nothing)
}

/// Who asks, and their context on the account the path names.
async fn asking_on_account(
    parts: &mut axum::http::request::Parts,
    state: &AppState,
) -> Result<(Principal, Context), ApiError> {
    let principal = Principal::from_request_parts(parts, state).await?;
    let account = account_in_path(parts, state).await?;
    let ctx = Context::load(state, &principal, account).await?;
    Ok((principal, ctx))
}

impl axum::extract::FromRequestParts<AppState> for OnAccount {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        Ok(OnAccount(asking_on_account(parts, state).await?.1))
    }
}

impl axum::extract::FromRequestParts<AppState> for ActingOn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        let (principal, ctx) = asking_on_account(parts, state).await?;
        let client = ClientInfo::from_request_parts(parts, state).await?;
        let actor = Actor::load(state, &principal, &client).await?;
        Ok(ActingOn {
            ctx,
            actor,
            principal,
        })
    }
}
