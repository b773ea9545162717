//! The application shell and its routes.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::{Lazy, path};

use crate::accounts::provide_accounts;
use crate::api;
use crate::components::account_switcher::AccountSwitcher;
use crate::components::guard::RequireSignIn;
use crate::components::server_status::ServerStatus;
use crate::components::user_menu::UserMenu;
use crate::pages::home::HomePage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::settings_layout::{SettingsLayout, use_account};
use crate::pages::sign_in::SignInPage;
use crate::screens;
use crate::session::{Auth, SessionEnd, provide_session, use_session};

#[component]
pub fn App() -> impl IntoView {
    provide_session();
    provide_accounts();
    crate::drafts::provide_drafts();
    crate::live::provide_live();
    view! {
        <Router>
            <SignedOutWatcher/>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <main id="main" class="app-main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=|| view! { <RequireSignIn><HomePage/></RequireSignIn> }/>
                    <Route path=path!("/setup") view={Lazy::<screens::Setup>::new()}/>
                    <Route path=path!("/sign-in") view=SignInPage/>
                    <Route path=path!("/security") view={Lazy::<screens::Security>::new()}/>
                    <Route path=path!("/profile") view={Lazy::<screens::Profile>::new()}/>
                    <Route path=path!("/profile/notifications") view={Lazy::<screens::ProfileNotifications>::new()}/>
                    <Route path=path!("/dev/mailbox") view={Lazy::<screens::Mailbox>::new()}/>
                    <Route path=path!("/profile/devices") view={Lazy::<screens::ProfileDevices>::new()}/>
                    <Route path=path!("/invitations/accept") view={Lazy::<screens::Accept>::new()}/>
                    <Route path=path!("/email/confirm") view={Lazy::<screens::EmailConfirm>::new()}/>
                    <Route path=path!("/forgot-password") view={Lazy::<screens::ForgotPassword>::new()}/>
                    <Route path=path!("/reset-password") view={Lazy::<screens::ResetPassword>::new()}/>
                    <Route path=path!("/api-reference") view={Lazy::<screens::ApiReference>::new()}/>
                    // The settings of one account; the account is in the address so links and
                    // reloads keep it.
                    <ParentRoute path=path!("/accounts/:id") view=|| view! { <RequireSignIn><SettingsLayout/></RequireSignIn> }>
                        <Route path=path!("") view=|| view! { <Redirect path=format!("/accounts/{}/users", use_account().get_untracked())/> }/>
                        <Route path=path!("users") view={Lazy::<screens::Users>::new()}/>
                        <Route path=path!("users/new") view={Lazy::<screens::NewUser>::new()}/>
                        <Route path=path!("people/:user") view={Lazy::<screens::Person>::new()}/>
                        <Route path=path!("sub-accounts") view={Lazy::<screens::SubAccounts>::new()}/>
                        <Route path=path!("audit") view={Lazy::<screens::Audit>::new()}/>
                        <Route path=path!("users/import") view={Lazy::<screens::Import>::new()}/>
                        <Route path=path!("seats") view={Lazy::<screens::Seats>::new()}/>
                        <Route path=path!("tokens") view={Lazy::<screens::Tokens>::new()}/>
                        <Route path=path!("provisioning") view={Lazy::<screens::Provisioning>::new()}/>
                        <Route path=path!("single-sign-on") view={Lazy::<screens::SingleSignOn>::new()}/>
                        <Route path=path!("webhooks") view={Lazy::<screens::Webhooks>::new()}/>
                        <Route path=path!("webhooks/:endpoint") view={Lazy::<screens::WebhookEndpoint>::new()}/>
                    </ParentRoute>
                </Routes>
            </main>
            <ServerStatus/>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let session = use_session();
    let signed_in = Memo::new(move |_| matches!(session.auth.get(), Auth::SignedIn(_)));
    view! {
        <header class="app-header">
            <a class="brand" href="/" aria-label="Roster home">
                <img class="brand-mark" src="/icons/icon.svg" alt="" width="28" height="28"/>
                <span class="brand-name">"Roster"</span>
            </a>
            {move || signed_in.get().then(|| view! { <AccountSwitcher/> })}
            <span class="header-spacer"></span>
            {move || signed_in.get().then(|| view! { <UserMenu/> })}
        </header>
    }
}

/// When the server says this browser's session is gone (signed out elsewhere, expired), shows
/// the sign-in page, which brings the person back afterwards.
#[component]
fn SignedOutWatcher() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    api::on_signed_out(move || {
        if matches!(session.auth.get_untracked(), Auth::SignedIn(_)) {
            // Leave the screen first, then forget the session: the screen's sign-in guard
            // is gone by then and cannot send a second, garbled redirect of its own.
            let location = window().location();
            let here = format!(
                "{}{}",
                location.pathname().unwrap_or_default(),
                location.search().unwrap_or_default()
            );
            navigate(&crate::url::sign_in_then(&here), Default::default());
            session.ended(SessionEnd::Ended);
        }
    });
}
