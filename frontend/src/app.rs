//! The application shell and its routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

use crate::api;
use crate::components::guard::RequireSignIn;
use crate::components::server_status::ServerStatus;
use crate::components::user_menu::UserMenu;
use crate::pages::home::HomePage;
use crate::pages::mailbox::MailboxPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::profile::{ProfilePage, ProfileTab};
use crate::pages::security::SecurityPage;
use crate::pages::setup::SetupPage;
use crate::pages::sign_in::SignInPage;
use crate::session::{Auth, provide_session, use_session};

#[component]
pub fn App() -> impl IntoView {
    provide_session();
    view! {
        <Router>
            <SignedOutWatcher/>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <main id="main" class="app-main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=|| view! { <RequireSignIn><HomePage/></RequireSignIn> }/>
                    <Route path=path!("/setup") view=SetupPage/>
                    <Route path=path!("/sign-in") view=SignInPage/>
                    <Route path=path!("/security") view=|| view! { <RequireSignIn><SecurityPage/></RequireSignIn> }/>
                    <Route path=path!("/profile") view=|| view! { <RequireSignIn><ProfilePage tab=ProfileTab::Home/></RequireSignIn> }/>
                    <Route path=path!("/profile/notifications") view=|| view! { <RequireSignIn><ProfilePage tab=ProfileTab::Notifications/></RequireSignIn> }/>
                    <Route path=path!("/dev/mailbox") view=MailboxPage/>
                    <Route path=path!("/profile/devices") view=|| view! { <RequireSignIn><ProfilePage tab=ProfileTab::Devices/></RequireSignIn> }/>
                </Routes>
            </main>
            <ServerStatus/>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let session = use_session();
    view! {
        <header class="app-header">
            <a class="brand" href="/" aria-label="Roster home">
                <img class="brand-mark" src="/icons/icon.svg" alt="" width="28" height="28"/>
                <span class="brand-name">"Roster"</span>
            </a>
            <span class="header-spacer"></span>
            {move || matches!(session.auth.get(), Auth::SignedIn(_)).then(|| view! { <UserMenu/> })}
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
            session.signed_out();
            let here = window().location().pathname().unwrap_or_default();
            navigate(
                &format!(
                    "/sign-in?next={}",
                    crate::components::guard::js_sys_encode(&here)
                ),
                Default::default(),
            );
        }
    });
}
