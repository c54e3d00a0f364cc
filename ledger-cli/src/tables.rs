//! The fold's tables on a desktop: growable vectors, and pledges and events in pages of which
//! only a few stay in memory, so that a ledger of any size is read in bounded memory.

use std::collections::HashMap;

use ledger_core::slots::{Keyed, KeyedSlots, Slots, Tables};

pub use crate::paged::{Paged, configure_from_env};

/// A `Vec` that the core's fold can grow.
#[derive(Debug, Clone)]
pub struct Grow<T>(Vec<T>);

impl<T> Default for Grow<T> {
    fn default() -> Self {
        Grow(Vec::new())
    }
}

impl<T> Slots<T> for Grow<T> {
    fn push(&mut self, item: T) -> Result<(), T> {
        self.0.push(item);
        Ok(())
    }
    fn insert(&mut self, index: usize, item: T) -> Result<(), T> {
        if index > self.0.len() {
            return Err(item);
        }
        self.0.insert(index, item);
        Ok(())
    }
    fn remove(&mut self, index: usize) -> Option<T> {
        (index < self.0.len()).then(|| self.0.remove(index))
    }
    fn as_slice(&self) -> &[T] {
        &self.0
    }
    fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.0
    }
    fn is_full(&self) -> bool {
        false
    }
}

/// A `Vec` with a hash index from key to position, so that finding a name is O(1) however
/// many there are. The index hashes with aHash under keys drawn at random for each process:
/// hostile names cannot be chosen to collide, and a short name hashes several times faster
/// than with std's SipHash (a bulk import looks up three or four names a row).
#[derive(Debug)]
pub struct Indexed<T> {
    items: Vec<T>,
    index: HashMap<Box<str>, usize, ahash::RandomState>,
}

impl<T> Default for Indexed<T> {
    fn default() -> Self {
        Indexed {
            items: Vec::new(),
            index: HashMap::default(),
        }
    }
}

impl<T: Keyed> Slots<T> for Indexed<T> {
    fn push(&mut self, item: T) -> Result<(), T> {
        // The first item with a key is the one found, as a scan would find it.
        self.index
            .entry(item.key().into())
            .or_insert(self.items.len());
        self.items.push(item);
        Ok(())
    }
    fn insert(&mut self, index: usize, item: T) -> Result<(), T> {
        if index > self.items.len() {
            return Err(item);
        }
        self.items.insert(index, item);
        self.reindex();
        Ok(())
    }
    fn remove(&mut self, index: usize) -> Option<T> {
        let item = (index < self.items.len()).then(|| self.items.remove(index))?;
        self.reindex();
        Some(item)
    }
    fn as_slice(&self) -> &[T] {
        &self.items
    }
    fn as_mut_slice(&mut self) -> &mut [T] {
        // The fold changes pledges' figures through this, never a declared name's key.
        &mut self.items
    }
    fn is_full(&self) -> bool {
        false
    }
}

impl<T: Keyed> Indexed<T> {
    /// Rebuilds the index after items moved: rare for declared names, which are only appended.
    fn reindex(&mut self) {
        self.index.clear();
        for (i, item) in self.items.iter().enumerate() {
            self.index.entry(item.key().into()).or_insert(i);
        }
    }
}

impl<T: Keyed> KeyedSlots<T> for Indexed<T> {
    fn position(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }
}

/// Tables without a fixed capacity.
#[derive(Debug)]
pub struct Desktop;

impl Tables for Desktop {
    type PartyNames = Indexed<ledger_core::entry::Name>;
    type ProjectNames = Indexed<ledger_core::entry::Name>;
    type SectorNames = Indexed<ledger_core::entry::Name>;
    type TagNames = Indexed<ledger_core::entry::Name>;
    type Commodities = Indexed<ledger_core::Commodity>;
    type Goals = Indexed<ledger_core::state::GoalState>;
    type Pledges = Paged<ledger_core::state::PledgeState>;
    type Bounds = Grow<i64>;
    type Events = Paged<ledger_core::state::EventState>;
    type Rates = Grow<ledger_core::state::RateState>;
    type Aliases = Grow<ledger_core::state::Alias>;
    // Never used: pledges spill to a file rather than leave.
    type Settled = Grow<ledger_core::state::SettledRow>;
}

/// The state of a ledger on a desktop.
pub type State = ledger_core::State<Desktop>;

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_core::entry::{Name, name};

    fn n(text: &str) -> Name {
        name(text).unwrap()
    }

    /// The index finds what a scan would: the first item with a key, after inserts too.
    #[test]
    fn the_index_agrees_with_a_scan() {
        let mut names: Indexed<Name> = Indexed::default();
        for text in ["b", "a", "c", "a"] {
            names.push(n(text)).unwrap();
        }
        names.insert(0, n("c")).unwrap();
        assert!(names.insert(9, n("z")).is_err());
        for key in ["a", "b", "c", "z"] {
            let scan = names.as_slice().iter().position(|x| x.as_str() == key);
            assert_eq!(names.position(key), scan, "{key}");
        }
        assert_eq!(names.position("c"), Some(0));
    }

    /// A key that counts how often it is read.
    struct Counted(String, std::rc::Rc<std::cell::Cell<u64>>);

    impl Keyed for Counted {
        fn key(&self) -> &str {
            self.1.set(self.1.get() + 1);
            &self.0
        }
    }

    /// Regression (quadratic reads): declaring n names and looking each up reads O(n) keys
    /// with the index, where a scan reads about n²/2 (50M for these 10,000).
    #[test]
    fn lookups_do_not_scan() {
        let reads = std::rc::Rc::new(std::cell::Cell::new(0));
        let mut names: Indexed<Counted> = Indexed::default();
        for i in 0..10_000 {
            let key = format!("Party {i}");
            assert_eq!(names.position(&key), None);
            names.push(Counted(key, reads.clone())).ok().unwrap();
        }
        for i in 0..10_000 {
            assert_eq!(names.position(&format!("Party {i}")), Some(i));
        }
        assert!(reads.get() <= 20_000, "{} keys read", reads.get());
        // The same lookups by scanning, as a device does, read far more.
        reads.set(0);
        let scan = |key: &str| names.as_slice().iter().position(|n| n.key() == key);
        for i in (0..10_000).step_by(100) {
            assert_eq!(scan(&format!("Party {i}")), Some(i));
        }
        assert!(
            reads.get() > 400_000,
            "{} keys read by the scan",
            reads.get()
        );
    }
}
