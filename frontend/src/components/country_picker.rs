//! `CountryPicker`: a country chosen from a searchable list (names, codes and calling codes
//! all find it: "germ", "de", "+49"), ranked by `roster_shared::country::search`.
//!
//! Keyboard: the button opens the list with focus in its search box; ↑/↓ move, Enter
//! chooses, Escape closes and returns to the button.

use leptos::prelude::*;
use roster_shared::country::{self, CountryCode};
use wasm_bindgen::JsCast;

/// How a country is shown: "Germany (+49)".
pub fn country_label(code: CountryCode) -> String {
    format!("{} (+{})", code.name(), code.calling_code())
}

/// The country of the browser's language setting ("de-AT" is Austria), if it names one.
pub fn browser_country() -> Option<CountryCode> {
    use web_sys::js_sys::Reflect;
    let navigator = Reflect::get(&window(), &"navigator".into()).ok()?;
    let language = Reflect::get(&navigator, &"language".into())
        .ok()?
        .as_string()?;
    let region = language.split(['-', '_']).nth(1)?;
    (region.len() == 2)
        .then(|| CountryCode::parse(region).ok())
        .flatten()
}

#[component]
pub fn CountryPicker(
    /// Id of the button (a `<label for>` names it); the list's ids derive from it.
    id: &'static str,
    /// The chosen country.
    value: RwSignal<CountryCode>,
    /// Ids of the hint and error that explain the choice (read out with the button).
    #[prop(optional, into)]
    described_by: MaybeProp<String>,
    /// Whether the server refused the choice (drawn and announced as invalid).
    #[prop(optional, into)]
    invalid: Signal<bool>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let button_ref = NodeRef::<leptos::html::Button>::new();
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let list_ref = NodeRef::<leptos::html::Ul>::new();
    let list_id = format!("{id}-list");
    let search_id = format!("{id}-search");
    let matches =
        Memo::new(move |_| query.with(|q| country::search(q).map(|c| c.code).collect::<Vec<_>>()));
    let close = move |refocus: bool| {
        open.set(false);
        if refocus && let Some(button) = button_ref.get_untracked() {
            let _ = button.focus();
        }
    };
    let choose = move |code: CountryCode| {
        value.set(code);
        close(true);
    };
    Effect::new(move |_| {
        if open.get()
            && let Some(input) = input_ref.get()
        {
            let _ = input.focus();
        }
    });
    Effect::new(move |_| {
        let index = active.get();
        if let Some(list) = list_ref.get()
            && let Some(option) = list.children().item(index as u32)
            && let Ok(option) = option.dyn_into::<web_sys::HtmlElement>()
        {
            let top = option.offset_top();
            let bottom = top + option.offset_height();
            if top < list.scroll_top() {
                list.set_scroll_top(top);
            } else if bottom > list.scroll_top() + list.client_height() {
                list.set_scroll_top(bottom - list.client_height());
            }
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = matches.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                if count > 0 {
                    active.update(|i| *i = (*i + 1).min(count - 1));
                }
            }
            "ArrowUp" => {
                ev.prevent_default();
                active.update(|i| *i = i.saturating_sub(1));
            }
            "Enter" => {
                ev.prevent_default();
                if let Some(code) =
                    matches.with_untracked(|m| m.get(active.get_untracked()).copied())
                {
                    choose(code);
                }
            }
            "Escape" => {
                ev.prevent_default();
                close(true);
            }
            "Tab" => close(false),
            _ => {}
        }
    };
    let option_id = move |code: CountryCode| format!("{id}-{}", code.as_str());
    view! {
        <div class="country-picker">
            <button type="button" id=id class="select country-button" aria-haspopup="listbox"
                class:invalid=move || invalid.get()
                aria-invalid=move || invalid.get().then_some("true")
                aria-describedby=move || described_by.get()
                aria-expanded=move || open.get().to_string() node_ref=button_ref
                on:click=move |_| {
                    if open.get_untracked() {
                        close(false);
                    } else {
                        query.set(String::new());
                        let chosen = value.get_untracked();
                        active.set(matches.get_untracked().iter().position(|c| *c == chosen).unwrap_or(0));
                        open.set(true);
                    }
                }>
                <span>{move || country_label(value.get())}</span>
                <span class="switcher-caret" aria-hidden="true">"▾"</span>
            </button>
            {move || open.get().then(|| view! {
                <div class="menu-backdrop" on:click=move |_| close(false)></div>
                <div class="switcher-popover country-popover">
                    <label class="visually-hidden" for=search_id.clone()>"Search countries"</label>
                    <input id=search_id.clone() class="input" type="text" role="combobox" autocomplete="off"
                        placeholder="Country, code or +calling code" aria-expanded="true" aria-controls=list_id.clone()
                        aria-autocomplete="list"
                        aria-activedescendant=move || matches.with(|m| m.get(active.get()).map(|c| option_id(*c)))
                        node_ref=input_ref prop:value=move || query.get()
                        on:input=move |ev| { query.set(event_target_value(&ev)); active.set(0); }
                        on:keydown=on_key/>
                    <ul class="switcher-options" id=list_id.clone() role="listbox" aria-label="Countries" node_ref=list_ref>
                        {move || matches.get().into_iter().enumerate().map(|(index, code)| view! {
                            <li id=option_id(code) role="option" class="switcher-option"
                                class:active=move || active.get() == index
                                aria-selected=move || (active.get() == index).to_string()
                                on:click=move |_| choose(code)
                                on:mousemove=move |_| if active.get_untracked() != index { active.set(index) }>
                                {country_label(code)}
                            </li>
                        }).collect_view()}
                    </ul>
                    {move || matches.with(Vec::is_empty).then(|| view! {
                        <p class="muted small switcher-empty" role="status">"No country matches."</p>
                    })}
                </div>
            })}
        </div>
    }
}
