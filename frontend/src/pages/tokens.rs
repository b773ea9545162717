//! API tokens: Admins create named tokens for programs, each acting on one account (and its
//! sub-accounts) with at most one role. The secret is shown once, right after creation; the
//! server keeps only its hash. Tokens can be revoked, and show when they were last used.

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::{ApiTokenInfo, CreateApiTokenRequest, CreatedApiToken, GrantableAccount};
use roster_shared::name::TokenName;
use roster_shared::role::Role;

use crate::accounts::use_accounts;
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::field::{Input, TextField};
use crate::components::load_error::LoadError;
use crate::components::role_select::RoleSelect;
use crate::components::secret_once::SecretOnce;
use crate::locale::Time;
use crate::pages::settings_layout::use_account;
use crate::remote::Remote;

/// The address this Roster is reached at (for the usage lines people copy).
fn origin() -> String {
    window().location().origin().unwrap_or_default()
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let account = use_account();
    let accounts = use_accounts();
    let tokens = Remote::new(move || {
        let id = account.get();
        async move { api::api_tokens(id).await }
    });
    let options = Remote::new(move || {
        let id = account.get();
        async move { api::invite_options(id).await }
    });
    // The secret of the token just created: shown until the person says they have it.
    let created = RwSignal::new(None::<CreatedApiToken>);
    let notice = RwSignal::new(None::<String>);
    // A secret belongs to the account it was created on; another account starts clean.
    Effect::new(move |_| {
        account.track();
        created.set(None);
        notice.set(None);
    });

    let revoking = RwSignal::new(None::<ApiTokenInfo>);
    let revoke_open = RwSignal::new(false);
    let revoke_pending = RwSignal::new(false);
    let revoke_error = RwSignal::new(None::<String>);
    let revoke = Callback::new(move |()| {
        let Some(token) = revoking.get_untracked() else {
            return;
        };
        revoke_pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::revoke_api_token(account.get_untracked(), token.id).await;
            revoke_pending.set(false);
            match result {
                Ok(()) => {
                    revoke_open.set(false);
                    if created.with_untracked(|c| c.as_ref().is_some_and(|c| c.info.id == token.id))
                    {
                        created.set(None);
                    }
                    notice.set(Some(format!(
                        "“{}” was revoked: programs using it are refused from now on.",
                        token.name
                    )));
                    tokens.reload();
                }
                Err(error) => revoke_error.set(Some(error.message())),
            }
        });
    });
    let revoke_message = Signal::derive(move || {
        revoking
            .get()
            .map(|t| {
                format!(
                    "Revoke “{}”? Programs using it are refused at once. This cannot be undone; a new token would have to be created and set up again.",
                    t.name
                )
            })
            .unwrap_or_default()
    });
    let top_level = move || {
        accounts
            .get(account.get())
            .is_some_and(|a| a.parent.is_none())
    };

    view! {
        <section aria-labelledby="tokens-title" class="tokens">
            <div class="row-between page-head">
                <div>
                    <h1 id="tokens-title">"API tokens"</h1>
                    <p class="muted">
                        "Tokens let programs use Roster's API with the same checks as people: each acts on one account and its sub-accounts, never above its role or yours."
                    </p>
                </div>
                <a class="button" href="/api-reference" data-test="api-reference-link">"API reference"</a>
            </div>
            {move || notice.get().map(|n| view! { <div class="alert ok" role="status" data-test="token-notice">{n}</div> })}
            {move || created.get().map(|new| view! { <NewTokenSecret created=new on_done=Callback::new(move |()| created.set(None))/> })}
            <h2 class="visually-hidden">"Tokens"</h2>
            {move || match tokens.value.get() {
                None => view! { <p class="card muted" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <LoadError error=error retry=Callback::new(move |()| tokens.reload())/>
                }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="card muted" data-test="tokens-empty">"No API tokens yet. Create one below for each program that needs access, so each can be revoked on its own."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="card table-card">
                        <div class="table-wrap">
                            <table class="tokens-table" aria-busy=move || tokens.loading.get().to_string() data-test="tokens">
                                <caption class="visually-hidden">"API tokens of this account and its sub-accounts"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Account"</th>
                                        <th scope="col">"Role at most"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|token| {
                                        let name = token.name.to_string();
                                        let for_revoke = token.clone();
                                        view! {
                                            <tr data-test="token-row" data-name=name.clone()>
                                                <td>
                                                    <span class="token-name">{name.clone()}</span>
                                                    <br/>
                                                    <code class="muted small">{format!("{}…", token.prefix)}</code>
                                                </td>
                                                <td>{token.account_name.to_string()}</td>
                                                <td>{token.max_role.label()}</td>
                                                <td class="small">
                                                    <Time at=token.created_at/>
                                                    {token.created_by.map(|by| view! { <br/><span class="muted">{format!("by {by}")}</span> })}
                                                </td>
                                                <td class="nowrap small" data-test="token-last-used">
                                                    {match token.last_used_at {
                                                        Some(at) => view! { <Time at relative=true/> }.into_any(),
                                                        None => "Never".into_any(),
                                                    }}
                                                </td>
                                                <td class="actions-cell">
                                                    <button type="button" class="button ghost small danger-text"
                                                        aria-label=format!("Revoke {name}") data-test="revoke-token"
                                                        on:click=move |_| {
                                                            revoke_error.set(None);
                                                            revoking.set(Some(for_revoke.clone()));
                                                            revoke_open.set(true);
                                                        }>"Revoke"</button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </div>
                }.into_any(),
            }}
            {move || match options.value.get() {
                None => None,
                Some(Err(_)) => None,
                Some(Ok(found)) if found.accounts.iter().all(|a| a.roles.is_empty()) => Some(view! {
                    <p class="alert info">"Only Admins and Owners can create API tokens."</p>
                }.into_any()),
                Some(Ok(found)) => Some(view! {
                    <CreateTokenForm
                        accounts=found.accounts
                        here=account.get_untracked()
                        on_created=Callback::new(move |new: CreatedApiToken| {
                            notice.set(None);
                            created.set(Some(new));
                            tokens.reload();
                        })
                    />
                }.into_any()),
            }}
            <div class="card usage" data-test="token-usage">
                <h2>"Using a token"</h2>
                <p>"Send it in the Authorization header of every request:"</p>
                <pre class="code-line"><code>{move || format!("curl -H \"Authorization: Bearer rst_…\" {}/api/v1/accounts/{}/people", origin(), account.get())}</code></pre>
                {move || top_level().then(|| view! {
                    <p>
                        "SCIM 2.0 (identity providers such as Okta or Microsoft Entra ID), with a token of this top-level account: base URL "
                        <code data-test="scim-url">{format!("{}/scim/v2", origin())}</code>
                        ", authentication “Bearer token”."
                    </p>
                })}
            </div>
            <ConfirmDialog open=revoke_open title="Revoke API token" id="revoke-token-dialog" message=revoke_message
                confirm_label="Revoke" danger=true pending=revoke_pending error=revoke_error on_confirm=revoke/>
        </section>
    }
}

/// The secret of a new token, shown this once.
#[component]
fn NewTokenSecret(
    /// The token just created.
    created: CreatedApiToken,
    /// The person has taken the secret (hides it for good).
    on_done: Callback<()>,
) -> impl IntoView {
    view! {
        <SecretOnce
            title=format!("“{}” is ready", created.info.name)
            label="Token"
            advice="Roster keeps only a fingerprint of it. If it is lost, revoke it and create another."
            value=created.token
            test="new-token"
            on_done
        >
            <p class="muted small">
                {format!("Acts on {} and its sub-accounts, as {} at most.", created.info.account_name, created.info.max_role.label())}
            </p>
        </SecretOnce>
    }
}

/// The roles that may be given to a token on `account`, highest first.
fn roles_on(accounts: &[GrantableAccount], account: AccountId) -> Vec<Role> {
    accounts
        .iter()
        .find(|a| a.id == account)
        .map(|a| a.roles.clone())
        .unwrap_or_default()
}

#[component]
fn CreateTokenForm(
    /// Where the person may give which roles (this account and its sub-accounts).
    accounts: Vec<GrantableAccount>,
    /// The account the page is about (chosen at first).
    here: AccountId,
    /// Receives the new token.
    on_created: Callback<CreatedApiToken>,
) -> impl IntoView {
    let scope = StoredValue::new(
        accounts
            .into_iter()
            .filter(|a| !a.roles.is_empty())
            .collect::<Vec<_>>(),
    );
    let first = scope.with_value(|s| {
        s.iter()
            .find(|a| a.id == here)
            .or(s.first())
            .map(|a| a.id)
            .unwrap_or(here)
    });
    let name = Input::new();
    let on_account = RwSignal::new(first);
    let role = RwSignal::new(None::<Role>);
    let role_error = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let offered = Signal::derive(move || scope.with_value(|s| roles_on(s, on_account.get())));
    // Least power by default: a program rarely needs more than Basic.
    let default_role = move || {
        let roles = offered.get_untracked();
        roles
            .iter()
            .copied()
            .find(|r| *r == Role::Basic)
            .or_else(|| roles.last().copied())
    };
    role.set(default_role());
    let pick_account = move |ev: leptos::ev::Event| {
        if let Ok(id) = event_target_value(&ev).parse::<i64>() {
            on_account.set(AccountId(id));
            if role
                .get_untracked()
                .is_none_or(|r| !offered.get_untracked().contains(&r))
            {
                role.set(default_role());
            }
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let parsed = name.check(TokenName::parse);
        let chosen = role.get_untracked();
        role_error.set(
            chosen
                .is_none()
                .then(|| "Choose the highest role the token may act with.".to_owned()),
        );
        let (Some(parsed), Some(max_role)) = (parsed, chosen) else {
            return;
        };
        pending.set(true);
        let account = on_account.get_untracked();
        leptos::task::spawn_local(async move {
            let result = api::create_api_token(
                account,
                &CreateApiTokenRequest {
                    name: parsed,
                    max_role,
                },
            )
            .await;
            pending.set(false);
            match result {
                Ok(created) => {
                    name.value.set(String::new());
                    on_created.run(created);
                }
                Err(error) => {
                    let mut shown = false;
                    if let Some(message) = error.field("name") {
                        name.fail(message);
                        shown = true;
                    }
                    if let Some(message) = error.field("max_role") {
                        role_error.set(Some(message));
                        shown = true;
                    }
                    if !shown {
                        problem.set(Some(error.message()));
                    }
                }
            }
        });
    };
    let several = scope.with_value(|s| s.len() > 1);
    view! {
        <form class="card form token-form" on:submit=submit novalidate data-test="create-token-form">
            <h2>"New token"</h2>
            <TextField id="token-name" label="Name" value=name.value error=name.error
                hint="What it is for, such as “Okta provisioning” or “Nightly sync”."/>
            <div class="token-form-row">
                {several.then(|| view! {
                    <div class="field">
                        <label for="token-account">"Account"</label>
                        <p class="hint" id="token-account-hint">"It acts on this account and its sub-accounts."</p>
                        <select id="token-account" class="select" aria-describedby="token-account-hint" on:change=pick_account>
                            {scope.get_value().into_iter().map(|a| view! {
                                <option value=a.id.0.to_string() prop:selected=move || on_account.get() == a.id>
                                    {format!("{}{}", "\u{a0}\u{a0}".repeat(usize::from(a.depth)), a.name)}
                                </option>
                            }).collect_view()}
                        </select>
                    </div>
                })}
                <div class="field" class:invalid=move || role_error.get().is_some()>
                    <label for="token-role">"Role at most"</label>
                    <p class="hint" id="token-role-hint">"Only roles you may give are offered."</p>
                    <RoleSelect id="token-role" value=role options=offered described_by="token-role-hint token-role-error"/>
                    {move || role_error.get().map(|m| view! { <p class="field-error" id="token-role-error">{m}</p> })}
                </div>
            </div>
            {move || (!several).then(|| scope.with_value(|s| s.first().map(|a| view! {
                <p class="muted small">{format!("It acts on {} and its sub-accounts.", a.name)}</p>
            })))}
            {move || problem.get().map(|m| view! { <div class="alert error" role="alert" data-test="token-problem">{m}</div> })}
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || pending.get() data-test="create-token">
                    {move || if pending.get() { "Creating…" } else { "Create token" }}
                </button>
            </div>
        </form>
    }
}
