//! Settings › Single sign-on: an organisation's identity provider (OpenID Connect), the email
//! domains it proves it owns, and whether people there must sign in through the provider. Set
//! on the top-level account by its Owners; the server decides who may (an Admin is told why).

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::{
    AddDomainRequest, ErrorCode, GrantableAccount, SsoConnectionTest, SsoDomain, SsoJoin,
    SsoJoinRequest, SsoPolicyRequest, SsoProviderRequest, SsoSettings,
};
use roster_shared::email::EmailDomain;
use roster_shared::role::{JoinRole, Role};

use crate::api::{self, ApiError};
use crate::components::account_tree_picker::AccountTreePicker;
use crate::components::clipboard::copy_to_clipboard;
use crate::components::field::{Input, TextField};
use crate::components::load_error::LoadError;
use crate::components::role_select::RoleSelect;
use crate::locale::Time;
use crate::pages::settings_layout::use_account;
use crate::remote::Remote;

#[component]
pub fn SingleSignOnPage() -> impl IntoView {
    let account = use_account();
    let settings = Remote::new(move || {
        let id = account.get();
        async move { api::sso_settings(id).await }
    });
    view! {
        <section aria-labelledby="sso-title" class="sso">
            <h1 id="sso-title">"Single sign-on"</h1>
            <p class="muted">
                "People whose address is in your verified domains sign in through your identity provider (Okta, Microsoft Entra ID, Google Workspace, Keycloak or any OpenID Connect provider) instead of a Roster password."
            </p>
            {move || match settings.value.get() {
                None => view! { <p class="card muted" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) if matches!(error.code(), Some(ErrorCode::NotAnOwner | ErrorCode::NotFound)) => view! {
                    <p class="alert info" data-test="sso-refused">{error.message()}</p>
                }.into_any(),
                Some(Err(error)) => view! {
                    <LoadError error=error retry=Callback::new(move |()| settings.reload())/>
                }.into_any(),
                Some(Ok(current)) => view! {
                    <SsoForms current on_change=Callback::new(move |next: SsoSettings| settings.value.set(Some(Ok(next))))/>
                }.into_any(),
            }}
        </section>
    }
}

/// The cards, from the settings as they stand; each change answers the new settings.
#[component]
fn SsoForms(current: SsoSettings, on_change: Callback<SsoSettings>) -> impl IntoView {
    let has_provider = current.provider.is_some();
    let any_verified = current.domains.iter().any(|d| d.verified_at.is_some());
    view! {
        <ProviderCard current=current.clone() on_change/>
        <DomainsCard domains=current.domains.clone() on_change/>
        <PolicyCard required=current.required usable=has_provider && any_verified on_change/>
        <JoinCard join=current.join.clone() usable=has_provider && any_verified on_change/>
    }
}

#[component]
fn ProviderCard(current: SsoSettings, on_change: Callback<SsoSettings>) -> impl IntoView {
    let account = use_account();
    let issuer = Input::new();
    let client_id = Input::new();
    let secret = Input::new();
    if let Some(provider) = &current.provider {
        issuer.value.set(provider.issuer.clone());
        client_id.value.set(provider.client_id.clone());
    }
    let has_provider = current.provider.is_some();
    let pending = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);
    let tested = RwSignal::new(None::<Result<SsoConnectionTest, ApiError>>);
    let copied = RwSignal::new(None::<bool>);
    let redirect_uri = StoredValue::new(current.redirect_uri.clone());

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        failure.set(None);
        let typed_secret = secret.value.get_untracked();
        if !has_provider && typed_secret.trim().is_empty() {
            secret.fail("enter the client secret your provider gave Roster");
            return;
        }
        let request = SsoProviderRequest {
            issuer: issuer.value.get_untracked(),
            client_id: client_id.value.get_untracked(),
            client_secret: (!typed_secret.trim().is_empty()).then_some(typed_secret),
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            match api::set_sso_provider(account.get_untracked(), &request).await {
                Ok(next) => {
                    secret.value.set(String::new());
                    on_change.run(next);
                }
                Err(error) => {
                    for (input, field) in [
                        (issuer, "issuer"),
                        (client_id, "client_id"),
                        (secret, "client_secret"),
                    ] {
                        if let Some(message) = error.field(field) {
                            input.fail(message);
                        }
                    }
                    if error.fields().is_empty() {
                        failure.set(Some(error.message()));
                    }
                }
            }
            pending.set(false);
        });
    };
    let test = move |_| {
        tested.set(None);
        leptos::task::spawn_local(async move {
            tested.set(Some(api::test_sso_provider(account.get_untracked()).await));
        });
    };
    view! {
        <form class="card form" on:submit=save novalidate data-test="sso-provider">
            <h2>"Identity provider"</h2>
            <p class="muted">"At your provider, create an OpenID Connect web application (authorization code with PKCE) with this redirect URI, and scopes openid, email and profile:"</p>
            <div class="copy-line">
                <code data-test="sso-redirect-uri">{current.redirect_uri.clone()}</code>
                <button type="button" class="button small" on:click=move |_| redirect_uri.with_value(|uri| copy_to_clipboard(uri, copied))>"Copy"</button>
                <span class="muted small" role="status">{move || match copied.get() { Some(true) => "Copied.", Some(false) => "Select it instead.", None => "" }}</span>
            </div>
            {move || failure.get().map(|m| view! { <div class="alert error" role="alert" data-test="sso-provider-error">{m}</div> })}
            {move || notice.get().map(|m| view! { <div class="alert ok" role="status">{m}</div> })}
            <TextField id="sso-issuer" label="Issuer URL" value=issuer.value error=issuer.error input_type="url" autocomplete="off"
                hint="Where its /.well-known/openid-configuration is, such as https://login.example.com/realms/acme."/>
            <TextField id="sso-client-id" label="Client ID" value=client_id.value error=client_id.error autocomplete="off"/>
            <TextField id="sso-client-secret" label="Client secret" value=secret.value error=secret.error input_type="password" autocomplete="new-password"
                hint=if has_provider { "Stored encrypted. Leave empty to keep it." } else { "Stored encrypted; never shown again." }/>
            <div class="form-actions">
                {has_provider.then(|| view! {
                    <button type="button" class="button" on:click=test data-test="sso-test">"Test connection"</button>
                })}
                <button class="button primary" type="submit" disabled=move || pending.get() data-test="sso-save-provider">
                    {move || if pending.get() { "Checking the provider…" } else { "Save" }}
                </button>
            </div>
            {move || tested.get().map(|result| match result {
                Ok(found) => view! {
                    <div class="alert ok" role="status" data-test="sso-test-result">
                        {format!("The provider answers: {} signing key{} at {}.", found.signing_keys, if found.signing_keys == 1 { "" } else { "s" }, found.issuer)}
                    </div>
                }.into_any(),
                Err(error) => view! { <div class="alert error" role="alert" data-test="sso-test-result">{error.message()}</div> }.into_any(),
            })}
        </form>
    }
}

#[component]
fn DomainsCard(domains: Vec<SsoDomain>, on_change: Callback<SsoSettings>) -> impl IntoView {
    let account = use_account();
    let domain = Input::new();
    let failure = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        let Some(parsed) = domain.check(EmailDomain::parse) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match api::add_sso_domain(
                account.get_untracked(),
                &AddDomainRequest { domain: parsed },
            )
            .await
            {
                Ok(next) => {
                    domain.value.set(String::new());
                    on_change.run(next);
                }
                Err(error) => domain.fail(error.field("domain").unwrap_or_else(|| error.message())),
            }
        });
    };
    let act = move |name: String, verify: bool| {
        failure.set(None);
        leptos::task::spawn_local(async move {
            let id = account.get_untracked();
            let result = if verify {
                api::verify_sso_domain(id, &name).await
            } else {
                api::remove_sso_domain(id, &name).await
            };
            match result {
                Ok(next) => on_change.run(next),
                Err(error) => failure.set(Some(error.message())),
            }
        });
    };
    view! {
        <div class="card" data-test="sso-domains">
            <h2>"Verified domains"</h2>
            <p class="muted">"Prove each email domain with a DNS TXT record. Until a domain is verified, its people keep signing in with their password."</p>
            {move || failure.get().map(|m| view! { <div class="alert error" role="alert" data-test="sso-domain-error">{m}</div> })}
            {(!domains.is_empty()).then(|| view! {
                <ul class="domain-list">
                    {domains.into_iter().map(|d| {
                        let name = d.domain.to_string();
                        let (for_verify, for_remove) = (name.clone(), name.clone());
                        view! {
                            <li class="device" data-test="sso-domain" data-domain=name.clone()>
                                <div>
                                    <p class="device-name">
                                        {name.clone()}
                                        {match d.verified_at {
                                            Some(at) => view! { <span class="badge ok">"Verified "<Time at/></span> }.into_any(),
                                            None => view! { <span class="badge">"Waiting for DNS"</span> }.into_any(),
                                        }}
                                    </p>
                                    {d.verified_at.is_none().then(|| view! {
                                        <p class="muted small">"TXT record "<code>{d.txt_name.clone()}</code>" with the value "<code>{d.txt_value.clone()}</code></p>
                                    })}
                                </div>
                                <div class="row-actions">
                                    {d.verified_at.is_none().then(|| view! {
                                        <button type="button" class="button small" aria-label=format!("Verify {name}") on:click=move |_| act(for_verify.clone(), true)>"Verify"</button>
                                    })}
                                    <button type="button" class="button small ghost" aria-label=format!("Remove {name}") on:click=move |_| act(for_remove.clone(), false)>"Remove"</button>
                                </div>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            <form class="form inline-form" on:submit=add novalidate>
                <TextField id="sso-domain" label="Email domain" value=domain.value error=domain.error autocomplete="off" hint="Such as acme.example."/>
                <div class="form-actions start">
                    <button class="button" type="submit" data-test="sso-add-domain">"Add domain"</button>
                </div>
            </form>
        </div>
    }
}

#[component]
fn PolicyCard(required: bool, usable: bool, on_change: Callback<SsoSettings>) -> impl IntoView {
    let account = use_account();
    let failure = RwSignal::new(None::<String>);
    let toggle = move |_| {
        failure.set(None);
        leptos::task::spawn_local(async move {
            match api::set_sso_policy(
                account.get_untracked(),
                &SsoPolicyRequest {
                    required: !required,
                },
            )
            .await
            {
                Ok(next) => on_change.run(next),
                Err(error) => failure.set(Some(error.message())),
            }
        });
    };
    view! {
        <div class="card" data-test="sso-policy">
            <h2>"Require single sign-on"</h2>
            {move || failure.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
            {if required {
                view! {
                    <p><span class="badge ok">"Required"</span>" People in your verified domains sign in only through your identity provider: their password and passkeys are refused."</p>
                    <button type="button" class="button" on:click=toggle data-test="sso-required-toggle">"Stop requiring it"</button>
                }.into_any()
            } else {
                view! {
                    <p class="muted">"Until you require it, people in your verified domains may sign in either way. Before requiring it, make sure you can sign in through the provider yourself."</p>
                    <button type="button" class="button" on:click=toggle disabled=!usable data-test="sso-required-toggle">"Require single sign-on"</button>
                    {(!usable).then(|| view! { <p class="muted small">"Enter the provider and verify a domain first."</p> })}
                }.into_any()
            }}
        </div>
    }
}

/// "Basic on Acme, Support": what people who join get.
fn join_text(join: &SsoJoin, accounts: &[GrantableAccount]) -> String {
    let names: Vec<String> = join
        .accounts
        .iter()
        .map(|id| {
            accounts
                .iter()
                .find(|a| a.id == *id)
                .map_or_else(|| format!("account {id}"), |a| a.name.to_string())
        })
        .collect();
    format!("{} on {}", Role::from(join.role).label(), names.join(", "))
}

/// Just-in-time joining: off until an Owner chooses a role (never Owner) and accounts.
#[component]
fn JoinCard(
    join: Option<SsoJoin>,
    usable: bool,
    on_change: Callback<SsoSettings>,
) -> impl IntoView {
    let account = use_account();
    let options = Remote::new(move || {
        let id = account.get();
        async move { api::invite_options(id).await }
    });
    let accounts = Signal::derive(move || {
        options
            .value
            .get()
            .and_then(Result::ok)
            .map(|o| o.accounts)
            .unwrap_or_default()
    });
    // Each person who joins takes a seat: say how many are free.
    let seats = Remote::new(move || {
        let id = account.get();
        async move { api::seat_overview(id).await }
    });
    let on = join.is_some();
    let role = RwSignal::new(Some(
        join.as_ref().map_or(Role::Basic, |j| Role::from(j.role)),
    ));
    // Nothing is ticked until the Owner chooses: the top-level account would give everything.
    let selected = RwSignal::new(
        join.as_ref()
            .map(|j| j.accounts.clone())
            .unwrap_or_default(),
    );
    let roles = Signal::derive(|| vec![Role::Admin, Role::Basic, Role::Reporting]);
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let current = StoredValue::new(join);
    Effect::new(move |_| {
        selected.track();
        role.track();
        problem.set(None);
    });
    let send = move |join: Option<SsoJoin>| {
        pending.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            let result = api::set_sso_join(account.get_untracked(), &SsoJoinRequest { join }).await;
            pending.set(false);
            match result {
                Ok(next) => on_change.run(next),
                Err(error) => problem.set(Some(error.message())),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(role) = role
            .get_untracked()
            .and_then(|r| JoinRole::try_from(r).ok())
        else {
            problem.set(Some("Choose Admin, Basic or Reporting.".to_owned()));
            return;
        };
        let chosen: Vec<AccountId> = selected.get_untracked();
        if chosen.is_empty() {
            problem.set(Some(
                "Choose at least one account the people who join get.".to_owned(),
            ));
            return;
        }
        send(Some(SsoJoin {
            role,
            accounts: chosen,
        }));
    };
    view! {
        <form class="card form" on:submit=submit novalidate data-test="sso-join">
            <h2>"Joining without an invitation"</h2>
            {move || current.with_value(|join| match join {
                Some(join) => view! {
                    <p data-test="sso-join-state"><span class="badge ok">"On"</span>" "
                        {format!("Anyone in your verified domains who signs in through your provider without an invitation joins with {}.", join_text(join, &accounts.get()))}
                    </p>
                }.into_any(),
                None => view! {
                    <p class="muted" data-test="sso-join-state">"Off: only people you invite can sign in through your provider. Turn it on to let anyone in your verified domains join the first time they sign in through it, with the role and accounts you choose here."</p>
                }.into_any(),
            })}
            {move || seats.value.get().and_then(Result::ok).map(|found| {
                let total = found.seats.included + found.seats.extra;
                let full = found.seats.used >= total;
                let href = format!("/accounts/{}/seats", account.get_untracked());
                view! {
                    <p class="muted small" class:warn=full data-test="sso-join-seats">
                        {format!("Each person who joins takes a seat: {} of {total} in use.", found.seats.used)}
                        {full.then_some(" No seat is free: people who try to join are turned away until more are bought. ")}
                        {(full && found.can_manage).then(|| view! { <a href=href data-test="buy-more">"Buy more"</a> })}
                    </p>
                }
            })}
            <fieldset disabled=!usable>
                <div class="field">
                    <label for="sso-join-role">"Role"</label>
                    <RoleSelect id="sso-join-role" value=role options=roles/>
                </div>
                <AccountTreePicker id="sso-join-accounts" legend="Accounts they join" accounts selected/>
            </fieldset>
            {move || problem.get().map(|m| view! { <div class="alert error" role="alert" data-test="sso-join-problem">{m}</div> })}
            <div class="form-actions">
                {on.then(|| view! {
                    <button type="button" class="button danger-text" disabled=move || pending.get() data-test="sso-join-off"
                        on:click=move |_| send(None)>"Turn off"</button>
                })}
                <button type="submit" class="button primary" disabled=move || !usable || pending.get() data-test="sso-join-save">
                    {if on { "Save" } else { "Let them join" }}
                </button>
            </div>
            {(!usable).then(|| view! { <p class="muted small">"Enter the provider and verify a domain first."</p> })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use roster_shared::name::AccountName;

    use super::*;

    #[test]
    fn joining_says_what_people_get() {
        let account = |id: i64, name: &str| GrantableAccount {
            id: AccountId(id),
            parent: None,
            name: AccountName::parse(name).expect("a name"),
            depth: 0,
            roles: Role::ALL.to_vec(),
        };
        let join = SsoJoin {
            role: JoinRole::Reporting,
            accounts: vec![AccountId(1), AccountId(2)],
        };
        assert_eq!(
            join_text(&join, &[account(1, "Acme"), account(2, "Support")]),
            "Reporting on Acme, Support"
        );
        assert_eq!(
            join_text(&join, &[account(1, "Acme")]),
            "Reporting on Acme, account 2"
        );
    }
}
