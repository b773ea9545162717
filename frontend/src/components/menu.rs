//! A "⋮" menu button (the WAI-ARIA menu button pattern): it opens a list of actions,
//! focus moves to the first, ↑/↓ (and Home/End) move between them, Escape closes the menu
//! and puts focus back on the button, and choosing an action closes it.
//!
//! Items are the `children`: `<button role="menuitem" class="menu-item">` or
//! `<a role="menuitem">`, direct children of the list.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Moves focus to item `index` of the menu (wrapping around), or the first/last.
fn focus_item(menu: &web_sys::Element, step: Step) {
    let items = menu.children();
    let count = items.length();
    if count == 0 {
        return;
    }
    let active = document().active_element();
    let current = (0..count).find(|&i| items.item(i).as_ref() == active.as_ref());
    let next = match (step, current) {
        (Step::First, _) | (Step::Next, None) => 0,
        (Step::Last, _) | (Step::Previous, None) => count - 1,
        (Step::Next, Some(i)) => (i + 1) % count,
        (Step::Previous, Some(i)) => (i + count - 1) % count,
    };
    if let Some(item) = items.item(next)
        && let Ok(item) = item.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = item.focus();
    }
}

#[derive(Clone, Copy)]
enum Step {
    First,
    Last,
    Next,
    Previous,
}

#[component]
pub fn Menu(
    /// The button's accessible name, naming what the actions act on ("Actions for Ana
    /// Lopez").
    #[prop(into)]
    label: String,
    /// The actions (`role="menuitem"` elements).
    children: ChildrenFn,
    /// A `data-test` value for the button, for browser tests.
    #[prop(optional)]
    test: &'static str,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let button_ref = NodeRef::<leptos::html::Button>::new();
    let menu_ref = NodeRef::<leptos::html::Div>::new();
    let close = move |refocus: bool| {
        open.set(false);
        if refocus && let Some(button) = button_ref.get_untracked() {
            let _ = button.focus();
        }
    };
    Effect::new(move |_| {
        if open.get()
            && let Some(menu) = menu_ref.get()
        {
            focus_item(&menu, Step::First);
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(menu) = menu_ref.get_untracked() else {
            return;
        };
        let step = match ev.key().as_str() {
            "ArrowDown" => Step::Next,
            "ArrowUp" => Step::Previous,
            "Home" => Step::First,
            "End" => Step::Last,
            "Escape" => {
                ev.prevent_default();
                close(true);
                return;
            }
            "Tab" => {
                close(false);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        focus_item(&menu, step);
    };
    let children = StoredValue::new(children);
    view! {
        <div class="row-menu">
            <button
                type="button"
                class="button ghost small menu-button"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-label=label
                data-test=test
                node_ref=button_ref
                on:click=move |_| open.update(|o| *o = !*o)
                on:keydown=move |ev| {
                    if ev.key() == "ArrowDown" || ev.key() == "ArrowUp" {
                        ev.prevent_default();
                        open.set(true);
                    }
                }
            >
                <span aria-hidden="true">"⋮"</span>
            </button>
            {move || open.get().then(|| untrack(|| view! {
                <div class="menu-backdrop" on:click=move |_| close(false)></div>
                <div class="menu" role="menu" node_ref=menu_ref on:keydown=on_key on:click=move |_| close(false)>
                    {children.with_value(|c| c())}
                </div>
            }))}
        </div>
    }
}
