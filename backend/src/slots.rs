//! Counted places: at most so many held per key (a client address, a person) and in all. A
//! [`Slot`] is one place, given back when dropped, whatever way its holder ends.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// How many places are held per key and in all.
pub(crate) struct Slots<K> {
    counts: Arc<Mutex<Counts<K>>>,
    per_key: usize,
    total: usize,
}

struct Counts<K> {
    by_key: HashMap<K, usize>,
    total: usize,
}

/// One place, held until dropped.
pub(crate) struct Slot<K: Hash + Eq + Copy> {
    counts: Arc<Mutex<Counts<K>>>,
    key: Option<K>,
}

impl<K: Hash + Eq + Copy> Slots<K> {
    pub(crate) fn new(per_key: usize, total: usize) -> Slots<K> {
        Slots {
            counts: Arc::new(Mutex::new(Counts {
                by_key: HashMap::new(),
                total: 0,
            })),
            per_key,
            total,
        }
    }

    /// A place for `key` (`None`: counted in the total only), or `None` when a limit is
    /// reached.
    pub(crate) fn take(&self, key: Option<K>) -> Option<Slot<K>> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.total >= self.total {
            return None;
        }
        if let Some(key) = key {
            let held = counts.by_key.entry(key).or_default();
            if *held >= self.per_key {
                return None;
            }
            *held += 1;
        }
        counts.total += 1;
        Some(Slot {
            counts: Arc::clone(&self.counts),
            key,
        })
    }
}

impl<K> Slots<K> {
    /// Places held now, in all.
    pub(crate) fn held(&self) -> usize {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

impl<K: Hash + Eq + Copy> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(key) = self.key
            && let Some(held) = counts.by_key.get_mut(&key)
        {
            *held = held.saturating_sub(1);
            if *held == 0 {
                counts.by_key.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_counted_per_key_and_in_all_and_given_back() {
        let slots = Slots::new(2, 3);
        let first = slots.take(Some('a')).expect("one");
        let _second = slots.take(Some('a')).expect("two");
        assert!(slots.take(Some('a')).is_none(), "a third for a");
        let _third = slots.take(Some('b')).expect("b has its own");
        assert!(slots.take(None).is_none(), "the total is reached");
        drop(first);
        assert!(slots.take(Some('a')).is_some(), "given back");
    }
}
