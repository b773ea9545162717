//! Accounts and sub-accounts: `AccountId` and the `AccountTree` rules.
//!
//! A top-level account (a customer) holds sub-accounts to any depth up to [`MAX_DEPTH`]
//! levels. The tree never has a cycle, never has an account whose parent is unknown, and
//! never has an active account under an archived one (archiving is refused while active
//! sub-accounts remain), so no account can be orphaned.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::access::Membership;

/// Levels of nesting, the top-level account included.
pub const MAX_DEPTH: usize = 8;

/// An account's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct AccountId(pub i64);

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("there is no account {0}")]
    UnknownAccount(AccountId),
    #[error("account {0} already exists")]
    DuplicateAccount(AccountId),
    #[error("sub-accounts can be nested at most {MAX_DEPTH} levels deep")]
    TooDeep,
    #[error("an account cannot be placed under itself or one of its own sub-accounts")]
    Cycle,
    #[error("the parent account is archived")]
    ParentArchived,
    #[error("archive its {count} active sub-account(s) first")]
    HasActiveSubAccounts { count: usize },
    #[error("a top-level account cannot be archived here")]
    TopLevel,
    #[error("the account is already archived")]
    AlreadyArchived,
    #[error("the account is not archived")]
    NotArchived,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    parent: Option<AccountId>,
    archived: bool,
    children: Vec<AccountId>,
}

/// The structure of one or more account trees (names live elsewhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountTree {
    nodes: BTreeMap<AccountId, Node>,
}

impl AccountTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a tree from `(id, parent, archived)` rows in any order, checking every rule.
    pub fn from_rows(
        rows: impl IntoIterator<Item = (AccountId, Option<AccountId>, bool)>,
    ) -> Result<Self, TreeError> {
        let mut pending: BTreeMap<AccountId, (Option<AccountId>, bool)> = BTreeMap::new();
        for (id, parent, archived) in rows {
            if pending.insert(id, (parent, archived)).is_some() {
                return Err(TreeError::DuplicateAccount(id));
            }
        }
        let mut tree = AccountTree::new();
        // Insert parents before children; whatever is left after a pass that inserted
        // nothing has an unknown parent or is part of a cycle.
        while !pending.is_empty() {
            let ready: Vec<AccountId> = pending
                .iter()
                .filter(|(_, (parent, _))| parent.is_none_or(|p| tree.contains(&p)))
                .map(|(id, _)| *id)
                .collect();
            if ready.is_empty() {
                let unknown = pending
                    .values()
                    .filter_map(|(parent, _)| *parent)
                    .find(|p| !pending.contains_key(p) && !tree.contains(p));
                return Err(match unknown {
                    Some(parent) => TreeError::UnknownAccount(parent),
                    None => TreeError::Cycle,
                });
            }
            for id in ready {
                let (parent, archived) = pending.remove(&id).expect("ready ids are pending");
                tree.insert_unchecked_archive(id, parent, archived)?;
            }
        }
        Ok(tree)
    }

    fn insert_unchecked_archive(
        &mut self,
        id: AccountId,
        parent: Option<AccountId>,
        archived: bool,
    ) -> Result<(), TreeError> {
        if let Some(parent) = parent {
            if self.depth(parent)? >= MAX_DEPTH {
                return Err(TreeError::TooDeep);
            }
            if self.nodes[&parent].archived && !archived {
                return Err(TreeError::ParentArchived);
            }
            self.nodes
                .get_mut(&parent)
                .expect("checked")
                .children
                .push(id);
        }
        self.nodes.insert(
            id,
            Node {
                parent,
                archived,
                children: Vec::new(),
            },
        );
        Ok(())
    }

    /// Adds a new active account; `parent: None` makes a top-level account.
    pub fn add(&mut self, id: AccountId, parent: Option<AccountId>) -> Result<(), TreeError> {
        if self.contains(&id) {
            return Err(TreeError::DuplicateAccount(id));
        }
        if let Some(parent) = parent {
            self.check_can_add_under(parent)?;
        }
        self.insert_unchecked_archive(id, parent, false)
    }

    /// Whether a new sub-account may be created under `parent`.
    pub fn check_can_add_under(&self, parent: AccountId) -> Result<(), TreeError> {
        let node = self.node(parent)?;
        if node.archived {
            return Err(TreeError::ParentArchived);
        }
        if self.depth(parent)? >= MAX_DEPTH {
            return Err(TreeError::TooDeep);
        }
        Ok(())
    }

    /// Moves `id` (with everything below it) under `new_parent`.
    pub fn move_under(&mut self, id: AccountId, new_parent: AccountId) -> Result<(), TreeError> {
        let old_parent = self.node(id)?.parent.ok_or(TreeError::TopLevel)?;
        self.check_can_add_under(new_parent)?;
        if id == new_parent || self.is_within(new_parent, id)? {
            return Err(TreeError::Cycle);
        }
        if self.depth(new_parent)? + self.height(id)? > MAX_DEPTH {
            return Err(TreeError::TooDeep);
        }
        self.nodes
            .get_mut(&old_parent)
            .expect("parents exist")
            .children
            .retain(|c| *c != id);
        self.nodes
            .get_mut(&new_parent)
            .expect("checked")
            .children
            .push(id);
        self.nodes.get_mut(&id).expect("checked").parent = Some(new_parent);
        Ok(())
    }

    /// Whether `id` may be archived: a sub-account without active sub-accounts of its own.
    pub fn check_can_archive(&self, id: AccountId) -> Result<(), TreeError> {
        let node = self.node(id)?;
        if node.parent.is_none() {
            return Err(TreeError::TopLevel);
        }
        if node.archived {
            return Err(TreeError::AlreadyArchived);
        }
        let count = node
            .children
            .iter()
            .filter(|c| !self.nodes[c].archived)
            .count();
        if count > 0 {
            return Err(TreeError::HasActiveSubAccounts { count });
        }
        Ok(())
    }

    pub fn archive(&mut self, id: AccountId) -> Result<(), TreeError> {
        self.check_can_archive(id)?;
        self.nodes.get_mut(&id).expect("checked").archived = true;
        Ok(())
    }

    /// Whether `id` may be restored: an archived account whose parent is active. An archived
    /// parent is refused rather than restored along with it, so that a restore never brings
    /// back more than the one account the person chose.
    pub fn check_can_restore(&self, id: AccountId) -> Result<(), TreeError> {
        let node = self.node(id)?;
        if !node.archived {
            return Err(TreeError::NotArchived);
        }
        if node.parent.is_some_and(|p| self.nodes[&p].archived) {
            return Err(TreeError::ParentArchived);
        }
        Ok(())
    }

    fn node(&self, id: AccountId) -> Result<&Node, TreeError> {
        self.nodes.get(&id).ok_or(TreeError::UnknownAccount(id))
    }

    pub fn contains(&self, id: &AccountId) -> bool {
        self.nodes.contains_key(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.nodes.keys().copied()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn parent(&self, id: AccountId) -> Option<AccountId> {
        self.nodes.get(&id).and_then(|n| n.parent)
    }

    pub fn is_archived(&self, id: AccountId) -> bool {
        self.nodes.get(&id).is_some_and(|n| n.archived)
    }

    /// Direct sub-accounts, in insertion order.
    pub fn children(&self, id: AccountId) -> &[AccountId] {
        self.nodes.get(&id).map_or(&[], |n| &n.children)
    }

    /// From the parent up to the top-level account (nearest first).
    pub fn ancestors(&self, id: AccountId) -> Vec<AccountId> {
        let mut out = Vec::new();
        let mut current = self.parent(id);
        while let Some(parent) = current {
            out.push(parent);
            current = self.parent(parent);
        }
        out
    }

    /// From the top-level account down to `id` itself.
    pub fn path(&self, id: AccountId) -> Vec<AccountId> {
        let mut path = self.ancestors(id);
        path.reverse();
        path.push(id);
        path
    }

    /// The top-level account `id` belongs to.
    pub fn root(&self, id: AccountId) -> AccountId {
        self.ancestors(id).last().copied().unwrap_or(id)
    }

    /// 1 for a top-level account, 2 for its sub-accounts, …
    pub fn depth(&self, id: AccountId) -> Result<usize, TreeError> {
        self.node(id)?;
        Ok(self.ancestors(id).len() + 1)
    }

    /// Levels from `id` down to its deepest descendant (1 for a leaf).
    fn height(&self, id: AccountId) -> Result<usize, TreeError> {
        let node = self.node(id)?;
        let mut deepest = 0;
        for child in &node.children {
            deepest = deepest.max(self.height(*child)?);
        }
        Ok(deepest + 1)
    }

    /// Everything below `id` (not `id` itself), parents before children.
    pub fn descendants(&self, id: AccountId) -> Vec<AccountId> {
        let mut out = Vec::new();
        let mut stack: Vec<AccountId> = self.children(id).iter().rev().copied().collect();
        while let Some(next) = stack.pop() {
            out.push(next);
            stack.extend(self.children(next).iter().rev().copied());
        }
        out
    }

    /// Whether `id` is `scope` or lies below it.
    pub fn is_within(&self, id: AccountId, scope: AccountId) -> Result<bool, TreeError> {
        self.node(id)?;
        Ok(id == scope || self.ancestors(id).contains(&scope))
    }

    /// The accounts a person with these memberships can open: each membership's account and
    /// everything below it.
    pub fn accessible(&self, memberships: &[Membership]) -> BTreeSet<AccountId> {
        let mut out = BTreeSet::new();
        for membership in memberships {
            if self.contains(&membership.account) && out.insert(membership.account) {
                out.extend(self.descendants(membership.account));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Role;
    use proptest::prelude::*;

    fn id(n: i64) -> AccountId {
        AccountId(n)
    }

    /// 1 ─┬─ 2 ── 4
    ///    └─ 3
    /// 10 (another customer)
    fn sample() -> AccountTree {
        AccountTree::from_rows([
            (id(4), Some(id(2)), false),
            (id(1), None, false),
            (id(3), Some(id(1)), false),
            (id(2), Some(id(1)), false),
            (id(10), None, false),
        ])
        .unwrap()
    }

    #[test]
    fn navigation() {
        let tree = sample();
        assert_eq!(tree.ancestors(id(4)), [id(2), id(1)]);
        assert_eq!(tree.path(id(4)), [id(1), id(2), id(4)]);
        assert_eq!(tree.root(id(4)), id(1));
        assert_eq!(tree.root(id(10)), id(10));
        assert_eq!(tree.depth(id(4)).unwrap(), 3);
        let mut below = tree.descendants(id(1));
        below.sort();
        assert_eq!(below, [id(2), id(3), id(4)]);
        assert!(tree.is_within(id(4), id(1)).unwrap());
        assert!(tree.is_within(id(2), id(2)).unwrap());
        assert!(!tree.is_within(id(3), id(2)).unwrap());
        assert!(!tree.is_within(id(10), id(1)).unwrap());
    }

    #[test]
    fn accessible_is_each_membership_and_below() {
        let tree = sample();
        let got = tree.accessible(&[Membership {
            account: id(2),
            role: Role::Basic,
        }]);
        assert_eq!(got.into_iter().collect::<Vec<_>>(), [id(2), id(4)]);
    }

    #[test]
    fn rows_with_cycles_or_unknown_parents_are_refused() {
        assert_eq!(
            AccountTree::from_rows([(id(1), Some(id(2)), false), (id(2), Some(id(1)), false)]),
            Err(TreeError::Cycle)
        );
        assert_eq!(
            AccountTree::from_rows([(id(1), Some(id(9)), false)]),
            Err(TreeError::UnknownAccount(id(9)))
        );
        assert_eq!(
            AccountTree::from_rows([(id(1), None, false), (id(1), None, false)]),
            Err(TreeError::DuplicateAccount(id(1)))
        );
    }

    #[test]
    fn depth_is_bounded() {
        let mut tree = AccountTree::new();
        tree.add(id(1), None).unwrap();
        for n in 2..=MAX_DEPTH as i64 {
            tree.add(id(n), Some(id(n - 1))).unwrap();
        }
        assert_eq!(
            tree.add(id(100), Some(id(MAX_DEPTH as i64))),
            Err(TreeError::TooDeep)
        );
        assert_eq!(tree.depth(id(MAX_DEPTH as i64)).unwrap(), MAX_DEPTH);
    }

    #[test]
    fn moves_keep_the_tree_a_tree() {
        let mut tree = sample();
        assert_eq!(tree.move_under(id(2), id(4)), Err(TreeError::Cycle));
        assert_eq!(tree.move_under(id(2), id(2)), Err(TreeError::Cycle));
        assert_eq!(tree.move_under(id(1), id(3)), Err(TreeError::TopLevel));
        tree.move_under(id(4), id(3)).unwrap();
        assert_eq!(tree.path(id(4)), [id(1), id(3), id(4)]);
        assert!(tree.children(id(2)).is_empty());
    }

    #[test]
    fn archiving_never_orphans() {
        let mut tree = sample();
        assert_eq!(
            tree.archive(id(2)),
            Err(TreeError::HasActiveSubAccounts { count: 1 })
        );
        assert_eq!(tree.archive(id(1)), Err(TreeError::TopLevel));
        tree.archive(id(4)).unwrap();
        tree.archive(id(2)).unwrap();
        assert_eq!(tree.archive(id(2)), Err(TreeError::AlreadyArchived));
        assert_eq!(tree.add(id(5), Some(id(2))), Err(TreeError::ParentArchived));
    }

    #[test]
    fn restoring_needs_an_active_parent() {
        let mut tree = sample();
        assert_eq!(tree.check_can_restore(id(4)), Err(TreeError::NotArchived));
        tree.archive(id(4)).unwrap();
        tree.archive(id(2)).unwrap();
        assert_eq!(
            tree.check_can_restore(id(4)),
            Err(TreeError::ParentArchived)
        );
        assert_eq!(tree.check_can_restore(id(2)), Ok(()));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add { parent: usize },
        AddTop,
        Move { account: usize, parent: usize },
        Archive { account: usize },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => any::<usize>().prop_map(|parent| Op::Add { parent }),
            1 => Just(Op::AddTop),
            2 => (any::<usize>(), any::<usize>()).prop_map(|(account, parent)| Op::Move { account, parent }),
            2 => any::<usize>().prop_map(|account| Op::Archive { account }),
        ]
    }

    fn assert_invariants(tree: &AccountTree) {
        for account in tree.ids() {
            // Every parent exists; following parents ends at a root within the depth bound.
            let depth = tree.depth(account).unwrap();
            assert!(depth <= MAX_DEPTH, "{account} is {depth} deep");
            assert!(tree.path(account).len() == depth);
            if let Some(parent) = tree.parent(account) {
                assert!(tree.contains(&parent));
                assert!(tree.children(parent).contains(&account));
                // No active account under an archived one.
                assert!(tree.is_archived(account) || !tree.is_archived(parent));
            }
        }
    }

    proptest! {
        #[test]
        fn no_sequence_of_operations_breaks_the_tree(ops in proptest::collection::vec(op(), 1..80)) {
            let mut tree = AccountTree::new();
            tree.add(id(0), None).unwrap();
            let mut next = 1;
            for op in ops {
                let ids: Vec<AccountId> = tree.ids().collect();
                let pick = |n: usize| ids[n % ids.len()];
                let _ = match op {
                    Op::Add { parent } => { next += 1; tree.add(id(next), Some(pick(parent))) }
                    Op::AddTop => { next += 1; tree.add(id(next), None) }
                    Op::Move { account, parent } => tree.move_under(pick(account), pick(parent)),
                    Op::Archive { account } => tree.archive(pick(account)),
                };
                assert_invariants(&tree);
                // Rebuilding from rows accepts what the operations produced.
                let rows: Vec<_> = tree.ids().map(|a| (a, tree.parent(a), tree.is_archived(a))).collect();
                prop_assert!(AccountTree::from_rows(rows).is_ok());
            }
        }
    }
}
