//! Screens that need a signed-in person.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::session::{Auth, use_session};

/// Shows `children` to a signed-in person; sends anyone else to the sign-in page, which
/// brings them back here afterwards.
#[component]
pub fn RequireSignIn(
    /// The screen to show once someone is signed in.
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        // Already on the sign-in page (sent there by whoever noticed first): nothing to add.
        if session.auth.get() == Auth::SignedOut && location.pathname.get_untracked() != "/sign-in"
        {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            navigate(&crate::url::sign_in_then(&here), Default::default());
        }
    });
    // Only signing in or out re-creates the screen; a renamed person keeps what they typed.
    let signed_in = Memo::new(move |_| matches!(session.auth.get(), Auth::SignedIn(_)));
    let children = StoredValue::new(children);
    view! {
        {move || if signed_in.get() {
            children.with_value(|c| c()).into_any()
        } else {
            view! { <p class="page muted" role="status">"Loading…"</p> }.into_any()
        }}
    }
}
