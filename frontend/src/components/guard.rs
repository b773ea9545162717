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
            let next = js_sys_encode(&here);
            navigate(&format!("/sign-in?next={next}"), Default::default());
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

/// Percent-encodes a path for a query parameter.
pub fn js_sys_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
