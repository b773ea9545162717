//! The Users list's search box and filters (status, role, last sign-in).

use std::time::Duration;

use leptos::prelude::*;
use roster_shared::api::Inactivity;
use roster_shared::invitation::PersonStatus;
use roster_shared::role::Role;

use super::address::ListState;

/// The search box, which asks the server once typing pauses, and the filters.
#[component]
pub(super) fn ListFilters(list: ListState) -> impl IntoView {
    let q = Memo::new(move |_| list.query.with(|s| s.q.clone().unwrap_or_default()));
    let status = Memo::new(move |_| list.query.with(|s| s.status));
    let role = Memo::new(move |_| list.query.with(|s| s.role));
    let inactive = Memo::new(move |_| list.query.with(|s| s.inactive));
    // What the search box shows: what is typed, which reaches the address once typing pauses;
    // an address that changes otherwise (Back, a link) shows its own search.
    let search = RwSignal::new(q.get_untracked());
    Effect::new(move |_| {
        let searched = q.get();
        if untrack(|| search.get().trim() != searched.trim()) {
            search.set(searched);
        }
    });
    let debounce = StoredValue::new(None::<TimeoutHandle>);
    let on_search = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        search.set(text.clone());
        if let Some(handle) = debounce.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || list.refilter(|s| s.q = Some(text.clone()).filter(|q| !q.trim().is_empty())),
            Duration::from_millis(250),
        )
        .ok();
        debounce.set_value(handle);
    };
    let status_filter = move |label: &'static str, value: Option<PersonStatus>| {
        view! {
            <button type="button" class="segment" aria-pressed=move || (status.get() == value).to_string()
                data-test=format!("status-{}", label.to_lowercase())
                on:click=move |_| list.refilter(|s| s.status = value)>{label}</button>
        }
    };
    view! {
        <div class="toolbar" role="search">
            <div class="field search-field">
                <label for="people-search" class="visually-hidden">"Search by name or email"</label>
                <input id="people-search" class="input" type="search" placeholder="Search by name or email"
                    autocomplete="off" prop:value=move || search.get() on:input=on_search data-test="people-search"/>
            </div>
            <div class="segments" role="group" aria-label="Status">
                {status_filter("All", None)}
                {status_filter("Active", Some(PersonStatus::Active))}
                {status_filter("Pending", Some(PersonStatus::Pending))}
                {status_filter("Expired", Some(PersonStatus::Expired))}
            </div>
            <div class="field role-filter">
                <label for="role-filter" class="visually-hidden">"Role"</label>
                <select id="role-filter" class="select" data-test="role-filter" on:change=move |ev| {
                    let picked = Role::parse(&event_target_value(&ev)).ok();
                    list.refilter(|s| s.role = picked);
                }>
                    <option value="" prop:selected=move || role.get().is_none()>"All roles"</option>
                    {Role::ALL.into_iter().map(|r| view! {
                        <option value=r.as_str() prop:selected=move || role.get() == Some(r)>{r.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field role-filter">
                <label for="inactive-filter" class="visually-hidden">"Last sign-in"</label>
                <select id="inactive-filter" class="select" data-test="inactive-filter" on:change=move |ev| {
                    let picked = Inactivity::parse(&event_target_value(&ev));
                    list.refilter(|s| s.inactive = picked);
                }>
                    <option value="" prop:selected=move || inactive.get().is_none()>"Any last sign-in"</option>
                    {Inactivity::ALL.into_iter().map(|i| view! {
                        <option value=i.as_str() prop:selected=move || inactive.get() == Some(i)>{i.label()}</option>
                    }).collect_view()}
                </select>
            </div>
        </div>
    }
}
