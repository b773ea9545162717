//! Who may do what to whom: the role hierarchy applied to the account tree.
//!
//! A role held on an account applies to it and to every account below it. From that one
//! principle follow the questions the server decides and the SPA explains:
//! - may this person manage the users of account A? (Admin or Owner on A or an ancestor)
//! - may they grant role R on A? (never above their own role there; so only Owners grant Owner)
//! - may they change or remove this membership? (never their own; never one that outranks
//!   them; never the last Owner of a top-level account)
//! - may they act on this invitation as a whole (copy its link, send it again, withdraw it,
//!   invite the address again)? (only if they could have made every grant it offers)

use serde::{Deserialize, Serialize};

use crate::account::{AccountId, AccountTree};
use crate::role::Role;

/// A person's role on one account (and so on everything below it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    pub account: AccountId,
    pub role: Role,
}

/// A person's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct UserId(pub i64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Why an action on people or access is refused. The text is shown to people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("you do not have access to this account")]
    NoAccess,
    #[error("only Admins and Owners can manage people on this account")]
    NotAnAdmin,
    #[error("you cannot grant {role}: it is above your own role ({own}) on this account")]
    AboveOwnRole { role: Role, own: Role },
    #[error("you cannot change your own access; ask another Admin or Owner")]
    OwnAccess,
    #[error("this person's role ({theirs}) is above yours ({own}) on this account")]
    TargetOutranks { theirs: Role, own: Role },
    #[error("every top-level account needs an Owner: make someone else Owner first")]
    LastOwner,
    #[error(
        "this invitation also offers access that you cannot grant; ask an Owner or an Admin who manages all of it, or remove their access to your accounts instead"
    )]
    InvitationBeyondReach,
}

/// The highest role these memberships give on `account` (held on it or on an ancestor).
pub fn effective_role(
    tree: &AccountTree,
    memberships: &[Membership],
    account: AccountId,
) -> Option<Role> {
    if !tree.contains(&account) {
        return None;
    }
    let path = tree.path(account);
    memberships
        .iter()
        .filter(|m| path.contains(&m.account))
        .map(|m| m.role)
        .max()
}

/// May this person open `account` at all?
pub fn can_view(tree: &AccountTree, memberships: &[Membership], account: AccountId) -> bool {
    effective_role(tree, memberships, account).is_some()
}

/// May this person manage the users of `account`?
pub fn check_manage_users(
    tree: &AccountTree,
    memberships: &[Membership],
    account: AccountId,
) -> Result<Role, AccessError> {
    match effective_role(tree, memberships, account) {
        None => Err(AccessError::NoAccess),
        Some(role) if role.manages_users() => Ok(role),
        Some(_) => Err(AccessError::NotAnAdmin),
    }
}

/// May this person grant `role` on `account`?
pub fn check_grant(
    tree: &AccountTree,
    memberships: &[Membership],
    role: Role,
    account: AccountId,
) -> Result<(), AccessError> {
    let own = check_manage_users(tree, memberships, account)?;
    if role > own {
        return Err(AccessError::AboveOwnRole { role, own });
    }
    Ok(())
}

/// The roles this person may grant on `account`, highest first (empty if none).
pub fn grantable_roles(
    tree: &AccountTree,
    memberships: &[Membership],
    account: AccountId,
) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|role| check_grant(tree, memberships, *role, account).is_ok())
        .collect()
}

/// May this person act on an invitation as a whole: copy its link, send it again, withdraw
/// it, or invite its address again?
///
/// Each of those hands on (or takes back) everything the invitation offers, wherever it is:
/// whoever accepts a copied link or a resent email gets every grant, not only the ones the
/// actor can see. So the actor must be someone who could have made every grant themselves.
pub fn check_invitation_action(
    tree: &AccountTree,
    memberships: &[Membership],
    offered: &[Membership],
) -> Result<(), AccessError> {
    let within_reach = offered
        .iter()
        .all(|grant| check_grant(tree, memberships, grant.role, grant.account).is_ok());
    if within_reach {
        Ok(())
    } else {
        Err(AccessError::InvitationBeyondReach)
    }
}

/// A change to one existing membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipChange {
    SetRole(Role),
    Remove,
}

/// The membership being changed, and the facts the rule needs about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetMembership {
    pub user: UserId,
    pub membership: Membership,
    /// How many Owners the account of `membership` has directly (counts only when it is a
    /// top-level account).
    pub owners_on_account: usize,
}

/// May `actor` (with `actor_memberships`) make `change` to `target`?
pub fn check_change(
    tree: &AccountTree,
    actor: UserId,
    actor_memberships: &[Membership],
    target: TargetMembership,
    change: MembershipChange,
) -> Result<(), AccessError> {
    let account = target.membership.account;
    let own = check_manage_users(tree, actor_memberships, account)?;
    if actor == target.user {
        return Err(AccessError::OwnAccess);
    }
    let theirs = target.membership.role;
    if theirs > own {
        return Err(AccessError::TargetOutranks { theirs, own });
    }
    if let MembershipChange::SetRole(role) = change {
        check_grant(tree, actor_memberships, role, account)?;
    }
    let loses_ownership = match change {
        MembershipChange::SetRole(role) => role < Role::Owner,
        MembershipChange::Remove => true,
    };
    let top_level = tree.parent(account).is_none();
    if theirs == Role::Owner && loses_ownership && top_level && target.owners_on_account <= 1 {
        return Err(AccessError::LastOwner);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn a(n: i64) -> AccountId {
        AccountId(n)
    }

    fn m(account: i64, role: Role) -> Membership {
        Membership {
            account: a(account),
            role,
        }
    }

    /// 1 ─┬─ 2 ── 4
    ///    └─ 3
    /// 10 (another customer)
    fn tree() -> AccountTree {
        AccountTree::from_rows([
            (a(1), None, false),
            (a(2), Some(a(1)), false),
            (a(3), Some(a(1)), false),
            (a(4), Some(a(2)), false),
            (a(10), None, false),
        ])
        .unwrap()
    }

    #[test]
    fn roles_flow_down_not_up_or_sideways() {
        let t = tree();
        let admin_of_2 = [m(2, Role::Admin)];
        assert_eq!(effective_role(&t, &admin_of_2, a(2)), Some(Role::Admin));
        assert_eq!(effective_role(&t, &admin_of_2, a(4)), Some(Role::Admin));
        assert_eq!(effective_role(&t, &admin_of_2, a(1)), None);
        assert_eq!(effective_role(&t, &admin_of_2, a(3)), None);
        assert_eq!(effective_role(&t, &admin_of_2, a(10)), None);
        // The highest of several memberships wins.
        let mixed = [m(1, Role::Basic), m(2, Role::Admin)];
        assert_eq!(effective_role(&t, &mixed, a(4)), Some(Role::Admin));
        assert_eq!(effective_role(&t, &mixed, a(3)), Some(Role::Basic));
    }

    #[test]
    fn basic_users_cannot_invite() {
        let t = tree();
        assert_eq!(
            check_grant(&t, &[m(1, Role::Basic)], Role::Reporting, a(1)),
            Err(AccessError::NotAnAdmin)
        );
        assert_eq!(
            check_grant(&t, &[m(1, Role::Reporting)], Role::Reporting, a(2)),
            Err(AccessError::NotAnAdmin)
        );
    }

    #[test]
    fn sub_account_admins_stay_in_their_scope_and_rank() {
        let t = tree();
        let admin_of_2 = [m(2, Role::Admin)];
        assert_eq!(
            check_grant(&t, &admin_of_2, Role::Basic, a(1)),
            Err(AccessError::NoAccess)
        );
        assert_eq!(
            check_grant(&t, &admin_of_2, Role::Owner, a(2)),
            Err(AccessError::AboveOwnRole {
                role: Role::Owner,
                own: Role::Admin
            })
        );
        assert_eq!(check_grant(&t, &admin_of_2, Role::Admin, a(4)), Ok(()));
        assert_eq!(
            grantable_roles(&t, &admin_of_2, a(2)),
            [Role::Admin, Role::Basic, Role::Reporting]
        );
        assert_eq!(grantable_roles(&t, &[m(1, Role::Owner)], a(4)), Role::ALL);
        assert!(grantable_roles(&t, &admin_of_2, a(10)).is_empty());
    }

    #[test]
    fn nobody_changes_their_own_access() {
        let t = tree();
        let target = TargetMembership {
            user: UserId(7),
            membership: m(1, Role::Owner),
            owners_on_account: 2,
        };
        assert_eq!(
            check_change(
                &t,
                UserId(7),
                &[m(1, Role::Owner)],
                target,
                MembershipChange::SetRole(Role::Admin)
            ),
            Err(AccessError::OwnAccess)
        );
    }

    #[test]
    fn admins_cannot_touch_owners() {
        let t = tree();
        let target = TargetMembership {
            user: UserId(8),
            membership: m(1, Role::Owner),
            owners_on_account: 2,
        };
        assert_eq!(
            check_change(
                &t,
                UserId(7),
                &[m(1, Role::Admin)],
                target,
                MembershipChange::Remove
            ),
            Err(AccessError::TargetOutranks {
                theirs: Role::Owner,
                own: Role::Admin
            })
        );
    }

    #[test]
    fn the_last_owner_of_a_top_level_account_stays() {
        let t = tree();
        let owner = [m(1, Role::Owner)];
        let last = TargetMembership {
            user: UserId(8),
            membership: m(1, Role::Owner),
            owners_on_account: 1,
        };
        assert_eq!(
            check_change(&t, UserId(7), &owner, last, MembershipChange::Remove),
            Err(AccessError::LastOwner)
        );
        assert_eq!(
            check_change(
                &t,
                UserId(7),
                &owner,
                last,
                MembershipChange::SetRole(Role::Admin)
            ),
            Err(AccessError::LastOwner)
        );
        assert_eq!(
            check_change(
                &t,
                UserId(7),
                &owner,
                last,
                MembershipChange::SetRole(Role::Owner)
            ),
            Ok(())
        );
        let one_of_two = TargetMembership {
            owners_on_account: 2,
            ..last
        };
        assert_eq!(
            check_change(&t, UserId(7), &owner, one_of_two, MembershipChange::Remove),
            Ok(())
        );
        // An Owner of a sub-account is not the top-level account's Owner.
        let sub_owner = TargetMembership {
            user: UserId(8),
            membership: m(2, Role::Owner),
            owners_on_account: 1,
        };
        assert_eq!(
            check_change(&t, UserId(7), &owner, sub_owner, MembershipChange::Remove),
            Ok(())
        );
    }

    #[test]
    fn acting_on_an_invitation_needs_reach_over_every_grant_it_offers() {
        let t = tree();
        let admin_of_2 = [m(2, Role::Admin)];
        // Within reach: Admin and below on 2 and its sub-account.
        assert_eq!(
            check_invitation_action(&t, &admin_of_2, &[m(2, Role::Admin), m(4, Role::Basic)]),
            Ok(())
        );
        // The escalation: Basic on the sub-account, Owner on the top-level account.
        assert_eq!(
            check_invitation_action(&t, &admin_of_2, &[m(2, Role::Basic), m(1, Role::Owner)]),
            Err(AccessError::InvitationBeyondReach)
        );
        // Above the actor's role on their own account.
        assert_eq!(
            check_invitation_action(&t, &admin_of_2, &[m(2, Role::Owner)]),
            Err(AccessError::InvitationBeyondReach)
        );
        // A sibling, another organisation.
        assert_eq!(
            check_invitation_action(&t, &admin_of_2, &[m(4, Role::Basic), m(3, Role::Reporting)]),
            Err(AccessError::InvitationBeyondReach)
        );
        assert_eq!(
            check_invitation_action(&t, &[m(1, Role::Owner)], &[m(10, Role::Basic)]),
            Err(AccessError::InvitationBeyondReach)
        );
        // People who manage nobody act on no invitation, even one offering nothing.
        assert_eq!(
            check_invitation_action(&t, &[m(1, Role::Basic)], &[m(2, Role::Reporting)]),
            Err(AccessError::InvitationBeyondReach)
        );
        assert_eq!(
            check_invitation_action(
                &t,
                &[m(1, Role::Owner)],
                &[m(1, Role::Owner), m(4, Role::Admin)]
            ),
            Ok(())
        );
    }

    // ---- property tests: random people acting on a random tree ----------------------------

    #[derive(Debug, Clone)]
    struct Act {
        actor: usize,
        target: usize,
        account: usize,
        role: Role,
        remove: bool,
    }

    fn role() -> impl Strategy<Value = Role> {
        prop::sample::select(Role::ALL.to_vec())
    }

    fn act() -> impl Strategy<Value = Act> {
        (
            any::<usize>(),
            any::<usize>(),
            any::<usize>(),
            role(),
            any::<bool>(),
        )
            .prop_map(|(actor, target, account, role, remove)| Act {
                actor,
                target,
                account,
                role,
                remove,
            })
    }

    proptest! {
        /// Whoever may act on an invitation could have made each of its grants one by one, and
        /// so holds at least that role, and at least Admin, over every account it offers.
        #[test]
        fn acting_on_an_invitation_never_reaches_past_the_actor(
            parents in proptest::collection::vec(any::<usize>(), 0..8),
            actor in proptest::collection::vec((any::<usize>(), role()), 0..3),
            offered in proptest::collection::vec((any::<usize>(), role()), 1..5),
        ) {
            let mut t = AccountTree::new();
            t.add(a(0), None).unwrap();
            for (i, p) in parents.iter().enumerate() {
                let ids: Vec<_> = t.ids().collect();
                let _ = t.add(a(i as i64 + 1), Some(ids[p % ids.len()]));
            }
            let ids: Vec<AccountId> = t.ids().collect();
            let pick = |list: &[(usize, Role)]| -> Vec<Membership> {
                list.iter().map(|(i, r)| Membership { account: ids[i % ids.len()], role: *r }).collect()
            };
            let (actor, offered) = (pick(&actor), pick(&offered));
            if check_invitation_action(&t, &actor, &offered).is_ok() {
                for grant in &offered {
                    let own = effective_role(&t, &actor, grant.account);
                    prop_assert!(own.is_some_and(|own| own >= grant.role && own >= Role::Admin));
                }
            } else {
                prop_assert!(offered.iter().any(|g| check_grant(&t, &actor, g.role, g.account).is_err()));
            }
        }

        /// Applies random grants, role changes and removals, each only if the rules allow it,
        /// and checks after every step that nobody granted above their own role and that the
        /// top-level account still has an Owner.
        #[test]
        fn no_sequence_grants_above_own_role_or_loses_the_last_owner(
            parents in proptest::collection::vec(any::<usize>(), 0..10),
            acts in proptest::collection::vec(act(), 1..120),
        ) {
            let mut t = AccountTree::new();
            t.add(a(0), None).unwrap();
            for (i, p) in parents.iter().enumerate() {
                let ids: Vec<_> = t.ids().collect();
                let _ = t.add(a(i as i64 + 1), Some(ids[p % ids.len()]));
            }
            let ids: Vec<AccountId> = t.ids().collect();
            let people = 6;
            // person -> account -> role
            let mut grants: BTreeMap<usize, BTreeMap<AccountId, Role>> = BTreeMap::new();
            grants.entry(0).or_default().insert(a(0), Role::Owner);
            let memberships = |g: &BTreeMap<usize, BTreeMap<AccountId, Role>>, p: usize| -> Vec<Membership> {
                g.get(&p).map(|ms| ms.iter().map(|(acc, r)| Membership { account: *acc, role: *r }).collect()).unwrap_or_default()
            };
            for act in acts {
                let actor = act.actor % people;
                let target = act.target % people;
                let account = ids[act.account % ids.len()];
                let actor_ms = memberships(&grants, actor);
                let own = effective_role(&t, &actor_ms, account);
                let existing = grants.get(&target).and_then(|g| g.get(&account)).copied();
                match existing {
                    None if !act.remove && check_grant(&t, &actor_ms, act.role, account).is_ok() => {
                        prop_assert!(own.is_some_and(|own| own >= act.role && own >= Role::Admin));
                        grants.entry(target).or_default().insert(account, act.role);
                    }
                    None => {}
                    Some(current) => {
                        let owners = grants.values().filter(|g| g.get(&account) == Some(&Role::Owner)).count();
                        let target_m = TargetMembership {
                            user: UserId(target as i64),
                            membership: Membership { account, role: current },
                            owners_on_account: owners,
                        };
                        let change = if act.remove { MembershipChange::Remove } else { MembershipChange::SetRole(act.role) };
                        if check_change(&t, UserId(actor as i64), &actor_ms, target_m, change).is_ok() {
                            prop_assert_ne!(actor, target);
                            prop_assert!(own.is_some_and(|own| own >= current));
                            match change {
                                MembershipChange::Remove => { grants.get_mut(&target).unwrap().remove(&account); }
                                MembershipChange::SetRole(role) => {
                                    prop_assert!(own.is_some_and(|own| own >= role));
                                    grants.get_mut(&target).unwrap().insert(account, role);
                                }
                            }
                        }
                    }
                }
                let owners_of_root = grants.values().filter(|g| g.get(&a(0)) == Some(&Role::Owner)).count();
                prop_assert!(owners_of_root >= 1, "the top-level account lost its last Owner");
            }
        }
    }
}
