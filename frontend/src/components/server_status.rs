//! The footer line that says which server answers (version, database) — or that none does,
//! or that this browser is offline (the app's shell still starts from the service worker's
//! cache; what needs the server waits for the connection).

use leptos::prelude::*;
use roster_shared::api::HealthStatus;

use crate::api;
use crate::live::use_live;
use crate::remote::Remote;

#[component]
pub fn ServerStatus() -> impl IntoView {
    let answer = Remote::new(api::health);
    let live = use_live();
    // Back online: ask again rather than keep showing the failure from while offline.
    Effect::new(move |was_online: Option<bool>| {
        let online = live.online.get();
        if was_online == Some(false) && online {
            answer.reload();
        }
        online
    });
    view! {
        <footer class="app-footer" aria-live="polite">
            {move || (!live.online.get()).then(|| view! {
                <span class="offline-note" role="status" data-test="offline">
                    <span class="badge warn">"Offline"</span>
                    <span>"No network connection. What is on screen stays; save changes once you are back online."</span>
                </span>
            })}
            {move || live.online.get().then(|| match answer.value.get() {
                None => view! { <span class="muted" data-test="health-loading">"Checking the server…"</span> }.into_any(),
                Some(result) => match result {
                    Ok(health) => {
                        let (label, class) = match health.status {
                            HealthStatus::Ok => ("Running", "badge ok"),
                            HealthStatus::Degraded => ("Database not answering", "badge warn"),
                        };
                        view! {
                            <span class="footer-facts" data-test="health">
                                <span class=class data-test="health-status">{label}</span>
                                <span>"Roster "<span data-test="health-version">{health.version}</span></span>
                                <span data-test="health-database">{health.database.label()}</span>
                            </span>
                        }.into_any()
                    }
                    Err(error) => view! {
                        <span class="footer-error" role="alert" data-test="health-error">
                            <span>{error.message()}</span>
                            <button class="button small" on:click=move |_| answer.reload()>"Try again"</button>
                        </span>
                    }.into_any(),
                },
            })}
        </footer>
    }
}
