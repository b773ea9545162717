//! `AccountTreePicker`: a checkbox per account of the scope, indented as the tree is, for
//! choosing where a role applies. Native checkboxes: Tab moves between them, Space ticks.
//!
//! A role on an account applies to its sub-accounts too, so ticking a parent is enough for
//! the whole branch; a sub-account is ticked on its own to give it another role.
//!
//! Accounts left out (nothing may be granted there) do not leave holes in the indentation:
//! an account is indented one step below its nearest shown parent.

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::GrantableAccount;

/// The accounts to show (grantable, or shown as unavailable) with the depth to indent each
/// by: one more than its parent's when the parent is shown, else none.
pub fn shown_accounts(
    accounts: &[GrantableAccount],
    unavailable: &[AccountId],
) -> Vec<(GrantableAccount, u8)> {
    let mut out: Vec<(GrantableAccount, u8)> = Vec::new();
    for account in accounts {
        if account.roles.is_empty() && !unavailable.contains(&account.id) {
            continue;
        }
        let depth = account
            .parent
            .and_then(|p| out.iter().find(|(a, _)| a.id == p).map(|(_, d)| d + 1))
            .unwrap_or(0);
        out.push((account.clone(), depth));
    }
    out
}

#[component]
pub fn AccountTreePicker(
    /// Prefix of the element ids (each checkbox is `{id}-{account}`).
    #[prop(into)]
    id: String,
    /// The group's visible name ("Accounts").
    #[prop(into)]
    legend: String,
    /// The accounts of the scope in tree order; accounts where nothing may be granted are
    /// left out (unless listed as unavailable).
    #[prop(into)]
    accounts: Signal<Vec<GrantableAccount>>,
    /// The ticked accounts.
    selected: RwSignal<Vec<AccountId>>,
    /// Accounts shown but not available here (already chosen in another row).
    #[prop(optional, into)]
    unavailable: Signal<Vec<AccountId>>,
    /// Why an unavailable account cannot be ticked, shown beside it.
    #[prop(default = "chosen in another row")]
    unavailable_note: &'static str,
) -> impl IntoView {
    let toggle = move |account: AccountId, on: bool| {
        selected.update(|s| {
            s.retain(|a| *a != account);
            if on {
                s.push(account);
            }
        })
    };
    let id = StoredValue::new(id);
    view! {
        <fieldset class="tree-picker" data-test="account-tree">
            <legend>{legend}</legend>
            <ul class="tree-list">
                {move || shown_accounts(&accounts.get(), &unavailable.get()).into_iter().map(|(account, depth)| {
                    let account_id = account.id;
                    let input_id = format!("{}-{}", id.get_value(), account_id);
                    let taken = move || unavailable.with(|u| u.contains(&account_id));
                    view! {
                        <li class=format!("tree-item depth-{}", depth.min(8))>
                            <input
                                type="checkbox"
                                id=input_id.clone()
                                prop:checked=move || selected.with(|s| s.contains(&account_id))
                                disabled=taken
                                on:change=move |ev| toggle(account_id, event_target_checked(&ev))
                            />
                            <label for=input_id>
                                {account.name.to_string()}
                                {move || taken().then(|| view! { <span class="muted small">{format!(" ({unavailable_note})")}</span> })}
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_shared::name::AccountName;
    use roster_shared::role::Role;

    #[test]
    fn left_out_parents_leave_no_holes() {
        let account = |id: i64, parent: Option<i64>, depth: u8, grantable: bool| GrantableAccount {
            id: AccountId(id),
            parent: parent.map(AccountId),
            name: AccountName::parse(&format!("A{id}")).unwrap(),
            depth,
            roles: if grantable { vec![Role::Basic] } else { vec![] },
        };
        let tree = [
            account(1, None, 0, false),
            account(2, Some(1), 1, false),
            account(3, Some(2), 2, true),
            account(4, Some(1), 1, true),
            account(5, Some(4), 2, true),
        ];
        let shown: Vec<(i64, u8)> = shown_accounts(&tree, &[])
            .into_iter()
            .map(|(a, d)| (a.id.0, d))
            .collect();
        assert_eq!(shown, [(3, 0), (4, 0), (5, 1)]);
        let shown: Vec<(i64, u8)> = shown_accounts(&tree, &[AccountId(2)])
            .into_iter()
            .map(|(a, d)| (a.id.0, d))
            .collect();
        assert_eq!(shown, [(2, 0), (3, 1), (4, 0), (5, 1)]);
    }
}
