//! `AccountTreePicker`: a checkbox per account of the scope, indented as the tree is, for
//! choosing where a role applies. Native checkboxes: Tab moves between them, Space ticks.
//!
//! A role on an account applies to its sub-accounts too, so ticking a parent is enough for
//! the whole branch: its sub-accounts are then shown ticked and "included" (and cannot be
//! ticked on their own in the same row; another row gives them another role).
//!
//! The tree drawn is always the real one: an account where nothing can be chosen is still
//! shown (not available) when an account below it is, so nothing moves up a level or under
//! the wrong parent.

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::GrantableAccount;

/// The accounts to show, in the order given (tree order), with the depth to indent each by:
/// every account that can be chosen or is listed as unavailable, and every ancestor of one
/// (so the tree keeps its shape); an account is one level below its parent.
pub fn shown_accounts(
    accounts: &[GrantableAccount],
    unavailable: &[AccountId],
) -> Vec<(GrantableAccount, u8)> {
    let parent_of = |id: AccountId| accounts.iter().find(|a| a.id == id).and_then(|a| a.parent);
    let mut keep: Vec<AccountId> = Vec::new();
    for account in accounts {
        if account.roles.is_empty() && !unavailable.contains(&account.id) {
            continue;
        }
        let mut next = Some(account.id);
        while let Some(id) = next {
            if keep.contains(&id) {
                break;
            }
            keep.push(id);
            next = parent_of(id);
        }
    }
    let mut out: Vec<(GrantableAccount, u8)> = Vec::new();
    for account in accounts.iter().filter(|a| keep.contains(&a.id)) {
        let depth = account
            .parent
            .and_then(|p| out.iter().find(|(a, _)| a.id == p).map(|(_, d)| d + 1))
            .unwrap_or(0);
        out.push((account.clone(), depth));
    }
    out
}

/// Whether `account` lies below one of `selected` (so a role chosen there covers it).
pub fn is_covered(
    accounts: &[GrantableAccount],
    selected: &[AccountId],
    account: AccountId,
) -> bool {
    let parent_of = |id: AccountId| accounts.iter().find(|a| a.id == id).and_then(|a| a.parent);
    let mut next = parent_of(account);
    while let Some(id) = next {
        if selected.contains(&id) {
            return true;
        }
        next = parent_of(id);
    }
    false
}

#[component]
pub fn AccountTreePicker(
    /// Prefix of the element ids (each checkbox is `{id}-{account}`).
    #[prop(into)]
    id: String,
    /// The group's visible name ("Accounts").
    #[prop(into)]
    legend: String,
    /// The accounts of the scope in tree order, each with the roles that may be chosen there
    /// (none: shown, when needed for the tree's shape, but not available).
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
                    let covered = move || accounts.with(|all| selected.with(|s| is_covered(all, s, account_id)));
                    let offered = !account.roles.is_empty();
                    let note = move || {
                        if taken() {
                            Some(unavailable_note)
                        } else if covered() {
                            Some("included")
                        } else if !offered {
                            Some("not available")
                        } else {
                            None
                        }
                    };
                    view! {
                        <li class=format!("tree-item depth-{}", depth.min(8)) data-account=account.name.to_string()
                            data-depth=depth.to_string()>
                            <input
                                type="checkbox"
                                id=input_id.clone()
                                prop:checked=move || covered() || selected.with(|s| s.contains(&account_id))
                                disabled=move || taken() || covered() || !offered
                                on:change=move |ev| toggle(account_id, event_target_checked(&ev))
                            />
                            <label for=input_id>
                                {account.name.to_string()}
                                {move || note().map(|note| view! { <span class="muted small">{format!(" ({note})")}</span> })}
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
    fn the_real_tree_is_drawn() {
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
        // The ancestors of what can be chosen are drawn too, so nothing changes level.
        let shown: Vec<(i64, u8)> = shown_accounts(&tree, &[])
            .into_iter()
            .map(|(a, d)| (a.id.0, d))
            .collect();
        assert_eq!(shown, [(1, 0), (2, 1), (3, 2), (4, 1), (5, 2)]);
        // A branch with nothing to choose stays out.
        let lone = [account(1, None, 0, true), account(2, Some(1), 1, false)];
        let shown: Vec<(i64, u8)> = shown_accounts(&lone, &[])
            .into_iter()
            .map(|(a, d)| (a.id.0, d))
            .collect();
        assert_eq!(shown, [(1, 0)]);
        let shown: Vec<(i64, u8)> = shown_accounts(&lone, &[AccountId(2)])
            .into_iter()
            .map(|(a, d)| (a.id.0, d))
            .collect();
        assert_eq!(shown, [(1, 0), (2, 1)]);
        // Ticking a parent covers its whole branch, not its siblings.
        assert!(is_covered(&tree, &[AccountId(2)], AccountId(3)));
        assert!(is_covered(&tree, &[AccountId(1)], AccountId(5)));
        assert!(!is_covered(&tree, &[AccountId(4)], AccountId(3)));
        assert!(!is_covered(&tree, &[AccountId(3)], AccountId(3)));
    }
}
