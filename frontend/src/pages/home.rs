use leptos::prelude::*;
use roster_shared::api::{Health, HealthStatus};

use crate::api;

/// The start page: what Roster is, and whether its server answers.
#[component]
pub fn HomePage() -> impl IntoView {
    let health = LocalResource::new(api::health);
    view! {
        <section class="page narrow" aria-labelledby="home-title">
            <h1 id="home-title">"Team and access management"</h1>
            <p class="muted">
                "Invite people to your accounts, give each the role they need, and keep seats in line with your plan."
            </p>
            <div class="card" aria-live="polite">
                <h2>"Server"</h2>
                <Suspense fallback=|| view! { <p class="muted" data-test="health-loading">"Checking the server…"</p> }>
                    {move || health.get().map(|result| match result {
                        Ok(health) => view! { <HealthSummary health/> }.into_any(),
                        Err(error) => view! {
                            <div class="alert error" role="alert" data-test="health-error">
                                <p>{error.message()}</p>
                                <button class="button" on:click=move |_| health.refetch()>"Try again"</button>
                            </div>
                        }.into_any(),
                    })}
                </Suspense>
            </div>
        </section>
    }
}

/// The server's answer to a health check, as a short list.
#[component]
fn HealthSummary(
    /// What the server reported.
    health: Health,
) -> impl IntoView {
    let (label, class) = match health.status {
        HealthStatus::Ok => ("Running", "badge ok"),
        HealthStatus::Degraded => ("Database not answering", "badge warn"),
    };
    view! {
        <dl class="facts" data-test="health">
            <dt>"Status"</dt>
            <dd><span class=class data-test="health-status">{label}</span></dd>
            <dt>"Version"</dt>
            <dd data-test="health-version">{health.version}</dd>
            <dt>"Database"</dt>
            <dd data-test="health-database">{health.database.label()}</dd>
            <dt>"Migrations applied"</dt>
            <dd data-test="health-migrations">{health.migrations_applied}</dd>
        </dl>
    }
}
