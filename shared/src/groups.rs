//! What the groups an identity provider pushes give their members, once an Owner maps each to
//! one role on some accounts (Settings › Provisioning).
//!
//! A person's access follows their groups without overruling what an Admin set by hand:
//! - joining a mapped group gives its role on its accounts, unless they already hold a higher
//!   role there;
//! - leaving it (or the group losing its mapping, or being deleted) takes back what it gave:
//!   the role falls to what their other mapped groups give there, or is removed, but only
//!   where the role they hold is still the one the groups gave (an Admin who changed it since
//!   made it theirs).

use std::collections::BTreeMap;

use crate::account::AccountId;
use crate::role::Role;

/// Account → role: what a person holds, or what their groups give.
pub type Access = BTreeMap<AccountId, Role>;

/// Whether someone with `role` on the top-level account (`None`: no role there) may choose
/// what a group gives: Owners only, as a group may give any role, Owner included, to people
/// the provider chooses.
pub fn chooses_access(role: Option<Role>) -> bool {
    role == Some(Role::Owner)
}

/// What mapped groups give someone, from the `(account, role)` each of their groups gives:
/// the highest role any of them gives, per account.
pub fn given(grants: impl IntoIterator<Item = (AccountId, Role)>) -> Access {
    let mut access = Access::new();
    for (account, role) in grants {
        let held = access.entry(account).or_insert(role);
        *held = (*held).max(role);
    }
    access
}

/// The access someone provisioned (or reactivated) through SCIM gets on the top-level account
/// before any group gives more.
pub const DEFAULT_ROLE: Role = Role::Basic;

/// The access someone should hold when what their groups give changes from `before` to
/// `after`, given what they hold now (`current`). Someone their groups leave with nothing
/// keeps [`DEFAULT_ROLE`] on the top-level account `top`: they are still the provider's user.
pub fn follow(current: &Access, before: &Access, after: &Access, top: AccountId) -> Access {
    let mut next = current.clone();
    for account in before.keys().chain(after.keys()) {
        let held = current.get(account).copied();
        let gave = before.get(account).copied();
        match after.get(account).copied() {
            Some(role) => {
                if held.is_none_or(|held| Some(held) == gave || held < role) {
                    next.insert(*account, role);
                }
            }
            None => {
                if held.is_some() && held == gave {
                    next.remove(account);
                }
            }
        }
    }
    if next.is_empty() {
        next.insert(top, DEFAULT_ROLE);
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: AccountId = AccountId(1);

    fn access(pairs: &[(i64, Role)]) -> Access {
        pairs.iter().map(|(a, r)| (AccountId(*a), *r)).collect()
    }

    #[test]
    fn only_owners_choose_what_a_group_gives() {
        assert!(chooses_access(Some(Role::Owner)));
        for role in [Role::Admin, Role::Basic, Role::Reporting] {
            assert!(!chooses_access(Some(role)));
        }
        assert!(!chooses_access(None));
    }

    #[test]
    fn the_highest_role_of_several_groups_is_given() {
        let both = given([
            (AccountId(1), Role::Basic),
            (AccountId(2), Role::Basic),
            (AccountId(2), Role::Admin),
        ]);
        assert_eq!(both, access(&[(1, Role::Basic), (2, Role::Admin)]));
        assert_eq!(given([]), Access::new());
    }

    #[test]
    fn joining_gives_the_role_unless_a_higher_one_is_held() {
        let current = access(&[(1, Role::Owner), (2, Role::Reporting)]);
        let after = access(&[(1, Role::Admin), (2, Role::Admin), (3, Role::Admin)]);
        assert_eq!(
            follow(&current, &Access::new(), &after, TOP),
            access(&[(1, Role::Owner), (2, Role::Admin), (3, Role::Admin)])
        );
    }

    #[test]
    fn leaving_takes_back_only_what_the_groups_gave() {
        // 1: given by the group and untouched; 2: changed by an Admin since; 3: never given.
        let current = access(&[(1, Role::Admin), (2, Role::Basic), (3, Role::Basic)]);
        let before = access(&[(1, Role::Admin), (2, Role::Admin)]);
        assert_eq!(
            follow(&current, &before, &Access::new(), TOP),
            access(&[(2, Role::Basic), (3, Role::Basic)])
        );
    }

    #[test]
    fn leaving_one_group_falls_back_to_what_the_others_give() {
        let current = access(&[(1, Role::Admin)]);
        let before = access(&[(1, Role::Admin)]);
        let after = access(&[(1, Role::Basic)]);
        assert_eq!(
            follow(&current, &before, &after, TOP),
            access(&[(1, Role::Basic)])
        );
    }

    #[test]
    fn someone_left_with_nothing_keeps_the_default_role_on_the_top_level_account() {
        let current = access(&[(2, Role::Admin)]);
        let before = access(&[(2, Role::Admin)]);
        assert_eq!(
            follow(&current, &before, &Access::new(), TOP),
            access(&[(1, DEFAULT_ROLE)])
        );
    }

    #[test]
    fn nothing_changes_when_the_groups_give_the_same() {
        let current = access(&[(1, Role::Owner), (2, Role::Basic)]);
        let both = access(&[(1, Role::Admin), (2, Role::Basic)]);
        assert_eq!(follow(&current, &both, &both, TOP), current);
    }
}
