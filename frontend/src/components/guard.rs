//! Screens that need a signed-in person.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::session::{Auth, use_session};

/// Shows `children` to a signed-in person; sends anyone else to the sign-in page, which
/// brings them back here afterwards.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        if session.auth.get() == Auth::SignedOut {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            let next = js_sys_encode(&here);
            navigate(&format!("/sign-in?next={next}"), Default::default());
        }
    });
    let children = StoredValue::new(children);
    view! {
        {move || match session.auth.get() {
            Auth::SignedIn(_) => children.with_value(|c| c()).into_any(),
            _ => view! { <p class="page muted" role="status">"Loading…"</p> }.into_any(),
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
