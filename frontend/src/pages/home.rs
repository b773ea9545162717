//! The start page (`/`): it opens the Users list of the account the person used last (or the
//! first where they manage people); someone who manages people nowhere gets a welcome page
//! listing their accounts instead.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::accounts::{start_account, use_accounts};
use crate::session::use_session;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    let accounts = use_accounts();
    let navigate = use_navigate();
    let start = Memo::new(move |_| {
        accounts
            .loaded()
            .then(|| start_account(&accounts.list(), accounts.last.get()))
    });
    Effect::new(move |_| {
        if let Some(Some(id)) = start.get() {
            navigate(
                &format!("/accounts/{id}/users"),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    let first_name = move || {
        session
            .info()
            .map(|i| {
                i.user
                    .name
                    .as_str()
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .unwrap_or_default()
    };
    view! {
        {move || match start.get() {
            Some(None) => view! {
                <section class="page narrow" aria-labelledby="home-title">
                    <h1 id="home-title">{move || format!("Welcome, {}", first_name())}</h1>
                    {move || accounts.remote.error().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
                    <div class="card">
                        <h2>"Your accounts"</h2>
                        {move || {
                            let list = accounts.list();
                            if list.is_empty() {
                                view! { <p class="muted">"You have no access to an account yet."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="account-tree plain" data-test="my-accounts">
                                        {list.into_iter().map(|a| view! {
                                            <li class=format!("account-node depth-{}", a.depth.min(8))>
                                                <span class="account-node-name">{a.name.to_string()}</span>
                                                <span class="muted small">{a.role.label()}</span>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }
                        }}
                    </div>
                    <div class="card">
                        <h2>"Your profile"</h2>
                        <ul class="link-list">
                            <li><a href="/profile">"My profile"</a></li>
                            <li><a href="/security">"Sign-in & Security"</a></li>
                            <li><a href="/profile/devices">"Connected devices"</a></li>
                        </ul>
                    </div>
                </section>
            }.into_any(),
            _ => view! { <p class="page muted" role="status">"Loading…"</p> }.into_any(),
        }}
    }
}
