//! The settings area of one account (`/accounts/{id}/…`): the "Settings" navigation on the
//! left (Users, Sub-accounts, Audit log, Seats, API tokens, Provisioning, Single sign-on) and the
//! chosen screen beside it.
//!
//! Someone with Basic or Reporting access to the account sees only what they may use: the
//! screens for Admins and Owners are not in their navigation, and opening one by its address
//! says why instead of asking the server for a refusal.

use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_params_map};
use roster_shared::account::AccountId;
use roster_shared::role::Role;

use crate::accounts::{account_in_path, use_accounts};

/// The account the settings screens show, from the address.
#[derive(Clone, Copy)]
struct AccountScope(Memo<Option<AccountId>>);

/// The account of the settings screen being shown (for screens under [`SettingsLayout`]).
pub fn use_account() -> Signal<AccountId> {
    let scope = expect_context::<AccountScope>();
    Signal::derive(move || scope.0.get().unwrap_or(AccountId(0)))
}

#[component]
pub fn SettingsLayout() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let accounts = use_accounts();
    let id = Memo::new(move |_| {
        params.with(|p| p.get_str("id").and_then(|s| s.parse().ok()).map(AccountId))
    });
    provide_context(AccountScope(id));
    // Opening an account (from the switcher or a link) makes it the one the next sign-in
    // opens.
    Effect::new(move |_| {
        if let Some(id) = id.get()
            && accounts.get(id).is_some()
        {
            accounts.remember(id);
        }
    });
    let section = Memo::new(move |_| {
        account_in_path(&location.pathname.get())
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_owned())
            .unwrap_or_default()
    });
    // The viewer's role here, once the account list has it (until then, the screen asks the
    // server, which decides anyway).
    let role = Memo::new(move |_| id.get().and_then(|id| accounts.get(id)).map(|a| a.role));
    let manages = move || role.get().is_none_or(|r| r.manages_users());
    let link = move |href: &'static str,
                     label: &'static str,
                     sections: &'static [&'static str],
                     for_managers: bool| {
        let current = move || sections.contains(&section.get().as_str());
        view! {
            <li hidden=move || for_managers && !manages()>
                <a
                    href=move || format!("/accounts/{}/{href}", id.get().map(|i| i.0).unwrap_or_default())
                    class="settings-link"
                    class:active=current
                    aria-current=move || current().then_some("page")
                >
                    {label}
                </a>
            </li>
        }
    };
    // A memo: a reloaded account list must not re-create the screen below.
    let known = Memo::new(move |_| match id.get() {
        None => false,
        // Until the list arrives, assume the address is right (the screen asks the server).
        Some(id) => !accounts.loaded() || accounts.get(id).is_some(),
    });
    // A screen for Admins and Owners, opened by someone below: what it is, to say so.
    let refused = Memo::new(move |_| {
        let role = role.get()?;
        if role.manages_users() {
            return None;
        }
        let rest = account_in_path(&location.pathname.get())
            .map(|(_, rest)| rest.to_owned())
            .unwrap_or_default();
        managers_screen(&rest).map(|what| (what, role))
    });
    view! {
        <div class="page settings">
            <nav class="settings-nav" aria-label="Settings">
                <p class="settings-nav-title">"Settings"</p>
                <p class="settings-account" data-test="settings-account">
                    {move || id.get().and_then(|id| accounts.name(id))}
                </p>
                <ul>
                    {link("users", "Users", &["users", "people", ""], false)}
                    {link("sub-accounts", "Sub-accounts", &["sub-accounts"], false)}
                    {link("audit", "Audit log", &["audit"], true)}
                    {link("seats", "Seats", &["seats"], true)}
                    {link("tokens", "API tokens", &["tokens"], true)}
                    {link("provisioning", "Provisioning", &["provisioning"], true)}
                    {link("single-sign-on", "Single sign-on", &["single-sign-on"], true)}
                    {link("webhooks", "Webhooks", &["webhooks"], true)}
                </ul>
            </nav>
            <div class="settings-main">
                {move || if let Some((what, role)) = refused.get() {
                    view! { <ForManagers what role/> }.into_any()
                } else if known.get() {
                    untrack(|| view! { <Outlet/> }).into_any()
                } else {
                    view! {
                        <section aria-labelledby="no-account-title">
                            <h1 id="no-account-title">"Account not found"</h1>
                            <p class="muted">"There is no account at this address that you can open. Choose one with the account switcher at the top."</p>
                        </section>
                    }.into_any()
                }}
            </div>
        </div>
    }
}

/// The name of the screen at `rest` (the path after `/accounts/{id}/`) when only the account's
/// Admins and Owners may use it.
fn managers_screen(rest: &str) -> Option<&'static str> {
    let mut parts = rest.split('/');
    match (parts.next().unwrap_or_default(), parts.next()) {
        ("users", Some("new")) => Some("Inviting people"),
        ("users", Some("import")) => Some("Importing people"),
        ("people", Some(_)) => Some("People"),
        ("audit", _) => Some("The audit log"),
        ("seats", _) => Some("Seats"),
        ("tokens", _) => Some("API tokens"),
        ("provisioning", _) => Some("Provisioning"),
        ("single-sign-on", _) => Some("Single sign-on"),
        ("webhooks", _) => Some("Webhooks"),
        _ => None,
    }
}

/// Says why a screen for Admins and Owners is not shown, and where the person can go.
#[component]
fn ForManagers(what: &'static str, role: Role) -> impl IntoView {
    let account = use_account();
    let accounts = use_accounts();
    let name = move || accounts.name(account.get()).unwrap_or_default();
    view! {
        <section aria-labelledby="for-managers-title">
            <h1 id="for-managers-title">{what}</h1>
            <div class="card" data-test="for-managers">
                <p>
                    {move || format!(
                        "Only the Admins and Owners of {} use this page. You have {} access here; ask one of them if you need something changed.",
                        name(),
                        role.label()
                    )}
                </p>
                <ul class="link-list">
                    <li><a href=move || format!("/accounts/{}/users", account.get())>"Your access to this account"</a></li>
                    <li><a href="/profile">"My profile"</a></li>
                    <li><a href="/security">"Sign-in & Security"</a></li>
                </ul>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::managers_screen;

    #[test]
    fn the_screens_for_managers_are_named() {
        assert_eq!(managers_screen("users/new"), Some("Inviting people"));
        assert_eq!(managers_screen("users/import"), Some("Importing people"));
        assert_eq!(managers_screen("audit"), Some("The audit log"));
        assert_eq!(managers_screen("tokens"), Some("API tokens"));
        assert_eq!(managers_screen("seats"), Some("Seats"));
        assert_eq!(managers_screen("provisioning"), Some("Provisioning"));
        assert_eq!(managers_screen("people/12"), Some("People"));
        assert_eq!(managers_screen("users"), None);
        assert_eq!(managers_screen("sub-accounts"), None);
        assert_eq!(managers_screen(""), None);
    }
}
