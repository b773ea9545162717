//! The account tree under any sequence of adds, moves, archives and restores (each three bytes:
//! what, which account, which parent): whatever the refusals, the tree stays a tree whose every
//! account reaches a top-level account, never deeper than the limit.
#![no_main]
use roster_shared::account::{AccountId, AccountTree};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut tree = AccountTree::new();
    for op in data.chunks_exact(3) {
        let id = AccountId(i64::from(op[1] % 32));
        let parent = AccountId(i64::from(op[2] % 32));
        match op[0] % 4 {
            0 => {
                let _ = tree.add(id, (op[2] % 5 != 0).then_some(parent));
            }
            1 => {
                let _ = tree.move_under(id, parent);
            }
            2 => {
                let _ = tree.archive(id);
            }
            _ => {
                let _ = tree.check_can_restore(id);
            }
        }
    }
    let ids: Vec<AccountId> = tree.ids().collect();
    for id in ids {
        let depth = tree.depth(id).expect("every account has a depth");
        assert!(depth >= 1 && depth <= tree.len());
        assert_eq!(tree.path(id).len(), depth);
        assert!(tree.parent(tree.root(id)).is_none());
        assert!(tree.is_within(id, tree.root(id)).expect("known"));
    }
});
