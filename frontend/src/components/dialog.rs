//! A modal dialog: focus moves into it, Escape or the close button closes it (focus goes back
//! to where it was), and the page behind is inert for assistive technology.

use leptos::prelude::*;

#[component]
pub fn Dialog(
    /// Whether the dialog is open.
    open: RwSignal<bool>,
    /// Its title (also its accessible name).
    title: &'static str,
    /// Id for the title element.
    id: &'static str,
    /// The dialog's content (its form or question and buttons).
    children: ChildrenFn,
) -> impl IntoView {
    let title_id = format!("{id}-title");
    let dialog_ref = NodeRef::<leptos::html::Div>::new();
    // The element that had focus before the dialog opened, to give it back afterwards.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |was_open: Option<bool>| {
        use wasm_bindgen::JsCast;
        let is_open = open.get();
        if is_open && was_open != Some(true) {
            opener.set_value(
                document()
                    .active_element()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
            );
        }
        // Focus the first field (or button) so keyboard users start inside.
        if is_open
            && let Some(element) = dialog_ref.get()
            && let Ok(Some(first)) =
                element.query_selector("input, select, textarea, button:not(.dialog-close)")
            && let Ok(first) = first.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = first.focus();
        }
        if !is_open
            && was_open == Some(true)
            && let Some(element) = opener.get_value()
            && element.is_connected()
        {
            let _ = element.focus();
        }
        is_open
    });
    let children = StoredValue::new(children);
    view! {
        {move || open.get().then(|| untrack(|| view! {
            <div class="dialog-backdrop" on:click=move |_| open.set(false)></div>
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id.clone()
                id=id
                node_ref=dialog_ref
                on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }
            >
                <div class="dialog-head">
                    <h2 id=title_id.clone()>{title}</h2>
                    <button class="button ghost small dialog-close" aria-label="Close" on:click=move |_| open.set(false)>"✕"</button>
                </div>
                {children.with_value(|children| children())}
            </div>
        }))}
    }
}
