//! `RoleSelect`: a drop-down of access levels, highest first, offering only the roles the
//! viewer may grant (the server decides again).

use leptos::prelude::*;
use roster_shared::role::Role;

#[component]
pub fn RoleSelect(
    /// Id of the `<select>` (a `<label for>` elsewhere can name it).
    #[prop(into)]
    id: String,
    /// The chosen role (`None`: nothing chosen yet).
    value: RwSignal<Option<Role>>,
    /// The roles to list, highest first.
    #[prop(into)]
    options: Signal<Vec<Role>>,
    /// The roles that may be chosen; the others are listed but disabled. When not given,
    /// every listed role may be chosen.
    #[prop(optional, into)]
    enabled: Option<Signal<Vec<Role>>>,
    /// The accessible name, when no visible label names the select.
    #[prop(optional, into)]
    aria_label: Option<String>,
    /// The whole select is read-only.
    #[prop(optional, into)]
    disabled: Signal<bool>,
    /// Ids of elements that describe the select (a hint, an error).
    #[prop(optional, into)]
    described_by: Option<String>,
) -> impl IntoView {
    let may_choose =
        move |role: Role| enabled.is_none_or(|enabled| enabled.with(|e| e.contains(&role)));
    view! {
        <select
            class="select role-select"
            id=id
            aria-label=aria_label
            aria-describedby=described_by
            disabled=move || disabled.get()
            on:change=move |ev| value.set(Role::parse(&event_target_value(&ev)).ok())
        >
            {move || value.get().is_none().then(|| view! {
                <option value="" prop:selected=true disabled>"Choose a role"</option>
            })}
            {move || options.get().into_iter().map(|role| view! {
                <option
                    value=role.as_str()
                    prop:selected=move || value.get() == Some(role)
                    disabled=move || !may_choose(role)
                >
                    {role.label()}
                </option>
            }).collect_view()}
        </select>
    }
}
