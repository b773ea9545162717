use leptos::prelude::*;

/// Any address the app has no screen for.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="page narrow" aria-labelledby="not-found-title">
            <h1 id="not-found-title">"Page not found"</h1>
            <p class="muted">"There is nothing at this address. It may have moved, or the link may be incomplete."</p>
            <a class="button" href="/">"Go to the start page"</a>
        </section>
    }
}
