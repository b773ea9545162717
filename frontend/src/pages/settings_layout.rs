//! The settings area of one account (`/accounts/{id}/…`): the "Settings" navigation on the
//! left (Users, Sub-accounts, Audit log) and the chosen screen beside it.

use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_params_map};
use roster_shared::account::AccountId;

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
    let link = move |href: &'static str, label: &'static str, sections: &'static [&'static str]| {
        let current = move || sections.contains(&section.get().as_str());
        view! {
            <li>
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
    view! {
        <div class="page settings">
            <nav class="settings-nav" aria-label="Settings">
                <p class="settings-nav-title">"Settings"</p>
                <p class="settings-account" data-test="settings-account">
                    {move || id.get().and_then(|id| accounts.get(id)).map(|a| a.name.to_string())}
                </p>
                <ul>
                    {link("users", "Users", &["users", "people", ""])}
                    {link("sub-accounts", "Sub-accounts", &["sub-accounts"])}
                    {link("audit", "Audit log", &["audit"])}
                    {link("seats", "Seats", &["seats"])}
                    {link("tokens", "API tokens", &["tokens"])}
                </ul>
            </nav>
            <div class="settings-main">
                {move || if known.get() {
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
