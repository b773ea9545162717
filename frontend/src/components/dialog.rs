//! A modal dialog on the browser's own `<dialog>`, opened with `showModal()`: the page behind
//! is inert (no click, focus or screen reader reaches it), focus stays inside, Escape or the
//! close button closes it, and focus goes back to where it was.

use leptos::prelude::*;

#[component]
pub fn Dialog(
    /// Whether the dialog is open.
    open: RwSignal<bool>,
    /// Its title (also its accessible name).
    title: &'static str,
    /// Id for the dialog element.
    id: &'static str,
    /// The dialog's content (its form or question and buttons).
    children: ChildrenFn,
) -> impl IntoView {
    let title_id = format!("{id}-title");
    let dialog_ref = NodeRef::<leptos::html::Dialog>::new();
    // The element that had focus before the dialog opened, to give it back afterwards.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        let is_open = open.get();
        let Some(dialog) = dialog_ref.get() else {
            return;
        };
        if is_open && !dialog.open() {
            opener.set_value(
                document()
                    .active_element()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
            );
            let _ = dialog.show_modal();
            // Start at the first field (or button), not at the close button.
            if let Ok(Some(first)) =
                dialog.query_selector("input, select, textarea, button:not(.dialog-close)")
                && let Ok(first) = first.dyn_into::<web_sys::HtmlElement>()
            {
                let _ = first.focus();
            }
        } else if !is_open && dialog.open() {
            dialog.close();
            if let Some(element) = opener.get_value()
                && element.is_connected()
            {
                let _ = element.focus();
            }
        }
    });
    // Closing from the page (a screen that goes away) leaves no modal behind.
    on_cleanup(move || {
        if let Some(dialog) = dialog_ref.get_untracked()
            && dialog.open()
        {
            dialog.close();
        }
    });
    let children = StoredValue::new(children);
    let heading_id = title_id.clone();
    view! {
        <dialog
            class="dialog"
            aria-labelledby=title_id
            id=id
            node_ref=dialog_ref
            // Escape: the browser would close the element itself; the signal decides instead.
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                open.set(false);
            }
            // Tab from the last control comes back to the first (and Shift+Tab the other way)
            // rather than leaving for the browser's own toolbar.
            on:keydown=move |ev| {
                if ev.key() == "Tab"
                    && let Some(dialog) = dialog_ref.get_untracked()
                {
                    wrap_focus(&dialog, &ev);
                }
            }
            // A click on the backdrop lands on the dialog element itself.
            on:click=move |ev| {
                use wasm_bindgen::JsCast;
                let on_backdrop = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlDialogElement>().ok())
                    .is_some();
                if on_backdrop {
                    open.set(false);
                }
            }
        >
            <div class="dialog-body">
                {move || open.get().then(|| untrack(|| view! {
                    <div class="dialog-head">
                        <h2 id=heading_id.clone()>{title}</h2>
                        <button type="button" class="button ghost small dialog-close" aria-label="Close" on:click=move |_| open.set(false)>"✕"</button>
                    </div>
                    {children.with_value(|children| children())}
                }))}
            </div>
        </dialog>
    }
}

/// Keeps Tab inside `dialog`: past its last control focus goes to its first, and back.
fn wrap_focus(dialog: &web_sys::HtmlDialogElement, ev: &web_sys::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let Ok(found) = dialog.query_selector_all(
        "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])",
    ) else {
        return;
    };
    let controls: Vec<web_sys::HtmlElement> = (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect();
    let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
        return;
    };
    let active = document().active_element();
    let at = |element: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == element.unchecked_ref::<web_sys::Element>())
    };
    if ev.shift_key() && at(first) {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && at(last) {
        ev.prevent_default();
        let _ = first.focus();
    }
}
