//! A modal dialog: focus moves into it, Escape or the close button closes it, and the page
//! behind is inert for assistive technology.

use leptos::prelude::*;

#[component]
pub fn Dialog(
    /// Whether the dialog is open.
    open: RwSignal<bool>,
    /// Its title (also its accessible name).
    title: &'static str,
    /// Id for the title element.
    id: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let title_id = format!("{id}-title");
    let dialog_ref = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        // Focus the first field (or button) so keyboard users start inside.
        if open.get()
            && let Some(element) = dialog_ref.get()
            && let Ok(Some(first)) =
                element.query_selector("input, select, textarea, button:not(.dialog-close)")
        {
            use wasm_bindgen::JsCast;
            if let Ok(first) = first.dyn_into::<web_sys::HtmlElement>() {
                let _ = first.focus();
            }
        }
    });
    let children = StoredValue::new(children);
    view! {
        <Show when=move || open.get()>
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
        </Show>
    }
}
