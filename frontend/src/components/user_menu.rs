//! The signed-in person's menu in the header: profile, Sign-in & Security, sign out.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::session::use_session;

#[component]
pub fn UserMenu() -> impl IntoView {
    let session = use_session();
    let open = RwSignal::new(false);
    let navigate = use_navigate();
    let name = move || {
        session
            .info()
            .map(|i| i.user.name.to_string())
            .unwrap_or_default()
    };
    let email = move || {
        session
            .info()
            .map(|i| i.user.email.to_string())
            .unwrap_or_default()
    };
    let initials = move || {
        name()
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect::<String>()
            .to_uppercase()
    };
    let sign_out = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let _ = api::sign_out().await;
            session.signed_out();
            navigate("/sign-in", Default::default());
        });
    };
    view! {
        <div class="user-menu" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <button
                class="user-button"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-controls="user-menu-list"
                on:click=move |_| open.update(|o| *o = !*o)
                data-test="user-menu"
            >
                <span class="avatar" aria-hidden="true">{initials}</span>
                <span class="user-name" data-test="header-name">{name}</span>
            </button>
            {move || open.get().then(|| view! {
                <div class="menu-backdrop" on:click=move |_| open.set(false)></div>
                <div class="menu" id="user-menu-list" role="menu" on:click=move |_| open.set(false)>
                    <p class="menu-caption">{email}</p>
                    <a role="menuitem" href="/profile">"My profile"</a>
                    <a role="menuitem" href="/security">"Sign-in & Security"</a>
                    <a role="menuitem" href="/profile/devices">"Connected devices"</a>
                    <button role="menuitem" class="menu-item" on:click=sign_out.clone() data-test="sign-out">"Sign out"</button>
                </div>
            })}
        </div>
    }
}
