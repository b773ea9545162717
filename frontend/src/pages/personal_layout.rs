//! The pages that are the person's own (Profile details with its tabs, Sign-in & Security):
//! a left sidebar between them, as the settings of an account have.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::session::use_session;

#[component]
pub fn PersonalLayout(children: Children) -> impl IntoView {
    let location = use_location();
    let session = use_session();
    let who = move || {
        session
            .info()
            .map(|i| i.user.name.to_string())
            .unwrap_or_default()
    };
    let link = move |href: &'static str, label: &'static str, test: &'static str| {
        let current = move || {
            let path = location.pathname.get();
            path == href || path.starts_with(&format!("{href}/"))
        };
        view! {
            <li>
                <a href=href class="settings-link" class:active=current
                    aria-current=move || current().then_some("page") data-test=test>{label}</a>
            </li>
        }
    };
    view! {
        <div class="page settings personal">
            <nav class="settings-nav" aria-label="Your account">
                <p class="settings-nav-title">"Your account"</p>
                <p class="settings-account" data-test="personal-name">{who}</p>
                <ul>
                    {link("/profile", "Profile details", "nav-profile")}
                    {link("/security", "Sign-in & Security", "nav-security")}
                </ul>
            </nav>
            <div class="settings-main">{children()}</div>
        </div>
    }
}
