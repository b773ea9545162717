//! Unsaved changes are not lost without a word: while a form holds some, leaving the page —
//! reload, close, or a link inside the app — asks first.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

const QUESTION: &str = "Leave without saving? The changes on this page will be lost.";

/// While `unsaved` is true, asks before the page is left (for as long as the calling
/// component lives).
pub fn ask_before_leaving(unsaved: Signal<bool>) {
    let on_unload = window_event_listener_untyped("beforeunload", move |event| {
        if unsaved.get_untracked() {
            // The browser shows its own question; the text is not used any more.
            event.prevent_default();
            let _ = js_sys::Reflect::set(&event, &"returnValue".into(), &"".into());
        }
    });
    // Links are followed by the router from a click listener of its own: this one runs first
    // (capture phase, on the window) and stops the click when the person stays.
    let on_click = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        if !unsaved.get_untracked() {
            return;
        }
        let link = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten());
        let Some(link) = link else { return };
        // A link that opens elsewhere leaves this page as it is.
        if link.has_attribute("download")
            || link.get_attribute("target").is_some_and(|t| t == "_blank")
        {
            return;
        }
        let leave = window().confirm_with_message(QUESTION).unwrap_or(true);
        if !leave {
            event.prevent_default();
            event.stop_immediate_propagation();
        }
    })
    .into_js_value();
    let _ =
        window().add_event_listener_with_callback_and_bool("click", on_click.unchecked_ref(), true);
    let on_click = StoredValue::new_local(on_click);
    on_cleanup(move || {
        on_unload.remove();
        on_click.try_with_value(|on_click| {
            let _ = window().remove_event_listener_with_callback_and_bool(
                "click",
                on_click.unchecked_ref(),
                true,
            );
        });
    });
}
