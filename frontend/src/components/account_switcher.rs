//! `AccountSwitcher`: the current account's name beside the brand; it opens a list of every
//! account the person can open, indented as the tree is, with a filter to type into.
//!
//! Keyboard (the ARIA combobox-with-listbox pattern): focus goes to the filter, ↑/↓ move the
//! active option (`aria-activedescendant`), Enter opens it, Escape closes the list and puts
//! focus back on the button. Choosing an account opens the same screen for it and remembers
//! it for the next sign-in.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use roster_shared::account::AccountId;
use roster_shared::api::AccountSummary;
use wasm_bindgen::JsCast;

use crate::accounts::{account_in_path, switch_path, use_accounts};

/// The accounts whose name contains `filter` (ignoring case), in tree order.
pub fn filter_accounts(list: &[AccountSummary], filter: &str) -> Vec<AccountSummary> {
    let filter = filter.trim().to_lowercase();
    list.iter()
        .filter(|a| filter.is_empty() || a.name.as_str().to_lowercase().contains(&filter))
        .cloned()
        .collect()
}

fn option_id(id: AccountId) -> String {
    format!("account-option-{id}")
}

#[component]
pub fn AccountSwitcher() -> impl IntoView {
    let accounts = use_accounts();
    let location = use_location();
    let navigate = StoredValue::new(use_navigate());
    let open = RwSignal::new(false);
    let filter = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let button_ref = NodeRef::<leptos::html::Button>::new();
    let filter_ref = NodeRef::<leptos::html::Input>::new();
    let list_ref = NodeRef::<leptos::html::Ul>::new();

    let current = Memo::new(move |_| {
        account_in_path(&location.pathname.get())
            .map(|(id, _)| id)
            .or_else(|| accounts.last.get())
            .or_else(|| accounts.list().first().map(|a| a.id))
    });
    let current_name = move || {
        current
            .get()
            .and_then(|id| accounts.name(id))
            .unwrap_or_else(|| "Accounts".into())
    };
    let any = Memo::new(move |_| {
        accounts
            .remote
            .value
            .with(|v| matches!(v, Some(Ok(l)) if !l.is_empty()))
    });
    let matches = Memo::new(move |_| filter.with(|f| filter_accounts(&accounts.list(), f)));

    let close = move |refocus: bool| {
        open.set(false);
        if refocus && let Some(button) = button_ref.get_untracked() {
            let _ = button.focus();
        }
    };
    let choose = move |id: AccountId| {
        close(true);
        accounts.remember(id);
        let to = switch_path(&location.pathname.get_untracked(), id);
        navigate.with_value(|navigate| navigate(&to, Default::default()));
    };
    let toggle = move |_| {
        if open.get_untracked() {
            close(false);
        } else {
            filter.set(String::new());
            let here = current.get_untracked();
            active.set(
                matches
                    .get_untracked()
                    .iter()
                    .position(|a| Some(a.id) == here)
                    .unwrap_or(0),
            );
            open.set(true);
        }
    };
    // Focus goes to the filter when the list opens.
    Effect::new(move |_| {
        if open.get()
            && let Some(input) = filter_ref.get()
        {
            let _ = input.focus();
        }
    });
    // Keeps the active option in view as ↑/↓ move it through a long list.
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
                if let Some(account) =
                    matches.with_untracked(|m| m.get(active.get_untracked()).cloned())
                {
                    choose(account.id);
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
    let active_id = move || matches.with(|m| m.get(active.get()).map(|a| option_id(a.id)));

    view! {
        {move || any.get().then(|| view! {
            <div class="account-switcher">
                <button
                    type="button"
                    class="switcher-button"
                    aria-haspopup="listbox"
                    aria-expanded=move || open.get().to_string()
                    node_ref=button_ref
                    on:click=toggle
                    data-test="account-switcher"
                >
                    <span class="visually-hidden">"Account: "</span>
                    <span class="switcher-name" data-test="current-account">{current_name}</span>
                    <span class="switcher-caret" aria-hidden="true">"▾"</span>
                </button>
                {move || open.get().then(|| view! {
                    <div class="menu-backdrop" on:click=move |_| close(false)></div>
                    <div class="switcher-popover">
                        <label class="visually-hidden" for="account-filter">"Find an account"</label>
                        <input
                            id="account-filter"
                            class="input"
                            type="text"
                            role="combobox"
                            autocomplete="off"
                            placeholder="Find an account…"
                            aria-expanded="true"
                            aria-controls="account-options"
                            aria-autocomplete="list"
                            aria-activedescendant=active_id
                            node_ref=filter_ref
                            prop:value=move || filter.get()
                            on:input=move |ev| {
                                filter.set(event_target_value(&ev));
                                active.set(0);
                            }
                            on:keydown=on_key
                            data-test="account-filter"
                        />
                        <ul class="switcher-options" id="account-options" role="listbox" aria-label="Accounts" node_ref=list_ref>
                            {move || matches.get().into_iter().enumerate().map(|(index, account)| {
                                let id = account.id;
                                view! {
                                    <li
                                        id=option_id(id)
                                        role="option"
                                        class=format!("switcher-option depth-{}", account.depth.min(8))
                                        class:active=move || active.get() == index
                                        class:archived=account.archived
                                        aria-selected=move || (active.get() == index).to_string()
                                        aria-current=move || (current.get() == Some(id)).then_some("true")
                                        on:click=move |_| choose(id)
                                        on:mousemove=move |_| if active.get_untracked() != index { active.set(index) }
                                        data-test="account-option"
                                    >
                                        <span class="switcher-option-name">{account.name.to_string()}</span>
                                        {account.archived.then(|| view! { <span class="badge">"Archived"</span> })}
                                        {move || (current.get() == Some(id)).then(|| view! { <span class="switcher-check" aria-hidden="true">"✓"</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {move || matches.with(Vec::is_empty).then(|| view! {
                            <p class="muted small switcher-empty" role="status">"No account matches."</p>
                        })}
                    </div>
                })}
            </div>
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_shared::name::AccountName;
    use roster_shared::role::Role;

    #[test]
    fn the_filter_matches_any_part_of_a_name() {
        let list: Vec<_> = ["Acme", "Support", "Sales EMEA"]
            .iter()
            .enumerate()
            .map(|(i, name)| AccountSummary {
                id: AccountId(i as i64 + 1),
                parent: None,
                root: AccountId(1),
                name: AccountName::parse(name).unwrap(),
                depth: 0,
                role: Role::Owner,
                archived: false,
            })
            .collect();
        let names = |f: &str| -> Vec<String> {
            filter_accounts(&list, f)
                .into_iter()
                .map(|a| a.name.to_string())
                .collect()
        };
        assert_eq!(names(""), ["Acme", "Support", "Sales EMEA"]);
        assert_eq!(names(" s"), ["Support", "Sales EMEA"]);
        assert_eq!(names("emea"), ["Sales EMEA"]);
        assert!(names("zzz").is_empty());
    }
}
