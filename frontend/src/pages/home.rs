use leptos::prelude::*;

use crate::session::use_session;

/// The start page after signing in.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
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
        <section class="page narrow" aria-labelledby="home-title">
            <h1 id="home-title">{move || format!("Welcome, {}", first_name())}</h1>
            <p class="muted">
                "Invite people to your accounts, give each the role they need, and keep seats in line with your plan."
            </p>
            <div class="card">
                <h2>"Your account"</h2>
                <ul class="link-list">
                    <li><a href="/profile">"My profile"</a></li>
                    <li><a href="/security">"Sign-in & Security"</a></li>
                    <li><a href="/profile/devices">"Connected devices"</a></li>
                </ul>
            </div>
        </section>
    }
}
