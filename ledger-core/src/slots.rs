//! Where the fold keeps its tables: any growable slice. A device uses [`heapless::Vec`] with a
//! capacity fixed at compile time; a desktop program can implement [`Slots`] over its own
//! growable vector. The ledger logic is the same for both.

use core::ops::Deref;

use crate::amount::Commodity;
use crate::entry::{Name, Seq};
use crate::state::{Alias, EventState, GoalState, PledgeState, RateState, SettledRow};

/// A sequence that can grow up to some capacity. A full container hands the item back.
pub trait Slots<T>: Default {
    /// Appends `item`, or returns it if there is no room.
    fn push(&mut self, item: T) -> Result<(), T>;
    /// Inserts `item` at `index`, shifting later items, or returns it if there is no room.
    /// `index` must be at most the length.
    fn insert(&mut self, index: usize, item: T) -> Result<(), T>;
    /// Removes and returns the item at `index`, shifting later items; `None` past the end.
    fn remove(&mut self, index: usize) -> Option<T>;
    /// The items.
    fn as_slice(&self) -> &[T];
    /// The items, mutably.
    fn as_mut_slice(&mut self) -> &mut [T];
    /// Whether a push would hand the item back: what the fold asks before a record is
    /// written, so that a full table refuses it before the flash holds it, not after.
    fn is_full(&self) -> bool;
}

impl<T, const N: usize> Slots<T> for heapless::Vec<T, N> {
    fn push(&mut self, item: T) -> Result<(), T> {
        heapless::Vec::push(self, item)
    }
    fn insert(&mut self, index: usize, item: T) -> Result<(), T> {
        if index > self.len() {
            return Err(item);
        }
        heapless::Vec::insert(self, index, item)
    }
    fn remove(&mut self, index: usize) -> Option<T> {
        (index < self.len()).then(|| heapless::Vec::remove(self, index))
    }
    fn as_slice(&self) -> &[T] {
        self
    }
    fn as_mut_slice(&mut self) -> &mut [T] {
        self
    }
    fn is_full(&self) -> bool {
        heapless::Vec::is_full(self)
    }
}

/// An item with a record's sequence number, kept in order of them.
pub trait Sequenced {
    /// Its record's sequence number.
    fn seq(&self) -> Seq;
}

impl Sequenced for PledgeState {
    fn seq(&self) -> Seq {
        self.seq
    }
}

impl Sequenced for EventState {
    fn seq(&self) -> Seq {
        self.seq
    }
}

/// Where the fold keeps its pledges and its events, in order of their sequence numbers. Unlike
/// [`Slots`], it lends one item at a time rather than a slice, so that a desktop can keep most
/// of them somewhere other than memory (a reader of ten million pledges spills them to a file)
/// while a device lends references into its [`heapless::Vec`].
pub trait LentSlots<T: Sequenced>: Default {
    /// An item lent for reading: a reference, or a copy of one read back from elsewhere.
    type Ref<'a>: Deref<Target = T>
    where
        Self: 'a;
    /// The items in order, from some index on.
    type Iter<'a>: Iterator<Item = Self::Ref<'a>>
    where
        Self: 'a;
    /// How many items there are.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The item at `index`.
    fn get(&self, index: usize) -> Option<Self::Ref<'_>>;
    /// The item at `index`, to change in place.
    fn get_mut(&mut self, index: usize) -> Option<&mut T>;
    /// Appends `item` (its sequence number after every other's), or returns it if there is no
    /// room.
    #[allow(
        clippy::result_large_err,
        reason = "handed back as Slots::push does, never boxed"
    )]
    fn push(&mut self, item: T) -> Result<(), T>;
    /// Whether a push would hand the item back.
    fn is_full(&self) -> bool;
    /// Removes and returns the item at `index`, shifting later items. The fold removes only
    /// from a full table (a settled pledge leaving a device's memory), so a table that is
    /// never full may keep every item and return `None`.
    fn remove(&mut self, index: usize) -> Option<T>;
    /// The items from index `start` on (none past the end).
    fn iter_from(&self, start: usize) -> Self::Iter<'_>;
    /// Every item, in order.
    fn iter(&self) -> Self::Iter<'_> {
        self.iter_from(0)
    }
    /// The index of the first item whose sequence number is not below `seq` (the length if
    /// there is none), by [`gallop`] over [`LentSlots::get`].
    fn lower_bound(&self, seq: Seq) -> usize {
        gallop(self.len(), seq, |index| {
            self.get(index).map(|item| item.seq())
        })
    }
    /// The index of the item of record `seq`.
    fn position(&self, seq: Seq) -> Option<usize> {
        let index = self.lower_bound(seq);
        self.get(index)
            .is_some_and(|item| item.seq() == seq)
            .then_some(index)
    }
}

/// The first of `len` sequence numbers in increasing order, `seq_at` giving each, that is not
/// below `seq` (`len` if none). Events mostly follow soon after their pledge, so this gallops
/// back from the end (steps of 1, 2, 4, ...) and binary-searches only the window it lands in:
/// O(log distance), on items that are already at hand.
pub fn gallop(len: usize, seq: Seq, seq_at: impl Fn(usize) -> Option<Seq>) -> usize {
    let mut hi = len;
    let mut step = 1usize;
    let mut lo = loop {
        let lo = hi.saturating_sub(step);
        match seq_at(lo) {
            Some(at) if at >= seq && lo > 0 => {
                hi = lo;
                step = step.saturating_mul(2);
            }
            _ => break lo,
        }
    };
    while lo < hi {
        let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
        match seq_at(mid) {
            Some(at) if at < seq => lo = mid.saturating_add(1),
            _ => hi = mid,
        }
    }
    lo
}

impl<T: Sequenced, const N: usize> LentSlots<T> for heapless::Vec<T, N> {
    type Ref<'a>
        = &'a T
    where
        T: 'a;
    type Iter<'a>
        = core::slice::Iter<'a, T>
    where
        T: 'a;
    fn len(&self) -> usize {
        self.as_slice().len()
    }
    fn get(&self, index: usize) -> Option<&T> {
        self.as_slice().get(index)
    }
    fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.as_mut_slice().get_mut(index)
    }
    fn push(&mut self, item: T) -> Result<(), T> {
        heapless::Vec::push(self, item)
    }
    fn is_full(&self) -> bool {
        heapless::Vec::is_full(self)
    }
    fn remove(&mut self, index: usize) -> Option<T> {
        (index < self.len()).then(|| heapless::Vec::remove(self, index))
    }
    fn iter_from(&self, start: usize) -> core::slice::Iter<'_, T> {
        self.as_slice().get(start..).unwrap_or_default().iter()
    }
    /// A plain binary search: a device's table is a few dozen items, and this is smaller in
    /// flash than the gallop.
    fn lower_bound(&self, seq: Seq) -> usize {
        self.as_slice().partition_point(|item| item.seq() < seq)
    }
}

/// An item looked up by a unique text key: a declared name, a commodity code, a goal name.
pub trait Keyed {
    /// The key.
    fn key(&self) -> &str;
}

impl Keyed for Name {
    fn key(&self) -> &str {
        self.as_str()
    }
}

impl Keyed for Commodity {
    fn key(&self) -> &str {
        self.code.as_str()
    }
}

impl Keyed for GoalState {
    fn key(&self) -> &str {
        self.name.as_str()
    }
}

/// Slots whose items can be found by key. The default scans, which is right for a device's
/// few dozen names; a desktop implementation keeps an index, so that reading a ledger of many
/// names (a hostile one included) stays linear rather than quadratic in their number.
pub trait KeyedSlots<T: Keyed>: Slots<T> {
    /// The index of the first item with this key.
    fn position(&self, key: &str) -> Option<usize> {
        scan(self.as_slice(), key)
    }
}

/// The scan behind [`KeyedSlots::position`]: one copy per item type, however many tables of
/// different capacities a device keeps.
#[inline(never)]
fn scan<T: Keyed>(items: &[T], key: &str) -> Option<usize> {
    items.iter().position(|item| item.key() == key)
}

impl<T: Keyed, const N: usize> KeyedSlots<T> for heapless::Vec<T, N> {}

/// The set of tables a [`crate::state::State`] keeps.
pub trait Tables {
    /// Declared parties.
    type PartyNames: KeyedSlots<Name>;
    /// Declared projects.
    type ProjectNames: KeyedSlots<Name>;
    /// Declared sectors.
    type SectorNames: KeyedSlots<Name>;
    /// Declared tags.
    type TagNames: KeyedSlots<Name>;
    /// Declared commodities.
    type Commodities: KeyedSlots<Commodity>;
    /// Goals.
    type Goals: KeyedSlots<GoalState>;
    /// Pledges.
    type Pledges: LentSlots<PledgeState>;
    /// Each commodity's 64-bit bound: the sum of its pledges' peak amounts (one per commodity).
    type Bounds: Slots<i64>;
    /// Events on pledges, for voiding them later. When it is full, events are still folded,
    /// but the pledges they are about can no longer have an event voided.
    type Events: LentSlots<EventState>;
    /// Exchange rates.
    type Rates: Slots<RateState>;
    /// Renames and merges.
    type Aliases: Slots<Alias>;
    /// The totals of settled pledges that left a full pledges table to make room for new ones,
    /// a row per [`crate::state::PledgeKeys`]. With no room here (a capacity of 0), or without
    /// the `settle` feature, no pledge ever leaves, and a full pledges table refuses the next
    /// pledge.
    type Settled: Slots<SettledRow>;
}

/// Tables of fixed capacity with a capacity for each kind of name: `PARTIES` parties,
/// `PROJECTS` projects, `SECTORS` sectors and `TAGS` tags (a name costs 68 bytes on a 32-bit
/// device, so a device that declares few tags need not keep room for as many as parties).
/// `EVENTS` events are held for voiding (none by default: a device then cannot void an event,
/// only a pledge or a rate; see [`Tables::Events`]), with room for `RATES` rates and `RENAMES`
/// renames (none by default: a device that reads ledgers with rates or renames sets them, as
/// `docs/EMBEDDED.md` says, and a record beyond them is a capacity error). With `SETTLED` rows
/// (none by default), `PLEDGES` bounds the pledges that are not settled: when it is full, the
/// oldest fulfilled, cancelled or void pledge leaves memory, its totals kept in a row of
/// [`Tables::Settled`], so that the fold's memory is fixed whatever the number of pledges.
#[derive(Debug)]
pub struct FixedPerKind<
    const PARTIES: usize,
    const PROJECTS: usize,
    const SECTORS: usize,
    const TAGS: usize,
    const COMMODITIES: usize,
    const GOALS: usize,
    const PLEDGES: usize,
    const EVENTS: usize = 0,
    const RATES: usize = 0,
    const RENAMES: usize = 0,
    const SETTLED: usize = 0,
>;

impl<
    const PARTIES: usize,
    const PROJECTS: usize,
    const SECTORS: usize,
    const TAGS: usize,
    const COMMODITIES: usize,
    const GOALS: usize,
    const PLEDGES: usize,
    const EVENTS: usize,
    const RATES: usize,
    const RENAMES: usize,
    const SETTLED: usize,
> Tables
    for FixedPerKind<
        PARTIES,
        PROJECTS,
        SECTORS,
        TAGS,
        COMMODITIES,
        GOALS,
        PLEDGES,
        EVENTS,
        RATES,
        RENAMES,
        SETTLED,
    >
{
    type PartyNames = heapless::Vec<Name, PARTIES>;
    type ProjectNames = heapless::Vec<Name, PROJECTS>;
    type SectorNames = heapless::Vec<Name, SECTORS>;
    type TagNames = heapless::Vec<Name, TAGS>;
    type Commodities = heapless::Vec<Commodity, COMMODITIES>;
    type Goals = heapless::Vec<GoalState, GOALS>;
    type Pledges = heapless::Vec<PledgeState, PLEDGES>;
    type Bounds = heapless::Vec<i64, COMMODITIES>;
    type Events = heapless::Vec<EventState, EVENTS>;
    type Rates = heapless::Vec<RateState, RATES>;
    type Aliases = heapless::Vec<Alias, RENAMES>;
    type Settled = heapless::Vec<SettledRow, SETTLED>;
}

/// Tables of fixed capacity: `NAMES` names of each kind, `COMMODITIES` commodities, `GOALS`
/// goals and `PLEDGES` pledges. Sized for a device, held wherever the state is held.
pub type Fixed<
    const NAMES: usize,
    const COMMODITIES: usize,
    const GOALS: usize,
    const PLEDGES: usize,
> = FixedPerKind<NAMES, NAMES, NAMES, NAMES, COMMODITIES, GOALS, PLEDGES>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The gallop finds what a binary search from scratch finds, for every length and every
    /// number below, between, equal to and past the items'.
    #[test]
    fn gallop_is_a_lower_bound() {
        for len in 0..70u32 {
            let seqs: heapless::Vec<Seq, 70> = (0..len).map(|i| 3 * i + 1).collect();
            for seq in 0..3 * len + 3 {
                let found = gallop(seqs.len(), seq, |i| seqs.get(i).copied());
                assert_eq!(found, seqs.partition_point(|&s| s < seq), "{len} {seq}");
            }
        }
    }

    /// A device's table finds an item by its number, or says it has none.
    #[test]
    fn position_finds_only_what_is_there() {
        let mut events: heapless::Vec<EventState, 8> = heapless::Vec::new();
        for seq in [2, 3, 7, 20] {
            let event = EventState {
                seq,
                subject: 1,
                date: crate::Date(0),
                effect: crate::state::Effect::Note,
                voided: false,
            };
            LentSlots::push(&mut events, event).unwrap();
        }
        let position = |seq| LentSlots::position(&events, seq);
        assert_eq!(
            [position(2), position(7), position(20)],
            [Some(0), Some(2), Some(3)]
        );
        assert_eq!([position(0), position(4), position(21)], [None, None, None]);
        assert_eq!(events.iter_from(2).map(|e| e.seq).sum::<u32>(), 27);
        assert_eq!(events.iter_from(9).count(), 0);
    }
}
